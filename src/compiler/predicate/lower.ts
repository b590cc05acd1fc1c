/**
 * Lowering: typed AST → a plan both predicate back ends (code generation and closures) execute. All the
 * semantics that do not depend on the contact are decided here, once: time values are resolved against
 * `now`, text needles folded, empty-string literals (which can never match, since "" is empty) dropped,
 * large `in` lists turned into Sets, an `or` of equalities on one field merged into one `in` test, and a
 * wide `or` of branches keyed on one field's value turned into a table (dispatch.ts). Each back end then
 * only maps plan nodes to code or closures, so the two cannot drift apart.
 */
import { MAX_DATE_MS, parseDate, parseTimestamp, resolveTime } from "../../checker/time.js";
import { ceilDay, dayStart, floorDay, fromWallClock, UTC, type TimeZone } from "../../checker/zone.js";
import type { Literal, PositiveTest, ResolvedField, TypedExpr, TypedMeasure, TypedQuery } from "../../checker/typed-ast.js";
import type { FieldType, Schema } from "../../schema/schema.js";
import { dispatchBranches } from "./dispatch.js";
import { foldAscii, isPrototypeName } from "./runtime.js";

/** Lists longer than this are tested with a `Set` rather than a chain of `===`. */
export const SET_THRESHOLD = 8;

/** Where a value is read from: the contact, the event row, or the event's JSON properties object. */
export type Source = "contact" | "event" | "properties";

/** A property read: object, key, and whether the key also names something on `Object.prototype`. */
export interface Access {
  source: Source;
  key: string;
  /** True for keys such as `constructor` or `__proto__`: read with `Object.hasOwn` first. */
  protoName: boolean;
}

/** How a raw value is turned into something comparable. */
export type Conversion = "none" | "instant" | "day";

/** A positive test on one (converted) value. Every test is false on an empty value. */
export type PlanTest =
  | { k: "const"; value: boolean }
  | { k: "present"; type: FieldType }
  /** Strict `===` against a string, number or boolean (none of them empty). */
  | { k: "eq"; value: string | number | boolean }
  | { k: "eqTime"; conv: Conversion; ms: number }
  | { k: "cmp"; conv: Conversion; cmp: "lt" | "le" | "gt" | "ge"; value: number }
  | { k: "between"; conv: Conversion; low: number; high: number }
  /** Small lists: a chain of `===`. */
  | { k: "inList"; values: (string | number)[] }
  /** Large lists: `typeof v === type && set.has(v)`. */
  | { k: "inSet"; type: "string" | "number"; set: Set<string | number> }
  | { k: "contains" | "startsWith" | "endsWith"; needle: string }
  | { k: "hasAny"; values: string[] }
  | { k: "hasAnySet"; set: Set<string> }
  | { k: "hasAll"; values: string[] };

/** A condition, ready to execute. */
export type PlanExpr =
  | { k: "and" | "or"; operands: PlanExpr[] }
  | { k: "not"; operand: PlanExpr }
  | { k: "const"; value: boolean }
  | { k: "rule"; access: Access; test: PlanTest; negated: boolean }
  /** The table's condition for the field's value, when the value is of `type` and in the table; else false (dispatch.ts). */
  | { k: "dispatch"; access: Access; type: "string" | "number"; table: Map<string | number, PlanExpr> }
  | PlanEvent
  | { k: "segment"; id: number; name: string };

/** An event condition: which events count, and what is asked of them. */
export interface PlanEvent {
  k: "event";
  /** Index in `Plan.events` (code generation emits one function per event condition). */
  id: number;
  name: string;
  nameAccess: Access;
  timeAccess: Access;
  /** Present when the condition reads JSON properties. */
  propertiesAccess: Access | null;
  window: { low: number; high: number } | null;
  filter: PlanExpr | null;
  measure: PlanMeasure;
}

export type PlanMeasure =
  | { k: "count"; cmp: ">=" | "<=" | "="; count: number }
  | { k: "aggregate"; fn: "sum" | "avg" | "min" | "max"; access: Access; test: PlanTest }
  | { k: "first" | "last"; test: PlanTest };

