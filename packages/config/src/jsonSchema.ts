/** JSON Schema of the sections: what the CLI flags and messages read, and the files every config.json points at through `$schema`. */
import * as z from 'zod';
import type { FieldSchema } from './describe.js';
import { datasetConfig, experimentConfig } from './sections.js';

/** A section's JSON Schema as an object with properties. */
export interface ObjectSchema extends FieldSchema {
  properties: Record<string, FieldSchema>;
}

const cache = new WeakMap<z.ZodType, ObjectSchema>();

/** The JSON Schema (draft 2020-12, input side: defaulted fields optional) of a zod schema, computed once. */
export function jsonSchemaOf(schema: z.ZodType): ObjectSchema {
  let s = cache.get(schema);
  if (!s) {
    s = z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12' }) as unknown as ObjectSchema;
    cache.set(schema, s);
  }
  return s;
}

/** Where the schema files live in the workspace, and what each describes. */
export const SCHEMA_FILES = {
  'pipelines/schema/experiment.schema.json': { schema: experimentConfig, title: 'ring-attractor experiment (pipelines/experiments/<name>/config.json)' },
  'pipelines/schema/dataset.schema.json': { schema: datasetConfig, title: 'ring-attractor dataset (pipelines/datasets/<name>/config.json)' },
} as const;

/** Our own annotations, which are not JSON Schema keywords. */
const PRIVATE_KEYS = new Set(['expected']);

function strip(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(strip);
  if (typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(Object.entries(v).filter(([k]) => !PRIVATE_KEYS.has(k)).map(([k, x]) => [k, strip(x)]));
}

/** The text of a schema file: a title, then the schema, as stable pretty JSON. */
export function jsonSchemaText(schema: z.ZodType, title: string): string {
  const { $schema, ...body } = strip(jsonSchemaOf(schema)) as Record<string, unknown>;
  return `${JSON.stringify({ $schema, title, ...body }, null, 2)}\n`;
}

/** Every schema file's path (relative to the workspace root) and text. */
export function schemaFiles(): Record<string, string> {
  return Object.fromEntries(Object.entries(SCHEMA_FILES).map(([path, { schema, title }]) => [path, jsonSchemaText(schema, title)]));
}
