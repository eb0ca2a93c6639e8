/** The whole evaluation of one model: every dataset's tables, the stationary drift and the velocity gain. */
import type { ModelAdapter } from './adapter.js';
import type { EvalConfig } from './config.js';
import { evaluateDataset, type EvalDataset } from './datasetEval.js';
import { stationaryDrift } from './drift.js';
import type { DatasetTables, EvalSummary, Evaluation } from './files.js';
import { velocityGain } from './gain.js';

/** What {@link evaluate} needs besides the model. */
export interface EvaluateOptions {
  datasets: readonly EvalDataset[];
  /** Resolved options, with max_av settled (the trained range). */
  config: EvalConfig & { max_av: number };
  /** Describes the model in eval.json (file hash, kind, backend, kernel, …). */
  model: Record<string, unknown>;
  trainedOn: string | null;
  trainSeqLen: number | null;
  /** Called after every model run with sequence-steps done and the total. */
  progress?: (done: number, total: number) => void;
}

/** Sequence-steps the evaluation runs in all (for progress). */
export function totalSteps(opts: Pick<EvaluateOptions, 'datasets' | 'config'>): number {
  const c = opts.config;
  const data = opts.datasets.reduce((s, d) => s + d.split.count * d.split.seqLen, 0);
  return data + c.drift_starts * c.drift_horizons[c.drift_horizons.length - 1] + c.gain_velocities * (c.gain_settle + c.gain_window);
}

/** Evaluates `adapter` on every dataset, then the drift and gain probes; deterministic for a deterministic adapter. */
export async function evaluate(adapter: ModelAdapter, opts: EvaluateOptions): Promise<Evaluation> {
  const { config } = opts;
  const total = totalSteps(opts);
  let done = 0;
  const tick = (n: number): void => {
    done += n;
    opts.progress?.(done, total);
  };
  const datasets: Record<string, DatasetTables> = {};
  const summaries: EvalSummary['datasets'] = [];
  for (const ds of opts.datasets) {
    const { tables, summary } = await evaluateDataset(adapter, ds, config, opts.trainSeqLen, tick);
    datasets[ds.name] = tables;
    summaries.push(summary);
  }
  const drift = await stationaryDrift(adapter, config, tick);
  const gain = await velocityGain(adapter, config, tick);
  const summary: EvalSummary = {
    version: 1,
    model: { ...opts.model, decoders: [...adapter.decoders], has_bump: adapter.hasBump },
    trained_on: opts.trainedOn,
    train_seq_len: opts.trainSeqLen,
    config: { ...config, drift_horizons: [...config.drift_horizons] },
    datasets: summaries,
    drift: { horizons: drift.horizons },
    gain: { fit: gain.fit },
  };
  return { summary, datasets, drift: drift.rows, driftTrace: drift.trace, gain: gain.rows };
}
