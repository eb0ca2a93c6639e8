/**
 * The boundary of every CLI: bad input is one line and exit 2; any other failure is one sentence
 * and exit 1. Failures from below the JavaScript (a wasm trap, a failed allocation, a full disk)
 * carry messages that name neither the cause nor the work (`memory access out of bounds`), so
 * they are reworded as what ran out while doing what.
 */
import { UsageError } from './errors.js';
import { releaseOutputFolders } from './outputFolder.js';

/** The environment variable runMain reads, as every CLI's `--help` describes it. */
export const DEBUG_ENV: Readonly<Record<string, string>> = { RING_DEBUG: 'set to 1 to print stack traces of internal errors' };

let activity = 'running';

/** Says what the process is doing, for the message of a failure that cannot say it itself (e.g. 'training'). */
export function setActivity(doing: string): void {
  activity = doing;
}

/** What file-system error codes mean, in words. */
const FILE_ERRORS: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is exhausted',
  EROFS: 'the file system is read-only',
  EIO: 'an input/output error of the device',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files',
  ENOMEM: 'out of memory',
};

/** WebAssembly's trap class (its types are not in this project's lib). */
const WasmRuntimeError = (globalThis as unknown as { WebAssembly: { RuntimeError: ErrorConstructor } }).WebAssembly.RuntimeError;

const ALLOCATION = /Invalid typed array length|Array buffer allocation failed|Invalid array length|allocation failed|Cannot allocate/i;

/** One sentence for an error that is not bad input: low-level failures reworded, any other error's own first line. */
export function describeFailure(err: unknown, doing: string = activity): string {
  if (!(err instanceof Error)) return String(err);
  const first = err.message.split('\n')[0];
  const code = (err as NodeJS.ErrnoException).code;
  if (code !== undefined && code in FILE_ERRORS) {
    const path = (err as NodeJS.ErrnoException).path;
    return `${FILE_ERRORS[code]} while ${doing}${path ? ` (${path})` : ''} [${code}]`;
  }
  const trap: unknown = err;
  if (trap instanceof WasmRuntimeError || /^Aborted\(|memory access out of bounds/.test(first)) {
    const what = first.replace(/\s*Build with -s\S+ for more info\.?/, '').replace(/\.$/, '').trim();
    return `a WebAssembly module failed while ${doing} (${what}); usually its memory (at most 2-4 GiB) was too small for these sizes: lower the batch size, the model's size or the sequence length`;
  }
  if (err instanceof RangeError && ALLOCATION.test(first)) {
    return `out of memory while ${doing} (${first}): lower the batch size, the model's size or the sequence length`;
  }
  return first;
}

/** Runs a CLI's main (`doing`: what it does, for failure messages): bad input prints `error: …` and exits 2, any other failure exits 1. */
export async function runMain(main: () => Promise<void>, doing?: string): Promise<void> {
  if (doing !== undefined) setActivity(doing);
  try {
    await main();
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`error: ${err.message}\n`);
      process.exitCode = 2;
    } else {
      const msg = process.env.RING_DEBUG && err instanceof Error ? err.stack : describeFailure(err);
      process.stderr.write(`error: ${msg}\n`);
      process.exitCode = 1;
    }
  } finally {
    releaseOutputFolders();
  }
}
