/**
 * Rules on times relative to an unknown `now`, decided for every `now` at once, as difference constraints.
 *
 * Each time (a field's value, `now`, `today`, `N months ago`, the zero instant) is a node; each rule a bound
 * on the difference of two nodes (`last_seen > 30 days ago` is `last_seen − now > −30 days`). The rules can
 * all hold for some `now` exactly when the graph has no negative cycle (Bellman-Ford). Facts that hold for
 * every `now` are edges too: `now − 1 day < today <= now`; `now − k months` lies between `now − (shortest k
 * months)` and `now − (longest k months + 3 days)` (calendar months, clamped to the month's end); a later
 * month bound is earlier; every instant, `now` included, lies in years 1-9999.
 *
 * Times are whole milliseconds, so a strict bound `< c` is `<= c − 1`; a date field's value is the start
 * of its day, so its bounds against the zero instant round to day starts. The graph does not know that
 * other bounds land on day starts, nor the exact calendar, so "no negative cycle" may be wrong about
 * satisfiability (then a witness is searched for and checked), but a negative cycle is a proof: the rules
 * cannot all hold.
 *
 * In a time zone other than UTC, `today` and relative days, weeks, months and years move the zone's wall
 * clock, across offset changes of any size the zone has had: bounds on them are left out (which only
 * loses proofs). Minutes and hours stay exact durations; absolute instants are already read in the zone.
 * A negative amount is in the future (`now + k months` lies between the shortest k months less 3 days and
 * the longest k months after `now`).
 */
import type { TimeUnit } from "../checker/typed-ast.js";
import { MAX_INSTANT, MIN_INSTANT } from "../compiler/predicate/runtime.js";
import type { Cmp, Term, Var } from "./formula.js";
import { DAY } from "./value-sets.js";
import { ceilDay, dayStart, floorDay, UTC, type TimeZone } from "../checker/zone.js";

const UNIT_MS: Partial<Record<TimeUnit, number>> = { minute: 60_000, hour: 3_600_000, day: DAY, week: 7 * DAY };

/** Offsets beyond this are clamped: no two instants of years 1-9999 are this far apart. */
const FAR = 1e15;
/** Month amounts beyond this reach before year 1 from any `now` in years 1-9999. */
const MAX_MONTHS = 12 * 10_000;

/** One bound of a present time variable. */
export interface TimeBound {
  v: Var;
  op: Cmp;
  term: Term;
}

/** A solution: the instant of `now` and of each variable (milliseconds), or null when none exists. */
export interface TimeSolution {
  now: number;
  values: Map<Var, number>;
}

/** Days in each month of a common year. */
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/** Lengths of the 4,800 months of one Gregorian cycle (400 years), in days: built on first use (not at load, which every CLI start and language-server worker pays). */
let cycle: number[] | null = null;
function cycleMonths(): number[] {
  if (cycle) return cycle;
  cycle = [];
  for (let y = 2000; y < 2400; y++) {
    const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
    for (let m = 0; m < 12; m++) cycle.push(m === 1 && leap ? 29 : MONTH_DAYS[m]!);
  }
  return cycle;
}
const CYCLE_DAYS = 146_097;

const monthBounds = new Map<number, { lo: number; hi: number }>();

/**
 * The shortest and longest `now − (now − k months)`, in milliseconds, over every `now`: the lengths of the
 * k months from the target month on, plus the days the day of the month moves back when the target month
 * is shorter (March 31 − 1 month = February 28: 28 + 3 days). Exact over the 400-year cycle.
 */
export function monthSpan(k: number): { lo: number; hi: number } {
  let b = monthBounds.get(k);
  if (b) return b;
  const months = cycleMonths();
  const n = months.length;
  const q = Math.floor(k / n);
  const r = k % n;
  // sum = lengths of months j … i−1 where j = i − r (mod n), for i = 0 … n−1.
  let sum = 0;
  for (let t = n - r; t < n; t++) sum += months[t]!;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const j = (i - r + n) % n;
    const moved = Math.max(0, months[i]! - months[j]!);
    if (sum < min) min = sum;
    if (sum + moved > max) max = sum + moved;
    // Slide: month i joins, month j leaves.
    sum += months[i]! - months[j]!;
  }
  b = { lo: (q * CYCLE_DAYS + min) * DAY, hi: (q * CYCLE_DAYS + max) * DAY };
  monthBounds.set(k, b);
  return b;
}

