/** `ring-cache`'s command line as data: the CLI parses with it and the README's flag table is generated from it. */
import type { Options } from 'yargs';
import { DEBUG_ENV } from '@ring-attractor/common';
import { DEFAULT_MAX_BYTES } from './options.js';

/** The usage, flags and environment of `ring-cache`. */
export const CACHE_CLI = {
  name: 'ring-cache',
  usage:
    '$0 --dir DIR --port PORT [options]\n\n' +
    'Serves the nx self-hosted remote cache API (GET/PUT /v1/cache/{hash}) over a folder. Point nx at it with\n' +
    'NX_SELF_HOSTED_REMOTE_CACHE_SERVER=http://HOST:PORT (and NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN=TOKEN).\n' +
    'The tokens can also come from RING_CACHE_TOKEN and RING_CACHE_READ_TOKEN, which keeps them out of `ps`.',
  options: {
    dir: { type: 'string', demandOption: true, describe: 'folder holding the entries (created if missing)' },
    port: { type: 'string', demandOption: true, describe: 'TCP port; 0 picks a free one' },
    host: { type: 'string', default: '127.0.0.1', describe: 'address to listen on (0.0.0.0: every interface)' },
    token: { type: 'string', describe: 'bearer token that may read and write (default: $RING_CACHE_TOKEN, else none needed)' },
    'read-token': { type: 'string', describe: 'bearer token that may only read, needs a --token (default: $RING_CACHE_READ_TOKEN)' },
    'max-bytes': { type: 'string', describe: `largest entry in bytes (default ${DEFAULT_MAX_BYTES}, 2 GiB)` },
    quiet: { type: 'boolean', default: false, describe: 'do not log a line per request' },
  } as const satisfies Record<string, Options>,
  env: {
    RING_CACHE_TOKEN: 'the token that may read and write, if no --token',
    RING_CACHE_READ_TOKEN: 'the token that may only read, if no --read-token',
    ...DEBUG_ENV,
  },
};
