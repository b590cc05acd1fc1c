/**
 * A reparse that skips the parser when an edit stays inside one token and leaves its kind alone: typing a
 * digit of a number, a letter of a field name or of a string (`tenure > 12` → `tenure > 125`). The parser
 * decides on token types only (images become values in the AST, never choices), so the same types in the
 * same order make the same tree: the previous parse, with that token's value read again and every offset
 * after it moved. On a 50 KB condition, what a keystroke costs is mostly the parse of the whole text (the
 * editor's highlighting asks for it on every key), so this is the common case made cheap.
 *
 * It answers only when that is certain, and returns null (parse as usual) otherwise:
 * - the previous text parsed without any diagnostic (recovery and keyword fixes read images);
 * - the edit holds no line break, and lies inside one significant token (not a comment, not between tokens);
 * - lexing the new text around it (from well before it: the lexer peeks a few characters past a token, a
 *   date ten) gives the same token types at the same places, moved by the edit, and no error (comments
 *   around it are the same text, lexed from the same places);
 * - the token's new value reads without a problem (a string's escapes), and the text stays within the size
 *   limit;
 * - the token's value sits in the tree in one of the shapes the parser gives values (a number, a string, a
 *   date, a timestamp, a bare word, a field, a title): a segment name (declaration or reference), whose
 *   value the parser copies into its parent, is left to the parser.
 * The result shares with the previous parse the tokens and tree nodes before the edit (they do not move):
 * a caller that tells nodes apart by identity must not hold both parses at once for one text (the
 * service's piece cache reuses a parse only when no piece of the document in hand uses it).
 * test/parser/incremental.test.ts compares it with a parse from scratch on thousands of random edits of
 * generated texts (every form of the language).
 */
import type { IToken } from "chevrotain";
import type { Diagnostic, Span } from "../diagnostics.js";
import type { ParseResult } from "./index.js";
import { lex } from "./lexer.js";
import { offsetPastBytes } from "./limits.js";
import { decodeQuotedName, decodeString } from "./literals.js";
import * as T from "./vocabulary.js";

/** How far before the edit lexing starts again: more than any token looks past its end. */
const RELEX_BEFORE = 64;

/** The edit from `before` to `after`: a range of `before` replaced by a range of `after`. */
interface Edit {
  /** Where the texts start to differ. */
  from: number;
  /** End of the replaced range in `before`. */
  oldTo: number;
  /** End of the inserted range in `after`. */
  newTo: number;
}

/** The one range where two texts differ (the longest common prefix and suffix around it). */
export function editBetween(before: string, after: string): Edit {
  const max = Math.min(before.length, after.length);
  let from = 0;
  while (from < max && before.charCodeAt(from) === after.charCodeAt(from)) from++;
  let tail = 0;
  while (tail < max - from && before.charCodeAt(before.length - 1 - tail) === after.charCodeAt(after.length - 1 - tail)) tail++;
  return { from, oldTo: before.length - tail, newTo: after.length - tail };
}

/**
 * `parse(text)` from the parse of `previous` (`before`'s), when the edit between them stays inside one
 * token (see the module comment); null when the parser must run. Offsets from the end of the edited
 * token on moved by the edit's change of length; those before it stayed.
 */
/** A reparse from the previous parse, and how its offsets moved: those from `end` on by `delta`. */
export interface Reparsed {
  result: ParseResult;
  moved: { end: number; delta: number };
}

