// Errors of the image tools: a message naming the file or option at fault, and the exit status.
export const EX_USAGE = 64;
export const EX_FAIL = 1;

export class ToolError extends Error {
  constructor(message: string, readonly status: number = EX_FAIL) {
    super(message);
  }
}

export function usageError(message: string): ToolError {
  return new ToolError(message, EX_USAGE);
}

/** Node's system errors say "ENOENT: no such file or directory, open '/x'"; keep the human part. */
export function describeSystemError(e: unknown): string | undefined {
  if (!(e instanceof Error)) return undefined;
  const ne = e as NodeJS.ErrnoException;
  if (typeof ne.code !== 'string' || typeof ne.syscall !== 'string') return undefined;
  const m = /^[A-Z0-9_]+: ([^,]+)/.exec(ne.message);
  const what = m ? m[1] : ne.code;
  return ne.path ? `${ne.path}: ${what}` : `${ne.syscall}: ${what}`;
}
