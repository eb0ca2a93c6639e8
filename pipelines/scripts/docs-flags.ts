/**
 * `npm run docs:flags`: rewrites the README's command-line reference from every CLI's spec
 * (pipelines/test/flags.test.ts fails while the committed README differs). Needs the packages built.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generatedBlocks, spliceBlocks } from './flag-tables.js';

const readme = fileURLToPath(new URL('../../README.md', import.meta.url));
const text = readFileSync(readme, 'utf8');
const next = spliceBlocks(text, generatedBlocks());
if (next === text) process.stderr.write('README.md: the flag tables are up to date\n');
else {
  writeFileSync(readme, next);
  process.stderr.write('README.md: rewrote the flag tables\n');
}
