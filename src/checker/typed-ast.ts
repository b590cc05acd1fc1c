/**
 * The typed AST: what every compiler consumes. Fields are resolved against the schema, literals are
 * converted (dates and timestamps to instants, relative times kept symbolic so each backend resolves them
 * against its own `now`), and operator spellings are normalised to a small set of tests.
 *
 * The semantics every backend implements (README "Semantics"):
 * - A `TypedTest` is a positive test plus `negated`. A positive test is false when the field is empty
 *   (null or missing; also "" for strings and [] for lists). `negated: true` is its exact complement, so
 *   it is true on an empty field.
 * - Temporal values compare as instants, resolved in the evaluation time zone (the compilers' `timeZone`
 *   option, else the schema's, else UTC; src/checker/zone.ts): a date is the instant its day starts there.
 */
import type { Span } from "../diagnostics.js";
import type { AggregateFn, TimeUnit } from "../parser/ast.js";
import type { FieldDef, Schema } from "../schema/schema.js";

export type { AggregateFn, TimeUnit };

/**
 * A point in time, resolved by the backend against its `now` (fixed per evaluation) and its time zone
 * (`resolveTime` in time.ts does it for every backend that resolves time in JavaScript).
 */
export type TimeValue =
  /**
   * An instant as written. `date` is set when it was written as a date (`2024-01-01`): `ms` is its midnight
   * UTC. `local` is set when it was written without a UTC offset (a date, or `2024-01-01T10:00`): `ms` is
   * its reading in UTC, and in another time zone it is that zone's wall-clock time (a date: the start of
   * that day there). Without `local`, `ms` is the instant whatever the zone.
   */
  | { kind: "instant"; ms: number; date?: string; local?: boolean }
  /**
   * `now − amount unit`; a negative amount is in the future (`in 3 days`: amount −3). Minutes and hours are
   * exact durations; days, weeks, months and years move the zone's wall clock, months and years clamped to
   * the month's end.
   */
  | { kind: "relative"; amount: number; unit: TimeUnit }
  | { kind: "now" }
  /** The start (local midnight) of now's day in the evaluation zone. */
  | { kind: "today" };

/** A checked literal. Strings for string/enum fields, numbers for number fields, time values for dates and timestamps. */
export type Literal =
  | { kind: "string"; value: string }
  | { kind: "number"; value: number }
  | { kind: "boolean"; value: boolean }
  | TimeValue;

/** A resolved field: a contact field, or (inside an event filter or aggregate) an event property. */
export interface ResolvedField {
  /** The schema's name for it (not the spelling in the expression). */
  name: string;
  type: FieldDef["type"];
  /** The column: for contact fields the contacts table's column; for properties see `EventsDef`. */
  column: string;
  source: "contact" | "event";
  /** The schema entry, with description, enum values and storage overrides. */
  def: FieldDef;
}

/** The positive tests; each is false on an empty field. */
export type PositiveTest =
  /** `=`; `!=` is `eq` negated. Strings compare exactly. */
  | { op: "eq"; value: Literal }
  /** Orderings on numbers and time values. `before` is `lt`, `after` is `gt`. */
  | { op: "lt" | "le" | "gt" | "ge"; value: Literal }
  /**
   * Inclusive at both ends. `within last N unit` is `between (N unit ago) and now`; `within next N unit`
   * is `between now and (in N unit)`.
   */
  | { op: "between"; low: Literal; high: Literal }
  /** Membership in a list of strings or numbers. */
  | { op: "in"; values: Literal[] }
  /** Case-insensitive substring tests (ASCII case folding only, see README); `%`, `_`, `\` are literal. */
  | { op: "contains" | "startsWith" | "endsWith"; value: string }
  /** List fields: has at least one of / all of the values. `has "x"` is `hasAny ["x"]`; `has none` is `hasAny` negated. */
  | { op: "hasAny" | "hasAll"; values: string[] }
  /** Not empty. `is empty` is `present` negated. A bare boolean field is `eq true`. */
  | { op: "present" };

/** A test and whether it is negated (the exact complement, so true on an empty field). */
export type TypedTest = PositiveTest & { negated: boolean };

/** A checked condition. */
export type TypedExpr =
  | { kind: "and"; operands: TypedExpr[]; span: Span }
  | { kind: "or"; operands: TypedExpr[]; span: Span }
  | { kind: "not"; operand: TypedExpr; span: Span }
  | TypedRule
  | TypedEvent
  | TypedSegmentRef;

/** A test of one contact field (or, inside an event filter, of one event property). */
export interface TypedRule {
  kind: "rule";
  field: ResolvedField;
  test: TypedTest;
  span: Span;
}

