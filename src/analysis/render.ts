/**
 * Conditions back to segql text: typed conditions (for messages) and literals of formulas (for `diff`).
 * Everything goes through the parser's formatter (`formatExpr`), so the text is canonical and parses back
 * to the same meaning.
 */
import { clip, type Span } from "../diagnostics.js";
import type * as A from "../parser/ast.js";
import { formatExpr } from "../parser/format.js";
import type { Literal, PositiveTest, TimeValue, TypedEvent, TypedExpr, TypedTest } from "../checker/typed-ast.js";
import { formatInstant } from "../checker/time.js";
import type { Atom, EventKey, Term, Var } from "./formula.js";

const NO_SPAN: Span = { start: 0, end: 0, line: 1, column: 1 };

/** One line of canonical text for a typed condition (`not (…)` in parentheses, which reads better alone). */
export function renderTyped(e: TypedExpr): string {
  if (e.kind === "not") return `not (${renderTyped(e.operand)})`;
  return formatExpr(typedToAst(e), { width: Number.MAX_SAFE_INTEGER });
}

/** Canonical text of an AST condition, on one line. */
export function renderAst(e: A.Expr): string {
  return formatExpr(e, { width: Number.MAX_SAFE_INTEGER });
}

/** At most `max` characters of a condition's text, cut with `…`. */
export function shorten(text: string, max = 80): string {
  return clip(text, max);
}

// ---- typed AST → AST ------------------------------------------------------------------------------------

/** The AST of a typed condition (spans are placeholders). Referenced segments stay references. */
export function typedToAst(e: TypedExpr): A.Expr {
  switch (e.kind) {
    case "and":
    case "or":
      return { kind: e.kind, operands: e.operands.map(typedToAst), span: NO_SPAN };
    case "not":
      return { kind: "not", operand: typedToAst(e.operand), span: NO_SPAN };
    case "segment":
      return { kind: "segmentRef", name: e.name, nameSpan: NO_SPAN, span: NO_SPAN };
    case "rule":
      return ruleAst(e.field.name, e.field.type, e.test);
    case "event":
      return eventAst(e);
  }
}

function fieldRef(name: string): A.FieldRef {
  return { name, quoted: false, span: NO_SPAN };
}

/** A rule as written most naturally: `before`/`after` for times, `within last`, a bare boolean field. */
export function ruleAst(name: string, type: string, t: TypedTest): A.Expr {
  const rule = (test: A.Test): A.Expr => ({ kind: "rule", field: fieldRef(name), test, span: NO_SPAN });
  const not = (x: A.Expr): A.Expr => ({ kind: "not", operand: x, span: NO_SPAN });
  const time = type === "date" || type === "timestamp";
  switch (t.op) {
    case "present":
      return rule({ op: "empty", negated: !t.negated, span: NO_SPAN });
    case "eq":
      if (t.value.kind === "boolean" && t.value.value && !t.negated) return rule({ op: "truthy", span: NO_SPAN });
      return rule({ op: "compare", cmp: t.negated ? "!=" : "=", value: value(t.value), span: NO_SPAN });
    case "lt":
    case "gt":
      if (time) return rule({ op: t.op === "lt" ? "before" : "after", negated: t.negated, value: value(t.value), span: NO_SPAN });
      return t.negated ? not(rule({ op: "compare", cmp: t.op === "lt" ? "<" : ">", value: value(t.value), span: NO_SPAN })) : rule({ op: "compare", cmp: t.op === "lt" ? "<" : ">", value: value(t.value), span: NO_SPAN });
    case "le":
    case "ge": {
      const r = rule({ op: "compare", cmp: t.op === "le" ? "<=" : ">=", value: value(t.value), span: NO_SPAN });
      return t.negated ? not(r) : r;
    }
    case "between": {
      const within = withinOf(t.low, t.high);
      if (within) return rule({ op: "within", negated: t.negated, amount: num(within.amount), unit: within.unit, span: NO_SPAN });
      return rule({ op: "between", negated: t.negated, low: value(t.low), high: value(t.high), span: NO_SPAN });
    }
    case "in":
      return rule({ op: "in", negated: t.negated, values: t.values.map(value), span: NO_SPAN });
    case "contains":
    case "startsWith":
    case "endsWith":
      return rule({ op: t.op, negated: t.negated, value: { kind: "string", value: t.value, span: NO_SPAN }, span: NO_SPAN });
    case "hasAny": {
      const values = t.values.map((v): A.Value => ({ kind: "string", value: v, span: NO_SPAN }));
      if (t.negated) return rule({ op: "has", quantifier: "none", values, span: NO_SPAN });
      return rule({ op: "has", quantifier: values.length === 1 ? "one" : "any", values, span: NO_SPAN });
    }
    case "hasAll": {
      const values = t.values.map((v): A.Value => ({ kind: "string", value: v, span: NO_SPAN }));
      const r = rule({ op: "has", quantifier: values.length === 1 ? "one" : "all", values, span: NO_SPAN });
      return t.negated ? not(r) : r;
    }
  }
}

function withinOf(low: Literal, high: Literal): { amount: number; unit: A.TimeUnit } | null {
  return low.kind === "relative" && high.kind === "now" ? { amount: low.amount, unit: low.unit } : null;
}

function num(n: number): A.NumberValue {
  return { kind: "number", value: n, raw: numberText(n), span: NO_SPAN };
}

/** A number as a literal the lexer reads back to the same double. */
export function numberText(n: number): string {
  return Object.is(n, -0) ? "0" : String(n);
}

