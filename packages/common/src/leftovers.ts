/** Temp files that {@link tempPathFor} named and nobody renamed: left by a killed process, or by this one when it is stopped. */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseTempName } from './atomic.js';
import { pidAlive } from './processes.js';

/** Temp files under `dir` (at any depth) whose writer matches `whose`; a missing folder has none. */
function tempFiles(dir: string, whose: (pid: number) => boolean): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...tempFiles(path, whose));
    else {
      const t = parseTempName(e.name);
      if (t && whose(t.pid)) out.push(path);
    }
  }
  return out;
}

/**
 * Removes the temp files under `dir` of processes that no longer run on this host; returns their
 * paths. A live writer's temp files are kept, even one whose pid was reused: a later run removes them.
 */
export function removeDeadTempFiles(dir: string): string[] {
  const dead = tempFiles(dir, (pid) => pid !== process.pid && !pidAlive(pid));
  for (const path of dead) rmSync(path, { force: true });
  return dead;
}

/** Removes this process's own temp files under `dir` (when it is stopped mid-write). */
export function removeOwnTempFiles(dir: string): void {
  for (const path of tempFiles(dir, (pid) => pid === process.pid)) rmSync(path, { force: true });
}
