/** Bad input from the user: printed as one line, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Throws a {@link UsageError} naming `field` and what it should have been. */
export function invalid(field: string, expected: string, got?: unknown): never {
  const shown = got === undefined ? '' : ` (got ${JSON.stringify(got)})`;
  throw new UsageError(`${field}: expected ${expected}${shown}`);
}
