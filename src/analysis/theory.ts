/**
 * Whether a conjunction of rules (each a variable's atom, held or not) can hold, variable by variable, and
 * values that make it hold.
 *
 * - Exact variables (numbers, counts, booleans, text under `=`/`in`, times against absolute instants): the
 *   set of values the rules allow is computed exactly (value-sets.ts); empty means impossible.
 * - Text with `contains`/`starts with`/`ends with`: text-theory.ts (a proof either way, or undecided).
 * - Lists: membership constraints (`has "a"`, `not has "a"`, empty or not): decided exactly.
 * - Times relative to an unknown `now`: all such rules at once, as difference constraints (time-graph.ts).
 * - The measures of one event key: an aggregate, a first or a last time needs at least one matching event;
 *   no matching event leaves them empty.
 */
import { resolveTime } from "../checker/time.js";
import { wallDay, type TimeZone } from "../checker/zone.js";
import type { TimeValue } from "../checker/typed-ast.js";
import type { Atom, Term, Var } from "./formula.js";
import { pickNumber } from "./ordered-set.js";
import type { Reasoner } from "./reasoner.js";
import { solveText, type TextLit } from "./text-theory.js";
import { solveTimes, type TimeBound, type TimeSolution } from "./time-graph.js";
import { COUNTS, DAY, DAYS, INSTANTS, dayBound, hasEmpty, intersect, isNone, without, type ValueSet } from "./value-sets.js";

/** An atom held (`value: true`) or not. */
export interface Lit {
  atom: Atom;
  value: boolean;
}

/** A decision: possible, impossible (proved), or undecided. */
export type Verdict = "sat" | "unsat" | "unknown";

const FLIP = { lt: "ge", le: "gt", gt: "le", ge: "lt" } as const;

/** Per-variable and cross-variable checks of a conjunction of literals. */
export class Theory {
  constructor(private readonly r: Reasoner) {}

  /** Whether the rules on one variable can all hold. */
  checkVar(v: Var, lits: readonly Lit[]): Verdict {
    if (lits.length === 0) return "sat";
    switch (v.kind) {
      case "list":
        return solveList(lits) ? "sat" : "unsat";
      case "text":
        if (lits.every((l) => l.atom.exact)) break;
        return solveText(lits as TextLit[], v.enumValues).status;
      default:
        break;
    }
    const set = this.exactSet(v, lits);
    if (!set) return "sat";
    // A rule that is not exact (a time relative to `now`) still needs a value when it must hold.
    return isNone(mustHaveValue(lits) ? withoutEmpty(set) : set) ? "unsat" : "sat";
  }

  /** The values the exact rules on `v` allow (rules that are not exact are left out). */
  exactSet(v: Var, lits: readonly Lit[]): ValueSet | null {
    let set = this.r.domain(v);
    if (!set) return null;
    for (const l of lits) {
      if (!l.atom.exact) continue;
      const a = this.r.atomSet(l.atom)!;
      set = l.value ? intersect(set, a) : without(set, a);
    }
    return set;
  }

  /**
   * The links between one event key's measures: an aggregate or first/last time that must have a value
   * needs at least one matching event; when no event may match, they must all be empty.
   */
  checkKey(count: Var, measures: readonly Var[], litsOf: (v: Var) => readonly Lit[]): Verdict {
    const needsEvent = measures.some((m) => m !== count && mustHaveValue(litsOf(m)));
    if (!needsEvent) return "sat";
    const set = this.exactSet(count, litsOf(count))!;
    const atLeastOne = intersect(set, { k: "ordered", ops: COUNTS, s: COUNTS.compare("ge", 1) });
    return isNone(atLeastOne) ? "unsat" : "sat";
  }

  /**
   * Rules on times relative to `now`, across every variable that must hold a time: the bounds of each (a
   * negated rule on a present time is the opposite bound). Null when none refers to `now`.
   */
  timeBounds(vars: readonly Var[], litsOf: (v: Var) => readonly Lit[]): TimeBound[] | null {
    const bounds: TimeBound[] = [];
    let symbolic = false;
    for (const v of vars) {
      if (v.kind !== "instant" && v.kind !== "day") continue;
      const lits = litsOf(v);
      if (!mustHaveValue(lits)) continue;
      for (const l of lits) {
        if (l.atom.k !== "time") continue;
        if (l.atom.term.kind !== "instant") symbolic = true;
        bounds.push({ v, op: l.value ? l.atom.op : FLIP[l.atom.op], term: l.atom.term });
      }
      // A first or last time is an event's, inside the window.
      const p = v.place;
      if ((p.kind === "first" || p.kind === "last") && p.key.window) {
        bounds.push({ v, op: "ge", term: p.key.window.low }, { v, op: "le", term: p.key.window.high });
      }
    }
    return symbolic ? bounds : null;
  }

  /** Whether time bounds relative to an unknown `now` can hold, with a solution of their relaxation. */
  solveTimes(bounds: readonly TimeBound[]): TimeSolution | null {
    return solveTimes(bounds, this.r.f.zone);
  }

  // ---- values for witnesses ---------------------------------------------------------------------------------

