/**
 * Builder → text, as an edit: when the analyst changes the builder, only the part of the text that the
 * change is about is rewritten; every other character (comments, line breaks, the spelling of operators
 * and field names) stays as it was.
 *
 *   a value            → that value's characters (`"Pro"` → `"Team"`; both ends of a range; a list's items)
 *   an operator        → the test after the field (`is greater than 3` → `between 3 and 9`)
 *   a field            → the rule
 *   a rule or group removed → it and the `and`/`or` before it (after it, for the first)
 *   a rule or group added   → ` and <its text>` after the last one (a new group in parentheses, so it stays a group)
 *   the combinator     → the `and`/`or` keywords between the group's own conditions
 *   NOT on             → `not ` (and parentheses when the group's conditions need them); NOT off → the `not`
 *
 * Each result is checked: the new text must parse to what the builder now shows (`astOfQuery`). A change
 * this module does not recognise as one of the above (or whose minimal edit would not say the same) is
 * written by rewriting the group around it, still keeping every unchanged condition's text.
 */
import type * as A from "../parser/ast.js";
import { formatValue, sameDocument } from "../parser/format.js";
import { parse } from "../parser/index.js";
import type { Schema } from "../schema/schema.js";
import { ROOT_ID, TokenIndex, type BuilderView, type GroupSource, type Range, type RuleSource } from "./from-text.js";
import { builderOperator } from "./operators.js";
import { astOfQuery, fieldOf, isEmptyGroup, printChild, printGroup, printRule, endsInFilter, isBehaviour, type Reuse } from "./to-ast.js";
import { isGroup, isTextRule, type BuilderDuration, type BuilderGroup, type BuilderLiteral, type BuilderNode, type BuilderRule } from "./types.js";
import { coerceValue, testText, valueOf } from "./values.js";

/** Replace `[from, to)` of the old text with `insert`. */
export interface TextEdit {
  from: number;
  to: number;
  insert: string;
}

/** What a builder change does to the text. */
export interface QueryEdit {
  /** The new text. */
  text: string;
  /** The edits, in the old text's offsets, that make it. */
  edits: TextEdit[];
  /** True when only the changed part was rewritten (false: the group around it was rewritten). */
  minimal: boolean;
  /** True when the new text parses to what the builder shows (always, barring a bug). */
  exact: boolean;
}

/** The text after a builder change from `view.query` to `next`. */
export function editText(view: BuilderView, next: BuilderGroup, schema: Schema | null): QueryEdit {
  const neu = pruneEmpty(next);
  const planner = new Planner(view, schema);
  let edits: TextEdit[] | null = planner.group(view.query, neu) ? planner.edits : null;
  let text = edits ? applyEdits(view.text, edits) : null;
  if (text !== null && edits && saysTheSame(text, neu, schema)) return { text, edits, minimal: true, exact: true };
  edits = [rewriteRoot(view, neu, schema)];
  text = applyEdits(view.text, edits) ?? view.text;
  return { text, edits, minimal: false, exact: saysTheSame(text, neu, schema) };
}

