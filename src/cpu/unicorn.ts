// The Unicorn 2.1 backend: the native addon in native/.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { AddressSpace, CpuThread, Engine, HostHelpers } from './engine.js';

interface NativeSpace extends AddressSpace {
  readInto(addr: number, target: Uint8Array): boolean;
}

interface NativeModule extends HostHelpers {
  Space: { new (): AddressSpace; prototype: NativeSpace };
  Thread: { new (space: AddressSpace, regs: BigUint64Array): CpuThread; prototype: CpuThread };
  unicornVersion: string;
  vmEnter(t: CpuThread, space: AddressSpace, tframe: number, vframe: number, saved: BigUint64Array): number;
  vmLeave(t: CpuThread, space: AddressSpace, tframe: number, trapno: number, err: number, addr: bigint, syscall: boolean, saved: BigUint64Array): number;
}

function projectRoot(): string {
  // dist/src/cpu/unicorn.js or src/cpu/unicorn.ts: the root is three or two levels up.
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    dir = path.dirname(dir);
    if (path.basename(dir) !== 'dist' && path.basename(dir) !== 'src') {
      try {
        createRequire(import.meta.url).resolve(path.join(dir, 'native/build/Release/vkemu_native.node'));
        return dir;
      } catch { /* keep looking */ }
    }
  }
  throw new Error('vkemu: native addon not built (run `npm run build`)');
}

let cached: NativeModule | undefined;
function load(): NativeModule {
  if (!cached) {
    const req = createRequire(import.meta.url);
    const n = req(path.join(projectRoot(), 'native/build/Release/vkemu_native.node')) as NativeModule;
    // Copy-in into a buffer from Node's pool: a native allocation per read
    // cost ~2 µs, more than the copy (every syscall reads guest memory).
    // The native side has only readInto; `read` is defined here.
    n.Space.prototype.read = function (this: NativeSpace, addr: number, len: number): Buffer | null {
      const b = Buffer.allocUnsafe(len);
      return this.readInto(addr, b) ? b : null;
    };
    // The vmspace context switch lives in C++ as free functions; present them as thread methods.
    n.Thread.prototype.enterContext = function (this: CpuThread, space, tframe, vframe, saved) {
      return n.vmEnter(this, space, tframe, vframe, saved);
    };
    n.Thread.prototype.leaveContext = function (this: CpuThread, space, tframe, trapno, err, addr, syscall, saved) {
      return n.vmLeave(this, space, tframe, trapno, err, addr, syscall, saved);
    };
    cached = n;
  }
  return cached;
}

export function unicornEngine(): Engine {
  const n = load();
  return {
    name: 'unicorn',
    version: n.unicornVersion,
    createSpace: () => new n.Space(),
    createThread: (space, regs) => new n.Thread(space, regs),
    host: n,
  };
}
