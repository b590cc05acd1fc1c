/**
 * The fast path of `parse()`: a hand-written scanner and recursive-descent parser for text WITHOUT errors.
 *
 * Why: the Chevrotain pipeline (lexer → CST with error recovery → AST) is what gives analysts their messages
 * and editors a partial tree, but it reads a few MB/s; checking thousands of stored segments, or a service
 * answering per request, wants the speed of a hand-written parser. Valid text is the common case, so:
 * `fastParse(text)` returns exactly the document the Chevrotain pipeline builds (every node, value and
 * span), or null as soon as anything is unusual: an unexpected character, an unterminated string, a bad
 * escape, a syntax error, a duplicate clause, nesting past MAX_NESTING, a list past MAX_LIST_VALUES. On
 * null, `parse()` runs the Chevrotain pipeline, which reports the problem.
 *
 * The Chevrotain grammar (parser.ts) stays the definition of the language: this file mirrors its decisions
 * rule by rule (comments name the rule), and test/parser/fast-path.test.ts checks, over generated valid
 * texts and random token soup, that whenever this returns a document it is deep-equal to the Chevrotain
 * pipeline's (spans included) and that pipeline found no problem. Change both together.
 */
import type { Span } from "../diagnostics.js";
import type * as A from "./ast.js";

// ---- token kinds --------------------------------------------------------------------------------

const EOF = 0;
const IDENT = 1;
const QIDENT = 2;
const STRING = 3;
const NUMBER = 4;
const DATE = 5;
const TIMESTAMP = 6;
const LPAREN = 7;
const RPAREN = 8;
const COMMA = 9;
const SEMI = 10;
const CMP = 11; // `sub`: index in CMPS
// Hard keywords.
const AND = 20;
const OR = 21;
const NOT = 22;
const IN = 23;
const IS = 24;
const BETWEEN = 25;
const CONTAINS = 26;
const STARTS = 27;
const ENDS = 28;
const HAS = 29;
const BEFORE = 30;
const AFTER = 31;
const WITHIN = 32;
const TRUE = 33;
const FALSE = 34;
const PERFORMED = 35;
// Soft keywords (also field names and bare words). Units and aggregates carry their meaning in the `sub` column.
const SOFT = 50;
const UNIT = 50;
const AGG = 51;
const TODAY = 52;
const NOW = 53;
const TO = 54;
const WITH = 55;
const EMPTY = 56;
const EQUALKW = 57;
const GREATERKW = 58;
const LESSKW = 59;
const THAN = 60;
const AT = 61;
const LEAST = 62;
const MOST = 63;
const ANY = 64;
const ALL = 65;
const NONE = 66;
const LAST = 67;
const FIRST = 68;
const AGO = 69;
const TIMES = 70;
const EXACTLY = 71;
const WHERE = 72;
const OF = 73;
const SEGMENT = 74;
const AS = 75;
const TITLE = 76;
const DESCRIPTION = 77;

/** Keyword spellings (lower case) as tokens.ts matches them: `/minutes?/i`, `/average|avg/i`, … */
const KEYWORDS = new Map<string, number>([
  ["and", AND], ["or", OR], ["not", NOT], ["in", IN], ["is", IS], ["between", BETWEEN], ["contains", CONTAINS],
  ["starts", STARTS], ["ends", ENDS], ["has", HAS], ["before", BEFORE], ["after", AFTER], ["within", WITHIN],
  ["true", TRUE], ["false", FALSE], ["performed", PERFORMED],
  ["minute", UNIT], ["minutes", UNIT], ["hour", UNIT], ["hours", UNIT], ["day", UNIT], ["days", UNIT],
  ["week", UNIT], ["weeks", UNIT], ["month", UNIT], ["months", UNIT], ["year", UNIT], ["years", UNIT],
  ["sum", AGG], ["average", AGG], ["avg", AGG], ["minimum", AGG], ["min", AGG], ["maximum", AGG], ["max", AGG],
  ["today", TODAY], ["now", NOW], ["to", TO], ["with", WITH], ["empty", EMPTY], ["equal", EQUALKW],
  ["greater", GREATERKW], ["less", LESSKW], ["than", THAN], ["at", AT], ["least", LEAST], ["most", MOST],
  ["any", ANY], ["all", ALL], ["none", NONE], ["last", LAST], ["first", FIRST], ["ago", AGO], ["time", TIMES],
  ["times", TIMES], ["exactly", EXACTLY], ["where", WHERE], ["of", OF], ["segment", SEGMENT], ["as", AS],
  ["title", TITLE], ["description", DESCRIPTION],
]);

