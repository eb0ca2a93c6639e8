/** Bad input from the user: printed as one line, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Throws a {@link UsageError} naming `field` and what it should have been. */
export function invalid(field: string, expected: string, got?: unknown): never {
  const shown = got === undefined ? '' : ` (got ${JSON.stringify(got)})`;
  throw new UsageError(`${field}: expected ${expected}${shown}`);
}

/** The environment variable runMain reads, as every CLI's `--help` describes it. */
export const DEBUG_ENV: Readonly<Record<string, string>> = { RING_DEBUG: 'set to 1 to print stack traces of internal errors' };

/** Runs a CLI's main: bad input prints `error: …` and exits 2, any other failure exits 1. */
export async function runMain(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`error: ${err.message}\n`);
      process.exitCode = 2;
    } else {
      const msg = err instanceof Error ? (process.env.RING_DEBUG ? err.stack : err.message) : String(err);
      process.stderr.write(`error: ${msg}\n`);
      process.exitCode = 1;
    }
  }
}