/** A condition on a contact's events. */
export interface TypedEvent {
  kind: "event";
  /** Matched exactly. */
  name: string;
  /** Events counted lie in `[low, high]` (both ends included); null: all events. */
  window: { low: TimeValue; high: TimeValue } | null;
  /** Rules on the same event's properties; null: every event of that name. */
  filter: TypedExpr | null;
  measure: TypedMeasure;
  span: Span;
}

/**
 * What is asked of the matching events. `performed "X"` alone is `count >= 1`. A count over no events is 0.
 * An aggregate, first or last time over no events is empty, so its (always positive) test is false.
 */
export type TypedMeasure =
  | { kind: "count"; cmp: ">=" | "<=" | "="; count: number }
  | { kind: "aggregate"; fn: AggregateFn; property: ResolvedField; test: PositiveTest }
  | { kind: "first" | "last"; test: PositiveTest };

/** `in segment "Name"`: the referenced segment's condition (shared, not copied). */
export interface TypedSegmentRef {
  kind: "segment";
  name: string;
  expr: TypedExpr;
  span: Span;
}

/** A checked condition with the schema it was checked against: what `compileSql` and `compilePredicate` take. */
export interface TypedQuery {
  schema: Schema;
  expr: TypedExpr;
}

/** A checked segment of a document. */
export interface TypedSegment extends TypedQuery {
  /** Null for the unnamed segment of a bare expression. */
  name: string | null;
  title: string | null;
  description: string | null;
  /** Names of the segments it refers to directly. */
  references: string[];
  span: Span;
  /**
   * The nodes of `expr` in post-order (each after its operands, an event condition after its filter, `expr`
   * last), as the checker made them: the static analysis numbers its parts by this list instead of walking
   * the tree again. A referenced segment's nodes are its own, not in the list. Absent where the segment was
   * not made by `check`; a reader uses it only when its last node is `expr`.
   */
  parts?: readonly TypedExpr[];
}

/** Walks a typed expression without recursion, parents first; does not enter referenced segments. */
export function forEachTyped(root: TypedExpr, visit: (e: TypedExpr) => void): void {
  const stack: TypedExpr[] = [root];
  while (stack.length > 0) {
    const e = stack.pop()!;
    visit(e);
    if (e.kind === "and" || e.kind === "or") for (let i = e.operands.length - 1; i >= 0; i--) stack.push(e.operands[i]!);
    else if (e.kind === "not") stack.push(e.operand);
    else if (e.kind === "event" && e.filter) stack.push(e.filter);
  }
}

/**
 * The hidden list field a static segment's reference stands on: per contact, the member lists (static
 * segments) it is on. It is no schema's field (its name starts with U+0000, which no field name can), so it
 * is never written by a user; the predicate fills it from the member lists, SQL reads the member table
 * instead (`compileSql`'s `segmentSource`), and the static analysis sees an opaque membership: being on one
 * list says nothing about being on another, or about any field.
 */
export const MEMBER_LISTS_FIELD = "\u0000segql static segments";

/** One definition for every reference (the analysis knows a field by its definition). */
const memberListsDef: FieldDef = { name: MEMBER_LISTS_FIELD, type: "list", column: MEMBER_LISTS_FIELD };
const memberListsField: ResolvedField = { name: MEMBER_LISTS_FIELD, type: "list", column: MEMBER_LISTS_FIELD, source: "contact", def: memberListsDef };

/** The membership test that a reference to member list `list` (a static segment) stands for. */
export function memberListTest(list: string, span: Span): TypedRule {
  return { kind: "rule", field: memberListsField, test: { op: "hasAny", values: [list], negated: false }, span };
}

/**
 * Points every reference in `roots`, and in the segments they read, whose segment `listOf` names a member
 * list (by its key in the hidden field) at that list's membership test, in place. For typed trees made for
 * one use (an evaluation, an analysis): the referenced segments' typed trees are shared by their references.
 */
export function resolveMemberLists(roots: readonly TypedExpr[], listOf: (segment: string) => string | null): void {
  const seen = new Set<TypedExpr>();
  const stack: TypedExpr[] = [...roots];
  while (stack.length > 0) {
    const e = stack.pop()!;
    if (seen.has(e)) continue;
    seen.add(e);
    switch (e.kind) {
      case "and":
      case "or":
        stack.push(...e.operands);
        break;
      case "not":
        stack.push(e.operand);
        break;
      case "segment": {
        const list = listOf(e.name);
        if (list !== null) e.expr = memberListTest(list, e.span);
        else stack.push(e.expr);
        break;
      }
    }
  }
}