/** Applies non-overlapping edits (old offsets); null when two overlap or insert at the same place. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string | null {
  const sorted = [...edits].sort((a, b) => a.from - b.from || a.to - b.to);
  for (let i = 1; i < sorted.length; i++) {
    const p = sorted[i - 1]!;
    const c = sorted[i]!;
    if (c.from < p.to || (c.from === p.from && (p.from === p.to || c.from === c.to))) return null;
  }
  let out = text;
  for (let i = sorted.length - 1; i >= 0; i--) {
    const e = sorted[i]!;
    out = out.slice(0, e.from) + e.insert + out.slice(e.to);
  }
  return out;
}

/** The one change that turns `before` into `after` (common prefix and suffix kept): for an editor transaction. */
export function singleChange(before: string, after: string): TextEdit {
  let start = 0;
  const max = Math.min(before.length, after.length);
  while (start < max && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let end = 0;
  while (end < max - start && before.charCodeAt(before.length - 1 - end) === after.charCodeAt(after.length - 1 - end)) end++;
  return { from: start, to: before.length - end, insert: after.slice(start, after.length - end) };
}

/** True when `text` parses to the expression `query` means. */
export function saysTheSame(text: string, query: BuilderGroup, schema: Schema | null): boolean {
  const parsed = parse(text);
  if (parsed.diagnostics.some((d) => d.severity === "error") || !parsed.document.bare) return false;
  let want: A.Expr | null;
  try {
    want = astOfQuery(query, schema);
  } catch {
    return false;
  }
  return sameExpr(parsed.document.segments[0]?.expr ?? null, want);
}

/** Two expressions are the same ignoring spans (and needless backticks). */
export function sameExpr(a: A.Expr | null, b: A.Expr | null): boolean {
  if (a === null || b === null) return a === b;
  return sameDocument(docOf(a), docOf(b));
}

function docOf(expr: A.Expr): A.SegqlDocument {
  const span = { start: 0, end: 0, line: 1, column: 1 };
  return { kind: "document", segments: [{ kind: "segment", name: null, nameSpan: null, title: null, description: null, expr, span }], bare: true, comments: [], span };
}

/** The query without groups that hold no rule (except the root): the text cannot hold them. */
export function pruneEmpty(group: BuilderGroup): BuilderGroup {
  const prune = (g: BuilderGroup): BuilderGroup => ({ ...g, rules: g.rules.filter((c) => !isEmptyGroup(c)).map((c) => (isGroup(c) ? prune(c) : c)) });
  return prune(group);
}

/** A stable text of a value (object keys sorted), for comparing builder nodes. */
function canon(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x as Record<string, unknown>).filter(([, y]) => y !== undefined).sort(([a], [b]) => (a < b ? -1 : 1))) : x,
  );
}

/** A node's meaning-bearing content (not its id, not the written field spelling). */
function content(n: BuilderNode): unknown {
  if (isGroup(n)) return { c: n.combinator, n: n.not, r: n.rules.map((r) => [r.id, content(r)]) };
  return { f: n.field, o: n.operator, v: n.value };
}

function sameNode(a: BuilderNode, b: BuilderNode): boolean {
  return a.id === b.id && canon(content(a)) === canon(content(b));
}

/** Rewrites the whole expression from the builder, keeping the text of every node left as it was. */
function rewriteRoot(view: BuilderView, neu: BuilderGroup, schema: Schema | null): TextEdit {
  const old = new Map<string, BuilderNode>();
  const stack: BuilderNode[] = [view.query];
  while (stack.length > 0) {
    const n = stack.pop()!;
    old.set(n.id, n);
    if (isGroup(n)) stack.push(...n.rules);
  }
  const reuse: Reuse = (node) => {
    const before = old.get(node.id);
    const src = view.sources.get(node.id);
    if (!before || !src || !src.range || node.id === ROOT_ID || !sameNode(before, node)) return null;
    return view.text.slice(src.range[0], src.range[1]);
  };
  const body = printGroup(neu, schema, reuse);
  const root = view.sources.get(ROOT_ID) as GroupSource | undefined;
  if (root?.range) return { from: root.range[0], to: root.range[1], insert: body };
  const prefix = view.text.trim() === "" || view.text.endsWith("\n") ? "" : "\n";
  return { from: view.text.length, to: view.text.length, insert: body === "" ? "" : `${prefix}${body}` };
}

/** Plans the minimal edits for one builder change. */
class Planner {
  readonly edits: TextEdit[] = [];
  private readonly index: TokenIndex;
  private readonly upper: boolean;

  constructor(
    private readonly view: BuilderView,
    private readonly schema: Schema | null,
  ) {
    this.index = new TokenIndex(view.tokens);
    // Keep the text's keyword case (`AND` stays upper case).
    const kw = view.tokens.find((t) => t.tokenType.name === "And" || t.tokenType.name === "Or");
    this.upper = kw !== undefined && kw.image === kw.image.toUpperCase();
  }

  private keyword(k: "and" | "or" | "not"): string {
    return this.upper ? k.toUpperCase() : k;
  }

