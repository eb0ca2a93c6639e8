/**
 * CLI start-up: `--help` of each stage CLI run as shipped (bin/ → compiled dist/) and through tsx
 * (the CLI's TypeScript source compiled on the fly, as the packages ran before they had a build),
 * interleaved in one process, 9 runs each. Prints one line per CLI and a summary line:
 * `cli-startup dist_ms=… tsx_ms=… speedup=…` (medians over the CLIs' medians).
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const root = fileURLToPath(new URL('../..', import.meta.url));
const CLIS: ReadonlyArray<[string, string]> = [
  ['ring-datagen', 'packages/datagen'],
  ['ring-train', 'packages/train'],
  ['ring-eval', 'packages/eval'],
  ['ring-viz', 'packages/viz'],
];
const RUNS = 9;

function timeMs(args: readonly string[], cwd: string): number {
  const t0 = process.hrtime.bigint();
  execFileSync(process.execPath, args, { cwd, stdio: 'ignore' });
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

const distMedians: number[] = [];
const tsxMedians: number[] = [];
for (const [name, dir] of CLIS) {
  const cwd = join(root, dir);
  const dist: number[] = [];
  const tsx: number[] = [];
  timeMs([`bin/${name}.mjs`, '--help'], cwd); // warm the file cache once for both
  for (let i = 0; i < RUNS; i++) {
    dist.push(timeMs([`bin/${name}.mjs`, '--help'], cwd));
    tsx.push(timeMs(['--import', 'tsx', 'src/cli.ts', '--help'], cwd));
  }
  distMedians.push(median(dist));
  tsxMedians.push(median(tsx));
  console.log(`${name} --help dist_ms=${median(dist).toFixed(0)} tsx_ms=${median(tsx).toFixed(0)}`);
}
const d = median(distMedians);
const t = median(tsxMedians);
console.log(`cli-startup dist_ms=${d.toFixed(0)} tsx_ms=${t.toFixed(0)} speedup=${(t / d).toFixed(1)}`);