const UNIT_OF: Record<string, A.TimeUnit> = {
  minute: "minute", minutes: "minute", hour: "hour", hours: "hour", day: "day", days: "day",
  week: "week", weeks: "week", month: "month", months: "month", year: "year", years: "year",
};
const FN_OF: Record<string, A.AggregateFn> = {
  sum: "sum", average: "avg", avg: "avg", minimum: "min", min: "min", maximum: "max", max: "max",
};
const CMPS: A.CompareOp[] = ["=", "!=", "<", "<=", ">", ">="];
const UNIT_LIST: A.TimeUnit[] = ["minute", "hour", "day", "week", "month", "year"];
const FN_LIST: A.AggregateFn[] = ["sum", "avg", "min", "max"];

/**
 * Keywords by a hash of their lower-case letters, so the scanner recognises them without building a
 * string per word. `sub` is the unit or aggregate index for those kinds.
 */
interface Keyword {
  word: string;
  kind: number;
  sub: number;
}
const KEYWORDS_BY_HASH = new Map<number, Keyword[]>();
for (const [word, kind] of KEYWORDS) {
  const sub = kind === UNIT ? UNIT_LIST.indexOf(UNIT_OF[word]!) : kind === AGG ? FN_LIST.indexOf(FN_OF[word]!) : 0;
  let h = 0;
  for (let i = 0; i < word.length; i++) h = (Math.imul(h, 31) + word.charCodeAt(i)) | 0;
  const list = KEYWORDS_BY_HASH.get(h) ?? [];
  list.push({ word, kind, sub });
  KEYWORDS_BY_HASH.set(h, list);
}
const LONGEST_KEYWORD = Math.max(...[...KEYWORDS.keys()].map((w) => w.length));

/** The keyword spelled (in any case) by `text[start, end)`, given the hash of its lower-cased letters. */
function keywordAt(text: string, start: number, end: number, hash: number): Keyword | undefined {
  const list = KEYWORDS_BY_HASH.get(hash);
  if (!list) return undefined;
  outer: for (const k of list) {
    if (k.word.length !== end - start) continue;
    for (let i = 0; i < k.word.length; i++) if ((text.charCodeAt(start + i) | 32) !== k.word.charCodeAt(i)) continue outer;
    return k;
  }
  return undefined;
}

// Literal patterns, exactly those of tokens.ts (timestamps and dates are tried before numbers).
const TIMESTAMP_RE = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|z|[+-]\d{2}(?::?\d{2})?)?/y;
const DATE_RE = /\d{4}-\d{2}-\d{2}/y;
const NUMBER_RE = /-?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?/y;

/** Nesting and list limits, as in index.ts (passed in to avoid an import cycle). */
export interface FastLimits {
  maxNesting: number;
  maxListValues: number;
}

/** Thrown (and caught below) to give way to the Chevrotain pipeline. */
const GIVE_UP = new Error("segql fast path: not handled");

// ---- scanner ------------------------------------------------------------------------------------

// Tokens as columns of one growable Int32Array (kind, start, end, line, column, sub), reused between calls:
// parse is synchronous and not re-entrant, and no AST node keeps a reference to them.
const STRIDE = 6;
let tok = new Int32Array(STRIDE * 256);
let count = 0;
let comments: A.Comment[] = [];

function push(kind: number, start: number, end: number, line: number, column: number, sub = 0): void {
  if ((count + 1) * STRIDE > tok.length) {
    const bigger = new Int32Array(tok.length * 2);
    bigger.set(tok);
    tok = bigger;
  }
  const at = count * STRIDE;
  tok[at] = kind;
  tok[at + 1] = start;
  tok[at + 2] = end;
  tok[at + 3] = line;
  tok[at + 4] = column;
  tok[at + 5] = sub;
  count++;
}

/** Depth and `not` count saved at each open parenthesis by `withinLimits` (reused). */
const saved: number[] = [];

