/**
 * Text → builder: the rule groups `react-querybuilder` shows for a segql expression, and where each rule
 * and group sits in the text (so an edit in the builder can rewrite just that part, edit.ts).
 *
 * The builder shows the grouping as written: the parser drops parentheses and flattens `a and (b and c)`
 * into one `and`, but a parenthesised part is a group the analyst made (`(b and c)`, or `(b)` just created
 * by "Add Group"), so the parentheses are found again in the tokens and become groups. Mapping back
 * (to-ast.ts) flattens them as the parser does, so `astOfQuery(fromText(t).query)` equals `parse(t)`.
 *
 *   and/or        → a group with that combinator (its parentheses are its own)
 *   not X         → a group with NOT: X's operands, or X alone
 *   ( … ) inside an and/or around some of its operands → a group of those operands
 *   field test    → a rule (Field, Operator, Value) when the schema knows the field and the builder has the
 *                   operator and value kinds; otherwise a text rule that keeps the condition's text as written
 *   event         → an event rule (behaviour.ts: name, how often, when, the filter as written), `not` right
 *                   before it its operator; the forms it has no controls for, a text rule
 *   in segment    → a segment rule; `not in segment` its operator
 *
 * Ids are paths (`g`, `g.0`, `g.0.2`): the same structure gets the same ids after every edit, so React keeps
 * the builder's inputs (and their focus) while a value is typed.
 */
import type { IToken } from "chevrotain";
import type * as A from "../parser/ast.js";
import { parse } from "../parser/index.js";
import { findField, type Schema } from "../schema/schema.js";
import { builderTest } from "./values.js";
import { eventValueOf } from "./behaviour.js";
import { EVENT_FIELD, SEGMENT_FIELD, TEXT_FIELD, TEXT_OPERATOR, type BuilderEvent, type BuilderGroup, type BuilderLiteral, type BuilderNode, type BuilderRule, type BuilderValue } from "./types.js";

/** A half-open range of UTF-16 offsets into the text. */
export type Range = readonly [number, number];

/** Where a rule is: its range (an event's own parentheses included) and its AST node. */
export interface RuleSource {
  kind: "rule";
  range: Range;
  expr: A.Expr;
}

/**
 * Where a group is. `range` covers the group as it is written (its `not`, its own parentheses); null for
 * the root of an empty text. `parenthesized`: the operands sit inside parentheses of the group, so text
 * appended after the last one stays in the group. `notToken`: the `not` of a NOT group.
 */
export interface GroupSource {
  kind: "group";
  role: "root" | "junction" | "paren" | "not";
  range: Range | null;
  parenthesized: boolean;
  notToken: Range | null;
}

/** Where a builder node is in the text. */
export type NodeSource = RuleSource | GroupSource;

/** The builder's view of a text: the query, where each node is, and the tokens (for separators). */
export interface BuilderView {
  text: string;
  query: BuilderGroup;
  sources: ReadonlyMap<string, NodeSource>;
  tokens: readonly IToken[];
  /** Rules (text rules included) in the query. */
  rules: number;
}

/** Why the builder cannot show a text. */
export interface NotShown {
  /** A sentence for the analyst. */
  reason: string;
  /** Where the problem is (1-based), when it is a place in the text. */
  line?: number;
  column?: number;
}

/** The builder shows at most this many rules (a larger expression is edited as text). */
export const MAX_BUILDER_RULES = 400;

/** The id of the root group. */
export const ROOT_ID = "g";

/** The builder's view of `text`, or why it has none (a syntax error, segment declarations, too large). */
export function fromText(text: string, schema: Schema | null): { ok: true; view: BuilderView } | ({ ok: false } & NotShown) {
  const parsed = parse(text);
  const error = parsed.diagnostics.find((d) => d.severity === "error");
  if (error) return { ok: false, reason: `fix the text first (${error.span.line}:${error.span.column}: ${error.message})`, line: error.span.line, column: error.span.column };
  const doc = parsed.document;
  if (!doc.bare) return { ok: false, reason: "the text declares segments; the builder edits one expression" };
  const expr = doc.segments[0]?.expr ?? null;
  const mapper = new Mapper(text, parsed.tokens, schema);
  const query = expr ? mapper.root(expr) : emptyRoot(mapper);
  if (mapper.rules > MAX_BUILDER_RULES) return { ok: false, reason: `the expression has ${mapper.rules} conditions; the builder shows up to ${MAX_BUILDER_RULES} (edit it as text)` };
  return { ok: true, view: { text, query, sources: mapper.sources, tokens: parsed.tokens, rules: mapper.rules } };
}

