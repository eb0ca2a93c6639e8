// Without a C++ compiler the native build says so in one line and exits 0 with no addon, and the
// runtime then uses the wasm kernel (auto says why; an explicit `native` is bad input). The build
// runs on a copy of its sources in a temp folder: only model:build-native writes native/build/.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = fileURLToPath(new URL('..', import.meta.url));
const copy = join(mkdtempSync(join(tmpdir(), 'ring-native-build-')), 'model');
after(() => rmSync(join(copy, '..'), { recursive: true, force: true }));
for (const dir of ['scripts', 'kernel-spec', join('native', 'src')]) cpSync(join(pkg, dir), join(copy, dir), { recursive: true });
const addon = join(copy, 'native', 'build', 'ring_native.node');

test('with CXX=false the build prints one line, exits 0 and leaves no addon', () => {
  const r = spawnSync(process.execPath, [join(copy, 'scripts', 'build-native.mjs')], { env: { ...process.env, CXX: 'false' }, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '');
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /^native kernel: not built \(no C\+\+ compiler: `false --version` did not run\); the wasm kernel will be used$/);
  assert.equal(existsSync(addon), false);
  const id = spawnSync(process.execPath, [join(copy, 'scripts', 'build-native.mjs'), '--print-id'], { env: { ...process.env, CXX: 'false' }, encoding: 'utf8' });
  assert.equal(id.stdout, `none ${process.platform}-${process.arch}\n`);
});

test('without the addon, auto picks wasm and says why in one line; --kernel native is bad input; the readout runs in wasm', () => {
  const index = JSON.stringify(fileURLToPath(new URL('../src/kernel/index.ts', import.meta.url)));
  const readout = JSON.stringify(fileURLToPath(new URL('../src/kernel/readout.ts', import.meta.url)));
  const body = `
    import { selectKernel } from ${index};
    import { defaultReadoutKernel } from ${readout};
    const lines = [];
    const kernel = selectKernel('auto', 'wasm', (l) => lines.push(l));
    let explicit = '';
    try { selectKernel('native', 'wasm'); } catch (err) { explicit = err.name + ': ' + err.message; }
    process.stdout.write(JSON.stringify({ kernel, lines, explicit, readout: defaultReadoutKernel(), gpu: selectKernel('auto', 'tfjs-node-gpu', () => {}) }));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', body], { env: { ...process.env, RING_NATIVE_ADDON: addon }, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.kernel, 'wasm');
  assert.equal(out.lines.length, 1);
  assert.match(out.lines[0], /^kernel: wasm \(skipped native: not built \(no .*ring_native\.node; npx nx run model:build-native builds it where a C\+\+ compiler exists\); tfjs: slower on CPU backends\)$/);
  assert.match(out.explicit, /^UsageError: kernel: expected an available kernel \(native is not built .*; use --kernel auto or wasm\) \(got "native"\)$/);
  assert.equal(out.readout, 'wasm');
  assert.equal(out.gpu, 'tfjs');
});
