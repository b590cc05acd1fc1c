/**
 * MySQL 8 and MariaDB 10.11 (tested on MariaDB). Physical types: TINYINT(1) booleans, DOUBLE, utf8mb4 text,
 * DATE, DATETIME(6) holding UTC, JSON lists and JSON event properties. The connection must use utf8mb4.
 *
 * Differences that matter for correctness:
 * - Default collations are case- and accent-insensitive (and PAD SPACE on MariaDB: 'a' = 'a '), so exact
 *   `=` also compares the bytes: `x = v AND CAST(x AS BINARY) = CAST(v AS BINARY)` (the first conjunct
 *   keeps an index on x usable).
 * - Backslash is an escape character in string literals unless the server runs with NO_BACKSLASH_ESCAPES,
 *   so inlined literals avoid backslashes altogether and mean the same in every sql_mode.
 * - MariaDB has no `->>`: JSON_EXTRACT / JSON_UNQUOTE throughout.
 */
import type { TimeUnit } from "../../../checker/typed-ast.js";
import { checkIdent, escapedJsonPath, LIKE_ESCAPE, likePattern, LOWER_ASCII, wallClock, type Dialect, type Values } from "../dialect.js";
import { EPOCH_LIMIT_MS, isoPatterns, MIN_INSTANT_MS } from "../json-time.js";

/**
 * `'…'` with `'` doubled. A value holding `\` or NUL is written as its UTF-8 bytes, `_utf8mb4 X'…'`:
 * whether `\` escapes depends on the server's sql_mode (NO_BACKSLASH_ESCAPES), a hex literal does not.
 */
function stringLiteral(value: string): string {
  if (/[\\\u0000]/.test(value)) return `_utf8mb4 X'${utf8Hex(value)}'`;
  return `'${value.replace(/'/g, "''")}'`;
}

/** TextEncoder rather than Buffer: the compiler also runs in browsers. */
const utf8 = new TextEncoder();

/** Upper-case hex of the UTF-8 bytes. */
function utf8Hex(value: string): string {
  let hex = "";
  for (const byte of utf8.encode(value)) hex += byte.toString(16).toUpperCase().padStart(2, "0");
  return hex;
}

const binary = (x: string) => `CAST(${x} AS BINARY)`;

/**
 * ASCII-only folding of the letters that occur in `needle`: REPLACE is exact (case- and accent-
 * sensitive), and LOWER() would fold 'É' too. Letters absent from the needle cannot match it either way.
 * With bound parameters all 26 letters are folded, so the text does not reveal the needle's letters.
 */
function foldFor(x: string, needle: string, all: boolean): string {
  const letters = all ? [...LOWER_ASCII] : [...new Set(needle.match(/[a-z]/g) ?? [])].sort();
  return letters.reduce((acc, l) => `REPLACE(${acc}, '${l.toUpperCase()}', '${l}')`, x);
}

const UNITS: Record<TimeUnit, string> = { minute: "MINUTE", hour: "HOUR", day: "DAY", week: "WEEK", month: "MONTH", year: "YEAR" };

const JSON_NUMBER = "('INTEGER', 'DOUBLE', 'DECIMAL', 'UNSIGNED INTEGER')";

