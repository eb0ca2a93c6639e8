/** ring-datagen as a child process: bad input exits 2 with one line naming the field and writes nothing. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { tempDir } from './helpers.js';

const BIN = fileURLToPath(new URL('../bin/ring-datagen.mjs', import.meta.url));

interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

// Node + tsx start-up dominates each run, so a few children run at once.
const MAX_PARALLEL = 3;
let running = 0;
const waiting: (() => void)[] = [];

async function run(args: string[]): Promise<RunResult> {
  if (running >= MAX_PARALLEL) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await new Promise<RunResult>((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, CI: '1' } });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.on('error', reject);
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });
  } finally {
    running--;
    waiting.shift()?.();
  }
}

describe('ring-datagen CLI', () => {
  const { dir: base, cleanup } = tempDir();
  after(cleanup);
  let n = 0;
  const fresh = (): string => join(base, `out${n++}`);
  const configFile = (content: string): string => {
    const p = join(base, `config${n++}.json`);
    writeFileSync(p, content);
    return p;
  };
  const notAFolder = configFile('{}');

  const bad: [string, () => string[], string][] = [
    ['non-numeric size', () => ['--num-samples', 'abc'], '--num-samples'],
    ['zero size', () => ['--num-samples', '0'], '--num-samples'],
    ['negative seq_len', () => ['--seq-len', '-5'], '--seq-len'],
    ['non-integer test_samples', () => ['--test-samples', '1.5'], '--test-samples'],
    ['padding ratio 1', () => ['--zero-padding-start-ratio', '1'], '--zero-padding-start-ratio'],
    ['negative padding ratio', () => ['--zero-padding-start-ratio', '-0.1'], '--zero-padding-start-ratio'],
    ['empty ratio list', () => ['--zero-ratios-in-rest', ''], '--zero-ratios-in-rest'],
    ['ratio outside [0,1)', () => ['--zero-ratios-in-rest', '0.2,1'], '--zero-ratios-in-rest'],
    ['non-numeric ratio', () => ['--zero-ratios-in-rest', '0.2,x'], '--zero-ratios-in-rest'],
    ['max_av 0', () => ['--max-av', '0'], '--max-av'],
    ['negative max_av', () => ['--max-av', '-1'], '--max-av'],
    ['negative seed', () => ['--seed', '-1'], '--seed'],
    ['unknown flag', () => ['--bogus', '3'], 'bogus'],
    ['unknown config key', () => ['--config', configFile('{"num_samples": 10, "batch": 4}')], 'batch'],
    ['non-numeric config value', () => ['--config', configFile('{"num_samples": "10"}')], 'num_samples'],
    ['config ratios not a list', () => ['--config', configFile('{"zero_ratios_in_rest": 0.5}')], 'zero_ratios_in_rest'],
    ['config not JSON', () => ['--config', configFile('{ nope')], 'config'],
    ['config missing', () => ['--config', join(base, 'nope.json')], 'config'],
  ];

  // Started together, checked one by one.
  const started = bad.map(([, args]) => {
    const out = fresh();
    const a = args();
    const size = a.includes('--num-samples') || a.includes('--config') ? [] : ['--num-samples', '10'];
    return { out, result: run(['--out', out, ...size, ...a]) };
  });

  for (const [i, [name, , field]] of bad.entries()) {
    test(`bad input: ${name} → exit 2, one line naming ${field}, nothing written`, async () => {
      const { out, result } = started[i];
      const r = await result;
      assert.equal(r.status, 2, `stderr: ${r.stderr}`);
      const lines = r.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, `stderr has ${lines.length} lines: ${r.stderr}`);
      assert.match(lines[0], /^error: /);
      assert.ok(lines[0].includes(field), `"${lines[0]}" does not name ${field}`);
      assert.ok(!existsSync(out) || readdirSync(out).length === 0, 'files left in --out');
    });
  }

  test('missing --out → exit 2, one line', async () => {
    const r = await run(['--num-samples', '10']);
    assert.equal(r.status, 2);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1);
    assert.match(r.stderr, /out/);
  });

  test('unwritable --out → exit 2, one line naming out', async () => {
    const r = await run(['--out', join(notAFolder, 'sub'), '--num-samples', '10']);
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1);
    assert.match(r.stderr, /^error: --out: expected a folder \(or a path to create one at\) \(got ".*\/sub": cannot create .*: (EEXIST|ENOTDIR)\)$/m);
  });

  test('flags override the config file (last repeated flag wins); prints where it wrote', async () => {
    const out = fresh();
    const cfg = configFile(JSON.stringify({ num_samples: 50, test_samples: 5, seq_len: 10, seed: 1 }));
    const r = await run(['--config', cfg, '--out', out, '--num-samples', '7', '--num-samples', '20', '--zero-ratios-in-rest', '0.25,0.75']);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.stdout.includes(out), r.stdout);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    assert.equal(manifest.files['train.arrow'].rows, 20);
    assert.equal(manifest.files['test.arrow'].rows, 5);
    assert.deepEqual(manifest.config, {
      num_samples: 20,
      test_samples: 5,
      seq_len: 10,
      zero_padding_start_ratio: 0.1,
      zero_ratios_in_rest: [0.25, 0.75],
      max_av: 0.1 * Math.PI,
      seed: 1,
    });
    assert.deepEqual(readdirSync(out).sort(), ['manifest.json', 'test.arrow', 'train.arrow']);
  });

  test('a failure after the data is written leaves no partial output', async () => {
    const out = fresh();
    // A folder where manifest.json should go makes the final step fail.
    mkdirSync(join(out, 'manifest.json'), { recursive: true });
    const r = await run(['--out', out, '--num-samples', '30', '--test-samples', '3', '--seq-len', '8']);
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stderr.trimEnd().split('\n').filter((l) => l.startsWith('error:')).length, 1);
    assert.deepEqual(readdirSync(out), ['manifest.json']);
  });
});
