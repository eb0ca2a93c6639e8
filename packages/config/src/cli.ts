/**
 * The command line of every stage, built from the section schemas: the same flags, `--config FILE`
 * (flags override it), `--help`/`-h`, `--version`, `--json`, the environment variables in `--help`,
 * and one failure handler (bad input: one line naming the flag or the file's key, exit 2).
 */
import type * as z from 'zod';
import yargs, { type Options } from 'yargs';
import { DEBUG_ENV, PROGRESS_ENV, envEpilogue, invalid, readJsonObject, yargsFail } from '@ring-attractor/common';
import { flagName, rawArgs, sectionFlags, sectionOptions, type FlagSource } from './flags.js';
import { resolveSection, type FieldLabel } from './resolve.js';
import { jsonSchemaOf } from './jsonSchema.js';
import { modelFlagsSchema, resolveModel, resolveTrain } from './models.js';
import { experimentConfig, trainSection, type ModelConfig, type TrainConfig } from './sections.js';

/**
 * A config section of a command line: the flags it offers, and how given values become the section
 * (`earlier` holds the sections resolved before it, in the spec's order).
 */
export interface SectionSpec<T> {
  flags: FlagSource;
  resolve(input: unknown, label: FieldLabel, where: string, earlier: Record<string, unknown>): T;
}

/** A section that is one zod object schema. */
export type SectionDef = z.ZodType | SectionSpec<unknown>;

/** The model section of any kind (ring when `kind` is absent). */
export const MODEL_SPEC: SectionSpec<ModelConfig> = { flags: modelFlagsSchema(), resolve: (input, label, where) => resolveModel(input, label, where) };

/** The train section, whose learning rate and weight decay default to those of the model section resolved before it. */
export const TRAIN_SPEC: SectionSpec<TrainConfig> = {
  flags: trainSection,
  resolve: (input, label, where, earlier) => resolveTrain(input, (earlier.model as ModelConfig | undefined)?.kind ?? 'ring', label, where),
};

function asSpec(def: SectionDef): SectionSpec<unknown> {
  if ('resolve' in def && 'flags' in def) return def as SectionSpec<unknown>;
  const schema = def as z.ZodType;
  return { flags: schema, resolve: (input, label, where) => resolveSection(schema, input, label, where) };
}

/** What a stage's CLI is made of. */
export interface StageCliSpec<S extends Record<string, SectionDef>> {
  /** The command name, e.g. `ring-train`. */
  name: string;
  /** Its package version (for `--version`). */
  version: string;
  /** Usage line and a sentence on what it does. */
  usage: string;
  /** The config sections this stage reads, by section name. */
  sections: S;
  /**
   * How `--config FILE` is read: `sections` (an experiment config.json; this stage's sections are used,
   * unknown sections of the file are ignored) or `flat` (the file is the one section itself, e.g. a
   * dataset's config.json).
   */
  configFile: 'sections' | 'flat';
  /** The stage's own flags (folders, backend, …), which are not part of any config. */
  options: Record<string, Options>;
  /** Environment variables the stage reads, with what they do (shown in `--help`). */
  env?: Record<string, string>;
}

/** A section with every default filled in. */
export type Resolved<S extends SectionDef> = S extends SectionSpec<infer T> ? T : S extends z.ZodType ? z.output<S> : never;

/** The parsed command line: the stage's own flags (kebab-case keys), each section resolved, and `--json`. */
export interface StageArgs<S extends Record<string, SectionDef>> {
  args: Record<string, unknown>;
  config: { [K in keyof S]: Resolved<S[K]> };
  json: boolean;
}

/** The group heading of a section's flags in `--help` (`model options:`). */
export function sectionGroup(section: string): string {
  return `${section} options:`;
}

/**
 * Every flag of a stage's command line as yargs options, in `--help` order: the stage's own, `--config`,
 * `--json`, then each section's fields (grouped by section). The CLI parses with exactly these; the
 * README's flag tables are generated from them.
 */
export function stageOptions<S extends Record<string, SectionDef>>(spec: StageCliSpec<S>): Record<string, Options> {
  const out: Record<string, Options> = {
    ...spec.options,
    config: { type: 'string', describe: spec.configFile === 'flat' ? 'JSON file of the options below (snake_case keys); flags override it' : "an experiment's config.json (its sections of the options below are used); flags override it" },
    json: { type: 'boolean', default: false, describe: 'print a machine-readable summary on stdout' },
  };
  for (const [section, def] of Object.entries(spec.sections)) Object.assign(out, sectionOptions(asSpec(def).flags, sectionGroup(section)));
  return out;
}

/** The environment variables a stage reads, with what they do: the shared ones (errors, progress), then its own. */
export function stageEnv<S extends Record<string, SectionDef>>(spec: StageCliSpec<S>): Record<string, string> {
  return { ...DEBUG_ENV, ...PROGRESS_ENV, ...spec.env };
}

/** Parses `argv` (without node and script) for a stage; exits through the usual failure handler on bad input. */
export async function parseStageCli<S extends Record<string, SectionDef>>(spec: StageCliSpec<S>, argv: readonly string[]): Promise<StageArgs<S>> {
  const sections = Object.entries(spec.sections).map(([name, def]) => [name, asSpec(def)] as const);
  const parser = yargs([...argv])
    .scriptName(spec.name)
    .usage(spec.usage)
    .options(stageOptions(spec));
  const args = (await parser
    .epilogue(envEpilogue(stageEnv(spec)))
    .strict()
    .help('help')
    .alias('help', 'h')
    .version(spec.version)
    .wrap(Math.min(120, process.stdout.columns ?? 120))
    .fail(yargsFail)
    .parseAsync()) as Record<string, unknown>;
  // A repeated flag: the last one wins, except for list options (`--data a --data b`).
  for (const [key, o] of Object.entries({ ...spec.options, config: {} as Options })) {
    if (!o.array && Array.isArray(args[key])) args[key] = (args[key] as unknown[]).at(-1);
  }

  const file = typeof args.config === 'string' ? args.config : undefined;
  const fileObj = file === undefined ? {} : readJsonObject(file, '--config');
  if (file !== undefined && spec.configFile === 'sections') {
    // An experiment config: any other top-level key is a typo that would silently be ignored.
    const known = Object.keys(jsonSchemaOf(experimentConfig).properties);
    for (const key of Object.keys(fileObj)) if (!known.includes(key)) invalid(`${file}: ${key}`, `a section of an experiment config (one of ${known.filter((k) => k !== '$schema').join(', ')})`, key);
  }
  const raw = rawArgs(argv, sections.map(([, def]) => def.flags));
  const config = {} as Record<string, unknown>;
  for (const [section, def] of sections) {
    const fromFile = spec.configFile === 'flat' ? fileObj : fileObj[section];
    if (fromFile !== undefined && (typeof fromFile !== 'object' || fromFile === null || Array.isArray(fromFile))) {
      invalid(`${file}: ${section}`, 'an object of options', fromFile);
    }
    const fileValues = { ...(fromFile as Record<string, unknown> | undefined) };
    if (spec.configFile === 'flat') delete fileValues.$schema;
    const fromFlags = sectionFlags(def.flags, raw);
    const label = (key: string): string =>
      key in fromFlags ? `--${flagName(key)}` : spec.configFile === 'flat' ? `${file}: ${key}` : `${file}: ${section}.${key}`;
    config[section] = def.resolve({ ...fileValues, ...fromFlags }, label, file ? `${file}: ${section}` : section, config);
  }
  return { args, config: config as StageArgs<S>['config'], json: args.json === true };
}
