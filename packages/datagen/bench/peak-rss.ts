/** Child of bench/datagen.ts: generates `rows`×`seqLen` into `dir` and prints its own peak RSS as JSON. */
import { generateDataset, resolveDatagenConfig } from '../src/index.js';

const [dir, rows, seqLen] = process.argv.slice(2);
const started = performance.now();
await generateDataset(resolveDatagenConfig({ num_samples: Number(rows), seq_len: Number(seqLen) }), dir);
// maxRSS is in kilobytes.
process.stdout.write(JSON.stringify({ peak_rss_mb: process.resourceUsage().maxRSS / 1024, seconds: (performance.now() - started) / 1000 }) + '\n');
