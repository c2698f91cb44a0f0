// Random bytes (getrandom, kern.arandom, host and disk label UUIDs). node:crypto is loaded at the
// first call, not with vkemu: it is about 20 of Node's internal modules (~5 ms of every start-up)
// and most programs never ask.
export function randomBytes(n: number): Buffer {
  return process.getBuiltinModule('node:crypto').randomBytes(n);
}
