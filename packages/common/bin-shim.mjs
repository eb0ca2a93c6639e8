// Runs a package's compiled CLI (dist/), or says in one line how to build it: a fresh clone has no
// dist/ until `npm run build` (nx builds every package before a pipeline stage runs).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Imports `dist/<entry>` of the package whose bin script is at `binUrl`; exits 1 with a hint when it is not built. */
export async function runCompiled(binUrl, entry, name) {
  const url = new URL(`../dist/${entry}`, binUrl);
  if (!existsSync(fileURLToPath(url))) {
    process.stderr.write(`error: ${name} is not built yet; run \`npm run build\` in the workspace (nx builds it before every pipeline stage)\n`);
    process.exit(1);
  }
  await import(url.href);
}