export const mysql = {
  name: "mysql",
  formatter: { language: "mysql" },
  // The prepared-statement protocol counts parameters in 16 bits.
  params: { style: "positional", placeholder: () => "?", max: 65_535 },
  quoteIdent: (name) => {
    checkIdent(name);
    return `\`${name.replace(/`/g, "``")}\``;
  },
  stringLiteral,
  textHoldsNul: true,
  textEquals: (x, value, negated, v) =>
    negated ? `${binary(x)} <> ${binary(v.string(value))}` : `${x} = ${v.string(value)} AND ${binary(x)} = ${binary(v.string(value))}`,
  textIn: (x, values, negated, v) =>
    negated
      ? `${binary(x)} NOT IN (${values.map((s) => binary(v.string(s))).join(", ")})`
      : `${x} IN (${values.map((s) => v.string(s)).join(", ")}) AND ${binary(x)} IN (${values.map((s) => binary(v.string(s))).join(", ")})`,
  // Under PAD SPACE collations ' ' = '': count characters instead.
  textNonEmpty: (x, negated) => `CHAR_LENGTH(${x}) ${negated ? "=" : ">"} 0`,
  // Compared as bytes, so no collation folds case or accents; the pattern holds no `_`, so byte-wise `%`
  // matching is exact on UTF-8.
  textMatch: (x, op, folded, negated, v) => {
    const { pattern, escaped } = likePattern(op, folded);
    const escape = escaped ? ` ESCAPE '${LIKE_ESCAPE}'` : "";
    return `${binary(foldFor(x, folded, v.params))} ${negated ? "NOT LIKE" : "LIKE"} ${binary(v.string(pattern))}${escape}`;
  },

  listKind: (storage) => (storage === undefined || storage === "json" || storage === "text" || storage === "longtext" ? "json" : null),
  listStorageNames: "JSON (default)",
  /**
   * MariaDB stores JSON as text and JSON_OVERLAPS / JSON_CONTAINS compare strings by their escaped text:
   * "\u000b" in the data never equals CHAR(11), nor "caf\u00e9" 'café'. JSON_TABLE (MySQL 8.0.4, MariaDB
   * 10.6) unescapes each element; only JSON strings count, compared as bytes.
   */
  list: () => {
    const elements = (x: string) => `JSON_TABLE(${x}, '$[*]' COLUMNS (v LONGTEXT PATH '$', j JSON PATH '$')) AS t`;
    const among = (vs: string[]) => `JSON_TYPE(t.j) = 'STRING' AND CAST(t.v AS BINARY) IN (${vs.map(binary).join(", ")})`;
    return {
      hasAny: (x, vs) => `EXISTS (SELECT 1 FROM ${elements(x)} WHERE ${among(vs)})`,
      hasAll: (x, vs) => `(SELECT COUNT(DISTINCT CAST(t.v AS BINARY)) FROM ${elements(x)} WHERE ${among(vs)}) = ${vs.length}`,
      nonEmpty: (x) => `JSON_LENGTH(${x}) > 0`,
    };
  },

  time: {
    // TIMESTAMP columns convert with the session time zone: they hold UTC only with time_zone = '+00:00'.
    kind: (storage) => (storage === undefined || /^(datetime|timestamp)(\(\d\))?$/.test(storage) ? "naive" : null),
    storageNames: "DATETIME(6) (default, holding UTC), TIMESTAMP (with time_zone = '+00:00')",
    jsonKind: "naive",
    instant: (ms: number, _kind, v: Values) => (v.params ? `CAST(${v.string(wallClock(ms))} AS DATETIME(3))` : `TIMESTAMP '${wallClock(ms)}'`),
    // Time functions are evaluated once per statement.
    now: () => "UTC_TIMESTAMP(3)",
    today: () => "CAST(UTC_DATE() AS DATETIME)",
    // DATE_SUB clamps month ends (2024-03-31 − 1 month = 2024-02-29).
    minus: (expr: string, amount: string, unit: TimeUnit) => `(${expr} - INTERVAL ${amount} ${UNITS[unit]})`,
    plus: (expr: string, amount: string, unit: TimeUnit) => `(${expr} + INTERVAL ${amount} ${UNITS[unit]})`,
    // No `zone`: CONVERT_TZ with a zone name is NULL unless the server's time zone tables are loaded
    // (mariadb-tzinfo-to-sql), which a compiler cannot know; with `now` every time is a literal instead.
  },

  json: {
    number: (doc, key) => `CASE WHEN JSON_TYPE(${get(doc, key)}) IN ${JSON_NUMBER} THEN CAST(${unquote(doc, key)} AS DOUBLE) END`,
    string: (doc, key) => `CASE WHEN JSON_TYPE(${get(doc, key)}) = 'STRING' THEN ${unquote(doc, key)} END`,
    boolean: (doc, key) => `CASE WHEN JSON_TYPE(${get(doc, key)}) = 'BOOLEAN' THEN ${unquote(doc, key)} = 'true' END`,
    timestamp: (doc, key) => jsonTime(doc, key, "timestamp"),
    date: (doc, key) => jsonTime(doc, key, "date"),
    list: (doc, key) => ({ sql: `CASE WHEN JSON_TYPE(${get(doc, key)}) = 'ARRAY' THEN ${get(doc, key)} END`, kind: "json" }),
  },
} satisfies Dialect;

