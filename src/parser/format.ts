/**
 * The canonical formatter: AST → text. `segql fmt` prints what this returns.
 *
 * Canonical form (see docs/language.md, "Formatting"):
 * - keywords lower-case; one spelling per operator (`is greater than` prints `>`, `is` prints `=`,
 *   `is at least` prints `>=`); event clauses in the order count/measure, window, `where`;
 * - parentheses only where precedence needs them (`not` > `and` > `or`, and an event whose `where` filter
 *   would otherwise swallow what follows it), plus around an `and` group that has to be broken over lines
 *   inside an `or`, so the grouping stays visible (left out in a condition nested so deep that they could
 *   take the text past the nesting limit, `LIMITS.nesting`: the output must parse again);
 * - strings in double quotes, escaping `"`, `\`, line breaks, tabs and invisible or unpaired characters,
 *   so the printed string decodes to the same value; numbers, dates and timestamps as written;
 * - field names bare unless they need backticks (not an identifier, or a hard keyword such as `and`);
 *   segment names always as strings.
 *
 * Line breaking (width 80 by default): an expression that fits on its line is printed on one line.
 * Otherwise each operand of the top-level `or`/`and` goes on its own line with the operator leading; an
 * operand that does not fit is broken the same way inside `(` … `)` (contents indented two spaces, `)` on
 * its own line); an event that does not fit puts `where` on the next line, indented two spaces, and a long
 * filter on the lines after it, indented four. Groups break from the outside in: a rule is broken only when
 * it still does not fit on a line of its own.
 *
 * Value lists: the only place a rule is broken is its value list (`in (…)`, `not in (…)`, `has any|all|none
 * (…)`, and the same tests in an event's `with sum of …`/`with first time …` measure). A rule (or event head)
 * with at least one value in its list that does not fit on its line, trailing comment included, prints as
 *
 *     and zip_code in (
 *       "10001", "10002", "10003", "10004", "10005", "10006", "10007", "10008",
 *       "10009", "10010"
 *     )
 *
 * `(` ends the rule's line; the values fill the lines after it, indented two spaces more than that line,
 * each line taking as many `value,` items as fit the width (a value longer than the width gets a line of its
 * own and is the only way a value line exceeds the width); `)` starts the last line at the rule's line's
 * indentation, followed by what comes after the list (an event's window) and the rule's trailing comment.
 * Why fill rather than one value per line (black, sqlfluff): these lists are long runs of short, alike
 * values (zip codes, ids, SKUs), where one per line turns 300 zip codes into 300 lines; prettier fills arrays
 * of numbers for the same reason. The closing `)` at the opening line's indentation is what prettier, gofmt
 * and black do, so the end of the list is easy to find. No trailing comma: the grammar has none. An empty
 * list `()` is never broken. Other rules are never broken, so `field between A and B`, a rule with a long
 * field name or value, or the part of a list rule up to `(` may still exceed the width.
 *
 * Comments (`--`) are never dropped. A comment that follows a token on its line stays after the token that
 * one is printed as (the parser records it: `Comment.follows`), and ends that line:
 * - after a rule's last token (the usual place): at the end of the line where the rule ends, after any `)`
 *   closing there; it counts toward the line width;
 * - after a token inside a rule, segment reference or event head (`tenure between -- from`, `in -- paid`,
 *   `performed -- …`): the anchor breaks after it and goes on over the next lines, indented two more
 *   (format-anchor.ts finds the printed token);
 * - inside a value list, after a value or its comma: kept in the list after that value, ending its line;
 * - after `and`/`or`, `not` or `where`: that keyword ends its line, and what it introduces starts the next,
 *   indented two more (`and not -- never` / `  is_verified`);
 * - after a `(` or `)` the formatter prints: the `(` or `)` ends its line (the group is broken); after one it
 *   leaves out (`((a))`, `a and (b and c)`): on a line of its own before what followed the `(`, or after
 *   what the `)` closed;
 * - after a declaration's `segment`, name, `title`, its title, `description`, its description, or `as`:
 *   at the end of that part's line (the part after it goes on the next line);
 * - where two such comments would end one line (`is -- a` / `greater -- b` / `than 3` print as one `>`),
 *   the second goes on a line of its own, as below.
 * A comment on a line of its own stays on a line of its own: inside a value list, after its first value,
 * before the next value (or `)`); otherwise before the line where the next anchor (a rule, a segment
 * reference or the head of an event) starts; before, between or after segment declarations, kept there,
 * with one blank line kept where the text had one or more. A comment before the first rule of a group is
 * printed before the line that opens the group (`(`, `where`, `and …`), unless a comment ends that line.
 * A comment anywhere but before the first rule or after the last rule of a group forces that group to be
 * broken over lines.
 */
import type { Span } from "../diagnostics.js";
import type * as A from "./ast.js";
import { forEachExpr } from "./ast.js";
import { anchorTokens, tokenFollowed, type AnchorTokens } from "./format-anchor.js";
import { LIMITS } from "./limits.js";
import * as T from "./tokens.js";

/** Formatting options. */
export interface FormatOptions {
  /**
   * Preferred maximum line width (default 80). Only a rule's value list is broken inside a rule, so a rule
   * without one (or the part of a list rule up to its `(`, or one long value) may be longer than this.
   */
  width?: number;
}

/** The default line width. */
export const DEFAULT_WIDTH = 80;

/** Prints a whole document (segment declarations or a bare expression) with its comments. Ends with a newline unless empty. */
export function format(document: A.SegqlDocument, options: FormatOptions = {}): string {
  return new Printer(options.width ?? DEFAULT_WIDTH, document).document(document);
}

/** Prints one expression without comments, broken over lines when longer than the width. */
export function formatExpr(expr: A.Expr, options: FormatOptions = {}): string {
  const printer = new Printer(options.width ?? DEFAULT_WIDTH, null);
  printer.useGroupingParens(expr);
  return printer.lines(printer.render(expr, 0, "", false));
}

// ---- leaves -----------------------------------------------------------------------------------

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/;
/** Hard keywords (`and`, `has`, …): never field names, so a field with such a name needs backticks. */
const HARD_KEYWORDS = new Set(T.hardKeywords.map((t) => (t.PATTERN as RegExp).source.toLowerCase()));

/** True when `name` can be written without backticks as a field name. */
export function isBareFieldName(name: string): boolean {
  return IDENTIFIER.test(name) && !HARD_KEYWORDS.has(name.toLowerCase());
}

/** `` `name` `` with backticks doubled. Names cannot hold line breaks (the lexer reads names within a line). */
function backtick(name: string): string {
  if (/[\r\n]/.test(name)) throw new Error(`cannot print the name ${JSON.stringify(name)}: names cannot contain line breaks`);
  return `\`${name.replace(/`/g, "``")}\``;
}

/** A field as canonical text: bare when possible, else in backticks. */
export function formatField(field: { name: string }): string {
  return isBareFieldName(field.name) ? field.name : backtick(field.name);
}

// Characters a string prints as escapes: the quote, backslash, C0/C1 controls, DEL, line and paragraph
// separators, the BOM and surrogates (an unpaired surrogate cannot be written as UTF-8).
const NEEDS_ESCAPE = /["\\\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff\ud800-\udfff]/;

/** A string literal in double quotes that decodes to exactly `value`. */
export function quoteString(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return `"${value}"`;
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += "\\\\";
    else if (c === 0x0a) out += "\\n";
    else if (c === 0x09) out += "\\t";
    else if (c === 0x0d) out += "\\r";
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < value.length && isLowSurrogate(value.charCodeAt(i + 1))) {
      out += value[i]! + value[i + 1]!; // a well-formed pair (an astral character) prints as itself
      i++;
    } else if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029 || c === 0xfeff || (c >= 0xd800 && c <= 0xdfff)) {
      out += `\\u${c.toString(16).padStart(4, "0")}`;
    } else out += value[i]!;
  }
  return `${out}"`;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

