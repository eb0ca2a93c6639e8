import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A fresh temp folder for one test file. */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `ring-viz-${prefix}-`));
}

/** Path of the ring-viz bin shim. */
export const BIN = fileURLToPath(new URL('../bin/ring-viz.mjs', import.meta.url));

/** Runs the CLI in a child process (the shim registers tsx itself). */
export function runCli(args: string[], env: NodeJS.ProcessEnv = process.env): { code: number; stderr: string; stdout: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8' });
  return { code: r.status ?? -1, stderr: r.stderr, stdout: r.stdout };
}

/** Number of video frames ffmpeg decodes from `file`. */
export function countFrames(ffmpeg: string, file: string): number {
  const r = spawnSync(ffmpeg, ['-hide_banner', '-nostats', '-i', file, '-map', '0:v:0', '-f', 'null', '-'], { encoding: 'utf8' });
  // With -nostats the final summary still prints "frame=  N"; take the last occurrence.
  const all = [...r.stderr.matchAll(/frame=\s*(\d+)/g)];
  if (all.length === 0) {
    const r2 = spawnSync(ffmpeg, ['-hide_banner', '-i', file, '-map', '0:v:0', '-f', 'null', '-'], { encoding: 'utf8' });
    const again = [...r2.stderr.matchAll(/frame=\s*(\d+)/g)];
    return again.length ? Number(again[again.length - 1][1]) : -1;
  }
  return Number(all[all.length - 1][1]);
}

/** ffmpeg's description of the first video stream of `file` (codec, pixel format, size). */
export function videoStream(ffmpeg: string, file: string): string {
  const r = spawnSync(ffmpeg, ['-hide_banner', '-i', file], { encoding: 'utf8' });
  return /Stream #0:0.*Video: (.*)/.exec(r.stderr)?.[1] ?? '';
}