function emptyRoot(m: Mapper): BuilderGroup {
  m.sources.set(ROOT_ID, { kind: "group", role: "root", range: null, parenthesized: false, notToken: null });
  return { id: ROOT_ID, combinator: "and", not: false, rules: [] };
}

/** A pair of matching parentheses: token indexes. */
interface Pair {
  open: number;
  close: number;
}

/** Token positions and parenthesis structure of a text. */
export class TokenIndex {
  readonly starts: number[];
  /** For each `(` token index, the index of its `)`. */
  readonly closeOf = new Map<number, number>();
  /** For each `)` token index, the index of its `(`. */
  readonly openOf = new Map<number, number>();
  /** For each token, the index of the innermost `(` enclosing it (-1: none). */
  readonly parentOpen: number[];

  constructor(readonly tokens: readonly IToken[]) {
    this.starts = tokens.map((t) => t.startOffset);
    this.parentOpen = new Array<number>(tokens.length).fill(-1);
    const stack: number[] = [];
    tokens.forEach((t, i) => {
      const name = t.tokenType.name;
      if (name === "RParen") {
        const open = stack.pop();
        if (open !== undefined) {
          this.closeOf.set(open, i);
          this.openOf.set(i, open);
        }
      }
      this.parentOpen[i] = stack.length > 0 ? stack[stack.length - 1]! : -1;
      if (name === "LParen") stack.push(i);
    });
  }

  /** Index of the first token starting at or after `offset`. */
  atOrAfter(offset: number): number {
    let lo = 0;
    let hi = this.starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.starts[mid]! < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** End offset (exclusive) of token `i`. */
  end(i: number): number {
    return this.tokens[i]!.endOffset! + 1;
  }

  /** `range` widened over the parentheses that enclose exactly it; and how many there were. */
  tight(range: Range): { range: Range; pairs: Pair[] } {
    let [s, e] = range;
    const pairs: Pair[] = [];
    for (;;) {
      const before = this.atOrAfter(s) - 1;
      const after = this.atOrAfter(e);
      if (before < 0 || after >= this.tokens.length) break;
      if (this.tokens[before]!.tokenType.name !== "LParen" || this.closeOf.get(before) !== after) break;
      pairs.push({ open: before, close: after });
      s = this.tokens[before]!.startOffset;
      e = this.end(after);
    }
    return { range: [s, e], pairs };
  }

  /**
   * Where an expression's text really is. The parser's spans of `and`/`or` run from the first operand's
   * span to the last one's and a `not`'s to its operand's, so they leave out the parentheses around those
   * operands (`(a or b) and c` starts at `a`); leaves' spans are exact.
   */
  extent(e: A.Expr): Range {
    switch (e.kind) {
      case "not":
        return this.balanced([e.span.start, this.tight(this.extent(e.operand)).range[1]]);
      case "and":
      case "or":
        // Parentheses around runs of operands the parser flattened (`(a and (b and c))`) open after the
        // first operand starts or close after the last one ends: the range takes them in.
        return this.balanced([this.tight(this.extent(e.operands[0]!)).range[0], this.tight(this.extent(e.operands[e.operands.length - 1]!)).range[1]]);
      default:
        return [e.span.start, e.span.end];
    }
  }

  /** `range` widened until every parenthesis in it has its partner in it. */
  private balanced(range: Range): Range {
    let [s, e] = range;
    for (let changed = true; changed; ) {
      changed = false;
      for (let i = this.atOrAfter(s); i < this.tokens.length && this.starts[i]! < e; i++) {
        const name = this.tokens[i]!.tokenType.name;
        if (name === "RParen") {
          const open = this.openOf.get(i);
          if (open !== undefined && this.starts[open]! < s) {
            s = this.starts[open]!;
            changed = true;
          }
        } else if (name === "LParen") {
          const close = this.closeOf.get(i);
          if (close !== undefined && this.end(close) > e) {
            e = this.end(close);
            changed = true;
          }
        }
      }
    }
    return [s, e];
  }

  /** The parenthesis pairs enclosing the token at `start`, innermost first. */
  enclosing(start: number): Pair[] {
    const out: Pair[] = [];
    let p = this.parentOpen[this.atOrAfter(start)] ?? -1;
    while (p >= 0) {
      const close = this.closeOf.get(p);
      if (close === undefined) break;
      out.push({ open: p, close });
      p = this.parentOpen[p]!;
    }
    return out;
  }
}

/** Maps an AST to builder nodes, recording sources. */
class Mapper {
  readonly sources = new Map<string, NodeSource>();
  rules = 0;
  private readonly index: TokenIndex;

  constructor(
    private readonly text: string,
    tokens: readonly IToken[],
    private readonly schema: Schema | null,
  ) {
    this.index = new TokenIndex(tokens);
  }