const UNIT_NAMES: Record<A.TimeUnit, string> = {
  minute: "minute", hour: "hour", day: "day", week: "week", month: "month", year: "year",
};

function unit(amount: A.NumberValue, u: A.TimeUnit): string {
  return `${amount.raw} ${UNIT_NAMES[u]}${amount.raw === "1" ? "" : "s"}`;
}

/** A value as canonical text. A `missing` value (left by a syntax error) cannot be printed. */
export function formatValue(v: A.Value): string {
  switch (v.kind) {
    case "string":
      return quoteString(v.value);
    case "number":
      return v.raw;
    case "boolean":
      return v.value ? "true" : "false";
    case "date":
    case "timestamp":
      return v.text;
    case "relative":
      return v.future === "in" ? `in ${unit(v.amount, v.unit)}` : `${unit(v.amount, v.unit)} ${v.future === "fromNow" ? "from now" : "ago"}`;
    case "now":
      return "now";
    case "today":
      return "today";
    case "bareword":
      // An unquoted word stays unquoted (the checker suggests quotes); one that would read as something
      // else (a keyword, `now`) keeps backticks.
      return !v.quoted && isBareFieldName(v.text) && !/^(now|today)$/i.test(v.text) ? v.text : backtick(v.text);
    case "missing":
      throw new Error("cannot format a document with syntax errors (a value is missing)");
  }
}

function list(values: A.Value[]): string {
  return `(${values.map(formatValue).join(", ")})`;
}

/**
 * Text that holds one value list, `before(v1, v2, …)after`: a list rule (`in`, `not in`, `has any|all|none`
 * with at least one value) or the head of an event whose measure test is one. The list is the only place
 * the formatter may break inside a rule.
 */
interface ListText {
  before: string;
  values: A.Value[];
  after: string;
}

/** The keyword part of a list test (`not in `, `has any `) and its values; null for other tests and `()`. */
function listOfTest(test: A.Test): { keyword: string; values: A.Value[] } | null {
  if (test.op === "in" && test.values.length > 0) return { keyword: test.negated ? "not in " : "in ", values: test.values };
  if (test.op === "has" && test.quantifier !== "one" && test.values.length > 0) return { keyword: `has ${test.quantifier} `, values: test.values };
  return null;
}

/** The test whose list a rule or an event head holds, if any. */
function listTestOf(node: A.Expr): A.Test | null {
  if (node.kind === "rule") return listOfTest(node.test) ? node.test : null;
  if (node.kind === "event" && node.measure && node.measure.kind !== "count") return listOfTest(node.measure.test) ? node.measure.test : null;
  return null;
}

const COMPARE_TEXT: Record<A.CompareOp, string> = { "=": "=", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">=" };

/** What a rule asks of its field, as canonical text (empty for a bare boolean field). */
export function formatTest(test: A.Test): string {
  const not = (negated: boolean | undefined) => (negated ? "not " : "");
  switch (test.op) {
    case "truthy":
      return "";
    case "compare":
      return `${COMPARE_TEXT[test.cmp]} ${formatValue(test.value)}`;
    case "between":
      return `${not(test.negated)}between ${formatValue(test.low)} and ${formatValue(test.high)}`;
    case "in":
      return `${not(test.negated)}in ${list(test.values)}`;
    case "contains":
      return `${not(test.negated)}contains ${formatValue(test.value)}`;
    case "startsWith":
      return `${not(test.negated)}starts with ${formatValue(test.value)}`;
    case "endsWith":
      return `${not(test.negated)}ends with ${formatValue(test.value)}`;
    case "empty":
      return test.negated ? "is not empty" : "is empty";
    case "has":
      return test.quantifier === "one" ? `has ${formatValue(test.values[0] ?? missingValue)}` : `has ${test.quantifier} ${list(test.values)}`;
    case "before":
    case "after":
      return `${not(test.negated)}${test.op} ${formatValue(test.value)}`;
    case "within":
      return `${not(test.negated)}within ${test.next ? "next" : "last"} ${unit(test.amount, test.unit)}`;
  }
}

const missingValue: A.Value = { kind: "missing", span: { start: 0, end: 0, line: 1, column: 1 } };

function ruleText(rule: A.RuleExpr): string {
  const test = formatTest(rule.test);
  return test ? `${formatField(rule.field)} ${test}` : formatField(rule.field);
}

/** A list rule split around its list; null when the rule holds no list (or an empty one). */
function ruleListText(rule: A.RuleExpr): ListText | null {
  const l = listOfTest(rule.test);
  return l ? { before: `${formatField(rule.field)} ${l.keyword}`, values: l.values, after: "" } : null;
}

const AGGREGATE_TEXT: Record<A.AggregateFn, string> = { sum: "sum", avg: "average", min: "min", max: "max" };
const COUNT_TEXT = { ">=": "at least", "<=": "at most", "=": "exactly" } as const;

/** `performed NAME [measure] [window]`: an event without its `where` filter. */
function eventHead(e: A.EventExpr): string {
  const l = eventHeadListText(e);
  return l ? `${l.before}${list(l.values)}${l.after}` : eventHeadParts(e, null).before;
}

/** An event head split around the list of its measure test; null when the measure holds no list. */
function eventHeadListText(e: A.EventExpr): ListText | null {
  const test = listTestOf(e);
  const l = test && listOfTest(test);
  return l ? eventHeadParts(e, l) : null;
}

/** The head's text; with `l`, the text before the measure's list and the text after it. */
function eventHeadParts(e: A.EventExpr, l: { keyword: string; values: A.Value[] } | null): ListText {
  let out = `performed ${formatValue(e.name)}`;
  const test = (t: A.Test) => (l ? l.keyword : formatTest(t));
  const m = e.measure;
  if (m) {
    if (m.kind === "count") out += ` ${COUNT_TEXT[m.cmp]} ${m.count.raw} time${m.count.raw === "1" ? "" : "s"}`;
    else if (m.kind === "aggregate") out += ` with ${AGGREGATE_TEXT[m.fn]} of ${formatField(m.property)} ${test(m.test)}`;
    else out += ` with ${m.kind} time ${test(m.test)}`;
  }
  let after = "";
  const w = e.window;
  if (w) {
    after = w.kind === "within" ? ` within ${w.next ? "next" : "last"} ${unit(w.amount, w.unit)}` : ` between ${formatValue(w.low)} and ${formatValue(w.high)}`;
  }
  return l ? { before: out, values: l.values, after } : { before: out + after, values: [], after: "" };
}

function segmentRefText(e: A.SegmentRefExpr): string {
  return `in segment ${quoteString(e.name)}`;
}

// ---- comments -----------------------------------------------------------------------------------

/** Comments attached to one anchor (a rule, a segment reference, or an event's head). */
interface Attached {
  lead: string[];
  trail: string[];
  /** Comments inside the anchor's value list (after its first value), which force the list to break. */
  list?: ListComments;
  /**
   * Comments after a token inside the anchor other than its last, by the index of that token among the
   * anchor's printed tokens (format-anchor.ts): each ends its line, and the anchor goes on over the next.
   */
  inner?: Map<number, string[]>;
}

