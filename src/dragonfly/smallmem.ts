// A warning for a 5.9 VKERNEL64 given too little memory: with one cluster-write pbuf per
// mount it stalls on its first two overlapping cluster writes (docs/DEBUGGING.md, "Known
// problems"). Figures are the 5.9 vkernel's own sizing (platform/vkernel64 cpu_startup).

const MiB = 1024 * 1024;

/** Bytes of a vkernel -m value ("256m", "1g", "131072k", plain bytes); undefined if it is not one. */
export function vkernelMemory(v: string): number | undefined {
  const m = /^(\d+)([kKmMgG]?)$/.exec(v);
  if (!m) return undefined;
  const scale = { '': 1, k: 1024, m: MiB, g: 1024 * MiB }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Number(m[1]) * scale;
}

/** The value of the last `-X VALUE` or `-XVALUE` among a vkernel's options. */
function lastOption(args: string[], flag: string): string | undefined {
  let v: string | undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === flag && i + 1 < args.length) v = args[++i];
    else if (args[i].startsWith(flag) && args[i].length > flag.length) v = args[i].slice(flag.length);
  }
  return v;
}

/** `kern.nbuf` from the -e assignments (which may hold several, separated by ':'). */
function nbufTunable(args: string[]): number | undefined {
  let n: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const e = args[i] === '-e' ? args[i + 1] : args[i].startsWith('-e') ? args[i].slice(2) : undefined;
    for (const kv of e?.split(':') ?? []) {
      const m = /^kern\.nbuf=(\d+)$/.exec(kv);
      if (m) n = Number(m[1]);
    }
  }
  return n;
}

/** Cluster-write pbufs each mount gets: nbuf from memory (50 up to 128 MiB, one more per 320 KiB), a quarter of it but at least 16, split ten ways. */
export function pbufsPerMount(memory: number, nbuf?: number): number {
  const buffers = nbuf ?? 50 + Math.max(0, Math.floor((memory - 128 * MiB) / (320 * 1024)));
  return Math.floor(Math.max(16, Math.floor(buffers / 4)) / 10);
}

/** The warning for these kernel options, or undefined when the kernel will not stall this way. */
export function smallMemoryWarning(release: string, args: string[]): string | undefined {
  if (!/^5\./.test(release)) return undefined;
  const m = lastOption(args, '-m');
  const memory = m === undefined ? undefined : vkernelMemory(m);
  if (memory === undefined) return undefined;
  if (pbufsPerMount(memory, nbufTunable(args)) >= 2) return undefined;
  return `-m ${m}: a DragonFly ${release} kernel with less than about 138 MiB gets one cluster-write pbuf per mount ` +
    'and stalls on its first two overlapping writes (docs/DEBUGGING.md, "Known problems"); ' +
    'give it -m 160m or more, or -e kern.nbuf=80\n';
}
