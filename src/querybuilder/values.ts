/**
 * Rule values: segql AST values ⇄ builder literals, the AST test of a builder rule, its canonical text,
 * and the value a rule gets when its field or operator changes (kept when it still fits).
 */
import type { Span } from "../diagnostics.js";
import type * as A from "../parser/ast.js";
import { formatField, formatTest } from "../parser/format.js";
import type { FieldDef, FieldType } from "../schema/schema.js";
import { builderOperator, operatorOfTest } from "./operators.js";
import type { BuilderDuration, BuilderLiteral, BuilderRule, BuilderValue } from "./types.js";

const NO_SPAN: Span = { start: 0, end: 0, line: 1, column: 1 };

/** The literal kinds a field of each type can be compared with (what the checker accepts). */
const KINDS_FOR: Record<FieldType, readonly BuilderLiteral["kind"][]> = {
  string: ["string"],
  enum: ["string"],
  list: ["string"],
  number: ["number"],
  boolean: ["boolean"],
  date: ["date", "timestamp", "relative", "now", "today"],
  timestamp: ["date", "timestamp", "relative", "now", "today"],
};

/** The builder literal of an AST value; null for what the builder cannot hold (bare words, missing values). */
export function literalOf(v: A.Value): BuilderLiteral | null {
  switch (v.kind) {
    case "string":
      return { kind: "string", value: v.value };
    case "number":
      return { kind: "number", raw: v.raw };
    case "boolean":
      return { kind: "boolean", value: v.value };
    case "date":
      return { kind: "date", text: v.text };
    case "timestamp":
      return { kind: "timestamp", text: v.text };
    case "relative":
      // The future spelling is part of the value (`in 3 days` is not `3 days ago`).
      return v.future ? { kind: "relative", amount: v.amount.raw, unit: v.unit, future: v.future } : { kind: "relative", amount: v.amount.raw, unit: v.unit };
    case "now":
      return { kind: "now" };
    case "today":
      return { kind: "today" };
    default:
      return null;
  }
}

/** A number as the parser reads one (`Number(raw)`). */
/** A number literal as written (a dummy span). */
export function numberValue(raw: string): A.NumberValue {
  return { kind: "number", value: Number(raw), raw, span: NO_SPAN };
}

/** The AST value of a builder literal (spans are dummies). */
export function valueOf(l: BuilderLiteral): A.Value {
  switch (l.kind) {
    case "string":
      return { kind: "string", value: l.value, span: NO_SPAN };
    case "number":
      return numberValue(l.raw);
    case "boolean":
      return { kind: "boolean", value: l.value, span: NO_SPAN };
    case "date":
    case "timestamp":
      return { kind: l.kind, text: l.text, span: NO_SPAN };
    case "relative":
      return l.future ? { kind: "relative", amount: numberValue(l.amount), unit: l.unit, future: l.future, span: NO_SPAN } : { kind: "relative", amount: numberValue(l.amount), unit: l.unit, span: NO_SPAN };
    case "now":
    case "today":
      return { kind: l.kind, span: NO_SPAN };
  }
}

/** True when `v` is a builder literal. */
export function isLiteral(v: unknown): v is BuilderLiteral {
  return typeof v === "object" && v !== null && !Array.isArray(v) && typeof (v as { kind?: unknown }).kind === "string";
}

function isDuration(v: unknown): v is BuilderDuration {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !("kind" in v) && typeof (v as BuilderDuration).amount === "string" && typeof (v as BuilderDuration).unit === "string";
}

/** True when a literal of this kind fits a field of this type. */
export function fits(type: FieldType, l: BuilderLiteral): boolean {
  return KINDS_FOR[type].includes(l.kind);
}

/** A sensible first value for a field of `type` (the first enum value, 0, today, …). */
export function defaultLiteral(field: FieldDef): BuilderLiteral {
  switch (field.type) {
    case "enum":
      return { kind: "string", value: field.values?.[0] ?? "" };
    case "number":
      return { kind: "number", raw: "0" };
    case "boolean":
      return { kind: "boolean", value: true };
    case "date":
    case "timestamp":
      return { kind: "date", text: new Date().toISOString().slice(0, 10) };
    default:
      return { kind: "string", value: "" };
  }
}

/**
 * The value of a rule for `operator` on `field`: the current value when it has the operator's shape and
 * fits the field, else converted (a single value becomes a list of one, a list its first value, …), else
 * a default.
 */
export function coerceValue(field: FieldDef, operator: string, value: unknown): BuilderValue {
  const op = builderOperator(operator);
  const fallback = defaultLiteral(field);
  const first = (): BuilderLiteral => {
    if (isLiteral(value) && fits(field.type, value)) return value;
    if (Array.isArray(value) && isLiteral(value[0]) && fits(field.type, value[0])) return value[0];
    return fallback;
  };
  switch (op?.operand) {
    case "value":
      return first();
    case "range": {
      if (Array.isArray(value) && value.length === 2 && value.every((v) => isLiteral(v) && fits(field.type, v))) return value as [BuilderLiteral, BuilderLiteral];
      const a = first();
      return [a, a];
    }
    case "list": {
      if (Array.isArray(value) && value.length > 0 && value.every((v) => isLiteral(v) && fits(field.type, v))) return value as BuilderLiteral[];
      return [first()];
    }
    case "duration":
      if (isDuration(value)) return value;
      // A duration, or a relative time's amount and unit (the operator says last or next).
      if (isLiteral(value) && value.kind === "relative") return { amount: value.amount, unit: value.unit };
      return { amount: "30", unit: "day" };
    default:
      return null;
  }
}

