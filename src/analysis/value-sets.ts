/**
 * Exact sets of values of one field, by the kind of value it holds, with the empty value as a member of its
 * own: ordered lines (numbers, counts, instants, dates, see `ordered-set.ts`), text tested only by `=`/`in`
 * (a finite set of strings, or every string but a finite set), and booleans.
 *
 * Text is "finite set plus anything else" even for enums: a contact's enum field may hold a value the schema
 * does not list (the predicate compares strings exactly), so `status != "A" and status != "B"` is never
 * empty even when A and B are all the values listed.
 */
import { DOUBLES, integers, OrderedSets, type OrderedSet } from "./ordered-set.js";
import { MAX_INSTANT, MIN_INSTANT } from "../compiler/predicate/runtime.js";
import { ceilDay, floorDay, type TimeZone } from "../checker/zone.js";

/** Milliseconds in a day. */
export const DAY = 86_400_000;

/** Numbers: every double. */
export const NUMBERS = new OrderedSets(DOUBLES);
/** Event counts: 0, 1, 2, … */
export const COUNTS = new OrderedSets(integers(0, Infinity));
/** Instants: whole milliseconds in years 1-9999 (outside them a value is not a time, so empty). */
export const INSTANTS = new OrderedSets(integers(MIN_INSTANT, MAX_INSTANT));
/** Dates: day numbers (days since 1970-01-01) in years 1-9999. */
export const DAYS = new OrderedSets(integers(Math.ceil(MIN_INSTANT / DAY), Math.floor(MAX_INSTANT / DAY)));

/**
 * The dates (day numbers) whose day compares with the instant `t` as `op` does, in `zone`: a date stands
 * for the instant its day starts there (`d <= t` ⟺ `d <= floorDay(t)`, `d >= t` ⟺ `d >= ceilDay(t)`), as
 * the predicate compares them. In UTC, the days of `t / DAY` rounded.
 */
export function dayBound(op: "ge" | "gt" | "le" | "lt", t: number, zone: TimeZone): OrderedSet {
  if (!Number.isFinite(t)) return DAYS.compare(op, t);
  switch (op) {
    case "ge":
      return DAYS.compare("ge", ceilDay(t, zone) / DAY);
    case "gt":
      return DAYS.compare("gt", floorDay(t, zone) / DAY);
    case "le":
      return DAYS.compare("le", floorDay(t, zone) / DAY);
    case "lt":
      return DAYS.compare("lt", ceilDay(t, zone) / DAY);
  }
}

/** Text: `finite` — exactly `values`; otherwise every non-empty string but `values`. Plus the empty value. */
export interface TextSet {
  empty: boolean;
  finite: boolean;
  values: ReadonlySet<string>;
}

/** Booleans: bit 1 empty, 2 true, 4 false. */
export interface BoolSet {
  bits: number;
}

/** A set of values of one field. `ops` is the line an ordered set lies on. */
export type ValueSet = { k: "ordered"; ops: OrderedSets; s: OrderedSet } | { k: "text"; s: TextSet } | { k: "bool"; s: BoolSet };

const NO_STRINGS: ReadonlySet<string> = new Set();

/** Operations on text sets. */
export const TEXT = {
  full: { empty: true, finite: false, values: NO_STRINGS } as TextSet,
  none: { empty: false, finite: true, values: NO_STRINGS } as TextSet,
  present: { empty: false, finite: false, values: NO_STRINGS } as TextSet,
  onlyEmpty: { empty: true, finite: true, values: NO_STRINGS } as TextSet,
  one(value: string): TextSet {
    return { empty: false, finite: true, values: new Set([value]) };
  },
  complement(a: TextSet): TextSet {
    return { empty: !a.empty, finite: !a.finite, values: a.values };
  },
  intersect(a: TextSet, b: TextSet): TextSet {
    const empty = a.empty && b.empty;
    if (a.finite && b.finite) return { empty, finite: true, values: filter(a.values, (v) => b.values.has(v)) };
    if (a.finite) return { empty, finite: true, values: filter(a.values, (v) => !b.values.has(v)) };
    if (b.finite) return { empty, finite: true, values: filter(b.values, (v) => !a.values.has(v)) };
    return { empty, finite: false, values: union(a.values, b.values) };
  },
  union(a: TextSet, b: TextSet): TextSet {
    return TEXT.complement(TEXT.intersect(TEXT.complement(a), TEXT.complement(b)));
  },
  isEmpty(a: TextSet): boolean {
    return !a.empty && a.finite && a.values.size === 0;
  },
  isFull(a: TextSet): boolean {
    return a.empty && !a.finite && a.values.size === 0;
  },
  subset(a: TextSet, b: TextSet): boolean {
    return TEXT.isEmpty(TEXT.intersect(a, TEXT.complement(b)));
  },
};

