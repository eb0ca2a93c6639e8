export { DEFAULT_DATAGEN_CONFIG, MAX_SEQ_LEN, resolveDatagenConfig, type DatagenConfig, type SequenceParams } from './config.js';
export { SequenceGenerator, generateSequences, splitStream, type Sequences } from './generate.js';
export { CONFIG_METADATA_KEY, COLUMNS, datasetSchema, schemaProblem, sequenceBatch } from './arrow-format.js';
export {
  GENERATOR_NAME,
  GENERATOR_VERSION,
  MANIFEST_FILE,
  SPLIT_FILES,
  generateDataset,
  type DatasetManifest,
  type FileEntry,
  type GenerateOptions,
  type Split,
} from './writer.js';
export { DatasetError, loadSplit, openDataset, type Dataset } from './reader.js';
export { BatchSampler, type BatchSamplerState } from './sampler.js';
