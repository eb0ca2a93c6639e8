import { invalid, readJsonObject } from '@ring-attractor/common';

/** An experiment's config.json: the dataset it trains on and the options of each stage. */
export interface ExperimentConfig {
  dataset: string;
  model: Record<string, unknown>;
  train: Record<string, unknown>;
  viz: Record<string, unknown>;
}

const SECTIONS = ['dataset', 'model', 'train', 'viz'] as const;

/** Reads and checks the shape of an experiment config; the stage CLIs validate each option. */
export function readExperimentConfig(path: string): ExperimentConfig {
  const obj = readJsonObject(path, path);
  for (const key of Object.keys(obj)) {
    if (!(SECTIONS as readonly string[]).includes(key)) invalid(`${path}: ${key}`, `one of ${SECTIONS.join(', ')}`, key);
  }
  if (typeof obj.dataset !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(obj.dataset)) {
    invalid(`${path}: dataset`, 'the name of a dataset under pipelines/datasets', obj.dataset);
  }
  const section = (name: 'model' | 'train' | 'viz'): Record<string, unknown> => {
    const v = obj[name] ?? {};
    if (typeof v !== 'object' || v === null || Array.isArray(v)) invalid(`${path}: ${name}`, 'an object of options', v);
    return v as Record<string, unknown>;
  };
  return { dataset: obj.dataset, model: section('model'), train: section('train'), viz: section('viz') };
}

/** Turns `{ batch_size: 128, formats: ['mp4'] }` into `--batch-size 128 --formats mp4` for a stage CLI. */
export function toFlags(options: Record<string, unknown>): string[] {
  const flags: string[] = [];
  for (const [key, value] of Object.entries(options)) {
    const flag = `--${key.replace(/_/g, '-')}`;
    if (typeof value === 'boolean') flags.push(value ? flag : `--no-${key.replace(/_/g, '-')}`);
    else if (Array.isArray(value)) flags.push(flag, value.join(','));
    else flags.push(flag, String(value));
  }
  return flags;
}