/**
 * Comments inside a value list, by value index: `own[i]`, on their own lines before value i (i = the number of
 * values: before the `)`); `same[i]`, on value i's line after it (and its comma).
 */
interface ListComments {
  own: Map<number, string[]>;
  same: Map<number, string[]>;
}

interface Anchor {
  node: A.Expr;
  start: number;
  /** End of the anchor's text: for an event, the end of its head (before `where`). */
  end: number;
  declaration: number;
}

/** Where each comment of a document goes. */
class CommentPlan {
  readonly byAnchor = new Map<A.Expr, Attached>();
  /** Comments printed before declaration i (for a bare document, before the expression). */
  readonly beforeDeclaration = new Map<number, A.Comment[]>();
  /** Comments after the last declaration (or after the bare expression). */
  readonly atEnd: A.Comment[] = [];
  /**
   * A comment at the end of a declaration's head line, by declaration: after its name (and `as`, when on
   * that line), its title or its description. Printed at the end of that part's line.
   */
  readonly afterHead = new Map<number, Partial<Record<HeadPart, string>>>();
  /** Comments after the `and`/`or` before operand i of a group, by group and i. */
  readonly afterOperator = new Map<A.Expr, Map<number, string[]>>();
  /** Comments after a `not`, by its node. */
  readonly afterNot = new Map<A.Expr, string[]>();
  /** Comments after an event's `where`, by the event. */
  readonly afterWhere = new Map<A.Expr, string[]>();
  /** Comments after the `(` before a node the formatter puts in parentheses. */
  readonly afterOpen = new Map<A.Expr, string[]>();
  /** Comments after the `)` after a node the formatter puts in parentheses. */
  readonly afterClose = new Map<A.Expr, string[]>();
  /** The printed tokens of the anchors that hold comments after a token (null: could not be printed). */
  readonly anchorTokens = new Map<A.Expr, AnchorTokens | null>();

  constructor(document: A.SegqlDocument) {
    const comments = [...document.comments].sort((a, b) => a.span.start - b.span.start);
    if (comments.length === 0) return;
    const anchors: Anchor[] = [];
    const declSpans: { start: number; end: number; line: number }[] = [];
    document.segments.forEach((d, i) => {
      const span = document.bare && !d.expr ? document.span : d.span;
      declSpans.push({ start: span.start, end: span.end, line: span.line });
      if (d.expr) collectAnchors(d.expr, i, anchors);
    });
    anchors.sort((a, b) => a.start - b.start);

    const places = new TokenPlaces(document, anchors);
    let next = 0; // index of the first anchor starting at or after the current comment
    for (const c of comments) {
      while (next < anchors.length && anchors[next]!.start < c.span.start) next++;
      // After a token on its line: after the token that one is printed as. When another comment is printed
      // there already (two tokens print as one: `is greater than` as `>`), on a line of its own as in (c).
      const placed = c.follows ? this.placeAfterToken(c, c.follows, places) : "unplaced";
      if (placed === "placed") continue;
      const taken = placed === "taken";
      // (a) inside an anchor: after the first value of its list, in the list; otherwise before the anchor.
      const inside = taken ? undefined : findContaining(anchors, next, c.span.start);
      if (inside) {
        if (this.attachInList(inside.node, c) === "unplaced") this.attach(inside.node).lead.push(c.text.trimEnd());
        continue;
      }
      // (b) on the line where an anchor ends, after it: at the end of the line where that anchor ends.
      const previous = taken ? undefined : lastEndingBefore(anchors, next, c.span.start);
      if (previous && previous.end - 1 >= lineStart(c) && this.attach(previous.node).trail.length === 0) {
        this.attach(previous.node).trail.push(c.text.trimEnd());
        continue;
      }
      // (c) before the next anchor of the same declaration; else before the next declaration, or at the end.
      const d = declSpans.findIndex((s) => s.start <= c.span.start && c.span.start < s.end);
      const following = anchors[next];
      // Before the condition, on the line of a part of the declaration's head: at the end of that part's line.
      const part = d >= 0 && !taken ? headPartOnLine(document.segments[d]!, c) : null;
      if (part) {
        const parts = this.afterHead.get(d) ?? {};
        parts[part] = c.text.trimEnd();
        this.afterHead.set(d, parts);
        continue;
      }
      if (d >= 0 && following && following.declaration === d) {
        this.attach(following.node).lead.push(c.text.trimEnd());
        continue;
      }
      const nextDecl = declSpans.findIndex((s) => s.start >= c.span.end);
      if (nextDecl >= 0) {
        const list = this.beforeDeclaration.get(nextDecl) ?? [];
        list.push({ ...c, text: c.text.trimEnd() });
        this.beforeDeclaration.set(nextDecl, list);
      } else this.atEnd.push({ ...c, text: c.text.trimEnd() });
    }
  }

  /**
   * Places a comment that follows a token on its line after the token that one is printed as; false when
   * the token is not printed (a parenthesis the formatter leaves out, say) and the comment is placed by
   * where it is instead.
   */
  private placeAfterToken(c: A.Comment, f: A.CommentFollows, places: TokenPlaces): Placed {
    const text = c.text.trimEnd();
    // A line ends with one comment: a place that has one already is taken.
    const push = <K>(map: Map<K, string[]>, key: K): Placed => {
      if (map.has(key)) return "taken";
      map.set(key, [text]);
      return "placed";
    };
    const head = places.headPart(f);
    if (head) {
      const parts = this.afterHead.get(head.declaration) ?? {};
      if (parts[head.part] !== undefined) return "taken";
      parts[head.part] = text;
      this.afterHead.set(head.declaration, parts);
      return "placed";
    }
    const anchor = places.anchorAt(f.start);
    if (anchor) {
      const inList = this.attachInList(anchor.node, c);
      if (inList !== "unplaced") return inList;
      const attached = this.attach(anchor.node);
      // After the anchor's last token (the usual place): its end is the anchor's.
      if (f.end === anchor.end) {
        if (attached.trail.length > 0) return "taken";
        attached.trail.push(text);
        return "placed";
      }
      let tokens = this.anchorTokens.get(anchor.node);
      if (tokens === undefined) {
        tokens = anchorTokens(anchor.node, anchorText(anchor.node), listValuesOf);
        this.anchorTokens.set(anchor.node, tokens);
      }
      if (!tokens) return "unplaced";
      const k = tokenFollowed(tokens.tokens, f);
      if (k < tokens.tokens.length - 1) return push((attached.inner ??= new Map()), k);
      if (attached.trail.length > 0) return "taken";
      attached.trail.push(text);
      return "placed";
    }
    switch (f.token) {
      case "And":
      case "Or": {
        const gap = places.operatorAt(f.start);
        if (!gap) return "unplaced";
        if (!this.afterOperator.has(gap.group)) this.afterOperator.set(gap.group, new Map());
        return push(this.afterOperator.get(gap.group)!, gap.operand);
      }
      case "Not": {
        const not = places.notAt(f.start);
        return not ? push(this.afterNot, not) : "unplaced";
      }
      case "Where": {
        const event = places.whereAt(f.start);
        return event ? push(this.afterWhere, event) : "unplaced";
      }
      case "LParen": {
        const node = f.inner && places.enclosed(f.inner);
        if (node && places.parenthesized(node)) return push(this.afterOpen, node);
        // A parenthesis the formatter leaves out: the comment goes on a line of its own before what followed it.
        const following = places.firstAnchorAfter(f.start);
        if (!following) return "unplaced";
        this.attach(following.node).lead.push(text);
        return "placed";
      }
      case "RParen": {
        const node = f.inner && places.enclosed(f.inner);
        if (node && places.parenthesized(node)) return push(this.afterClose, node);
        // Left out: after what the parenthesis closed.
        const previous = places.lastAnchorBefore(f.start);
        if (!previous) return "unplaced";
        const attached = this.attach(previous.node);
        if (attached.trail.length > 0) return "taken";
        attached.trail.push(text);
        return "placed";
      }
      default:
        return "unplaced";
    }
  }

