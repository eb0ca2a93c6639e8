/** `ring-datagen`: generates a dataset folder (train.arrow, test.arrow, manifest.json; docs/formats.md). */
import { hideBin } from 'yargs/helpers';
import { claimOutputFolder, createProgress, invalid, runMain, type Progress } from '@ring-attractor/common';
import { parseStageCli } from '@ring-attractor/config';
import { DATAGEN_CLI } from './cliSpec.js';
import { resolveDatagenConfig } from './config.js';

async function main(): Promise<void> {
  const { args, config, json } = await parseStageCli(DATAGEN_CLI, hideBin(process.argv));
  const out = String(args.out);
  const cfg = resolveDatagenConfig(config.dataset);
  claimOutputFolder(out, 'ring-datagen');

  // Loaded only now: apache-arrow is slow to import and bad input should fail fast.
  const { generateDataset } = await import('./writer.js');
  const started = performance.now();
  let progress: Progress | undefined;
  const manifest = await generateDataset(cfg, out, {
    onProgress(done, total) {
      progress ??= createProgress(total, 'datagen');
      progress.update(done);
    },
  });
  progress?.stop();
  const seconds = (performance.now() - started) / 1000;
  if (json) process.stdout.write(`${JSON.stringify({ out, seconds, ...manifest })}\n`);
  else {
    const rows = Object.entries(manifest.files).map(([name, f]) => `${name} ${f.rows}×${cfg.seq_len}`).join(', ');
    process.stdout.write(`wrote ${out} (${rows}) in ${seconds.toFixed(2)} s\n`);
  }
}

await runMain(main, 'generating the dataset');
