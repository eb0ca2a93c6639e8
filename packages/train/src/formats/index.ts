/**
 * @ring-attractor/train/formats: every file the train stage writes (docs/formats.md), with its name,
 * Arrow schema, writer and reader, in one place; readers (viz, compare) import it. No tfjs here.
 */
export { RUN_FILES, CONFIG_KEY, type RunFile } from './names.js';
export { badRunFile, stageHint, readRunBytes, parseTable, tensorMetadata, tableBytes, flat, fixedList, listRows, numbers, type Column } from './arrowTables.js';
export { lossColumn, lossParts, metricsToIpc, metricsFromIpc, readMetrics, type MetricsRow, type Metrics } from './metrics.js';
export { snapshotsToIpc, snapshotsFromIpc, readSnapshots, type SnapshotRow, type Snapshots, type MatrixColumn } from './snapshots.js';
export { readRunJson, readRunRecord, type RunRecord } from './runJson.js';
export { readRun, checkRunDir, type RunData } from './runFolder.js';
export type { RunConfig } from '../config.js';
