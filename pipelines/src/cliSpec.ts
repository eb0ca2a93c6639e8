/** `ring-experiment`'s command line as data: the CLI parses with it and the README's flag table is generated from it. */
import type { Options, PositionalOptions } from 'yargs';
import { DEBUG_ENV } from '@ring-attractor/common';
import { NAME_EXPECTED } from '@ring-attractor/config';

/** One subcommand: its yargs command string, what it does, its positional arguments and its flags. */
export interface CommandSpec {
  command: string;
  describe: string;
  positionals: Record<string, PositionalOptions>;
  options: Record<string, Options>;
}

/** The subcommands, flags and environment of `ring-experiment`. */
export const EXPERIMENT_CLI = {
  name: 'ring-experiment',
  commands: {
    new: {
      command: 'new <name>',
      describe: 'write pipelines/experiments/<name>/config.json',
      positionals: { name: { type: 'string', demandOption: true, describe: `the new experiment's name: ${NAME_EXPECTED}` } },
      options: {
        from: { type: 'string', describe: 'copy the config of this experiment' },
        dataset: { type: 'string', describe: 'train on this dataset (pipelines/datasets/<name>)' },
        force: { type: 'boolean', default: false, describe: 'overwrite an existing experiment' },
      },
    },
    sweep: {
      command: 'sweep <base>',
      describe: "write one experiment per combination of --set values, all on the base experiment's dataset",
      positionals: { base: { type: 'string', demandOption: true, describe: 'the experiment each combination starts from (its name prefixes theirs)' } },
      options: {
        set: { type: 'string', array: true, demandOption: true, describe: 'section.key=v1,v2 (repeatable; values checked against the schema)' },
        force: { type: 'boolean', default: false, describe: 'overwrite existing experiments' },
      },
    },
  },
  env: {
    RING_WORKSPACE_ROOT: 'the workspace to write into (default: the current folder)',
    ...DEBUG_ENV,
  },
} as const satisfies { name: string; commands: Record<string, CommandSpec>; env: Record<string, string> };
