/**
 * `parse(text)`: text → tokens → AST, with every lexer and parser problem as a diagnostic written for
 * analysts. Parsing never throws: any input ends in a (possibly partial) document and diagnostics.
 *
 * Before the parser runs, the tokens are checked against the limits (limits.ts): a text too large, nested
 * too deep or holding too many segments is refused with one positioned error and an empty document, so no
 * input can make the recursive-descent parser overflow the stack or run long.
 */
import type { IRecognitionException, IToken, TokenType } from "chevrotain";
import { clip, error, LineIndex, type Diagnostic, type Span } from "../diagnostics.js";
import type { SegqlDocument } from "./ast.js";
import { LIMITS, offsetPastBytes, resolveLimits, utf8Length, type LimitOptions, type Limits } from "./limits.js";
import { withKeywordFixes, type MissingKeyword } from "./keyword-fixes.js";
import { markRecovered } from "./recovered.js";
import { lex } from "./lexer.js";
import { parseTokens } from "./parser.js";
import * as T from "./vocabulary.js";

export type * from "./ast.js";
export { forEachExpr } from "./ast.js";
export { LIMITS, resolveLimits, type LimitOptions, type Limits } from "./limits.js";

/** Deepest nesting accepted by default (`LIMITS.nesting`): parentheses, `not` and `where` each open a level. */
export const MAX_NESTING = LIMITS.nesting;
/** Most values accepted in one list by default (`LIMITS.listValues`). */
export const MAX_LIST_VALUES = LIMITS.listValues;

/** Options of `parse`: limits other than the defaults (`LIMITS`). */
export interface ParseOptions extends LimitOptions {}

/** The result of parsing: a document (possibly partial) and every problem found. */
export interface ParseResult {
  document: SegqlDocument;
  diagnostics: Diagnostic[];
  /** Significant tokens, for editors (highlighting, completion). */
  tokens: IToken[];
}

/**
 * Parses a segql text: one bare expression, or `segment … as …` declarations. Every problem becomes a
 * diagnostic, and error recovery still yields a partial document.
 */
export function parse(text: string, options: ParseOptions = {}): ParseResult {
  return parseText(text, options, true);
}

/** `parse`; `keywordFixes`: seek fixes for misspelt keywords (false when trying such a fix). */
function parseText(text: string, options: ParseOptions, keywordFixes: boolean): ParseResult {
  const limits = resolveLimits(options.limits);
  const past = offsetPastBytes(text, limits.maxInputBytes);
  if (past >= 0) return refuseTooLarge(text, past, limits.maxInputBytes);
  const lines = new LazyLineIndex(text);
  const lexed = lex(text);
  const cap = limits.syntaxErrors;
  // Only the first errors become diagnostics: garbage can hold one per character.
  const diagnostics: Diagnostic[] = lexed.errors.length === 0 ? [] : lexed.errors.slice(0, cap + 1).map((e) => {
    const ch = String.fromCodePoint(text.codePointAt(e.offset)!);
    return error("unexpected-character", lines.span(e.offset, e.offset + (e.length || 1)),
      `unexpected character ${shownCharacter(ch)}${ch === '"' || ch === "'" ? "" : hintForCharacter(ch, text, e.offset)}`);
  });
  const tokens = lexed.tokens;
  const endSpan: Span = { start: text.length, end: text.length, line: lexed.endLine, column: lexed.endColumn };

  const refused = findOverLimit(tokens, lines, limits);
  if (refused) return { document: emptyDocument(lines.span(0, text.length)), diagnostics: [...diagnostics, refused], tokens };
  const tooLong = findTooLongList(tokens, lines, limits.listValues);
  if (tooLong) diagnostics.push(tooLong);

  // Parsing stops well after the errors reported (they cost time, and later ones are mostly echoes).
  const parsed = parseTokens(tokens, lexed.comments, endSpan, cap * 10);
  // Described in order, at most cap + 1 of them: describing one scans the tokens.
  const missing = new Map<Diagnostic, MissingKeyword>();
  if (parsed.errors.length > 0) {
    for (const d of describeParseErrors(parsed.errors, tokens, lines, lexed.errors.map((e) => e.offset), cap + 1, missing)) diagnostics.push(d);
  }
  for (const d of parsed.diagnostics) diagnostics.push(d);
  if (diagnostics.length === 0) return { document: parsed.document, diagnostics, tokens };
  diagnostics.sort((a, b) => a.span.start - b.span.start);
  const described = capErrors(dedupe(diagnostics), cap);
  if (!keywordFixes) return { document: parsed.document, diagnostics: described, tokens };
  const reparse = (edited: string) => parseText(edited, options, false).diagnostics;
  const fixed = withKeywordFixes(text, tokens, described, missing, reparse, (start, end) => lines.span(start, end));
  return { document: parsed.document, diagnostics: markRecovered(parsed.document, fixed, tokens), tokens };
}

