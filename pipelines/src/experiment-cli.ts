/** `ring-experiment new|sweep`: scaffolds experiment projects so users never hand-write project.json. */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { runMain, UsageError, yargsFail } from '@ring-attractor/common';
import { checkName, loadExperiment, writeExperiment } from './scaffold.js';
import { expandSweep, parseAxis } from './sweep.js';
import type { ExperimentConfig } from './experiment-config.js';

/** A new experiment's config when there is nothing to copy from: the seed's run on the seed dataset. */
const DEFAULT_CONFIG: ExperimentConfig = { dataset: 'seed', model: {}, train: {}, viz: {} };

async function main(): Promise<void> {
  const root = process.env.RING_WORKSPACE_ROOT ?? process.cwd();
  await yargs(hideBin(process.argv))
    .scriptName('ring-experiment')
    .command(
      'new <name>',
      'scaffold pipelines/experiments/<name> (project.json + config.json)',
      (y) =>
        y
          .positional('name', { type: 'string', demandOption: true })
          .option('from', { type: 'string', describe: 'copy the config of this experiment' })
          .option('dataset', { type: 'string', describe: 'train on this dataset (pipelines/datasets/<name>)' })
          .option('force', { type: 'boolean', default: false, describe: 'overwrite an existing experiment' }),
      async (argv) => {
        checkName('name', argv.name);
        const config = argv.from ? loadExperiment(root, argv.from) : structuredClone(DEFAULT_CONFIG);
        if (argv.dataset !== undefined) {
          checkName('--dataset', argv.dataset);
          config.dataset = argv.dataset;
        }
        const dir = await writeExperiment(root, argv.name, config, argv.force);
        process.stdout.write(`created ${dir} (dataset ${config.dataset}); run it with: npx nx run experiment-${argv.name}:viz\n`);
      },
    )
    .command(
      'sweep <base>',
      'write one experiment per combination of --set values, all on the base experiment\'s dataset',
      (y) =>
        y
          .positional('base', { type: 'string', demandOption: true })
          .option('set', { type: 'string', array: true, demandOption: true, describe: 'section.key=v1,v2 (repeatable)' })
          .option('force', { type: 'boolean', default: false, describe: 'overwrite existing experiments' }),
      async (argv) => {
        const base = loadExperiment(root, argv.base);
        const combos = expandSweep(argv.base, base, argv.set.map(parseAxis));
        for (const { name } of combos) checkName('sweep experiment name', name);
        // Check every name before writing any, so a clash leaves the workspace untouched.
        if (!argv.force) {
          for (const { name } of combos) {
            try {
              loadExperiment(root, name);
            } catch {
              continue;
            }
            throw new UsageError(`experiment ${JSON.stringify(name)}: already exists (pass --force to overwrite)`);
          }
        }
        for (const { name, config } of combos) {
          const dir = await writeExperiment(root, name, config, argv.force);
          process.stdout.write(`created ${dir}\n`);
        }
        process.stdout.write(`${combos.length} experiments; run them all with: npx nx run pipelines:full\n`);
      },
    )
    .demandCommand(1, 'name a command: new or sweep')
    .strict()
    .fail(yargsFail)
    .help()
    .parseAsync();
}

await runMain(main);
