/**
 * The README's command-line reference, generated from the specs the CLIs parse with (each package's
 * `src/cliSpec.ts`; a stage's section flags through `stageOptions`, the code `parseStageCli` uses):
 * one block per CLI between `<!-- flags:NAME -->` and `<!-- /flags:NAME -->`.
 */
import type { Options, PositionalOptions } from 'yargs';
import { sectionGroup, stageEnv, stageOptions, type SectionDef, type StageCliSpec } from '@ring-attractor/config';
import { CACHE_CLI } from '@ring-attractor/cache/cli-spec';
import { DATAGEN_CLI } from '@ring-attractor/datagen/cli-spec';
import { EVAL_CLI } from '@ring-attractor/eval/cli-spec';
import { TRAIN_CLI } from '@ring-attractor/train/cli-spec';
import { COMPARE_CLI, VIZ_CLI } from '@ring-attractor/viz/cli-spec';
import { EXPERIMENT_CLI } from '../src/cliSpec.js';

/** One command line to document: its usage, its positional arguments and flags, and the sections its flags fill. */
export interface CommandDoc {
  usage: string;
  describe: string;
  positionals: Record<string, PositionalOptions>;
  options: Record<string, Options>;
  /** Config sections by their `--help` group (`model options:` → `model`): a flag in one has a config-file key. */
  sections: Record<string, string>;
}

/** A CLI's reference: its commands (one, or one per subcommand) and the environment variables it reads. */
export interface CliDoc {
  name: string;
  commands: CommandDoc[];
  env: Readonly<Record<string, string>>;
}

/** `$0 --out DIR …\n\nWhat it does.` → the usage line with the name, and the sentence(s) after it on one line. */
function splitUsage(name: string, usage: string): { usage: string; describe: string } {
  const [line, ...rest] = usage.split('\n\n');
  return { usage: line.replace(/\$0/g, name), describe: rest.join(' ').replace(/\s*\n\s*/g, ' ').trim() };
}

/** A stage CLI (parseStageCli) as documented: exactly the options it parses with. */
export function stageDoc<S extends Record<string, SectionDef>>(spec: StageCliSpec<S>): CliDoc {
  const sections = Object.fromEntries(Object.keys(spec.sections).map((s) => [sectionGroup(s), s]));
  return { name: spec.name, commands: [{ ...splitUsage(spec.name, spec.usage), positionals: {}, options: stageOptions(spec), sections }], env: stageEnv(spec) };
}

/** Every CLI of the workspace, in the order the README lists them. */
export function cliDocs(): CliDoc[] {
  const plain = (spec: { name: string; usage: string; options: Record<string, Options>; env: Readonly<Record<string, string>> }): CliDoc => ({
    name: spec.name,
    commands: [{ ...splitUsage(spec.name, spec.usage), positionals: {}, options: spec.options, sections: {} }],
    env: spec.env,
  });
  const experiment: CliDoc = {
    name: EXPERIMENT_CLI.name,
    commands: Object.values(EXPERIMENT_CLI.commands).map((c) => ({
      usage: `${EXPERIMENT_CLI.name} ${c.command} [options]`,
      describe: `${c.describe[0].toUpperCase()}${c.describe.slice(1)}.`,
      positionals: c.positionals,
      options: c.options,
      sections: {},
    })),
    env: EXPERIMENT_CLI.env,
  };
  return [stageDoc(DATAGEN_CLI), stageDoc(TRAIN_CLI), stageDoc(EVAL_CLI), stageDoc(VIZ_CLI), plain(COMPARE_CLI), experiment, plain(CACHE_CLI)];
}

/** Prose as markdown shows it literally: `<name>` is not an HTML tag, `*` not emphasis. */
function prose(text: string): string {
  return text.replace(/</g, '&lt;').replace(/\*/g, '\\*');
}

