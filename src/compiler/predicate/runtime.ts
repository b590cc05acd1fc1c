/**
 * Runtime helpers shared by the generated predicate and the closure evaluator: value conversion
 * (timestamps and dates to instants), ASCII-only case-insensitive text tests, and guarded property reads.
 *
 * Value conventions (docs/predicate.md "Contact shape"): a value of the wrong JavaScript type for its
 * field is treated as empty. Timestamps are ISO-8601 strings, `Date`s or epoch milliseconds; dates are
 * `YYYY-MM-DD` strings, `Date`s, epoch milliseconds or ISO timestamp strings (a date is the midnight UTC
 * of its day). Epoch milliseconds are floored to the millisecond (1.5 → 1, -0.5 → -1), and an instant
 * outside years 1-9999 (UTC) is not a time: empty, as the SQL reads JSON timestamps.
 */
import { MAX_INSTANT, MIN_INSTANT, parseDate, parseTimestamp, startOfUtcDay } from "../../checker/time.js";

const DAY = 86_400_000;

/** 0001-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z: the instants a timestamp may denote. */
export { MAX_INSTANT, MIN_INSTANT } from "../../checker/time.js";

/** The instant when it lies in years 1-9999 (UTC), else NaN. */
function inRange(ms: number): number {
  return ms >= MIN_INSTANT && ms <= MAX_INSTANT ? ms : NaN;
}

/** `Object.prototype`, read live: a value equal to `OP[name]` may have come from the prototype. */
export const OP: Record<string, unknown> = Object.prototype as Record<string, unknown>;
export const own = Object.hasOwn;

/** Names found on `Object.prototype` itself (`constructor`, `toString`, `__proto__`, …): always read with `Object.hasOwn` first. */
export function isPrototypeName(name: string): boolean {
  return name in Object.prototype;
}

/** No events. */
export const NO_EVENTS: readonly never[] = Object.freeze([]);
/** No properties (null prototype: a read never reaches `Object.prototype`). */
export const NO_PROPERTIES: Readonly<Record<string, unknown>> = Object.freeze(Object.create(null) as Record<string, unknown>);

/**
 * An own property's value, or undefined. Reads that are not `undefined` and equal what `Object.prototype`
 * holds under that name are confirmed with `Object.hasOwn`, so prototype properties (and pollution) never count.
 */
export function readOwn(obj: Record<string, unknown>, name: string): unknown {
  const v = obj[name];
  return v === undefined || (v === OP[name] && !own(obj, name)) ? undefined : v;
}

// ---- time ------------------------------------------------------------------------------------------------

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Digit at `i`, or -1e9 when it is not one (so any sum using it goes out of range). */
function dig(s: string, i: number): number {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -1e9;
}

let lastText = "";
let lastMs = NaN;

/**
 * The instant of an ISO-8601 string, or NaN. Fast path for `YYYY-MM-DDTHH:MM:SSZ` and
 * `YYYY-MM-DDTHH:MM:SS.sssZ` (what loaders and `toISOString` write); anything else (offsets, no zone =
 * UTC, minutes only, lowercase `z`, a bare date = midnight UTC) goes through the checker's own parser,
 * so contacts and literals read timestamps alike. A one-entry cache makes a second read of the same
 * value (two rules on one field) free.
 */
export function parseInstant(s: string): number {
  if (s === lastText) return lastMs;
  const n = s.length;
  let ms: number;
  if (
    (n === 20 || (n === 24 && s.charCodeAt(19) === 46)) &&
    s.charCodeAt(n - 1) === 90 && s.charCodeAt(10) === 84 && s.charCodeAt(4) === 45 && s.charCodeAt(7) === 45 &&
    s.charCodeAt(13) === 58 && s.charCodeAt(16) === 58
  ) {
    const y = dig(s, 0) * 1000 + dig(s, 1) * 100 + dig(s, 2) * 10 + dig(s, 3);
    const mo = dig(s, 5) * 10 + dig(s, 6);
    const d = dig(s, 8) * 10 + dig(s, 9);
    const h = dig(s, 11) * 10 + dig(s, 12);
    const mi = dig(s, 14) * 10 + dig(s, 15);
    const se = dig(s, 17) * 10 + dig(s, 18);
    const frac = n === 24 ? dig(s, 20) * 100 + dig(s, 21) * 10 + dig(s, 22) : 0;
    if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 59 || frac < 0) {
      ms = NaN;
    } else {
      ms = daysFromCivil(y, mo, d) * DAY + h * 3_600_000 + mi * 60_000 + se * 1000 + frac;
    }
  } else {
    ms = slowInstant(s);
  }
  lastText = s;
  lastMs = ms;
  return ms;
}

