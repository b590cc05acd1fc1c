/**
 * The edit that removes one operand of an `and`/`or` from the source text, with its connector and its own
 * parentheses, leaving the rest balanced.
 *
 * The parser drops parentheses, so a node's span runs from its first token to its last: `(a) and ((b))`
 * spans `a) and ((b`. A node's *extent* is its span grown until its parentheses balance, then by any pair
 * that wraps it alone. Between two operands' extents lie the connector and parentheses of groups the
 * parser flattened (`a and (b and c)` is one `and` of three). An operand goes with the connector before it
 * when no group opens between that connector and it, else with the connector after it when no group closes
 * between it and that connector. Strings, quoted names and comments are skipped when counting; anything
 * unexpected gives no edit.
 */
import type { Span } from "../diagnostics.js";

/** Offsets `[start, end)` to delete, or null when the text is not as expected. */
export function removalRange(text: string, operands: readonly Span[], i: number, connector: "and" | "or", extentOf: ExtentOf = extent): { start: number; end: number } | null {
  return removalRangeAt(text, operands[i - 1] ?? null, operands[i]!, operands[i + 1] ?? null, connector, extentOf);
}

/**
 * `removalRange` given the operand and its neighbours (null: none): only their extents matter (an operand
 * of a long `and` is removed without reading the rest).
 */
export function removalRangeAt(text: string, before: Span | null, operand: Span, after: Span | null, connector: "and" | "or", extentOf: ExtentOf = extent): { start: number; end: number } | null {
  const me = extentOf(text, operand);
  if (!me) return null;
  if (before) {
    const prev = extentOf(text, before);
    const gap = prev && readGap(text, prev.end, me.start, connector);
    if (gap && gap.opens === 0) return { start: gap.beforeConnector, end: trailingComment(text, me.end) };
  }
  if (after) {
    const next = extentOf(text, after);
    const gap = next && readGap(text, me.end, next.start, connector);
    if (gap && gap.closes === 0) return { start: me.start, end: gap.afterConnector };
  }
  return null;
}

/** `extent`, or one that keeps what it found (a warning's quoted parts and its fix read the same parts). */
export type ExtentOf = (text: string, span: Span) => { start: number; end: number } | null;

/** The span grown to balanced parentheses and to the pairs that wrap it alone; null when they do not match. */
export function extent(text: string, span: Span): { start: number; end: number } | null {
  if (!parens(text, span.start, span.end)) return null;
  const { opens, closes } = counted;
  let start = span.start;
  let end = span.end;
  for (let k = 0; k < closes; k++) {
    const at = skipBack(text, start);
    if (at <= 0 || text[at - 1] !== "(") return null;
    start = at - 1;
  }
  for (let k = 0; k < opens; k++) {
    const at = skipForward(text, end);
    if (text[at] !== ")") return null;
    end = at + 1;
  }
  for (;;) {
    const before = skipBack(text, start);
    const after = skipForward(text, end);
    if (before <= 0 || text[before - 1] !== "(" || text[after] !== ")") break;
    start = before - 1;
    end = after + 1;
  }
  return { start, end };
}

/** What `parens` counted (one result at a time: no object per call, this runs for every quoted part). */
const counted = { opens: 0, closes: 0 };

/**
 * Counts (in `counted`) the unmatched parentheses in `[from, to)`: `closes` without their `(` (these open
 * before `from`) and `opens` without their `)`. False when a string or comment does not end inside the range.
 */
function parens(text: string, from: number, to: number): boolean {
  let depth = 0;
  let closes = 0;
  // By char code: this runs for every warning's quoted parts and fixes.
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    // Letters, digits, operators and blanks first, in one test (most of a condition's text).
    if ((c > DASH && c !== BACKTICK) || c === 32) continue;
    if (c === OPEN) depth++;
    else if (c === CLOSE) {
      if (depth > 0) depth--;
      else closes++;
    } else if (c === DOUBLE_QUOTE || c === SINGLE_QUOTE || c === BACKTICK) {
      const end = skipQuoted(text, i, c);
      if (end < 0 || end > to) return false;
      i = end - 1;
    } else if (c === DASH && text.charCodeAt(i + 1) === DASH) {
      while (i < to && !isLineEnd(text.charCodeAt(i))) i++;
    }
  }
  counted.opens = depth;
  counted.closes = closes;
  return true;
}

const OPEN = 40;
const CLOSE = 41;
const DOUBLE_QUOTE = 34;
const SINGLE_QUOTE = 39;
const BACKTICK = 96;
const DASH = 45;
const BACKSLASH = 92;

function isLineEnd(c: number): boolean {
  return c === 10 || c === 13;
}

/** The blanks `\s` means in the grammar's sense here: space, tab, line ends, form feed, vertical tab. */
function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11;
}