function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}
function isIdentPart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || (c >= 48 && c <= 57);
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Scans `text`; false when it holds anything the Chevrotain lexer would report or the limits forbid. */
function scan(text: string, limits: FastLimits): boolean {
  count = 0;
  comments = [];
  const n = text.length;
  let pos = 0;
  let line = 1;
  let lineStart = 0;

  while (pos < n) {
    const c = text.charCodeAt(pos);
    // WhiteSpace: [ \t\r\n\f\v\u00a0\ufeff]+ ; line breaks are \n, \r\n and \r.
    if (c === 32 || c === 9 || c === 11 || c === 12 || c === 0xa0 || c === 0xfeff) {
      pos++;
      continue;
    }
    if (c === 10) {
      pos++;
      line++;
      lineStart = pos;
      continue;
    }
    if (c === 13) {
      pos += text.charCodeAt(pos + 1) === 10 ? 2 : 1;
      line++;
      lineStart = pos;
      continue;
    }
    const start = pos;
    const column = start - lineStart + 1;
    if (isIdentStart(c)) {
      // A keyword is a whole word of letters (tokens.ts: keywords take `longer_alt: Identifier`).
      let hash = c | 32;
      let letters = true;
      pos++;
      while (pos < n) {
        const d = text.charCodeAt(pos);
        if ((d >= 97 && d <= 122) || (d >= 65 && d <= 90)) hash = (Math.imul(hash, 31) + (d | 32)) | 0;
        else if (d === 95 || (d >= 48 && d <= 57)) letters = false;
        else break;
        pos++;
      }
      if (c === 95) letters = false;
      let dotted = false;
      while (text.charCodeAt(pos) === 46 && isIdentStart(text.charCodeAt(pos + 1))) {
        dotted = true;
        pos += 2;
        while (pos < n && isIdentPart(text.charCodeAt(pos))) pos++;
      }
      let kind = IDENT;
      let sub = 0;
      if (letters && !dotted && pos - start <= LONGEST_KEYWORD) {
        const k = keywordAt(text, start, pos, hash);
        if (k) {
          kind = k.kind;
          sub = k.sub;
        }
      }
      push(kind, start, pos, line, column, sub);
      continue;
    }
    if (isDigit(c) || ((c === 45 || c === 46) && (isDigit(text.charCodeAt(pos + 1)) || (text.charCodeAt(pos + 1) === 46 && isDigit(text.charCodeAt(pos + 2)))))) {
      let kind = NUMBER;
      let end = -1;
      // Timestamps and dates start with four digits and a '-'; only then try their patterns.
      if (isDigit(c) && text.charCodeAt(pos + 4) === 45) {
        TIMESTAMP_RE.lastIndex = pos;
        if (TIMESTAMP_RE.test(text)) {
          kind = TIMESTAMP;
          end = TIMESTAMP_RE.lastIndex;
        } else {
          DATE_RE.lastIndex = pos;
          if (DATE_RE.test(text)) {
            kind = DATE;
            end = DATE_RE.lastIndex;
          }
        }
      }
      if (end < 0) {
        NUMBER_RE.lastIndex = pos;
        if (!NUMBER_RE.test(text)) return false;
        end = NUMBER_RE.lastIndex;
      }
      push(kind, start, end, line, column);
      pos = end;
      continue;
    }
    switch (c) {
      case 45: // '-': only a comment starts so here (a number was handled above)
        if (text.charCodeAt(pos + 1) !== 45) return false;
        pos += 2;
        while (pos < n) {
          const d = text.charCodeAt(pos);
          if (d === 10 || d === 13) break;
          pos++;
        }
        comments.push({ text: text.slice(start, pos), span: { start, end: pos, line, column } });
        continue;
      case 34: // "
      case 39: {
        // '…' and "…": escapes are checked when the string is decoded; a line break or the end before the
        // closing quote is an unterminated string.
        pos++;
        for (;;) {
          if (pos >= n) return false;
          const d = text.charCodeAt(pos);
          if (d === c) break;
          if (d === 10 || d === 13) return false;
          if (d === 92) {
            const e = text.charCodeAt(pos + 1);
            if (pos + 1 >= n || e === 10 || e === 13) return false;
            pos += 2;
          } else pos++;
        }
        pos++;
        push(STRING, start, pos, line, column);
        continue;
      }
      case 96: {
        // `name`, with `` for a backtick; cannot be empty or cross a line.
        pos++;
        for (;;) {
          if (pos >= n) return false;
          const d = text.charCodeAt(pos);
          if (d === 10 || d === 13) return false;
          if (d === 96) {
            if (text.charCodeAt(pos + 1) === 96) {
              pos += 2;
              continue;
            }
            break;
          }
          pos++;
        }
        pos++;
        if (pos - start === 2) return false;
        push(QIDENT, start, pos, line, column);
        continue;
      }
      case 60: // <=, <>, <
        if (text.charCodeAt(pos + 1) === 61) push(CMP, start, (pos += 2), line, column, 3);
        else if (text.charCodeAt(pos + 1) === 62) push(CMP, start, (pos += 2), line, column, 1);
        else push(CMP, start, (pos += 1), line, column, 2);
        continue;
      case 62: // >=, >
        if (text.charCodeAt(pos + 1) === 61) push(CMP, start, (pos += 2), line, column, 5);
        else push(CMP, start, (pos += 1), line, column, 4);
        continue;
      case 61: // ==, =
        push(CMP, start, (pos += text.charCodeAt(pos + 1) === 61 ? 2 : 1), line, column, 0);
        continue;
      case 33: // !=
        if (text.charCodeAt(pos + 1) !== 61) return false;
        push(CMP, start, (pos += 2), line, column, 1);
        continue;
      case 40:
        push(LPAREN, start, ++pos, line, column);
        continue;
      case 41:
        push(RPAREN, start, ++pos, line, column);
        continue;
      case 44:
        push(COMMA, start, ++pos, line, column);
        continue;
      case 59:
        push(SEMI, start, ++pos, line, column);
        continue;
      default:
        return false;
    }
  }
  // Three EOF tokens, so looking up to two tokens ahead never reads past the end.
  for (let i = 0; i < 3; i++) push(EOF, n, n, line, n - lineStart + 1);
  return withinLimits(limits);
}

