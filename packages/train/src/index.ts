/** @ring-attractor/train: the training loop of SPEC §4 and the train-stage output folder of FORMATS.md. */
export { train, OUTPUT_FILES, type TrainOptions, type TrainResult } from './train.js';
export { resolveConfig, modelFields, DEFAULT_CONFIG, CONFIG_KEYS, type TrainConfig, type Activation, type Initialization } from './config.js';
export { Adam, globalNorm, clipFactor, clipGradients, type AdamOptions, type AdamState } from './optimizer.js';
export {
  CONFIG_METADATA_KEY,
  metricsToIpc,
  metricsFromIpc,
  snapshotsToIpc,
  snapshotsFromIpc,
  evalTraceToIpc,
  type MetricsRow,
  type SnapshotRow,
  type EvalTrace,
} from './arrow.js';
export { encodeCheckpoint, decodeCheckpoint, checkResumable, type TrainState, type CheckpointFile, type NamedTensor } from './checkpoint.js';
export { evaluateSplit, evalTrace, evalSequenceParams, type TestMetrics } from './evaluate.js';
