export { writeFileAtomic, createAtomicWriteStream, tempPathFor, type AtomicStream } from './atomic.js';
export { UsageError, invalid, runMain, DEBUG_ENV } from './errors.js';
export { createProgress, PROGRESS_ENV, type Progress } from './progress.js';
export { envEpilogue } from './help.js';
export { readJsonObject, yargsFail } from './config-file.js';
export { packageVersion } from './version.js';
