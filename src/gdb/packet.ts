// GDB remote serial protocol framing: `$payload#cs` packets, acks, the
// Ctrl-C byte, binary escapes. The reader takes any byte stream and never
// throws: malformed input is reported as a 'bad' event and skipped.

export type Incoming =
  | { kind: 'packet'; data: Buffer }
  | { kind: 'interrupt' }
  | { kind: 'ack' }
  | { kind: 'nack' }
  | { kind: 'bad'; why: string };

/** The packet size we announce (qSupported PacketSize): what gdb may send us. */
export const PACKET_SIZE = 0x4000;
/** Anything longer than this (before unescaping) is dropped unread. */
export const MAX_INCOMING = 2 * PACKET_SIZE + 64;

const enum State { Idle, Body, Cs1, Cs2, Skip, SkipCs1, SkipCs2 }

export class PacketReader {
  private state = State.Idle;
  private body: number[] = [];
  private sum = 0;
  private cs = 0;

  /** Feed received bytes; returns what they completed, in order. */
  feed(chunk: Uint8Array): Incoming[] {
    const out: Incoming[] = [];
    for (const b of chunk) {
      switch (this.state) {
        case State.Idle:
          if (b === 0x24) this.start();
          else if (b === 0x03) out.push({ kind: 'interrupt' });
          else if (b === 0x2b) out.push({ kind: 'ack' });
          else if (b === 0x2d) out.push({ kind: 'nack' });
          // Anything else between packets is line noise: ignored.
          break;
        case State.Body:
          if (b === 0x23) this.state = State.Cs1;
          else if (b === 0x24) {
            // An unescaped '$' cannot be inside a packet: the previous one was cut short.
            out.push({ kind: 'bad', why: 'packet interrupted by a new one' });
            this.start();
          } else if (this.body.length >= MAX_INCOMING) {
            out.push({ kind: 'bad', why: `packet longer than ${MAX_INCOMING} bytes` });
            this.state = State.Skip;
          } else {
            this.body.push(b);
            this.sum = (this.sum + b) & 0xff;
          }
          break;
        case State.Cs1: {
          const v = hexDigit(b);
          if (v < 0) {
            out.push({ kind: 'bad', why: 'bad checksum digit' });
            if (b === 0x24) this.start();
            else this.state = State.Idle;
          } else {
            this.cs = v << 4;
            this.state = State.Cs2;
          }
          break;
        }
        case State.Cs2: {
          const v = hexDigit(b);
          this.state = State.Idle;
          if (v < 0) out.push({ kind: 'bad', why: 'bad checksum digit' });
          else if ((this.cs | v) !== this.sum) out.push({ kind: 'bad', why: 'checksum mismatch' });
          else out.push({ kind: 'packet', data: unescape(this.body) });
          this.body = [];
          break;
        }
        case State.Skip:
          if (b === 0x23) this.state = State.SkipCs1;
          break;
        case State.SkipCs1:
          this.state = State.SkipCs2;
          break;
        case State.SkipCs2:
          this.state = State.Idle;
          break;
      }
    }
    return out;
  }

  private start(): void {
    this.state = State.Body;
    this.body = [];
    this.sum = 0;
  }
}

function hexDigit(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x61 && b <= 0x66) return b - 0x61 + 10;
  if (b >= 0x41 && b <= 0x46) return b - 0x41 + 10;
  return -1;
}

function unescape(body: number[]): Buffer {
  const out = Buffer.alloc(body.length);
  let n = 0;
  for (let i = 0; i < body.length; i++) {
    if (body[i] === 0x7d && i + 1 < body.length) out[n++] = body[++i] ^ 0x20;
    else out[n++] = body[i];
  }
  return out.subarray(0, n);
}

/** Frame a payload: `$` + escaped bytes + `#` + checksum. */
export function frame(payload: string | Uint8Array): Buffer {
  const src = typeof payload === 'string' ? Buffer.from(payload, 'latin1') : payload;
  const esc: number[] = [0x24];
  let sum = 0;
  for (const b of src) {
    if (b === 0x24 || b === 0x23 || b === 0x7d || b === 0x2a) {
      esc.push(0x7d, b ^ 0x20);
      sum += 0x7d + (b ^ 0x20);
    } else {
      esc.push(b);
      sum += b;
    }
  }
  esc.push(0x23);
  const cs = (sum & 0xff).toString(16).padStart(2, '0');
  return Buffer.concat([Buffer.from(esc), Buffer.from(cs, 'latin1')]);
}

export function toHex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

/** Hex text to bytes; null when it is not whole bytes of hex digits. */
export function fromHex(s: string): Buffer | null {
  if (s.length % 2 || !/^[0-9a-fA-F]*$/.test(s)) return null;
  return Buffer.from(s, 'hex');
}

/** A hex number (gdb addresses and lengths); null when malformed or beyond 64 bits. */
export function parseHexNum(s: string): bigint | null {
  if (!/^[0-9a-fA-F]{1,16}$/.test(s)) return null;
  return BigInt('0x' + s);
}

/** Little-endian hex of a value of `bytes` bytes (gdb's register encoding). */
export function leHex(v: bigint, bytes: number): string {
  const b = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) b[i] = Number((v >> BigInt(8 * i)) & 0xffn);
  return b.toString('hex');
}
