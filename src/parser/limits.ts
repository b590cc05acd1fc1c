/**
 * Every size limit of segql, in one place. Each is refused with a positioned error diagnostic, fast and
 * before the stage it protects does the costly work, so no input runs long or overflows the stack.
 *
 * Why these numbers (measured on Node 20, default 984 KB stack; test/hardening checks each at its limit
 * under a much smaller stack):
 * - `nesting`: the Chevrotain parser uses ~3.7 KB of stack per level of parentheses (~4 KB per `where`),
 *   so 64 levels take about 300 KB, a third of the default stack, and a language server or test runner
 *   calling `parse` from a deep stack keeps a wide margin. Every later stage recurses at most a small
 *   constant times this depth (the checker counts the segments a condition refers to as nested in it).
 * - `maxInputBytes`: 1 MB of text parses, checks and formats in about a second; a larger text is refused
 *   before it is even tokenized.
 */

/** The limits, all optional when passed as options (missing ones take `LIMITS`' values). */
export interface Limits {
  /** Largest text accepted, in UTF-8 bytes (1 MB = 1,000,000 bytes by default). */
  maxInputBytes: number;
  /**
   * Deepest nesting of one condition: each `(`, `not` and `where` opens a level. A condition that refers
   * to a segment (`in segment "X"`) counts X's nesting plus one at that place.
   */
  nesting: number;
  /** Most values in one list (`in (…)`, `has any (…)`). */
  listValues: number;
  /** Most segment declarations in one text. */
  segments: number;
  /** Longest chain of `in segment` references (A refers to B, which refers to C: 2). */
  referenceDepth: number;
  /** Most syntax errors reported for one text; one more diagnostic says that more follow. */
  syntaxErrors: number;
}

/** The default limits. */
export const LIMITS: Readonly<Limits> = Object.freeze({
  maxInputBytes: 1_000_000,
  nesting: 64,
  listValues: 10_000,
  segments: 10_000,
  referenceDepth: 32,
  syntaxErrors: 100,
});

/**
 * The most `nesting` may be raised to: the parser needs ~4 KB of stack a level, so 100 levels take ~430 KB
 * of Node's default 984 KB stack. Above that, an input at the limit could overflow the stack.
 */
export const MAX_NESTING_LIMIT = 100;

/** Options that take limits: any subset of `Limits`, the rest stay at their defaults. */
export interface LimitOptions {
  limits?: Partial<Limits>;
}

/**
 * The limits in force: `LIMITS` overridden by `options`. Throws a `RangeError` naming the option when a
 * value is not a positive whole number (a caller's mistake, not a problem in the text).
 */
export function resolveLimits(limits: Partial<Limits> | undefined): Limits {
  if (limits === undefined) return LIMITS;
  const out: Limits = { ...LIMITS };
  for (const key of Object.keys(LIMITS) as (keyof Limits)[]) {
    const value = limits[key];
    if (value === undefined) continue;
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
      throw new RangeError(`limits.${key} must be a whole number of at least 1, found ${String(value)}`);
    }
    if (key === "nesting" && value > MAX_NESTING_LIMIT) {
      throw new RangeError(`limits.nesting can be at most ${MAX_NESTING_LIMIT} (each level takes ~4 KB of stack in the parser), found ${value}`);
    }
    out[key] = value;
  }
  return out;
}

/**
 * The offset at which `text` grows past `maxBytes` UTF-8 bytes, or -1 when it fits. Linear, and only
 * scans texts that could be too long (a UTF-16 unit is at most 3 UTF-8 bytes).
 */
export function offsetPastBytes(text: string, maxBytes: number): number {
  if (text.length * 3 <= maxBytes) return -1;
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4; // a surrogate pair is one 4-byte character
      if (bytes > maxBytes) return i;
      i++;
      continue;
    } else bytes += 3;
    if (bytes > maxBytes) return i;
  }
  return -1;
}

/** UTF-8 length of a text (as `Buffer.byteLength`, without Node). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}
