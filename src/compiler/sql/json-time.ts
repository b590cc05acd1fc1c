/**
 * What a JSON timestamp or date property may hold, exactly as the predicate reads it
 * (`toInstant` / `toDay` in src/compiler/predicate/runtime.ts), for the dialects' JSON readers:
 *
 * - an ISO-8601 string `YYYY-MM-DD[Thh:mm[:ss[.f{1,3}]][Z|z|±hh|±hhmm|±hh:mm]]` naming a real calendar
 *   day and time of day (hh ≤ 23, mm ≤ 59, ss ≤ 59), with a zone offset of at most 18:59 (no zone = UTC; a
 *   bare date = its midnight UTC);
 * - a JSON number: epoch milliseconds, floored to the millisecond (1.5 → 1, -0.5 → -1);
 * - and in both cases an instant in years 1-9999 UTC (0001-01-01T00:00:00.000Z … 9999-12-31T23:59:59.999Z).
 *
 * Anything else (other text, an impossible day, 24:00, `1e20`, true, an object) is not a time: the reader
 * returns NULL and the empty-field rules apply. The engines' own casts are all more lenient than this
 * (DuckDB reads `2024-01-01 10:00`, `24:00:00` and zone names, SQLite Julian day numbers, MariaDB
 * compares what it cannot read as the zero date, PostgreSQL fails the whole query on `2023-02-29`), so each
 * reader checks the text against the patterns below before it casts.
 *
 * The patterns use only what every engine's regular expressions share (POSIX ERE: `[0-9]`, `{n,m}`, `|`,
 * groups; no backslashes, which MySQL string literals would change under NO_BACKSLASH_ESCAPES). They are
 * unanchored bodies: each dialect anchors them its own way.
 */

/** 0001-01-01T00:00:00.000Z: the first instant a timestamp may denote. */
export const MIN_INSTANT_MS = -62_135_596_800_000;
/** 9999-12-31T23:59:59.999Z: the last. */
export const MAX_INSTANT_MS = 253_402_300_799_999;
/** Epoch milliseconds `n` denote an instant when `MIN_INSTANT_MS <= n < EPOCH_LIMIT_MS` (floor(n) is then in range). */
export const EPOCH_LIMIT_MS = MAX_INSTANT_MS + 1;

/** Years 0001-9999 (0000 is not a year of the range). */
const YEAR = "([0-9]{3}[1-9]|[0-9]{2}[1-9]0|[0-9][1-9]00|[1-9]000)";
/** Leap years among them: divisible by 4 and not by 100, or by 400. */
const LEAP_YEAR = "([0-9]{2}(0[48]|[2468][048]|[13579][26])|(0[48]|[2468][048]|[13579][26])00)";
/** A real calendar day, leap years included (for engines whose cast fails or rolls over on 2023-02-29). */
const CALENDAR_DAY =
  `(${YEAR}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|${YEAR}-(0[13-9]|1[0-2])-(29|30)|${YEAR}-(0[13578]|1[02])-31|${LEAP_YEAR}-02-29)`;
/** Month 01-12 and day 01-31 (for engines whose cast itself refuses days that do not exist: DuckDB, BigQuery, Snowflake). */
const DAY_SHAPE = `${YEAR}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])`;
const HOUR_MINUTE = "T([01][0-9]|2[0-3]):[0-5][0-9]";
const SECONDS = ":[0-5][0-9]([.][0-9]{1,3})?";
const ZONE = "([Zz]|[+-](0[0-9]|1[0-8])(:?[0-5][0-9])?)";

/** How the day is checked: `calendar` by the pattern itself, `shape` leaving impossible days to the engine's safe cast. */
export type DayCheck = "calendar" | "shape";

/** The patterns of one day check. */
export interface IsoPatterns {
  /** `YYYY-MM-DD`. */
  readonly date: string;
  /** `YYYY-MM-DDThh:mm:ss[.f{1,3}]Z`: what `toISOString` and most producers write (the fast path). */
  readonly utc: string;
  /** Every accepted form (a bare date, no seconds, no zone, `z`, offsets). */
  readonly any: string;
}

export function isoPatterns(days: DayCheck): IsoPatterns {
  const day = days === "calendar" ? CALENDAR_DAY : DAY_SHAPE;
  return {
    date: day,
    utc: `${day}${HOUR_MINUTE}${SECONDS}Z`,
    any: `${day}(${HOUR_MINUTE}(${SECONDS})?${ZONE}?)?`,
  };
}