  /** Attaches `c` to the list of `node` when it comes after the list's first value and before its `)`; false otherwise. */
  private attachInList(node: A.Expr, c: A.Comment): Placed {
    const test = listTestOf(node);
    const values = test ? listOfTest(test)!.values : [];
    if (values.length === 0 || c.span.start <= values[0]!.span.start || c.span.start >= test!.span.end) return "unplaced";
    // After a token inside a value (`30` of `30 days ago`): after that token, not after the value.
    const f = c.follows;
    if (f && f.token !== "Comma" && f.token !== "RParen" && !values.some((v) => v.span.end === f.end)) return "unplaced";
    let i = 0;
    while (i + 1 < values.length && values[i + 1]!.span.start < c.span.start) i++;
    const attached = this.attach(node);
    const list = (attached.list ??= { own: new Map(), same: new Map() });
    const same = values[i]!.span.line === c.span.line;
    const [map, at] = same ? [list.same, i] : [list.own, i + 1];
    // A value's line ends with one comment (one after the value and one after its comma: the second is taken).
    if (same && map.has(at)) return "taken";
    map.set(at, [...(map.get(at) ?? []), c.text.trimEnd()]);
    return "placed";
  }

  private attach(node: A.Expr): Attached {
    let a = this.byAnchor.get(node);
    if (!a) {
      a = { lead: [], trail: [] };
      this.byAnchor.set(node, a);
    }
    return a;
  }
}

/** What became of a comment placed by the token it follows ("taken": another comment is printed there). */
type Placed = "placed" | "taken" | "unplaced";

/**
 * The parts of a declaration's head a comment may follow on their line: the keywords `segment`, `title`,
 * `description` and `as` (`titleKeyword`, …), the name, title and description.
 */
type HeadPart = "segment" | "name" | "titleKeyword" | "title" | "descriptionKeyword" | "description" | "as";

/** The printed text of an anchor (a rule, a segment reference, an event up to `where`). */
function anchorText(node: A.Expr): string {
  if (node.kind === "rule") return ruleText(node);
  if (node.kind === "segmentRef") return segmentRefText(node);
  if (node.kind === "event") return eventHead(node);
  throw new Error(`not an anchor: ${node.kind}`);
}

function listValuesOf(node: A.Expr): A.Value[] {
  const test = listTestOf(node);
  return test ? listOfTest(test)!.values : [];
}

/**
 * Finds where in a document the token a comment follows is: the head part, anchor, `and`/`or`, `not`,
 * `where` or parenthesised node it belongs to. Indexes are built on first use.
 */
class TokenPlaces {
  private operators: { start: number; end: number; group: A.Expr; operand: number }[] | null = null;
  private nots: Map<number, A.Expr> | null = null;
  private events: A.EventExpr[] | null = null;
  private bySpan: Map<string, A.Expr> | null = null;
  private parens: Set<A.Expr> | null = null;

  constructor(
    private readonly document: A.SegqlDocument,
    private readonly anchors: Anchor[],
  ) {}

  /** The head part a token at `f` is, when it is one (before the declaration's condition). */
  headPart(f: A.CommentFollows): { declaration: number; part: HeadPart } | null {
    if (this.document.bare) return null;
    const d = lastAtOrBefore(this.document.segments, (s) => s.span.start, f.start);
    const decl = this.document.segments[d];
    if (decl && f.start >= decl.span.end) return null;
    if (!decl || (decl.expr && f.start >= decl.expr.span.start)) return null;
    const part: HeadPart | null =
      f.start === decl.nameSpan?.start ? "name"
      : f.start === decl.title?.span.start ? "title"
      : f.start === decl.description?.span.start ? "description"
      : f.token === "Segment" ? "segment"
      : f.token === "Title" ? "titleKeyword"
      : f.token === "Description" ? "descriptionKeyword"
      : f.token === "As" ? "as"
      : null;
    return part ? { declaration: d, part } : null;
  }

  /** The anchor whose text holds `offset`. */
  anchorAt(offset: number): Anchor | undefined {
    const i = this.lastStartingAtOrBefore(offset);
    const a = this.anchors[i];
    return a && offset < a.end ? a : undefined;
  }

  firstAnchorAfter(offset: number): Anchor | undefined {
    return this.anchors[this.lastStartingAtOrBefore(offset) + 1];
  }

  /** The anchor that ends last at or before `offset` (anchors do not overlap: they end in the order they start). */
  lastAnchorBefore(offset: number): Anchor | undefined {
    return this.anchors[lastAtOrBefore(this.anchors, (a) => a.end, offset)];
  }

  private lastStartingAtOrBefore(offset: number): number {
    return lastAtOrBefore(this.anchors, (a) => a.start, offset);
  }

  /** The `and`/`or` group and operand whose operator is at `offset` (between operand i - 1 and i). */
  operatorAt(offset: number): { group: A.Expr; operand: number } | undefined {
    if (!this.operators) {
      const gaps: { start: number; end: number; group: A.Expr; operand: number }[] = [];
      this.each((e) => {
        if (e.kind === "and" || e.kind === "or") {
          for (let i = 1; i < e.operands.length; i++) gaps.push({ start: e.operands[i - 1]!.span.end, end: e.operands[i]!.span.start, group: e, operand: i });
        }
      });
      this.operators = gaps.sort((a, b) => a.start - b.start);
    }
    const gap = this.operators[lastAtOrBefore(this.operators, (g) => g.start, offset)];
    return gap && offset < gap.end ? gap : undefined;
  }

  notAt(offset: number): A.Expr | undefined {
    if (!this.nots) {
      const nots = new Map<number, A.Expr>();
      this.each((e) => {
        if (e.kind === "not" && !nots.has(e.span.start)) nots.set(e.span.start, e);
      });
      this.nots = nots;
    }
    return this.nots.get(offset);
  }

  /** The event whose `where` is at `offset`: the last to start before it (an event's head holds no event). */
  whereAt(offset: number): A.Expr | undefined {
    if (!this.events) {
      const events: A.EventExpr[] = [];
      this.each((e) => {
        if (e.kind === "event" && e.filter) events.push(e);
      });
      this.events = events.sort((a, b) => a.span.start - b.span.start);
    }
    const e = this.events[lastAtOrBefore(this.events, (x) => x.span.start, offset - 1)];
    return e && offset < e.filter!.span.start ? e : undefined;
  }

  /** The outermost node a pair of parentheses encloses exactly, if any. */
  enclosed(inner: { start: number; ends: number[] }): A.Expr | undefined {
    if (!this.bySpan) {
      const bySpan = new Map<string, A.Expr>();
      this.each((e) => {
        const key = `${e.span.start}:${e.span.end}`;
        if (!bySpan.has(key)) bySpan.set(key, e);
      });
      this.bySpan = bySpan;
    }
    for (const end of inner.ends) {
      const node = this.bySpan.get(`${inner.start}:${end}`);
      if (node) return node;
    }
    return undefined;
  }

