/** The part of `--help` every command line shares: the environment variables it reads. */

/** The `Environment:` epilogue of `--help`: one line per variable, names aligned. */
export function envEpilogue(env: Readonly<Record<string, string>>): string {
  const width = Math.max(...Object.keys(env).map((k) => k.length));
  return `Environment:\n${Object.entries(env).map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n')}`;
}
