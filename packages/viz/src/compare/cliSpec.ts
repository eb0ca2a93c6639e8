/** `ring-compare`'s command line as data: the CLI parses with it and the README's flag table is generated from it. */
import type { Options } from 'yargs';
import { DEBUG_ENV } from '@ring-attractor/common';

/** The usage, flags and environment of `ring-compare`. */
export const COMPARE_CLI = {
  name: 'ring-compare',
  usage:
    '$0 --runs DIR [DIR …] --out DIR\n\n' +
    'Compares experiments: their loss curves, test errors, error against time step on every dataset they were evaluated on,\n' +
    'velocity gains and a table of summary numbers, as PNGs, vega-lite specs and a self-contained report.html.\n' +
    'Each DIR is an experiment folder holding its train/ and eval/ stage folders, named after the folder,\n' +
    'e.g. --runs artifacts/pipelines/experiments/*',
  options: {
    runs: { type: 'string', array: true, demandOption: true, describe: 'experiment folders (each with train/ and eval/)' },
    out: { type: 'string', demandOption: true, describe: 'output folder' },
    width: { type: 'number', describe: 'approximate figure width in px (default 960)' },
    json: { type: 'boolean', default: false, describe: 'print a machine-readable summary on stdout' },
  } as const satisfies Record<string, Options>,
  env: { ...DEBUG_ENV },
};
