// The GDB stub's robustness: the packet parser fuzzed directly, then a live
// stub fed garbage, bad checksums, huge lengths, malformed packets, a second
// client and a disconnect in the middle of a packet. The guest and vkemu must
// come out intact: the program still runs to its normal end.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { frame, PacketReader, type Incoming } from '../src/gdb/packet.js';
import { image } from './helpers.js';
import { killAll, startGuest } from './gdb-stub.js';

afterEach(killAll);

/** xorshift32: reproducible noise. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x;
  };
}

describe('packet parser', () => {
  it('recovers framed packets from any surrounding noise and never throws', () => {
    const r = rng(7);
    for (let round = 0; round < 300; round++) {
      const payload = Buffer.from(Array.from({ length: r() % 300 }, () => r() & 0xff));
      const noise = Buffer.from(Array.from({ length: r() % 200 }, () => {
        const b = r() & 0xff;
        return b === 0x24 ? 0x25 : b; // a '$' in the noise would start a packet: tested below
      }));
      const reader = new PacketReader();
      const got: Incoming[] = [];
      // Noise, then the packet, fed in random pieces.
      const stream = Buffer.concat([noise.filter((b) => b !== 0x23 && b !== 0x03 && b !== 0x2b && b !== 0x2d), frame(payload)]);
      for (let i = 0; i < stream.length;) {
        const n = 1 + (r() % 17);
        got.push(...reader.feed(stream.subarray(i, i + n)));
        i += n;
      }
      const packets = got.filter((e) => e.kind === 'packet');
      expect(packets.length).toBe(1);
      expect((packets[0] as { data: Buffer }).data.equals(payload)).toBe(true);
    }
  });

  it('reports bad checksums, cut-short and oversized packets, then reads the next one', () => {
    const reader = new PacketReader();
    const ev = reader.feed(Buffer.concat([
      Buffer.from('$g#00'), // wrong checksum
      Buffer.from('$m10,4#zz'), // not hex
      Buffer.from('$abc$'), // cut short by a new packet start...
      Buffer.from('g#67'), // ...which completes as "g"
      Buffer.from('$' + 'A'.repeat(100_000) + '#00'), // far beyond PacketSize
      Buffer.from('\x03+-'),
      frame('qSupported'),
    ]));
    const kinds = ev.map((e) => (e.kind === 'packet' ? `packet:${e.data.toString()}` : e.kind === 'bad' ? `bad:${e.why}` : e.kind));
    expect(kinds).toEqual([
      'bad:checksum mismatch', 'bad:bad checksum digit', 'bad:packet interrupted by a new one', 'packet:g',
      expect.stringMatching(/^bad:packet longer than/), 'interrupt', 'ack', 'nack', 'packet:qSupported',
    ]);
  });

  it('survives 2 MB of random bytes', () => {
    const r = rng(99);
    const reader = new PacketReader();
    let n = 0;
    for (let i = 0; i < 64; i++) n += reader.feed(Buffer.from(Array.from({ length: 32768 }, () => r() & 0xff))).length;
    expect(n).toBeGreaterThan(0);
    // Still in step afterwards.
    const after = reader.feed(Buffer.concat([Buffer.from('#00'), frame('vCont?')]));
    expect(after.filter((e) => e.kind === 'packet').map((e) => (e as { data: Buffer }).data.toString())).toContain('vCont?');
  });
});

/** A bare protocol client: framed requests, replies parsed with the stub's own reader. */
class Client {
  private reader = new PacketReader();
  private replies: Buffer[] = [];
  private waiters: (() => void)[] = [];
  closed = false;
  /** Resolves when the stub closes the connection. */
  readonly closing: Promise<void>;
  constructor(readonly sock: net.Socket) {
    this.closing = new Promise((resolve) => sock.once('close', () => resolve()));
    sock.on('data', (d) => {
      for (const e of this.reader.feed(d)) if (e.kind === 'packet') this.replies.push(e.data);
      for (const w of this.waiters.splice(0)) w();
    });
    sock.on('close', () => { this.closed = true; for (const w of this.waiters.splice(0)) w(); });
    sock.on('error', () => {});
  }

