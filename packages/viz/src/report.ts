import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ModelKind } from '@ring-attractor/config';
import { KIND_OUTPUTS } from '@ring-attractor/eval/files';
import type { ColourMap } from './colour.js';
import { decoderLabel } from './decoderLabels.js';
import { matrixTitle } from './figures/weights.js';
import { strideIndices } from './figures/loss.js';
import { fmtLoss } from './frames.js';
import { matrixDataUrl } from './matrixImage.js';
import { BASE_CONFIG, type VlSpec } from './render.js';
import type { RunData } from '@ring-attractor/train/formats';
import type { VizInputs } from './vizRun.js';

const require = createRequire(import.meta.url);

/** The browser builds inlined into the report, in load order (vega-embed needs the globals of the other two). */
export const INLINE_LIBRARIES = [
  { name: 'vega', file: 'build/vega.min.js' },
  { name: 'vega-lite', file: 'build/vega-lite.min.js' },
  { name: 'vega-embed', file: 'build/vega-embed.min.js' },
] as const;

/** Folder of an installed package (some, like vega, do not export their package.json). */
function packageDir(name: string): string {
  let dir = dirname(require.resolve(name));
  for (;;) {
    try {
      if ((JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }).name === name) return dir;
    } catch {
      // no package.json at this level: keep walking up
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot locate the ${name} package folder`);
    dir = up;
  }
}

function librarySource(name: string, file: string): string {
  const dir = packageDir(name);
  // A literal "</script" would end the inline script early.
  return readFileSync(join(dir, file), 'utf8').replace(/<\/script/gi, '<\\/script');
}

/** JSON safe inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** Escapes text for HTML element content and attribute values. */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": '#39' }[c]};`);
}

function table(obj: Record<string, unknown>): string {
  // Nested objects (run.json's dataset: dir + sha256s) become nested tables, so no row is one long line.
  const cell = (v: unknown): string =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? table(v as Record<string, unknown>) : esc(Array.isArray(v) ? v.join(', ') : String(v));
  const rows = Object.entries(obj).map(([k, v]) => `<tr><th>${esc(k)}</th><td>${cell(v)}</td></tr>`);
  return `<table>${rows.join('')}</table>`;
}

/**
 * The interactive weights figure: a slider (a vega-lite param bound to a range input) over the
 * snapshots, each matrix an N×N PNG on the movie's colour scale. The report disables image
 * smoothing, so cells stay sharp without upscaling.
 */
