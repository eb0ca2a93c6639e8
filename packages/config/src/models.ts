/** The `model` section across kinds: resolving by `kind`, the CLI flags of every kind, and the kind's training defaults. */
import { invalid } from '@ring-attractor/common';
import type { FieldSchema } from './describe.js';
import { jsonSchemaOf, type ObjectSchema } from './jsonSchema.js';
import { resolveSection, type FieldLabel } from './resolve.js';
import { MODEL_KINDS, MODEL_SECTIONS, TRAIN_DEFAULTS, trainSection, type ModelConfig, type ModelKind, type TrainConfig } from './sections.js';

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A model section of any kind, checked against that kind's schema (ring when `kind` is absent) and the kind's rules. */
export function resolveModel(input: unknown, label: FieldLabel = (k) => k, where = 'model'): ModelConfig {
  if (input === undefined || input === null) input = {};
  if (!isPlainObject(input)) invalid(where, 'an object of options', input);
  const kind = input.kind ?? 'ring';
  if (!(MODEL_KINDS as readonly unknown[]).includes(kind)) invalid(label('kind'), `one of ${MODEL_KINDS.join(', ')}`, kind);
  const model = resolveSection(MODEL_SECTIONS[kind as ModelKind], input, label, where) as ModelConfig;
  if (model.kind === 'transformer') {
    if (model.d_model % 2 !== 0) invalid(label('d_model'), 'an even integer (sin/cos pairs of the positional encoding)', model.d_model);
    if (model.d_model % model.nhead !== 0) invalid(label('nhead'), `a divisor of d_model = ${model.d_model}`, model.nhead);
  }
  return model;
}

/**
 * The flags of every kind's fields, for one command line: each field once, typed, with its kinds'
 * defaults in the description (a default depends on the kind, which may come later on the line).
 */
export function modelFlagsSchema(): ObjectSchema {
  const merged: Record<string, FieldSchema & { kinds: string[] }> = {};
  for (const kind of MODEL_KINDS) {
    for (const [key, f] of Object.entries(jsonSchemaOf(MODEL_SECTIONS[kind]).properties)) {
      const shown = f.default === undefined ? kind : `${kind} ${JSON.stringify(f.default)}`;
      if (key === 'kind') merged.kind = { type: 'string', enum: MODEL_KINDS, description: f.description, default: 'ring', kinds: [] };
      else if (merged[key]) merged[key].kinds.push(shown);
      else {
        const { default: _, ...rest } = f;
        merged[key] = { ...rest, kinds: [shown] };
      }
    }
  }
  const properties = Object.fromEntries(
    Object.entries(merged).map(([key, { kinds, ...f }]) => [key, kinds.length ? { ...f, description: `${f.description} [${kinds.join('; ')}]` } : f]),
  );
  return { type: 'object', properties };
}

/** The train section for a model kind: its learning rate and weight decay default to the kind's. */
export function resolveTrain(input: unknown, kind: ModelKind, label: FieldLabel = (k) => k, where = 'train'): TrainConfig {
  const t = resolveSection(trainSection, input, label, where);
  return { ...t, lr: t.lr ?? TRAIN_DEFAULTS[kind].lr, weight_decay: t.weight_decay ?? TRAIN_DEFAULTS[kind].weight_decay };
}
