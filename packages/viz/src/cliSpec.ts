/** The command lines of `ring-viz` and `ring-compare` as data: each CLI parses with its spec and the README's flag tables are generated from them. */
import { packageVersion } from '@ring-attractor/common';
import { vizSection, type StageCliSpec } from '@ring-attractor/config';

export { COMPARE_CLI } from './compare/cliSpec.js';

/** The flags of `ring-viz`: the train and eval folders, the output, workers, then the viz section's fields. */
export const VIZ_CLI: StageCliSpec<{ viz: typeof vizSection }> = {
  name: 'ring-viz',
  version: packageVersion(import.meta.url),
  usage: "$0 --run TRAIN_DIR --eval EVAL_DIR --out DIR [--config FILE] [options]\n\nRenders weight figures, movies, the evaluation's figures and report.html from a train-stage and an eval-stage folder.",
  sections: { viz: vizSection },
  configFile: 'sections',
  options: {
    run: { type: 'string', demandOption: true, describe: 'train-stage folder (run.json, snapshots.arrow, metrics.arrow)' },
    eval: { type: 'string', demandOption: true, describe: 'eval-stage folder of the same model (eval.json, trace.arrow, the tables)' },
    out: { type: 'string', demandOption: true, describe: 'output folder' },
    workers: { type: 'number', describe: 'frame-rendering worker threads (default: cores, at most 4)' },
  },
  env: {
    FFMPEG_PATH: 'the ffmpeg binary to use for movies (searched first)',
    RING_VIZ_NO_PACKAGED_FFMPEG: 'set to 1 to skip the npm-packaged ffmpeg binaries (use FFMPEG_PATH or PATH)',
  },
};