/** Base nodes of `place`: the zero instant, `now`, `today`; a month bound is `MONTH` with its k. */
const Z_NODE = 0;
const N_NODE = 1;
const D_NODE = 2;
const MONTH = 3;
const VAR = 4;

/** Where a term sits (`placed`: a base and an offset from it); false when the zone's calendar makes it unknown. */
const placed = { base: 0, months: 0, offset: 0 };
function place(t: Term, zone: TimeZone): boolean {
  if (!zone.utc && (t.kind === "today" || (t.kind === "relative" && UNIT_MS[t.unit] === undefined) || (t.kind === "relative" && (t.unit === "day" || t.unit === "week")))) return false;
  placed.months = 0;
  placed.offset = 0;
  switch (t.kind) {
    case "instant":
      placed.base = Z_NODE;
      placed.offset = clamp(t.ms);
      return true;
    case "now":
      placed.base = N_NODE;
      return true;
    case "today":
      placed.base = D_NODE;
      return true;
    case "relative": {
      placed.base = N_NODE;
      const ms = UNIT_MS[t.unit];
      if (ms !== undefined) placed.offset = -clamp(t.amount * ms);
      else {
        const k = t.unit === "year" ? t.amount * 12 : t.amount;
        if (k > MAX_MONTHS) placed.offset = -FAR;
        else if (k < -MAX_MONTHS) placed.offset = FAR;
        else if (k !== 0) {
          placed.base = MONTH;
          placed.months = k;
        }
      }
      return true;
    }
  }
}

function clamp(x: number): number {
  return Math.max(-FAR, Math.min(FAR, x));
}

/**
 * The graph being built, kept between calls (a few nodes each; this runs for every vector the regions put
 * to it): per node its kind (Z_NODE, N_NODE, D_NODE, MONTH, VAR) and key (a month bound's k, a variable's
 * index); per edge `to − from <= w`.
 */
const g = { kind: [] as number[], key: [] as number[], vars: [] as (Var | null)[], from: [] as number[], to: [] as number[], w: [] as number[], dist: [] as number[], months: [] as number[] };

/**
 * Whether the bounds can all hold for some `now` (in years 1-9999) and values of the variables, with a
 * solution of the relaxation (see the module comment) when they can.
 */
export function solveTimes(bounds: readonly TimeBound[], zone: TimeZone = UTC): TimeSolution | null {
  return solve(bounds, zone, true);
}

/**
 * Whether the bounds can all hold for some `now` and values of the variables (`solveTimes` without the
 * solution: no map of values is made, which is all the regions ask for, once per vector they check).
 */
export function timesPossible(bounds: readonly TimeBound[], zone: TimeZone = UTC): boolean {
  return solve(bounds, zone, false) !== null;
}

/** A solution nobody reads (`timesPossible`). */
const SOLVED: TimeSolution = { now: 0, values: new Map() };

