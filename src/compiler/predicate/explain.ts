/**
 * Why (or why not) one contact matches a condition, node by node, and the list of a condition's
 * sub-conditions so a caller can count each alone. Browser-safe (no Node APIs), used by the playground's
 * why / why-not pane and by the segments service's `why` and per-condition counts.
 *
 *   explain(query, contact, events, { now }) ──▶ a tree: every node of the expression with its value,
 *                                                 its span, a short label and what it read
 *   subConditions(expr)                       ──▶ every contact-level node, parents first (node, span, label)
 *
 * The value of each leaf comes from the predicate compiler itself (the node lowered and compiled alone with
 * the closure evaluator), and `and` / `or` / `not` / `in segment` combine their children exactly as the
 * predicate does, so the root's value is the predicate's answer (test/predicate/explain.test.ts checks
 * this on random expressions and data). What a node "read" (a field's value, the events it counted, an
 * aggregate) is computed beside it for people to look at; it never decides a value.
 *
 * No recursion on the expression's depth: trees are walked with explicit stacks.
 */
import type { Span } from "../../diagnostics.js";
import { formatField, quoteString } from "../../parser/format.js";
import { formatInstant, resolveTime } from "../../checker/time.js";
import type { Literal, TimeValue, TypedEvent, TypedExpr, TypedMeasure, TypedQuery, TypedTest } from "../../checker/typed-ast.js";
import { zoneOf, type TimeZone } from "../../checker/zone.js";
import type { Schema } from "../../schema/schema.js";
import { compileClosure } from "./closure.js";
import type { Contact, EventRow } from "./index.js";
import { lower, resolveNow } from "./lower.js";
import { readOwn, toInstant } from "./runtime.js";

/** A value as JSON can carry it: dates become ISO-8601 text, missing values null. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** What a node read to reach its value. */
export type NodeRead =
  /** A rule on a contact field: the field's value as stored on the contact. */
  | { kind: "field"; field: string; value: JsonValue }
  /** An event condition: the contact's events it looked at, step by step, and the measure it saw. */
  | {
      kind: "events";
      name: string;
      /** The window, resolved against `now` (both ends included); null: all time. */
      window: { from: string; to: string } | null;
      /** Events with this name. */
      named: number;
      /** Of those, inside the window. */
      inWindow: number;
      /** Of those, passing the `where` filter: the events the measure is taken over. */
      matching: number;
      measure: MeasureSeen;
    }
  /** A condition inside an event's `where` filter: how many of the events in the window pass it. */
  | { kind: "filter"; matching: number; of: number };

/** The measure an event condition saw over its matching events. */
export type MeasureSeen =
  | { kind: "count"; count: number }
  /** An aggregate over the matching events' numeric values; null over no values (so its test is false). */
  | { kind: "aggregate"; fn: "sum" | "avg" | "min" | "max"; property: string; value: number | null }
  /** The first or last matching event's time; null when there is none (so its test is false). */
  | { kind: "first" | "last"; time: string | null };

/** One node of an explanation. */
export interface ExplainNode {
  kind: TypedExpr["kind"];
  /**
   * Contact-level nodes: whether the contact satisfies the node. Nodes inside an event's `where` filter
   * (`scope: "event"`): whether at least one of the events in the window passes it (see `read`).
   */
  value: boolean;
  scope: "contact" | "event";
  span: Span;
  /** A short canonical label: `tenure > 12`, `performed "Purchase" at least 3 times`, `and`. */
  label: string;
  read: NodeRead | null;
  /** Operands (and/or), the operand (not), the filter (event), the referenced condition (segment). */
  children: ExplainNode[];
  /**
   * A segment referred to again: its value is shown, its children only at its first reference (a segment
   * used many times is explained once, so the tree stays as large as the text).
   */
  repeated?: boolean;
}

/** The whole explanation of one contact. */
export interface Explanation {
  /** The predicate's answer for this contact. */
  value: boolean;
  root: ExplainNode;
  /** The instant relative times were resolved against. */
  now: string;
}

/** Options of `explain`. */
export interface ExplainOptions {
  /** As `compilePredicate`'s `now`: relative times resolve against it. Default: the current time. */
  now?: Date | string | number;
  /** As `compilePredicate`'s `timeZone`. Default: the schema's, else UTC. */
  timeZone?: string;
}

/**
 * Explains one contact: every node of the condition with its value, span, label and what it read. The
 * root's value equals `compilePredicate(query, { now })(contact, events)`.
 */
export function explain(query: TypedQuery, contact: Contact, events: readonly EventRow[] | undefined, options: ExplainOptions = {}): Explanation {
  const zone = zoneOf(options.timeZone ?? query.schema.timeZone);
  const now = resolveNow(options.now, zone);
  const explainer = new Explainer(query.schema, now, zone, contact, Array.isArray(events) ? events : []);
  const root = explainer.run(query.expr);
  return { value: root.value, root, now: formatInstant(now) };
}

