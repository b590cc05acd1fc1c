/**
 * Concrete contacts (with their events, and the `now` they are evaluated at) from a satisfying cube of the
 * search: each variable gets a value passing its rules (theory.ts), each event key as many events as its
 * count needs, with times inside its window and properties passing its `where` filter (found by a search of
 * the filter). The caller checks every witness with the predicate before claiming anything: the cube's
 * theory treats different event keys as unrelated, so a witness may fail, and then the search goes on.
 *
 * Shapes are those `segql eval` reads: a contact keyed by schema field name (dates `YYYY-MM-DD`,
 * timestamps ISO-8601), event rows keyed by the schema's events columns.
 */
import { formatInstant } from "../checker/time.js";
import type { Schema } from "../schema/schema.js";
import { MAX_INSTANT, MIN_INSTANT } from "../compiler/predicate/runtime.js";
import type { EventKey, Node, Var } from "./formula.js";
import type { Reasoner } from "./reasoner.js";
import { search, type Model } from "./search.js";
import { mustHaveValue, resolveTerm, type Lit } from "./theory.js";
import { COUNTS, DAY, hasEmpty, intersect, isNone, type ValueSet } from "./value-sets.js";

/** A contact, its events and the instant they are evaluated at. */
export interface Witness {
  /** Field name → value as JSON: strings, numbers, booleans, dates `YYYY-MM-DD`, timestamps ISO-8601, lists. */
  contact: Record<string, unknown>;
  /** Event rows keyed by the schema's events column names (none when the contact needs no events). */
  events: Record<string, unknown>[];
  /** `now`, ISO-8601: relative times resolve against it (`segql eval --now`). */
  now: string;
}

/** A witness with its `now` as epoch milliseconds. */
export interface BuiltWitness extends Witness {
  nowMs: number;
}

/** A `now` to try when the rules do not fix one: 2026-01-01T00:00:00Z. */
export const REFERENCE_NOW = Date.UTC(2026, 0, 1);

/** More `now`s to try, where calendar arithmetic differs: after a short month, a month's end, a leap day. */
const OTHER_NOWS = [Date.UTC(2026, 2, 1), Date.UTC(2026, 2, 31, 12), Date.UTC(2024, 1, 29, 12), Date.UTC(2025, 6, 15, 12)];

/** Most events built for one event key (a count beyond this is not worth a witness). */
const MAX_EVENTS = 1000;

/** The key a witness contact gets when the condition leaves the schema's key free. */
export const WITNESS_KEY = "witness";

/** Witnesses for a cube: one per `now` tried (the fixed one; else a reference, then the time rules' solution). */
export function* witnessesOf(r: Reasoner, model: Model, schema: Schema): Generator<BuiltWitness> {
  const nows = r.f.now !== null ? [r.f.now] : [...new Set([REFERENCE_NOW, model.time?.now, ...OTHER_NOWS].filter((x): x is number => x !== undefined && x >= MIN_INSTANT && x <= MAX_INSTANT))];
  for (const now of nows) {
    const w = build(r, model, schema, now);
    if (w) yield w;
  }
}

function build(r: Reasoner, model: Model, schema: Schema, now: number): BuiltWitness | null {
  const contact: Record<string, unknown> = {};
  const keys = new Map<string, EventKey>();
  for (const v of model.vars) {
    const p = v.place;
    if (p.kind === "contact") {
      const value = r.theory.valueOf(v, model.lits(v), now);
      if (value === undefined) return null;
      if (value !== null) contact[p.field.name] = json(value, v);
    } else if (p.kind !== "property") keys.set(p.key.id, p.key);
  }
  if (contact[schema.key] === undefined) contact[schema.key] = schema.fields[schema.key]?.type === "number" ? 1 : WITNESS_KEY;
  const events: Record<string, unknown>[] = [];
  const allKeys = [...keys.values()];
  for (const key of allKeys) {
    const rows = eventsOf(r, model, schema, key, allKeys, now, contact[schema.key]);
    if (!rows) return null;
    events.push(...rows);
  }
  return { contact, events, now: formatInstant(now), nowMs: now };
}

/** A value as JSON (times as ISO text). */
function json(value: unknown, v: Var): unknown {
  if (typeof value === "number" && v.kind === "instant") return formatInstant(value);
  if (typeof value === "number" && v.kind === "day") return formatInstant(value).slice(0, 10);
  return value;
}

/** The events of one key: as many as its count needs, inside its window, passing its filter and aggregates. */
function eventsOf(r: Reasoner, model: Model, schema: Schema, key: EventKey, allKeys: readonly EventKey[], now: number, contactKey: unknown): Record<string, unknown>[] | null {
  const events = schema.events!;
  const measures = model.vars.filter((v) => v.group === key.count.group && v !== key.count);
  const needsEvent = measures.some((m) => mustHaveValue(model.lits(m)));
  let countSet = r.theory.exactSet(key.count, model.lits(key.count))!;
  if (needsEvent) countSet = intersect(countSet, { k: "ordered", ops: COUNTS, s: COUNTS.compare("ge", 1) });
  if (countSet.k !== "ordered" || isNone(countSet)) return null;
  // The fewest events the count allows, then a few more (a sum >= 10 of amounts < 10 needs two).
  const lo = countSet.s.intervals[0]!.lo;
  if (lo === 0) return [];
  for (const count of [lo, lo + 1, lo + 2, lo * 2 + 1, lo * 10 + 9]) {
    if (count > MAX_EVENTS || !countSet.s.intervals.some((iv) => iv.lo <= count && count <= iv.hi)) continue;
    const rows = eventsOfCount(r, model, schema, key, allKeys, now, contactKey, measures, count);
    if (rows) return rows;
  }
  return null;
}

