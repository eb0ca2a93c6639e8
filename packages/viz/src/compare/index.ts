export { compareRuns, COMPARE_FILES, type CompareOptions, type CompareResult } from './compareRuns.js';
export { compareSpec, experimentColours, DECODERS } from './compareSpec.js';
export { compareReportHtml, summaryTable } from './compareReport.js';
export { discoverRuns, type Discovery, type RunRef } from './discover.js';
export { readRunSummary, runName, type RunSummary } from './runSummary.js';
