/**
 * Behaviour and membership as builder rules: event conditions (`performed "Purchase" at least 3 times
 * within last 30 days where amount > 50`, and `not performed …`) and segment references (`in segment
 * "Paying"`, `not in segment …`), each a rule of a pseudo-field (EVENT_FIELD, SEGMENT_FIELD) whose value the
 * builder edits with its own controls.
 *
 * Which event conditions are rules: a quoted name; at least once, a count (`at least|at most|exactly N
 * times`), an aggregate of a property compared with a number (`with sum of amount > 100`) or a first/last
 * time tested as a timestamp field's value is (`with last time before 90 days ago`); an aggregate between
 * two numbers (`with sum of amount between 100 and 500`); any time, `within last N units`, `within next N
 * units` (events scheduled ahead) or `between T1 and T2`; any `where` filter (kept as written: the builder
 * shows it, the text edits it). The other forms (an aggregate tested with `in`) stay text
 * rules, as written.
 *
 * The text of a rule is the formatter's (`formatExpr`) for the head and the filter's own text after
 * `where`, so a filter keeps its layout and comments when the rest of the rule is edited.
 */
import type { Span } from "../diagnostics.js";
import type * as A from "../parser/ast.js";
import type { FieldDef } from "../schema/schema.js";
import { formatExpr, formatField } from "../parser/format.js";
import { builderTest, fits, isLiteral, literalOf, numberValue, testOf, valueOf } from "./values.js";
import { EVENT_FIELD, SEGMENT_FIELD, type BuilderEvent, type BuilderLiteral, type BuilderRule } from "./types.js";

const NO_SPAN: Span = { start: 0, end: 0, line: 1, column: 1 };

/** What a first/last time is tested as: a timestamp field's value (the operators and value inputs of one). */
export const EVENT_TIME: FieldDef = { name: "time", type: "timestamp", column: "time" };

/** When the first or last event was, as the builder offers it. */
export const EVENT_TIMES: readonly { which: "first" | "last"; label: string }[] = [
  { which: "first", label: "for the first time" },
  { which: "last", label: "for the last time" },
];

/** The operators of event rules, in the select's order. */
export const EVENT_OPERATORS: readonly { name: string; label: string }[] = [
  { name: "performed", label: "performed" },
  { name: "notPerformed", label: "did not perform" },
];

/** The operators of segment rules, in the select's order. */
export const SEGMENT_OPERATORS: readonly { name: string; label: string }[] = [
  { name: "inSegment", label: "is in" },
  { name: "notInSegment", label: "is not in" },
];

/** How often, as the builder offers it: at least once, or a count. */
export const EVENT_COUNTS: readonly { cmp: ">=" | "<=" | "="; label: string }[] = [
  { cmp: ">=", label: "at least" },
  { cmp: "<=", label: "at most" },
  { cmp: "=", label: "exactly" },
];

/** How much, as the builder offers it: an aggregate of a number property. */
export const EVENT_TOTALS: readonly { fn: A.AggregateFn; label: string }[] = [
  { fn: "sum", label: "with a total" },
  { fn: "avg", label: "with an average" },
  { fn: "min", label: "with a minimum" },
  { fn: "max", label: "with a maximum" },
];

/**
 * The comparisons of an aggregate with a number, and `between` two numbers (both included). Positive tests
 * only: an aggregate over no events is empty, so the language refuses `!=` and `not between` on it (the
 * complement is `not performed … with …`, the rule's "did not perform").
 */
export const TOTAL_COMPARISONS: readonly (A.CompareOp | "between")[] = [">", ">=", "<", "<=", "=", "between"];

/**
 * The value of an event condition as a rule, or null when it has a form the builder does not show. `where`
 * is the filter's text as written (null when it has none).
 */
export function eventValueOf(e: A.EventExpr, where: string | null): BuilderEvent | null {
  if (e.name.kind !== "string") return null;
  const m = e.measure;
  const total = m?.kind === "aggregate" ? totalOf(m) : null;
  const shown = m && (m.kind === "first" || m.kind === "last") ? builderTest(EVENT_TIME, m.test) : null;
  const time = shown && m && (m.kind === "first" || m.kind === "last") ? { which: m.kind, ...shown } : null;
  if (m && m.kind !== "count" && !total && !time) return null;
  const w = e.window;
  const period = w?.kind === "between" ? pair(w.low, w.high) : null;
  if (w && w.kind === "between" && !period) return null;
  if ((e.filter === null) !== (where === null)) return null;
  return {
    name: e.name.value,
    count: m?.kind === "count" ? { cmp: m.cmp, raw: m.count.raw } : null,
    total,
    time,
    window: w && w.kind === "within" ? { amount: w.amount.raw, unit: w.unit, ...(w.next ? { next: true as const } : {}) } : null,
    period,
    where,
  };
}

/** An aggregate's test as the builder shows it: compared with a number, or between two; else null (text). */
function totalOf(m: Extract<NonNullable<A.EventExpr["measure"]>, { kind: "aggregate" }>): BuilderEvent["total"] {
  const t = m.test;
  if (t.op === "compare" && t.value.kind === "number") return { fn: m.fn, property: m.property.name, cmp: t.cmp, raw: t.value.raw };
  if (t.op === "between" && !t.negated && t.low.kind === "number" && t.high.kind === "number") return { fn: m.fn, property: m.property.name, cmp: "between", raw: t.low.raw, high: t.high.raw };
  return null;
}