/**
 * index.ts `findTooDeep` and `findTooLongList` over the scanned tokens (keep them in step): nesting counts
 * `(`, `not` (until the next and/or) and `where` as a level each, restarting at each declaration; a list
 * holds fewer than `maxListValues` commas after its `(`.
 */
function withinLimits(limits: FastLimits): boolean {
  saved.length = 0;
  let depth = 0;
  let nots = 0;
  let commas = 0;
  let listOpen = false;
  const real = count - 3;
  for (let i = 0; i < real; i++) {
    switch (tok[i * STRIDE]) {
      case SEGMENT:
        if (saved.length === 0 && startsDeclaration(i)) depth = nots = 0;
        break;
      case LPAREN:
        saved.push(depth, nots);
        depth++;
        nots = 0;
        commas = 0;
        listOpen = true;
        break;
      case RPAREN:
        if (saved.length > 0) {
          nots = saved.pop()!;
          depth = saved.pop()!;
        }
        break;
      case NOT:
        depth++;
        nots++;
        break;
      case AND:
      case OR:
        depth -= nots;
        nots = 0;
        break;
      case WHERE:
        depth++;
        break;
      case COMMA:
        if (++commas >= limits.maxListValues && listOpen) return false;
        break;
      default:
        break;
    }
    if (depth > limits.maxNesting) return false;
  }
  return true;
}

/** index.ts `startsDeclaration`: `segment "Name" …` or `segment name as|title|description …`, not after `in`. */
function startsDeclaration(i: number): boolean {
  if (i > 0 && tok[(i - 1) * STRIDE] === IN) return false;
  const next = tok[(i + 1) * STRIDE];
  if (next === STRING || next === QIDENT) return true;
  const after = tok[(i + 2) * STRIDE];
  return after === AS || after === TITLE || after === DESCRIPTION;
}

// ---- parser -------------------------------------------------------------------------------------

let src = "";
let p = 0;

