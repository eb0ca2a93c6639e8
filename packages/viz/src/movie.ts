import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { open, rename, rm } from 'node:fs/promises';
import { tempPathFor } from '@ring-attractor/common';
import type { MovieFormat } from './vizConfig.js';

/** What to encode and where. */
export interface MovieJob {
  ffmpeg: string;
  width: number;
  height: number;
  fps: number;
  /** Output path per requested format. */
  outputs: Partial<Record<MovieFormat, string>>;
}

/**
 * ffmpeg arguments for raw RGBA frames on stdin → MP4 (libx264, yuv420p) and/or GIF
 * (palettegen + paletteuse) in ONE process: every frame is rendered and piped once.
 */
export function ffmpegArgs(job: MovieJob, tmp: Partial<Record<MovieFormat, string>>): string[] {
  const args = ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgba', '-s', `${job.width}x${job.height}`, '-framerate', String(job.fps), '-i', '-'];
  const mp4 = ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', '-f', 'mp4'];
  const gifGraph = 'palettegen=stats_mode=full[p];[g1][p]paletteuse=dither=sierra2_4a';
  if (tmp.mp4 && tmp.gif) {
    args.push('-filter_complex', `[0:v]format=rgb24,split=3[m][g0][g1];[g0]${gifGraph}[g]`);
    args.push('-map', '[m]', ...mp4, tmp.mp4, '-map', '[g]', '-f', 'gif', tmp.gif);
  } else if (tmp.mp4) {
    args.push('-vf', 'format=rgb24', ...mp4, tmp.mp4);
  } else if (tmp.gif) {
    args.push('-filter_complex', `[0:v]format=rgb24,split=2[g0][g1];[g0]${gifGraph}[g]`, '-map', '[g]', '-f', 'gif', tmp.gif);
  }
  return args;
}

/** Pipes frames (in order) into ffmpeg and renames the movies into place only if it succeeds. */
export async function encodeMovies(job: MovieJob, frames: AsyncIterable<{ rgba: Uint8Array; width: number; height: number }>, onFrame?: (done: number) => void): Promise<void> {
  if (job.width % 2 || job.height % 2) throw new Error(`movie frames must have even dimensions for yuv420p (got ${job.width}x${job.height})`);
  const tmp: Partial<Record<MovieFormat, string>> = {};
  for (const [fmt, path] of Object.entries(job.outputs) as [MovieFormat, string][]) tmp[fmt] = tempPathFor(path);
  const proc = spawn(job.ffmpeg, ffmpegArgs(job, tmp), { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const exited = new Promise<number>((resolve, reject) => {
    proc.once('error', reject);
    proc.once('close', (code) => resolve(code ?? 1));
  });
  let pipeError: Error | undefined;
  proc.stdin.on('error', (err) => (pipeError = err));
  const cleanup = async (): Promise<void> => {
    await Promise.all(Object.values(tmp).map((p) => rm(p!, { force: true })));
  };
  try {
    let done = 0;
    for await (const f of frames) {
      if (f.width !== job.width || f.height !== job.height) throw new Error(`frame ${done} is ${f.width}x${f.height}, expected ${job.width}x${job.height}`);
      if (pipeError) break;
      if (!proc.stdin.write(f.rgba)) await Promise.race([once(proc.stdin, 'drain'), exited]);
      onFrame?.(++done);
    }
    proc.stdin.end();
    const code = await exited;
    if (code !== 0 || pipeError) throw new Error(`ffmpeg failed (exit ${code}): ${stderr.trim() || pipeError?.message}`);
    for (const [fmt, path] of Object.entries(job.outputs) as [MovieFormat, string][]) {
      // ffmpeg closed the file without fsync: a power cut after the rename could leave an empty movie.
      const handle = await open(tmp[fmt]!, 'r+');
      await handle.sync().finally(() => handle.close());
      await rename(tmp[fmt]!, path);
    }
  } catch (err) {
    proc.kill('SIGKILL');
    await exited.catch(() => undefined);
    await cleanup();
    throw err;
  }
}
