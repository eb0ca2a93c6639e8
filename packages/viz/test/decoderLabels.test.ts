/**
 * The decoded angle is named after what it is: a ring's `pv` is the population vector over its
 * neurons, a baseline's (GRU, transformer) is atan2 of its (sin, cos) output. What a baseline does not
 * have (a bump to start the drift probe from or to survive, an argmax decoder) is neither described nor
 * given a column. Checked on the figures, the run report and the comparison (spec and report) built
 * from fixture experiments of each kind.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { compareSpecs } from '../src/compare/compareRuns.js';
import { compareReportHtml } from '../src/compare/compareReport.js';
import { readRunSummary, type RunSummary } from '../src/compare/runSummary.js';
import { specToSvg, type VlSpec } from '../src/render.js';
import { reportHtml } from '../src/report.js';
import { DEFAULT_VIZ_CONFIG } from '../src/vizConfig.js';
import { figureHeading, readVizInputs, staticSpecs, type VizInputs } from '../src/vizRun.js';
import { buildRunFixture, type Fixture } from './fixture.js';
import { tempDir } from './helpers.js';

const SIN_COS_SHORT = 'sin/cos output';
const SIN_COS_LONG = 'atan2 of the (sin, cos) output';
const CONFIG = { ...DEFAULT_VIZ_CONFIG, width: 700 };

/** Every sub-spec of a spec (concatenations and layers flattened). */
function parts(spec: VlSpec): VlSpec[] {
  const out: VlSpec[] = [spec];
  for (const key of ['layer', 'hconcat', 'vconcat'] as const) for (const s of (spec[key] as VlSpec[] | undefined) ?? []) out.push(...parts(s));
  return out;
}

/** Runs a vega expression over one datum (vega expressions are a subset of JavaScript). */
function evalExpr(expr: string, datum: Record<string, unknown>): unknown {
  return new Function('datum', `return ${expr};`)(datum);
}

/** The labels the tooltips of a spec compute for the `pv` and `argmax` codes. */
function tooltipLabels(spec: VlSpec): unknown[] {
  const calc = parts(spec).flatMap((p) => (p.transform as { calculate?: string; as?: string }[] | undefined) ?? []).filter((t) => t.as === 'decoder_label');
  assert.ok(calc.length > 0, 'a decoder_label transform');
  return calc.flatMap((t) => ['pv', 'argmax'].map((d) => evalExpr(t.calculate as string, { decoder: d })));
}

/** The run report's tables of eval.json: each as its header cells and its rows' cells (text, tags stripped). */
function evalTables(inputs: VizInputs): { head: string[]; rows: string[][] }[] {
  const html = reportHtml(inputs, []);
  const section = html.slice(html.indexOf('<h2>Evaluation (eval.json)</h2>'), html.indexOf('<h2>Training config'));
  const cells = (row: string): string[] => [...row.matchAll(/<t[hd][^>]*>(.*?)<\/t[hd]>/g)].map((m) => m[1]);
  return [...section.matchAll(/<table><thead>(.*?)<\/thead><tbody>(.*?)<\/tbody><\/table>/g)].map((t) => ({
    head: cells(t[1]),
    rows: [...t[2].matchAll(/<tr>(.*?)<\/tr>/g)].map((r) => cells(r[1])),
  }));
}

/** Text drawn in an SVG (the legends and titles a reader sees). */
function svgText(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1].replace(/&amp;/g, '&'));
}

