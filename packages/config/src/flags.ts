/**
 * CLI flags derived from the section schemas: `num_neurons` is `--num-neurons`, with its type, choices,
 * default and description in `--help`. Values are read from the raw text of the command line, so an
 * error shows what was typed (`--lr: expected a finite number > 0 (got "1e-3x")`).
 */
import type * as z from 'zod';
import type { Options } from 'yargs';
import { Parser } from 'yargs/helpers';
import { invalid } from '@ring-attractor/common';
import { expected, type FieldSchema } from './describe.js';
import { jsonSchemaOf, type ObjectSchema } from './jsonSchema.js';

/** The flag of a config key: `num_neurons` → `num-neurons`. */
export function flagName(key: string): string {
  return key.replace(/_/g, '-');
}

/** A section's flags come from a zod schema, or from a JSON object schema made for the command line. */
export type FlagSource = z.ZodType | ObjectSchema;

function fields(schema: FlagSource): [string, FieldSchema][] {
  const json = 'properties' in schema && !('_zod' in schema) ? (schema as ObjectSchema) : jsonSchemaOf(schema as z.ZodType);
  return Object.entries(json.properties).filter(([key]) => key !== '$schema');
}

function shownDefault(v: unknown): string {
  return Array.isArray(v) ? (v.length ? v.join(',') : 'none') : String(v);
}

/** yargs options for every field of a section (keyed by flag name), for `--help`, `choices` and strict parsing. */
export function sectionOptions(schema: FlagSource, group?: string): Record<string, Options> {
  const out: Record<string, Options> = {};
  for (const [key, f] of fields(schema)) {
    const o: Options = { describe: f.description, group, defaultDescription: f.default === undefined ? undefined : shownDefault(f.default) };
    if (f.enum) {
      o.type = 'string';
      o.choices = [...f.enum] as string[];
    } else if (f.type === 'boolean') {
      o.type = 'boolean';
    } else if (f.type === 'number' || f.type === 'integer') {
      o.type = 'number';
      o.describe = `${f.description} (${expected(f)})`;
    } else if (f.type === 'array') {
      o.type = 'string';
      o.describe = `${f.description}: comma-separated${f.items?.enum ? ` (${f.items.enum.join(', ')})` : ''}`;
    } else {
      o.type = 'string';
    }
    out[flagName(key)] = o;
  }
  return out;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** One flag's text as a value of field `f`, or a UsageError naming the flag. */
export function fieldFromText(f: FieldSchema, text: string, flag: string): unknown {
  if (f.type === 'number' || f.type === 'integer') {
    const t = text.trim();
    if (!NUMBER.test(t)) invalid(flag, expected(f), text);
    return Number(t);
  }
  if (f.type === 'array') {
    const t = text.trim();
    if (t === '' || t === 'none') return [];
    return t.split(',').map((part, i) => fieldFromText(f.items ?? {}, part.trim(), `${flag}[${i}]`));
  }
  if (f.type === 'boolean') {
    if (text === 'true' || text === 'false') return text === 'true';
    invalid(flag, expected(f), text);
  }
  return text;
}

/** The command line parsed without yargs' number coercion: every value as typed. */
export function rawArgs(argv: readonly string[], schemas: readonly FlagSource[]): Record<string, unknown> {
  const booleans = schemas.flatMap((s) => fields(s).filter(([, f]) => f.type === 'boolean').map(([k]) => flagName(k)));
  return Parser([...argv], {
    boolean: booleans,
    configuration: { 'parse-numbers': false, 'parse-positional-numbers': false, 'camel-case-expansion': false, 'duplicate-arguments-array': false, 'dot-notation': false },
  }) as Record<string, unknown>;
}

/** The values of `schema`'s fields given on the command line (a later repeated flag wins), typed, keyed by config key. */
export function sectionFlags(schema: FlagSource, raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, f] of fields(schema)) {
    const flag = flagName(key);
    let v = raw[flag];
    if (v === undefined) continue;
    if (Array.isArray(v)) v = v[v.length - 1];
    out[key] = typeof v === 'boolean' ? v : fieldFromText(f, String(v), `--${flag}`);
  }
  return out;
}
