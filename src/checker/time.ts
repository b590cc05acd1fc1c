/**
 * Calendar facts shared by the checker and every backend that resolves time in JavaScript: literal
 * parsing, and `now − N unit` with months and years as calendar arithmetic clamped to the month's end
 * (2024-03-31 − 1 month = 2024-02-29), which is what PostgreSQL, DuckDB and MySQL intervals do.
 * Everything is UTC.
 */
import type { TimeUnit, TimeValue } from "./typed-ast.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

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
 * Without a zone it is UTC. Returns the instant, or a reason it is not valid.
 */
export function parseTimestamp(text: string): { ms: number } | { reason: string } {
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
  return { ms: ms - offsetMinutes * MINUTE };
}

/** The largest and smallest instants a JavaScript Date holds (±100,000,000 days from the epoch). */
export const MAX_DATE_MS = 8.64e15;

/**
 * `from − amount unit`, calendar-aware for months and years. Never NaN for a valid `from`: a result before
 * the first instant a Date holds (amounts of millions of years) is `-Infinity` (after the last, `Infinity`),
 * which compares as "earlier (later) than every instant", as the arithmetic says.
 */
export function subtractUnits(from: number, amount: number, unit: TimeUnit): number {
  switch (unit) {
    case "minute":
      return from - amount * MINUTE;
    case "hour":
      return from - amount * HOUR;
    case "day":
      return from - amount * DAY;
    case "week":
      return from - amount * 7 * DAY;
    case "month":
    case "year":
      return subtractMonths(from, unit === "year" ? amount * 12 : amount);
  }
}

function subtractMonths(from: number, months: number): number {
  const d = new Date(from);
  const total = d.getUTCFullYear() * 12 + d.getUTCMonth() - months;
  const year = Math.floor(total / 12);
  const month = total - year * 12;
  const day = Math.min(d.getUTCDate(), daysInMonth(year, month + 1));
  const ms = utc(year, month, day, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds());
  // Past the years a Date holds (±271,821), `utc` gives NaN; the direction is the amount's.
  if (Number.isNaN(ms) && !Number.isNaN(from)) return months > 0 ? -Infinity : Infinity;
  return ms;
}

/** Midnight UTC of the instant's date. */
export function startOfUtcDay(ms: number): number {
  return Math.floor(ms / DAY) * DAY;
}

/** The instant a time value stands for, given `now`. */
export function resolveTime(value: TimeValue, now: number): number {
  switch (value.kind) {
    case "instant":
      return value.ms;
    case "now":
      return now;
    case "today":
      return startOfUtcDay(now);
    case "relative":
      return subtractUnits(now, value.amount, value.unit);
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
