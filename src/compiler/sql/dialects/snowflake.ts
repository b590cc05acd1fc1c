/**
 * Snowflake. Not executed here: golden files, and every statement parses with node-sql-parser.
 * Physical types: BOOLEAN, FLOAT, VARCHAR, DATE, TIMESTAMP_TZ (or _NTZ holding UTC, or _LTZ), ARRAY lists,
 * VARIANT event properties.
 *
 * Quoted identifiers are case-sensitive in Snowflake: write the schema's column names as stored
 * (unquoted names are stored upper case).
 */
import type { TimeUnit } from "../../../checker/typed-ast.js";
import { ansiIdent, standardString, wallClock, type Dialect, type TimeKind, type Values } from "../dialect.js";
import { EPOCH_LIMIT_MS, isoPatterns, MAX_INSTANT_MS, MIN_INSTANT_MS } from "../json-time.js";

/** `'…'`: Snowflake reads backslash escapes in single-quoted strings, so `\` is doubled and controls escaped. */
function stringLiteral(value: string): string {
  let out = "'";
  for (const ch of value) {
    const c = ch.codePointAt(0)!;
    if (ch === "\\") out += "\\\\";
    else if (ch === "'") out += "''";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (c === 0) out += "\\0";
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return `${out}'`;
}

const UNITS: Record<TimeUnit, string> = { minute: "MINUTE", hour: "HOUR", day: "DAY", week: "WEEK", month: "MONTH", year: "YEAR" };

/** The current instant as TIMESTAMP_TZ on the UTC offset, so DATEADD works on the UTC calendar. */
const NOW_TZ = "DATE_TRUNC('MILLISECOND', CONVERT_TIMEZONE('UTC', CURRENT_TIMESTAMP()))";

const NUMBER_TYPES = "('INTEGER', 'DECIMAL', 'DOUBLE')";

export const snowflake = {
  name: "snowflake",
  formatter: { language: "snowflake" },
  // No documented limit on bind variables per statement.
  params: { style: "positional", placeholder: (n) => `:${n}`, max: Number.POSITIVE_INFINITY },
  quoteIdent: ansiIdent,
  stringLiteral,
  textHoldsNul: true,

  listKind: (storage) => (storage === undefined || storage === "array" || storage === "variant" ? "array" : null),
  listStorageNames: "ARRAY (default), VARIANT holding an array",
  list: () => ({
    hasAny: (x, vs) => `ARRAYS_OVERLAP(${x}, ARRAY_CONSTRUCT(${vs.join(", ")}))`,
    // The values are distinct, so the intersection's size counts the ones present.
    hasAll: (x, vs) => `ARRAY_SIZE(ARRAY_INTERSECTION(ARRAY_CONSTRUCT(${vs.join(", ")}), ${x})) = ${vs.length}`,
    nonEmpty: (x) => `ARRAY_SIZE(${x}) > 0`,
  }),

  time: {
    kind: (storage): TimeKind | null => {
      if (storage === undefined || storage === "timestamp_tz" || storage === "timestamp_ltz") return "instant";
      if (storage === "timestamp_ntz" || storage === "timestamp" || storage === "datetime") return "naive";
      return null;
    },
    storageNames: "TIMESTAMP_TZ (default), TIMESTAMP_LTZ, TIMESTAMP_NTZ (holding UTC)",
    jsonKind: "instant",
    instant: (ms: number, kind: TimeKind, v: Values) => {
      const text = kind === "naive" ? wallClock(ms) : `${wallClock(ms)} +00:00`;
      const fn = kind === "naive" ? "TO_TIMESTAMP_NTZ" : "TO_TIMESTAMP_TZ";
      return `${fn}(${v.params ? v.string(text) : standardString(text)})`;
    },
    date: (text: string, v: Values) => `TO_DATE(${v.params ? v.string(text) : standardString(text)})`,
    // CURRENT_TIMESTAMP() is fixed for the statement.
    now: (kind: TimeKind) => (kind === "naive" ? `TO_TIMESTAMP_NTZ(${NOW_TZ})` : NOW_TZ),
    today: (kind: TimeKind) => `DATE_TRUNC('DAY', ${kind === "naive" ? `TO_TIMESTAMP_NTZ(${NOW_TZ})` : NOW_TZ})`,
    // DATEADD clamps month ends; on a TIMESTAMP_TZ at +00:00 it counts on the UTC calendar.
    minus: (expr: string, amount: string, unit: TimeUnit) => `DATEADD(${UNITS[unit]}, -1 * ${amount}, ${expr})`,
    plus: (expr: string, amount: string, unit: TimeUnit) => `DATEADD(${UNITS[unit]}, ${amount}, ${expr})`,
    /**
     * CONVERT_TIMEZONE(zone, tz) shows an instant in the zone (its wall clock once cast to TIMESTAMP_NTZ);
     * CONVERT_TIMEZONE(zone, 'UTC', ntz) reads a wall clock there as UTC wall-clock time, which becomes an
     * instant at +00:00 through its text (TO_TIMESTAMP_TZ of an NTZ would use the session's zone). Not
     * executed here: Snowflake's choice for a time a DST change skips or repeats is not checked.
     */
    zone: {
      toWall: (instant, kind, zone) => (kind === "naive" ? `CONVERT_TIMEZONE('UTC', ${zone}, ${instant})` : `TO_TIMESTAMP_NTZ(CONVERT_TIMEZONE(${zone}, ${instant}))`),
      fromWall: (wall, kind, zone) => {
        const utcWall = `CONVERT_TIMEZONE(${zone}, 'UTC', ${wall})`;
        return kind === "naive" ? utcWall : `TO_TIMESTAMP_TZ(TO_VARCHAR(${utcWall}, 'YYYY-MM-DD HH24:MI:SS.FF3') || ' +00:00')`;
      },
      midnight: (wall) => `DATE_TRUNC('DAY', ${wall})`,
      dateOf: (wall) => `TO_DATE(${wall})`,
      dateMidnight: (date) => `TO_TIMESTAMP_NTZ(${date})`,
      addDays: (date, days) => `DATEADD(DAY, ${days}, ${date})`,
    },
  },

  json: {
    number: (doc, key) => `CASE WHEN TYPEOF(${get(doc, key)}) IN ${NUMBER_TYPES} THEN TO_DOUBLE(${get(doc, key)}) END`,
    // AS_VARCHAR / AS_BOOLEAN / AS_ARRAY return NULL when the VARIANT holds another type.
    string: (doc, key) => `AS_VARCHAR(${get(doc, key)})`,
    boolean: (doc, key) => `AS_BOOLEAN(${get(doc, key)})`,
    timestamp: (doc, key) => jsonTime(doc, key, "timestamp"),
    date: (doc, key) => jsonTime(doc, key, "date"),
    list: (doc, key) => ({ sql: `AS_ARRAY(${get(doc, key)})`, kind: "array" }),
  },
} satisfies Dialect;

/** GET(doc, 'key'): a top-level key without path syntax to escape. */
function get(doc: string, key: string): string {
  return `GET(${doc}, ${stringLiteral(key)})`;
}

const ISO = isoPatterns("shape");
/** REGEXP_LIKE matches the whole string (implicitly anchored), case-sensitively. */
const matches = (s: string, pattern: string) => `REGEXP_LIKE(${s}, ${stringLiteral(pattern)})`;
const tz = (ms: number) => `TO_TIMESTAMP_TZ('${wallClock(ms)} +00:00')`;

/**
 * A JSON timestamp property as a TIMESTAMP_TZ, or a date property as its DATE at UTC (see json-time.ts
 * for what counts; not executed here). TRY_TO_TIMESTAMP_TZ reads far more than ISO-8601 (and a string
 * without a zone in the session's time zone), so a string is read only after it matched the pattern, and
 * always with an explicit +00:00: a `…Z` string as it is; other forms as their local time (seconds
 * added) at +00:00 minus the offset, done here, NULL outside years 1-9999 (GREATEST/LEAST move such an
 * instant onto a bound 1 ms outside the range, which NULLIF turns into NULL). TRY_ refuses days that do
 * not exist. Numbers: range-checked, floored, read as epoch milliseconds.
 */
function jsonTime(doc: string, key: string, type: "timestamp" | "date"): string {
  const v = get(doc, key);
  const s = `AS_VARCHAR(${v})`;
  const asType = (instant: string) => (type === "date" ? `TO_DATE(CONVERT_TIMEZONE('UTC', ${instant}))` : instant);
  const local =
    `IFF(LENGTH(${s}) = 10, ${s} || 'T00:00:00', ` +
    `SUBSTR(${s}, 1, 16) || IFF(SUBSTR(${s}, 17, 1) = ':', REGEXP_SUBSTR(SUBSTR(${s}, 17), '^[0-9:.]*'), ':00'))`;
  // The offset follows the seconds (position 17 on): ±hh, ±hhmm or ±hh:mm; NULL for Z, z or no zone.
  const zone = `REGEXP_SUBSTR(SUBSTR(${s}, 17), '[+-][0-9:]+$')`;
  const offsetMinutes =
    `(CAST(SUBSTR(${zone}, 2, 2) AS INTEGER) * 60 + COALESCE(TRY_TO_NUMBER(SUBSTR(REPLACE(${zone}, ':', ''), 4, 2)), 0)) * ` +
    `IFF(STARTSWITH(${zone}, '-'), -1, 1)`;
  const instant = `DATEADD(MINUTE, -1 * COALESCE(${offsetMinutes}, 0), TRY_TO_TIMESTAMP_TZ(${local} || '+00:00'))`;
  const below = tz(MIN_INSTANT_MS - 1);
  const above = tz(MAX_INSTANT_MS + 1);
  const general = `NULLIF(LEAST(NULLIF(GREATEST(${instant}, ${below}), ${below}), ${above}), ${above})`;
  const n = `TO_DOUBLE(${v})`;
  return (
    `CASE WHEN TYPEOF(${v}) = 'VARCHAR' THEN CASE ` +
    (type === "date" ? `WHEN ${matches(s, ISO.date)} THEN TRY_TO_DATE(${s}, 'YYYY-MM-DD') ` : "") +
    `WHEN ${matches(s, ISO.utc)} THEN ${asType(`TRY_TO_TIMESTAMP_TZ(LEFT(${s}, LENGTH(${s}) - 1) || '+00:00')`)} ` +
    `WHEN ${matches(s, ISO.any)} THEN ${asType(general)} END ` +
    `WHEN TYPEOF(${v}) IN ${NUMBER_TYPES} THEN CASE WHEN ${n} >= ${MIN_INSTANT_MS} AND ${n} < ${EPOCH_LIMIT_MS} ` +
    `THEN ${asType(`TO_TIMESTAMP_TZ(CAST(FLOOR(${n}) AS NUMBER(38, 0)), 3)`)} END END`
  );
}
