// Progress of a long build: a line as each stage starts on a terminal, one as it
// ends, with its time; stages already up to date are only counted.
export interface Progress {
  start(stage: string): void;
  done(stage: string): void;
  skip(stage: string): void;
  /** Stages done or skipped so far, for a closing line. */
  summary(): { built: number; upToDate: number };
}

export function consoleProgress(total: number, write: (s: string) => void): Progress {
  let n = 0;
  let built = 0;
  let upToDate = 0;
  const started = new Map<string, number>();
  const width = String(total).length;
  const tag = (): string => `[${String(n).padStart(width)}/${total}]`;
  return {
    start(stage) {
      started.set(stage, Date.now());
      n++;
      write(`${tag()} ${stage} ...\n`);
    },
    done(stage) {
      const t = (Date.now() - (started.get(stage) ?? Date.now())) / 1000;
      built++;
      write(`${tag()} ${stage} done in ${t < 60 ? `${t.toFixed(1)} s` : `${Math.floor(t / 60)} min ${Math.round(t % 60)} s`}\n`);
    },
    skip() {
      n++;
      upToDate++;
    },
    summary: () => ({ built, upToDate }),
  };
}
