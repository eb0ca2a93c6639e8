import { KIND_OUTPUTS } from '@ring-attractor/eval/files';
import { decodedAngleOf, labelGroups } from '../decoderLabels.js';
import { esc, htmlPage, type ReportFigure } from '../report.js';
import { experimentColours } from './compareSpec.js';
import { testErrors, type RunSummary } from './runSummary.js';

type Cell = { shown: string; value: string | number | null };
type ColumnDef = { heading: string; cell: (r: RunSummary) => Cell };

const num = (x: number | null | undefined, digits: number): Cell => (x === null || x === undefined ? { shown: '–', value: null } : { shown: x.toFixed(digits), value: x });

/** Datasets every experiment was evaluated on besides its training set's test split, in first-seen order. */
export function sharedDatasets(runs: RunSummary[]): string[] {
  const names: string[] = [];
  for (const r of runs) for (const d of r.eval.datasets) if (d.name !== r.eval.trained_on && !names.includes(d.name)) names.push(d.name);
  return names.filter((n) => runs.every((r) => r.eval.datasets.some((d) => d.name === n)));
}

/** Whether any of the runs has an argmax decoder (a ring); without one there is no argmax column. */
function anyArgmax(runs: RunSummary[]): boolean {
  return runs.some((r) => KIND_OUTPUTS[r.kind].decoders.includes('argmax'));
}

/** The table's columns: heading, the shown text and the exact value (kept in data-value for scripts and tests). */
function columns(runs: RunSummary[]): ColumnDef[] {
  const datasetColumns = sharedDatasets(runs).flatMap((name): ColumnDef[] => {
    const of = (r: RunSummary) => r.eval.datasets.find((d) => d.name === name)?.decoders.pv;
    const at = (r: RunSummary) => r.eval.datasets.find((d) => d.name === name);
    // The windows' lengths are the first experiment's; they differ only between experiments trained on other lengths.
    const first = at(runs[0])?.first_steps;
    const last = at(runs[0])?.last_steps;
    return [
      { heading: `${name}: error °`, cell: (r) => num(of(r)?.mean_deg, 2) },
      { heading: `${name}: first ${first} steps °`, cell: (r) => num(of(r)?.first_mean_deg, 2) },
      { heading: `${name}: last ${last} steps °`, cell: (r) => num(of(r)?.last_mean_deg, 2) },
    ];
  });
  const lastHorizon = (r: RunSummary) => r.eval.drift.horizons.at(-1);
  const decoded = labelGroups(runs, 'pv').map((g) => g.label.abbrev).join(' or ');
  return [
    { heading: `test ${decoded} error °`, cell: (r) => num(testErrors(r).pv, 2) },
    ...(anyArgmax(runs) ? [{ heading: 'test argmax error °', cell: (r: RunSummary) => num(testErrors(r).argmax, 2) }] : []),
    ...datasetColumns,
    { heading: 'drift when still °', cell: (r) => num(lastHorizon(r)?.decoders.pv?.mean_abs_deg, 1) },
    { heading: 'gain slope', cell: (r) => num(r.eval.gain.fit.pv?.slope, 3) },
    { heading: 'gain R²', cell: (r) => num(r.eval.gain.fit.pv?.r2, 3) },
    { heading: 'final loss', cell: (r) => ({ shown: r.finalLoss.toPrecision(4), value: r.finalLoss }) },
    { heading: 'median ms/step', cell: (r) => num(r.msPerStepMedian, 1) },
    { heading: 'train s', cell: (r) => num(r.trainSeconds, 0) },
    { heading: 'steps', cell: (r) => ({ shown: String(r.steps), value: r.steps }) },
    { heading: 'model', cell: (r) => ({ shown: r.kind, value: r.kind }) },
    { heading: 'size', cell: (r) => ({ shown: r.model, value: r.model }) },
    { heading: 'parameters', cell: (r) => ({ shown: r.parameters.toLocaleString('en-US'), value: r.parameters }) },
  ];
}

/** The summary table: one row per experiment, its colour swatch matching the figures. */
export function summaryTable(runs: RunSummary[]): string {
  const colours = experimentColours(runs.length);
  const cols = columns(runs);
  const head = `<tr><th>experiment</th>${cols.map((c) => `<th>${esc(c.heading)}</th>`).join('')}<th>folder</th></tr>`;
  const rows = runs.map((r, i) => {
    const cells = cols.map((c) => {
      const { shown, value } = c.cell(r);
      const numeric = typeof value === 'number';
      return `<td${numeric ? ' style="text-align: right"' : ''} data-value="${esc(String(value ?? ''))}">${esc(shown)}</td>`;
    });
    return `<tr data-experiment="${esc(r.name)}"><th><span style="display: inline-block; width: 10px; height: 10px; margin-right: 6px; background: ${colours[i]}"></span>${esc(r.name)}</th>${cells.join('')}<td><code>${esc(r.dir)}</code></td></tr>`;
  });
  return `<table class="summary">\n<thead>${head}</thead>\n<tbody>\n${rows.join('\n')}\n</tbody>\n</table>`;
}

/** The self-contained comparison page: the summary table, then the comparison figures (interactive). */
export function compareReportHtml(runs: RunSummary[], figures: ReportFigure[]): string {
  const intro = `<h1>ring-attractor experiments compared</h1>
<p>${runs.length} experiment${runs.length === 1 ? '' : 's'}. Errors are mean circular errors from each experiment's evaluation (eval.json): the test split of the dataset it was trained on, then every dataset they were all evaluated on. ${anyArgmax(runs) ? 'Besides the argmax column, errors' : 'Errors'}, drift and gain are of each model's decoded angle: ${esc(decodedAngleOf(runs, 'pv'))}. Drift is the mean |drift| after the longest still stretch; the gain is the slope of decoded on true angular speed within the trained range. Final loss is the total loss of the last training step.</p>
${summaryTable(runs)}`;
  return htmlPage('ring-attractor experiments compared', intro, figures);
}
