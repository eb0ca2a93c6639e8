import cliProgress from 'cli-progress';

/** Reports progress of long work: a bar with ETA on a TTY, a plain line every few seconds otherwise. */
export interface Progress {
  update(done: number, fields?: Record<string, string | number>): void;
  stop(): void;
}

/** The environment variable createProgress reads, as the `--help` of a CLI that shows progress describes it. */
export const PROGRESS_ENV: Readonly<Record<string, string>> = { CI: 'when set, progress is printed as plain lines instead of a bar' };

/** Creates a {@link Progress} over `total` units labelled `label`; `stream` defaults to stderr. */
export function createProgress(total: number, label: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (stream.isTTY && !process.env.CI) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label} [{bar}] {percentage}% {value}/{total} ETA {eta_formatted} {info}`,
        stream,
        hideCursor: true,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { info: '' });
    return {
      update(done, fields) {
        bar.update(done, { info: formatFields(fields) });
      },
      stop() {
        bar.stop();
      },
    };
  }
  const start = Date.now();
  let lastPrint = 0;
  return {
    update(done, fields) {
      const now = Date.now();
      if (done < total && now - lastPrint < 2000) return;
      lastPrint = now;
      const elapsed = (now - start) / 1000;
      const eta = done > 0 ? (elapsed * (total - done)) / done : NaN;
      const etaText = Number.isFinite(eta) ? `${eta.toFixed(0)}s` : '?';
      stream.write(`${label} ${done}/${total} (${Math.floor((100 * done) / total)}%) ETA ${etaText} ${formatFields(fields)}\n`);
    },
    stop() {},
  };
}

function formatFields(fields?: Record<string, string | number>): string {
  if (!fields) return '';
  return Object.entries(fields)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}
