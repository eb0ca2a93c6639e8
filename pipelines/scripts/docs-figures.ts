/**
 * Copies the README's figures from a finished `nx run pipelines:full` into docs/figures/, so the
 * README shows what the shipped experiments produced (run after changing a model, a metric or a plot).
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const experiments = join(root, 'artifacts/pipelines/experiments');
/** docs/figures/<name> ← its source under artifacts/. */
const FIGURES: Readonly<Record<string, string>> = {
  'compare-error-by-step-long-500.png': join(root, 'artifacts/compare/error_by_step_long-500.png'),
  'compare-gain.png': join(root, 'artifacts/compare/gain.png'),
  'seed-error-by-step-long-500.png': join(experiments, 'seed/viz/error_by_step_long-500.png'),
  'seed-drift.png': join(experiments, 'seed/viz/drift.png'),
  'seed-gain.png': join(experiments, 'seed/viz/gain.png'),
  'seed-connectivity.png': join(experiments, 'seed/viz/connectivity.png'),
};

const missing = Object.values(FIGURES).filter((f) => !existsSync(f));
if (missing.length) {
  console.error(`error: ${missing[0]} does not exist: run npx nx run pipelines:full first`);
  process.exit(2);
}
const out = join(root, 'docs/figures');
mkdirSync(out, { recursive: true });
for (const [name, from] of Object.entries(FIGURES)) copyFileSync(from, join(out, name));
console.log(`docs/figures: ${Object.keys(FIGURES).join(', ')}`);