/**
 * The first `cap` diagnostics, and one more saying that more follow. A text of garbage has an error per
 * character, and after the first few errors the rest mostly follow from them.
 */
function capErrors(diagnostics: Diagnostic[], cap: number): Diagnostic[] {
  if (diagnostics.length <= cap) return diagnostics;
  const next = diagnostics[cap]!;
  const kept = diagnostics.slice(0, cap);
  kept.push(error("too-many-errors", next.span,
    `more syntax errors from here on are not reported (the first ${cap.toLocaleString("en-US")} are); fix those first`));
  return kept;
}

/**
 * A `LineIndex` built on first use: most texts have no error, and only errors need line numbers found by
 * offset (tokens carry their own).
 */
class LazyLineIndex {
  private index: LineIndex | null = null;

  constructor(readonly text: string) {}

  span(start: number, end: number): Span {
    return (this.index ??= new LineIndex(this.text)).span(start, end);
  }
}

function emptyDocument(span: Span): SegqlDocument {
  return { kind: "document", segments: [], bare: true, comments: [], span };
}

/** A text over `maxInputBytes`: one error where the limit is passed; nothing is tokenized. */
function refuseTooLarge(text: string, past: number, maxBytes: number): ParseResult {
  // Only the part up to the error is indexed: the rest may be huge.
  const lines = new LineIndex(text.slice(0, past + 1));
  const at = lines.span(past, past + 1);
  const size = utf8Length(text);
  const diagnostic = error("too-large", at,
    `the text is ${size.toLocaleString("en-US")} bytes, more than the limit of ${maxBytes.toLocaleString("en-US")} bytes ` +
    `(passed here); split it into several files, or raise the limit (maxInputBytes, --max-input-bytes)`);
  const span: Span = { start: 0, end: text.length, line: 1, column: 1 };
  return { document: emptyDocument(span), diagnostics: [diagnostic], tokens: [] };
}

/** Characters a message cannot show as themselves: controls, invisible ones, spaces, half a surrogate pair. */
const UNSHOWABLE = /^[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Z}]$/u;

/**
 * Names of the invisible characters that get pasted into conditions from documents and chats, with what to
 * do (a no-break space and a byte order mark are read as spaces already: lexer.ts `isSpace`).
 */
const INVISIBLE_NAMES: Record<string, string> = {
  "\u200b": "a zero-width space: delete it",
  "\u200c": "a zero-width non-joiner: delete it",
  "\u200d": "a zero-width joiner: delete it",
  "\u2060": "a word joiner: delete it",
  "\u00ad": "a soft hyphen: delete it",
  "\u2028": "a line separator: use a line break",
  "\u2029": "a paragraph separator: use a line break",
  "\u202f": "a narrow no-break space: type a plain space",
  "\u2007": "a figure space: type a plain space",
  "\u3000": "an ideographic space: type a plain space",
};

/**
 * One character (a whole code point: an emoji is one) as a message shows it: in quotes, or, when it would
 * not show or would break the message's text (half of a surrogate pair cannot be written as UTF-8 or
 * strict JSON), as its code point, named when it is a usual invisible one.
 */
