import { readFileSync } from 'node:fs';
import { UsageError, invalid } from './errors.js';

/** Reads a JSON file that must hold an object; errors name `field` (e.g. `--config`) and the file. */
export function readJsonObject(path: string, field = '--config'): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message.split('\n')[0];
    throw new UsageError(`${field}: expected a readable JSON file (got ${JSON.stringify(path)}: ${why})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) invalid(field, 'a JSON object', value);
  return value as Record<string, unknown>;
}

/** A yargs `.fail()` handler: its own validation messages (some span lines) become one-line usage errors (exit 2). */
export function yargsFail(msg: string | undefined, err: Error | undefined): never {
  throw err ?? new UsageError((msg ?? 'invalid arguments').split('\n').map((l) => l.trim()).filter(Boolean).join(' '));
}