/** The offset just past a quoted string or name starting at `i`, or -1 when it does not close on its line. */
function skipQuoted(text: string, i: number, quote: number): number {
  for (let j = i + 1; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (isLineEnd(c)) return -1;
    if (quote !== BACKTICK && c === BACKSLASH) {
      j++;
      continue;
    }
    if (c === quote) {
      if (quote === BACKTICK && text.charCodeAt(j + 1) === BACKTICK) {
        j++;
        continue;
      }
      return j + 1;
    }
  }
  return -1;
}

/**
 * Reads the text between two operands' extents: `)`s closing groups, the connector, `(`s opening groups.
 * `beforeConnector` is where the blanks before the connector start (after any `)`), `afterConnector`
 * where the text after the connector and its blanks starts.
 */
function readGap(text: string, from: number, to: number, connector: string): { closes: number; opens: number; beforeConnector: number; afterConnector: number } | null {
  let i = from;
  let closes = 0;
  let beforeConnector = from;
  for (;;) {
    i = skipForward(text, i, to);
    if (i < to && text[i] === ")") {
      closes++;
      i++;
      beforeConnector = i;
      continue;
    }
    break;
  }
  // A comment before the connector (`a = 1 -- why\n and b = 2`) stays with the operand it follows: the
  // removal before the connector starts after the last comment's end.
  for (let j = beforeConnector; j < i; j++) {
    if (text[j] === "-" && text[j + 1] === "-") {
      while (j < i && text[j] !== "\n" && text[j] !== "\r") j++;
      beforeConnector = j;
    }
  }
  if (!isWordAt(text, i, connector)) return null;
  const afterConnector = skipForward(text, i + connector.length, to);
  let opens = 0;
  i = afterConnector;
  for (;;) {
    i = skipForward(text, i, to);
    if (i < to && text[i] === "(") {
      opens++;
      i++;
      continue;
    }
    break;
  }
  return i === to ? { closes, opens, beforeConnector, afterConnector } : null;
}

/** Whether `word` (lower case letters) is written at `i`, in any case, and not as the start of a longer name. */
function isWordAt(text: string, i: number, word: string): boolean {
  for (let j = 0; j < word.length; j++) if ((text.charCodeAt(i + j) | 32) !== word.charCodeAt(j)) return false;
  const next = text.charCodeAt(i + word.length);
  return !((next >= 48 && next <= 57) || (next >= 65 && next <= 90) || (next >= 97 && next <= 122) || next === 95);
}

/**
 * Past a `--` comment that ends the line after `i` (with the blanks before it), else `i`: a comment written
 * after an operand on its line goes with it when it is removed.
 */
function trailingComment(text: string, i: number): number {
  let j = i;
  while (j < text.length && (text[j] === " " || text[j] === "\t")) j++;
  if (text[j] !== "-" || text[j + 1] !== "-") return i;
  while (j < text.length && text[j] !== "\n" && text[j] !== "\r") j++;
  return j;
}

/** Past blanks and `--` comments (up to `limit`). */
function skipForward(text: string, i: number, limit = text.length): number {
  while (i < limit) {
    const c = text.charCodeAt(i);
    if (isBlank(c)) i++;
    else if (c === DASH && text.charCodeAt(i + 1) === DASH) {
      while (i < limit && !isLineEnd(text.charCodeAt(i))) i++;
    } else break;
  }
  return i;
}

/**
 * Back over blanks. Crossing into a line that holds `--` (a comment, perhaps ending in `(`) gives up: the
 * result is then 0, which points at no `(`.
 */
function skipBack(text: string, i: number): number {
  while (i > 0 && isBlank(text.charCodeAt(i - 1))) {
    i--;
    if (isLineEnd(text.charCodeAt(i))) {
      const lineStart = Math.max(text.lastIndexOf("\n", i - 1), text.lastIndexOf("\r", i - 1)) + 1;
      if (text.slice(lineStart, i).includes("--")) return 0;
    }
  }
  return i;
}

/**
 * A span over `[start, end)` of `text`, with its line and column, counted from a span `known` of the same
 * text (a fix's range lies next to the operand it removes: no need to count lines from the text's start).
 */
export function spanNear(text: string, known: Span, start: number, end: number): Span {
  const line = start >= known.start ? known.line + lineBreaks(text, known.start, start) : known.line - lineBreaks(text, start, known.start);
  // On the known span's line, its column places the line's start; else the line starts after a break.
  let lineStart = start;
  if (line === known.line) lineStart = known.start - known.column + 1;
  else while (lineStart > 0 && !isLineEnd(text.charCodeAt(lineStart - 1))) lineStart--;
  return { start, end, line, column: start - lineStart + 1 };
}

/** Line breaks in `[from, to)`: `\n`, `\r\n` (counted once) and a lone `\r`. */
function lineBreaks(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) n++;
  }
  return n;
}
