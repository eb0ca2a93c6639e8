/**
 * One writer per output folder: `<folder>.lock`, a small JSON file next to the folder naming the
 * process that holds it. It lives outside the folder so that nx, which caches a stage's output
 * folder, never stores it, and so that readers of the folder never see it.
 *
 * Why not proper-lockfile: it judges a lock stale by an mtime its holder refreshes on a timer,
 * and a training step is synchronous work that can hold the event loop longer than any sensible
 * staleness period, so a live writer would lose its lock; a dead writer's lock would block the
 * folder for that period; and it does not record who holds a lock, which the refusal must name.
 * Here a lock is stale only when its process is gone: same host, and its pid is not running, or
 * runs but started at another time or boot (a reused pid). A lock from another host is never
 * taken over (its processes cannot be seen from here).
 *
 * Everything is synchronous so that an exit handler can release a lock, and so that the takeover
 * guard below is held for a few system calls only.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, openSync, readFileSync, readdirSync, closeSync, fsyncSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UsageError } from './errors.js';
import { parseTempName, tempPathFor } from './atomic.js';
import { currentProcess, pidAlive, processState, type ProcessIdentity } from './processes.js';

/** What a lock file holds. */
export interface LockOwner extends ProcessIdentity {
  /** Distinguishes this lock from any other, even of the same process. */
  token: string;
  /** The command that holds the lock (e.g. ring-train). */
  command: string;
  /** When the lock was taken (ISO 8601). */
  since: string;
}

/** A held lock; release() is idempotent and leaves a lock that is no longer this one alone. */
export interface FolderLock {
  folder: string;
  path: string;
  owner: LockOwner;
  release(): void;
}

/** The lock file of `folder` (an absolute path): `<folder>.lock`, beside it. */
export function lockPathFor(folder: string): string {
  return join(dirname(folder), `${basename(folder)}.lock`);
}

/** Sleeps without returning to the event loop (for a few ms between attempts). */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function code(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

/**
 * Creates `path` holding `text`, or returns false when it exists. The text goes into a temp file
 * that is hard-linked to `path`, so the lock appears whole or not at all (link is atomic, also on
 * NFS); where the filesystem has no hard links an exclusive create is used instead.
 */
function createExclusive(path: string, text: string): boolean {
  const tmp = tempPathFor(path);
  const fd = openSync(tmp, 'wx');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, path);
    return true;
  } catch (err) {
    if (code(err) === 'EEXIST') return false;
    if (code(err) !== 'EPERM' && code(err) !== 'ENOTSUP' && code(err) !== 'EOPNOTSUPP') throw err;
  } finally {
    unlinkSync(tmp);
  }
  let fd2: number;
  try {
    fd2 = openSync(path, 'wx');
  } catch (err) {
    if (code(err) === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd2, text);
    fsyncSync(fd2);
  } finally {
    closeSync(fd2);
  }
  return true;
}

/** The owner recorded in a lock file; undefined if it is gone; 'foreign' if it is not a lock this module wrote (or is half written). */
function readOwner(path: string): LockOwner | 'foreign' | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (code(err) === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const o = JSON.parse(text) as LockOwner;
    if (Number.isInteger(o.pid) && o.pid > 0 && typeof o.hostname === 'string' && typeof o.token === 'string') return o;
  } catch {
    // fall through
  }
  return 'foreign';
}

function unlinkIfPresent(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if (code(err) !== 'ENOENT') throw err;
  }
}

/** Who holds a lock, for messages: `ring-train (pid 123 on host, since …)`. */
export function describeOwner(o: LockOwner): string {
  return `${o.command} (pid ${o.pid} on ${o.hostname}, since ${o.since})`;
}

/**
 * Removes the dead lock whose token is `staleToken`. Two processes may find the same dead lock at
 * once; the guard file makes the check-and-remove one step, so neither can remove a lock the
 * other has just taken. A guard is held for microseconds: one that stays is its dead taker's.
 */
function removeDeadLock(path: string, staleToken: string, me: LockOwner): void {
  const guard = `${path}.takeover`;
  if (!createExclusive(guard, JSON.stringify(me))) {
    const g = readOwner(guard);
    if (g === 'foreign' || (g !== undefined && processState(g) === 'dead')) unlinkIfPresent(guard);
    else sleepSync(5);
    return;
  }
  try {
    const again = readOwner(path);
    if (again !== undefined && again !== 'foreign' && again.token === staleToken) unlinkIfPresent(path);
  } finally {
    unlinkIfPresent(guard);
  }
}

/** Removes temp files of this lock's name left by processes that died between writing and linking them. */
function removeDeadLockTemps(path: string): void {
  const dir = dirname(path);
  const name = basename(path);
  for (const entry of readdirSync(dir)) {
    const t = parseTempName(entry);
    if (t && (t.target === name || t.target === `${name}.takeover`) && !pidAlive(t.pid)) unlinkIfPresent(join(dir, entry));
  }
}

/**
 * Takes the lock of `folder` (absolute; its parent must exist) for `command`, taking over the lock of
 * a dead process. A live holder, or a holder on another host, is a UsageError naming `flag`, the
 * folder and the holder.
 */
export function lockFolder(folder: string, command: string, flag = '--out'): FolderLock {
  const path = lockPathFor(folder);
  const owner: LockOwner = { ...currentProcess(), token: randomBytes(16).toString('hex'), command, since: new Date().toISOString() };
  const text = `${JSON.stringify(owner)}\n`;
  removeDeadLockTemps(path);
  for (let attempt = 0; attempt < 200; attempt++) {
    if (createExclusive(path, text)) {
      let held = true;
      return {
        folder,
        path,
        owner,
        release() {
          if (!held) return;
          held = false;
          const now = readOwner(path);
          if (now !== undefined && now !== 'foreign' && now.token === owner.token) unlinkIfPresent(path);
        },
      };
    }
    const holder = readOwner(path);
    if (holder === undefined) continue; // released meanwhile
    if (holder === 'foreign') {
      throw new UsageError(`${flag}: ${folder} is locked by ${path}, which is not a lock file this tool wrote; remove it if no other program writes the folder`);
    }
    const state = processState(holder);
    if (state === 'alive') {
      throw new UsageError(`${flag}: ${folder} is being written by ${describeOwner(holder)}; wait for it to finish or stop it (one writer per folder)`);
    }
    if (state === 'unknown') {
      throw new UsageError(`${flag}: ${folder} is locked by ${describeOwner(holder)}, another host; if that process is gone, remove ${path}`);
    }
    removeDeadLock(path, holder.token, owner);
  }
  throw new Error(`could not take the lock ${path}: other processes kept taking it over`);
}
