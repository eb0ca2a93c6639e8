/** @ring-attractor/eval: what a trained model does beyond its training error (drift, speed, stillness, gain). */
export { DEFAULT_EVAL_CONFIG, RUNTIME_DEFAULTS, resolveEvalConfig, checkRuntimeOptions, type EvalConfig } from './config.js';
export { DECODERS, KIND_OUTPUTS, angleFromSinCos, checkRun, type AdapterRun, type Decoder, type ModelAdapter } from './adapter.js';
export { ringAdapter, readBump } from './ringAdapter.js';
export { circularDistance, unwrapFrom, wrapToPi, DEG } from './circular.js';
export { mean, quantileSorted, summarize, fitLine, slopeOverIndex, type LineFit, type Summary } from './stats.js';
export { runInChunks, sequencesPerChunk, type RunInputs } from './chunks.js';
export {
  errorByStep,
  errorBySpeed,
  errorByStillTime,
  errorSummary,
  lastSteps,
  speedBins,
  speedBinIndex,
  stillBins,
  stillBinIndex,
  stepsSinceMotion,
  BEFORE_FIRST_MOTION,
  type Bin,
} from './errorTables.js';
export { datasetErrors, evaluateDataset, startAngles, type EvalDataset } from './datasetEval.js';
export { stationaryDrift, driftTables, driftStarts, driftFromDecoded, amplitudeRatios, survives, type DriftResult } from './drift.js';
export { velocityGain, gainTables, gainVelocities, decodedSpeed, inTrainedRange, type GainResult } from './gain.js';
export { evaluate, totalSteps, type EvaluateOptions } from './evaluate.js';
export {
  EVAL_FILES,
  DATASET_FILES,
  SCHEMAS,
  rowsToIpc,
  ipcToRows,
  readTable,
  readEvalSummary,
  readEvaluation,
  writeEvaluation,
  type ErrorByStepRow,
  type ErrorBySpeedRow,
  type ErrorByStillRow,
  type DriftTraceRow,
  type DriftRow,
  type GainRow,
  type DecoderErrorSummary,
  type DatasetSummary,
  type DriftHorizonSummary,
  type EvalSummary,
  type DatasetTables,
  type Evaluation,
} from './files.js';
export { TRACE_FILE, TRACE_STEPS, traceToIpc, readTrace, type Trace, type TraceData } from './trace.js';
export { referenceTrace, traceSequenceParams } from './referenceTrace.js';
