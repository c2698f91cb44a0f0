// The Unicorn 2.1 backend: the native addon in native/.
import { nativeAddon, type NativeAddon, type NativeSpace, type Numbered } from '../native.js';
import type { Access, CpuThread, Engine, EngineCaps, HookFilesBackend } from './engine.js';
import type { Exit } from './regfile.js';

// Everything: the vkernel MMU (native/src/vpt.cc), the vmspace switch
// (vmctx.cc), getpid and host-file I/O in the hook, Unicorn's instruction count, debug hooks (debug.cc).
const UNICORN_CAPS: EngineCaps = {
  vpageTable: true, guestContexts: true, fastGetpid: true, fastVkernel: true, fastFiles: true, countedRuns: true, debugHooks: true,
};

let patched = false;
function load(): NativeAddon {
  const n = nativeAddon();
  if (!patched) {
    patched = true;
    // Copy-in into a buffer from Node's pool: a native allocation per read
    // cost ~2 µs, more than the copy (every syscall reads guest memory).
    // The native side has only readInto; `read` is defined here.
    n.Space.prototype.read = function (this: NativeSpace, addr: number, len: number): Buffer | null {
      const b = Buffer.allocUnsafe(len);
      return this.readInto(addr, b) ? b : null;
    };
    // A run is the hottest call of all (one per system call served here), and most calls copy in
    // or out: by numbers, not objects (native/src/runcall.cc).
    type Space = NativeSpace & Numbered;
    const proto = n.Space.prototype as Space;
    proto.run = function (this: Space, t: CpuThread, budget: number): Exit {
      return n.run(this.id, (t as CpuThread & Numbered).id, budget);
    };
    proto.readInto = function (this: Space, addr: number, target: Uint8Array): boolean {
      return n.spaceReadInto(addr, target, this.id);
    };
    proto.write = function (this: Space, addr: number, data: Uint8Array, off = 0, len = data.length - off): boolean {
      return n.spaceWrite(addr, data, off, len, this.id);
    };
    proto.readCString = function (this: Space, addr: number, max: number): Buffer | null | false {
      return n.spaceReadCString(addr, max, this.id);
    };
    proto.check = function (this: Space, addr: number, len: number, access: Access): boolean {
      return n.spaceCheck(addr, len, access, this.id);
    };
    proto.fdIo = function (this: Space, write: boolean, hostFd: number, addr: number, len: number, pos: number): number {
      return n.spaceFdIo(write, hostFd, addr, len, pos, this.id);
    };
    // The vmspace context switch lives in C++ as free functions; present them as thread methods.
    n.Thread.prototype.enterContext = function (this: CpuThread, space, id, tframe, vframe) {
      return n.vmEnter(this, space, id, tframe, vframe);
    };
    n.Thread.prototype.leaveContext = function (this: CpuThread, trapno, err, addr, syscall) {
      return n.vmLeave(this, trapno, err, addr, syscall);
    };
  }
  return n;
}

// The addon's descriptor mirror is one per host process, whatever the number of engines.
let hookFiles: HookFilesBackend | undefined;

export function unicornEngine(): Engine {
  const n = load();
  hookFiles ??= {
    setDescs: (buf) => n.hookDescs(buf),
    newTable: () => n.hookTable(),
    freeTable: (table) => n.hookTableFree(table),
    set: (table, fd, slot) => n.hookSet(table, fd, slot),
  };
  return {
    name: 'unicorn',
    version: n.unicornVersion,
    caps: UNICORN_CAPS,
    hookFiles,
    createSpace: (sibling) => new n.Space(sibling),
    createThread: (space, regs) => new n.Thread(space, regs),
  };
}
