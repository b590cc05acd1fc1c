/**
 * Calendar facts shared by the checker and every backend that resolves time in JavaScript: literal
 * parsing, and `now − N unit` with months and years as calendar arithmetic clamped to the month's end
 * (2024-03-31 − 1 month = 2024-02-29), which is what PostgreSQL, DuckDB and MySQL intervals do.
 * Without a time zone everything is UTC; with one (zone.ts), `today`, dates, timestamps written without
 * an offset and calendar units (days and longer) follow the zone's wall clock.
 */
import type { TimeUnit, TimeValue } from "./typed-ast.js";
import { dayStart, fromWallClock, shiftUnits, startOfDay, UTC, type TimeZone } from "./zone.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * 0001-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z: the instants a time may denote (what every SQL
 * engine's timestamp holds; a stored value outside them is no time, a literal outside them an error).
 */
export const MIN_INSTANT = -62_135_596_800_000;
export const MAX_INSTANT = 253_402_300_799_999;

/** Milliseconds in a fixed-length unit; months and years are counted in months. */
const UNIT_MS = { minute: MINUTE, hour: HOUR, day: DAY, week: 7 * DAY } as const;

/**
 * Whether `amount` units fit in the span times hold (9,999 years): a longer `N units ago` reaches outside
 * the years 0001-9999 from any `now`.
 */
export function spanFits(amount: number, unit: TimeUnit): boolean {
  const n = Math.abs(amount);
  if (unit === "month" || unit === "year") return (unit === "month" ? n : n * 12) <= 9999 * 12;
  return n * UNIT_MS[unit] <= MAX_INSTANT - MIN_INSTANT;
}

/** Days in a month (`month` 1-12). */
export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Midnight UTC of a `YYYY-MM-DD` date, or null when the date does not exist (`2024-02-30`). */
export function parseDate(text: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return null;
  return utc(y, mo - 1, d);
}

/** `Date.UTC` without its two-digit-year quirk (years 0-99 mean 1900-1999 there). */
function utc(y: number, monthIndex: number, d: number, h = 0, mi = 0, s = 0, ms = 0): number {
  const date = new Date(0);
  date.setUTCFullYear(y, monthIndex, d);
  date.setUTCHours(h, mi, s, ms);
  return date.getTime();
}

/**
 * Parses an ISO-8601 timestamp as the lexer accepts it: `2024-01-01T10:00[:00[.123]][Z|±hh[:mm]]`.
 * Without a zone it is read as UTC and `local` is true (a time zone reads it as its wall clock instead:
 * `fromWallClock(ms, zone)`). Returns the instant, or a reason it is not valid.
 */
export function parseTimestamp(text: string): { ms: number; local: boolean } | { reason: string } {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/.exec(text);
  if (!m) return { reason: "expected a timestamp such as 2024-01-01T10:00:00Z" };
  const [y, mo, d, h, mi] = [1, 2, 3, 4, 5].map((i) => Number(m[i]));
  const s = m[6] ? Number(m[6]) : 0;
  const fraction = m[7] ?? "";
  if (mo! < 1 || mo! > 12 || d! < 1 || d! > daysInMonth(y!, mo!)) return { reason: `${text.slice(0, 10)} is not a date on the calendar` };
  if (h! > 23 || mi! > 59 || s > 59) return { reason: "the time of day must be between 00:00:00 and 23:59:59" };
  if (fraction.length > 3) return { reason: "timestamps have millisecond precision: use at most 3 digits after the seconds" };
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone && zone !== "Z" && zone !== "z") {
    const zm = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone)!;
    const oh = Number(zm[2]);
    const om = zm[3] ? Number(zm[3]) : 0;
    if (oh > 18 || om > 59) return { reason: `the UTC offset ${zone} is out of range` };
    offsetMinutes = (zm[1] === "-" ? -1 : 1) * (oh * 60 + om);
  }
  const ms = utc(y!, mo! - 1, d!, h!, mi!, s, Number(fraction.padEnd(3, "0")));
  return { ms: ms - offsetMinutes * MINUTE, local: zone === undefined };
}

/** The largest and smallest instants a JavaScript Date holds (±100,000,000 days from the epoch). */
export const MAX_DATE_MS = 8.64e15;

/**
 * `from − amount unit`, calendar-aware for months and years (and, in a time zone, for days and weeks: the
 * same wall-clock time N days earlier; zone.ts). A negative amount lies in the future. Never NaN for a
 * valid `from`: a result before the first instant a Date holds (amounts of millions of years) is
 * `-Infinity` (after the last, `Infinity`), which compares as "earlier (later) than every instant", as the
 * arithmetic says.
 */
export function subtractUnits(from: number, amount: number, unit: TimeUnit, zone: TimeZone = UTC): number {
  // from + (−a) × u is exactly from − a × u in IEEE arithmetic: UTC results are what they always were.
  return shiftUnits(from, -amount, unit, zone);
}

/** Midnight UTC of the instant's date. */
export function startOfUtcDay(ms: number): number {
  return Math.floor(ms / DAY) * DAY;
}

/**
 * The instant a time value stands for, given `now` and the evaluation zone (default UTC): a date literal is
 * the start of that day in the zone, a timestamp written without an offset is that wall-clock time there,
 * `today` is the start of now's local day, `N units ago` (or, with a negative amount, `in N units`) moves
 * the zone's wall clock for days and longer.
 */
export function resolveTime(value: TimeValue, now: number, zone: TimeZone = UTC): number {
  switch (value.kind) {
    case "instant":
      if (!value.local || zone.utc) return value.ms;
      return value.date !== undefined ? dayStart(value.ms, zone) : fromWallClock(value.ms, zone);
    case "now":
      return now;
    case "today":
      return startOfDay(now, zone);
    case "relative":
      return subtractUnits(now, value.amount, value.unit, zone);
  }
}

/**
 * ISO-8601 UTC with milliseconds, as `Date#toISOString` (years 0-9999; ±YYYYYY beyond). Never throws: an
 * instant outside what a Date holds reads "before -271821-04-20" / "after +275760-09-13" (or "NaN").
 */
export function formatInstant(ms: number): string {
  if (Number.isNaN(ms)) return "NaN";
  if (ms < -MAX_DATE_MS) return "before -271821-04-20";
  if (ms > MAX_DATE_MS) return "after +275760-09-13";
  return new Date(ms).toISOString();
}
