import { createHash, timingSafeEqual } from 'node:crypto';

/** What a request may do: `write` implies read. */
export type Access = 'write' | 'read';

/** The outcome of checking a request's `Authorization` header. */
export type AuthResult = { ok: true; access: Access } | { ok: false; reason: 'missing' | 'invalid' };

/** The tokens a server accepts; with neither set the cache is open to anyone who can reach it. */
export interface Tokens {
  token?: string;
  readToken?: string;
}

// Digests have one length whatever the token's, so timingSafeEqual never throws and the
// comparison time says nothing about how long, or how right, the presented token was.
function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Builds the checker of `Authorization: Bearer …` headers for `tokens`. */
export function createAuthorizer(tokens: Tokens): (header: string | undefined) => AuthResult {
  const write = tokens.token === undefined ? undefined : digest(tokens.token);
  const read = tokens.readToken === undefined ? undefined : digest(tokens.readToken);
  return (header) => {
    if (write === undefined && read === undefined) return { ok: true, access: 'write' };
    const match = header === undefined ? null : /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    if (match === null) return { ok: false, reason: 'missing' };
    const presented = digest(match[1]);
    // Both comparisons always run, so timing does not tell a read token from a write token either.
    const isWrite = write !== undefined && timingSafeEqual(presented, write);
    const isRead = read !== undefined && timingSafeEqual(presented, read);
    if (isWrite) return { ok: true, access: 'write' };
    if (isRead) return { ok: true, access: 'read' };
    return { ok: false, reason: 'invalid' };
  };
}