/** A new event rule's value: the first event the schema names (or none yet), at least once, any time. */
export function defaultEvent(names: readonly string[] | undefined): BuilderEvent {
  return { name: names?.[0] ?? "", count: null, total: null, time: null, window: null, period: null, where: null };
}

/** The event a rule asks for, whatever the value holds (a hand-made or half-changed query). */
export function eventOf(value: unknown): BuilderEvent {
  const v = (value && typeof value === "object" && !Array.isArray(value) ? value : {}) as Partial<BuilderEvent>;
  const count = v.count && typeof v.count.raw === "string" && [">=", "<=", "="].includes(v.count.cmp) ? { cmp: v.count.cmp, raw: v.count.raw } : null;
  const t = v.total;
  const total =
    !count && t && ["sum", "avg", "min", "max"].includes(t.fn) && typeof t.property === "string" && TOTAL_COMPARISONS.includes(t.cmp) && typeof t.raw === "string"
      ? t.cmp === "between"
        ? { fn: t.fn, property: t.property, cmp: t.cmp, raw: t.raw, high: typeof t.high === "string" ? t.high : t.raw }
        : { fn: t.fn, property: t.property, cmp: t.cmp, raw: t.raw }
      : null;
  const w = v.time;
  const time = !count && !total && w && (w.which === "first" || w.which === "last") && typeof w.operator === "string" ? { which: w.which, operator: w.operator, value: w.value ?? null } : null;
  const window = v.window && typeof v.window.amount === "string" && typeof v.window.unit === "string" ? { amount: v.window.amount, unit: v.window.unit, ...(v.window.next === true ? { next: true as const } : {}) } : null;
  const period = !window && Array.isArray(v.period) && v.period.length === 2 && v.period.every((l) => isLiteral(l) && fits("timestamp", l)) ? (v.period as [BuilderLiteral, BuilderLiteral]) : null;
  return { name: typeof v.name === "string" ? v.name : "", count, total, time, window, period, where: typeof v.where === "string" && v.where.trim() !== "" ? v.where : null };
}

/** The AST of an event or segment rule; `filterOf` reads the `where` text (it throws when it is not a condition). */
export function behaviourExpr(rule: BuilderRule, filterOf: (where: string) => A.Expr): A.Expr {
  const positive = rule.field === EVENT_FIELD ? eventExpr(eventOf(rule.value), filterOf) : segmentExpr(rule);
  return negated(rule) ? { kind: "not", operand: positive, span: NO_SPAN } : positive;
}

/** The text of an event or segment rule (an event's filter as written). */
export function behaviourText(rule: BuilderRule): string {
  if (rule.field === SEGMENT_FIELD) return `${negated(rule) ? "not " : ""}${formatExpr(segmentExpr(rule))}`;
  const event = eventOf(rule.value);
  const head = formatExpr(eventExpr({ ...event, where: null }, () => null as never), { width: Infinity });
  if (event.where === null) return negated(rule) ? `not ${head}` : head;
  // `not` applies to the event with its filter: the parentheses keep a filter from taking in what follows.
  return negated(rule) ? `not (${head} where ${event.where})` : `${head} where ${event.where}`;
}

function negated(rule: BuilderRule): boolean {
  return rule.operator === "notPerformed" || rule.operator === "notInSegment";
}

function eventExpr(e: BuilderEvent, filterOf: (where: string) => A.Expr): A.EventExpr {
  return {
    kind: "event",
    name: { kind: "string", value: e.name, span: NO_SPAN },
    measure: e.count
      ? { kind: "count", cmp: e.count.cmp, count: numberValue(e.count.raw), span: NO_SPAN }
      : e.total
        ? {
            kind: "aggregate",
            fn: e.total.fn,
            property: { name: e.total.property, quoted: formatField({ name: e.total.property }) !== e.total.property, span: NO_SPAN },
            test:
              e.total.cmp === "between"
                ? { op: "between", negated: false, low: numberValue(e.total.raw), high: numberValue(e.total.high ?? e.total.raw), span: NO_SPAN }
                : { op: "compare", cmp: e.total.cmp, value: numberValue(e.total.raw), span: NO_SPAN },
            span: NO_SPAN,
          }
        : e.time
          ? { kind: e.time.which, test: timeTest(e.time), span: NO_SPAN }
          : null,
    window: e.window
      ? { kind: "within", amount: numberValue(e.window.amount), unit: e.window.unit, ...(e.window.next ? { next: true as const } : {}), span: NO_SPAN }
      : e.period
        ? { kind: "between", low: valueOf(e.period[0]), high: valueOf(e.period[1]), span: NO_SPAN }
        : null,
    filter: e.where !== null ? filterOf(e.where) : null,
    span: NO_SPAN,
  };
}

/** Two times as the builder's values, or null when one is not a time it has an input for. */
function pair(low: A.Value, high: A.Value): [BuilderLiteral, BuilderLiteral] | null {
  const lo = literalOf(low);
  const hi = literalOf(high);
  return lo && hi && fits("timestamp", lo) && fits("timestamp", hi) ? [lo, hi] : null;
}

/** A first/last time's test (an unknown operator, which only a hand-made query holds, reads as `is not empty`). */
function timeTest(time: NonNullable<BuilderEvent["time"]>): A.Test {
  return testOf(EVENT_TIME, time) ?? { op: "empty", negated: true, span: NO_SPAN };
}

function segmentExpr(rule: BuilderRule): A.SegmentRefExpr {
  const name = typeof rule.value === "string" ? rule.value : "";
  return { kind: "segmentRef", name, nameSpan: NO_SPAN, span: NO_SPAN };
}

