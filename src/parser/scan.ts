/**
 * Scanners for the tokens whose regular expressions cannot be trusted on long input: identifiers, strings
 * and backticked names. Shared by the token definitions (vocabulary.ts, as Chevrotain custom patterns) and
 * the lexer (lexer.ts).
 *
 * Why by hand: V8's regexp engine keeps a backtracking entry per repetition of a group, and a long enough
 * token (an 8 MiB string of escapes, `a.a.a…`) overflows it with a RangeError. A scan is linear and flat.
 */

/** `[A-Za-z_]`. */
export function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

/** `[A-Za-z0-9_]`. */
export function isIdentPart(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57);
}

/** `[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*` at `offset`: the end offset, or -1. */
export function scanIdentifier(text: string, offset: number): number {
  if (!isIdentStart(text.charCodeAt(offset))) return -1;
  let i = offset + 1;
  for (;;) {
    while (i < text.length && isIdentPart(text.charCodeAt(i))) i++;
    // A dot continues the name only when a letter or `_` follows it (`a.` is `a`, then a stray dot).
    if (text.charCodeAt(i) === 46 && isIdentStart(text.charCodeAt(i + 1))) i += 2;
    else return i;
  }
}

/**
 * A quoted string at `offset` (`"` or `'`, backslash escapes, no raw line break): its end, negated when the
 * closing quote is missing (`-end`), or 0 when no quote is at `offset` (a string is never empty, so 0 is
 * free). Unterminated, it ends before the line break (a trailing backslash included).
 */
export function scanStringEnd(text: string, offset: number): number {
  const quote = text.charCodeAt(offset);
  if (quote !== 34 && quote !== 39) return 0;
  let i = offset + 1;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === quote) return i + 1;
    if (c === 10 || c === 13) break;
    if (c === 92) {
      const next = text.charCodeAt(i + 1);
      if (i + 1 >= text.length || next === 10 || next === 13) return -(i + 1);
      i += 2;
    } else i++;
  }
  return -i;
}

/** `scanStringEnd` as an object: the end and whether the closing quote was found, or null. */
export function scanString(text: string, offset: number): { end: number; terminated: boolean } | null {
  const end = scanStringEnd(text, offset);
  return end === 0 ? null : { end: Math.abs(end), terminated: end > 0 };
}

/**
 * `` `name` `` at `offset` (a doubled backtick stands for one, no line break): the end offset, or -1. As the
 * regular expression did: without a closing backtick, the first backtick of the last doubled one closes the
 * name (`` ``` `` is the empty name, then a stray backtick).
 */
export function scanQuotedName(text: string, offset: number): number {
  if (text.charCodeAt(offset) !== 96) return -1;
  let lastPair = -1;
  let i = offset + 1;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) break;
    if (c === 96) {
      if (text.charCodeAt(i + 1) !== 96) return i + 1;
      lastPair = i;
      i += 2;
    } else i++;
  }
  return lastPair < 0 ? -1 : lastPair + 1;
}
