// Node ESM resolve hook, used only to load tfjs-core's gradient registrations (see gradients.ts).
// tfjs-core ships those only as ESM files with extensionless relative imports ('./gradients'),
// which Node's ESM resolver (and tsx, which prefers the directory of the same name) cannot load.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const TFJS_CORE_DIST = '/@tensorflow/tfjs-core/dist/';

export async function resolve(specifier, context, nextResolve) {
  const parent = context.parentURL;
  if (parent && parent.includes(TFJS_CORE_DIST) && specifier.startsWith('.') && !specifier.endsWith('.js')) {
    const asFile = new URL(`${specifier}.js`, parent);
    if (existsSync(fileURLToPath(asFile))) return nextResolve(asFile.href, context);
    return nextResolve(new URL(`${specifier}/index.js`, parent).href, context);
  }
  return nextResolve(specifier, context);
}
