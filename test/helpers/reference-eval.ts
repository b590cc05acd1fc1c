/**
 * A deliberately naive reference evaluator of the typed AST, written straight from the semantics in
 * docs/HELPERS.md ("Semantics"), sharing no code with src/compiler/predicate except the checker's calendar
 * arithmetic. Tests compare the compiled predicates with it; SQL differential tests may use it as an oracle.
 *
 * Value conventions are the predicate's (docs/predicate.md): a value of the wrong JavaScript type is empty.
 */
import { parseDate, parseTimestamp, resolveTime } from "../../src/checker/time.js";
import type { Literal, PositiveTest, TypedExpr, TypedMeasure, TypedQuery } from "../../src/checker/typed-ast.js";
import type { FieldType, Schema } from "../../src/schema/schema.js";

type Obj = Record<string, unknown>;

/** The value as the semantics see it: undefined when empty, else a string, number, boolean, instant (ms) or string[]. */
function normalise(raw: unknown, type: FieldType): unknown {
  switch (type) {
    case "string":
    case "enum":
      return typeof raw === "string" && raw.length > 0 ? raw : undefined;
    case "number":
      return typeof raw === "number" && !Number.isNaN(raw) ? raw : undefined;
    case "boolean":
      return typeof raw === "boolean" ? raw : undefined;
    case "list":
      return Array.isArray(raw) && raw.length > 0 ? raw : undefined;
    case "timestamp":
    case "date": {
      let ms: number;
      if (raw instanceof Date) ms = raw.getTime();
      else if (typeof raw === "number" && Number.isFinite(raw)) ms = Math.floor(raw); // epoch ms, floored
      else if (typeof raw === "string") {
        const t = parseTimestamp(raw);
        ms = "ms" in t ? t.ms : (parseDate(raw) ?? NaN);
      } else ms = NaN;
      // Only instants in years 1-9999 (UTC) are times: 0001-01-01T00:00:00.000Z … 9999-12-31T23:59:59.999Z.
      if (!(ms >= -62_135_596_800_000 && ms <= 253_402_300_799_999)) return undefined;
      return type === "date" ? Math.floor(ms / 86_400_000) * 86_400_000 : ms;
    }
  }
}

function get(obj: unknown, key: string): unknown {
  return typeof obj === "object" && obj !== null && Object.prototype.hasOwnProperty.call(obj, key) ? (obj as Obj)[key] : undefined;
}

const asciiLower = (s: string) => s.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));

function literal(l: Literal, now: number): unknown {
  return l.kind === "string" || l.kind === "number" || l.kind === "boolean" ? l.value : resolveTime(l, now);
}

function positive(t: PositiveTest, v: unknown, now: number): boolean {
  if (v === undefined) return false; // every positive test is false on an empty value
  switch (t.op) {
    case "present":
      return true;
    case "eq":
      return v === literal(t.value, now);
    case "lt":
      return (v as number) < (literal(t.value, now) as number);
    case "le":
      return (v as number) <= (literal(t.value, now) as number);
    case "gt":
      return (v as number) > (literal(t.value, now) as number);
    case "ge":
      return (v as number) >= (literal(t.value, now) as number);
    case "between":
      return (v as number) >= (literal(t.low, now) as number) && (v as number) <= (literal(t.high, now) as number);
    case "in":
      return t.values.some((x) => literal(x, now) === v);
    case "contains":
      return asciiLower(v as string).includes(asciiLower(t.value));
    case "startsWith":
      return asciiLower(v as string).startsWith(asciiLower(t.value));
    case "endsWith":
      return asciiLower(v as string).endsWith(asciiLower(t.value));
    case "hasAny":
      return t.values.some((x) => (v as unknown[]).includes(x));
    case "hasAll":
      return t.values.every((x) => (v as unknown[]).includes(x));
  }
}

/** Evaluates `query` for one contact and its event rows at `now` (epoch ms). */
export function referenceEval(query: TypedQuery, contact: Obj, events: readonly Obj[], now: number): boolean {
  const schema: Schema = query.schema;
  const evalExpr = (e: TypedExpr, event: Obj | null): boolean => {
    switch (e.kind) {
      case "and":
        return e.operands.every((o) => evalExpr(o, event));
      case "or":
        return e.operands.some((o) => evalExpr(o, event));
      case "not":
        return !evalExpr(e.operand, event);
      case "segment":
        return evalExpr(e.expr, null);
      case "rule": {
        let raw: unknown;
        if (e.field.source === "contact") raw = get(contact, e.field.name);
        else if (e.field.def.ownColumn) raw = get(event, e.field.def.column);
        else raw = get(get(event, schema.events!.propertiesColumn), e.field.name);
        const result = positive(e.test, normalise(raw, e.field.type), now);
        return e.test.negated ? !result : result;
      }
      case "event": {
        const ev = schema.events!;
        const matching = events.filter((row) => {
          if (typeof row !== "object" || row === null) return false;
          if (get(row, ev.name) !== e.name) return false;
          if (e.window) {
            const t = normalise(get(row, ev.time), "timestamp") as number | undefined;
            if (t === undefined || t < resolveTime(e.window.low, now) || t > resolveTime(e.window.high, now)) return false;
          }
          return e.filter === null || evalExpr(e.filter, row);
        });
        return measure(e.measure, matching);
      }
    }
  };
  const measure = (m: TypedMeasure, rows: Obj[]): boolean => {
    const ev = schema.events!;
    switch (m.kind) {
      case "count":
        return m.cmp === ">=" ? rows.length >= m.count : m.cmp === "<=" ? rows.length <= m.count : rows.length === m.count;
      case "aggregate": {
        const values = rows
          .map((r) => normalise(m.property.def.ownColumn ? get(r, m.property.def.column) : get(get(r, ev.propertiesColumn), m.property.name), "number"))
          .filter((x): x is number => x !== undefined);
        if (values.length === 0) return false; // an aggregate over nothing is empty
        const sum = values.reduce((a, b) => a + b, 0);
        const value = m.fn === "sum" ? sum : m.fn === "avg" ? sum / values.length : m.fn === "min" ? Math.min(...values) : Math.max(...values);
        return positive(m.test, value, now);
      }
      case "first":
      case "last": {
        const times = rows.map((r) => normalise(get(r, ev.time), "timestamp")).filter((x): x is number => x !== undefined);
        if (times.length === 0) return false;
        return positive(m.test, m.kind === "first" ? Math.min(...times) : Math.max(...times), now);
      }
    }
  };
  return evalExpr(query.expr, null);
}
