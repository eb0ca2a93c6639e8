/** Fills a section's defaults and validates it, failing with one line that names the field and what it should be. */
import type * as z from 'zod';
import { invalid } from '@ring-attractor/common';
import { expected, type FieldSchema } from './describe.js';
import { jsonSchemaOf, type ObjectSchema } from './jsonSchema.js';

/** How a section's top-level key is named in an error: `model.num_neurons`, `--num-neurons`, a file's key… */
export type FieldLabel = (key: string) => string;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The value as it was given, for messages: non-finite numbers are shown as typed rather than as JSON's null. */
function shown(v: unknown): unknown {
  return typeof v === 'number' && !Number.isFinite(v) ? String(v) : v;
}

/** The schema and value at a path below a section, and the display name of that spot. */
function locate(schema: ObjectSchema, value: unknown, path: readonly PropertyKey[], label: FieldLabel): { sub: FieldSchema; at: unknown; name: string } {
  let sub: FieldSchema = schema;
  let at: unknown = value;
  let name = '';
  for (const [i, key] of path.entries()) {
    const part = String(key);
    if (sub.properties) {
      sub = sub.properties[part] ?? sub;
      name = i === 0 ? label(part) : `${name}.${part}`;
    } else if (sub.items) {
      sub = sub.items;
      name = `${name}[${part}]`;
    }
    at = (at as Record<string, unknown> | undefined)?.[part];
  }
  return { sub, at, name };
}

/** Every number inside `v`, with its path. */
function* numbers(v: unknown, path: PropertyKey[] = []): Generator<[PropertyKey[], number]> {
  if (typeof v === 'number') yield [path, v];
  else if (Array.isArray(v)) for (const [i, x] of v.entries()) yield* numbers(x, [...path, i]);
  else if (isPlainObject(v)) for (const [k, x] of Object.entries(v)) yield* numbers(x, [...path, k]);
}

/**
 * Returns `input` with the section's defaults filled in, or throws a UsageError naming the first bad
 * field (in the schema's field order): an unknown key, a wrong type, a value out of range.
 */
export function resolveSection<S extends z.ZodType>(schema: S, input: unknown, label: FieldLabel = (k) => k, where = 'config'): z.output<S> {
  const json = jsonSchemaOf(schema);
  if (input === undefined || input === null) input = {};
  if (!isPlainObject(input)) invalid(where, 'an object of options', input);
  const keys = Object.keys(json.properties);
  for (const key of Object.keys(input)) {
    if (!keys.includes(key)) invalid(label(key), `a known key (one of ${keys.filter((k) => k !== '$schema').join(', ')})`, key);
  }
  for (const [path, x] of numbers(input)) {
    if (!Number.isFinite(x)) {
      const { sub, name } = locate(json, input, path, label);
      invalid(name, expected(sub), shown(x));
    }
  }
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const rank = (path: readonly PropertyKey[]): number => keys.indexOf(String(path[0]));
  // The schema's field order decides which error is reported; within a field, the deepest spot.
  const issues = [...result.error.issues].sort((a, b) => rank(a.path) - rank(b.path) || b.path.length - a.path.length);
  const { sub, at, name } = locate(json, input, issues[0].path, label);
  invalid(name || where, expected(sub), shown(at));
}

/** The defaults of a section (a fresh object). */
export function sectionDefaults<S extends z.ZodType>(schema: S): z.output<S> {
  return resolveSection(schema, {});
}
