/**
 * Exact sets of values of an ordered field, for reasoning about rules on one field: finite unions of closed
 * intervals over a discrete line, plus whether the empty value (null, missing) is in the set.
 *
 * Every line is discrete, so an open end is the closed end one step in: `x > 12` over numbers is
 * `[nextUp(12), +∞]` (numbers are IEEE doubles, README "Semantics"), over timestamps `[12 ms + 1, …]`. That
 * makes emptiness, complement and inclusion exact, including where no value fits between two bounds
 * (`x > 1 and x < 1.0000000000000002` holds for no double).
 *
 * Lines:
 * - `DOUBLES`: every double but NaN, −∞ and +∞ included (the predicate compares them; JSON data cannot hold
 *   them, which only makes the sets larger than the data, never smaller). −0 is 0 (`-0 === 0`).
 * - `integers(min, max)`: counts of events (0…), instants in milliseconds, dates as day numbers.
 */

/** A discrete, totally ordered line with a least and a greatest value. */
export interface Line {
  readonly min: number;
  readonly max: number;
  /** The next value up (defined for values below `max`). */
  next(x: number): number;
  /** The next value down (defined for values above `min`). */
  prev(x: number): number;
  /** The least value of the line `>= x` (for `x` between two values of the line, or off it). */
  snapUp(x: number): number;
  /** The greatest value of the line `<= x`. */
  snapDown(x: number): number;
}

/**
 * A double's bits as two 32-bit words, in the platform's order (`LOW`, `HIGH` say which is which): stepping
 * them is integer arithmetic, where a `BigInt` of the 64 bits would be made (and collected) per call, and
 * number rules call this for every bound they read.
 */
const float = new Float64Array(1);
const words = new Uint32Array(float.buffer);
float[0] = 1; // 0x3FF00000_00000000: only the high word is set
const HIGH = words[1] !== 0 ? 1 : 0;
const LOW = 1 - HIGH;

/** The least double greater than `x` (`x` not NaN, not +∞). −0 and 0 are one value. */
export function nextUp(x: number): number {
  if (x === 0) return Number.MIN_VALUE;
  if (x === -Infinity) return -Number.MAX_VALUE;
  // The magnitude's bits count up (x > 0) or down (x < 0) as an unsigned 64-bit integer, carrying between
  // the words; the sign bit stays (a negative x's magnitude is at least 1).
  float[0] = x;
  if (x > 0) {
    if (words[LOW] === 0xffffffff) {
      words[LOW] = 0;
      words[HIGH] = words[HIGH]! + 1;
    } else words[LOW] = words[LOW]! + 1;
  } else if (words[LOW] === 0) {
    words[LOW] = 0xffffffff;
    words[HIGH] = words[HIGH]! - 1;
  } else words[LOW] = words[LOW]! - 1;
  const y = float[0]!;
  return y === 0 ? 0 : y;
}

/** The greatest double less than `x` (`x` not NaN, not −∞). */
export function nextDown(x: number): number {
  return -nextUp(-x);
}

/** Every double but NaN; −0 is 0. */
export const DOUBLES: Line = { min: -Infinity, max: Infinity, next: nextUp, prev: nextDown, snapUp: (x) => x, snapDown: (x) => x };

/** The integers in `[min, max]`. */
export function integers(min: number, max: number): Line {
  return { min, max, next: (x) => x + 1, prev: (x) => x - 1, snapUp: Math.ceil, snapDown: Math.floor };
}

/** A closed interval `[lo, hi]` of a line (`lo <= hi`). */
export interface Interval {
  lo: number;
  hi: number;
}

/** A set of values of a line plus, optionally, the empty value. Intervals are sorted, disjoint and not adjacent. */
export interface OrderedSet {
  empty: boolean;
  intervals: readonly Interval[];
}

/** Operations on the sets of one line. */
export class OrderedSets {
  /** The whole line and the empty value. */
  readonly full: OrderedSet;
  /** Nothing. */
  readonly none: OrderedSet = { empty: false, intervals: [] };
  /** The empty value only. */
  readonly onlyEmpty: OrderedSet = { empty: true, intervals: [] };
  /** Every value but the empty one. */
  readonly present: OrderedSet;

  constructor(readonly line: Line) {
    this.present = { empty: false, intervals: [{ lo: line.min, hi: line.max }] };
    this.full = { empty: true, intervals: this.present.intervals };
  }

  /** The values `>= lo` and `<= hi` (clamped to the line; nothing when they cross). Never the empty value. */
  range(lo: number, hi: number): OrderedSet {
    const a = Math.max(lo, this.line.min);
    const b = Math.min(hi, this.line.max);
    return a <= b ? { empty: false, intervals: [{ lo: norm(a), hi: norm(b) }] } : this.none;
  }

