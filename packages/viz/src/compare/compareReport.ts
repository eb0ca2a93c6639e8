import { esc, htmlPage } from '../report.js';
import type { VlSpec } from '../render.js';
import { experimentColours } from './compareSpec.js';
import type { RunSummary } from './runSummary.js';

/** The table's columns: heading, the shown text and the exact value (kept in data-value for scripts and tests). */
const COLUMNS: { heading: string; cell: (r: RunSummary) => { shown: string; value: string | number } }[] = [
  { heading: 'PV error °', cell: (r) => ({ shown: r.pvDeg.toFixed(2), value: r.pvDeg }) },
  { heading: 'argmax error °', cell: (r) => ({ shown: r.argmaxDeg.toFixed(2), value: r.argmaxDeg }) },
  { heading: 'final loss', cell: (r) => ({ shown: r.finalLoss.toPrecision(4), value: r.finalLoss }) },
  { heading: 'median ms/step', cell: (r) => ({ shown: r.msPerStepMedian.toFixed(1), value: r.msPerStepMedian }) },
  { heading: 'steps', cell: (r) => ({ shown: String(r.steps), value: r.steps }) },
  { heading: 'activation', cell: (r) => ({ shown: r.activation, value: r.activation }) },
  { heading: 'init', cell: (r) => ({ shown: r.init, value: r.init }) },
];

/** The summary table: one row per experiment, its colour swatch matching the figure. */
export function summaryTable(runs: RunSummary[]): string {
  const colours = experimentColours(runs.length);
  const head = `<tr><th>experiment</th>${COLUMNS.map((c) => `<th>${esc(c.heading)}</th>`).join('')}<th>run folder</th></tr>`;
  const rows = runs.map((r, i) => {
    const cells = COLUMNS.map((c) => {
      const { shown, value } = c.cell(r);
      const numeric = typeof value === 'number';
      return `<td${numeric ? ' style="text-align: right"' : ''} data-value="${esc(String(value))}">${esc(shown)}</td>`;
    });
    return `<tr data-experiment="${esc(r.name)}"><th><span style="display: inline-block; width: 10px; height: 10px; margin-right: 6px; background: ${colours[i]}"></span>${esc(r.name)}</th>${cells.join('')}<td><code>${esc(r.dir)}</code></td></tr>`;
  });
  return `<table class="summary">\n<thead>${head}</thead>\n<tbody>\n${rows.join('\n')}\n</tbody>\n</table>`;
}

/** The self-contained comparison page: the summary table, then the comparison figure (interactive). */
export function compareReportHtml(runs: RunSummary[], spec: VlSpec): string {
  const intro = `<h1>ring-attractor experiments compared</h1>
<p>${runs.length} experiment${runs.length === 1 ? '' : 's'}. Errors are the mean circular error on the test split (eval.json); final loss is the total loss of the last training step (metrics.arrow).</p>
${summaryTable(runs)}`;
  return htmlPage('ring-attractor experiments compared', intro, [{ id: 'compare', heading: 'Loss curves and test errors', spec }]);
}
