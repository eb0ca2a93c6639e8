/** `ring-datagen`'s command line as data: the CLI parses with it and the README's flag table is generated from it. */
import { packageVersion } from '@ring-attractor/common';
import { datagenSection, type StageCliSpec } from '@ring-attractor/config';

/** The flags of `ring-datagen`: `--out`, and the dataset section's fields. */
export const DATAGEN_CLI: StageCliSpec<{ dataset: typeof datagenSection }> = {
  name: 'ring-datagen',
  version: packageVersion(import.meta.url),
  usage: '$0 --out DIR [--config FILE] [options]\n\nGenerates angular-velocity integration sequences (docs/model.md §1) as Arrow IPC files.',
  sections: { dataset: datagenSection },
  configFile: 'flat',
  options: { out: { type: 'string', demandOption: true, describe: 'output folder (created if missing)' } },
};