/** A lowered query: the root condition and the referenced segments (each compiled once). */
export interface Plan {
  root: PlanExpr;
  segments: { name: string; expr: PlanExpr }[];
  events: PlanEvent[];
  /** True when some condition reads events (so the predicate's second argument matters). */
  usesEvents: boolean;
}

/**
 * Turns `now` (Date, ISO string or epoch ms) into epoch ms; throws a clear error on anything else. Text
 * without a UTC offset is wall-clock time in `zone` (a bare date: the start of that day there).
 */
export function resolveNow(now: Date | string | number | undefined, zone: TimeZone = UTC): number {
  if (now === undefined) return Date.now();
  const ms = typeof now === "string" ? parseNowText(now, zone) : now instanceof Date ? now.getTime() : now;
  // Calendar arithmetic goes through Date: 'now' must be an instant a Date holds.
  if (typeof ms !== "number" || !Number.isFinite(ms) || Math.abs(ms) > MAX_DATE_MS) {
    throw new RangeError(`compilePredicate: 'now' is not a valid instant: ${String(now)}`);
  }
  return ms;
}

/** ISO-8601 as literals are read (no offset = wall-clock time in the zone; a bare date = the start of that day there). */
function parseNowText(text: string, zone: TimeZone): number {
  const t = parseTimestamp(text);
  if ("ms" in t) return t.local ? fromWallClock(t.ms, zone) : t.ms;
  const day = parseDate(text);
  return day === null ? NaN : dayStart(day, zone);
}

/** Lowers a typed query, resolving time against `now` (epoch ms) in `zone` (default UTC). */
export function lower(query: TypedQuery, now: number, zone: TimeZone = UTC): Plan {
  const lowerer = new Lowerer(query.schema, now, zone);
  const root = lowerer.expr(query.expr, "contact");
  return { root, segments: lowerer.segments, events: lowerer.events, usesEvents: lowerer.events.length > 0 };
}

class Lowerer {
  readonly segments: { name: string; expr: PlanExpr }[] = [];
  readonly events: PlanEvent[] = [];
  private readonly segmentIds = new Map<TypedExpr, number>();

  constructor(
    private readonly schema: Schema,
    private readonly now: number,
    private readonly zone: TimeZone,
  ) {}

  expr(e: TypedExpr, scope: "contact" | "event"): PlanExpr {
    switch (e.kind) {
      case "and":
      case "or": {
        const operands = mergeMembershipTests(e.kind, e.operands.map((o) => this.expr(o, scope)));
        return { k: e.kind, operands: e.kind === "or" && scope === "contact" ? dispatchBranches(operands, equalityValues) : operands };
      }
      case "not":
        return { k: "not", operand: this.expr(e.operand, scope) };
      case "rule": {
        const test = this.test(e.test, e.field.type);
        if (test.k === "const") return { k: "const", value: e.test.negated ? !test.value : test.value };
        return { k: "rule", access: this.access(e.field), test, negated: e.test.negated };
      }
      case "segment": {
        let id = this.segmentIds.get(e.expr);
        if (id === undefined) {
          id = this.segments.length;
          this.segmentIds.set(e.expr, id);
          const slot = { name: e.name, expr: { k: "const", value: false } as PlanExpr };
          this.segments.push(slot);
          slot.expr = this.expr(e.expr, "contact");
        }
        return { k: "segment", id, name: e.name };
      }
      case "event": {
        const events = this.schema.events;
        if (!events) throw new Error(`compilePredicate: the schema has no events section, but the condition uses performed "${e.name}"`);
        const ev: PlanEvent = {
          k: "event",
          id: this.events.length,
          name: e.name,
          nameAccess: access("event", events.name),
          timeAccess: access("event", events.time),
          propertiesAccess: null,
          window: e.window ? { low: this.time(e.window.low), high: this.time(e.window.high) } : null,
          filter: null,
          measure: { k: "count", cmp: ">=", count: 1 },
        };
        this.events.push(ev);
        ev.filter = e.filter ? this.expr(e.filter, "event") : null;
        ev.measure = this.measure(e.measure);
        if (usesProperties(ev)) ev.propertiesAccess = access("event", events.propertiesColumn);
        return ev;
      }
    }
  }