function shownCharacter(ch: string): string {
  if (!UNSHOWABLE.test(ch)) return `'${ch}'`;
  const code = `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
  const name = INVISIBLE_NAMES[ch];
  return name ? `${code} (${name})` : code;
}

function hintForCharacter(ch: string, text: string, offset: number): string {
  if (ch === "&") return ": write 'and'";
  if (ch === "|") return ": write 'or'";
  if (ch === "!") return ": write 'not', or '!=' for not equal";
  if (ch === "`") return ": a name in backticks must end with a backtick on the same line";
  // Typographic quotes (a word processor's, or a phone's): only straight quotes start a string.
  if (/^[\u201c\u201d\u201e\u201f\u00ab\u00bb]$/.test(ch)) return `: text is written in straight double quotes, "like this"`;
  if (/^[\u2018\u2019\u201a\u201b]$/.test(ch)) return ": text is written in straight quotes, \"like this\" or 'like this'";
  // A letter outside A-Z (`prénom`, `статус`): bare names are ASCII; the whole word, quoted as it may be meant.
  if (/^\p{L}$/u.test(ch)) {
    const word = wordAround(text, offset);
    return `: a name with letters outside A-Z is written in backticks (\`${word}\`), a text value in double quotes ("${word}")`;
  }
  return "";
}

/** The word (letters, digits, `_`) around `offset`. */
function wordAround(text: string, offset: number): string {
  const isWord = (c: string) => /^[\p{L}\p{N}\p{M}_]$/u.test(c);
  let start = offset;
  while (start > 0 && isWord(text[start - 1]!)) start--;
  let end = offset;
  for (const c of text.slice(offset)) {
    if (!isWord(c)) break;
    end += c.length;
  }
  return text.slice(start, end);
}

/**
 * The first place the tokens pass a limit checked before parsing: nesting deeper than `limits.nesting`
 * (counting `(`, `not` and `where` as a level each, as the parser's recursion goes), or more than
 * `limits.segments` declarations.
 */
function findOverLimit(tokens: IToken[], lines: LazyLineIndex, limits: Limits): Diagnostic | null {
  const saved: { depth: number; nots: number }[] = [];
  let depth = 0;
  let nots = 0;
  let declarations = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    switch (t.tokenType) {
      case T.Segment:
        // A new declaration starts afresh: the levels of the previous one's `where` filters end with it.
        if (saved.length === 0 && startsDeclaration(tokens, i)) {
          depth = nots = 0;
          if (++declarations > limits.segments) {
            return error("too-many-segments", lines.span(t.startOffset, t.endOffset! + 1),
              `a text holds at most ${limits.segments.toLocaleString("en-US")} segments, and this is one more; split the segments into several files`);
          }
        }
        break;
      case T.LParen:
        saved.push({ depth, nots });
        depth += 1;
        nots = 0;
        break;
      case T.RParen: {
        const s = saved.pop();
        if (s) ({ depth, nots } = s);
        break;
      }
      case T.Not:
        depth += 1;
        nots += 1;
        break;
      case T.And:
      case T.Or:
        depth -= nots;
        nots = 0;
        break;
      case T.Where:
        depth += 1;
        break;
      default:
        break;
    }
    if (depth > limits.nesting) {
      return error("too-deep", lines.span(t.startOffset, t.endOffset! + 1),
        `the condition is nested more than ${limits.nesting} levels deep here (each '(', 'not' and 'where' opens a level); ` +
        `remove parentheses that group the same operator, or write the inner part more simply`);
    }
  }
  return null;
}

/** `segment "Name" …` or `segment name as|title|description …`, not preceded by `in`. */
function startsDeclaration(tokens: IToken[], i: number): boolean {
  if (tokens[i - 1]?.tokenType === T.In) return false;
  const next = tokens[i + 1]?.tokenType;
  if (next === T.StringLiteral || next === T.QuotedIdentifier) return true;
  const after = tokens[i + 2]?.tokenType;
  return after === T.As || after === T.Title || after === T.Description;
}

/** The first list with more than `max` values (counted by commas after its `(`). */
function findTooLongList(tokens: IToken[], lines: LazyLineIndex, max: number): Diagnostic | null {
  let commas = 0;
  let open: IToken | null = null;
  for (const t of tokens) {
    if (t.tokenType === T.LParen) {
      open = t;
      commas = 0;
    } else if (t.tokenType === T.Comma) {
      if (++commas >= max && open) {
        return error("too-many-values", lines.span(open.startOffset, t.endOffset! + 1),
          `a list holds at most ${max.toLocaleString("en-US")} values; put long lists in a field or a segment`);
      }
    }
  }
  return null;
}

