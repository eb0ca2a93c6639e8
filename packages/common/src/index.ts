export { writeFileAtomic, createAtomicWriteStream, tempPathFor, type AtomicStream } from './atomic.js';
export { UsageError, invalid, runMain } from './errors.js';
export { createProgress, type Progress } from './progress.js';
export { readJsonObject, yargsFail } from './config-file.js';
export { packageVersion } from './version.js';
