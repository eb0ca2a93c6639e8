/** `ring-datagen`: generates a SPEC §1 dataset folder (train.arrow, test.arrow, manifest.json). */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { UsageError, createProgress, invalid, runMain, type Progress, readJsonObject, yargsFail } from '@ring-attractor/common';
import { resolveDatagenConfig } from './config.js';

/** Flag name → config key; every flag is parsed as a string here and validated by resolveDatagenConfig. */
const NUMERIC_FLAGS = {
  'num-samples': 'num_samples',
  'test-samples': 'test_samples',
  'seq-len': 'seq_len',
  'zero-padding-start-ratio': 'zero_padding_start_ratio',
  'max-av': 'max_av',
  seed: 'seed',
} as const;

// A numeric-looking flag becomes a number; anything else is passed on so the error shows what was typed.
function toNumberIfNumeric(text: string): number | string {
  const n = Number(text);
  return text.trim() !== '' && Number.isFinite(n) ? n : text;
}


async function main(): Promise<void> {
  const argv = await yargs(hideBin(process.argv))
    .scriptName('ring-datagen')
    .usage('$0 --out DIR [options]\n\nGenerates angular-velocity integration sequences (SPEC §1) as Arrow IPC files.')
    .option('out', { type: 'string', demandOption: true, describe: 'output folder (created if missing)' })
    .option('config', { type: 'string', describe: 'JSON file with snake_case options; flags override it' })
    .option('num-samples', { type: 'string', describe: 'training sequences (default 128000)' })
    .option('test-samples', { type: 'string', describe: 'test sequences (default 1024)' })
    .option('seq-len', { type: 'string', describe: 'steps per sequence T (default 120)' })
    .option('zero-padding-start-ratio', { type: 'string', describe: 'fraction of leading zero steps (default 0.1)' })
    .option('zero-ratios-in-rest', { type: 'string', describe: 'comma list of zero ratios for the rest (default 0.2,0.5,0.8)' })
    .option('max-av', { type: 'string', describe: 'max |angular velocity| per step, radians (default 0.1·π)' })
    .option('seed', { type: 'string', describe: 'PRNG seed, integer in [0, 2^32) (default 0)' })
    .parserConfiguration({ 'duplicate-arguments-array': false })
    .strict()
    .help()
    .version(false)
    .fail((msg, err) => {
      throw err ?? new UsageError(msg.replace(/\s+/g, ' ').trim());
    })
    .parseAsync();

  const partial: Record<string, unknown> = argv.config ? readJsonObject(argv.config, 'config') : {};
  for (const [flag, key] of Object.entries(NUMERIC_FLAGS)) {
    const v = argv[flag];
    if (v !== undefined) partial[key] = toNumberIfNumeric(String(v));
  }
  const ratios = argv['zero-ratios-in-rest'];
  if (ratios !== undefined) {
    partial.zero_ratios_in_rest = String(ratios).trim() === '' ? [] : String(ratios).split(',').map(toNumberIfNumeric);
  }
  const config = resolveDatagenConfig(partial);
  if (argv.out.trim() === '') invalid('out', 'a folder path', argv.out);

  // Loaded only now: apache-arrow is slow to import and bad input should fail fast.
  const { generateDataset } = await import('./writer.js');
  const started = performance.now();
  let progress: Progress | undefined;
  const manifest = await generateDataset(config, argv.out, {
    onProgress(done, total) {
      progress ??= createProgress(total, 'datagen');
      progress.update(done);
    },
  });
  progress?.stop();
  const seconds = (performance.now() - started) / 1000;
  const rows = Object.entries(manifest.files).map(([name, f]) => `${name} ${f.rows}×${config.seq_len}`).join(', ');
  process.stdout.write(`wrote ${argv.out} (${rows}) in ${seconds.toFixed(2)} s\n`);
}

await runMain(main);
