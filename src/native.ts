// The native addon (native/): one shared object holding both the Unicorn
// engine (Space, Thread, the vmspace switch) and the Linux host calls. It is
// loaded once and reached through two typed views, cpu/unicorn.ts (the CPU and
// MMU) and host/linux.ts (HostOs), so neither side sees the other's members.
import { createRequire } from 'node:module';
import { ADDON } from './paths.js';
import type { Access, AddressSpace, CpuThread } from './cpu/engine.js';
import type { Exit } from './cpu/regfile.js';
import type { HostOs } from './host/hostos.js';

/** The addon's Space: `read` is added in TypeScript over `readInto` (cpu/unicorn.ts). */
export type NativeSpace = AddressSpace;

/** Spaces and threads of the addon carry a small number (native/src/runcall.cc). */
export interface Numbered { readonly id: number }

export interface NativeAddon extends HostOs {
  Space: { new (sibling?: AddressSpace): AddressSpace; prototype: NativeSpace };
  Thread: { new (space: AddressSpace, regs: BigUint64Array): CpuThread; prototype: CpuThread };
  unicornVersion: string;
  /** System-call numbers the engine's syscall hook answers itself when it can (native/src/fastcall.cc). */
  hookCalls: number[];
  /** space.run(thread, count) by numbers: no objects to unwrap on the hot path. */
  run(spaceId: number, threadId: number, count: number): Exit;
  /** The space's copy-in/copy-out methods, with the space's number last. */
  spaceReadInto(addr: number, target: Uint8Array, id: number): boolean;
  spaceWrite(addr: number, data: Uint8Array, off: number, len: number, id: number): boolean;
  spaceReadCString(addr: number, max: number, id: number): Buffer | null | false;
  spaceCheck(addr: number, len: number, access: Access, id: number): boolean;
  spaceFdIo(write: boolean, hostFd: number, addr: number, len: number, pos: number, id: number): number;
  /** Engine.hookFiles (native/src/fdmirror.cc). */
  hookDescs(buf: ArrayBuffer): void;
  hookTable(): number;
  hookTableFree(table: number): void;
  hookSet(table: number, fd: number, slot: number): void;
  vmEnter(t: CpuThread, space: AddressSpace, id: bigint, tframe: number, vframe: number): number;
  vmLeave(t: CpuThread, trapno: number, err: number, addr: bigint, syscall: boolean): number;
}

let cached: NativeAddon | undefined;
export function nativeAddon(): NativeAddon {
  if (!cached) {
    try {
      cached = createRequire(import.meta.url)(ADDON) as NativeAddon;
    } catch (e) {
      const why = (e as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' ? 'not built (run `npm run build`)' : (e as Error).message;
      throw new Error(`vkemu: native addon ${ADDON}: ${why}`);
    }
  }
  return cached;
}
