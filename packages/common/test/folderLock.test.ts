import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError, currentProcess, lockFolder, lockPathFor, type LockOwner } from '../src/index.js';

const WRITER = new URL('./fixtures/writer.ts', import.meta.url).pathname;

/** The pid of a process that has exited (a pid nobody holds, as far as the test can tell). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

function owner(over: Partial<LockOwner>): LockOwner {
  return { ...currentProcess(), token: 'f'.repeat(32), command: 'ring-test', since: '2024-01-01T00:00:00.000Z', ...over };
}

function plant(folder: string, o: LockOwner): void {
  writeFileSync(lockPathFor(folder), JSON.stringify(o));
}

function usage(re: RegExp): (err: unknown) => boolean {
  return (err) => err instanceof UsageError && re.test(err.message) && !err.message.includes('\n');
}

test('the lock is a file beside the folder naming its holder; a second writer is refused naming the folder and the pid', () => {
  const root = mkdtempSync(join(tmpdir(), 'lock-'));
  const folder = join(root, 'out');
  const lock = lockFolder(folder, 'ring-test');
  assert.equal(lock.path, join(root, 'out.lock'));
  assert.deepEqual(readdirSync(root), ['out.lock'], 'nothing inside the folder, no temp files beside it');
  const held = JSON.parse(readFileSync(lock.path, 'utf8')) as LockOwner;
  assert.equal(held.pid, process.pid);
  assert.equal(held.hostname, hostname());
  assert.throws(() => lockFolder(folder, 'ring-other'), usage(new RegExp(`^--out: ${folder} is being written by ring-test \\(pid ${process.pid} on `)));
  lock.release();
  assert.deepEqual(readdirSync(root), []);
  lockFolder(folder, 'ring-test').release();
});

test("a dead process's lock is taken over", () => {
  const folder = join(mkdtempSync(join(tmpdir(), 'lock-')), 'out');
  plant(folder, owner({ pid: deadPid() }));
  const lock = lockFolder(folder, 'ring-test');
  assert.equal((JSON.parse(readFileSync(lock.path, 'utf8')) as LockOwner).token, lock.owner.token);
  lock.release();
  assert.equal(existsSync(lock.path), false);
});

test('a live pid that started at another time (a reused pid) or in another boot holds no lock', { skip: currentProcess().start_ticks === null && 'no /proc' }, () => {
  const folder = join(mkdtempSync(join(tmpdir(), 'lock-')), 'out');
  plant(folder, owner({ start_ticks: '1' }));
  lockFolder(folder, 'ring-test').release();
  plant(folder, owner({ boot_id: 'another-boot' }));
  lockFolder(folder, 'ring-test').release();
});

test('a lock from another host is never taken over; the error says what to remove', () => {
  const folder = join(mkdtempSync(join(tmpdir(), 'lock-')), 'out');
  plant(folder, owner({ hostname: 'elsewhere.example', pid: deadPid() }));
  assert.throws(() => lockFolder(folder, 'ring-test'), usage(/^--out: .*out is locked by ring-test \(pid \d+ on elsewhere\.example, .*\), another host; if that process is gone, remove .*out\.lock$/));
  assert.ok(existsSync(lockPathFor(folder)));
});

test('a file in the lock’s place that no lock wrote is refused, not removed', () => {
  const folder = join(mkdtempSync(join(tmpdir(), 'lock-')), 'out');
  writeFileSync(lockPathFor(folder), 'not json');
  assert.throws(() => lockFolder(folder, 'ring-test'), usage(/is not a lock file this tool wrote/));
  assert.equal(readFileSync(lockPathFor(folder), 'utf8'), 'not json');
});

test('release leaves alone a lock that is no longer its own', () => {
  const folder = join(mkdtempSync(join(tmpdir(), 'lock-')), 'out');
  const lock = lockFolder(folder, 'ring-test');
  plant(folder, owner({ token: 'another' }));
  lock.release();
  assert.equal((JSON.parse(readFileSync(lockPathFor(folder), 'utf8')) as LockOwner).token, 'another');
});

test('processes racing to take over one dead lock: exactly one wins', async () => {
  const folder = join(mkdtempSync(join(tmpdir(), 'lock-')), 'out');
  plant(folder, owner({ pid: deadPid() }));
  const racers = Array.from({ length: 6 }, () => {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, folder, 'lock-only'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    return new Promise<string>((resolve) => child.on('close', () => resolve(out.trim())));
  });
  const results = await Promise.all(racers);
  assert.deepEqual(results.filter((r) => r === 'won'), ['won'], results.join(', '));
  assert.equal(results.filter((r) => r === 'refused').length, 5, results.join(', '));
  assert.equal(existsSync(lockPathFor(folder)), false, 'the winner released it');
});
