/** Model checkpoints: safetensors with state-dict names (docs/model.md §6) and the model config in `__metadata__`. */
import { resolveConfig, type ModelConfigInput } from './config.js';
import { LeakyRingAttractor } from './model.js';
import { loadSafetensors, saveSafetensors } from './safetensors.js';

/** The metadata key that holds the model config (ModelConfig) as JSON. */
export const CONFIG_METADATA_KEY = 'ring_attractor.model';

/** Saves every parameter, the model config and `metadata` atomically. */
export async function saveModel(path: string, model: LeakyRingAttractor, metadata: Record<string, string> = {}): Promise<void> {
  if (CONFIG_METADATA_KEY in metadata) throw new Error(`saveModel: metadata key "${CONFIG_METADATA_KEY}" is reserved for the model config`);
  await saveSafetensors(path, model.getWeights(), { ...metadata, [CONFIG_METADATA_KEY]: JSON.stringify(model.config) });
}

/** A model rebuilt from a checkpoint, and the checkpoint's metadata (config included). */
export interface LoadedModel {
  model: LeakyRingAttractor;
  metadata: Record<string, string>;
}

/**
 * Rebuilds the model from the config stored in the file and loads every tensor; a missing,
 * extra or misshapen tensor is an error naming it, and nothing is half-loaded.
 * `overrides` replaces config fields that do not change the parameters (e.g. `kernel`).
 */
export async function loadModelWithMetadata(path: string, overrides: Pick<ModelConfigInput, 'kernel'> = {}): Promise<LoadedModel> {
  const { tensors, metadata } = await loadSafetensors(path);
  const raw = metadata[CONFIG_METADATA_KEY];
  if (raw === undefined) throw new Error(`${path}: no model config in the checkpoint metadata (key "${CONFIG_METADATA_KEY}")`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new Error(`${path}: model config in the metadata is not JSON (${(err as Error).message})`);
  }
  const config = resolveConfig({ ...(parsed as ModelConfigInput), ...overrides });
  const model = new LeakyRingAttractor(config);
  try {
    model.setWeights(tensors);
  } catch (err) {
    model.dispose();
    throw new Error(`${path}: ${(err as Error).message}`);
  }
  return { model, metadata };
}

/** Rebuilds the model saved at `path` (see loadModelWithMetadata). */
export async function loadModel(path: string, overrides: Pick<ModelConfigInput, 'kernel'> = {}): Promise<LeakyRingAttractor> {
  return (await loadModelWithMetadata(path, overrides)).model;
}