/** Operations on boolean sets. */
export const BOOL = {
  full: { bits: 7 } as BoolSet,
  none: { bits: 0 } as BoolSet,
  complement: (a: BoolSet): BoolSet => ({ bits: 7 & ~a.bits }),
  intersect: (a: BoolSet, b: BoolSet): BoolSet => ({ bits: a.bits & b.bits }),
  union: (a: BoolSet, b: BoolSet): BoolSet => ({ bits: a.bits | b.bits }),
};

function filter(values: ReadonlySet<string>, keep: (v: string) => boolean): ReadonlySet<string> {
  const out = new Set<string>();
  for (const v of values) if (keep(v)) out.add(v);
  return out;
}

function union(a: ReadonlySet<string>, b: ReadonlySet<string>): ReadonlySet<string> {
  if (a.size === 0) return b;
  if (b.size === 0) return a;
  const out = new Set(a);
  for (const v of b) out.add(v);
  return out;
}

// ---- any kind ----------------------------------------------------------------------------------------------

/** Both sets (of the same field). */
export function intersect(a: ValueSet, b: ValueSet): ValueSet {
  if (a.k === "ordered" && b.k === "ordered") return { k: "ordered", ops: a.ops, s: a.ops.intersect(a.s, b.s) };
  if (a.k === "text" && b.k === "text") return { k: "text", s: TEXT.intersect(a.s, b.s) };
  if (a.k === "bool" && b.k === "bool") return { k: "bool", s: BOOL.intersect(a.s, b.s) };
  throw new Error(`analysis: sets of different kinds (${a.k}, ${b.k})`);
}

/** Either set. */
export function unite(a: ValueSet, b: ValueSet): ValueSet {
  if (a.k === "ordered" && b.k === "ordered") return { k: "ordered", ops: a.ops, s: a.ops.union(a.s, b.s) };
  if (a.k === "text" && b.k === "text") return { k: "text", s: TEXT.union(a.s, b.s) };
  if (a.k === "bool" && b.k === "bool") return { k: "bool", s: BOOL.union(a.s, b.s) };
  throw new Error(`analysis: sets of different kinds (${a.k}, ${b.k})`);
}

/** The values of `domain` not in `a`. */
export function without(domain: ValueSet, a: ValueSet): ValueSet {
  if (a.k === "ordered") return intersect(domain, { k: "ordered", ops: a.ops, s: a.ops.complement(a.s) });
  if (a.k === "text") return intersect(domain, { k: "text", s: TEXT.complement(a.s) });
  return intersect(domain, { k: "bool", s: BOOL.complement(a.s) });
}

/** No value at all. */
export function isNone(a: ValueSet): boolean {
  if (a.k === "ordered") return a.ops.isEmpty(a.s);
  if (a.k === "text") return TEXT.isEmpty(a.s);
  return a.s.bits === 0;
}

/** Every value of `domain` is in `a`. */
export function covers(a: ValueSet, domain: ValueSet): boolean {
  return isNone(without(domain, a));
}

/** Whether the empty value is in the set. */
export function hasEmpty(a: ValueSet): boolean {
  if (a.k === "ordered") return a.s.empty;
  if (a.k === "text") return a.s.empty;
  return (a.s.bits & 1) !== 0;
}
