// The Unicorn 2.1 backend: the native addon in native/.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { AddressSpace, CpuThread, Engine, HostHelpers } from './engine.js';

interface NativeModule extends HostHelpers {
  Space: new () => AddressSpace;
  Thread: new (space: AddressSpace, regs: BigUint64Array) => CpuThread;
  unicornVersion: string;
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
    cached = req(path.join(projectRoot(), 'native/build/Release/vkemu_native.node')) as NativeModule;
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