  private range(node: BuilderNode): Range {
    const src = this.view.sources.get(node.id);
    if (!src?.range) throw new Error(`querybuilder: no source for ${node.id}`);
    return src.range;
  }

  private groupSource(id: string): GroupSource {
    const src = this.view.sources.get(id);
    if (!src || src.kind !== "group") throw new Error(`querybuilder: no group source for ${id}`);
    return src;
  }

  private replace(from: number, to: number, insert: string): void {
    this.edits.push({ from, to, insert });
  }

  /**
   * Plans the change of a group; false when it is not one this planner writes minimally. `sole`: the group
   * is the only condition of a NOT group (through groups of one).
   */
  group(old: BuilderGroup, neu: BuilderGroup, sole = false): boolean {
    const src = this.groupSource(old.id);
    const soleKid = neu.rules.length === 1 && (neu.not || sole);
    if (old.not !== neu.not) {
      if (old.combinator !== neu.combinator || canon(old.rules.map(content)) !== canon(neu.rules.map(content))) return false;
      return this.toggleNot(old, neu, src);
    }
    if (old.combinator !== neu.combinator && old.rules.length >= 2) this.combinator(old, neu.combinator, src);
    const oldIds = old.rules.map((r) => r.id);
    const newIds = neu.rules.map((r) => r.id);
    if (canon(oldIds) === canon(newIds)) return old.rules.every((o, i) => this.child(o, neu.rules[i]!, soleKid));
    if (newIds.length === oldIds.length - 1) {
      const k = oldIds.findIndex((id, i) => newIds[i] !== id);
      const rest = oldIds.filter((_, i) => i !== k);
      if (canon(rest) !== canon(newIds)) return false;
      this.remove(old, k, src);
      return old.rules.filter((_, i) => i !== k).every((o, i) => this.child(o, neu.rules[i]!, soleKid));
    }
    if (newIds.length === oldIds.length + 1) {
      const k = newIds.findIndex((id, i) => oldIds[i] !== id);
      const rest = newIds.filter((_, i) => i !== k);
      if (canon(rest) !== canon(oldIds) || this.view.sources.has(newIds[k]!)) return false;
      if (!this.insert(old, neu, k, src)) return false;
      return old.rules.every((o, i) => this.child(o, neu.rules[i < k ? i : i + 1]!, soleKid));
    }
    return false;
  }

  private child(o: BuilderNode, n: BuilderNode, sole: boolean): boolean {
    if (isGroup(o) !== isGroup(n)) return false;
    if (isGroup(o)) return this.group(o, n as BuilderGroup, sole);
    return this.rule(o, n as BuilderRule, sole);
  }

  private toggleNot(old: BuilderGroup, neu: BuilderGroup, src: GroupSource): boolean {
    if (!src.range) return false;
    if (neu.not) {
      const add = this.parensForNot(old, src.range);
      this.replace(src.range[0], src.range[0], `${this.keyword("not")} ${"(".repeat(add)}`);
      if (add > 0) this.replace(src.range[1], src.range[1], ")".repeat(add));
      return true;
    }
    if (!src.notToken) return false;
    // Drop `not` and the space after it. A NOT group inside another keeps being a group: `not x` → `(x)`.
    const next = this.index.atOrAfter(src.notToken[1]);
    const to = next < this.view.tokens.length ? this.view.tokens[next]!.startOffset : src.notToken[1];
    const wrap = src.role !== "root" && !src.parenthesized;
    this.replace(src.notToken[0], to, wrap ? "(" : "");
    if (wrap) this.replace(src.range[1], src.range[1], ")");
    return true;
  }

  /**
   * The text that replaces a whole rule at `range`: an event filter in parentheses of its own (nothing after
   * it can join the filter); as the only condition of a NOT group, an event or segment rule in parentheses
   * (`not performed …` alone reads as one rule), counting those written around `range`.
   */
  private wholeRule(n: BuilderRule, range: Range, sole: boolean): string {
    let text = printRule(n, this.schema);
    const own = endsInFilter(text) ? 1 : 0;
    if (own) text = `(${text})`;
    if (!sole || !isBehaviour(n) || n.operator === "notPerformed" || n.operator === "notInSegment") return text;
    // One pair beyond an event filter's own: `not ((performed … where …))` is a NOT group, `not (performed … where …)` one rule.
    const add = Math.max(0, 1 - this.index.tight(range).pairs.length);
    return `${"(".repeat(add)}${text}${")".repeat(add)}`;
  }