/** A node of a condition that can be evaluated (counted) on its own, against the contacts table. */
export interface SubCondition {
  /** Position in the list (parents come before their children). */
  index: number;
  /** Index of the enclosing sub-condition; null for the root. */
  parent: number | null;
  depth: number;
  kind: TypedExpr["kind"];
  /** The node: `{ schema, expr: node }` is a query `compilePredicate` and `compileSql` accept. */
  node: TypedExpr;
  span: Span;
  label: string;
}

/**
 * Every contact-level node of a condition, parents first, in source order: the root, each operand of
 * `and` / `or`, the operand of `not`, rules, event conditions and segment references. The insides of an
 * event's `where` filter are not listed (they test events, not contacts), and neither are the insides of
 * referenced segments (they may come from other files).
 */
export function subConditions(expr: TypedExpr): SubCondition[] {
  const out: SubCondition[] = [];
  const stack: { node: TypedExpr; parent: number | null; depth: number }[] = [{ node: expr, parent: null, depth: 0 }];
  while (stack.length > 0) {
    const { node, parent, depth } = stack.pop()!;
    const index = out.length;
    out.push({ index, parent, depth, kind: node.kind, node, span: node.span, label: conditionLabel(node) });
    const kids = node.kind === "and" || node.kind === "or" ? node.operands : node.kind === "not" ? [node.operand] : [];
    for (let i = kids.length - 1; i >= 0; i--) stack.push({ node: kids[i]!, parent: index, depth: depth + 1 });
  }
  return out;
}

// ---- evaluation ------------------------------------------------------------------------------------------

type Compiled = (contact: Record<string, unknown>, events?: readonly Record<string, unknown>[]) => boolean;

interface Frame {
  expr: TypedExpr;
  scope: "contact" | "event";
  /** The event condition whose filter this node is in (scope "event"). */
  event: TypedEvent | null;
  node: ExplainNode | null;
  /** True once its children are on the stack (they finish before it does). */
  expanded: boolean;
  parent: Frame | null;
  /** Finished children, in order. */
  done: ExplainNode[];
}

class Explainer {
  /** Explanations of referenced segments' conditions, by identity (a segment is explained once). */
  private readonly segments = new Map<TypedExpr, ExplainNode>();

  constructor(
    private readonly schema: Schema,
    private readonly now: number,
    private readonly zone: TimeZone,
    private readonly contact: Contact,
    private readonly events: readonly EventRow[],
  ) {}

  run(root: TypedExpr): ExplainNode {
    const top: Frame = { expr: root, scope: "contact", event: null, node: null, expanded: false, parent: null, done: [] };
    const stack: Frame[] = [top];
    while (stack.length > 0) {
      const f = stack[stack.length - 1]!;
      if (!f.expanded) {
        f.expanded = true;
        const kids = this.childrenOf(f);
        if (kids.length > 0) {
          for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
          continue;
        }
      }
      stack.pop();
      f.node = this.finish(f);
      if (f.parent) f.parent.done.push(f.node);
    }
    return top.node!;
  }

  private childrenOf(f: Frame): Frame[] {
    const e = f.expr;
    const child = (expr: TypedExpr, scope: "contact" | "event", event: TypedEvent | null): Frame =>
      ({ expr, scope, event, node: null, expanded: false, parent: f, done: [] });
    switch (e.kind) {
      case "and":
      case "or":
        return e.operands.map((o) => child(o, f.scope, f.event));
      case "not":
        return [child(e.operand, f.scope, f.event)];
      case "event":
        return e.filter ? [child(e.filter, "event", e)] : [];
      case "segment":
        return this.segments.has(e.expr) ? [] : [child(e.expr, "contact", null)];
      case "rule":
        return [];
    }
  }

  private finish(f: Frame): ExplainNode {
    const e = f.expr;
    const base = { kind: e.kind, scope: f.scope, span: e.span, label: conditionLabel(e), children: f.done };
    if (f.scope === "event") {
      // Inside a filter, a node's value is "some event in the window passes it", which and/or/not of
      // the children's values would not give: evaluate the node itself over each event.
      const read = this.filterRead(f.event!, e);
      return { ...base, value: read.matching > 0, read };
    }
    switch (e.kind) {
      case "and":
        return { ...base, value: f.done.every((c) => c.value), read: null };
      case "or":
        return { ...base, value: f.done.some((c) => c.value), read: null };
      case "not":
        return { ...base, value: !f.done[0]!.value, read: null };
      case "segment": {
        const seen = this.segments.get(e.expr);
        if (seen) return { ...base, value: seen.value, read: null, repeated: true };
        const inner = f.done[0]!;
        this.segments.set(e.expr, inner);
        return { ...base, value: inner.value, read: null };
      }
      case "rule": {
        const value = this.compile(e)(this.contact, this.events);
        return { ...base, value, read: { kind: "field", field: e.field.name, value: toJson(readOwn(this.contact as Record<string, unknown>, e.field.name)) } };
      }
      case "event": {
        const value = this.compile(e)(this.contact, this.events);
        return { ...base, value, read: this.eventRead(e) };
      }
    }
  }