describe('decoder labels follow the model kind', () => {
  let root: string;
  let ring: Fixture;
  let gru: Fixture;
  let ringInputs: VizInputs;
  let gruInputs: VizInputs;
  let ringSpecs: Record<string, VlSpec>;
  let gruSpecs: Record<string, VlSpec>;

  before(async () => {
    root = tempDir('decoder-labels');
    ring = await buildRunFixture(join(root, 'fair-ring'), { n: 8, snapshots: 2, metricRows: 6, traceLength: 10, seed: 3 });
    gru = await buildRunFixture(join(root, 'fair-gru'), { baseline: true, snapshots: 2, metricRows: 6, seed: 4, gain: 1.1 });
    ringInputs = readVizInputs(ring.trainDir, ring.evalDir);
    gruInputs = readVizInputs(gru.trainDir, gru.evalDir);
    ringSpecs = await staticSpecs(ringInputs, CONFIG);
    gruSpecs = await staticSpecs(gruInputs, CONFIG);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('a baseline run: no figure says population vector; titles, fits, legends and tooltips say sin/cos', async () => {
    assert.doesNotMatch(JSON.stringify(gruSpecs), /population vector/i);
    assert.equal((gruSpecs.drift.hconcat as VlSpec[])[0].title, `Decoded angle (${SIN_COS_LONG})`);
    assert.deepEqual((gruSpecs.error_by_step_tiny.hconcat as VlSpec[]).map((p) => p.title), [SIN_COS_LONG]);
    const subtitle = (gruSpecs.gain.title as { subtitle: string[] }).subtitle;
    assert.ok(subtitle.some((l) => l.startsWith(`${SIN_COS_LONG}: slope `)), subtitle.join('\n'));
    for (const id of ['gain', 'error_bins_tiny']) {
      const text = svgText(await specToSvg(gruSpecs[id]));
      assert.ok(text.includes(SIN_COS_SHORT), `${id}: legend shows ${SIN_COS_SHORT} (${text.join(' | ')})`);
      assert.ok(!text.includes('pv'), `${id}: legend shows the code`);
      assert.equal(tooltipLabels(gruSpecs[id])[0], SIN_COS_SHORT, id);
    }
  });

  it('a ring run: population vector and argmax', async () => {
    assert.equal((ringSpecs.drift.hconcat as VlSpec[])[0].title, 'Decoded angle (population vector)');
    assert.deepEqual((ringSpecs.error_by_step_tiny.hconcat as VlSpec[]).map((p) => p.title), ['population vector', 'argmax']);
    const subtitle = (ringSpecs.gain.title as { subtitle: string[] }).subtitle;
    assert.ok(subtitle.some((l) => l.startsWith('population vector: slope ')) && subtitle.some((l) => l.startsWith('argmax: slope ')), subtitle.join('\n'));
    for (const id of ['gain', 'error_bins_tiny']) {
      const text = svgText(await specToSvg(ringSpecs[id]));
      assert.ok(text.includes('population vector') && text.includes('argmax'), `${id}: ${text.join(' | ')}`);
      assert.deepEqual(tooltipLabels(ringSpecs[id]).slice(0, 2), ['population vector', 'argmax'], id);
    }
    assert.doesNotMatch(JSON.stringify(ringSpecs), /sin\/cos|atan2/);
  });

  it('the run report names the decoded angle in its tables', () => {
    // Only the tables: the inlined vega builds are the same for both runs.
    const tables = (inputs: VizInputs): string => {
      const html = reportHtml(inputs, []);
      return html.slice(html.indexOf('<h2>Evaluation (eval.json)</h2>'), html.indexOf('<h2>Training config'));
    };
    const g = tables(gruInputs);
    assert.match(g, /<th>sin\/cos error °<\/th><th>sin\/cos, first steps °/);
    assert.match(g, /Velocity gain \(atan2 of the \(sin, cos\) output, \|v\|/);
    assert.doesNotMatch(g, /PV|population vector/);
    const r = tables(ringInputs);
    assert.match(r, /<th>PV error °<\/th><th>PV, first steps °/);
    assert.match(r, /Velocity gain \(population vector, \|v\|/);
    assert.doesNotMatch(r, /sin\/cos|atan2/);
  });

  it('the drift figure and its report heading say where the zero-input runs start: a ring from its bump, a baseline from an initial angle', () => {
    // The fixture's probe has 6 starts (buildEvalFixture's drift_starts).
    const subtitle = (specs: Record<string, VlSpec>): unknown => (specs.drift.title as { subtitle: unknown }).subtitle;
    assert.equal(subtitle(ringSpecs), 'zero input from the bump at 6 angles evenly around the ring');
    assert.equal(figureHeading('drift', 'ring'), 'Stationary drift: zero input from bumps around the ring');
    assert.equal(subtitle(gruSpecs), 'zero input from 6 initial angles evenly around the circle');
    for (const kind of ['gru', 'transformer'] as const) assert.equal(figureHeading('drift', kind), 'Stationary drift: zero input from initial angles around the circle', kind);
    assert.doesNotMatch(JSON.stringify(gruSpecs.drift), /bump|ring/i);
  });

  it('the run report has argmax and survival columns for a ring only, every row as wide as its heading', () => {
    const ringTables = evalTables(ringInputs);
    const gruTables = evalTables(gruInputs);
    for (const tables of [ringTables, gruTables]) {
      assert.equal(tables.length, 2, 'a datasets table and a drift table');
      for (const t of tables) for (const row of t.rows) assert.equal(row.length, t.head.length, `${row.join(' | ')} under ${t.head.join(' | ')}`);
    }
    assert.deepEqual(ringTables[0].head.slice(-2), ['argmax °', 'argmax, last °']);
    assert.deepEqual(ringTables[1].head, ['still for', 'mean |drift| °', 'max |drift| °', 'bumps surviving']);
    assert.deepEqual(ringTables[1].rows.map((r) => r[3]), ['6', '6'], 'every fixture bump survives (amplitude 0.999^t)');
    assert.ok(!gruTables[0].head.some((h) => /argmax/.test(h)), gruTables[0].head.join(' | '));
    assert.deepEqual(gruTables[1].head, ['still for', 'mean |drift| °', 'max |drift| °']);
    // Every number a baseline has is shown: no cell stands for a column it lacks.
    for (const t of gruTables) for (const row of t.rows) assert.ok(!row.includes('–'), row.join(' | '));
  });

  describe('ring-compare', () => {
    let mixed: RunSummary[];
    let rings: RunSummary[];
    before(() => {
      const gruRun = readRunSummary(gru.dir, 'fair-gru');
      // A transformer's eval files are a GRU's in shape (pv only, no bump); only its kind differs.
      mixed = [readRunSummary(ring.dir, 'fair-ring'), gruRun, { ...gruRun, name: 'fair-transformer', kind: 'transformer' }];
      rings = [readRunSummary(ring.dir, 'ring-a'), readRunSummary(ring.dir, 'ring-b')];
    });

    it('fair-ring, fair-gru, fair-transformer: bars, subtitles, table and intro name each run its own decoder', () => {
      const specs = compareSpecs(mixed);
      const bars = (specs.compare.hconcat as VlSpec[])[1];
      const values = (bars.data as { values: { experiment: string; decoder: string }[] }).values;
      assert.deepEqual(values.map((v) => [v.experiment, v.decoder]), [
        ['fair-ring', 'population vector'],
        ['fair-ring', 'argmax'],
        ['fair-gru', SIN_COS_SHORT],
        ['fair-transformer', SIN_COS_SHORT],
      ]);
      assert.deepEqual((bars.encoding as { x: { sort: string[] } }).x.sort, ['population vector', 'argmax', SIN_COS_SHORT]);
      const want = `decoded angle: population vector (fair-ring); ${SIN_COS_LONG} (fair-gru, fair-transformer)`;
      for (const id of ['error_by_step_tiny', 'gain']) assert.equal((specs[id].title as { subtitle: string[] }).subtitle[0], want, id);
      const html = compareReportHtml(mixed, []);
      assert.match(html, /<th>test PV or sin\/cos error °<\/th>/);
      assert.ok(html.includes(`decoded angle: population vector (fair-ring); ${SIN_COS_LONG} (fair-gru, fair-transformer).`), 'intro names each decoder');
    });

    it('baselines only: no argmax column, and the intro does not mention one', () => {
      const baselines = mixed.slice(1);
      const html = compareReportHtml(baselines, []);
      const body = html.slice(html.indexOf('<h1>'));
      assert.doesNotMatch(body, /argmax/);
      assert.match(body, /<th>test sin\/cos error °<\/th>/);
      // A ring among them keeps the column (its own argmax error, a dash for the baselines).
      assert.match(compareReportHtml(mixed, []), /<th>test argmax error °<\/th>/);
    });

    it('rings only: population vector and argmax', () => {
      const specs = compareSpecs(rings);
      const bars = (specs.compare.hconcat as VlSpec[])[1];
      assert.deepEqual((bars.encoding as { x: { sort: string[] } }).x.sort, ['population vector', 'argmax']);
      for (const id of ['error_by_step_tiny', 'gain']) assert.equal((specs[id].title as { subtitle: string[] }).subtitle[0], 'decoded angle: population vector', id);
      const html = compareReportHtml(rings, []);
      assert.match(html, /<th>test PV error °<\/th>/);
      assert.doesNotMatch(html.slice(html.indexOf('<h1>')), /sin\/cos|atan2/);
    });
  });
});
