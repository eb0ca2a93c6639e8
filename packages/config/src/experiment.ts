/** Experiment and dataset config files of the pipeline: read, checked against the schema, written. */
import { invalid, readJsonObject } from '@ring-attractor/common';
import type * as z from 'zod';
import { resolveSection } from './resolve.js';
import { fieldFromText } from './flags.js';
import { jsonSchemaOf } from './jsonSchema.js';
import { datagenSection, evalSection, experimentConfig, NAME_EXPECTED, NAME_PATTERN, trainSection, vizSection, type DatagenConfig, type EvalSectionConfig, type ModelConfig, type TrainConfig, type VizConfig } from './sections.js';
import { modelFlagsSchema, resolveModel, resolveTrain } from './models.js';
import { checkEval, checkTraining } from './rules.js';

/** The sections of an experiment's config.json that configure a stage, in file order. */
export const EXPERIMENT_SECTIONS = { model: null, train: trainSection, eval: evalSection, viz: vizSection } as const;
/** A section name of an experiment config. */
export type SectionName = keyof typeof EXPERIMENT_SECTIONS;

/** An experiment's config with every section's defaults filled in. */
export interface ExperimentConfig {
  dataset: string;
  model: ModelConfig;
  train: TrainConfig;
  eval: EvalSectionConfig;
  viz: VizConfig;
}

const NAME = new RegExp(NAME_PATTERN);

/** Throws unless `name` can be a dataset or experiment name (an nx project and a folder). */
export function checkName(field: string, name: unknown): asserts name is string {
  if (typeof name !== 'string' || !NAME.test(name)) invalid(field, NAME_EXPECTED, name);
}

/** Checks a parsed experiment config (errors name `where` and the key) and fills every default. */
export function resolveExperiment(obj: Record<string, unknown>, where: string): ExperimentConfig {
  const keys = Object.keys(jsonSchemaOf(experimentConfig).properties);
  for (const key of Object.keys(obj)) if (!keys.includes(key)) invalid(`${where}: ${key}`, `a known key (one of ${keys.filter((k) => k !== '$schema').join(', ')})`, key);
  checkName(`${where}: dataset`, obj.dataset);
  const label = (name: SectionName) => (k: string) => `${where}: ${name}.${k}`;
  const section = <S extends z.ZodType>(name: SectionName, schema: S): z.output<S> => resolveSection(schema, obj[name], label(name), `${where}: ${name}`);
  const model = resolveModel(obj.model, label('model'), `${where}: model`);
  const train = resolveTrain(obj.train, model.kind, label('train'), `${where}: train`);
  checkTraining(model, label('model'));
  const evaluation = section('eval', evalSection);
  checkEval(evaluation, (k) => `${where}: eval.${k}`);
  return { dataset: obj.dataset, model, train, eval: evaluation, viz: section('viz', vizSection) };
}

/** Reads and checks `pipelines/experiments/<name>/config.json`. */
export function readExperimentConfig(path: string): ExperimentConfig {
  return resolveExperiment(readJsonObject(path, path), path);
}

/** Reads and checks `pipelines/datasets/<name>/config.json`. */
export function readDatasetConfig(path: string): DatagenConfig {
  const obj = readJsonObject(path, path);
  delete obj.$schema;
  return resolveSection(datagenSection, obj, (k) => `${path}: ${k}`, path);
}

/** One `--set section.key=v1,v2` of a sweep: the field and its values, typed and checked by the schema. */
export interface SweepAxis {
  section: SectionName;
  key: string;
  values: unknown[];
}

/** Parses and checks `train.lr=1e-3,3e-3`: the section and key must exist, every value must be valid for the field. */
export function parseSweepAxis(spec: string): SweepAxis {
  const m = /^([a-z]+)\.([A-Za-z0-9_]+)=(.*)$/.exec(spec);
  if (!m) invalid('--set', 'section.key=value[,value…], e.g. train.lr=1e-3,3e-3', spec);
  const [, section, key, list] = m;
  if (!(section in EXPERIMENT_SECTIONS)) invalid('--set', `a section among ${Object.keys(EXPERIMENT_SECTIONS).join(', ')}`, section);
  const schema = EXPERIMENT_SECTIONS[section as SectionName];
  const props = schema === null ? modelFlagsSchema().properties : jsonSchemaOf(schema).properties;
  if (!(key in props)) invalid(`--set ${section}.${key}`, `a key of ${section} (one of ${Object.keys(props).join(', ')})`, key);
  const texts = list.split(',').map((v) => v.trim());
  if (texts.some((v) => v === '')) invalid(`--set ${section}.${key}`, 'non-empty values', list);
  // A list-valued field takes one value per sweep point, its items joined by '+' (formats=mp4+gif,none).
  const field = props[key];
  const values = texts.map((text, i) => {
    const v = fieldFromText(field, field.type === 'array' ? text.replace(/\+/g, ',') : text, `--set ${section}.${key}[${i}]`);
    // Each value alone must be valid for the field (the model's kind-specific fields are checked when written).
    if (schema !== null) resolveSection(schema, { [key]: v }, () => `--set ${section}.${key}`);
    else if (field.enum && !field.enum.includes(v)) invalid(`--set ${section}.${key}`, `one of ${field.enum.join(', ')}`, v);
    return v;
  });
  return { section: section as SectionName, key, values };
}
