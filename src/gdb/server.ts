// The GDB stub's socket: one client at a time (a second one is refused while
// one is attached), acks until QStartNoAckMode, Ctrl-C, and stop replies sent
// when the machine stops. It runs on Node's main thread like the scheduler,
// so while a packet is handled no guest code runs.
import net from 'node:net';
import type { AddressSpace, Engine } from '../cpu/engine.js';
import type { Machine } from '../vm/machine.js';
import { handle, stopReply, type Reply, type Session } from './commands.js';
import { HostIo } from './hostio.js';
import { frame, PacketReader, toHex } from './packet.js';
import { Target, trackSpaces } from './target.js';

export interface GdbOptions { host: string; port: number; log: (line: string) => void }

export class GdbServer {
  private server: net.Server | undefined;
  private client: net.Socket | undefined;
  private session: Session | undefined;
  private reader = new PacketReader();
  /** A resume is outstanding: the next stop is its reply. */
  private waiting = false;
  private lastSent: Buffer | undefined;
  private ended = false;
  private closed: (() => void) | undefined;
  /** VKEMU_GDB_TRACE=1: every packet both ways on vkemu's stderr. */
  private readonly trace = !!process.env.VKEMU_GDB_TRACE;

  constructor(readonly target: Target, private readonly opts: GdbOptions) {
    target.onStop = (r) => {
      if (!this.waiting || !this.client) return;
      this.waiting = false;
      this.send(stopReply(r, this.target));
    };
  }

  /** Start listening; resolves to the port (useful with port 0). */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      const srv = net.createServer((sock) => this.accept(sock));
      srv.once('error', (e) => reject(new Error(`gdb stub: cannot listen on ${this.opts.host}:${this.opts.port}: ${e.message}`)));
      srv.listen(this.opts.port, this.opts.host, () => {
        const a = srv.address();
        resolve(typeof a === 'object' && a ? a.port : this.opts.port);
      });
      this.server = srv;
    });
  }

  private accept(sock: net.Socket): void {
    if (this.client) {
      this.opts.log(`vkemu: gdb stub: refused a second client from ${sock.remoteAddress}:${sock.remotePort} (one is attached)`);
      sock.end('$E01#a6');
      sock.destroy();
      return;
    }
    this.client = sock;
    sock.setNoDelay(true);
    this.reader = new PacketReader();
    this.waiting = false;
    this.session = {
      target: this.target, hostio: new HostIo(this.target.machine), gThread: 0, cThread: 0, noAck: false,
      console: (text) => {
        for (let i = 0; i < text.length; i += 2000) this.send('O' + toHex(Buffer.from(text.slice(i, i + 2000))));
      },
      after: undefined,
    };
    if (!this.target.attached && !this.ended) this.target.attach();
    sock.on('data', (chunk) => this.receive(sock, chunk));
    sock.on('error', () => { /* reported as close */ });
    sock.on('close', () => this.dropped(sock));
  }

  private receive(sock: net.Socket, chunk: Buffer): void {
    if (sock !== this.client || !this.session) return;
    const s = this.session;
    for (const ev of this.reader.feed(chunk)) {
      if (sock.destroyed) return;
      switch (ev.kind) {
        case 'packet': {
          if (!s.noAck) sock.write('+');
          if (this.trace) this.opts.log(`${(performance.now()).toFixed(3)} gdb <- ${ev.data.toString('latin1').slice(0, 200)}`);
          let reply: Reply;
          try {
            reply = handle(s, ev.data);
          } catch (e) {
            // A bug of ours must not take the guest down: the packet fails.
            this.opts.log(`vkemu: gdb stub: internal error on packet '${ev.data.toString('latin1').slice(0, 40)}': ${(e as Error).stack ?? e}`);
            reply = 'E01';
          }
          if (reply === null) {
            if (this.ended || !this.target.attached) this.send(stopReply(this.target.lastStop, this.target));
            else if (this.target.isStopped) this.send(stopReply(this.target.lastStop, this.target)); // nothing could run
            else this.waiting = true;
          } else {
            this.send(reply);
          }
          const after = s.after;
          s.after = undefined;
          if (after === 'detach') {
            this.target.detach();
          } else if (after === 'kill') {
            this.target.kill();
            sock.end();
          }
          break;
        }
        case 'interrupt':
          if (this.trace) this.opts.log('gdb <- ^C');
          if (this.target.attached) this.target.interrupt();
          break;
        case 'nack':
          if (!s.noAck && this.lastSent) sock.write(this.lastSent);
          break;
        case 'bad':
          if (!s.noAck) sock.write('-');
          break;
        case 'ack':
          break;
      }
    }
  }

  private send(payload: string | Buffer): void {
    if (!this.client || this.client.destroyed) return;
    if (this.trace) this.opts.log(`${(performance.now()).toFixed(3)} gdb -> ${(typeof payload === 'string' ? payload : payload.toString('latin1')).slice(0, 200)}`);
    this.lastSent = frame(payload);
    this.client.write(this.lastSent);
  }

  /** The client went away: the guest runs on without it (as after a detach). */
  private dropped(sock: net.Socket): void {
    if (sock !== this.client) return;
    this.client = undefined;
    this.session?.hostio.closeAll();
    this.session = undefined;
    this.waiting = false;
    if (this.target.attached) this.target.detach();
    this.closed?.();
  }

  /** The guest has ended: tell gdb (W/X), give it a moment to hang up, stop listening. */
  async finish(): Promise<void> {
    this.ended = true;
    this.target.exited();
    if (this.client && this.waiting) {
      this.waiting = false;
      this.send(stopReply(this.target.lastStop, this.target));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1000);
        this.closed = () => { clearTimeout(timer); resolve(); };
      });
    }
    this.client?.destroy();
    this.server?.close();
  }
}

/** Wire a stub to a machine: every address space is tracked from `engine` on. */
export function debugEngine(engine: Engine): { engine: Engine; spaces: Set<AddressSpace>; bind: (t: Target) => void } {
  const spaces = new Set<AddressSpace>();
  let target: Target | undefined;
  return { engine: trackSpaces(engine, spaces, (s) => target?.spaceCreated(s)), spaces, bind: (t) => { target = t; } };
}

/** `-g`: listen, and hold the machine before its first instruction until gdb lets it go. */
export async function startGdb(machine: Machine, spaces: Set<AddressSpace>, bind: (t: Target) => void,
  host: string, port: number): Promise<GdbServer> {
  const target = new Target(machine, spaces);
  bind(target);
  target.attach();
  const server = new GdbServer(target, { host, port, log: machine.log });
  const actual = await server.listen();
  machine.log(`vkemu: waiting for gdb on ${host}:${actual}`);
  return server;
}