  /**
   * Whether the formatter prints `node` in parentheses when it breaks it: where precedence needs them, or
   * an `and` group inside an `or` (grouping parentheses, when the condition has them).
   */
  parenthesized(node: A.Expr): boolean {
    if (!this.parens) {
      const parens = new Set<A.Expr>();
      for (const d of this.document.segments) if (d.expr) collectParenthesized(d.expr, parens);
      this.parens = parens;
    }
    return this.parens.has(node);
  }

  private each(visit: (e: A.Expr) => void): void {
    for (const d of this.document.segments) if (d.expr) forEachExpr(d.expr, visit);
  }
}

/** Index of the last item of `items` (sorted by `key`) whose key is at most `offset`; -1 if none. */
function lastAtOrBefore<X>(items: readonly X[], key: (x: X) => number, offset: number): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (key(items[mid]!) <= offset) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** Adds the nodes of `root` the printer may put in parentheses (see `TokenPlaces.parenthesized`). */
function collectParenthesized(root: A.Expr, out: Set<A.Expr>): void {
  const grouping = 2 * measureNesting(root).depth + 1 <= LIMITS.nesting;
  const stack: { e: A.Expr; followed: boolean }[] = [{ e: root, followed: false }];
  while (stack.length > 0) {
    const { e, followed } = stack.pop()!;
    if (e.kind === "and" || e.kind === "or") {
      const n = e.operands.length;
      e.operands.forEach((child, i) => {
        const childFollowed = i < n - 1 || followed;
        const paren = needsParens(child, e.kind, childFollowed);
        if (paren || (grouping && e.kind === "or" && child.kind === "and")) out.add(child);
        stack.push({ e: child, followed: paren ? false : childFollowed });
      });
    } else if (e.kind === "not") {
      const paren = needsParens(e.operand, "not", followed);
      if (paren) out.add(e.operand);
      stack.push({ e: e.operand, followed: paren ? false : followed });
    } else if (e.kind === "event" && e.filter) stack.push({ e: e.filter, followed });
  }
}

/**
 * The part of `d`'s head that `c` follows on its line (the last one there: a description after a title on
 * one line takes it), or null. A line holds one comment, so a part gets at most one.
 */
function headPartOnLine(d: A.SegmentDeclaration, c: A.Comment): HeadPart | null {
  const on = (span: Span | null | undefined) => span !== null && span !== undefined && span.line === c.span.line && span.end <= c.span.start;
  if (on(d.description?.span)) return "description";
  if (on(d.title?.span)) return "title";
  if (on(d.nameSpan)) return "name";
  return null;
}

function collectAnchors(root: A.Expr, declaration: number, out: Anchor[]): void {
  forEachExpr(root, (e) => {
    if (e.kind === "rule" || e.kind === "segmentRef") {
      out.push({ node: e, start: e.span.start, end: e.span.end, declaration });
    } else if (e.kind === "event") {
      const headEnd = Math.max(e.name.span.end, e.measure?.span.end ?? 0, e.window?.span.end ?? 0);
      const end = e.filter ? Math.min(headEnd, e.filter.span.start) : e.span.end;
      out.push({ node: e, start: e.span.start, end: Math.max(end, e.span.start), declaration });
    }
  });
}

/**
 * Offset where the comment's line starts. Spans carry only the start's line, and an anchor (a list rule)
 * may end on a later line than it starts; a span's column counts UTF-16 units from its line's start.
 */
function lineStart(c: A.Comment): number {
  return c.span.start - (c.span.column - 1);
}


/**
 * Anchors never overlap (an event's head ends before its filter starts) and are sorted by start, so the
 * only anchor that can contain `offset`, or end last before it, is the last one starting before it.
 */
function findContaining(anchors: Anchor[], next: number, offset: number): Anchor | undefined {
  const a = anchors[next - 1];
  return a && a.start <= offset && offset < a.end ? a : undefined;
}

function lastEndingBefore(anchors: Anchor[], next: number, offset: number): Anchor | undefined {
  const a = anchors[next - 1];
  return a && a.end <= offset ? a : undefined;
}

// ---- layout -------------------------------------------------------------------------------------

/** One output line; comment lines are marked so a prefix (`and `) goes on the first code line. */
interface Line {
  indent: number;
  text: string;
  comment?: boolean;
}

/** A node printed on one line: its text, the comments to print before that line, and the one after it. */
interface Flat {
  text: string;
  lead: string[];
  trail: string[];
}

const NO_COMMENTS: Attached = { lead: [], trail: [] };

class Printer {
  private readonly plan: CommentPlan | null;
  /**
   * Whether an `and` broken inside an `or` gets parentheses (set per condition by `useGroupingParens`).
   * They are for the eye only, and along any path there is at most one more of them than of the
   * parentheses precedence needs, so they can at most double the nesting (plus one).
   */
  private groupingParens = true;
  /** `flat` results by node, for `followed` false and true (null: does not fit on one line). */
  private readonly flatCache = new Map<A.Expr, [Flat | null | undefined, Flat | null | undefined]>();

  constructor(
    private readonly width: number,
    document: A.SegqlDocument | null,
  ) {
    this.plan = document ? new CommentPlan(document) : null;
  }

  private comments(node: A.Expr): Attached {
    return this.plan?.byAnchor.get(node) ?? NO_COMMENTS;
  }

  /**
   * Leaves out the grouping parentheses for a condition that they could take past the nesting limit: the
   * output must parse again (`LIMITS.nesting`), and the text means the same without them.
   */
  useGroupingParens(expr: A.Expr): void {
    this.groupingParens = 2 * measureNesting(expr).depth + 1 <= LIMITS.nesting;
  }

  lines(lines: Line[]): string {
    return lines.map((l) => (l.text === "" ? "" : " ".repeat(l.indent) + l.text)).join("\n");
  }

  document(doc: A.SegqlDocument): string {
    const out: Line[] = [];
    const plan = this.plan!;
    const commentBlock = (comments: A.Comment[], nextLine: number | null) => {
      comments.forEach((c, i) => {
        if (i > 0 && c.span.line >= comments[i - 1]!.span.line + 2) out.push({ indent: 0, text: "" });
        out.push({ indent: 0, text: c.text, comment: true });
      });
      const last = comments[comments.length - 1];
      if (last && nextLine !== null && nextLine >= last.span.line + 2) out.push({ indent: 0, text: "" });
    };
    if (doc.bare) {
      const d = doc.segments[0];
      const expr = d?.expr ?? null;
      commentBlock(plan.beforeDeclaration.get(0) ?? [], expr && d ? d.span.line : null);
      if (expr) {
        this.useGroupingParens(expr);
        append(out, this.render(expr, 0, "", false));
      }
      commentBlock(plan.atEnd, null);
    } else {
      doc.segments.forEach((d, i) => {
        if (i > 0) out.push({ indent: 0, text: "" });
        commentBlock(plan.beforeDeclaration.get(i) ?? [], d.span.line);
        append(out, this.declaration(d, plan.afterHead.get(i) ?? NO_HEAD_COMMENTS));
      });
      if (plan.atEnd.length > 0) {
        out.push({ indent: 0, text: "" });
        commentBlock(plan.atEnd, null);
      }
    }
    const text = this.lines(out);
    return text === "" ? "" : `${text}\n`;
  }

