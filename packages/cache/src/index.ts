export { startCacheServer, type CacheServer } from './server.js';
export { DEFAULT_MAX_BYTES, type CacheServerOptions } from './options.js';
export { isValidHash } from './hash.js';
