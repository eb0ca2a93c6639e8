import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** A temp path in the same folder as `path`, so the final rename is atomic on one filesystem. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** The names {@link tempPathFor} makes: `.<name>.<pid>.<8 hex digits>.tmp`. */
const TEMP_NAME = /^\.(.+)\.([1-9][0-9]*)\.[0-9a-f]{8}\.tmp$/;

/** The pid and final name of a temp file {@link tempPathFor} named, or undefined for any other name. */
export function parseTempName(name: string): { pid: number; target: string } | undefined {
  const m = TEMP_NAME.exec(name);
  return m ? { pid: Number(m[2]), target: m[1] } : undefined;
}

/** Flushes a file's bytes to the disk, so a rename after it never publishes an empty or partial file after a power cut. */
async function syncFile(path: string): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Flushes a folder's entries (the rename itself); not every platform can open a folder, which is then skipped. */
async function syncDir(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch {
    // EISDIR/EPERM on platforms that cannot fsync a folder: the rename is still atomic there.
  } finally {
    await fh?.close();
  }
}

/**
 * Writes and streams in flight. A stop (SIGINT, SIGTERM) must not exit while one runs: its temp
 * file may still be being created on libuv's thread pool after the stop removed the temp files.
 */
const inFlight = new Set<Promise<unknown>>();
const openStreams = new Set<AtomicStream>();
let stopping = false;

function track<T>(p: Promise<T>): Promise<T> {
  inFlight.add(p);
  const done = (): void => void inFlight.delete(p);
  p.then(done, done);
  return p;
}

/** Lets the writes in flight finish, aborts open streams, and starts no write after it (each then waits forever): for a stopping process. */
export async function settleAtomicWrites(): Promise<void> {
  stopping = true;
  await Promise.allSettled([...inFlight, ...[...openStreams].map((s) => s.abort())]);
}

/** Writes `data` to `path` through a temp file, fsync and a rename: readers never see half a file, even after a crash. */
export function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  if (stopping) return new Promise<void>(() => undefined);
  return track(writeThroughTemp(path, data));
}

async function writeThroughTemp(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = tempPathFor(path);
  try {
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    // The write's error is the one to report, not a failure to remove what it left.
    await rm(tmp, { force: true }).catch(() => undefined);
    throw namingFile(err, path);
  }
  await syncDir(dirname(path));
}

/** A file-system error reports the file being written, not its temp file (writes of a descriptor name none). */
function namingFile(err: unknown, path: string): unknown {
  if (err instanceof Error && (err as NodeJS.ErrnoException).code !== undefined) (err as NodeJS.ErrnoException).path = path;
  return err;
}

/** A write stream to a temp file that becomes `path` only on `commit()`; `abort()` removes it. */
export interface AtomicStream {
  stream: WriteStream;
  tmpPath: string;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/** Opens an {@link AtomicStream} for `path`. */
export function createAtomicWriteStream(path: string): AtomicStream {
  const tmpPath = tempPathFor(path);
  const stream = createWriteStream(tmpPath);
  const closed = new Promise<void>((resolve, reject) => {
    stream.once('close', resolve);
    stream.once('error', reject);
  });
  const atomic: AtomicStream = {
    stream,
    tmpPath,
    commit() {
      openStreams.delete(atomic);
      return track(
        (async () => {
          if (!stream.writableEnded) stream.end();
          try {
            await closed;
            await syncFile(tmpPath);
            await rename(tmpPath, path);
          } catch (err) {
            throw namingFile(err, path);
          }
          await syncDir(dirname(path));
        })(),
      );
    },
    async abort() {
      openStreams.delete(atomic);
      stream.destroy();
      await closed.catch(() => undefined);
      await rm(tmpPath, { force: true });
    },
  };
  openStreams.add(atomic);
  return atomic;
}
