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
 * Comments (`--`) are never dropped. Each is attached to the nearest "anchor" (a rule, a segment reference
 * or the head of an event, everything before `where`):
 * - on the line where an anchor ends, after it: kept at the end of the line where that anchor ends (after
 *   any `)` closing there); it counts toward the line width;
 * - inside a value list, after its first value: kept in the list, after the value it follows. A comment on
 *   that value's line ends the value's line (after its comma); one on a line of its own stays on a line of
 *   its own before the next value (or before `)`). Such a comment forces the list, and the groups around
 *   the rule, to be broken;
 * - inside an anchor otherwise (for example between `in` and the first value) or before it: printed on its
 *   own line before the line where the anchor starts;
 * - at the end of the line of a declaration's name (or `as`), title or description, before its condition:
 *   kept at the end of that part's line (after the name, the `segment "…" as` line, and the condition
 *   starts on the next);
 * - before, between or after segment declarations (and after the last rule of one): kept there, with one
 *   blank line kept where the text had one or more.
 * A comment before the first rule of a group is printed before the line that opens the group (`(`,
 * `where`, `and …`). A comment anywhere but before the first rule or after the last rule of a group forces
 * that group to be broken over lines.
 */
import type { Span } from "../diagnostics.js";
import type * as A from "./ast.js";
import { forEachExpr } from "./ast.js";
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

    let next = 0; // index of the first anchor starting at or after the current comment
    for (const c of comments) {
      while (next < anchors.length && anchors[next]!.start < c.span.start) next++;
      // (a) inside an anchor: after the first value of its list, in the list; otherwise before the anchor.
      const inside = findContaining(anchors, next, c.span.start);
      if (inside) {
        if (!this.attachInList(inside.node, c)) this.attach(inside.node).lead.push(c.text.trimEnd());
        continue;
      }
      // (b) on the line where an anchor ends, after it: at the end of the line where that anchor ends.
      const previous = lastEndingBefore(anchors, next, c.span.start);
      if (previous && previous.end - 1 >= lineStart(c)) {
        this.attach(previous.node).trail.push(c.text.trimEnd());
        continue;
      }
      // (c) before the next anchor of the same declaration; else before the next declaration, or at the end.
      const d = declSpans.findIndex((s) => s.start <= c.span.start && c.span.start < s.end);
      const following = anchors[next];
      // Before the condition, on the line of a part of the declaration's head: at the end of that part's line.
      const part = d >= 0 ? headPartOnLine(document.segments[d]!, c) : null;
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

  /** Attaches `c` to the list of `node` when it comes after the list's first value; false otherwise. */
  private attachInList(node: A.Expr, c: A.Comment): boolean {
    const test = listTestOf(node);
    const values = test ? listOfTest(test)!.values : [];
    if (values.length === 0 || c.span.start <= values[0]!.span.start) return false;
    let i = 0;
    while (i + 1 < values.length && values[i + 1]!.span.start < c.span.start) i++;
    const attached = this.attach(node);
    const list = (attached.list ??= { own: new Map(), same: new Map() });
    const [map, at] = values[i]!.span.line === c.span.line ? [list.same, i] : [list.own, i + 1];
    map.set(at, [...(map.get(at) ?? []), c.text.trimEnd()]);
    return true;
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

/** The parts of a declaration's head a comment may follow on their line. */
type HeadPart = "name" | "title" | "description";

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
    const head = `segment ${quoteString(d.name ?? "")}`;
    const expr = d.expr;
    if (!expr) throw new Error("cannot format a document with syntax errors (a segment has no condition)");
    this.useGroupingParens(expr);
    const out: Line[] = [];
    const extra: string[] = [];
    const ending = (part: HeadPart) => (after[part] !== undefined ? ` ${after[part]}` : "");
    if (d.title) extra.push(`title ${quoteString(d.title.value)}${ending("title")}`);
    if (d.description) extra.push(`description ${quoteString(d.description.value)}${ending("description")}`);
    if (extra.length === 0) {
      // A comment after the name (`segment "A" as -- why`) ends the line: the condition goes below.
      const flat = after.name === undefined ? this.flat(expr, false) : null;
      if (flat && this.fits(0, `${head} as `, flat)) return [...commentLines(flat.lead, 0), { indent: 0, text: `${head} as ${flat.text}${trailText(flat)}` }];
      out.push({ indent: 0, text: `${head} as${ending("name")}` });
      append(out, this.render(expr, 2, "", false));
      return out;
    }
    out.push({ indent: 0, text: `${head}${ending("name")}` });
    for (const e of extra) out.push({ indent: 2, text: e });
    const flat = this.flat(expr, false);
    if (flat && this.fits(0, "as ", flat)) {
      append(out, commentLines(flat.lead, 0));
      out.push({ indent: 0, text: `as ${flat.text}${trailText(flat)}` });
    } else {
      out.push({ indent: 0, text: "as" });
      append(out, this.render(expr, 2, "", false));
    }
    return out;
  }

  /** Whether `prefix` + the flat text (+ its trailing comment) fits on a line at `indent`. */
  private fits(indent: number, prefix: string, flat: Flat, extra = 0): boolean {
    return indent + prefix.length + flat.text.length + trailText(flat).length + extra <= this.width;
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
        if (c.list) return null;
        return { text: node.kind === "rule" ? ruleText(node) : segmentRefText(node), lead: c.lead, trail: c.trail };
      }
      case "event": {
        const c = this.comments(node);
        if (c.list) return null;
        const head = eventHead(node);
        if (!node.filter) return { text: head, lead: c.lead, trail: c.trail };
        if (c.trail.length > 0) return null;
        const filter = this.flat(node.filter, followed);
        if (!filter || filter.lead.length > 0) return null;
        return { text: `${head} where ${filter.text}`, lead: c.lead, trail: filter.trail };
      }
      case "not": {
        const paren = needsParens(node.operand, "not", followed);
        const inner = this.flat(node.operand, paren ? false : followed);
        if (!inner) return null;
        // A comment after the operand's last rule ends the line, after the ')' if there is one.
        if (paren) return { text: `not (${inner.text})`, lead: inner.lead, trail: inner.trail };
        return { text: `not ${inner.text}`, lead: inner.lead, trail: inner.trail };
      }
      case "and":
      case "or": {
        const parts: string[] = [];
        let lead: string[] = [];
        let trail: string[] = [];
        const n = node.operands.length;
        for (let i = 0; i < n; i++) {
          const child = node.operands[i]!;
          const childFollowed = i < n - 1 || followed;
          const paren = needsParens(child, node.kind, childFollowed);
          const f = this.flat(child, paren ? false : childFollowed);
          if (!f) return null;
          if (i > 0 && f.lead.length > 0) return null;
          if (i < n - 1 && f.trail.length > 0) return null;
          if (i === 0) lead = f.lead;
          if (i === n - 1) trail = f.trail;
          parts.push(paren ? `(${f.text})` : f.text);
        }
        return { text: parts.join(` ${node.kind} `), lead, trail };
      }
    }
  }

  /** `node` at `indent`, its first code line starting with `prefix`; on one line when it fits. */
  render(node: A.Expr, indent: number, prefix: string, followed: boolean): Line[] {
    const flat = this.flat(node, followed);
    if (flat && this.fits(indent, prefix, flat)) {
      return [...commentLines(flat.lead, indent), { indent, text: prefix + flat.text + trailText(flat) }];
    }
    switch (node.kind) {
      case "rule":
      case "segmentRef": {
        // Only a rule's value list is ever broken; any other rule stays on one line even when it is too long.
        const c = this.comments(node);
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
        const out: Line[] =
          headList && !headFits
            ? this.listLines(headList, indent, prefix, c)
            : [...commentLines(c.lead, indent), { indent, text: prefix + head + trailText(c) }];
        const filter = node.filter;
        if (!filter) return out;
        const filterFlat = this.flat(filter, followed);
        if ((filter.kind === "and" || filter.kind === "or") && !(filterFlat && this.fits(indent + 2, "where ", filterFlat))) {
          const inner = this.render(filter, indent + 4, "", followed);
          append(out, hoistLeadingComments(inner, indent + 2));
          out.push({ indent: indent + 2, text: "where" });
          append(out, inner);
        } else {
          append(out, this.render(filter, indent + 2, "where ", followed));
        }
        return out;
      }
      case "not": {
        if (needsParens(node.operand, "not", followed)) return this.parenthesized(node.operand, indent, `${prefix}not `);
        return this.render(node.operand, indent, `${prefix}not `, followed);
      }
      case "and":
      case "or": {
        const out: Line[] = [];
        const n = node.operands.length;
        node.operands.forEach((child, i) => {
          const childPrefix = i === 0 ? prefix : `${node.kind} `;
          const childFollowed = i < n - 1 || followed;
          let paren = needsParens(child, node.kind, childFollowed);
          if (!paren && node.kind === "or" && child.kind === "and" && this.groupingParens) {
            // An `and` inside an `or` that must be broken gets parentheses, so its grouping stays visible.
            const f = this.flat(child, childFollowed);
            paren = !(f && this.fits(indent, childPrefix, f));
          }
          append(out, paren ? this.parenthesized(child, indent, childPrefix) : this.render(child, indent, childPrefix, childFollowed));
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

  /** `(node)` on one line when it fits, else `(`, the node indented two spaces, `)`. */
  private parenthesized(node: A.Expr, indent: number, prefix: string): Line[] {
    const flat = this.flat(node, false);
    if (flat && this.fits(indent, prefix, flat, 2)) {
      return [...commentLines(flat.lead, indent), { indent, text: `${prefix}(${flat.text})${trailText(flat)}` }];
    }
    const inner = this.render(node, indent + 2, "", false);
    const lead = hoistLeadingComments(inner, indent);
    return [...lead, { indent, text: `${prefix}(` }, ...inner, { indent, text: ")" }];
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