  static connect(port: number): Promise<Client> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(new Client(s)));
      s.once('error', reject);
    });
  }

  async reply(ms = 5000): Promise<string> {
    const deadline = Date.now() + ms;
    while (!this.replies.length) {
      if (this.closed || Date.now() > deadline) throw new Error('no reply');
      await new Promise<void>((r) => { this.waiters.push(r); setTimeout(r, 100); });
    }
    return this.replies.shift()!.toString('latin1');
  }

  /** Send a packet; its reply, after any console output (O packets) it produced. */
  async ask(payload: string | Buffer): Promise<string> {
    this.sock.write(frame(payload));
    for (;;) {
      const r = await this.reply();
      if (!/^O[0-9a-f]+$/.test(r)) return r;
    }
  }
}

describe('gdb stub under abuse', () => {
  it('answers malformed packets with errors, refuses a second client, survives a disconnect mid-packet', async () => {
    const g = await startGuest([image('c', 'gdb_demo'), 'basic']);
    const c = await Client.connect(g.port);
    expect(await c.ask('qSupported:swbreak+')).toMatch(/PacketSize=[0-9a-f]+/);
    expect(await c.ask('QStartNoAckMode')).toBe('OK');
    // Noise and bad checksums get no reply at all (in no-ack mode): the next packet is still understood.
    const r = rng(3);
    c.sock.write(Buffer.from(Array.from({ length: 50_000 }, () => { const b = r() & 0xff; return b === 0x24 || b === 0x03 ? 0x20 : b; })));
    c.sock.write('$g#00$?#00');
    expect(await c.ask('?')).toMatch(/^T05thread:1;/);
    // Huge and malformed arguments: error replies or short answers, never a crash.
    const weird = ['m0,ffffffffffffffff', 'mffffffffffffffff,10', 'm12345678901234567,1', 'm,', 'M10,4:zz', 'X10,100:ab',
      'Z2,0,ffffffff', 'Z0,zz,1', 'Z9,0,1', 'p', 'pffff', 'P0=12', 'G00', 'Hgzz', 'Hg999', 'T123456789', 'vCont;x',
      'vCont;c:zz', 'vCont;C:1', 'qXfer:features:read:target.xml:ffffffffffffffff,ffffffffffffffff', 'qXfer:nope:read::0,10',
      'qThreadExtraInfo,abcdef', 'qRcmd,zz', 'qRcmd,' + Buffer.from('vpte nothex').toString('hex'), 'vFile:open:zz,0,0',
      'vFile:pread:99,10,0', 'vFile:open:' + Buffer.from('/nonexistent').toString('hex') + ',0,0', 'C', 'Sxx', 'qSymbol:'];
    for (const w of weird) {
      const reply = await c.ask(w);
      expect(reply, `reply to ${w}`).toMatch(/^(E[0-9a-f]{2}|OK|F-1,\d+|)$|^l.*$/s);
    }
    // A memory read of a mapped address still works afterwards.
    const mapped = await c.ask('m200000,4');
    expect(mapped).toBe('7f454c46'); // the ELF header of the program
    // A second client is turned away while this one is attached.
    const second = await Client.connect(g.port);
    await expect(second.reply(3000)).resolves.toBe('E01');
    await second.closing;
    // Disconnect in the middle of a packet: the guest runs on by itself to its normal end.
    c.sock.write('$m2000');
    c.sock.destroy();
    expect(await g.exit).toBe(0);
    expect(g.out()).toBe('compute 55 counter 7\n');
    expect(g.err()).not.toMatch(/internal error/);
    expect(g.err()).toMatch(/refused a second client/);
  });
});
