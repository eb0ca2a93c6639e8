import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createProgress, writeFileAtomic } from '@ring-attractor/common';
import type { ModelKind } from '@ring-attractor/config';
import { colourMap, symmetricDomain } from './colour.js';
import { connectivitySpec } from './figures/connectivity.js';
import { lossSpec } from './figures/loss.js';
import { performanceSpec } from './figures/performance.js';
import { weightsLayout, weightsSpec } from './figures/weights.js';
import { FfmpegMissingError, resolveFfmpeg, type FfmpegBinary, type FfmpegSearch } from './ffmpeg.js';
import { renderFramesInOrder } from './framePool.js';
import { snapshotFigure } from './frames.js';
import { encodeMovies } from './movie.js';
import { specToPng, type VlSpec } from './render.js';
import { reportHtml, snapshotSliderSpec, type ReportFigure } from './report.js';
import { readRun, type RunData } from '@ring-attractor/train/formats';
import { readEvaluation, readTrace, EVAL_FILES, TRACE_STEPS, type Evaluation, type Trace } from '@ring-attractor/eval/files';
import { driftSpec, driftStartsText, errorBinsSpec, errorByStepSpec, gainSpec } from './figures/eval/index.js';
import { existsSync } from 'node:fs';
import type { MovieFormat, VizConfig } from './vizConfig.js';

/** What ring-viz reads: a train-stage folder and the eval-stage folder of the same model. */
export interface VizInputs {
  run: RunData;
  evaluation: Evaluation;
  /** The reference's one-sequence trace (models with a bump). */
  trace?: Trace;
}

/** Reads and checks both folders before anything is written. */
export function readVizInputs(runDir: string, evalDir: string): VizInputs {
  const run = readRun(runDir);
  const evaluation = readEvaluation(evalDir);
  const trace = existsSync(join(evalDir, EVAL_FILES.trace)) ? readTrace(evalDir, run.snapshots.n) : undefined;
  return { run, evaluation, trace };
}

/** Inputs of {@link renderRun}. */
export interface VizOptions {
  runDir: string;
  evalDir: string;
  outDir: string;
  config: VizConfig;
  ffmpeg?: FfmpegSearch;
  /** Frame-rendering workers (default: one per core, at most 4). */
  workers?: number;
  /** One-line status messages (default: stderr). */
  log?: (line: string) => void;
}

/** What was written and how long each part took (seconds). */
export interface VizResult {
  files: string[];
  frames: number;
  seconds: { read: number; figures: number; report: number; movies: number; total: number };
  ffmpeg?: FfmpegBinary;
}

/** Every static figure of a run, by output name (spec of `<name>.vl.json`, PNG `<name>.png`), in report order. */
export async function staticSpecs(inputs: VizInputs, config: VizConfig): Promise<Record<string, VlSpec>> {
  const { run, evaluation: ev, trace } = inputs;
  const s = run.snapshots;
  const last = s.steps.length - 1;
  const kind = run.run.config.model.kind;
  const specs: Record<string, VlSpec> = { loss: lossSpec(run.metrics, config) };
  if (trace) specs.performance = await performanceSpec(trace, config);
  for (const d of ev.summary.datasets) {
    const t = ev.datasets[d.name];
    specs[`error_by_step_${d.name}`] = errorByStepSpec(t.byStep, { dataset: d.name, trainSeqLen: ev.summary.train_seq_len, kind, width: config.width });
    specs[`error_bins_${d.name}`] = errorBinsSpec(t.bySpeed, t.byStill, { dataset: d.name, kind, width: config.width });
  }
  specs.drift = driftSpec(ev.driftTrace, { kind, width: config.width });
  specs.gain = gainSpec(ev.gain, { maxAv: ev.summary.config.max_av, fit: ev.summary.gain.fit, kind, width: config.width });
  // Weight pictures are a ring's: its matrices are N×N on the ring. The baselines snapshot none.
  if (s.n === 0) return specs;
  const movieDomain = symmetricDomain(s.names.flatMap((n) => s.matrices[n]));
  Object.assign(specs, {
    weights_initial: await weightsSpec(snapshotFigure(s, 0, 'Weight matrices, initial'), config),
    weights_final: await weightsSpec(snapshotFigure(s, last, 'Weight matrices, final'), config),
    connectivity: connectivitySpec(s, config),
    // The movie's frame template: frame 0; each frame swaps the images, title and subtitle.
    weights_frame: await weightsSpec(snapshotFigure(s, 0, 'Weights during training', movieDomain), config),
  });
  return specs;
}