  /** The predicate of one node alone (a contact-level node: rule or event condition). */
  private compile(expr: TypedExpr): Compiled {
    return compileClosure(lower({ schema: this.schema, expr }, this.now, this.zone));
  }

  /** The events (each alone) that a variant of an event condition counts: name, window and filter as given. */
  private countEach(event: TypedEvent, window: TypedEvent["window"], filter: TypedExpr | null): { count: number; rows: EventRow[] } {
    const probe: TypedEvent = { kind: "event", name: event.name, window, filter, measure: { kind: "count", cmp: ">=", count: 1 }, span: event.span };
    const pred = this.compile(probe);
    const rows: EventRow[] = [];
    for (const row of this.events) if (pred(this.contact, [row])) rows.push(row);
    return { count: rows.length, rows };
  }

  private filterRead(event: TypedEvent, node: TypedExpr): NodeRead & { kind: "filter" } {
    const of = this.countEach(event, event.window, null).count;
    const matching = this.countEach(event, event.window, node).count;
    return { kind: "filter", matching, of };
  }

  private eventRead(e: TypedEvent): NodeRead {
    const named = this.countEach(e, null, null).count;
    const inWindow = e.window ? this.countEach(e, e.window, null).count : named;
    const { count: matching, rows } = this.countEach(e, e.window, e.filter);
    const window = e.window
      ? { from: formatInstant(resolveTime(e.window.low, this.now, this.zone)), to: formatInstant(resolveTime(e.window.high, this.now, this.zone)) }
      : null;
    return { kind: "events", name: e.name, window, named, inWindow, matching, measure: this.measureSeen(e.measure, rows) };
  }

  private measureSeen(m: TypedMeasure, rows: readonly EventRow[]): MeasureSeen {
    const events = this.schema.events!;
    switch (m.kind) {
      case "count":
        return { kind: "count", count: rows.length };
      case "aggregate": {
        const p = m.property;
        let n = 0;
        let x = 0;
        for (const row of rows) {
          const r = row as Record<string, unknown>;
          let v: unknown;
          if (p.def.ownColumn) v = readOwn(r, p.def.column);
          else {
            const bag = readOwn(r, events.propertiesColumn);
            v = typeof bag === "object" && bag !== null ? readOwn(bag as Record<string, unknown>, p.name) : undefined;
          }
          if (typeof v !== "number" || v !== v) continue;
          if (m.fn === "sum" || m.fn === "avg") x += v;
          else if (n === 0 || (m.fn === "min" ? v < x : v > x)) x = v;
          n++;
        }
        return { kind: "aggregate", fn: m.fn, property: p.name, value: n === 0 ? null : m.fn === "avg" ? x / n : x };
      }
      case "first":
      case "last": {
        let best = NaN;
        for (const row of rows) {
          const t = toInstant(readOwn(row as Record<string, unknown>, events.time));
          if (t !== t) continue;
          if (best !== best || (m.kind === "first" ? t < best : t > best)) best = t;
        }
        return { kind: m.kind, time: best !== best ? null : formatInstant(best) };
      }
    }
  }
}

/** A contact's value as JSON carries it. Dates become ISO-8601 text; lists and objects are copied. */
function toJson(v: unknown): JsonValue {
  if (v === undefined || v === null) return null;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  if (typeof v === "string" || typeof v === "boolean") return v;
  if (typeof v === "number") return v;
  if (Array.isArray(v)) return v.map((x) => (x === undefined ? null : typeof x === "object" && x !== null && !(x instanceof Date) ? String(x) : toJson(x)));
  if (typeof v === "bigint") return String(v);
  // An object where a scalar was expected is shown as text, never walked (it may be deep or cyclic).
  return String(v);
}

// ---- labels -------------------------------------------------------------------------------------------------

/** Longest label; longer ones end with an ellipsis. */
const MAX_LABEL = 120;
/** Values shown of a list (`in`, `has any`) before "… (N values)". */
const MAX_LIST_SHOWN = 3;

/**
 * A short canonical label for one node, written from the typed AST (so it is the same whatever the
 * spelling in the text): `tenure > 12`, `signed_up_at within last 3 months`, `services has "phone"`,
 * `performed "Purchase" at least 3 times within last 30 days where …`, `in segment "VIP"`, `and`.
 */