  /**
   * A value of `v` that passes its rules (null: empty), with times resolved against `now`; undefined when
   * none is found.
   */
  valueOf(v: Var, lits: readonly Lit[], now: number): unknown {
    if (v.kind === "list") return listValue(lits);
    if (v.kind === "text" && !lits.every((l) => l.atom.exact)) {
      const out = solveText(lits as TextLit[], v.enumValues);
      return out.status === "sat" ? out.value : undefined;
    }
    if (v.kind === "instant" || v.kind === "day") return this.timeValue(v, lits, now);
    const set = this.exactSet(v, lits);
    if (!set || isNone(set)) return undefined;
    if (v.kind === "count") return set.k === "ordered" ? pickNumber(set.s) ?? undefined : undefined;
    if (hasEmpty(set) && !mustHaveValue(lits)) return null;
    switch (set.k) {
      case "ordered": {
        const n = pickNumber({ empty: false, intervals: set.s.intervals });
        return n ?? undefined;
      }
      case "text":
        return pickText(set.s.finite, set.s.values, v.enumValues);
      case "bool":
        return set.s.bits & 2 ? true : set.s.bits & 4 ? false : null;
    }
  }

  /** A time (epoch ms; a day number's midnight for dates) passing the rules at `now`, null for empty. */
  private timeValue(v: Var, lits: readonly Lit[], now: number): number | null | undefined {
    const day = v.kind === "day";
    const ops = day ? DAYS : INSTANTS;
    let set: ValueSet = intersect(this.r.domain(v)!, { k: "ordered", ops, s: ops.full });
    for (const l of lits) {
      if (l.atom.k === "time") {
        const ms = resolveTerm(l.atom.term, now, this.r.f.zone);
        const a: ValueSet = { k: "ordered", ops, s: day ? dayBound(l.atom.op, ms, this.r.f.zone) : ops.compare(l.atom.op, ms) };
        set = l.value ? intersect(set, a) : without(set, a);
      } else if (l.atom.k === "present") {
        const a: ValueSet = { k: "ordered", ops, s: ops.present };
        set = l.value ? intersect(set, a) : without(set, a);
      }
    }
    if (set.k !== "ordered" || isNone(set)) return undefined;
    if (set.s.empty && !mustHaveValue(lits)) return null;
    const t = pickTime(set.s.intervals, day, now, this.r.f.zone);
    return t === undefined ? undefined : t;
  }
}

/** The set without the empty value. */
function withoutEmpty(set: ValueSet): ValueSet {
  switch (set.k) {
    case "ordered":
      return { ...set, s: { empty: false, intervals: set.s.intervals } };
    case "text":
      return { k: "text", s: { ...set.s, empty: false } };
    case "bool":
      return { k: "bool", s: { bits: set.s.bits & 6 } };
  }
}

/** Some rule on the variable must hold, and every atom is false on an empty value. */
export function mustHaveValue(lits: readonly Lit[]): boolean {
  return lits.some((l) => l.value);
}

/** A term's instant at `now` in `zone`. */
export function resolveTerm(t: Term, now: number, zone: TimeZone): number {
  return resolveTime(t as TimeValue, now, zone);
}

function solveList(lits: readonly Lit[]): boolean {
  const has = new Set<string>();
  const hasNot = new Set<string>();
  let mustBeEmpty = false;
  for (const l of lits) {
    if (l.atom.k === "member") (l.value ? has : hasNot).add(l.atom.value);
    else if (l.atom.k === "present" && !l.value) mustBeEmpty = true;
  }
  if (mustBeEmpty && mustHaveValue(lits)) return false;
  for (const x of has) if (hasNot.has(x)) return false;
  return true;
}

function listValue(lits: readonly Lit[]): string[] | null | undefined {
  if (!solveList(lits)) return undefined;
  if (!mustHaveValue(lits)) return null;
  const has: string[] = [];
  const hasNot = new Set<string>();
  for (const l of lits) if (l.atom.k === "member") l.value ? has.push(l.atom.value) : hasNot.add(l.atom.value);
  if (has.length > 0) return [...new Set(has)];
  return [fresh(hasNot, ["x", "y", "z"])];
}

function fresh(taken: ReadonlySet<string>, preferred: readonly string[]): string {
  for (const p of preferred) if (!taken.has(p)) return p;
  for (let i = 0; ; i++) if (!taken.has(`x${i}`)) return `x${i}`;
}

function pickText(finite: boolean, values: ReadonlySet<string>, enumValues: readonly string[] | null): string | undefined {
  if (finite) {
    for (const e of enumValues ?? []) if (values.has(e)) return e;
    return [...values][0];
  }
  for (const e of enumValues ?? []) if (!values.has(e)) return e;
  return fresh(values, ["x", "y", "z", "a"]);
}

/** A time in the intervals that reads well: `now`, a midnight, a whole second, or the first instant. */
function pickTime(intervals: readonly { lo: number; hi: number }[], day: boolean, now: number, zone: TimeZone): number | undefined {
  if (day) {
    const today = wallDay(now, zone) / DAY;
    for (const iv of intervals) if (iv.lo <= today && today <= iv.hi) return today * DAY;
    const iv = intervals[0];
    return iv ? (Number.isFinite(iv.lo) ? iv.lo : iv.hi) * DAY : undefined;
  }
  for (const iv of intervals) if (iv.lo <= now && now <= iv.hi) return now;
  for (const iv of intervals) {
    for (const c of [Math.ceil(iv.lo / DAY) * DAY, Math.floor(iv.hi / DAY) * DAY, Math.ceil(iv.lo / 1000) * 1000, iv.lo]) {
      if (c >= iv.lo && c <= iv.hi) return c;
    }
  }
  return undefined;
}