  private declaration(d: A.SegmentDeclaration, after: Partial<Record<HeadPart, string>>): Line[] {
    const name = quoteString(d.name ?? "");
    const expr = d.expr;
    if (!expr) throw new Error("cannot format a document with syntax errors (a segment has no condition)");
    this.useGroupingParens(expr);
    const ending = (part: HeadPart) => (after[part] !== undefined ? ` ${after[part]}` : "");
    if (!d.title && !d.description && after.segment === undefined && after.name === undefined) {
      // `segment "A" as …` on one line; a comment after `as` ends it, and the condition goes below.
      const flat = after.as === undefined ? this.flat(expr, false) : null;
      if (flat && this.fits(0, `segment ${name} as `, flat)) return [...commentLines(flat.lead, 0), { indent: 0, text: `segment ${name} as ${flat.text}${trailText(flat)}` }];
      return [{ indent: 0, text: `segment ${name} as${ending("as")}` }, ...this.render(expr, 2, "", false)];
    }
    // A comment after a keyword ends its line, and what it introduces goes on the next, indented two more.
    const out: Line[] = [];
    if (after.segment !== undefined) out.push({ indent: 0, text: `segment${ending("segment")}` }, { indent: 2, text: `${name}${ending("name")}` });
    else out.push({ indent: 0, text: `segment ${name}${ending("name")}` });
    const part = (keyword: string, value: string, keywordPart: HeadPart, valuePart: HeadPart) => {
      if (after[keywordPart] === undefined) out.push({ indent: 2, text: `${keyword} ${quoteString(value)}${ending(valuePart)}` });
      else out.push({ indent: 2, text: `${keyword}${ending(keywordPart)}` }, { indent: 4, text: `${quoteString(value)}${ending(valuePart)}` });
    };
    if (d.title) part("title", d.title.value, "titleKeyword", "title");
    if (d.description) part("description", d.description.value, "descriptionKeyword", "description");
    const flat = after.as === undefined ? this.flat(expr, false) : null;
    if (flat && this.fits(0, "as ", flat)) {
      append(out, commentLines(flat.lead, 0));
      out.push({ indent: 0, text: `as ${flat.text}${trailText(flat)}` });
    } else {
      out.push({ indent: 0, text: `as${ending("as")}` });
      append(out, this.render(expr, 2, "", false));
    }
    return out;
  }

  /** Whether `prefix` + the flat text (+ its trailing comment) fits on a line at `indent`. */
  private fits(indent: number, prefix: string, flat: Flat, extra = 0, moreTrail: string[] = []): boolean {
    return indent + prefix.length + flat.text.length + trailLength(flat.trail) + trailLength(moreTrail) + extra <= this.width;
  }

  /**
   * `node` on one line, or null when a comment inside it needs a line break or it is longer than the width. `followed`: something comes
   * after the node in the same parenthesis level (so an event's `where` filter must be closed off).
   */
  private flat(node: A.Expr, followed: boolean): Flat | null {
    // Every level of `render` asks for the flat form of its subtree, so it is computed once per node (and
    // `followed`), and a text longer than the width (which fits no line) is dropped as soon as it is known:
    // formatting stays linear in the text however deep the nesting.
    let cached = this.flatCache.get(node);
    if (!cached) {
      cached = [undefined, undefined];
      this.flatCache.set(node, cached);
    }
    const slot = followed ? 1 : 0;
    let result = cached[slot];
    if (result === undefined) {
      result = this.flatUncached(node, followed);
      if (result && result.text.length > this.width) result = null;
      cached[slot] = result;
    }
    return result;
  }

  private flatUncached(node: A.Expr, followed: boolean): Flat | null {
    switch (node.kind) {
      case "rule":
      case "segmentRef": {
        const c = this.comments(node);
        if (c.list || c.inner) return null;
        return { text: node.kind === "rule" ? ruleText(node) : segmentRefText(node), lead: c.lead, trail: c.trail };
      }
      case "event": {
        const c = this.comments(node);
        if (c.list || c.inner) return null;
        const head = eventHead(node);
        if (!node.filter) return { text: head, lead: c.lead, trail: c.trail };
        if (c.trail.length > 0 || this.plan?.afterWhere.has(node)) return null;
        const filter = this.flat(node.filter, followed);
        if (!filter || filter.lead.length > 0) return null;
        return { text: `${head} where ${filter.text}`, lead: c.lead, trail: filter.trail };
      }
      case "not": {
        if (this.plan?.afterNot.has(node) || this.plan?.afterOpen.has(node.operand)) return null;
        const paren = needsParens(node.operand, "not", followed);
        const inner = this.flat(node.operand, paren ? false : followed);
        if (!inner) return null;
        // A comment after the operand's last rule ends the line, after the ')' if there is one (and one
        // after the `)` too puts the `)` on a line of its own).
        if (inner.trail.length > 0 && this.closing(node.operand).length > 0) return null;
        const trail = [...inner.trail, ...this.closing(node.operand)];
        if (paren) return { text: `not (${inner.text})`, lead: inner.lead, trail };
        return { text: `not ${inner.text}`, lead: inner.lead, trail };
      }
      case "and":
      case "or": {
        if (this.plan?.afterOperator.has(node)) return null;
        const parts: string[] = [];
        let lead: string[] = [];
        let trail: string[] = [];
        const n = node.operands.length;
        for (let i = 0; i < n; i++) {
          const child = node.operands[i]!;
          const childFollowed = i < n - 1 || followed;
          const paren = needsParens(child, node.kind, childFollowed);
          if (this.plan?.afterOpen.has(child)) return null;
          const f = this.flat(child, paren ? false : childFollowed);
          if (!f) return null;
          if (f.trail.length > 0 && this.closing(child).length > 0) return null;
          const childTrail = [...f.trail, ...this.closing(child)];
          if (i > 0 && f.lead.length > 0) return null;
          if (i < n - 1 && childTrail.length > 0) return null;
          if (i === 0) lead = f.lead;
          if (i === n - 1) trail = childTrail;
          parts.push(paren ? `(${f.text})` : f.text);
        }
        return { text: parts.join(` ${node.kind} `), lead, trail };
      }
    }
  }

  /** Comments after the `)` that closes `node` (when parenthesised). */
  private closing(node: A.Expr): string[] {
    return this.plan?.afterClose.get(node) ?? [];
  }