/** Kind of the token `offset` after the current one (EOF past the end). */
function kind(offset = 0): number {
  return tok[(p + offset) * STRIDE]!;
}
function kindAt(i: number): number {
  return tok[i * STRIDE]!;
}
function isCmp(k: number): boolean {
  return k === CMP;
}
function sub(i: number): number {
  return tok[i * STRIDE + 5]!;
}
/** Any token the grammar's `Identifier` accepts: identifiers and every soft keyword. */
function identLike(k: number): boolean {
  return k === IDENT || k >= SOFT;
}
function span(i: number): Span {
  const at = i * STRIDE;
  return { start: tok[at + 1]!, end: tok[at + 2]!, line: tok[at + 3]!, column: tok[at + 4]! };
}
/** From token `first` to the end of the last token consumed: a CST node's extent. */
function extent(first: number): Span {
  const at = first * STRIDE;
  return { start: tok[at + 1]!, end: tok[(p - 1) * STRIDE + 2]!, line: tok[at + 3]!, column: tok[at + 4]! };
}
function expect(k: number): number {
  if (kind() !== k) throw GIVE_UP;
  return p++;
}
function image(i: number): string {
  return src.slice(tok[i * STRIDE + 1]!, tok[i * STRIDE + 2]!);
}
function cover(a: Span, b: Span): Span {
  return b.end > a.end ? { start: a.start, end: b.end, line: a.line, column: a.column } : a;
}

/** Fast parse of an error-free text, or null (see the file comment). */
export function fastParse(text: string, limits: FastLimits): A.SegqlDocument | null {
  if (!scan(text, limits)) return null;
  src = text;
  p = 0;
  try {
    return documentRule(text.length);
  } catch (e) {
    if (e === GIVE_UP) return null;
    throw e;
  } finally {
    src = "";
  }
}

/** Comments of the last successful `fastParse`. */
function takeComments(): A.Comment[] {
  const c = comments;
  comments = [];
  return c;
}

// document: segmentDeclaration+ (when `segment` starts a declaration) | expression?
function documentRule(length: number): A.SegqlDocument {
  const docSpan: Span = { start: 0, end: length, line: 1, column: 1 };
  if (kindAt(0) === SEGMENT && isDeclarationStart(1, 2)) {
    const segments: A.SegmentDeclaration[] = [];
    do segments.push(declaration());
    while (kind() === SEGMENT);
    expect(EOF);
    return { kind: "document", segments, bare: false, comments: takeComments(), span: docSpan };
  }
  let expr: A.Expr | null = null;
  let segmentSpan = docSpan;
  if (kindAt(0) !== EOF) {
    expr = orRule();
    segmentSpan = extent(0);
  }
  expect(EOF);
  const segment: A.SegmentDeclaration = { kind: "segment", name: null, nameSpan: null, title: null, description: null, expr, span: segmentSpan };
  return { kind: "document", segments: [segment], bare: true, comments: takeComments(), span: docSpan };
}

/** parser.ts `isDeclarationStart`: `segment "x"`, or `segment name` not followed by an operator or and/or. */
function isDeclarationStart(second: number, third: number): boolean {
  const s = kindAt(second);
  if (s === STRING || s === QIDENT) return true;
  if (!identLike(s)) return false;
  const t = kindAt(third);
  return !(isCmp(t) || (t >= AND && t <= PERFORMED));
}

// segmentDeclaration: 'segment' segmentName ('title' STRING)? ('description' STRING)? 'as' expression ';'?
function declaration(): A.SegmentDeclaration {
  const first = expect(SEGMENT);
  const name = segmentName();
  let title: A.StringValue | null = null;
  let description: A.StringValue | null = null;
  if (kind() === TITLE) {
    p++;
    title = stringValue(expect(STRING));
  }
  if (kind() === DESCRIPTION) {
    p++;
    description = stringValue(expect(STRING));
  }
  expect(AS);
  const expr = orRule();
  if (kind() === SEMI) p++;
  return { kind: "segment", name: name.name, nameSpan: name.span, title, description, expr, span: extent(first) };
}

// segmentName: STRING | Identifier | QuotedIdentifier
function segmentName(): { name: string; span: Span } {
  const k = kind();
  const i = p++;
  if (k === STRING) return { name: decodeString(i), span: span(i) };
  if (k === QIDENT) return { name: decodeQuoted(i), span: span(i) };
  if (identLike(k)) return { name: image(i), span: span(i) };
  throw GIVE_UP;
}