function solve(bounds: readonly TimeBound[], zone: TimeZone, withSolution: boolean): TimeSolution | null {
  let n = 0;
  let ne = 0;
  const months = g.months;
  let nm = 0;
  const addNode = (kind: number, key: number, v: Var | null): number => {
    g.kind[n] = kind;
    g.key[n] = key;
    g.vars[n] = v;
    return n++;
  };
  const find = (kind: number, key: number): number => {
    for (let i = 0; i < n; i++) if (g.kind[i] === kind && g.key[i] === key) return i;
    return -1;
  };
  // x_to − x_from <= w (strict: < w, which on whole milliseconds is <= w − 1).
  const edge = (from: number, to: number, w: number, strict: boolean) => {
    g.from[ne] = from;
    g.to[ne] = to;
    g.w[ne] = strict ? w - 1 : w;
    ne++;
  };
  const Z = addNode(Z_NODE, 0, null);
  const N = addNode(N_NODE, 0, null);
  edge(Z, N, MAX_INSTANT, false);
  edge(N, Z, -MIN_INSTANT, false);
  const baseNode = (base: number, k: number): number => {
    if (base === Z_NODE) return Z;
    if (base === N_NODE) return N;
    const known = find(base, k);
    if (known >= 0) return known;
    const i = addNode(base, k, null);
    if (base === D_NODE) {
      edge(N, i, 0, false); // today <= now
      edge(i, N, DAY, true); // now − today < 1 day
    } else {
      if (k > 0) {
        const span = monthSpan(k);
        edge(N, i, -span.lo, false); // now − M >= lo
        edge(i, N, span.hi, false); // now − M <= hi
      } else {
        // k months ahead: the day of the month may move back by up to 3 days (January 31 + 1 month).
        const span = monthSpan(-k);
        edge(i, N, -(span.lo - 3 * DAY), false); // M − now >= lo − 3 days
        edge(N, i, span.hi, false); // M − now <= hi
      }
      months[nm++] = k;
    }
    return i;
  };
  for (const b of bounds) {
    let x = find(VAR, b.v.index);
    if (x < 0) {
      x = addNode(VAR, b.v.index, b.v);
      if (b.v.kind === "day") {
        // The start of a date's day in a zone lies within a day of its midnight UTC.
        edge(Z, x, MAX_INSTANT + DAY, false);
        edge(x, Z, -(MIN_INSTANT - DAY), false);
      } else {
        edge(Z, x, MAX_INSTANT, false);
        edge(x, Z, -MIN_INSTANT, false);
      }
    }
    if (!place(b.term, zone)) continue;
    const offset = placed.offset;
    const B = baseNode(placed.base, placed.months);
    if (b.v.kind === "day" && B === Z && Number.isFinite(offset) && Math.abs(offset) < FAR) {
      // A date against an instant: the day bound (as the predicate compares), as the instant that day starts.
      const start = (day: number) => dayStart(day, zone);
      switch (b.op) {
        case "lt":
          edge(Z, x, start(ceilDay(offset, zone) - DAY), false);
          break;
        case "le":
          edge(Z, x, start(floorDay(offset, zone)), false);
          break;
        case "gt":
          edge(x, Z, -start(floorDay(offset, zone) + DAY), false);
          break;
        case "ge":
          edge(x, Z, -start(ceilDay(offset, zone)), false);
          break;
      }
      continue;
    }
    switch (b.op) {
      case "lt":
        edge(B, x, offset, true);
        break;
      case "le":
        edge(B, x, offset, false);
        break;
      case "gt":
        edge(x, B, -offset, true);
        break;
      case "ge":
        edge(x, B, -offset, false);
        break;
    }
  }
  // A longer span of months ends earlier.
  if (nm > 1) {
    const sorted = months.slice(0, nm).sort((a, b) => a - b);
    for (let i = 1; i < nm; i++) edge(find(MONTH, sorted[i - 1]!), find(MONTH, sorted[i]!), 0, true);
  }

  // Bellman-Ford from a virtual source joined to every node with weight 0.
  const dist = g.dist;
  for (let i = 0; i < n; i++) dist[i] = 0;
  for (let round = 0; round < n; round++) {
    let changed = false;
    for (let e = 0; e < ne; e++) {
      const d = dist[g.from[e]!]! + g.w[e]!;
      if (d < dist[g.to[e]!]!) {
        dist[g.to[e]!] = d;
        changed = true;
      }
    }
    if (!changed) {
      if (!withSolution) {
        for (let i = 0; i < n; i++) g.vars[i] = null;
        return SOLVED;
      }
      const values = new Map<Var, number>();
      for (let i = 0; i < n; i++) if (g.kind[i] === VAR) values.set(g.vars[i]!, dist[i]! - dist[Z]!);
      for (let i = 0; i < n; i++) g.vars[i] = null; // not kept alive by the scratch arrays
      return { now: dist[N]! - dist[Z]!, values };
    }
  }
  for (let i = 0; i < n; i++) g.vars[i] = null;
  return null;
}