export function reparseInsideToken(before: string, previous: ParseResult, text: string, maxInputBytes: number): Reparsed | null {
  if (previous.diagnostics.length > 0) return null;
  const edit = editBetween(before, text);
  if (edit.from === before.length && edit.from === text.length) return { result: previous, moved: { end: 0, delta: 0 } };
  if (/[\r\n]/.test(before.slice(edit.from, edit.oldTo)) || /[\r\n]/.test(text.slice(edit.from, edit.newTo))) return null;
  const tokens = previous.tokens;
  const at = tokenHolding(tokens, edit.from, edit.oldTo);
  if (at < 0) return null;
  const old = tokens[at]!;
  const delta = edit.newTo - edit.oldTo;
  if (old.endOffset! + 1 + delta <= old.startOffset) return null; // the token is deleted

  // Lex again from a token well before the edit to the end of the token after it.
  let first = at;
  while (first > 0 && tokens[first]!.startOffset > edit.from - RELEX_BEFORE) first--;
  const last = Math.min(at + 1, tokens.length - 1);
  const windowStart = tokens[first]!.startOffset;
  const windowEnd = last > at ? tokens[last]!.endOffset! + 1 + delta : text.length;
  const lexed = lex(text.slice(windowStart, windowEnd));
  if (lexed.errors.length > 0 || lexed.tokens.length !== last - first + 1) return null;
  for (let i = first; i <= last; i++) {
    const was = tokens[i]!;
    const now = lexed.tokens[i - first]!;
    const shift = i > at ? delta : 0;
    if (now.tokenType !== was.tokenType || now.startOffset + windowStart !== was.startOffset + shift) return null;
    if (now.endOffset! + windowStart !== was.endOffset! + (i >= at ? delta : 0)) return null;
  }
  if (text.length * 3 > maxInputBytes && offsetPastBytes(text, maxInputBytes) >= 0) return null;

  const image = text.slice(old.startOffset, old.endOffset! + 1 + delta);
  const token: IToken = { ...old, image, endOffset: old.endOffset! + delta, endColumn: old.endColumn! + delta };
  const problems: Diagnostic[] = [];
  const value = valueOf(token, problems);
  if (problems.length > 0) return null;

  const moved: IToken[] = tokens.slice(0, at);
  moved.push(token);
  for (let i = at + 1; i < tokens.length; i++) moved.push(moveToken(tokens[i]!, delta, old.startLine!));
  const oldSpan = { start: old.startOffset, end: old.endOffset! + 1 };
  const patch: Patch = { oldSpan, delta, line: old.startLine!, token, value, replaced: 0, refused: false };
  const document = copyMoved(previous.document, patch) as ParseResult["document"];
  if (patch.refused || patch.replaced !== 1) return null;
  return { result: { document, diagnostics: [], tokens: moved }, moved: { end: oldSpan.end, delta } };
}

/** The index of the token holding the range [from, to] (edges included), or -1. */
function tokenHolding(tokens: readonly IToken[], from: number, to: number): number {
  let lo = 0;
  let hi = tokens.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (tokens[mid]!.endOffset! + 1 < from) lo = mid + 1;
    else hi = mid;
  }
  const t = tokens[lo];
  if (!t || t.startOffset > from || t.endOffset! + 1 < to) return -1;
  // At the edge between two touching tokens (`12)`), the edit could belong to either: leave it to the parser.
  const next = tokens[lo + 1];
  if (next && next.startOffset <= to) return -1;
  const before = tokens[lo - 1];
  if (before && before.endOffset! + 1 >= from) return -1;
  return lo;
}

/** The values a token gives the tree, by what the parser reads from its image. */
interface TokenValue {
  /** A number's value and image, a string's or a quoted name's decoded text, a word's text. */
  number?: number;
  text: string;
}

function valueOf(t: IToken, problems: Diagnostic[]): TokenValue {
  switch (t.tokenType) {
    case T.NumberLiteral:
      return { number: Number(t.image), text: t.image };
    case T.StringLiteral:
      return { text: decodeString(t, problems) };
    case T.QuotedIdentifier:
      return { text: decodeQuotedName(t, problems) };
    default:
      return { text: t.image };
  }
}

/** `t` moved by `delta` (a lexer token: the same fields, in the same order, so the same shape). */
function moveToken(t: IToken, delta: number, line: number): IToken {
  const column = t.startLine === line ? delta : 0;
  return {
    image: t.image,
    startOffset: t.startOffset + delta,
    endOffset: t.endOffset! + delta,
    startLine: t.startLine,
    endLine: t.endLine,
    startColumn: t.startColumn! + column,
    endColumn: t.endColumn! + column,
    tokenTypeIdx: t.tokenTypeIdx,
    tokenType: t.tokenType,
  };
}

