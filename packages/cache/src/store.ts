import { randomBytes } from 'node:crypto';
import { constants, type ReadStream } from 'node:fs';
import { link, mkdir, open, readdir, rm, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Uploads are written to `.tmp-<pid>-<random>` in the cache folder itself, so that linking one
 * into place never crosses a filesystem; the leading dot keeps them out of the hash namespace.
 */
const TEMP = /^\.tmp-(\d+)-[0-9a-f]+$/;

/** A temp file untouched for this long belongs to no live upload: idle uploads are cut off sooner. */
export const STALE_TEMP_MS = 10 * 60_000;

/** The result of {@link CacheStore.write}. */
export type WriteResult =
  | { status: 'stored'; bytes: number }
  | { status: 'exists'; bytes: number }
  | { status: 'too-large'; bytes: number }
  | { status: 'short'; bytes: number };

/** An entry opened for reading: its size and a stream of its bytes. */
export interface OpenEntry {
  size: number;
  stream: ReadStream;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Entries of a folder-backed cache, one file per hash, written so that no reader sees half of one. */
export class CacheStore {
  private constructor(readonly dir: string) {}

  /** Opens (creating it if needed) the cache folder `dir` and removes temp files of dead uploads. */
  static async open(dir: string): Promise<CacheStore> {
    await mkdir(dir, { recursive: true });
    const store = new CacheStore(dir);
    await store.removeStaleTemps();
    return store;
  }

  private path(hash: string): string {
    return join(this.dir, hash);
  }

  /** Whether an entry for `hash` exists. */
  async has(hash: string): Promise<boolean> {
    try {
      return (await stat(this.path(hash))).isFile();
    } catch {
      return false;
    }
  }

  /** Opens the entry for `hash`, or returns null when there is none. */
  async read(hash: string): Promise<OpenEntry | null> {
    let fh: FileHandle;
    try {
      fh = await open(this.path(hash), constants.O_RDONLY);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    try {
      const st = await fh.stat();
      if (!st.isFile()) {
        await fh.close();
        return null;
      }
      return { size: st.size, stream: fh.createReadStream() };
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  /**
   * Streams `body` into the entry for `hash`. The bytes go to a temp file; only when exactly
   * `expectedBytes` arrived (never more than `maxBytes`) are they fsynced and hard-linked into
   * place. `link` fails if the name exists, so of two concurrent writers exactly one stores and
   * the other gets `exists`. On any other outcome, or when `body` errors, the temp file is removed.
   */
  async write(hash: string, body: AsyncIterable<Uint8Array>, expectedBytes: number, maxBytes: number): Promise<WriteResult> {
    const tmp = join(this.dir, `.tmp-${process.pid}-${randomBytes(8).toString('hex')}`);
    const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
    let closed = false;
    let bytes = 0;
    try {
      const limit = Math.min(expectedBytes, maxBytes);
      for await (const chunk of body) {
        bytes += chunk.byteLength;
        if (bytes > limit) return { status: bytes > maxBytes ? 'too-large' : 'short', bytes };
        await fh.write(chunk);
      }
      if (bytes !== expectedBytes) return { status: 'short', bytes };
      await fh.sync();
      await fh.close();
      closed = true;
      try {
        await link(tmp, this.path(hash));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') return { status: 'exists', bytes };
        throw err;
      }
      await this.syncDir();
      return { status: 'stored', bytes };
    } finally {
      if (!closed) await fh.close().catch(() => undefined);
      await rm(tmp, { force: true });
    }
  }

  // Makes the new directory entry durable, so a power cut cannot lose an entry already acknowledged.
  private async syncDir(): Promise<void> {
    const dh = await open(this.dir, constants.O_RDONLY);
    try {
      await dh.sync();
    } finally {
      await dh.close();
    }
  }

  /**
   * Removes temp files left by uploads that can no longer finish: those of a process that is
   * gone, and any not written to for {@link STALE_TEMP_MS} (which covers a reused pid and
   * another machine's process). Returns how many were removed.
   */
  async removeStaleTemps(now = Date.now()): Promise<number> {
    let removed = 0;
    for (const name of await readdir(this.dir)) {
      const m = TEMP.exec(name);
      if (m === null) continue;
      const pid = Number(m[1]);
      const path = join(this.dir, name);
      let stale = pid !== process.pid && !isAlive(pid);
      if (!stale) {
        try {
          stale = now - (await stat(path)).mtimeMs > STALE_TEMP_MS;
        } catch {
          continue;
        }
      }
      if (stale) {
        await rm(path, { force: true });
        removed++;
      }
    }
    return removed;
  }
}