  /**
   * `node` at `indent`, its first code line starting with `prefix`; on one line when it fits. `after`:
   * comments that follow the prefix's last keyword, which end the prefix's line (the node then starts on
   * the next, indented two more).
   */
  render(node: A.Expr, indent: number, prefix: string, followed: boolean, after: string[] = []): Line[] {
    if (after.length > 0) return [{ indent, text: `${prefix.trimEnd()} ${after.join(" ")}` }, ...this.render(node, indent + 2, "", followed)];
    const flat = this.flat(node, followed);
    if (flat && this.fits(indent, prefix, flat)) {
      return [...commentLines(flat.lead, indent), { indent, text: prefix + flat.text + trailText(flat) }];
    }
    switch (node.kind) {
      case "rule":
      case "segmentRef": {
        // Only a rule's value list is ever broken; any other rule stays on one line even when it is too long.
        const c = this.comments(node);
        if (c.inner) return this.tokenLines(node, indent, prefix, c);
        const listText = node.kind === "rule" ? ruleListText(node) : null;
        if (listText) return this.listLines(listText, indent, prefix, c);
        const text = node.kind === "rule" ? ruleText(node) : segmentRefText(node);
        return [...commentLines(c.lead, indent), { indent, text: prefix + text + trailText(c) }];
      }
      case "event": {
        const c = this.comments(node);
        const head = eventHead(node);
        const headList = eventHeadListText(node);
        const headFits = !c.list && indent + prefix.length + head.length + trailText(c).length <= this.width;
        const out: Line[] = c.inner
          ? this.tokenLines(node, indent, prefix, c)
          : headList && !headFits
            ? this.listLines(headList, indent, prefix, c)
            : [...commentLines(c.lead, indent), { indent, text: prefix + head + trailText(c) }];
        const filter = node.filter;
        if (!filter) return out;
        const afterWhere = this.plan?.afterWhere.get(node) ?? [];
        const filterFlat = this.flat(filter, followed);
        if ((filter.kind === "and" || filter.kind === "or") && !(filterFlat && this.fits(indent + 2, "where ", filterFlat))) {
          const inner = this.render(filter, indent + 4, "", followed);
          // Comments before the filter's first rule go before `where` (unless a comment ends the `where` line).
          if (afterWhere.length === 0) append(out, hoistLeadingComments(inner, indent + 2));
          out.push({ indent: indent + 2, text: `where${trailText({ trail: afterWhere })}` });
          append(out, inner);
        } else {
          append(out, this.render(filter, indent + 2, "where ", followed, afterWhere));
        }
        return out;
      }
      case "not": {
        const after = this.plan?.afterNot.get(node) ?? [];
        if (needsParens(node.operand, "not", followed)) return this.parenthesized(node.operand, indent, `${prefix}not `, after);
        return this.render(node.operand, indent, `${prefix}not `, followed, after);
      }
      case "and":
      case "or": {
        const out: Line[] = [];
        const n = node.operands.length;
        const afterOperator = this.plan?.afterOperator.get(node);
        node.operands.forEach((child, i) => {
          const childPrefix = i === 0 ? prefix : `${node.kind} `;
          const after = afterOperator?.get(i) ?? [];
          const childFollowed = i < n - 1 || followed;
          let paren = needsParens(child, node.kind, childFollowed);
          if (!paren && node.kind === "or" && child.kind === "and" && this.groupingParens) {
            // An `and` inside an `or` that must be broken gets parentheses, so its grouping stays visible.
            const f = this.flat(child, childFollowed);
            paren = !(f && this.fits(indent, childPrefix, f, 0, this.closing(child))) || (this.plan?.afterOpen.has(child) ?? false)
              || (f.trail.length > 0 && this.closing(child).length > 0);
          }
          if (paren) append(out, this.parenthesized(child, indent, childPrefix, after));
          else {
            const lines = this.render(child, indent, childPrefix, childFollowed, after);
            // An `and` inside an `or` printed without its parentheses: a comment after its `)` ends its line.
            const close = this.closing(child);
            if (close.length > 0) lines[lines.length - 1]!.text += trailText({ trail: close });
            append(out, lines);
          }
        });
        return out;
      }
    }
  }

  /**
   * A list rule or event head broken at its list: `prefix before(` on the first line, the values filling the
   * lines after it (as many per line as fit, indented two spaces more), `)after` on the last line at
   * `indent`, followed by the anchor's trailing comment. A comment inside the list ends its value's line
   * (`same`) or has lines of its own before the value it precedes (`own`).
   */
  private listLines(l: ListText, indent: number, prefix: string, c: Attached): Line[] {
    const out: Line[] = [...commentLines(c.lead, indent), { indent, text: `${prefix}${l.before}(` }];
    const inner = indent + 2;
    let line = "";
    const flush = () => {
      if (line) out.push({ indent: inner, text: line });
      line = "";
    };
    const n = l.values.length;
    for (let i = 0; i < n; i++) {
      const own = c.list?.own.get(i);
      if (own) {
        flush();
        append(out, commentLines(own, inner));
      }
      const same = c.list?.same.get(i);
      const item = `${formatValue(l.values[i]!)}${i < n - 1 ? "," : ""}${same ? ` ${same.join(" ")}` : ""}`;
      if (line && inner + line.length + 1 + item.length <= this.width) line += ` ${item}`;
      else {
        flush();
        line = item;
      }
      if (same) flush();
    }
    flush();
    const own = c.list?.own.get(n);
    if (own) append(out, commentLines(own, inner));
    out.push({ indent, text: `)${l.after}${trailText(c)}` });
    return out;
  }

  /**
   * `(node)` on one line when it fits, else `(`, the node indented two spaces, `)`. `after`: comments after
   * the prefix's last keyword (see `render`). A comment after the `(` ends its line; one after the `)` ends
   * the line of the `)`.
   */
  private parenthesized(node: A.Expr, indent: number, prefix: string, after: string[] = []): Line[] {
    if (after.length > 0) return [{ indent, text: `${prefix.trimEnd()} ${after.join(" ")}` }, ...this.parenthesized(node, indent + 2, "")];
    const open = this.plan?.afterOpen.get(node) ?? [];
    const close = this.closing(node);
    const flat = open.length > 0 ? null : this.flat(node, false);
    if (flat && this.fits(indent, prefix, flat, 2, close) && !(flat.trail.length > 0 && close.length > 0)) {
      return [...commentLines(flat.lead, indent), { indent, text: `${prefix}(${flat.text})${trailText({ trail: [...flat.trail, ...close] })}` }];
    }
    const inner = this.render(node, indent + 2, "", false);
    // Comments before the group's first rule go before the `(` (unless a comment ends the `(` line).
    const lead = open.length > 0 ? [] : hoistLeadingComments(inner, indent);
    return [...lead, { indent, text: `${prefix}(${trailText({ trail: open })}` }, ...inner, { indent, text: `)${trailText({ trail: close })}` }];
  }

