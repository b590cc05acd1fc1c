/**
 * Time zones: the evaluation zone's UTC offsets, read from `Intl` (the ICU data Node and browsers ship;
 * no offset table is written here), and the three conversions every backend shares:
 *
 * - `wallClock(ms)`: an instant → its local wall-clock time, written as epoch ms "as if UTC";
 * - `fromWallClock(wall)`: a local wall-clock time → the instant, by one rule for the times a DST change
 *   skips or repeats (the rule of PostgreSQL, ICU and so DuckDB, checked on both):
 *   - a skipped time (spring forward, 02:30 on a day clocks jump 02:00 → 03:00) is read with the offset in
 *     force before the change, so it lands as far past the change as it was into the gap (03:30);
 *   - a repeated time (fall back, 02:30 on a day clocks go 03:00 → 02:00) is the later of the two
 *     (the offset after the change);
 * - calendar arithmetic (`shiftUnits`): days, weeks, months and years move the wall clock (the same local
 *   time N days earlier, across a 23- or 25-hour day; months clamped to the month's end) and read the
 *   result back by that rule; minutes and hours are exact durations.
 *
 * A date is a calendar day; the instant it stands for where one is needed (a date literal, `today`, a date
 * field compared with a time) is its start: the wall-clock midnight read by the rule above.
 * Without a zone (or in UTC) every function here is the identity of the UTC arithmetic in time.ts.
 */
import type { TimeUnit } from "../parser/ast.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** The largest instant a Date holds (±100,000,000 days from the epoch). */
const MAX_DATE = 8.64e15;

/** A time zone name that `Intl` does not know (the message says what to write instead). */
export class TimeZoneError extends RangeError {
  constructor(readonly zone: string) {
    super(
      `unknown time zone '${zone}': expected an IANA time zone name such as Europe/Berlin, America/New_York or UTC` +
        (/^[+-]\d/.test(zone) ? ` (a fixed offset is written Etc/GMT${zone.startsWith("+") ? "-" : "+"}${Number(zone.slice(1, 3))}: Etc/ names count west as +)` : ""),
    );
    this.name = "TimeZoneError";
  }
}

/** A zone's offsets; created by `timeZone(name)`, which validates the name. */
export interface TimeZone {
  /** The name as written, with the case `Intl` spells it (`europe/berlin` → `Europe/Berlin`). */
  readonly name: string;
  /** True for UTC and its aliases (`Etc/UTC`, `GMT`): every conversion is the identity. */
  readonly utc: boolean;
  /** The UTC offset in force at an instant, in ms (Berlin in summer: 7,200,000). */
  offsetAt(ms: number): number;
}

const zones = new Map<string, TimeZone>();
let spellings: Map<string, string> | null = null;

/** The zone named `name` (an IANA name); throws `TimeZoneError` for a name `Intl` does not know. */
export function timeZone(name: string): TimeZone {
  const cached = zones.get(name);
  if (cached) return cached;
  if (typeof name !== "string" || name.trim() === "" || name !== name.trim()) throw new TimeZoneError(String(name));
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone: name,
      hourCycle: "h23",
      era: "short",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
  } catch {
    throw new TimeZoneError(name);
  }
  const resolved = format.resolvedOptions().timeZone;
  const zone = new IntlZone(spelling(name, resolved), resolved === "UTC", format);
  if (zones.size > 1000) zones.clear();
  zones.set(name, zone);
  return zone;
}

/** UTC: what every function here does without a zone. */
export const UTC: TimeZone = { name: "UTC", utc: true, offsetAt: () => 0 };

/** The zone of an option: a name, a zone, or nothing (UTC). */
export function zoneOf(zone: string | TimeZone | null | undefined): TimeZone {
  if (zone === undefined || zone === null) return UTC;
  return typeof zone === "string" ? timeZone(zone) : zone;
}

/**
 * The name as `Intl` lists it when it differs only in case (`europe/berlin` → `Europe/Berlin`), else as
 * written: Node canonicalises links (`Asia/Kolkata` → `Asia/Calcutta`), and the name the user wrote is the
 * one databases and readers know best.
 */
function spelling(name: string, resolved: string): string {
  if (resolved.toLowerCase() === name.toLowerCase()) return resolved;
  spellings ??= new Map(supportedZones().map((z) => [z.toLowerCase(), z]));
  return spellings.get(name.toLowerCase()) ?? name;
}