  /**
   * The parentheses to add after the `not` that makes a group a NOT group: around several conditions
   * written without them; and around one event or segment rule (`not performed …` alone reads as one
   * rule), two with an event's filter (one pair is the filter's own), counting those already written.
   */
  private parensForNot(old: BuilderGroup, range: Range): number {
    const src = this.view.sources.get(old.id) as GroupSource;
    // The one condition inside, through groups of one (their parentheses count as written).
    let only: BuilderNode | null = old.rules.length === 1 ? old.rules[0]! : null;
    while (only && isGroup(only) && !only.not && only.rules.length === 1) only = only.rules[0]!;
    if (!only || isGroup(only) || !isBehaviour(only)) return !src.parenthesized && old.rules.length >= 2 ? 1 : 0;
    const e = (this.view.sources.get(only.id) as RuleSource).expr;
    // `not not performed …`: the inner `not` already makes it a rule of its own.
    if (e.kind === "not") return 0;
    const need = e.kind === "event" && e.filter !== null ? 2 : 1;
    const written = this.index.tight(this.index.extent(e)).pairs.filter((p) => this.view.tokens[p.open]!.startOffset >= range[0]).length;
    return Math.max(0, need - written);
  }

  private combinator(old: BuilderGroup, comb: "and" | "or", src: GroupSource): void {
    const ranges = old.rules.map((r) => this.range(r));
    for (let i = 0; i + 1 < ranges.length; i++) {
      for (let t = this.index.atOrAfter(ranges[i]![1]); t < this.view.tokens.length && this.view.tokens[t]!.startOffset < ranges[i + 1]![0]; t++) {
        const tok = this.view.tokens[t]!;
        if (tok.tokenType.name === "And" || tok.tokenType.name === "Or") this.replace(tok.startOffset, this.index.end(t), this.keyword(comb));
      }
    }
    // A group written without parentheses (`a and b or c`) gets them, so it stays a group: this one when it
    // changes, a child when it now has the same combinator as this one.
    if (src.role === "junction" && !src.parenthesized && src.range) {
      this.replace(src.range[0], src.range[0], "(");
      this.replace(src.range[1], src.range[1], ")");
    }
    old.rules.forEach((child, i) => {
      const cs = this.view.sources.get(child.id);
      if (!isGroup(child) || child.not || child.combinator !== comb || !cs || cs.kind !== "group" || cs.role !== "junction" || cs.parenthesized) return;
      this.replace(ranges[i]![0], ranges[i]![0], "(");
      this.replace(ranges[i]![1], ranges[i]![1], ")");
    });
  }

  private remove(old: BuilderGroup, k: number, src: GroupSource): void {
    if (old.rules.length === 1) {
      // The root's last condition: the expression goes (comments around it stay).
      if (src.range) this.replace(src.range[0], src.range[1], "");
      return;
    }
    const r = old.rules.map((c) => this.range(c));
    // A group written without parentheses (`a and b or c`) left with one condition keeps being a group: `(a) or c`.
    const keep = src.role === "junction" && !src.parenthesized && old.rules.length === 2;
    if (k > 0) {
      this.replace(r[k - 1]![1], r[k]![1], keep ? ")" : "");
      if (keep) this.replace(r[0]![0], r[0]![0], "(");
    } else {
      this.replace(r[0]![0], r[1]![0], keep ? "(" : "");
      if (keep) this.replace(r[1]![1], r[1]![1], ")");
    }
  }

