// The native addon (native/): one shared object holding both the Unicorn
// engine (Space, Thread, the vmspace switch) and the Linux host calls. It is
// loaded once and reached through two typed views, cpu/unicorn.ts (the CPU and
// MMU) and host/linux.ts (HostOs), so neither side sees the other's members.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { AddressSpace, CpuThread } from './cpu/engine.js';
import type { HostOs } from './host/hostos.js';

/** The addon's Space: `read` is added in TypeScript over `readInto` (cpu/unicorn.ts). */
export interface NativeSpace extends AddressSpace {
  readInto(addr: number, target: Uint8Array): boolean;
}

export interface NativeAddon extends HostOs {
  Space: { new (): AddressSpace; prototype: NativeSpace };
  Thread: { new (space: AddressSpace, regs: BigUint64Array): CpuThread; prototype: CpuThread };
  unicornVersion: string;
  vmEnter(t: CpuThread, space: AddressSpace, tframe: number, vframe: number, saved: BigUint64Array): number;
  vmLeave(t: CpuThread, space: AddressSpace, tframe: number, trapno: number, err: number, addr: bigint, syscall: boolean, saved: BigUint64Array): number;
}

function projectRoot(): string {
  // dist/src/native.js or src/native.ts: the root is two or one levels up.
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    if (path.basename(dir) !== 'dist' && path.basename(dir) !== 'src') {
      try {
        createRequire(import.meta.url).resolve(path.join(dir, 'native/build/Release/vkemu_native.node'));
        return dir;
      } catch { /* keep looking */ }
    }
    dir = path.dirname(dir);
  }
  throw new Error('vkemu: native addon not built (run `npm run build`)');
}

let cached: NativeAddon | undefined;
export function nativeAddon(): NativeAddon {
  cached ??= createRequire(import.meta.url)(path.join(projectRoot(), 'native/build/Release/vkemu_native.node')) as NativeAddon;
  return cached;
}
