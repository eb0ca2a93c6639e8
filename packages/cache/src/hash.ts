/**
 * nx names an entry by its task hash (a decimal string today). Accepting only letters, digits, `_`
 * and `-` keeps every hash a plain file name: no `/`, no `..`, no leading dot (temp files start
 * with one), no percent-encoding to decode.
 */
const HASH = /^[A-Za-z0-9_-]{1,128}$/;

/** Whether `hash` can name an entry in the cache folder. */
export function isValidHash(hash: string): boolean {
  return HASH.test(hash);
}
