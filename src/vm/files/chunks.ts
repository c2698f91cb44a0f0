// Byte queues kept as a list of buffers (pipes, terminal input).

/** Move up to buf.length bytes from the front of the queue into buf; the count. */
export function takeChunks(chunks: Buffer[], buf: Buffer): number {
  let n = 0;
  while (n < buf.length && chunks.length) {
    const head = chunks[0];
    const k = Math.min(head.length, buf.length - n);
    head.copy(buf, n, 0, k);
    n += k;
    if (k === head.length) chunks.shift();
    else chunks[0] = head.subarray(k);
  }
  return n;
}