function dedupe(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = `${d.span.start}:${d.code}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

// ---- parser errors → analyst-facing messages ---------------------------------------------------

/**
 * Our `errorMessageProvider` is Chevrotain's default; we rebuild messages from the exception's context.
 * A parse error right after an unexpected character is its consequence (the character was dropped), so
 * only the character is reported.
 */
function describeParseErrors(errors: IRecognitionException[], tokens: IToken[], lines: LazyLineIndex, lexErrorOffsets: number[], max: number, missing: Map<Diagnostic, MissingKeyword>): Diagnostic[] {
  const out: Diagnostic[] = [];
  let lastStart = -1;
  for (const e of errors) {
    if (out.length >= max) break;
    if (lexErrorOffsets.length > 0 && followsLexError(e, tokens, lexErrorOffsets)) continue;
    const d = describe(e, tokens, lines);
    if (d === null) continue;
    const keyword = missingKeyword(e, tokens);
    if (keyword) missing.set(d, keyword);
    // Recovery can report one problem several times at the same place; keep the first.
    if (d.span.start === lastStart) continue;
    lastStart = d.span.start;
    out.push(d);
  }
  return out;
}

/** True when an unexpected character lies between the error's token and the real token before it. */
function followsLexError(e: IRecognitionException, tokens: IToken[], lexErrorOffsets: number[]): boolean {
  const previous = (e as unknown as { previousToken?: IToken }).previousToken ?? tokenBefore(tokens, e.token);
  const from = isReal(previous) ? previous.endOffset! + 1 : 0;
  const to = isReal(e.token) ? e.token.startOffset : Number.POSITIVE_INFINITY;
  // The offsets are in text order: the first one at or after `from` decides (binary search).
  let lo = 0;
  let hi = lexErrorOffsets.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (lexErrorOffsets[mid]! < from) lo = mid + 1;
    else hi = mid;
  }
  return lo < lexErrorOffsets.length && lexErrorOffsets[lo]! < to;
}

function isReal(t: IToken | undefined): t is IToken {
  return t !== undefined && t.startOffset >= 0 && t.tokenType.name !== "EOF" && !t.isInsertedInRecovery;
}

function show(t: IToken | undefined): string {
  if (!isReal(t)) return "the end of the input";
  const image = clip(t.image, 24, "...");
  return `'${image}'`;
}

function describe(e: IRecognitionException, tokens: IToken[], lines: LazyLineIndex): Diagnostic | null {
  const token = e.token;
  const reported = (e as unknown as { previousToken?: IToken }).previousToken;
  // Recovery at a declaration's end can report the failing token as its own previous one ("unexpected
  // 'empty' after 'empty'"): the token before it in the text is the one to name.
  const sameAsToken = isReal(reported) && isReal(token) && reported.startOffset >= token.startOffset;
  const previous = reported && !sameAsToken ? reported : tokenBefore(tokens, token);
  const rules = e.context?.ruleStack ?? [];
  const rule = rules[rules.length - 1] ?? "";
  const parent = rules[rules.length - 2] ?? "";
  const afterPrev = isReal(previous) ? ` after ${show(previous)}` : "";
  // Point at the offending token when there is one, else just after the previous token.
  const span: Span = isReal(token)
    ? lines.span(token.startOffset, token.endOffset! + 1)
    : isReal(previous)
      ? lines.span(previous.endOffset! + 1, previous.endOffset! + 1)
      : lines.span(lines.text.length, lines.text.length);
  const found = isReal(token) ? `, found ${show(token)}` : "";

  // A declaration's condition ended and what follows is not the next `segment`: the same as text left over
  // after a lone condition.
  const leftOver = e.name === "NotAllInputParsedException" || (e.name === "MismatchedTokenException" && rule === "document" && isReal(token));
  if (leftOver) {
    if (!isReal(previous)) {
      // Nothing parsed: the text does not start with a condition.
      const hint = token.tokenType === T.StringLiteral
        ? "; a field name is written without quotes (or in `backticks` when it has spaces)"
        : "";
      return error("expected-condition", span,
        `expected a condition (a field, '(', 'not', 'performed' or 'in segment')${found}${hint}`);
    }
    if (token.tokenType === T.RParen) {
      return error("unexpected-close-paren", span, "unexpected ')' without a matching '('", {
        title: "remove the ')'",
        edits: [{ span, text: "" }],
      });
    }
    // `is greater 3`, `is less 3`, `is equal 3`, `is at 3`: the word after `is` was read as a value.
    const beforePrevious = tokenBefore(tokens, previous);
    if (beforePrevious?.tokenType === T.Is) {
      const missing = previous.tokenType === T.GreaterKw || previous.tokenType === T.LessKw ? "'than'"
        : previous.tokenType === T.EqualKw ? "'to'"
        : previous.tokenType === T.At ? "'least' or 'most'"
        : null;
      if (missing) return error("expected-token", span, `expected ${missing}${afterPrev}${found}`);
    }
    if (beforePrevious?.tokenType === T.Has && (previous.tokenType === T.Any || previous.tokenType === T.All || previous.tokenType === T.None)) {
      const q = previous.image.toLowerCase();
      return error("expected-token", span, `expected '(' after '${q}'${found}: a list is written in parentheses, as in has ${q} ("a", "b")`);
    }
    if (previous.tokenType === T.NumberLiteral && token.tokenType === T.Comma) {
      return error("unexpected-token", span, `unexpected ','${afterPrev}: numbers are written without thousands separators (1000, not 1,000)`);
    }
    if (previous.tokenType === T.DateLiteral && /^t/i.test(token.image)) {
      return error("unexpected-token", span, `unexpected ${show(token)}${afterPrev}: a timestamp reads 2024-01-01T10:00:00Z`);
    }
    if (isReal(previous) && (previous.tokenType === T.Identifier || previous.tokenType === T.QuotedIdentifier ||
      (previous.tokenType.CATEGORIES ?? []).includes(T.Identifier))) {
      return error("expected-operator", span, `expected an operator or 'and'/'or'${afterPrev}${found}`);
    }
    return error("unexpected-token", span, `unexpected ${show(token)}${afterPrev}: expected 'and', 'or' or the end of the condition`);
  }

  const expected = e.name === "MismatchedTokenException" ? expectedTokenType(e) : undefined;
  if (expected === T.RParen && rule === "valueList" && isReal(token)) {
    // A '(' made up by recovery (`in last 30 days`) was reported as missing already.
    if (!unmatchedOpenParen(tokens, token)) return null;
    // `in (1 2)`, `in (,1)`: the list goes on, but not with a comma.
    if (previous?.tokenType === T.LParen) return error("expected-value", span, `expected a value or ')'${afterPrev}${found}`);
    return error("expected-token", span, `expected ',' or ')'${afterPrev}${found}`);
  }
  if (expected === T.RParen) {
    const open = unmatchedOpenParen(tokens, token);
    // A '(' made up by recovery (`in 1`) was reported as missing already.
    if (!open) return null;
    const at = open ? ` at ${open.startLine}:${open.startColumn}` : "";
    const fixSpan = isReal(previous) ? lines.span(previous.endOffset! + 1, previous.endOffset! + 1) : span;
    return error("missing-close-paren", span, `missing ')' to close '('${at}${found}`, {
      title: "insert ')'",
      edits: [{ span: fixSpan, text: ")" }],
    });
  }
  if (rule === "relativeTime") {
    return error("expected-token", span, `expected 'ago'${afterPrev}${found} (a relative time reads '30 days ago')`);
  }
  if (rule === "value" && isReal(previous) && previous.tokenType === T.Equal && (token.tokenType === T.Greater || token.tokenType === T.Less)) {
    return error("expected-value", span, `expected a value${afterPrev}${found}; did you mean '${token.image}='?`);
  }
  if (rule === "value") {
    if (parent === "eventCondition") return error("expected-value", span, `expected an event name in quotes${afterPrev}${found}`);
    return error("expected-value", span, `expected a value${afterPrev}${found}`);
  }
  if (expected === T.LParen && isReal(previous) && previous.tokenType === T.In && token.tokenType === T.Last) {
    return error("expected-token", span, `expected '(' after 'in'${found}; for a time window write 'within last 30 days'`);
  }
  if (expected === T.LParen && isReal(previous) && previous.tokenType === T.In) {
    return error("expected-token", span, `expected '(' after 'in'${found}: a list is written in parentheses, in ("a", "b")`);
  }
  if (expected === T.And && isReal(previous)) {
    return error("expected-token", span, `expected 'and'${afterPrev}${found}: between takes two values, as in between 1 and 5`);
  }
  if (expected) {
    const what = describeExpected(expected);
    return error("expected-token", span, `expected ${what}${afterPrev}${found}`);
  }
  switch (rule) {
    case "primary":
    case "notExpr":
      return error("expected-condition", span,
        `expected a condition (a field, '(', 'not', 'performed' or 'in segment')${afterPrev}${found}`);
    case "isPredicate":
      return error("expected-value", span, `expected a value, 'empty', 'not', 'greater than', 'less than' or 'at least'/'at most'${afterPrev}${found}`);
    case "predicate":
      return error("expected-operator", span, `expected an operator${afterPrev}${found}`);
    case "hasPredicate":
      return error("expected-value", span, `expected a value or 'any'/'all'/'none' (…)${afterPrev}${found}`);
    case "segmentName":
      return error("expected-value", span, `expected a segment name${afterPrev}${found}`);
    case "field":
      return error("expected-value", span, `expected a property name${afterPrev}${found}`);
    case "positivePredicate":
      return error("expected-operator", span,
        `expected 'in', 'between', 'contains', 'starts with', 'ends with', 'before', 'after' or 'within last'${afterPrev}${found}` +
        (token.tokenType === T.Is ? " (a negated 'is' reads 'is not …')" : ""));
    case "measureClause":
      return error("expected-token", span, `expected 'sum of', 'average of', 'min of', 'max of', 'first time' or 'last time'${afterPrev}${found}`);
    case "countClause":
      return error("expected-token", span, `expected 'least' or 'most'${afterPrev}${found}`);
    default:
      return isReal(token)
        ? error("unexpected-token", span, `unexpected ${show(token)}${afterPrev}`)
        : error("unexpected-token", span, `the condition ends too early${afterPrev}`);
  }
}

/**
 * A keyword the grammar needs where the error is and that is often left out: `times` after a count
 * (`at least 3`), `as` before a declaration's condition. Trying it is for `withKeywordFixes`.
 */
function missingKeyword(e: IRecognitionException, tokens: IToken[]): MissingKeyword | null {
  if (e.name !== "MismatchedTokenException") return null;
  const expected = expectedTokenType(e);
  if (expected !== T.Times && expected !== T.As) return null;
  const previous = (e as unknown as { previousToken?: IToken }).previousToken ?? tokenBefore(tokens, e.token);
  if (!isReal(previous)) return null;
  const keyword = expected === T.As ? "as" : previous.tokenType === T.NumberLiteral && Number(previous.image) === 1 ? "time" : "times";
  return { at: previous.endOffset! + 1, keyword };
}

function describeExpected(t: TokenType): string {
  switch (t) {
    case T.Unit:
      return "a time unit (minutes, hours, days, weeks, months, years)";
    case T.NumberLiteral:
      return "a number";
    case T.StringLiteral:
      return "a string";
    case T.CompareOp:
      return "a comparison operator";
    case T.Times:
      return "'times'";
    case T.As:
      return "'as' before the segment's condition";
    default:
      return typeof t.LABEL === "string" ? t.LABEL : `'${t.name.toLowerCase()}'`;
  }
}

/** Chevrotain's mismatch message names the expected token's label: "Expecting token of type --> X <--". */
function expectedTokenType(e: IRecognitionException): TokenType | undefined {
  const m = /-->\s*(.+?)\s*<--/.exec(e.message);
  if (!m) return undefined;
  const label = m[1]!;
  return T.allTokens.find((t) => t.LABEL === label || t.name === label);
}

function tokenBefore(tokens: IToken[], token: IToken): IToken | undefined {
  if (!isReal(token)) return tokens[tokens.length - 1];
  const i = tokens.indexOf(token);
  return i > 0 ? tokens[i - 1] : undefined;
}

/** The innermost '(' left open before `at` (or before the end when `at` is EOF). */
function unmatchedOpenParen(tokens: IToken[], at: IToken): IToken | undefined {
  const stack: IToken[] = [];
  for (const t of tokens) {
    if (isReal(at) && t.startOffset >= at.startOffset) break;
    if (t.tokenType === T.LParen) stack.push(t);
    else if (t.tokenType === T.RParen) stack.pop();
  }
  return stack[stack.length - 1];
}