function slowInstant(s: string): number {
  const t = parseTimestamp(s);
  if ("ms" in t) return t.ms;
  const d = parseDate(s);
  return d === null ? NaN : d;
}

/**
 * A timestamp field's value as an instant (ms), or NaN when it is empty or not a timestamp: an ISO string
 * that does not parse, a non-finite number, an invalid `Date`, or an instant outside years 1-9999.
 * Epoch milliseconds are floored (1.5 → 1).
 */
export function toInstant(v: unknown): number {
  if (typeof v === "string") return inRange(parseInstant(v));
  if (typeof v === "object" && v instanceof Date) return inRange(v.getTime());
  if (typeof v === "number") return inRange(Math.floor(v)); // NaN and ±Infinity fail the range test
  return NaN;
}

/** A date field's value as the instant of its midnight UTC, or NaN (see `toInstant`). Times of day are dropped. */
export function toDay(v: unknown): number {
  if (typeof v === "string") {
    if (v.length === 10) {
      const d = parseDate(v);
      return d === null ? NaN : inRange(d);
    }
    return startOfUtcDay(inRange(parseInstant(v)));
  }
  if (typeof v === "object" && v instanceof Date) return startOfUtcDay(inRange(v.getTime()));
  if (typeof v === "number") return startOfUtcDay(inRange(Math.floor(v)));
  return NaN;
}

// ---- text ------------------------------------------------------------------------------------------------

/** ASCII-only lower case: A-Z become a-z, every other character stays as it is (unlike `toLowerCase`). */
export function foldAscii(s: string): string {
  // Most text has no capital to fold: then the string itself, without a regular expression's call per run.
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
  }
  return s;
}

/** `h` starts with `n` (already folded), ASCII case-insensitively. */
export function startsFold(h: string, n: string): boolean {
  const m = n.length;
  if (h.length < m) return false;
  for (let i = 0; i < m; i++) {
    let c = h.charCodeAt(i);
    if (c >= 65 && c <= 90) c |= 32;
    if (c !== n.charCodeAt(i)) return false;
  }
  return true;
}

/** `h` ends with `n` (already folded), ASCII case-insensitively. */
export function endsFold(h: string, n: string): boolean {
  const m = n.length;
  const off = h.length - m;
  if (off < 0) return false;
  for (let i = 0; i < m; i++) {
    let c = h.charCodeAt(off + i);
    if (c >= 65 && c <= 90) c |= 32;
    if (c !== n.charCodeAt(i)) return false;
  }
  return true;
}

/** `h` contains `n` (already folded), ASCII case-insensitively. */
export function containsFold(h: string, n: string): boolean {
  const m = n.length;
  if (m === 0) return true;
  const last = h.length - m;
  const first = n.charCodeAt(0);
  outer: for (let i = 0; i <= last; i++) {
    let c = h.charCodeAt(i);
    if (c >= 65 && c <= 90) c |= 32;
    if (c !== first) continue;
    for (let j = 1; j < m; j++) {
      let d = h.charCodeAt(i + j);
      if (d >= 65 && d <= 90) d |= 32;
      if (d !== n.charCodeAt(j)) continue outer;
    }
    return true;
  }
  return false;
}

// ---- lists -----------------------------------------------------------------------------------------------

/** The list holds at least one member of `set`. */
export function hasAnyOf(list: readonly unknown[], set: ReadonlySet<unknown>): boolean {
  for (let i = 0; i < list.length; i++) if (set.has(list[i])) return true;
  return false;
}

/** The list holds every one of `values`. */
export function hasAllOf(list: readonly unknown[], values: readonly unknown[]): boolean {
  if (values.length > 8 && list.length > 8) {
    const have = new Set(list);
    for (let i = 0; i < values.length; i++) if (!have.has(values[i])) return false;
    return true;
  }
  for (let i = 0; i < values.length; i++) if (!list.includes(values[i])) return false;
  return true;
}

/** The helpers the generated code receives (destructured once per compiled predicate). */
export const HELPERS = {
  T: toInstant,
  D: toDay,
  CF: containsFold,
  SF: startsFold,
  EF: endsFold,
  HA: hasAnyOf,
  HL: hasAllOf,
  own,
  OP,
  NOEV: NO_EVENTS,
  NOBAG: NO_PROPERTIES,
  isArray: Array.isArray,
};