interface Patch {
  oldSpan: { start: number; end: number };
  delta: number;
  /** The edited token's line: spans after it on that line move their column too. */
  line: number;
  token: IToken;
  value: TokenValue;
  /** How many tree nodes took the new value (exactly one, or the patch is refused). */
  replaced: number;
  /** A node holds the token's value in a shape this does not know. */
  refused: boolean;
}

function isSpan(v: Record<string, unknown>): boolean {
  return typeof v["start"] === "number" && typeof v["end"] === "number" && typeof v["line"] === "number" && typeof v["column"] === "number";
}

const movedOffset = (offset: number, p: Patch) => (offset >= p.oldSpan.end ? offset + p.delta : offset);

function moveSpan(s: Span, p: Patch): Span {
  const start = movedOffset(s.start, p);
  const end = movedOffset(s.end, p);
  if (start === s.start && end === s.end) return s;
  return { start, end, line: s.line, column: start !== s.start && s.line === p.line ? s.column + p.delta : s.column };
}

function isTheToken(s: Record<string, unknown>, p: Patch): boolean {
  return s["start"] === p.oldSpan.start && s["end"] === p.oldSpan.end;
}

/**
 * A tree node with its offsets moved, and the edited token's value put where it is held: a copy of what
 * reaches the token or lies after it; what ends before the token is the same object (nothing in it moves).
 */
function copyMoved(v: unknown, p: Patch): unknown {
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = copyMoved(v[i], p);
    return out;
  }
  if (v === null || typeof v !== "object") return v;
  const o = v as Record<string, unknown>;
  if (isSpan(o)) return moveSpan(o as unknown as Span, p);
  const span = o["span"] as Span | undefined;
  if (span !== undefined && span.end <= p.oldSpan.start && o["follows"] === undefined) return o;
  const out: Record<string, unknown> = {};
  for (const key in o) {
    const x = o[key];
    if (key === "follows") out[key] = moveFollows(x as Record<string, unknown>, p);
    else {
      out[key] = copyMoved(x, p);
      // A name copied into its parent with its span beside it (`segment "A"`, `in segment "A"`).
      if (key !== "span" && key.endsWith("Span") && x && isTheToken(x as Record<string, unknown>, p)) p.refused = true;
    }
  }
  if (span !== undefined && isTheToken(span as unknown as Record<string, unknown>, p)) takeValue(o, out, p);
  return out;
}

/** Puts the new value into the copy `out` of the node `o` whose span is the edited token's. */
function takeValue(o: Record<string, unknown>, out: Record<string, unknown>, p: Patch): void {
  const type = p.token.tokenType;
  const kind = o["kind"];
  if (kind === "number" && type === T.NumberLiteral) {
    out["value"] = p.value.number;
    out["raw"] = p.value.text;
  } else if (kind === "string" && type === T.StringLiteral) out["value"] = p.value.text;
  else if ((kind === "date" && type === T.DateLiteral) || (kind === "timestamp" && type === T.TimestampLiteral)) out["text"] = p.value.text;
  else if (kind === "bareword" && (type === T.Identifier || type === T.QuotedIdentifier)) out["text"] = p.value.text;
  else if (kind === undefined && "name" in o && "quoted" in o && (type === T.Identifier || type === T.QuotedIdentifier)) out["name"] = p.value.text;
  // Nodes made of the token and nothing else read from it: a bare field's rule and test (`is_vip`).
  else if (kind === "rule" || kind === "not" || (kind === undefined && o["op"] === "truthy")) return;
  else {
    p.refused = true;
    return;
  }
  p.replaced++;
}

/** What a comment follows, moved (offsets, no span). */
function moveFollows(f: Record<string, unknown>, p: Patch): unknown {
  const out: Record<string, unknown> = { ...f, start: movedOffset(f["start"] as number, p), end: movedOffset(f["end"] as number, p) };
  const inner = f["inner"] as { start: number; ends: number[] } | undefined;
  if (inner) out["inner"] = { start: movedOffset(inner.start, p), ends: inner.ends.map((e) => movedOffset(e, p)) };
  return out;
}