// orExpr / andExpr: operands joined by or/and; a nested operand of the same kind is flattened.
function orRule(): A.Expr {
  const first = andRule();
  if (kind() !== OR) return first;
  const operands: A.Expr[] = [];
  pushFlat(operands, first, "or");
  while (kind() === OR) {
    p++;
    pushFlat(operands, andRule(), "or");
  }
  return { kind: "or", operands, span: cover(operands[0]!.span, operands[operands.length - 1]!.span) };
}

function andRule(): A.Expr {
  const first = notRule();
  if (kind() !== AND) return first;
  const operands: A.Expr[] = [];
  pushFlat(operands, first, "and");
  while (kind() === AND) {
    p++;
    pushFlat(operands, notRule(), "and");
  }
  return { kind: "and", operands, span: cover(operands[0]!.span, operands[operands.length - 1]!.span) };
}

function pushFlat(operands: A.Expr[], e: A.Expr, kind: "and" | "or"): void {
  if (e.kind === kind) for (const o of e.operands) operands.push(o);
  else operands.push(e);
}

// notExpr: 'not'* primary (each `not` spans from its keyword to the end of its operand)
function notRule(): A.Expr {
  const first = p;
  while (kind() === NOT) p++;
  const nots = p - first;
  let expr = primary();
  for (let i = nots - 1; i >= 0; i--) {
    const s = span(first + i);
    expr = { kind: "not", operand: expr, span: { start: s.start, end: expr.span.end, line: s.line, column: s.column } };
  }
  return expr;
}

// primary: parenExpr | segmentRef | eventCondition | rule
function primary(): A.Expr {
  const k = kind();
  if (k === LPAREN) {
    p++;
    const e = orRule();
    expect(RPAREN);
    return e;
  }
  if (k === IN) {
    const first = p++;
    expect(SEGMENT);
    const name = segmentName();
    return { kind: "segmentRef", name: name.name, nameSpan: name.span, span: extent(first) };
  }
  if (k === PERFORMED) return event();
  if (identLike(k) || k === QIDENT) return rule();
  throw GIVE_UP;
}

function field(): A.FieldRef {
  const k = kind();
  const i = p++;
  if (k === QIDENT) return { name: decodeQuoted(i), quoted: true, span: span(i) };
  if (identLike(k)) return { name: image(i), quoted: false, span: span(i) };
  throw GIVE_UP;
}

function isPredicateStart(k: number): boolean {
  return isCmp(k) || k === IS || k === NOT || k === IN || k === HAS || (k >= BETWEEN && k <= ENDS) || (k >= BEFORE && k <= WITHIN);
}

// rule: field predicate?
function rule(): A.RuleExpr {
  const f = field();
  const test: A.Test = isPredicateStart(kind()) ? predicate() : { op: "truthy", span: f.span };
  return { kind: "rule", field: f, test, span: cover(f.span, test.span) };
}

// predicate: comparison | isPredicate | negatedPredicate | positivePredicate | hasPredicate
function predicate(): A.Test {
  const k = kind();
  const first = p;
  if (isCmp(k)) {
    const cmp = CMPS[sub(p++)]!;
    const value = valueRule();
    return { op: "compare", cmp, value, span: extent(first) };
  }
  if (k === IS) return isPredicate();
  if (k === NOT) {
    p++;
    const test = positivePredicate(true);
    return { ...test, span: extent(first) };
  }
  if (k === HAS) return hasPredicate();
  return positivePredicate(false);
}

// isPredicate: 'is' ('greater' 'than' v | 'less' 'than' v | 'at' ('least'|'most') v | 'not'? ('empty' | 'equal' 'to' v | v))
function isPredicate(): A.Test {
  const first = p++;
  const k = kind();
  const k2 = kind(1);
  if ((k === GREATERKW || k === LESSKW) && k2 === THAN) {
    p += 2;
    const value = valueRule();
    return { op: "compare", cmp: k === GREATERKW ? ">" : "<", value, span: extent(first) };
  }
  if (k === AT && (k2 === LEAST || k2 === MOST)) {
    p += 2;
    const value = valueRule();
    return { op: "compare", cmp: k2 === MOST ? "<=" : ">=", value, span: extent(first) };
  }
  let negated = false;
  if (kind() === NOT) {
    p++;
    negated = true;
  }
  if (kind() === EMPTY) {
    p++;
    return { op: "empty", negated, span: extent(first) };
  }
  if (kind() === EQUALKW && kind(1) === TO) p += 2;
  const value = valueRule();
  return { op: "compare", cmp: negated ? "!=" : "=", value, span: extent(first) };
}