  private measure(m: TypedMeasure): PlanMeasure {
    switch (m.kind) {
      case "count":
        return { k: "count", cmp: m.cmp, count: m.count };
      case "aggregate":
        return { k: "aggregate", fn: m.fn, access: this.access(m.property), test: this.test(m.test, m.property.type) };
      case "first":
      case "last":
        // First/last time is an instant (ms); an instant converts to itself.
        return { k: m.kind, test: this.test(m.test, "timestamp") };
    }
  }

  /** Where a field's value lives: contact fields by schema name; event properties in their column or the JSON object. */
  private access(field: ResolvedField): Access {
    if (field.source === "contact") return access("contact", field.name);
    return field.def.ownColumn ? access("event", field.def.column) : access("properties", field.name);
  }

  /** Lowers a positive test on a field of `type`. */
  private test(t: PositiveTest, type: FieldType): PlanTest {
    const conv: Conversion = type === "timestamp" ? "instant" : type === "date" ? "day" : "none";
    const time = conv !== "none";
    if (conv === "day" && t.op !== "present") return this.dayTest(t);
    switch (t.op) {
      case "present":
        return { k: "present", type };
      case "eq": {
        if (time) return { k: "eqTime", conv, ms: this.time(t.value) };
        const value = scalar(t.value);
        return value === "" ? { k: "const", value: false } : { k: "eq", value };
      }
      case "lt":
      case "le":
      case "gt":
      case "ge":
        return { k: "cmp", conv, cmp: t.op, value: time ? this.time(t.value) : (scalar(t.value) as number) };
      case "between":
        return time
          ? { k: "between", conv, low: this.time(t.low), high: this.time(t.high) }
          : { k: "between", conv, low: scalar(t.low) as number, high: scalar(t.high) as number };
      case "in": {
        const values = [...new Set(t.values.map(scalar).filter((v): v is string | number => v !== "" && typeof v !== "boolean"))];
        return values.length === 0 ? { k: "const", value: false } : membershipTest(values);
      }
      case "contains":
      case "startsWith":
      case "endsWith":
        return { k: t.op, needle: foldAscii(t.value) };
      case "hasAny": {
        const values = [...new Set(t.values)];
        if (values.length === 0) return { k: "const", value: false };
        return values.length <= SET_THRESHOLD ? { k: "hasAny", values } : { k: "hasAnySet", set: new Set(values) };
      }
      case "hasAll": {
        const values = [...new Set(t.values)];
        // `has all ()` would hold vacuously; the checker refuses empty lists, so only non-empty lists reach here.
        return values.length === 0 ? { k: "present", type: "list" } : { k: "hasAll", values };
      }
    }
  }

  private time(v: Literal): number {
    if (v.kind === "string" || v.kind === "number" || v.kind === "boolean") throw new Error(`compilePredicate: expected a time value, found ${v.kind}`);
    return resolveTime(v, this.now, this.zone);
  }

  /**
   * A test on a date field, which holds a calendar day (read as its midnight UTC label, `toDay`): the day
   * stands for the instant it starts in the zone, so the instants of the test become day bounds here, once
   * (`d < t` ⟺ `d < ceilDay(t)`, `d <= t` ⟺ `d <= floorDay(t)`, …), and each value is compared as a day,
   * with no time zone lookups per contact. In UTC the bounds are the instants' own days.
   */
  private dayTest(t: PositiveTest): PlanTest {
    const floor = (v: Literal) => floorDay(this.time(v), this.zone);
    const ceil = (v: Literal) => ceilDay(this.time(v), this.zone);
    switch (t.op) {
      case "eq": {
        // A day equals an instant only when the instant is that day's start.
        const f = floor(t.value);
        return f === ceil(t.value) ? { k: "eqTime", conv: "day", ms: f } : { k: "const", value: false };
      }
      case "lt":
      case "ge":
        return { k: "cmp", conv: "day", cmp: t.op, value: ceil(t.value) };
      case "le":
      case "gt":
        return { k: "cmp", conv: "day", cmp: t.op, value: floor(t.value) };
      case "between": {
        const low = ceil(t.low);
        const high = floor(t.high);
        return low > high ? { k: "const", value: false } : { k: "between", conv: "day", low, high };
      }
      default:
        throw new Error(`compilePredicate: the test "${t.op}" does not apply to a date`);
    }
  }
}

