/**
 * @ring-attractor/train/formats: every file the train stage writes (docs/formats.md), with its name,
 * Arrow schema, writer and reader, in one place; readers (viz, compare, eval) import it. No tfjs here.
 */
export { RUN_FILES, CONFIG_KEY, DATASET_KEY, STEP_KEY, type RunFile } from './names.js';
export {
  badRunFile,
  stageHint,
  readRunBytes,
  parseTable,
  tensorMetadata,
  tableBytes,
  flat,
  fixedList,
  listRows,
  numbers,
  identityMetadata,
  recordBatch,
  type Column,
  type RunIdentity,
} from './arrowTables.js';
export { ArrowAppender, scanAppended, readBlocks, readFooter, type FileMark, type ScannedFile } from './appendable.js';
export { lossColumn, lossParts, metricsSchema, metricsBatch, metricsRows, metricsToIpc, metricsFromIpc, readMetrics, type MetricsRow, type Metrics } from './metrics.js';
export { snapshotsSchema, snapshotsBatch, snapshotsToIpc, snapshotsFromIpc, readSnapshots, type SnapshotRow, type Snapshots, type MatrixColumn } from './snapshots.js';
export { readRunJson, readRunRecord, type RunRecord } from './runJson.js';
export { readRun, checkRunDir, checkRunFiles, type RunData } from './runFolder.js';
export type { RunConfig } from '../config.js';