// positivePredicate: 'in' list | betweenTail | 'contains' v | 'starts' 'with' v | 'ends' 'with' v | 'before' v | 'after' v | withinLast
function positivePredicate(negated: boolean): A.Test {
  const first = p;
  const k = kindAt(p++);
  switch (k) {
    case IN: {
      const values = valueList();
      return { op: "in", negated, values, span: extent(first) };
    }
    case BETWEEN: {
      const low = valueRule();
      expect(AND);
      const high = valueRule();
      return { op: "between", negated, low, high, span: extent(first) };
    }
    case CONTAINS: {
      const value = valueRule();
      return { op: "contains", negated, value, span: extent(first) };
    }
    case STARTS:
    case ENDS: {
      expect(WITH);
      const value = valueRule();
      return { op: k === STARTS ? "startsWith" : "endsWith", negated, value, span: extent(first) };
    }
    case BEFORE:
    case AFTER: {
      const value = valueRule();
      return { op: k === BEFORE ? "before" : "after", negated, value, span: extent(first) };
    }
    case WITHIN: {
      const { amount, unit } = withinTail();
      return { op: "within", negated, amount, unit, span: extent(first) };
    }
    default:
      throw GIVE_UP;
  }
}

// withinLast (after 'within'): 'last' NUMBER UNIT
function withinTail(): { amount: A.NumberValue; unit: A.TimeUnit } {
  expect(LAST);
  const amount = numberValue(expect(NUMBER));
  return { amount, unit: unitOf(expect(UNIT)) };
}

// hasPredicate: 'has' (('any'|'all'|'none') valueList | value)
function hasPredicate(): A.Test {
  const first = p++;
  const k = kind();
  if ((k === ANY || k === ALL || k === NONE) && kind(1) === LPAREN) {
    p++;
    const values = valueList();
    return { op: "has", quantifier: k === ALL ? "all" : k === NONE ? "none" : "any", values, span: extent(first) };
  }
  const value = valueRule();
  return { op: "has", quantifier: "one", values: [value], span: extent(first) };
}

// valueList: '(' (value (',' value)*)? ')'
function valueList(): A.Value[] {
  expect(LPAREN);
  const values: A.Value[] = [];
  if (kind() !== RPAREN) {
    values.push(valueRule());
    while (kind() === COMMA) {
      p++;
      values.push(valueRule());
    }
  }
  expect(RPAREN);
  return values;
}

// value: STRING | relativeTime | NUMBER | TIMESTAMP | DATE | true | false | now | today | Identifier | QuotedIdentifier
function valueRule(): A.Value {
  const i = p;
  switch (kind()) {
    case STRING:
      p++;
      return stringValue(i);
    case NUMBER:
      if (kind(1) === UNIT) {
        // relativeTime: NUMBER UNIT 'ago'
        p++;
        const unit = unitOf(p++);
        expect(AGO);
        return { kind: "relative", amount: numberValue(i), unit, span: extent(i) };
      }
      p++;
      return numberValue(i);
    case TIMESTAMP:
      p++;
      return { kind: "timestamp", text: image(i), span: span(i) };
    case DATE:
      p++;
      return { kind: "date", text: image(i), span: span(i) };
    case TRUE:
      p++;
      return { kind: "boolean", value: true, span: span(i) };
    case FALSE:
      p++;
      return { kind: "boolean", value: false, span: span(i) };
    case NOW:
      p++;
      return { kind: "now", span: span(i) };
    case TODAY:
      p++;
      return { kind: "today", span: span(i) };
    case QIDENT:
      p++;
      return { kind: "bareword", text: decodeQuoted(i), quoted: true, span: span(i) };
    default:
      if (!identLike(kind())) throw GIVE_UP;
      p++;
      return { kind: "bareword", text: image(i), quoted: false, span: span(i) };
  }
}

