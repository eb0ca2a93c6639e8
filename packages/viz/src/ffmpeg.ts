import { accessSync, constants, copyFileSync, chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** An ffmpeg binary and where it came from. */
export interface FfmpegBinary {
  path: string;
  source: 'FFMPEG_PATH' | 'ffmpeg-static' | '@ffmpeg-installer/ffmpeg' | 'PATH';
}

/** Raised when no ffmpeg can be found; the message tells the user what to set. */
export class FfmpegMissingError extends Error {
  override name = 'FfmpegMissingError';
}

/** Where to look; every field defaults to the real environment, so tests can take pieces away. */
export interface FfmpegSearch {
  env?: NodeJS.ProcessEnv;
  /** Candidates from npm packages (ffmpeg-static, @ffmpeg-installer/ffmpeg); `false` skips them. */
  packaged?: boolean;
  /** Folder for a chmod-ed copy of a packaged binary that lost its executable bit. */
  cacheDir?: string;
}

function isExecutable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** npm 11 may skip a package's postinstall chmod: use a private executable copy of such a binary. */
function executableCopy(path: string, cacheDir: string): string | undefined {
  if (isExecutable(path)) return path;
  if (!existsSync(path)) return undefined;
  try {
    mkdirSync(cacheDir, { recursive: true });
    const copy = join(cacheDir, `ffmpeg-${statSync(path).size}`);
    if (!isExecutable(copy)) {
      copyFileSync(path, copy);
      chmodSync(copy, 0o755);
    }
    return isExecutable(copy) ? copy : undefined;
  } catch {
    return undefined;
  }
}

async function fromFfmpegStatic(): Promise<string | undefined> {
  try {
    // Optional dependency, usually absent: a variable specifier keeps TypeScript from requiring it.
    const name = 'ffmpeg-static';
    const mod = (await import(name)) as { default?: unknown };
    return typeof mod.default === 'string' ? mod.default : undefined;
  } catch {
    return undefined;
  }
}

function fromInstaller(): string | undefined {
  try {
    const req = createRequire(import.meta.url);
    const mod = req('@ffmpeg-installer/ffmpeg') as { path?: unknown };
    return typeof mod.path === 'string' ? mod.path : undefined;
  } catch {
    // The installer throws a plain string when its platform package is missing.
    return undefined;
  }
}

function fromPath(env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, process.platform === 'win32' ? 'ffmpeg.exe' : 'ffmpeg');
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Finds ffmpeg: env FFMPEG_PATH (if set it must work: an explicit choice is never silently
 * replaced), then ffmpeg-static, then @ffmpeg-installer/ffmpeg, then `ffmpeg` on PATH.
 */
export async function resolveFfmpeg(search: FfmpegSearch = {}): Promise<FfmpegBinary> {
  const env = search.env ?? process.env;
  const cacheDir = search.cacheDir ?? join(tmpdir(), 'ring-viz-ffmpeg');
  const explicit = env.FFMPEG_PATH;
  if (explicit) {
    if (isExecutable(explicit)) return { path: explicit, source: 'FFMPEG_PATH' };
    throw new FfmpegMissingError(`ffmpeg: FFMPEG_PATH=${explicit} is not an executable file; set FFMPEG_PATH to an ffmpeg binary (or unset it to use the bundled one)`);
  }
  if (search.packaged !== false) {
    const s = await fromFfmpegStatic();
    const sPath = s && executableCopy(s, cacheDir);
    if (sPath) return { path: sPath, source: 'ffmpeg-static' };
    const inst = fromInstaller();
    const iPath = inst && executableCopy(inst, cacheDir);
    if (iPath) return { path: iPath, source: '@ffmpeg-installer/ffmpeg' };
  }
  const p = fromPath(env);
  if (p) return { path: p, source: 'PATH' };
  throw new FfmpegMissingError('ffmpeg: not found (tried FFMPEG_PATH, ffmpeg-static, @ffmpeg-installer/ffmpeg, PATH); set FFMPEG_PATH to an ffmpeg binary to write the movies');
}