function get(doc: string, key: string): string {
  // The key as a JSON string (see `escapedJsonPath`); a path holding `\` becomes a hex literal.
  return `JSON_EXTRACT(${doc}, ${stringLiteral(escapedJsonPath(key, "mysql"))})`;
}

function unquote(doc: string, key: string): string {
  return `JSON_UNQUOTE(${get(doc, key)})`;
}

const ISO = isoPatterns("calendar");
/**
 * A whole-string match, case-sensitive (REGEXP follows the collation, and the usual ones ignore case),
 * `(?!.)` in dot-all mode instead of `$`, which PCRE also matches before a final newline.
 */
const matches = (s: string, pattern: string) => `${s} REGEXP ${stringLiteral(`(?s-i)^(${pattern})(?!.)`)}`;

/**
 * A JSON timestamp property as a UTC DATETIME, or a date property as the DATE of that instant (see
 * json-time.ts for what counts). MariaDB reads a string that is not a datetime as NULL when it is selected
 * but as the zero date inside a comparison, and rolls impossible days over or zeroes them, so a string is
 * cast only after it matched the exact pattern (real calendar days included): a `…Z` string without its
 * `Z` (the common case); other forms as their local time minus the offset, done here (MariaDB ignores
 * offsets); date arithmetic that leaves years 1-9999 is NULL. Numbers are range-checked, floored and added
 * to the epoch as whole microseconds (integer arithmetic, exact).
 */
function jsonTime(doc: string, key: string, type: "timestamp" | "date"): string {
  const s = unquote(doc, key);
  const asType = (datetime: string) => (type === "date" ? `CAST(${datetime} AS DATE)` : datetime);
  const cast = (x: string) => `CAST(${x} AS DATETIME(3))`;
  const local = cast(`CASE WHEN CHAR_LENGTH(${s}) = 10 THEN ${s} ELSE REGEXP_SUBSTR(${s}, '^.{10}T[0-9:.]+') END`);
  // The offset follows the seconds (position 17 on): ±hh, ±hhmm or ±hh:mm; '' for Z, z or no zone
  // (REGEXP_SUBSTR gives '' on MariaDB, NULL on MySQL 8).
  const zone = `COALESCE(REGEXP_SUBSTR(SUBSTRING(${s}, 17), '[+-][0-9:]+$'), '')`;
  const offsetMinutes =
    `(CAST(CONCAT('0', SUBSTRING(${zone}, 2, 2)) AS SIGNED) * 60 + CAST(CONCAT('0', SUBSTRING(REPLACE(${zone}, ':', ''), 4, 2)) AS SIGNED)) * ` +
    `CASE WHEN LEFT(${zone}, 1) = '-' THEN -1 ELSE 1 END`;
  const n = `CAST(${s} AS DOUBLE)`;
  return (
    `CASE WHEN JSON_TYPE(${get(doc, key)}) = 'STRING' THEN CASE ` +
    (type === "date" ? `WHEN ${matches(s, ISO.date)} THEN CAST(${s} AS DATE) ` : "") +
    `WHEN ${matches(s, ISO.utc)} THEN ${asType(cast(`LEFT(${s}, CHAR_LENGTH(${s}) - 1)`))} ` +
    `WHEN ${matches(s, ISO.any)} THEN ${asType(`${local} - INTERVAL ${offsetMinutes} MINUTE`)} END ` +
    `WHEN JSON_TYPE(${get(doc, key)}) IN ${JSON_NUMBER} THEN CASE WHEN ${n} >= ${MIN_INSTANT_MS} AND ${n} < ${EPOCH_LIMIT_MS} ` +
    `THEN ${asType(`TIMESTAMP '1970-01-01 00:00:00' + INTERVAL CAST(FLOOR(${n}) AS SIGNED) * 1000 MICROSECOND`)} END END`
  );
}