// eventCondition: 'performed' value eventClause* ('where' expression)?
function event(): A.EventExpr {
  const first = p++;
  const name = valueRule();
  let measure: A.Measure | null = null;
  let window: A.Window | null = null;
  for (;;) {
    const k = kind();
    const clause = p;
    if (k === AT || k === EXACTLY) {
      // countClause: ('at' ('least'|'most') | 'exactly') NUMBER 'times'
      let cmp: ">=" | "<=" | "=" = "=";
      if (k === AT) {
        p++;
        const which = kindAt(p++);
        if (which === LEAST) cmp = ">=";
        else if (which === MOST) cmp = "<=";
        else throw GIVE_UP;
      } else p++;
      const count = numberValue(expect(NUMBER));
      expect(TIMES);
      if (measure) throw GIVE_UP;
      measure = { kind: "count", cmp, count, span: extent(clause) };
    } else if (k === WITHIN) {
      p++;
      const { amount, unit } = withinTail();
      if (window) throw GIVE_UP;
      window = { kind: "within", amount, unit, span: extent(clause) };
    } else if (k === BETWEEN) {
      p++;
      const low = valueRule();
      expect(AND);
      const high = valueRule();
      if (window) throw GIVE_UP;
      window = { kind: "between", low, high, span: extent(clause) };
    } else if (k === WITH) {
      // measureClause: 'with' (AGGREGATE 'of' field | ('first'|'last') 'times') predicate
      p++;
      const m = kind();
      let made: A.Measure;
      if (m === AGG) {
        const fn = FN_LIST[sub(p++)]!;
        expect(OF);
        const property = field();
        if (!isPredicateStart(kind())) throw GIVE_UP;
        const test = predicate();
        made = { kind: "aggregate", fn, property, test, span: extent(clause) };
      } else if (m === FIRST || m === LAST) {
        p++;
        expect(TIMES);
        if (!isPredicateStart(kind())) throw GIVE_UP;
        const test = predicate();
        made = { kind: m === FIRST ? "first" : "last", test, span: extent(clause) };
      } else throw GIVE_UP;
      if (measure) throw GIVE_UP;
      measure = made;
    } else break;
  }
  let filter: A.Expr | null = null;
  if (kind() === WHERE) {
    p++;
    filter = orRule();
  }
  return { kind: "event", name, measure, window, filter, span: extent(first) };
}

// ---- literals -----------------------------------------------------------------------------------

function numberValue(i: number): A.NumberValue {
  const raw = image(i);
  return { kind: "number", value: Number(raw), raw, span: span(i) };
}

function unitOf(i: number): A.TimeUnit {
  if (kindAt(i) !== UNIT) throw GIVE_UP;
  return UNIT_LIST[sub(i)]!;
}

function stringValue(i: number): A.StringValue {
  return { kind: "string", value: decodeString(i), span: span(i) };
}

/** to-ast.ts `decodeString`, giving up on what it would report (unknown escapes, a short `\u`). */
function decodeString(i: number): string {
  const start = tok[i * STRIDE + 1]! + 1;
  const end = tok[i * STRIDE + 2]! - 1;
  const slash = src.indexOf("\\", start);
  if (slash < 0 || slash >= end) return src.slice(start, end);
  let out = src.slice(start, slash);
  for (let j = slash; j < end; j++) {
    const c = src[j]!;
    if (c !== "\\") {
      out += c;
      continue;
    }
    const next = src[j + 1];
    switch (next) {
      case '"': case "'": case "\\": case "/":
        out += next;
        j++;
        break;
      case "n": out += "\n"; j++; break;
      case "t": out += "\t"; j++; break;
      case "r": out += "\r"; j++; break;
      case "u": {
        const hex = src.slice(j + 2, Math.min(j + 6, end));
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw GIVE_UP;
        out += String.fromCharCode(parseInt(hex, 16));
        j += 5;
        break;
      }
      default:
        throw GIVE_UP;
    }
  }
  return out;
}

function decodeQuoted(i: number): string {
  return src.slice(tok[i * STRIDE + 1]! + 1, tok[i * STRIDE + 2]! - 1).replace(/``/g, "`");
}