/** The zone names `Intl` lists (canonical IANA names), or none where `Intl.supportedValuesOf` is missing. */
export function supportedZones(): string[] {
  const values = (Intl as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf;
  return values ? values("timeZone") : [];
}

class IntlZone implements TimeZone {
  /** Offsets by instant: calendar arithmetic asks for the same few instants again and again. */
  private readonly cache = new Map<number, number>();

  constructor(
    readonly name: string,
    readonly utc: boolean,
    private readonly format: Intl.DateTimeFormat,
  ) {}

  offsetAt(ms: number): number {
    if (this.utc || !Number.isFinite(ms) || Math.abs(ms) > MAX_DATE) return 0;
    const hit = this.cache.get(ms);
    if (hit !== undefined) return hit;
    // Offsets are whole seconds (ICU's data has local mean times such as +00:53:28): compare whole seconds.
    const seconds = Math.floor(ms / 1000) * 1000;
    let year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0, bc = false;
    for (const p of this.format.formatToParts(seconds)) {
      switch (p.type) {
        case "year": year = Number(p.value); break;
        case "month": month = Number(p.value); break;
        case "day": day = Number(p.value); break;
        case "hour": hour = Number(p.value); break;
        case "minute": minute = Number(p.value); break;
        case "second": second = Number(p.value); break;
        case "era": bc = p.value.startsWith("B"); break;
      }
    }
    const wall = utcFields(bc ? 1 - year : year, month - 1, day, hour, minute, second);
    const offset = wall - seconds;
    if (this.cache.size > 4096) this.cache.clear();
    this.cache.set(ms, offset);
    return offset;
  }
}

/** `Date.UTC` without its two-digit-year quirk. */
function utcFields(y: number, monthIndex: number, d: number, h: number, mi: number, s: number): number {
  const date = new Date(0);
  date.setUTCFullYear(y, monthIndex, d);
  date.setUTCHours(h, mi, s, 0);
  return date.getTime();
}

/** The local wall-clock time of an instant, as epoch ms read as UTC. */
export function wallClock(ms: number, zone: TimeZone): number {
  return zone.utc ? ms : ms + zone.offsetAt(ms);
}

/**
 * The instant of a local wall-clock time (epoch ms read as UTC): a skipped time is read with the offset
 * before the change, a repeated time is the later instant (see the module comment).
 */
export function fromWallClock(wall: number, zone: TimeZone): number {
  if (zone.utc || !Number.isFinite(wall)) return wall;
  // The offsets a day before and a day after bracket every candidate (offsets stay within ±1 day).
  const before = zone.offsetAt(wall - DAY);
  const after = zone.offsetAt(wall + DAY);
  // The later instant is the one with the smaller offset: try the offset after the change first.
  if (zone.offsetAt(wall - after) === after) return wall - after;
  if (zone.offsetAt(wall - before) === before) return wall - before;
  return wall - before; // skipped: the offset before the change
}

/** Midnight (as epoch ms read as UTC) of the local day an instant falls on. */
export function wallDay(ms: number, zone: TimeZone): number {
  return Math.floor(wallClock(ms, zone) / DAY) * DAY;
}

/** The instant a day (its midnight as epoch ms read as UTC, e.g. `Date.UTC(2024, 2, 31)`) starts in the zone. */
export function dayStart(day: number, zone: TimeZone): number {
  return fromWallClock(day, zone);
}

/** The start of the local day of an instant: `today` when `ms` is now. */
export function startOfDay(ms: number, zone: TimeZone): number {
  return dayStart(wallDay(ms, zone), zone);
}

/**
 * The last day (midnight read as UTC) that starts at or before `ms`, for comparing a date with an instant:
 * `d ≤ t` ⟺ `d ≤ floorDay(t)`, `d > t` ⟺ `d > floorDay(t)`. The local day of `ms`, or the day before when
 * that day starts later (an instant inside a gap that swallowed midnight).
 */
export function floorDay(ms: number, zone: TimeZone): number {
  const day = wallDay(ms, zone);
  return dayStart(day, zone) <= ms ? day : day - DAY;
}

/**
 * The first day (midnight read as UTC) that starts at or after `ms`: `d < t` ⟺ `d < ceilDay(t)`,
 * `d ≥ t` ⟺ `d ≥ ceilDay(t)`. The local day of `ms` when it starts there (or later), else the next day.
 */
export function ceilDay(ms: number, zone: TimeZone): number {
  const day = wallDay(ms, zone);
  return dayStart(day, zone) >= ms ? day : day + DAY;
}

/** Days in a month (`month` 1-12) of the proleptic Gregorian calendar. */
function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * `from + amount unit` (amount may be negative): minutes and hours as exact durations; days, weeks,
 * months and years on the zone's wall clock, months and years clamped to the month's end
 * (2024-03-31 − 1 month = 2024-02-29). Never NaN for a valid `from`: past the years a Date holds the
 * result is ±Infinity, in the amount's direction.
 */
export function shiftUnits(from: number, amount: number, unit: TimeUnit, zone: TimeZone = UTC): number {
  switch (unit) {
    case "minute":
      return from + amount * MINUTE;
    case "hour":
      return from + amount * HOUR;
    case "day":
    case "week": {
      const days = unit === "week" ? amount * 7 : amount;
      if (zone.utc) return from + days * DAY;
      return fromWallClock(wallClock(from, zone) + days * DAY, zone);
    }
    case "month":
    case "year": {
      const months = unit === "year" ? amount * 12 : amount;
      const wall = addMonths(wallClock(from, zone), months);
      return Number.isFinite(wall) ? fromWallClock(wall, zone) : wall;
    }
  }
}

/** `wall + months` on the calendar, clamped to the month's end; ±Infinity past the years a Date holds. */
function addMonths(wall: number, months: number): number {
  const d = new Date(wall);
  if (Number.isNaN(d.getTime())) return wall;
  const total = d.getUTCFullYear() * 12 + d.getUTCMonth() + months;
  const year = Math.floor(total / 12);
  const month = total - year * 12;
  const day = Math.min(d.getUTCDate(), daysInMonth(year, month + 1));
  const out = new Date(0);
  out.setUTCFullYear(year, month, day);
  out.setUTCHours(d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds());
  const ms = out.getTime();
  if (Number.isNaN(ms)) return months < 0 ? -Infinity : Infinity;
  return ms;
}

/** A UTC offset in ms as `+02:00`, `-03:30`, `+12:45` (seconds when there are any: `+00:53:28`). */
export function formatOffset(offset: number): string {
  const sign = offset < 0 ? "-" : "+";
  const total = Math.abs(Math.round(offset / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const two = (n: number) => String(n).padStart(2, "0");
  return `${sign}${two(h)}:${two(m)}${s ? `:${two(s)}` : ""}`;
}

/**
 * An instant as local ISO-8601 with its offset (`2024-03-31T03:30:00.000+02:00`); in UTC, `…Z`.
 * Instants outside years 0-9999 are written as `Date#toISOString` would (in UTC).
 */
export function formatInZone(ms: number, zone: TimeZone): string {
  if (!Number.isFinite(ms) || Math.abs(ms) > MAX_DATE) return String(ms);
  if (zone.utc) return new Date(ms).toISOString();
  const offset = zone.offsetAt(ms);
  const local = new Date(ms + offset).toISOString();
  if (!/^\d{4}-/.test(local)) return new Date(ms).toISOString();
  return `${local.slice(0, -1)}${formatOffset(offset)}`;
}

/**
 * What a DST change does to a local wall-clock time: nothing (it occurs once), or it is skipped (it is
 * read as `instant`, `gap` ms later on the wall clock) or repeated (`instant` is the later of the two).
 */
export function wallClockKind(wall: number, zone: TimeZone): { kind: "once" } | { kind: "skipped"; instant: number; gap: number } | { kind: "repeated"; instant: number; earlier: number } {
  if (zone.utc || !Number.isFinite(wall)) return { kind: "once" };
  const before = zone.offsetAt(wall - DAY);
  const after = zone.offsetAt(wall + DAY);
  const validAfter = zone.offsetAt(wall - after) === after;
  const validBefore = zone.offsetAt(wall - before) === before;
  if (validAfter && validBefore && before !== after) return { kind: "repeated", instant: wall - after, earlier: wall - before };
  if (!validAfter && !validBefore) return { kind: "skipped", instant: wall - before, gap: after - before };
  return { kind: "once" };
}

/** A change of a zone's UTC offset: the first instant of the new offset, and both offsets (ms). */
export interface ZoneTransition {
  at: number;
  offsetBefore: number;
  offsetAfter: number;
}

/**
 * The offset changes of a zone in `[from, to)`, found from Intl's offsets: sampled every 6 hours (no two
 * changes of the IANA data lie closer), each change narrowed down to the second by bisection.
 */
export function zoneTransitions(zone: TimeZone, from: number, to: number): ZoneTransition[] {
  const out: ZoneTransition[] = [];
  if (zone.utc) return out;
  const STEP = 6 * HOUR;
  let t = from;
  let offset = zone.offsetAt(t);
  while (t < to) {
    const next = Math.min(t + STEP, to);
    const nextOffset = zone.offsetAt(next);
    if (nextOffset !== offset) {
      // The offset at `lo` is the old one, at `hi` the new one: bisect to the second.
      let lo = t;
      let hi = next;
      while (hi - lo > 1000) {
        const mid = Math.floor((lo + hi) / 2000) * 1000;
        if (mid <= lo || mid >= hi) break;
        if (zone.offsetAt(mid) === offset) lo = mid;
        else hi = mid;
      }
      if (hi >= from && hi < to) out.push({ at: hi, offsetBefore: offset, offsetAfter: nextOffset });
    }
    t = next;
    offset = nextOffset;
  }
  return out;
}