  root(expr: A.Expr): BuilderGroup {
    const t = this.index.tight(this.index.extent(expr));
    if (t.pairs.length > 0) {
      // `(a and b)` or `(a)` as the whole text: a group inside the root, as written (and as "+ Group" on an
      // empty builder writes it), so what is added next goes beside it.
      this.sources.set(ROOT_ID, { kind: "group", role: "root", range: t.range, parenthesized: false, notToken: null });
      return { id: ROOT_ID, combinator: "and", not: false, rules: [this.parenthesised(expr, `${ROOT_ID}.0`, t.range)] };
    }
    if (expr.kind === "and" || expr.kind === "or") {
      this.sources.set(ROOT_ID, { kind: "group", role: "root", range: t.range, parenthesized: t.pairs.length > 0, notToken: null });
      return { id: ROOT_ID, combinator: expr.kind, not: false, rules: this.operands(expr, ROOT_ID) };
    }
    if (expr.kind === "not" && !this.negatedLeaf(expr)) return this.notGroup(expr, ROOT_ID, t.range, "root");
    this.sources.set(ROOT_ID, { kind: "group", role: "root", range: t.range, parenthesized: t.pairs.length > 0, notToken: null });
    return { id: ROOT_ID, combinator: "and", not: false, rules: [this.leaf(expr, `${ROOT_ID}.0`, this.index.extent(expr))] };
  }

  /** A NOT group; the parentheses between `not` and its operand are the group's. */
  private notGroup(n: A.NotExpr, id: string, range: Range, role: "root" | "not"): BuilderGroup {
    const inner = n.operand;
    const t = this.index.tight(this.index.extent(inner));
    const notIndex = this.index.atOrAfter(n.span.start);
    this.sources.set(id, { kind: "group", role, range, parenthesized: t.pairs.length > 0, notToken: [n.span.start, this.index.end(notIndex)] });
    if (inner.kind === "and" || inner.kind === "or") return { id, combinator: inner.kind, not: true, rules: this.operands(inner, id) };
    const childId = `${id}.0`;
    const child = inner.kind === "not" ? this.notOrLeaf(inner, childId, this.index.extent(inner)) : this.leaf(inner, childId, this.index.extent(inner));
    return { id, combinator: "and", not: true, rules: [child] };
  }

  /**
   * The operands of an and/or as builder nodes, with the parenthesised runs of operands the parser
   * flattened made into groups again.
   */
  private operands(j: A.AndExpr | A.OrExpr, id: string): BuilderNode[] {
    const ops = j.operands;
    // Each operand's own range: a junction's, a NOT's and an event filter's parentheses are theirs.
    const own: Range[] = ops.map((o) => (ownsParens(o) ? this.index.tight(this.index.extent(o)).range : this.index.extent(o)));
    // The pairs around each operand that do not enclose every operand (those are the junction's own).
    const first = own[0]![0];
    const last = own[own.length - 1]![1];
    const enclosesAll = (p: Pair) => this.index.tokens[p.open]!.startOffset < first && this.index.end(p.close) >= last;
    const chains = own.map((r) => this.index.enclosing(r[0]).filter((p) => !enclosesAll(p)).reverse());
    // Members of each pair: the first and last operand it encloses. A pair around the same operands as the
    // pair just outside it adds nothing (`((a and b))`): dropped.
    const members = new Map<number, [number, number]>();
    chains.forEach((chain, i) => {
      for (const p of chain) {
        const m = members.get(p.open);
        members.set(p.open, m ? [Math.min(m[0], i), Math.max(m[1], i)] : [i, i]);
      }
    });
    const same = (a: Pair, b: Pair) => {
      const x = members.get(a.open)!;
      const y = members.get(b.open)!;
      return x[0] === y[0] && x[1] === y[1];
    };
    const cleaned = chains.map((chain) => chain.filter((p, k) => k === 0 || !same(p, chain[k - 1]!)));
    const items = ops.map((expr, i) => ({ expr, range: own[i]!, chain: cleaned[i]! }));
    return this.nest(items, 0, j.kind, id);
  }

  private nest(items: { expr: A.Expr; range: Range; chain: Pair[] }[], level: number, combinator: "and" | "or", id: string): BuilderNode[] {
    const out: BuilderNode[] = [];
    let k = 0;
    while (k < items.length) {
      const childId = `${id}.${out.length}`;
      const pair = items[k]!.chain[level];
      if (!pair) {
        out.push(this.operand(items[k]!.expr, items[k]!.range, childId));
        k++;
        continue;
      }
      let j = k;
      while (j < items.length && items[j]!.chain[level]?.open === pair.open) j++;
      const range: Range = [this.index.tokens[pair.open]!.startOffset, this.index.end(pair.close)];
      this.sources.set(childId, { kind: "group", role: "paren", range, parenthesized: true, notToken: null });
      out.push({ id: childId, combinator, not: false, rules: this.nest(items.slice(k, j), level + 1, combinator, childId) });
      k = j;
    }
    return out;
  }

