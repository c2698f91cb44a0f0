// Things a benchmark must undo however it ends (namespaces, scratch files,
// guest processes): run at process exit, and on SIGINT/SIGTERM/SIGHUP, which
// otherwise end Node without running 'exit' listeners or finally blocks.
const undo = new Set<() => void>();
let hooked = false;

function runAll(): void {
  for (const f of [...undo]) {
    undo.delete(f);
    try { f(); } catch { /* keep undoing the rest */ }
  }
}

/** Register f; the returned function unregisters it (after undoing it normally). */
export function atExit(f: () => void): () => void {
  if (!hooked) {
    hooked = true;
    process.on('exit', runAll);
    for (const [sig, n] of [['SIGINT', 2], ['SIGTERM', 15], ['SIGHUP', 1]] as const) {
      process.once(sig, () => { runAll(); process.exit(128 + n); });
    }
  }
  undo.add(f);
  return () => { undo.delete(f); };
}