/** The AST test of a builder rule (values coerced to the operator's shape); null for an unknown operator. */
export function testOf(field: FieldDef, rule: Pick<BuilderRule, "operator" | "value">): A.Test | null {
  const op = builderOperator(rule.operator);
  if (!op) return null;
  const value = coerceValue(field, rule.operator, rule.value);
  const one = () => valueOf(value as BuilderLiteral);
  const list = () => (value as BuilderLiteral[]).map(valueOf);
  const span = NO_SPAN;
  switch (rule.operator) {
    case "isTrue":
      return { op: "truthy", span };
    case "=":
    case "!=":
    case "<":
    case "<=":
    case ">":
    case ">=":
      return { op: "compare", cmp: rule.operator, value: one(), span };
    case "between":
    case "notBetween": {
      const [low, high] = value as [BuilderLiteral, BuilderLiteral];
      return { op: "between", negated: rule.operator === "notBetween", low: valueOf(low), high: valueOf(high), span };
    }
    case "in":
    case "notIn":
      return { op: "in", negated: rule.operator === "notIn", values: list(), span };
    case "contains":
    case "notContains":
      return { op: "contains", negated: rule.operator === "notContains", value: one(), span };
    case "startsWith":
    case "notStartsWith":
      return { op: "startsWith", negated: rule.operator === "notStartsWith", value: one(), span };
    case "endsWith":
    case "notEndsWith":
      return { op: "endsWith", negated: rule.operator === "notEndsWith", value: one(), span };
    case "before":
    case "notBefore":
      return { op: "before", negated: rule.operator === "notBefore", value: one(), span };
    case "after":
    case "notAfter":
      return { op: "after", negated: rule.operator === "notAfter", value: one(), span };
    case "withinLast":
    case "notWithinLast": {
      const d = value as BuilderDuration;
      return { op: "within", negated: rule.operator === "notWithinLast", amount: numberValue(d.amount), unit: d.unit, span };
    }
    case "withinNext":
    case "notWithinNext": {
      const d = value as BuilderDuration;
      return { op: "within", negated: rule.operator === "notWithinNext", amount: numberValue(d.amount), unit: d.unit, next: true, span };
    }
    case "has":
      return { op: "has", quantifier: "one", values: [one()], span };
    case "hasAny":
    case "hasAll":
    case "hasNone":
      return { op: "has", quantifier: ({ hasAny: "any", hasAll: "all", hasNone: "none" } as const)[rule.operator], values: list(), span };
    case "isEmpty":
    case "isNotEmpty":
      return { op: "empty", negated: rule.operator === "isNotEmpty", span };
    default:
      return null;
  }
}

/** The field reference a rule writes: its own spelling while it still names the field, else the schema's name. */
export function fieldRefOf(field: FieldDef, rule: Pick<BuilderRule, "fieldText">): A.FieldRef {
  const name = rule.fieldText !== undefined && rule.fieldText.toLowerCase() === field.name.toLowerCase() ? rule.fieldText : field.name;
  return { name, quoted: formatField({ name }) !== name, span: NO_SPAN };
}

/** The canonical text of a rule's test (`> 12`, `in ("a", "b")`; empty for `is true`). */
export function testText(field: FieldDef, rule: Pick<BuilderRule, "operator" | "value">): string {
  const test = testOf(field, rule);
  return test ? formatTest(test) : "";
}

/** The canonical text of a rule (`tenure > 12`). */
export function ruleText(field: FieldDef, rule: Pick<BuilderRule, "operator" | "value" | "fieldText">): string {
  const test = testText(field, rule);
  const f = formatField(fieldRefOf(field, rule));
  return test ? `${f} ${test}` : f;
}

/**
 * A test of a field of `def` as the builder's operator and value, or null when the builder cannot show it
 * (no operator of the field's type, a value that does not fit it).
 */
export function builderTest(def: FieldDef, t: A.Test): { operator: string; value: BuilderValue } | null {
  const operator = operatorOfTest(t);
  if (operator === null || !builderOperator(operator)?.types.includes(def.type)) return null;
  const lit = (v: A.Value): BuilderLiteral | null => {
    const l = literalOf(v);
    return l && fits(def.type, l) ? l : null;
  };
  const lits = (vs: A.Value[]): BuilderLiteral[] | null => {
    const out = vs.map(lit);
    return out.length > 0 && out.every((l) => l !== null) ? (out as BuilderLiteral[]) : null;
  };
  let value: BuilderValue | undefined;
  switch (t.op) {
    case "truthy":
    case "empty":
      value = null;
      break;
    case "compare":
    case "contains":
    case "startsWith":
    case "endsWith":
    case "before":
    case "after":
      value = lit(t.value) ?? undefined;
      break;
    case "between": {
      const lo = lit(t.low);
      const hi = lit(t.high);
      value = lo && hi ? [lo, hi] : undefined;
      break;
    }
    case "in":
      value = lits(t.values) ?? undefined;
      break;
    case "has":
      value = t.quantifier === "one" ? (t.values.length === 1 ? (lit(t.values[0]!) ?? undefined) : undefined) : (lits(t.values) ?? undefined);
      break;
    case "within":
      value = Number.isNaN(t.amount.value) ? undefined : { amount: t.amount.raw, unit: t.unit };
      break;
  }
  return value === undefined ? null : { operator, value };
}