  /** An expression in parentheses of its own: a junction keeps them, anything else is a group of one. */
  private parenthesised(e: A.Expr, id: string, range: Range): BuilderNode {
    if (e.kind === "and" || e.kind === "or") return this.operand(e, range, id);
    this.sources.set(id, { kind: "group", role: "paren", range, parenthesized: true, notToken: null });
    const inner = this.index.extent(e);
    const child = e.kind === "not" ? this.notOrLeaf(e, `${id}.0`, inner) : this.leaf(e, `${id}.0`, inner);
    return { id, combinator: "and", not: false, rules: [child] };
  }

  private operand(o: A.Expr, range: Range, id: string): BuilderNode {
    if (o.kind === "and" || o.kind === "or") {
      const t = this.index.tight(this.index.extent(o));
      this.sources.set(id, { kind: "group", role: "junction", range, parenthesized: t.pairs.length > 0, notToken: null });
      return { id, combinator: o.kind, not: false, rules: this.operands(o, id) };
    }
    if (o.kind === "not") return this.notOrLeaf(o, id, range);
    return this.leaf(o, id, range);
  }

  /** `not X`: one rule when X is an event or segment rule (`not performed …`), else a NOT group. */
  private notOrLeaf(n: A.NotExpr, id: string, range: Range): BuilderNode {
    return this.negatedLeaf(n) ? this.leaf(n, id, range) : this.notGroup(n, id, range, "not");
  }

  /**
   * Whether `not X` is one rule: X an event or segment reference the builder shows as a rule, right after
   * the `not` (parentheses between them are a group as written, except an event filter's own).
   */
  private negatedLeaf(n: A.NotExpr): boolean {
    const o = n.operand;
    if (o.kind !== "event" && o.kind !== "segmentRef") return false;
    const pairs = this.index.tight(this.index.extent(o)).pairs.length;
    if (o.kind === "segmentRef") return pairs === 0;
    return (pairs === 0 || (pairs === 1 && o.filter !== null)) && this.eventValue(o) !== null;
  }

  /** An event condition's rule value, its filter's text as written; null when it stays a text rule. */
  private eventValue(e: A.EventExpr): BuilderEvent | null {
    if (!this.schema?.events) return null;
    const where = e.filter ? this.index.tight(this.index.extent(e.filter)).range : null;
    return eventValueOf(e, where ? this.text.slice(where[0], where[1]) : null);
  }

  private leaf(expr: A.Expr, id: string, range: Range): BuilderRule {
    this.rules++;
    this.sources.set(id, { kind: "rule", range, expr });
    const rule = expr.kind === "rule" ? this.fieldRule(expr, id) : this.behaviourRule(expr, id);
    return rule ?? { id, field: TEXT_FIELD, operator: TEXT_OPERATOR, value: this.text.slice(expr.span.start, expr.span.end) };
  }

  /** An event or segment rule (`not` before it made its operator), or null when it stays a text rule. */
  private behaviourRule(expr: A.Expr, id: string): BuilderRule | null {
    const not = expr.kind === "not";
    const inner = expr.kind === "not" ? expr.operand : expr;
    if (inner.kind === "segmentRef") return { id, field: SEGMENT_FIELD, operator: not ? "notInSegment" : "inSegment", value: inner.name };
    if (inner.kind !== "event") return null;
    const value = this.eventValue(inner);
    return value ? { id, field: EVENT_FIELD, operator: not ? "notPerformed" : "performed", value } : null;
  }

  /** A Field / Operator / Value rule, or null when the builder cannot show this test as one. */
  private fieldRule(r: A.RuleExpr, id: string): BuilderRule | null {
    if (!this.schema) return null;
    const def = findField(this.schema, r.field.name);
    const shown = def ? builderTest(def, r.test) : null;
    return shown ? { id, field: def!.name, operator: shown.operator, value: shown.value, fieldText: r.field.name } : null;
  }
}

/**
 * Whether an operand's tight parentheses are part of it rather than a group of one: a junction's (they may
 * be required) and an event filter's (they close the filter). `(not x)` and `(x)` are groups as written.
 */
function ownsParens(o: A.Expr): boolean {
  return o.kind === "and" || o.kind === "or" || (o.kind === "event" && o.filter !== null);
}
