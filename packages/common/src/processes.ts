/**
 * Who a process is, precisely enough to tell it from a later process that got the same pid: the
 * host, the boot (a pid count restarts at every boot) and the process's start time since that boot.
 * Linux exposes the last two in /proc; elsewhere they are null and only the pid is compared.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/** A process as a lock or a leftover records it. */
export interface ProcessIdentity {
  pid: number;
  hostname: string;
  /** /proc/sys/kernel/random/boot_id, or null where there is none. */
  boot_id: string | null;
  /** Field 22 of /proc/<pid>/stat (clock ticks after boot), or null where there is none. */
  start_ticks: string | null;
}

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** The start time of `pid` in clock ticks after boot, or null when it cannot be read (no /proc, or no such process). */
export function processStartTicks(pid: number): string | null {
  const stat = readOrNull(`/proc/${pid}/stat`);
  if (stat === null) return null;
  // The command name (field 2) may hold spaces and parentheses: count fields after its closing one.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[22 - 3] ?? null;
}

/** This boot's id, or null where the system has none. */
export function bootId(): string | null {
  return readOrNull('/proc/sys/kernel/random/boot_id')?.trim() ?? null;
}

/** The identity of the running process. */
export function currentProcess(): ProcessIdentity {
  return { pid: process.pid, hostname: hostname(), boot_id: bootId(), start_ticks: processStartTicks(process.pid) };
}

/**
 * Whether the process `p` still runs: 'alive', 'dead', or 'unknown' when it ran on another host
 * (a disk shared between machines: nothing here can see that host's processes).
 */
export function processState(p: ProcessIdentity): 'alive' | 'dead' | 'unknown' {
  if (p.hostname !== hostname()) return 'unknown';
  const boot = bootId();
  if (p.boot_id !== null && boot !== null && p.boot_id !== boot) return 'dead';
  try {
    process.kill(p.pid, 0);
  } catch (err) {
    // EPERM: the pid exists but belongs to another user.
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return 'dead';
  }
  // The pid runs, but it may be a later process that reused it.
  const start = processStartTicks(p.pid);
  if (p.start_ticks !== null && start !== null && start !== p.start_ticks) return 'dead';
  return 'alive';
}

/** Whether a process of this host with id `pid` runs now (a leftover's name records only the pid). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}