export function conditionLabel(e: TypedExpr): string {
  let label: string;
  switch (e.kind) {
    case "and":
    case "or":
    case "not":
      label = e.kind;
      break;
    case "segment":
      label = `in segment ${quoteString(e.name)}`;
      break;
    case "rule":
      label = `${formatField(e.field)} ${testLabel(e.test, e.field.type === "date" || e.field.type === "timestamp")}`;
      break;
    case "event":
      label = eventLabel(e);
      break;
  }
  return label.length > MAX_LABEL ? `${label.slice(0, MAX_LABEL - 1)}…` : label;
}

function eventLabel(e: TypedEvent): string {
  let s = `performed ${quoteString(e.name)}`;
  const m = e.measure;
  if (m.kind === "count") {
    if (!(m.cmp === ">=" && m.count === 1)) {
      const word = m.cmp === ">=" ? "at least" : m.cmp === "<=" ? "at most" : "exactly";
      s += ` ${word} ${m.count} ${m.count === 1 ? "time" : "times"}`;
    }
  } else if (m.kind === "aggregate") {
    const fn = m.fn === "avg" ? "average" : m.fn;
    s += ` with ${fn} of ${formatField(m.property)} ${testLabel({ ...m.test, negated: false }, false)}`;
  } else {
    s += ` with ${m.kind} time ${testLabel({ ...m.test, negated: false }, true)}`;
  }
  if (e.window) s += ` ${windowLabel(e.window.low, e.window.high, false)}`;
  if (e.filter) s += e.filter.kind === "rule" ? ` where ${conditionLabel(e.filter)}` : " where …";
  return s;
}

/** `within last N units` when the window is "N units ago to now", `within next N units` for "now to in N units", else `between A and B`. */
function windowLabel(low: Literal, high: Literal, negated: boolean): string {
  const not = negated ? "not " : "";
  if (high.kind === "now" && low.kind === "relative" && low.amount >= 0) return `${not}within last ${low.amount} ${unitLabel(low.amount, low.unit)}`;
  if (low.kind === "now" && high.kind === "relative" && high.amount <= 0) return `${not}within next ${-high.amount} ${unitLabel(-high.amount, high.unit)}`;
  return `${not}between ${literalLabel(low)} and ${literalLabel(high)}`;
}

function testLabel(t: TypedTest, time: boolean): string {
  const not = t.negated ? "not " : "";
  switch (t.op) {
    case "eq":
      return `${t.negated ? "!=" : "="} ${literalLabel(t.value)}`;
    case "lt":
    case "gt":
      if (time) return `${not}${t.op === "lt" ? "before" : "after"} ${literalLabel(t.value)}`;
      return `${not}${t.op === "lt" ? "<" : ">"} ${literalLabel(t.value)}`;
    case "le":
    case "ge":
      return `${not}${t.op === "le" ? "<=" : ">="} ${literalLabel(t.value)}`;
    case "between":
      return windowLabel(t.low, t.high, t.negated);
    case "in":
      return `${not}in ${listLabel(t.values.map(literalLabel))}`;
    case "contains":
      return `${not}contains ${quoteString(t.value)}`;
    case "startsWith":
      return `${not}starts with ${quoteString(t.value)}`;
    case "endsWith":
      return `${not}ends with ${quoteString(t.value)}`;
    case "hasAny":
      if (t.negated) return `has none ${listLabel(t.values.map(quoteString))}`;
      return t.values.length === 1 ? `has ${quoteString(t.values[0]!)}` : `has any ${listLabel(t.values.map(quoteString))}`;
    case "hasAll":
      return `${not}has all ${listLabel(t.values.map(quoteString))}`;
    case "present":
      return t.negated ? "is empty" : "is not empty";
  }
}

function listLabel(items: string[]): string {
  if (items.length <= MAX_LIST_SHOWN) return `(${items.join(", ")})`;
  return `(${items.slice(0, MAX_LIST_SHOWN).join(", ")}, … ${items.length} values)`;
}

function literalLabel(v: Literal): string {
  switch (v.kind) {
    case "string":
      return quoteString(v.value);
    case "number":
      return Object.is(v.value, -0) ? "-0" : String(v.value);
    case "boolean":
      return String(v.value);
    default:
      return timeLabel(v);
  }
}

function timeLabel(v: TimeValue): string {
  switch (v.kind) {
    case "instant":
      // Written without an offset: shown as written (wall-clock time in the evaluation zone), without a Z.
      return v.date ?? (v.local ? formatInstant(v.ms).replace(/Z$/, "") : formatInstant(v.ms));
    case "relative":
      return v.amount < 0 ? `in ${-v.amount} ${unitLabel(-v.amount, v.unit)}` : `${v.amount} ${unitLabel(v.amount, v.unit)} ago`;
    case "now":
      return "now";
    case "today":
      return "today";
  }
}

function unitLabel(amount: number, unit: string): string {
  return amount === 1 ? unit : `${unit}s`;
}
