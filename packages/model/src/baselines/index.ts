/** The reference's baselines (GRU and causal transformer): models, losses, the fused GRU op. */
export {
  DEFAULT_GRU_CONFIG,
  DEFAULT_TRANSFORMER_CONFIG,
  REFERENCE_TRANSFORMER_CONFIG,
  GRU_LOSS_WEIGHTS,
  TRANSFORMER_LOSS_WEIGHTS,
  GRU_OPTIMIZER,
  TRANSFORMER_OPTIMIZER,
  resolveGruConfig,
  resolveTransformerConfig,
  BASELINE_KERNELS,
  type GruConfig,
  type BaselineKernel,
  type TransformerConfig,
} from './config.js';
export { GruIntegrator, gruParameterShapes, gruInitialWeights, type ForwardOptions } from './gru.js';
export { gruStackTfjs, runGruStack, gruDims, type GruStackInputs, type GruLayerWeights, type GruDims } from './gruStack.js';
export { fusedGruStack, configureBaselineKernel, baselineKernelThreads, disposeBaselineKernel, baselineKernelMemoryBytes, type FusedGruOptions } from './kernel/fusedGru.js';
export type { GruEngine, GruHostInputs, GruHostGradients } from './kernel/engine.js';
export { selectBaselineKernel, defaultBaselineKernel, baselineKernelInfo, type BaselineKernelInfo } from './kernel/select.js';
export { integrationAwareLoss, transformerLoss, decodeSinCos, lossParts, type GruLosses, type TransformerLosses, type LossWeights, type LossParts } from './losses.js';
export { DropoutStream, maskTensor, maskValues, maskHash, type DropoutSpec } from './dropout.js';
export { denseOps, tfjsOps, type DenseOps, type ActivationKind, type EncoderLayerWeights, type EncoderLayerDropout, type NormMlpWeights } from './ops.js';
export { fusedOps } from './kernel/fusedOps.js';
export { CausalTransformer, transformerParameterShapes, transformerInitialWeights, POSITIONAL_BUFFER } from './transformer.js';
export { positionalTable } from './positional.js';
