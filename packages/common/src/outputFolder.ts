/**
 * What every CLI that writes a folder does first: check that the path can be a folder, take the
 * folder's lock (folderLock.ts), and remove the temp files that killed runs left in it. Until the
 * process ends the lock is held; on SIGINT, SIGTERM or SIGHUP the process lets its writes in flight
 * finish, removes its own temp files and its locks, and exits with 128 + the signal's number (130,
 * 143, 129).
 */
import { existsSync, mkdirSync, realpathSync, statSync } from 'node:fs';
import { constants } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { settleAtomicWrites } from './atomic.js';
import { UsageError, invalid } from './errors.js';
import { lockFolder, type FolderLock } from './folderLock.js';
import { removeDeadTempFiles, removeOwnTempFiles } from './leftovers.js';

/** A folder this process writes, locked. */
export interface OutputFolder {
  /** Absolute path, symlinks resolved. */
  path: string;
  lock: FolderLock;
  /** Temp files of dead processes that were removed from it. */
  removed: string[];
}

const claimed = new Map<string, OutputFolder>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/** The longest a stop waits for the writes in flight. */
const STOP_WAIT_MS = 5000;
let stopping = false;
let handlersInstalled = false;

/** The path `out` names, with symlinks in it resolved, so two spellings of one folder share one lock. */
function canonical(out: string): string {
  const abs = resolve(out);
  if (existsSync(abs)) return realpathSync(abs);
  const parent = dirname(abs);
  return existsSync(parent) ? join(realpathSync(parent), basename(abs)) : abs;
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', releaseOutputFolders);
  for (const sig of SIGNALS) {
    // JavaScript handlers run when the event loop gets control: a signal during a training step
    // takes effect when the step ends (SIGQUIT or SIGKILL end it at once; the next run removes
    // what they leave).
    process.on(sig, () => {
      const exit = (): void => {
        for (const f of claimed.values()) removeOwnTempFiles(f.path);
        releaseOutputFolders();
        process.stderr.write(`stopped by ${sig}\n`);
        process.exit(128 + constants.signals[sig]);
      };
      // A second signal does not wait.
      if (stopping) exit();
      stopping = true;
      // Writes in flight finish first (within a few seconds); none starts after.
      void Promise.race([settleAtomicWrites(), new Promise((r) => setTimeout(r, STOP_WAIT_MS))]).then(exit, exit);
    });
  }
}

/**
 * Claims `out` for `command`: a path that exists and is not a folder, or whose parent cannot be
 * created, is a UsageError naming `flag`; so is a folder another live process writes (its pid
 * named). The folder itself is not created (a run that fails on its inputs leaves nothing).
 */
export function claimOutputFolder(out: string, command: string, flag = '--out'): OutputFolder {
  if (typeof out !== 'string' || out.trim() === '') invalid(flag, 'a folder path', out);
  const path = canonical(out);
  const parent = dirname(path);
  if (parent === path) invalid(flag, 'a folder below the filesystem root', out);
  const existing = claimed.get(path);
  if (existing) return existing;
  let isFolder: boolean | undefined;
  try {
    isFolder = statSync(path).isDirectory();
  } catch {
    isFolder = undefined;
  }
  if (isFolder === false) invalid(flag, 'a folder (or a path to create one at)', `${out} is a file`);
  try {
    mkdirSync(parent, { recursive: true });
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new UsageError(`${flag}: expected a folder (or a path to create one at) (got ${JSON.stringify(out)}: cannot create ${parent}: ${why})`);
  }
  installHandlers();
  let lock: FolderLock;
  try {
    lock = lockFolder(path, command, flag);
  } catch (err) {
    if (err instanceof UsageError || (err as NodeJS.ErrnoException).code === undefined) throw err;
    throw new UsageError(`${flag}: expected a writable folder (got ${JSON.stringify(out)}: cannot create its lock beside it: ${(err as NodeJS.ErrnoException).code})`);
  }
  const folder: OutputFolder = { path, lock, removed: removeDeadTempFiles(path) };
  claimed.set(path, folder);
  return folder;
}

/** Releases every folder this process claimed (at exit; runMain calls it when main returns). */
export function releaseOutputFolders(): void {
  for (const f of claimed.values()) f.lock.release();
  claimed.clear();
}