  /**
   * An anchor with comments after tokens inside it: its printed tokens, a line ending after each token a
   * comment follows (with the comment), the lines after the first indented two spaces more. Comments in
   * its value list end the line of the value they follow, or have lines of their own before the next. A
   * list broken so puts its values on lines of their own (as many as fit the width each) and `)` back at
   * the rule's indentation, as a broken list does without such comments.
   */
  private tokenLines(node: A.Expr, indent: number, prefix: string, c: Attached): Line[] {
    const printed = this.plan!.anchorTokens.get(node)!;
    const text = anchorText(node);
    const { tokens, valueStarts, valueEnds } = printed;
    const breakAfter = new Map<number, string[]>(c.inner);
    const ownBefore = new Map<number, string[]>();
    const add = (map: Map<number, string[]>, k: number, comments: string[]) => map.set(k, [...(map.get(k) ?? []), ...comments]);
    for (const [i, comments] of c.list?.same ?? []) {
      const v = valueEnds[i]!;
      add(breakAfter, tokens[v + 1]?.kind === "Comma" ? v + 1 : v, comments);
    }
    const n = valueStarts.length;
    const open = n > 0 ? valueStarts[0]! - 1 : -1; // the list's `(`
    const close = n > 0 ? valueEnds[n - 1]! + 1 : -1; // its `)`
    // Before value i, or before the list's `)` (i = the number of values).
    for (const [i, comments] of c.list?.own ?? []) add(ownBefore, i < n ? valueStarts[i]! : close, comments);
    // The list breaks when a comment is inside it, or when the line it would be on does not fit.
    let listBroken = n > 0 && [...breakAfter.keys(), ...ownBefore.keys()].some((k) => k >= open && k < close);
    // The line that holds the list's `(`: its values go two spaces in from it, its `)` back at it.
    const openLineStart = n > 0 ? Math.max(0, ...[...breakAfter.keys()].filter((k) => k < open).map((k) => k + 1)) : 0;
    const openIndent = openLineStart === 0 ? indent : indent + 2;
    if (n > 0 && !listBroken) {
      const from = openLineStart === 0 ? indent + prefix.length : indent + 2;
      listBroken = from + tokens[close]!.end - tokens[openLineStart]!.start > this.width;
    }

    const out: Line[] = [...commentLines(c.lead, indent)];
    let start = 0;
    const lineIndent = () => {
      if (start === 0) return indent;
      if (listBroken && start === close) return openIndent;
      if (listBroken && start > open && start < close) return openIndent + 2;
      return indent + 2;
    };
    const flush = (end: number, comments: string[]) => {
      const body = text.slice(tokens[start]!.start, tokens[end - 1]!.end);
      out.push({ indent: lineIndent(), text: `${start === 0 ? prefix : ""}${body}${trailText({ trail: comments })}` });
      start = end;
    };
    const last = tokens.length - 1;
    let value = 0;
    for (let k = 0; k <= last; k++) {
      if (listBroken && k === close && k > start) flush(k, []);
      if (listBroken && value < n && k === valueStarts[value]) {
        // Fill: a value that would pass the width starts the next line.
        const end = tokens[valueEnds[value]! + 1]?.kind === "Comma" ? valueEnds[value]! + 1 : valueEnds[value]!;
        const width = (start === 0 ? prefix.length : 0) + tokens[end]!.end - tokens[start]!.start;
        if (k > start && lineIndent() + width > this.width) flush(k, []);
        value++;
      }
      const own = ownBefore.get(k);
      if (own) {
        if (k > start) flush(k, []);
        append(out, commentLines(own, listBroken && k > open && k <= close ? openIndent + 2 : indent + 2));
      }
      const after = breakAfter.get(k);
      if (after && k < last) flush(k + 1, after);
      else if (listBroken && k === open && k < last) flush(k + 1, []);
    }
    flush(tokens.length, [...(breakAfter.get(last) ?? []), ...c.trail]);
    return out;
  }
}

/** A segment reference and how many levels deep it is written (`in segment` inside `(not …)`: 2). */
export interface RefAt {
  ref: A.SegmentRefExpr;
  depth: number;
}

/** How deep a condition nests as printed, and its references to segments (outside event filters, in text order). */
export interface Nesting {
  depth: number;
  refs: RefAt[];
}

/**
 * How deep a condition nests, counted as the parser counts the text (each `(`, `not` and `where` opens a
 * level), on the parentheses the formatter would write (those precedence needs): at most what the text
 * itself nests. Also lists its segment references outside event filters, in text order, with the depth
 * each is written at. Iterative: the depth is the user's.
 */
export function measureNesting(root: A.Expr): Nesting {
  const refs: RefAt[] = [];
  let max = 0;
  // Parallel stacks (expression, depth, flags) rather than an object per node: the checker measures
  // every condition it checks. Flags: FOLLOWED (text follows it at its level), IN_FILTER.
  const exprs: A.Expr[] = [root];
  const depths: number[] = [0];
  const flags: number[] = [0];
  while (exprs.length > 0) {
    const e = exprs.pop()!;
    const depth = depths.pop()!;
    const f = flags.pop()!;
    if (depth > max) max = depth;
    switch (e.kind) {
      case "and":
      case "or": {
        const n = e.operands.length;
        // Pushed last to first, so they come off the stack in text order.
        for (let i = n - 1; i >= 0; i--) {
          const child = e.operands[i]!;
          const childFollowed = i < n - 1 || (f & FOLLOWED) !== 0;
          const paren = needsParens(child, e.kind, childFollowed);
          exprs.push(child);
          depths.push(depth + (paren ? 1 : 0));
          flags.push((paren || !childFollowed ? 0 : FOLLOWED) | (f & IN_FILTER));
        }
        break;
      }
      case "not": {
        const paren = needsParens(e.operand, "not", (f & FOLLOWED) !== 0);
        exprs.push(e.operand);
        depths.push(depth + 1 + (paren ? 1 : 0));
        flags.push(paren ? f & IN_FILTER : f);
        break;
      }
      case "event":
        if (e.filter) {
          exprs.push(e.filter);
          depths.push(depth + 1);
          flags.push(f | IN_FILTER);
        }
        break;
      case "segmentRef":
        if ((f & IN_FILTER) === 0) refs.push({ ref: e, depth });
        break;
      default:
        break;
    }
  }
  return { depth: max, refs };
}

const FOLLOWED = 1;
const IN_FILTER = 2;

/**
 * Whether `child` needs parentheses as an operand of `parent` (precedence, and an event whose `where`
 * filter would swallow what follows it). The checker counts nesting with the same rule.
 */
export function needsParens(child: A.Expr, parent: "and" | "or" | "not", followed: boolean): boolean {
  if (child.kind === "event") return child.filter !== null && followed;
  if (parent === "not") return child.kind === "and" || child.kind === "or";
  if (parent === "and") return child.kind === "or";
  return false;
}

/**
 * Removes the comment lines that open `lines` (comments before the group's first rule) and returns them at
 * `indent`, so they are printed before the line that opens the group (`(`, `where`): where they would be
 * attached again when the output is parsed.
 */
function hoistLeadingComments(lines: Line[], indent: number): Line[] {
  let n = 0;
  while (n < lines.length && lines[n]!.comment) n++;
  return lines.splice(0, n).map((l) => ({ ...l, indent }));
}

/** `out.push(...lines)` without the spread, which overflows the stack for 100,000s of lines. */
function append(out: Line[], lines: Line[]): void {
  for (const l of lines) out.push(l);
}

/** A declaration without comments on its head's lines. */
const NO_HEAD_COMMENTS: Partial<Record<HeadPart, string>> = {};

function commentLines(comments: string[], indent: number): Line[] {
  return comments.map((text) => ({ indent, text, comment: true }));
}

/** The length of `trailText` of `trail` (without building it: `fits` is asked for every node). */
function trailLength(trail: string[]): number {
  let n = 0;
  for (const t of trail) n += 1 + t.length;
  return n;
}

function trailText(c: { trail: string[] }): string {
  return c.trail.length > 0 ? ` ${c.trail.join(" ")}` : "";
}

/**
 * True when two documents say the same thing: equal ignoring spans and whether a field was written in
 * backticks (`` `status` `` and `status` are the same field; the formatter drops backticks a name does not
 * need), with the same comment texts (ignoring trailing spaces, which the formatter drops). `segql fmt`
 * uses it to refuse any output that would not parse back to its input.
 */
export function sameDocument(a: A.SegqlDocument, b: A.SegqlDocument): boolean {
  const comments = (d: A.SegqlDocument) => d.comments.map((c) => c.text.trimEnd()).sort();
  return equalIgnoringSpans(a.segments, b.segments) && equalIgnoringSpans(comments(a), comments(b)) && a.bare === b.bare;
}

function equalIgnoringSpans(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === "number" && typeof b === "number") return Number.isNaN(a) && Number.isNaN(b);
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  // A field reference is the one node with `quoted` and no `kind`; a bare word's `quoted` (a value) counts.
  const isFieldRef = (o: object) => "quoted" in o && !("kind" in o);
  const keys = (o: object) => Object.keys(o).filter((k) => k !== "span" && k !== "nameSpan" && !(k === "quoted" && isFieldRef(o)));
  const ka = keys(a);
  const kb = keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => equalIgnoringSpans((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
