/**
 * Fresh clones of the workspace for end-to-end runs of the nx pipeline, and a reader of what nx did.
 * A clone starts as a new user's does: no dist/, no build/, no .nx cache, no artifacts.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** What one nx invocation did: tasks it ran, took from the local or the remote cache, as `project:target`. */
export interface NxRun {
  ran: string[];
  cached: string[];
  remote: string[];
  output: string;
  status: number;
}

/** Parses nx's static output: `> nx run p:t` ran; `> nx run p:t  [local cache]` (or `[remote cache]`, existing outputs) came from a cache. */
export function parseNxOutput(output: string, status = 0): NxRun {
  const ran: string[] = [];
  const cached: string[] = [];
  const remote: string[] = [];
  for (const line of output.split('\n')) {
    const m = /^> nx run (\S+?:\S+?)(?:\s+\[(.+)\])?\s*$/.exec(line.trim());
    if (!m) continue;
    if (!m[2] || !/cache/.test(m[2])) ran.push(m[1]);
    else (m[2] === 'remote cache' ? remote : cached).push(m[1]);
  }
  return { ran, cached, remote, output, status };
}

/**
 * A commit of the working tree as it is (tracked and new unignored files), made without touching the
 * index or HEAD: a clean tree gives HEAD's tree, so CI tests exactly the commit it checked out.
 */
function snapshotCommit(): string {
  const scratch = mkdtempSync(join(tmpdir(), 'ring-e2e-index-'));
  try {
    const env = { ...process.env, GIT_INDEX_FILE: join(scratch, 'index') };
    const git = (args: string[]): string => execFileSync('git', args, { cwd: repoRoot, env, encoding: 'utf8' }).trim();
    git(['add', '-A']);
    const tree = git(['write-tree']);
    return git(['-c', 'user.name=e2e', '-c', 'user.email=e2e@localhost', 'commit-tree', tree, '-p', 'HEAD', '-m', 'e2e snapshot']);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** `clone/node_modules` as links into the repo's installed node_modules, with the workspace packages pointing at the clone's own. */
function linkNodeModules(clone: string): void {
  const installed = join(repoRoot, 'node_modules');
  const inRepo = (target: string): string | undefined => {
    const real = realpathSync(target);
    return real.startsWith(`${repoRoot}/`) && !real.startsWith(`${installed}/`) ? join(clone, real.slice(repoRoot.length + 1)) : undefined;
  };
  const link = (from: string, to: string): void => {
    symlinkSync(inRepo(from) ?? realpathSync(from), to);
  };
  mkdirSync(join(clone, 'node_modules'));
  for (const name of readdirSync(installed)) {
    const from = join(installed, name);
    if (name === '.bin' || name.startsWith('@')) {
      mkdirSync(join(clone, 'node_modules', name));
      for (const inner of readdirSync(from)) {
        try {
          link(join(from, inner), join(clone, 'node_modules', name, inner));
        } catch {
          // A dangling .bin link (an optional package that did not install): left out.
        }
      }
    } else link(from, join(clone, 'node_modules', name));
  }
  // Packages with their own nested node_modules (other majors of a dependency) keep them.
  for (const base of ['packages', 'pipelines']) {
    const dirs = base === 'pipelines' ? [''] : readdirSync(join(repoRoot, base));
    for (const d of dirs) {
      const nested = join(repoRoot, base, d, 'node_modules');
      try {
        readdirSync(nested);
      } catch {
        continue;
      }
      symlinkSync(nested, join(clone, base, d, 'node_modules'));
    }
  }
}

/** A `git clone` of the current working tree into a temp folder, with node_modules linked (no install). */
export function cloneWorkspace(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `ring-e2e-${label}-`));
  const commit = snapshotCommit();
  execFileSync('git', ['clone', '--quiet', '--shared', '--no-checkout', repoRoot, dir]);
  execFileSync('git', ['-C', dir, 'checkout', '--quiet', '--detach', commit]);
  linkNodeModules(dir);
  return dir;
}

/** Writes a JSON file, creating its folder. */
export function writeJson(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(value, null, 2) + '\n');
}

/** The environment of an inner nx: none of the outer nx's NX_* variables, no daemon, cloud, TUI or colour. */
function nxEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('NX_')));
  Object.assign(env, { NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', CI: 'true', FORCE_COLOR: '0' });
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** Runs `nx <args>` in `cwd` and returns what it did; throws with nx's output if it failed (unless `allowFailure`). */
export function nx(cwd: string, args: string[], env: Record<string, string | undefined> = {}, allowFailure = false): NxRun {
  const result = spawnSync(join(cwd, 'node_modules', '.bin', 'nx'), [...args, '--outputStyle=static'], {
    cwd,
    encoding: 'utf8',
    env: nxEnv(env),
    maxBuffer: 64 * 1024 * 1024,
  });
  const output = `${result.stdout}\n${result.stderr}`;
  if (result.status !== 0 && !allowFailure) throw new Error(`nx ${args.join(' ')} failed (${result.status}):\n${output.slice(-4000)}`);
  return parseNxOutput(output, result.status ?? 1);
}

/** Runs a workspace CLI (bin shim path relative to the root) and returns stdout. */
export function runBin(cwd: string, bin: string, args: string[]): string {
  return execFileSync(process.execPath, [join(cwd, bin), ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, RING_WORKSPACE_ROOT: cwd },
  });
}

/** Removes a temp workspace. */
export function removeWorkspace(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** A ring-cache server in its own process (the tests call nx synchronously, which would block one in this process). */
export interface RingCache {
  url: string;
  /** Its request log, one line per request. */
  log: string[];
  close(): Promise<void>;
}

/** Starts `ring-cache --dir dir --port 0 --token token` from the repo and waits for the URL it prints. */
export function startRingCache(dir: string, token: string): Promise<RingCache> {
  const child = spawn(process.execPath, [join(repoRoot, 'packages/cache/bin/ring-cache.mjs'), '--dir', dir, '--port', '0', '--host', '127.0.0.1', '--token', token], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: string[] = [];
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    err += d;
    for (const line of d.split('\n')) if (line) log.push(line);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /listening on (http:\S+)/.exec(out);
      if (m) {
        resolve({
          url: m[1],
          log,
          close: async () => {
            child.kill('SIGTERM');
            await exited;
          },
        });
      }
    });
    child.once('exit', (code) => reject(new Error(`ring-cache exited with ${code} before listening: ${err}`)));
  });
}