/** The report's heading of a figure of a model of `kind`. */
export function figureHeading(id: string, kind: ModelKind): string {
  const fixed: Record<string, string> = {
    loss: 'Training loss',
    performance: `The reference's evaluation: one T = ${TRACE_STEPS} sequence`,
    drift: `Stationary drift: ${driftStartsText(kind).heading}`,
    gain: 'Velocity gain: decoded against true angular speed',
    weights_initial: 'Weight matrices before training',
    weights_final: 'Weight matrices after training',
    weights_snapshots: 'Weights during training (drag the slider)',
    connectivity: 'Connectivity profiles (mean weight vs ring offset)',
    weights_frame: 'Movie frame template (first frame)',
  };
  if (fixed[id]) return fixed[id];
  const m = /^error_(by_step|bins)_(.+)$/.exec(id);
  if (m) return m[1] === 'by_step' ? `Error against time step on ${m[2]}` : `Error by speed and by time since the last motion on ${m[2]}`;
  return id;
}

/** Renders everything from a train-stage folder: PNGs + specs, report.html, then the movies. */
export async function renderRun(opts: VizOptions): Promise<VizResult> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const t0 = performance.now();
  const lap = (() => {
    let last = t0;
    return () => {
      const now = performance.now();
      const s = (now - last) / 1000;
      last = now;
      return s;
    };
  })();
  const { config } = opts;
  const inputs = readVizInputs(opts.runDir, opts.evalDir);
  const { run } = inputs;
  const seconds = { read: lap(), figures: 0, report: 0, movies: 0, total: 0 };
  mkdirSync(opts.outDir, { recursive: true });
  const files: string[] = [];
  const write = async (name: string, data: string | Uint8Array): Promise<void> => {
    await writeFileAtomic(join(opts.outDir, name), data);
    files.push(name);
  };

  const formats: MovieFormat[] = config.formats;
  let ffmpeg: FfmpegBinary | undefined;
  let missing: FfmpegMissingError | undefined;
  if (formats.length > 0) {
    try {
      ffmpeg = await resolveFfmpeg(opts.ffmpeg);
      log(`ffmpeg: ${ffmpeg.path} (from ${ffmpeg.source})`);
    } catch (err) {
      if (!(err instanceof FfmpegMissingError)) throw err;
      missing = err;
    }
  }

  const specs = await staticSpecs(inputs, config);
  for (const [name, spec] of Object.entries(specs)) {
    await write(`${name}.vl.json`, `${JSON.stringify(spec, null, 1)}\n`);
    if (name !== 'weights_frame') await write(`${name}.png`, await specToPng(spec));
  }
  seconds.figures = lap();

  const s = run.snapshots;
  const hasWeights = s.n > 0;
  const movieCmap = hasWeights ? colourMap(config.scheme, symmetricDomain(s.names.flatMap((n) => s.matrices[n])), config.reverse_scheme) : undefined;
  let all: Record<string, VlSpec> = specs;
  if (movieCmap) {
    const slider = await snapshotSliderSpec(run, movieCmap, config.report_snapshots);
    await write('weights_snapshots.vl.json', `${JSON.stringify(slider, null, 1)}\n`);
    const { weights_frame: frame, ...rest } = specs;
    all = { ...rest, weights_snapshots: slider, weights_frame: frame };
  }
  const figures: ReportFigure[] = Object.entries(all).map(([id, spec]) => ({ id, heading: figureHeading(id, run.run.config.model.kind), spec }));
  await write('report.html', reportHtml(inputs, figures));
  seconds.report = lap();

  let frames = 0;
  if (!movieCmap && formats.length > 0) log(`movies: none (a ${run.run.config.model.kind} model has no weight matrices to picture)`);
  if (missing && movieCmap) throw missing;
  if (ffmpeg && movieCmap && formats.length > 0) {
    const layout = weightsLayout(s.names.length, config.width);
    const domain = movieCmap.domain;
    const count = s.steps.length;
    const progress = createProgress(count, 'frames');
    const outputs: Partial<Record<MovieFormat, string>> = {};
    for (const f of formats) outputs[f] = join(opts.outDir, `weights_evolution.${f}`);
    await encodeMovies(
      { ffmpeg: ffmpeg.path, width: layout.width, height: layout.height, fps: config.fps, outputs },
      renderFramesInOrder(count, (index) => ({ index, figure: snapshotFigure(s, index, 'Weights during training', domain), config }), opts.workers),
      (done) => progress.update(done),
    );
    progress.stop();
    frames = count;
    for (const f of formats) files.push(`weights_evolution.${f}`);
  }
  seconds.movies = lap();
  seconds.total = (performance.now() - t0) / 1000;
  return { files, frames, seconds, ffmpeg };
}
