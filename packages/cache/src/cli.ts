/** `ring-cache --dir D --port P [options]`: serves nx's self-hosted remote cache API over a folder. */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { UsageError, envEpilogue, invalid, packageVersion, runMain, yargsFail } from '@ring-attractor/common';
import { CACHE_CLI } from './cliSpec.js';
import { checkToken } from './options.js';
import { startCacheServer } from './server.js';

/** A whole number typed as a flag, or a UsageError naming the flag. */
function wholeNumber(flag: string, raw: string, min: number, max: number): number {
  const n = /^\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) invalid(flag, `an integer in [${min}, ${max}]`, raw);
  return n;
}

/** A token from its flag, else from the environment variable `name`. */
function tokenFrom(flag: string | undefined, name: string): string | undefined {
  const token = flag ?? process.env[name];
  if (flag === undefined) checkToken(name, token);
  return token;
}

/** Turns a failure to bind into a one-line error naming the flag at fault. */
function bindError(err: NodeJS.ErrnoException, host: string, port: string): Error {
  switch (err.code) {
    case 'EADDRINUSE':
      return new UsageError(`--port: expected a free port (got ${port}: already in use on ${host})`);
    case 'EACCES':
      return new UsageError(`--port: expected a port this user may bind (got ${port}: permission denied)`);
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new UsageError(`--host: expected an address of this machine (got ${JSON.stringify(host)}: ${err.code})`);
    default:
      return err;
  }
}

async function main(): Promise<void> {
  const argv = await yargs(hideBin(process.argv))
    .scriptName(CACHE_CLI.name)
    .usage(CACHE_CLI.usage)
    .options(CACHE_CLI.options)
    .epilogue(envEpilogue(CACHE_CLI.env))
    .parserConfiguration({ 'duplicate-arguments-array': false })
    .strict()
    .help()
    .alias('h', 'help')
    .version(packageVersion(import.meta.url))
    .fail(yargsFail)
    .parseAsync();

  const port = wholeNumber('--port', argv.port, 0, 65535);
  const maxBytes = argv['max-bytes'] === undefined ? undefined : wholeNumber('--max-bytes', argv['max-bytes'], 1, Number.MAX_SAFE_INTEGER);
  const dir = argv.dir;
  let server;
  try {
    server = await startCacheServer({
      dir,
      port,
      host: argv.host,
      token: tokenFrom(argv.token, 'RING_CACHE_TOKEN'),
      readToken: tokenFrom(argv['read-token'], 'RING_CACHE_READ_TOKEN'),
      maxBytes,
      log: argv.quiet ? () => {} : undefined,
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.syscall === 'listen' || e.syscall === 'getaddrinfo') throw bindError(e, argv.host, argv.port);
    if (e.code !== undefined && e.path !== undefined) throw new UsageError(`--dir: expected a folder this user can write (got ${JSON.stringify(dir)}: ${e.code})`);
    throw err;
  }
  process.stdout.write(`ring-cache: listening on ${server.url}\n`);

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  process.stderr.write(`ring-cache: ${signal}, shutting down\n`);
  await server.close();
}

await runMain(main);
