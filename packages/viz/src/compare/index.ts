export { compareRuns, compareSpecs, type CompareOptions, type CompareResult } from './compareRuns.js';
export { compareSpec, experimentColours } from './compareSpec.js';
export { compareReportHtml, summaryTable, sharedDatasets } from './compareReport.js';
export { readRunSummary, runName, testErrors, STAGE_FOLDERS, type RunSummary } from './runSummary.js';