  private insert(old: BuilderGroup, neu: BuilderGroup, k: number, src: GroupSource): boolean {
    const node = neu.rules[k]!;
    const n = old.rules.length;
    const text = printChild(node, this.schema, undefined, k < neu.rules.length - 1);
    const comb = this.keyword(neu.combinator);
    if (n === 0) {
      if (src.range) this.replace(src.range[0], src.range[1], text);
      else {
        const t = this.view.text;
        const prefix = t.trim() === "" || t.endsWith("\n") ? "" : "\n";
        this.replace(t.length, t.length, `${prefix}${text}`);
      }
      return true;
    }
    const r = old.rules.map((c) => this.range(c));
    // `not a` + b must become `not (a and b)`.
    const wrap = src.notToken !== null && !src.parenthesized;
    if (k === n) {
      const lr = r[n - 1]!;
      // An event whose `where` filter would swallow ` and …` gets parentheses of its own.
      const closeLast = endsInFilter(this.view.text.slice(lr[0], lr[1]));
      const openFirst = wrap ? "(" : "";
      const openLast = closeLast ? "(" : "";
      if (r[0]![0] === lr[0]) {
        if (openFirst + openLast) this.replace(lr[0], lr[0], openFirst + openLast);
      } else {
        if (openFirst) this.replace(r[0]![0], r[0]![0], openFirst);
        if (openLast) this.replace(lr[0], lr[0], openLast);
      }
      this.replace(lr[1], lr[1], `${closeLast ? ")" : ""} ${comb} ${text}${wrap ? ")" : ""}`);
      return true;
    }
    this.replace(r[k]![0], r[k]![0], `${wrap && k === 0 ? "(" : ""}${text} ${comb} `);
    if (wrap) {
      if (k !== 0) this.replace(r[0]![0], r[0]![0], "(");
      this.replace(r[n - 1]![1], r[n - 1]![1], ")");
    }
    return true;
  }

  private rule(o: BuilderRule, n: BuilderRule, sole: boolean): boolean {
    if (sameNode(o, n)) return true;
    const src = this.view.sources.get(o.id) as RuleSource | undefined;
    if (!src) return false;
    const expr = src.expr;
    if (isTextRule(o) || isTextRule(n) || isBehaviour(o) || isBehaviour(n) || expr.kind !== "rule") {
      this.replace(src.range[0], src.range[1], this.wholeRule(n, src.range, sole));
      return true;
    }
    if (o.field !== n.field || o.operator === "isTrue" || n.operator === "isTrue") {
      this.replace(expr.span.start, expr.span.end, printRule(n, this.schema));
      return true;
    }
    const def = fieldOf(this.schema, n);
    const test = expr.test;
    if (o.operator !== n.operator) {
      this.replace(test.span.start, test.span.end, testText(def, n));
      return true;
    }
    const operand = builderOperator(n.operator)?.operand;
    const value = coerceValue(def, n.operator, n.value);
    const lit = (l: BuilderLiteral) => formatValue(valueOf(l));
    switch (operand) {
      case "value": {
        const at = "value" in test ? test.value : test.op === "has" ? test.values[0] : undefined;
        if (!at) break;
        this.replace(at.span.start, at.span.end, lit(value as BuilderLiteral));
        return true;
      }
      case "range": {
        if (test.op !== "between") break;
        const [low, high] = value as [BuilderLiteral, BuilderLiteral];
        const before = coerceValue(def, o.operator, o.value) as [BuilderLiteral, BuilderLiteral];
        if (canon(before[0]) !== canon(low)) this.replace(test.low.span.start, test.low.span.end, lit(low));
        if (canon(before[1]) !== canon(high)) this.replace(test.high.span.start, test.high.span.end, lit(high));
        return true;
      }
      case "list": {
        const values = test.op === "in" || test.op === "has" ? test.values : [];
        if (values.length === 0) break;
        this.replace(values[0]!.span.start, values[values.length - 1]!.span.end, (value as BuilderLiteral[]).map(lit).join(", "));
        return true;
      }
      case "duration": {
        if (test.op !== "within") break;
        const d = value as BuilderDuration;
        // `N unit` after `within last` / `within next`, which stay as written.
        const rel = lit({ kind: "relative", amount: d.amount, unit: d.unit });
        this.replace(test.amount.span.start, test.span.end, rel.replace(/ ago$/, ""));
        return true;
      }
      default:
        return true;
    }
    this.replace(test.span.start, test.span.end, testText(def, n));
    return true;
  }
}