/** `count` events of one key (see `eventsOf`). */
function eventsOfCount(r: Reasoner, model: Model, schema: Schema, key: EventKey, allKeys: readonly EventKey[], now: number, contactKey: unknown, measures: readonly Var[], count: number): Record<string, unknown>[] | null {
  const events = schema.events!;

  // Times: inside the window (and in years 1-9999), away from the windows of same-named keys that limit
  // their count, with the first and last times the measures ask for.
  const zone = r.f.zone;
  const window = key.window ? { lo: Math.max(MIN_INSTANT, resolveTerm(key.window.low, now, zone)), hi: Math.min(MAX_INSTANT, resolveTerm(key.window.high, now, zone)) } : { lo: MIN_INSTANT, hi: MAX_INSTANT };
  if (!(window.lo <= window.hi)) return null;
  const avoid = allKeys
    .filter((k) => k !== key && k.name === key.name && k.window && model.lits(k.count).some((l) => l.atom.k === "cmp" && (l.value ? l.atom.op === "le" || l.atom.op === "lt" : l.atom.op === "ge" || l.atom.op === "gt")))
    .map((k) => ({ lo: resolveTerm(k.window!.low, now, zone), hi: resolveTerm(k.window!.high, now, zone) }));
  const inWindow = (t: number) => t >= window.lo && t <= window.hi;
  const candidates = [now - DAY, now, window.hi, window.lo, Math.floor((window.lo + window.hi) / 2), now - 400 * DAY, Date.UTC(2000, 0, 1), MIN_INSTANT + DAY];
  const base = candidates.find((t) => inWindow(t) && !avoid.some((a) => t >= a.lo && t <= a.hi)) ?? candidates.find(inWindow);
  if (base === undefined) return null;
  const timeOf = (kind: "first" | "last"): number | null | undefined => {
    const v = measures.find((m) => m.place.kind === kind);
    if (!v || !mustHaveValue(model.lits(v))) return null;
    const lits: Lit[] = [...model.lits(v)];
    if (key.window) {
      lits.push({ atom: r.f.atom({ k: "time", op: "ge", term: key.window.low }, v).atom!, value: true });
      lits.push({ atom: r.f.atom({ k: "time", op: "le", term: key.window.high }, v).atom!, value: true });
    }
    return r.theory.valueOf(v, lits, now) as number | null | undefined;
  };
  const first = timeOf("first");
  const last = timeOf("last");
  if (first === undefined || last === undefined) return null;
  const times = new Array<number>(count).fill(first ?? last ?? base);
  if (first !== null) times[0] = first;
  if (last !== null) times[count - 1] = last;
  if (count === 1 && first !== null && last !== null && first !== last) return null;
  if (first !== null && last !== null && first > last) return null;

  // Properties: one set of values for every event, passing the filter and giving each aggregate its value
  // (min, max and average of equal values are that value; a sum is `count` times it).
  const constraints: Node[] = [];
  for (const m of measures) {
    if (m.place.kind !== "aggregate") continue;
    const set = r.theory.exactSet(m, model.lits(m))!;
    const mustHave = mustHaveValue(model.lits(m));
    const pVar = r.f.fieldVar(m.place.property);
    constraints.push(setFormula(r, pVar, set, m.place.fn === "sum" ? count : 1, mustHave));
  }
  const properties = propertiesFor(r, key.filter, constraints, now);
  if (!properties) return null;
  return times.map((t) => {
    const row: Record<string, unknown> = { [events.contactKey]: contactKey, [events.name]: key.name, [events.time]: formatInstant(t) };
    const bag: Record<string, unknown> = {};
    for (const [v, value] of properties) {
      if (value === null) continue;
      const p = v.place;
      if (p.kind !== "property") continue;
      const shown = json(value, v);
      if (p.field.def.ownColumn) row[p.field.column] = shown;
      else bag[p.field.name] = shown;
    }
    row[events.propertiesColumn] = bag;
    return row;
  });
}

/**
 * The formula "the property's value, times `scale`, is in `set`" (a number property), allowing an empty
 * property only when the set holds the empty value and a value is not required.
 */
function setFormula(r: Reasoner, v: Var, set: ValueSet, scale: number, mustHave: boolean): Node {
  const f = r.f;
  if (set.k !== "ordered") return f.TRUE;
  const parts = set.s.intervals.map((iv) => f.and([
    Number.isFinite(iv.lo) ? f.atom({ k: "cmp", op: "ge", value: iv.lo / scale }, v) : f.atom({ k: "present" }, v),
    Number.isFinite(iv.hi) ? f.atom({ k: "cmp", op: "le", value: iv.hi / scale }, v) : f.atom({ k: "present" }, v),
  ]));
  if (hasEmpty(set) && !mustHave) parts.push(f.not(f.atom({ k: "present" }, v)));
  return f.or(parts);
}

/** Values of the event properties that pass the filter and the extra constraints (a search of their conjunction). */
function propertiesFor(r: Reasoner, filter: Node | null, constraints: readonly Node[], now: number): Map<Var, unknown> | null {
  const goal = r.f.and([filter ?? r.f.TRUE, ...constraints]);
  if (goal === r.f.TRUE) return new Map();
  let found: Map<Var, unknown> | null = null;
  search(r, goal, r.budget, (model) => {
    const values = new Map<Var, unknown>();
    for (const v of model.vars) {
      const value = r.theory.valueOf(v, model.lits(v), now);
      if (value === undefined) return false;
      values.set(v, value);
    }
    found = values;
    return true;
  });
  return found;
}
