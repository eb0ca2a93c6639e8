/** @ring-attractor/model: the leaky ring-attractor network in tfjs (docs/model.md §2, §3, §5, §6). */
import './gradients.js';

export { LeakyRingAttractor, parameterName, type ForwardResult } from './model.js';
export { resolveConfig, DEFAULT_CONFIG, type ModelConfig, type ModelConfigInput, type Initialization, type KernelName } from './config.js';
export { avToActions, actionChannelSide } from './actions.js';
export { weightMatrixNames, actionMatrixName, gainNetPrefix, parameterShapes, COSINE_FILTER_BUFFER } from './names.js';
export { initialWeights, type Weights, type WeightTensor } from './init.js';
export { initialBump, preferredAngles, cosineMatrix } from './geometry.js';
export { cosineOutput } from './readout.js';
export { angleLoss, bumpLoss, totalLoss, trainingLoss, populationVector, type Losses } from './losses.js';
export { ringReadout, type RingReadout } from './ringReadout.js';
export { decodePopulationVector, decodeArgmax, circularError } from './decode.js';
export { sanityCheck, SANITY_MAX_ANGLE_LOSS } from './sanity.js';
export { selectBackend, BACKEND_ORDER, type BackendName, type BackendChoice } from './backend.js';
export { saveSafetensors, loadSafetensors, encodeSafetensors, decodeSafetensors, readSafetensorsMetadata, TENSOR_SHA256_KEY, type SafetensorsContent } from './safetensors.js';
export { saveModel, loadModel, loadModelWithMetadata, CONFIG_METADATA_KEY, type LoadedModel } from './checkpoint.js';
export {
  recurrenceTfjs,
  runRecurrence,
  defaultKernel,
  kernelByName,
  KERNEL_NAMES,
  activate,
  type Activation,
  type RecurrenceConstants,
  type RecurrenceInputs,
} from './recurrence.js';
export {
  wasmRecurrence,
  nativeRecurrence,
  configureKernels,
  kernelThreads,
  disposeKernels,
  selectKernel,
  parseKernelChoice,
  kernelInfo,
  nativeInfo,
  setNativeIsa,
  nativeUnavailableReason,
  disposeWasmKernel,
  disposeNativeKernel,
  wasmKernelMemoryBytes,
  nativeKernelMemoryBytes,
  nativeAdamUpdate,
  nativeFmaPeak,
  type KernelOptions,
  type KernelChoice,
  type KernelInfo,
  type NativeInfo,
} from './kernel/index.js';
export * from './baselines/index.js';
export { createModel, modelKind, storedModelConfig, modelFromStoredConfig, baselineKernel, type AnyModel, type ModelOptions, type ModelKind } from './models.js';
