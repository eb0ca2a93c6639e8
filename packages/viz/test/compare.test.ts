import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, describe, it } from 'node:test';
import sharp from 'sharp';
import { parse, type DefaultTreeAdapterMap } from 'parse5';
import { Table, makeVector, tableToIPC } from 'apache-arrow';
import { UsageError } from '@ring-attractor/common';
import { compareRuns } from '../src/compare/compareRuns.js';
import { experimentColours } from '../src/compare/compareSpec.js';
import { readRunSummary, runName } from '../src/compare/runSummary.js';
import { specToPng } from '../src/render.js';
import { INLINE_LIBRARIES } from '../src/report.js';
import { buildRunFixture } from './fixture.js';
import { tempDir } from './helpers.js';

const BIN = fileURLToPath(new URL('../bin/ring-compare.mjs', import.meta.url));
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function runCompare(args: string[]): { code: number; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, stderr: r.stderr };
}

/** What each fixture experiment should show; the losses follow loss(s) = a·exp(−s/τ), so the final one is known in closed form. */
interface Expected {
  name: string;
  steps: number;
  gain: number;
  ms: number;
  /** A ring's activation, or a GRU baseline (test/fixture.ts). */
  activation?: 'gelu' | 'relu';
  baseline?: boolean;
  /** What the table shows of the model. */
  kind: string;
  size: string;
  parameters: number;
  a: number;
  tau: number;
}

/** Three experiments; their evaluations are of integrators with these gains (test/fixture.ts), so their errors differ. */
const EXPERIMENTS: Expected[] = [
  { name: 'seed', steps: 40, gain: 0.95, ms: 12.5, activation: 'gelu', kind: 'ring', size: 'N=8 gelu random', parameters: 3 * 64 + 20, a: 3, tau: 20 },
  { name: 'relu', steps: 25, gain: 0.6, ms: 8.25, activation: 'relu', kind: 'ring', size: 'N=8 relu random', parameters: 3 * 64 + 20, a: 2, tau: 10 },
  { name: 'gru', steps: 60, gain: 1.2, ms: 30.75, baseline: true, kind: 'gru', size: 'H=8 L=2', parameters: 1234, a: 0.5, tau: 40 },
];

const lossAt = (e: Expected, s: number): number => Math.fround(e.a * Math.exp(-s / e.tau));

/** Experiment folders with their train/ and eval/ folders (viz's fixture, with per-experiment run.json, metrics and gain). */
async function buildWorkspace(root: string, experiments: Expected[]): Promise<string[]> {
  const out: string[] = [];
  for (const [i, e] of experiments.entries()) {
    const fixture = await buildRunFixture(join(root, 'artifacts', 'pipelines', 'experiments', e.name), {
      n: 8, snapshots: 2, metricRows: e.steps, traceLength: 4, seed: i + 1, gain: e.gain, baseline: e.baseline, activation: e.activation,
    });
    const dir = fixture.trainDir;
    const run = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
    run.ms_per_step_median = e.ms;
    writeFileSync(join(dir, 'run.json'), JSON.stringify(run));
    const steps = Array.from({ length: e.steps }, (_, k) => k + 1);
    // One array per column: apache-arrow 21 writes a corrupt body when columns share a buffer.
    const loss = (): Float32Array => Float32Array.from(steps, (s) => lossAt(e, s));
    const table = new Table({
      step: makeVector(Int32Array.from(steps)),
      loss_total: makeVector(loss()),
      loss_angle: makeVector(loss()),
      loss_bump: makeVector(loss()),
      grad_norm: makeVector(Float32Array.from(steps, () => 1)),
      ms: makeVector(Float64Array.from(steps, () => e.ms)),
    });
    writeFileSync(join(dir, 'metrics.arrow'), tableToIPC(table, 'file'));
    out.push(fixture.dir);
  }
  return out;
}

/** The test-split errors an experiment's eval.json holds (what the comparison must show). */
function testErrorsOf(dir: string): { pv: number; argmax: number | undefined } {
  const ev = JSON.parse(readFileSync(join(dir, 'eval', 'eval.json'), 'utf8'));
  const d = ev.datasets.find((x: { name: string }) => x.name === ev.trained_on);
  return { pv: d.decoders.pv.mean_deg, argmax: d.decoders.argmax?.mean_deg };
}

type Element = DefaultTreeAdapterMap['element'];