export async function snapshotSliderSpec(run: RunData, cmap: ColourMap, maxSnapshots: number, panel = 260): Promise<VlSpec> {
  const s = run.snapshots;
  const idx = strideIndices(s.steps.length, maxSnapshots);
  const rows: Record<string, unknown>[] = [];
  const labels: Record<string, unknown>[] = [];
  for (let q = 0; q < idx.length; q++) {
    const k = idx[q];
    labels.push({ idx: q, label: `snapshot ${q + 1}/${idx.length}: step ${s.steps[k]} · loss ${fmtLoss(s.lossTotal[k])}` });
    for (const name of s.names) rows.push({ idx: q, step: s.steps[k], matrix: name, url: await matrixDataUrl(s.matrices[name][k], s.n, s.n, cmap, s.n, s.n) });
  }
  const panels = s.names.map((name, m) => ({
    title: matrixTitle(name),
    width: panel,
    height: panel,
    layer: [
      {
        data: { name: 'snapshots' },
        transform: [{ filter: `datum.idx == snap && datum.matrix == ${JSON.stringify(name)}` }],
        mark: { type: 'image', width: panel, height: panel, align: 'left', baseline: 'top', aspect: false },
        encoding: { url: { field: 'url', type: 'nominal' }, x: { value: 0 }, y: { value: 0 } },
      },
      {
        data: { values: [{ c: 0, v: cmap.domain[0] }, { c: s.n - 1, v: cmap.domain[1] }] },
        mark: { type: 'point', opacity: 0 },
        encoding: {
          x: { field: 'c', type: 'quantitative', title: 'presynaptic j', scale: { domain: [-0.5, s.n - 0.5], nice: false, zero: false }, axis: { format: 'd', tickMinStep: 1 } },
          y: { field: 'c', type: 'quantitative', title: m === 0 ? 'postsynaptic i' : null, scale: { domain: [-0.5, s.n - 0.5], nice: false, zero: false, reverse: true }, axis: { format: 'd', tickMinStep: 1 } },
          color: { field: 'v', type: 'quantitative', title: 'weight', scale: { domain: cmap.domain, scheme: cmap.scheme, reverse: cmap.reverse, nice: false, zero: false }, legend: { format: '.3~g', gradientLength: panel } },
        },
      },
    ],
  }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Weights during training', anchor: 'start', fontSize: 16 },
    params: [{ name: 'snap', value: idx.length - 1, bind: { input: 'range', min: 0, max: idx.length - 1, step: 1, name: 'snapshot ' } }],
    datasets: { snapshots: rows, labels },
    vconcat: [
      {
        width: s.names.length * (panel + 40),
        height: 18,
        data: { name: 'labels' },
        transform: [{ filter: 'datum.idx == snap' }],
        mark: { type: 'text', align: 'left', baseline: 'middle', fontSize: 13 },
        encoding: { text: { field: 'label', type: 'nominal' }, x: { value: 0 }, y: { value: 9 } },
      },
      { hconcat: panels, spacing: 40, resolve: { scale: { color: 'shared' } } },
    ],
    padding: 16,
    config: BASE_CONFIG,
  };
}

/** One figure of the report. */
export interface ReportFigure {
  id: string;
  heading: string;
  spec: VlSpec;
  note?: string;
}

/** A column of a table: its heading and a row's cell (HTML), with the exact number kept in data-value where scripts read one. */
type Column<R> = { heading: string; cell: (row: R) => string; value?: (row: R) => number | null | undefined };

/** A table with a header row and one body row per item, its first column a row heading. */
function columnTable<R>(columns: readonly Column<R>[], items: readonly R[]): string {
  const head = columns.map((c) => `<th>${esc(c.heading)}</th>`).join('');
  const cell = (c: Column<R>, r: R, i: number): string => {
    if (i === 0) return `<th>${c.cell(r)}</th>`;
    return c.value ? `<td data-value="${c.value(r) ?? ''}">${c.cell(r)}</td>` : `<td>${c.cell(r)}</td>`;
  };
  const rows = items.map((r) => `<tr>${columns.map((c, i) => cell(c, r, i)).join('')}</tr>`);
  return `<table><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/**
 * eval.json's headline numbers: one row per dataset (test error, late error), then drift and gain;
 * `kind` names the decoded angle and says which columns exist (argmax and bump survival: a ring's only).
 */
function evalTables(ev: VizInputs['evaluation']['summary'], kind: ModelKind): string {
  const pv = decoderLabel(kind, 'pv');
  const { decoders, hasBump } = KIND_OUTPUTS[kind];
  const f = (x: number | null | undefined, d = 2): string => (x === null || x === undefined ? '–' : x.toFixed(d));
  const datasetColumns: Column<(typeof ev.datasets)[number]>[] = [
    { heading: 'dataset', cell: (d) => `${esc(d.name)}${d.name === ev.trained_on ? ' (trained on)' : ''}` },
    { heading: 'sequences×T', cell: (d) => `${d.sequences}×${d.seq_len}` },
    { heading: `${pv.abbrev} error °`, cell: (d) => f(d.decoders.pv?.mean_deg), value: (d) => d.decoders.pv?.mean_deg },
    { heading: `${pv.abbrev}, first steps ° (as many as trained on)`, cell: (d) => `${f(d.decoders.pv?.first_mean_deg)} (${d.first_steps})` },
    { heading: `${pv.abbrev}, last ${Math.round(ev.config.last_fraction * 100)}% °`, cell: (d) => f(d.decoders.pv?.last_mean_deg) },
  ];
  if (decoders.includes('argmax')) {
    datasetColumns.push(
      { heading: 'argmax °', cell: (d) => f(d.decoders.argmax?.mean_deg) },
      { heading: 'argmax, last °', cell: (d) => f(d.decoders.argmax?.last_mean_deg) },
    );
  }
  const driftColumns: Column<(typeof ev.drift.horizons)[number]>[] = [
    { heading: 'still for', cell: (x) => `${x.steps} steps` },
    { heading: 'mean |drift| °', cell: (x) => f(x.decoders.pv?.mean_abs_deg) },
    { heading: 'max |drift| °', cell: (x) => f(x.decoders.pv?.max_abs_deg) },
  ];
  if (hasBump) driftColumns.push({ heading: 'bumps surviving', cell: (x) => `${x.survived ?? '–'}` });
  const fit = ev.gain.fit.pv;
  const gain = `<p>Velocity gain (${esc(pv.long)}, |v| ≤ ${f(ev.config.max_av, 4)} rad/step): slope ${f(fit?.slope, 4)}, R² ${f(fit?.r2, 4)}.</p>`;
  return `${columnTable(datasetColumns, ev.datasets)}${columnTable(driftColumns, ev.drift.horizons)}${gain}`;
}

/** One self-contained HTML page: vega, vega-lite and vega-embed inlined, every figure interactive. */
export function reportHtml(inputs: VizInputs, figures: ReportFigure[]): string {
  const { run, evaluation } = inputs;
  const { config, ...runInfo } = run.run;
  const intro = `<h1>ring-attractor run report</h1>
<p>Run folder: <code>${esc(run.dir)}</code></p>
<div class="tables">
<div><h2>Evaluation (eval.json)</h2>${evalTables(evaluation.summary, run.run.config.model.kind)}</div>
<div><h2>Training config (run.json)</h2>${table({ ...config })}</div>
<div><h2>Run</h2>${table(runInfo)}</div>
</div>`;
  return htmlPage('ring-attractor run report', intro, figures);
}

/**
 * The page shell shared by every report: `intro` (trusted HTML) then one section per figure, each
 * spec in a JSON script element rendered by the inlined vega-embed; nothing is loaded from the network.
 */
export function htmlPage(title: string, intro: string, figures: ReportFigure[]): string {
  const libs = INLINE_LIBRARIES.map((l) => `<script data-lib="${l.name}">\n${librarySource(l.name, l.file)}\n</script>`).join('\n');
  const sections = figures
    .map((f) => `<section><h2>${esc(f.heading)}</h2>${f.note ? `<p>${esc(f.note)}</p>` : ''}<div class="fig" id="fig-${f.id}"></div>` +
      `<script type="application/json" class="vl-spec" data-figure="${f.id}">${scriptJson(f.spec)}</script></section>`)
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${esc(title)}</title>
<style>
body { font-family: 'DejaVu Sans', Verdana, sans-serif; margin: 24px auto; max-width: 1200px; color: #222; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 13px; }
td table { margin: 0; }
td { overflow-wrap: anywhere; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f4f4f4; font-weight: 600; }
section { margin: 28px 0; }
.tables { display: flex; gap: 32px; flex-wrap: wrap; }
</style>
${libs}
</head>
<body>
${intro}
${sections}
<script>
// Images are drawn with smoothing off, so small matrices scaled up keep sharp cells.
function sharpImages(spec) {
  (function walk(marks) {
    for (const m of marks || []) {
      if (m.type === 'image') { m.encode = m.encode || {}; m.encode.update = m.encode.update || {}; m.encode.update.smooth = { value: false }; }
      walk(m.marks);
    }
  })(spec.marks);
  return spec;
}
for (const el of document.querySelectorAll('script.vl-spec')) {
  const spec = JSON.parse(el.textContent);
  vegaEmbed('#fig-' + el.dataset.figure, spec, { actions: { export: true, source: true, compiled: true, editor: false }, patch: sharpImages })
    .catch((err) => { document.getElementById('fig-' + el.dataset.figure).textContent = String(err); });
}
</script>
</body>
</html>
`;
}
