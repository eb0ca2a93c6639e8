/** Model checkpoints: safetensors with state-dict names (docs/model.md §6) and the model config in `__metadata__`. */
import { modelFromStoredConfig, storedModelConfig, type AnyModel } from './models.js';
import type { KernelName } from './recurrence.js';
import { loadSafetensors, saveSafetensors } from './safetensors.js';

/** The metadata key that holds the model config (its kind and fields) as JSON. */
export const CONFIG_METADATA_KEY = 'ring_attractor.model';

/**
 * Saves every parameter and fixed buffer (the ring's `W_delta7`, the transformer's positional table,
 * so PyTorch loads the file with strict=True), the model config and `metadata`, atomically.
 */
export async function saveModel(path: string, model: AnyModel, metadata: Record<string, string> = {}): Promise<void> {
  if (CONFIG_METADATA_KEY in metadata) throw new Error(`saveModel: metadata key "${CONFIG_METADATA_KEY}" is reserved for the model config`);
  const tensors = { ...model.getWeights(), ...model.buffers() };
  await saveSafetensors(path, tensors, { ...metadata, [CONFIG_METADATA_KEY]: JSON.stringify(storedModelConfig(model)) });
}

/** A model rebuilt from a checkpoint, and the checkpoint's metadata (config included). */
export interface LoadedModel {
  model: AnyModel;
  metadata: Record<string, string>;
}

/**
 * Rebuilds the model from the config stored in the file and loads every tensor; a missing,
 * extra or misshapen tensor is an error naming it, and nothing is half-loaded.
 * `overrides.kernel` picks the implementation (it does not change the parameters).
 */
export async function loadModelWithMetadata(path: string, overrides: { kernel?: KernelName } = {}): Promise<LoadedModel> {
  const { tensors, metadata } = await loadSafetensors(path);
  const raw = metadata[CONFIG_METADATA_KEY];
  if (raw === undefined) throw new Error(`${path}: no model config in the checkpoint metadata (key "${CONFIG_METADATA_KEY}")`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new Error(`${path}: model config in the metadata is not JSON (${(err as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`${path}: model config in the metadata is not an object`);
  const model = modelFromStoredConfig(parsed as Record<string, unknown>, overrides.kernel);
  try {
    model.setWeights(tensors);
  } catch (err) {
    model.dispose();
    throw new Error(`${path}: ${(err as Error).message}`);
  }
  return { model, metadata };
}

/** Rebuilds the model saved at `path` (see loadModelWithMetadata). */
export async function loadModel(path: string, overrides: { kernel?: KernelName } = {}): Promise<AnyModel> {
  return (await loadModelWithMetadata(path, overrides)).model;
}