  /** Values `>= v`, `> v`, `<= v`, `< v`; `v` may lie off the line's grid (a timestamp compared with day numbers). */
  compare(op: "ge" | "gt" | "le" | "lt", v: number): OrderedSet {
    const line = this.line;
    switch (op) {
      case "ge":
        return this.range(line.snapUp(v), Infinity);
      case "le":
        return this.range(-Infinity, line.snapDown(v));
      case "gt": {
        if (v >= line.max) return this.none;
        const up = line.snapUp(v);
        return this.range(up > v ? up : v < line.min ? line.min : line.next(up), Infinity);
      }
      case "lt": {
        if (v <= line.min) return this.none;
        const down = line.snapDown(v);
        return this.range(-Infinity, down < v ? down : v > line.max ? line.max : line.prev(down));
      }
    }
  }

  /** The single value `v` (nothing when it is off the line). */
  point(v: number): OrderedSet {
    return this.intersect(this.compare("ge", v), this.compare("le", v));
  }

  union(a: OrderedSet, b: OrderedSet): OrderedSet {
    if (a.intervals.length === 0 && (!a.empty || b.empty)) return b;
    if (b.intervals.length === 0 && (!b.empty || a.empty)) return a;
    const all = [...a.intervals, ...b.intervals].sort((x, y) => x.lo - y.lo);
    const out: Interval[] = [];
    for (const iv of all) {
      const last = out[out.length - 1];
      if (last && (iv.lo <= last.hi || (last.hi < this.line.max && iv.lo <= this.line.next(last.hi)))) {
        if (iv.hi > last.hi) out[out.length - 1] = { lo: last.lo, hi: iv.hi };
      } else out.push(iv);
    }
    return { empty: a.empty || b.empty, intervals: out };
  }

  intersect(a: OrderedSet, b: OrderedSet): OrderedSet {
    const out: Interval[] = [];
    let i = 0;
    let j = 0;
    const x = a.intervals;
    const y = b.intervals;
    while (i < x.length && j < y.length) {
      const lo = Math.max(x[i]!.lo, y[j]!.lo);
      const hi = Math.min(x[i]!.hi, y[j]!.hi);
      if (lo <= hi) out.push({ lo, hi });
      if (x[i]!.hi < y[j]!.hi) i++;
      else j++;
    }
    return { empty: a.empty && b.empty, intervals: out };
  }

  complement(a: OrderedSet): OrderedSet {
    const out: Interval[] = [];
    let from: number | null = this.line.min;
    for (const iv of a.intervals) {
      if (iv.lo > from) out.push({ lo: from, hi: this.line.prev(iv.lo) });
      if (iv.hi >= this.line.max) {
        from = null;
        break;
      }
      from = this.line.next(iv.hi);
    }
    if (from !== null) out.push({ lo: from, hi: this.line.max });
    return { empty: !a.empty, intervals: out };
  }

  isEmpty(a: OrderedSet): boolean {
    return !a.empty && a.intervals.length === 0;
  }

  isFull(a: OrderedSet): boolean {
    return a.empty && a.intervals.length === 1 && a.intervals[0]!.lo <= this.line.min && a.intervals[0]!.hi >= this.line.max;
  }

  /** Every value of `a` is in `b`. */
  subset(a: OrderedSet, b: OrderedSet): boolean {
    if (a.empty && !b.empty) return false;
    let j = 0;
    for (const iv of a.intervals) {
      while (j < b.intervals.length && b.intervals[j]!.hi < iv.lo) j++;
      const cover = b.intervals[j];
      if (!cover || cover.lo > iv.lo || cover.hi < iv.hi) return false;
    }
    return true;
  }

  equal(a: OrderedSet, b: OrderedSet): boolean {
    if (a.empty !== b.empty || a.intervals.length !== b.intervals.length) return false;
    return a.intervals.every((iv, i) => iv.lo === b.intervals[i]!.lo && iv.hi === b.intervals[i]!.hi);
  }
}

/** −0 is 0. */
function norm(x: number): number {
  return x === 0 ? 0 : x;
}

/**
 * A value of a set that reads well in a witness: 0, a whole number near a finite end, an end itself, or
 * (for a sliver between two doubles) the least value. `null` when the set holds only the empty value or
 * only infinities (which no JSON contact can hold); `undefined` when it is empty.
 */
export function pickNumber(set: OrderedSet): number | null | undefined {
  for (const iv of set.intervals) {
    for (const c of [0, Math.ceil(iv.lo), Math.floor(iv.hi), iv.lo, iv.hi]) {
      if (Number.isFinite(c) && c >= iv.lo && c <= iv.hi) return norm(c);
    }
  }
  if (set.empty) return null;
  return set.intervals.length === 0 ? undefined : null;
}
