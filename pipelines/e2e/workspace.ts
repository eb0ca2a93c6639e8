/** A throw-away copy of the workspace for end-to-end runs of the nx pipeline, and a reader of what nx did. */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** What one nx invocation did: tasks it ran and tasks it took from the cache, as `project:target`. */
export interface NxRun {
  ran: string[];
  cached: string[];
  output: string;
}

/** Parses nx's static output: `> nx run p:t` ran, `> nx run p:t  [local cache]` (or existing outputs) came from the cache. */
export function parseNxOutput(output: string): NxRun {
  const ran: string[] = [];
  const cached: string[] = [];
  for (const line of output.split('\n')) {
    const m = /^> nx run (\S+?:\S+?)(?:\s+\[(.+)\])?\s*$/.exec(line.trim());
    if (!m) continue;
    (m[2] && /cache/.test(m[2]) ? cached : ran).push(m[1]);
  }
  return { ran, cached, output };
}

/** Copies the tracked (and new, unignored) files of the repo into a temp folder that shares node_modules. */
export function copyWorkspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ring-e2e-'));
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: repoRoot })
    .toString()
    .split('\0')
    .filter((f) => f && !f.startsWith('pipelines/datasets/') && !f.startsWith('pipelines/experiments/'));
  for (const f of files) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    try {
      cpSync(join(repoRoot, f), join(dir, f));
    } catch {
      // A file deleted in the working tree but still in the index: nothing to copy.
    }
  }
  symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

/** Writes a JSON file, creating its folder. */
export function writeJson(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(value, null, 2) + '\n');
}

/** Runs `nx <args>` in `cwd` and returns what it did; throws with nx's output if it failed. */
export function nx(cwd: string, args: string[]): NxRun {
  const result = spawnSync(join(cwd, 'node_modules', '.bin', 'nx'), [...args, '--outputStyle=static'], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', CI: 'true', FORCE_COLOR: '0' },
    maxBuffer: 64 * 1024 * 1024,
  });
  const output = `${result.stdout}\n${result.stderr}`;
  if (result.status !== 0) throw new Error(`nx ${args.join(' ')} failed (${result.status}):\n${output.slice(-4000)}`);
  return parseNxOutput(output);
}

/** Runs a workspace CLI (bin shim path relative to the root) and returns stdout. */
export function runBin(cwd: string, bin: string, args: string[]): string {
  return execFileSync(process.execPath, [join(cwd, bin), ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, RING_WORKSPACE_ROOT: cwd },
  });
}

/** Removes the temp workspace. */
export function removeWorkspace(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