/**
 * Merges the operands of an `or` that test one field for equality (`=`, `in`) into one `in` test, and
 * likewise the operands of an `and` that test one field for inequality (`!=`, `not in`: the negation of
 * the same union, by De Morgan). A generated segment may say `customer_id = "a" or customer_id = "b" or …`
 * 20,000 times: as written that is 20,000 comparisons per contact, merged it is one Set lookup. Only
 * strings and numbers are merged, each type on its own (an `in` test checks one type); the merged rule
 * takes the place of the first one it replaces. Reordering is safe: operands have no side effects.
 */
function mergeMembershipTests(kind: "and" | "or", operands: PlanExpr[]): PlanExpr[] {
  const negated = kind === "and";
  // Group key (source, field, value type) → the operands' indexes and values, in order.
  const groups = new Map<string, { indexes: number[]; values: (string | number)[] }>();
  operands.forEach((o, i) => {
    if (o.k !== "rule" || o.negated !== negated) return;
    const values = membershipValues(o.test);
    if (values === null) return;
    const key = JSON.stringify([o.access.source, o.access.key, typeof values[0]]);
    const group = groups.get(key);
    if (group) {
      group.indexes.push(i);
      for (const v of values) group.values.push(v); // not push(...values): a large Set would overflow the arguments
    } else groups.set(key, { indexes: [i], values: [...values] });
  });
  const replaced = new Map<number, PlanExpr | null>();
  for (const { indexes, values } of groups.values()) {
    if (indexes.length < 2) continue;
    const first = operands[indexes[0]!] as Extract<PlanExpr, { k: "rule" }>;
    replaced.set(indexes[0]!, { k: "rule", access: first.access, test: membershipTest(values), negated });
    for (const i of indexes.slice(1)) replaced.set(i, null);
  }
  if (replaced.size === 0) return operands;
  const out: PlanExpr[] = [];
  operands.forEach((o, i) => {
    const r = replaced.has(i) ? replaced.get(i)! : o;
    if (r !== null) out.push(r);
  });
  return out;
}

/** The values an equality or membership test is true for, when they are all strings or all numbers (else null). */
function membershipValues(t: PlanTest): (string | number)[] | null {
  const values = t.k === "eq" ? [t.value] : t.k === "inList" ? t.values : t.k === "inSet" ? [...t.set] : null;
  if (values === null || values.length === 0) return null;
  const type = typeof values[0];
  return (type === "string" || type === "number") && values.every((v) => typeof v === type) ? (values as (string | number)[]) : null;
}

/** The values a positive equality or membership rule is true for (null for any other condition). */
function equalityValues(e: PlanExpr): (string | number)[] | null {
  return e.k === "rule" && !e.negated ? membershipValues(e.test) : null;
}

/** An `in` test on distinct values of one type (the form `in (…)` lowers to). */
function membershipTest(all: (string | number)[]): PlanTest {
  const values = [...new Set(all)];
  if (values.length <= SET_THRESHOLD) return { k: "inList", values };
  return { k: "inSet", type: typeof values[0] === "number" ? "number" : "string", set: new Set(values) };
}

function access(source: Source, key: string): Access {
  return { source, key, protoName: isPrototypeName(key) };
}

function scalar(v: Literal): string | number | boolean {
  if (v.kind === "string" || v.kind === "number" || v.kind === "boolean") return v.value;
  throw new Error(`compilePredicate: expected a string, number or boolean, found a time value`);
}

function usesProperties(ev: PlanEvent): boolean {
  let found = ev.measure.k === "aggregate" && ev.measure.access.source === "properties";
  const visit = (e: PlanExpr): void => {
    if (e.k === "rule" && e.access.source === "properties") found = true;
    else if (e.k === "and" || e.k === "or") e.operands.forEach(visit);
    else if (e.k === "dispatch") e.table.forEach(visit);
    else if (e.k === "not") visit(e.operand);
  };
  if (ev.filter) visit(ev.filter);
  return found;
}