function elementsOf(html: string): Element[] {
  const errors: string[] = [];
  const doc = parse(html, { onParseError: (e) => errors.push(e.code) });
  assert.deepEqual(errors, [], 'report.html parses without errors');
  const out: Element[] = [];
  const walk = (node: DefaultTreeAdapterMap['parentNode']): void => {
    for (const child of node.childNodes) {
      if ('tagName' in child) {
        out.push(child);
        walk(child);
      }
    }
  };
  walk(doc);
  return out;
}
const attr = (el: Element, name: string): string | undefined => el.attrs.find((a) => a.name === name)?.value;
const textOf = (el: Element): string =>
  el.childNodes.map((c) => ('value' in c ? c.value : 'tagName' in c ? textOf(c as Element) : '')).join('');
const children = (el: Element, tag: string): Element[] => el.childNodes.filter((c): c is Element => 'tagName' in c && c.tagName === tag);

describe('ring-compare on three fixture experiments', () => {
  let root: string;
  let dirs: string[];
  let out: string;
  before(async () => {
    root = tempDir('compare');
    dirs = await buildWorkspace(join(root, 'ws'), EXPERIMENTS);
    out = join(root, 'out');
    await compareRuns({ runs: EXPERIMENTS.map((e, i) => ({ name: e.name, dir: dirs[i] })), outDir: out });
  });

  it('writes a PNG and a spec per figure and report.html, nothing else', () => {
    const figures = ['compare', 'error_by_step_tiny', 'error_by_step_long', 'gain'];
    assert.deepEqual(readdirSync(out).sort(), [...figures.flatMap((f) => [`${f}.png`, `${f}.vl.json`]), 'report.html'].sort());
  });

  it('compare.png is a PNG of the spec, wide enough for both panels, and shows every experiment colour', async () => {
    const png = readFileSync(join(out, 'compare.png'));
    assert.deepEqual(png.subarray(0, 8), PNG_SIGNATURE);
    assert.equal(png.subarray(12, 16).toString('latin1'), 'IHDR');
    const width = png.readUInt32BE(16);
    const height = png.readUInt32BE(20);
    assert.ok(width >= 800 && width <= 1300 && height >= 300 && height <= 600, `${width}x${height}`);
    const spec = JSON.parse(readFileSync(join(out, 'compare.vl.json'), 'utf8'));
    assert.ok(Buffer.from(await specToPng(spec)).equals(png), 'PNG = rendered compare.vl.json');
    // Bars are solid fills: each experiment's colour must cover a sizeable area.
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    experimentColours(3).forEach((hex, i) => {
      const [r, g, b] = [1, 3, 5].map((o) => parseInt(hex.slice(o, o + 2), 16));
      let count = 0;
      for (let p = 0; p < info.width * info.height; p++) {
        const o = p * info.channels;
        if (data[o] === r && data[o + 1] === g && data[o + 2] === b) count++;
      }
      assert.ok(count > 500, `${EXPERIMENTS[i].name} (${hex}): ${count} pixels`);
    });
  });

  it('the spec holds every loss row and the errors of every experiment (both decoders where there is a bump), one colour each', () => {
    const spec = JSON.parse(readFileSync(join(out, 'compare.vl.json'), 'utf8'));
    const [lossPanel, barPanel] = spec.hconcat;
    assert.equal(lossPanel.encoding.y.scale.type, 'log');
    assert.deepEqual(lossPanel.encoding.color.scale.domain, EXPERIMENTS.map((e) => e.name));
    assert.deepEqual(lossPanel.encoding.color.scale.range, experimentColours(3));
    for (const e of EXPERIMENTS) {
      const rows = lossPanel.data.values.filter((v: { experiment: string }) => v.experiment === e.name);
      assert.equal(rows.length, e.steps, e.name);
      assert.deepEqual(rows[rows.length - 1], { experiment: e.name, step: e.steps, loss_total: lossAt(e, e.steps) });
      const bars = barPanel.data.values.filter((v: { experiment: string }) => v.experiment === e.name);
      const want = testErrorsOf(dirs[EXPERIMENTS.indexOf(e)]);
      // A baseline has no bump, so no argmax bar, and its angle is atan2 of its (sin, cos) output, not a population vector.
      assert.deepEqual(bars, [
        { experiment: e.name, decoder: e.baseline ? 'sin/cos output' : 'population vector', error_deg: want.pv },
        ...(want.argmax === undefined ? [] : [{ experiment: e.name, decoder: 'argmax', error_deg: want.argmax }]),
      ]);
    }
  });

  it('report.html: valid, self-contained, embeds the spec, one table row per experiment with its numbers', () => {
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    const els = elementsOf(html);
    for (const el of els) {
      for (const a of ['src', 'href']) {
        const v = attr(el, a);
        assert.ok(v === undefined || !/^(https?:)?\/\//i.test(v), `<${el.tagName} ${a}=${v}> loads from the network`);
      }
    }
    const scripts = els.filter((e) => e.tagName === 'script');
    for (const lib of INLINE_LIBRARIES) {
      const el = scripts.find((s) => attr(s, 'data-lib') === lib.name);
      assert.ok(el && textOf(el).length > 50_000, `${lib.name} inlined`);
    }
    const specs = scripts.filter((s) => attr(s, 'class') === 'vl-spec');
    assert.equal(specs.length, 4);
    assert.deepEqual(JSON.parse(textOf(specs[0])), JSON.parse(readFileSync(join(out, 'compare.vl.json'), 'utf8')));

    const table = els.find((e) => e.tagName === 'table' && attr(e, 'class') === 'summary');
    assert.ok(table, 'summary table');
    const headings = children(children(children(table, 'thead')[0], 'tr')[0], 'th').map(textOf);
    assert.deepEqual(headings, [
      'experiment', 'test PV or sin/cos error °', 'test argmax error °', 'long: error °', 'long: first 20 steps °', 'long: last 6 steps °', 'drift when still °', 'gain slope', 'gain R²',
      'final loss', 'median ms/step', 'train s', 'steps', 'model', 'size', 'parameters', 'folder',
    ]);
    const rows = children(children(table, 'tbody')[0], 'tr');
    assert.deepEqual(rows.map((r) => attr(r, 'data-experiment')), EXPERIMENTS.map((e) => e.name));
    rows.forEach((row, i) => {
      const e = EXPERIMENTS[i];
      assert.equal(textOf(children(row, 'th')[0]), e.name);
      const cells = children(row, 'td');
      const want = testErrorsOf(dirs[i]);
      const ev = JSON.parse(readFileSync(join(dirs[i], 'eval', 'eval.json'), 'utf8'));
      const long = ev.datasets.find((d: { name: string }) => d.name === 'long').decoders.pv;
      // The exact values, straight from eval.json / run.json / metrics.arrow …
      const values = cells.slice(0, 15).map((c) => attr(c, 'data-value'));
      assert.deepEqual(values, [
        String(want.pv), String(want.argmax ?? ''), String(long.mean_deg), String(long.first_mean_deg), String(long.last_mean_deg),
        String(ev.drift.horizons.at(-1).decoders.pv.mean_abs_deg), String(ev.gain.fit.pv.slope), String(ev.gain.fit.pv.r2),
        String(lossAt(e, e.steps)), String(e.ms), '1.5', String(e.steps), e.kind, e.size, String(e.parameters),
      ]);
      // The first 20 steps are the trained length: their mean error is below the whole sequence's for a drifting integrator.
      assert.ok(long.first_mean_deg < long.mean_deg, `${e.name}: first ${long.first_mean_deg} vs all ${long.mean_deg}`);
      // The integrator's gain is what the gain column reports, within the fit's precision.
      assert.ok(Math.abs(ev.gain.fit.pv.slope - e.gain) < 0.02, `${e.name}: slope ${ev.gain.fit.pv.slope} for gain ${e.gain}`);
      // … and what a reader sees.
      const shown = cells.map(textOf);
      assert.deepEqual(shown.slice(0, 2), [want.pv.toFixed(2), want.argmax === undefined ? '–' : want.argmax.toFixed(2)]);
      assert.equal(shown.at(-1), dirs[i]);
    });
  });

  it('same inputs give byte-identical outputs', async () => {
    const again = join(root, 'again');
    await compareRuns({ runs: EXPERIMENTS.map((e, i) => ({ name: e.name, dir: dirs[i] })), outDir: again });
    for (const f of readdirSync(out)) assert.ok(readFileSync(join(out, f)).equals(readFileSync(join(again, f))), f);
  });

  it('run names are the experiment folder', () => {
    assert.equal(runName('artifacts/pipelines/experiments/relu/'), 'relu');
    assert.equal(runName('/some/where/my-run'), 'my-run');
  });
});

describe('ring-compare bad input', () => {
  let root: string;
  before(() => {
    root = tempDir('compare-bad');
  });
  const fresh = (label: string, experiments = EXPERIMENTS.slice(0, 2)): Promise<string[]> => buildWorkspace(join(root, label), experiments);
  const usageError = (dir: string): string => {
    try {
      readRunSummary(dir);
    } catch (err) {
      assert.ok(err instanceof UsageError, String(err));
      return err.message;
    }
    assert.fail('expected a UsageError');
  };

  it('each missing or broken input names the file and the stage that writes it', async () => {
    const cases: [string, (dir: string) => void, RegExp][] = [
      ['noeval', (d) => rmSync(join(d, 'eval', 'eval.json')), /^eval\.json in .*: cannot read \(ENOENT\) — run the eval stage \(nx run experiment-seed:eval\)$/],
      ['cuteval', (d) => writeFileSync(join(d, 'eval', 'eval.json'), '{"version": 1'), /^eval\.json in .*: not valid JSON — run the eval stage/],
      ['noversion', (d) => writeFileSync(join(d, 'eval', 'eval.json'), '{"datasets": []}'), /^eval\.json in .*: not an eval summary of version 1 — run the eval stage/],
      ['norun', (d) => rmSync(join(d, 'train', 'run.json')), /^run\.json in .*: missing — run the train stage/],
      ['nomodel', (d) => writeFileSync(join(d, 'train', 'run.json'), JSON.stringify({ config: { train: {} }, dataset: {}, steps: 40, ms_per_step_median: 1, train_seconds: 1 })), /^run\.json in .*: model: expected a JSON object/],
      ['mixedrun', (d) => writeFileSync(join(d, 'train', 'run.json'), JSON.stringify({ ...JSON.parse(readFileSync(join(d, 'train', 'run.json'), 'utf8')), steps: 39 })), /^train folder .*: its files are from different runs \(step: run\.json at 39 ≠ model\.safetensors, metrics\.arrow, snapshots\.arrow at 40\) — run the train stage \(nx run experiment-seed:train\), or ring-train --overwrite, to replace them$/],
      ['cutmetrics', (d) => truncateSync(join(d, 'train', 'metrics.arrow'), Math.floor(statSync(join(d, 'train', 'metrics.arrow')).size / 2)), /^metrics\.arrow in .*: truncated or not an Arrow IPC file — run the train stage/],
      ['nofolder', (d) => rmSync(d, { recursive: true }), /^--runs: .*: no such folder — run the train stage \(nx run experiment-seed:train\)$/],
    ];
    for (const [label, breakIt, re] of cases) {
      const [dir] = await fresh(label, EXPERIMENTS.slice(0, 1));
      breakIt(dir);
      assert.match(usageError(dir), re, label);
    }
  });

  it('CLI: a broken run exits 2 with one line and writes nothing', async () => {
    const dirs = await fresh('cli-broken');
    rmSync(join(dirs[1], 'train', 'metrics.arrow'));
    const out = join(root, 'cli-broken', 'out');
    const r = runCompare(['--runs', ...dirs, '--out', out]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^error: metrics\.arrow in .*relu.*: missing — run the train stage \(nx run experiment-relu:train\)\n$/);
    assert.equal(existsSync(out), false);
  });

  it('two runs with one name are refused before anything is read', async () => {
    const dirs = await fresh('dup');
    const out = join(root, 'dup', 'out');
    await assert.rejects(
      compareRuns({ runs: [{ name: 'seed', dir: dirs[0] }, { name: 'seed', dir: dirs[1] }], outDir: out }),
      (err: unknown) => err instanceof UsageError && /^--runs: expected distinct experiment names \(got "seed" for both .* and .*\)$/.test(err.message),
    );
    assert.equal(existsSync(out), false);
  });

  it('CLI: no runs, bad flags: exit 2, one line', async () => {
    const dirs = await fresh('cli-flags');
    const out = join(root, 'cli-flags', 'out');
    const cases: [string[], RegExp][] = [
      [['--out', out], /^error: Missing required argument: runs\n$/],
      [['--runs', dirs[0], '--bogus', '1', '--out', out], /^error: Unknown argument: bogus\n$/],
      [['--runs', dirs[0], '--out', out, '--width', '10'], /^error: --width: expected an integer in \[400, 4096\] \(got 10\)\n$/],
    ];
    for (const [args, re] of cases) {
      const r = runCompare(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
    assert.equal(existsSync(out), false);
  });

  it('CLI with experiment folders: each is named after its folder', async () => {
    const dirs = await fresh('cli-exp');
    const out = join(root, 'cli-exp', 'out');
    const r = runCompare(['--runs', ...dirs, '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /2 experiments \(seed, relu\)/);
    const rows = elementsOf(readFileSync(join(out, 'report.html'), 'utf8')).filter((e) => e.tagName === 'tr' && attr(e, 'data-experiment'));
    assert.deepEqual(rows.map((r) => attr(r, 'data-experiment')), ['seed', 'relu']);
  });
});
