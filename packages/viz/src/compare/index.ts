export { compareRuns, COMPARE_FILES, type CompareOptions, type CompareResult } from './compareRuns.js';
export { compareSpec, experimentColours, DECODERS } from './compareSpec.js';
export { compareReportHtml, summaryTable } from './compareReport.js';
export { readRunSummary, runName, trainFolder, type RunSummary } from './runSummary.js';
