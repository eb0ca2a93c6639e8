/** @ring-attractor/train: the training loop of docs/model.md §4 and the train-stage folder of docs/formats.md. */
export { train, type TrainOptions, type TrainResult } from './train.js';
export { trainStep, createTrainingState, type TrainingState, type Batch, type StepResult } from './step.js';
export { resolveRunConfig, modelOptions, type RunConfig, type RunConfigInput, type ModelConfig, type TrainConfig } from './config.js';
export { Adam, globalNorm, globalNormHost, clipFactor, clipGradients, type AdamOptions, type AdamState } from './optimizer.js';
export { encodeCheckpoint, decodeCheckpoint, checkResumable, type CheckpointState, type CheckpointFile, type NamedTensor } from './checkpoint.js';
export * from './formats/index.js';
export { estimateTrainingMemory, checkTrainingMemory, memoryLimit, parameterCount, BYTES_PER_ELEMENT, HEAP_LIMITS, type MemoryEstimate, type MemoryPart, type DataShape } from './memoryEstimate.js';