/** A literal as an AST value. */
export function value(v: Literal): A.Value {
  switch (v.kind) {
    case "string":
      return { kind: "string", value: v.value, span: NO_SPAN };
    case "number":
      return num(v.value);
    case "boolean":
      return { kind: "boolean", value: v.value, span: NO_SPAN };
    default:
      return timeValue(v);
  }
}

function timeValue(v: TimeValue): A.Value {
  switch (v.kind) {
    case "instant":
      return v.date ? { kind: "date", text: v.date, span: NO_SPAN } : { kind: "timestamp", text: instantText(v.ms), span: NO_SPAN };
    case "relative":
      return { kind: "relative", amount: num(v.amount), unit: v.unit, span: NO_SPAN };
    case "now":
      return { kind: "now", span: NO_SPAN };
    case "today":
      return { kind: "today", span: NO_SPAN };
  }
}

/** An instant as a literal: a date at midnight, else a timestamp (milliseconds only when not whole seconds). */
export function instantText(ms: number, preferDate = false): string {
  const iso = formatInstant(ms);
  if (preferDate && iso.endsWith("T00:00:00.000Z")) return iso.slice(0, 10);
  return iso.endsWith(".000Z") ? `${iso.slice(0, -5)}Z` : iso;
}

const MEASURE_NONE = { kind: "count", cmp: ">=", count: 1 } as const;

function eventAst(e: TypedEvent): A.EventExpr {
  const m = e.measure;
  let measure: A.Measure | null = null;
  if (m.kind === "count") {
    if (!(m.cmp === MEASURE_NONE.cmp && m.count === MEASURE_NONE.count)) measure = { kind: "count", cmp: m.cmp, count: num(m.count), span: NO_SPAN };
  } else if (m.kind === "aggregate") {
    measure = { kind: "aggregate", fn: m.fn, property: fieldRef(m.property.name), test: positiveTest(m.property.type, m.test), span: NO_SPAN };
  } else {
    measure = { kind: m.kind, test: positiveTest("timestamp", m.test), span: NO_SPAN };
  }
  return {
    kind: "event",
    name: { kind: "string", value: e.name, span: NO_SPAN },
    measure,
    window: e.window ? windowAst(e.window.low, e.window.high) : null,
    filter: e.filter ? typedToAst(e.filter) : null,
    span: NO_SPAN,
  };
}

function windowAst(low: TimeValue, high: TimeValue): A.Window {
  const within = withinOf(low, high);
  if (within) return { kind: "within", amount: num(within.amount), unit: within.unit, span: NO_SPAN };
  return { kind: "between", low: timeValue(low), high: timeValue(high), span: NO_SPAN };
}

function positiveTest(type: string, t: PositiveTest): A.Test {
  const r = ruleAst("x", type, { ...t, negated: false } as TypedTest);
  if (r.kind !== "rule") throw new Error("analysis: a positive test renders as a rule");
  return r.test;
}

// ---- atoms → AST ------------------------------------------------------------------------------------------

/** A term as a typed time value. */
export function termValue(t: Term): TimeValue {
  return t;
}

/**
 * An atom, held or not, as a condition: a rule on its field, or an event condition of its key. Numbers and
 * times that the formula split into `>=`/`<=` come back as such (the diff joins them into `between`).
 */
export function atomAst(a: Atom, held: boolean): A.Expr {
  const t = atomTest(a);
  const p = a.v.place;
  if (p.kind === "contact" || p.kind === "property") return ruleAst(p.field.name, p.field.type, { ...t, negated: !held } as TypedTest);
  const ev = eventOf(p.key, a.v, t);
  return held ? ev : { kind: "not", operand: ev, span: NO_SPAN };
}

function atomTest(a: Atom): PositiveTest {
  switch (a.k) {
    case "present":
      return { op: "present" };
    case "cmp":
      return { op: a.op, value: { kind: "number", value: a.value } };
    case "time":
      return { op: a.op, value: termValue(a.term) };
    case "eq":
      return { op: "eq", value: typeof a.value === "string" ? { kind: "string", value: a.value } : { kind: "boolean", value: a.value } };
    case "text":
      return { op: a.op, value: a.needle };
    case "member":
      return { op: "hasAny", values: [a.value] };
  }
}

/** The event condition of a key with a measure on one of its variables. */
export function eventOf(key: EventKey, v: Var, t: PositiveTest): A.EventExpr {
  const base = eventAst({ ...key.typed, measure: { kind: "count", cmp: ">=", count: 1 } });
  const p = v.place;
  let measure: A.Measure | null = null;
  if (p.kind === "count") {
    if (t.op === "ge" || t.op === "le" || t.op === "gt" || t.op === "lt") {
      const n = (t.value as { value: number }).value;
      const cmp = t.op === "ge" || t.op === "gt" ? ">=" : "<=";
      const count = t.op === "gt" ? n + 1 : t.op === "lt" ? n - 1 : n;
      measure = cmp === ">=" && count === 1 ? null : { kind: "count", cmp, count: num(count), span: NO_SPAN };
    }
  } else if (p.kind === "aggregate") {
    measure = { kind: "aggregate", fn: p.fn, property: fieldRef(p.property.name), test: positiveTest("number", t), span: NO_SPAN };
  } else if (p.kind === "first" || p.kind === "last") {
    measure = { kind: p.kind, test: positiveTest("timestamp", t), span: NO_SPAN };
  }
  return { ...base, measure };
}