/** Prose safe inside a markdown table cell. */
function cell(text: string): string {
  return prose(text).replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

function code(text: string): string {
  return `\`${text}\``;
}

function typeOf(o: Options | PositionalOptions): string {
  if (o.choices) return (o.choices as readonly unknown[]).map((c) => code(String(c))).join(', ');
  const type = o.type ?? 'string';
  return 'array' in o && o.array ? `${type}, repeatable` : type;
}

function defaultOf(o: Options | PositionalOptions): string {
  if ('defaultDescription' in o && o.defaultDescription !== undefined) return code(o.defaultDescription);
  if (o.default !== undefined) return code(Array.isArray(o.default) ? o.default.join(',') : String(o.default));
  return o.demandOption ? 'required' : '';
}

/** One command's table: positionals first, then every visible flag in `--help` order. */
export function commandTable(c: CommandDoc): string {
  const withKeys = Object.keys(c.sections).length > 0;
  const head = withKeys ? '| flag | config key | type | default | description |\n|---|---|---|---|---|' : '| flag | type | default | description |\n|---|---|---|---|';
  const rows: string[] = [];
  const row = (flag: string, key: string, o: Options | PositionalOptions): void => {
    const cells = [code(flag), ...(withKeys ? [key] : []), typeOf(o), defaultOf(o), cell(o.describe ?? '')];
    rows.push(`| ${cells.join(' | ')} |`);
  };
  for (const [name, o] of Object.entries(c.positionals)) row(`<${name}>`, '', o);
  for (const [name, o] of Object.entries(c.options)) {
    if (o.hidden) continue;
    const section = o.group === undefined ? undefined : c.sections[o.group];
    const alias = typeof o.alias === 'string' ? [o.alias] : ((o.alias as string[] | undefined) ?? []);
    const flag = [...alias.map((a) => (a.length === 1 ? `-${a}` : `--${a}`)), `--${name}`].join(', ');
    // Flags are config keys with dashes: `--num-neurons` is `num_neurons`.
    row(flag, section === undefined ? '' : code(`${section}.${name.replace(/-/g, '_')}`), o);
  }
  return `${head}\n${rows.join('\n')}`;
}

/** The markdown between a CLI's markers: usage, what it does, the table(s), the environment. */
export function cliBlock(doc: CliDoc): string {
  const parts = doc.commands.map((c) => `${code(c.usage)}: ${prose(c.describe)}\n\n${commandTable(c)}`);
  const env = Object.entries(doc.env).map(([k, v]) => `- ${code(k)}: ${prose(v)}`);
  return `${parts.join('\n\n')}\n\nEnvironment:\n\n${env.join('\n')}`;
}

/** Every CLI's block, by name. */
export function generatedBlocks(docs: readonly CliDoc[] = cliDocs()): Record<string, string> {
  return Object.fromEntries(docs.map((d) => [d.name, cliBlock(d)]));
}

const open = (name: string): string => `<!-- flags:${name} -->`;
const close = (name: string): string => `<!-- /flags:${name} -->`;

/** The text between each pair of markers in `text`, by CLI name (trimmed). */
export function readBlocks(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/<!-- flags:([a-z-]+) -->\n?([\s\S]*?)\n?<!-- \/flags:\1 -->/g)) out[m[1]] = m[2].trim();
  return out;
}

/** Why `text`'s blocks are not the generated ones: one line per CLI whose block is missing, differs or is unknown. */
export function blockProblems(text: string, blocks: Record<string, string>): string[] {
  const found = readBlocks(text);
  const problems: string[] = [];
  for (const [name, block] of Object.entries(blocks)) {
    if (!(name in found)) problems.push(`${name}: no ${open(name)} … ${close(name)} block`);
    else if (found[name] !== block) problems.push(`${name}: its flag table differs from the one its spec generates`);
  }
  for (const name of Object.keys(found)) if (!(name in blocks)) problems.push(`${name}: a flag block for a CLI that does not exist`);
  return problems;
}

/** `text` with every block replaced by the generated one; a missing pair of markers is an error naming the CLI. */
export function spliceBlocks(text: string, blocks: Record<string, string>): string {
  let out = text;
  for (const [name, block] of Object.entries(blocks)) {
    const a = out.indexOf(open(name));
    const b = out.indexOf(close(name));
    if (a < 0 || b < a) throw new Error(`${name}: expected a ${open(name)} … ${close(name)} block in the README`);
    out = `${out.slice(0, a + open(name).length)}\n${block}\n${out.slice(b)}`;
  }
  return out;
}
