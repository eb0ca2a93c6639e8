import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** A temp path in the same folder as `path`, so the final rename is atomic on one filesystem. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** Writes `data` to `path` through a temp file and a rename: readers never see half a file. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = tempPathFor(path);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
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
  return {
    stream,
    tmpPath,
    async commit() {
      if (!stream.writableEnded) stream.end();
      await closed;
      await rename(tmpPath, path);
    },
    async abort() {
      stream.destroy();
      await closed.catch(() => undefined);
      await rm(tmpPath, { force: true });
    },
  };
}
