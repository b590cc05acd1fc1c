/**
 * BigQuery (GoogleSQL). Not executed here: golden files, and every statement parses with node-sql-parser.
 * Physical types: BOOL, FLOAT64, STRING, DATE, TIMESTAMP (or DATETIME holding UTC), ARRAY<STRING> lists
 * (BigQuery stores a NULL array as []), JSON event properties.
 */
import type { TimeUnit } from "../../../checker/typed-ast.js";
import { checkIdent, jsonPath, SqlCompileError, wallClock, type Dialect, type TimeKind, type Values } from "../dialect.js";
import { isoPatterns } from "../json-time.js";

/** `'…'` with backslash escapes: BigQuery reads `\` as an escape and refuses raw newlines in quotes. */
function stringLiteral(value: string): string {
  let out = "'";
  for (const ch of value) {
    const c = ch.codePointAt(0)!;
    if (ch === "\\") out += "\\\\";
    else if (ch === "'") out += "\\'";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return `${out}'`;
}

const UNITS: Record<TimeUnit, string> = { minute: "MINUTE", hour: "HOUR", day: "DAY", week: "WEEK", month: "MONTH", year: "YEAR" };

/** An INTERVAL amount: a literal as is, a parameter cast to INT64 (clients may bind JS numbers as FLOAT64). */
const amountOf = (amount: string) => (/^\d+$/.test(amount) ? amount : `CAST(${amount} AS INT64)`);

/**
 * `expr ± amount unit`. TIMESTAMP_SUB/_ADD have no MONTH/YEAR (or WEEK): those go through DATETIME_SUB/_ADD
 * on the UTC wall clock, which clamps month ends.
 */
function shift(expr: string, op: "SUB" | "ADD", amount: string, unit: TimeUnit, kind: TimeKind): string {
  const n = amountOf(amount);
  if (kind === "naive") return `DATETIME_${op}(${expr}, INTERVAL ${n} ${UNITS[unit]})`;
  if (unit === "minute" || unit === "hour" || unit === "day") return `TIMESTAMP_${op}(${expr}, INTERVAL ${n} ${UNITS[unit]})`;
  return `TIMESTAMP(DATETIME_${op}(DATETIME(${expr}), INTERVAL ${n} ${UNITS[unit]}))`;
}

export const bigquery = {
  name: "bigquery",
  formatter: { language: "bigquery" },
  // BigQuery documents at most 10,000 query parameters.
  params: { style: "named", placeholder: (n) => `@p${n}`, max: 10_000 },
  quoteIdent: (name) => {
    checkIdent(name);
    if (/[`\\\n\r]/.test(name)) throw new SqlCompileError(`the name ${JSON.stringify(name)} cannot be quoted for BigQuery (it holds a backtick, backslash or line break)`);
    return `\`${name}\``;
  },
  stringLiteral,
  textHoldsNul: true,
  // No ESCAPE clause for LIKE in BigQuery: STRPOS / STARTS_WITH / ENDS_WITH need no pattern escaping at all.
  textMatch: (x, op, folded, negated, v) => {
    const fx = `TRANSLATE(${x}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')`;
    const needle = v.string(folded);
    const test = op === "contains" ? `STRPOS(${fx}, ${needle}) > 0` : op === "startsWith" ? `STARTS_WITH(${fx}, ${needle})` : `ENDS_WITH(${fx}, ${needle})`;
    return negated ? (op === "contains" ? `STRPOS(${fx}, ${needle}) = 0` : `NOT ${test}`) : test;
  },

  listKind: (storage) => (storage === undefined || storage === "array<string>" ? "array" : storage === "json" ? "json" : null),
  listStorageNames: "ARRAY<STRING> (default), JSON",
  list: (kind) => {
    const arr = (x: string) => (kind === "array" ? x : `JSON_VALUE_ARRAY(${x})`);
    return {
      hasAny: (x, vs) => (vs.length === 1 ? `${vs[0]} IN UNNEST(${arr(x)})` : `EXISTS (SELECT 1 FROM UNNEST(${arr(x)}) AS t WHERE t IN (${vs.join(", ")}))`),
      hasAll: (x, vs) => `(SELECT COUNT(DISTINCT t) FROM UNNEST(${arr(x)}) AS t WHERE t IN (${vs.join(", ")})) = ${vs.length}`,
      nonEmpty: (x) => `ARRAY_LENGTH(${arr(x)}) > 0`,
    };
  },

  time: {
    kind: (storage): TimeKind | null => (storage === undefined || storage === "timestamp" ? "instant" : storage === "datetime" ? "naive" : null),
    storageNames: "TIMESTAMP (default), DATETIME (holding UTC)",
    jsonKind: "instant",
    // DATE against DATETIME needs an explicit conversion.
    dateAs: (sql) => ({ sql: `DATETIME(${sql})`, kind: "naive" }),
    instant: (ms: number, kind: TimeKind, v: Values) =>
      kind === "naive"
        ? v.params
          ? `CAST(${v.string(wallClock(ms))} AS DATETIME)`
          : `DATETIME '${wallClock(ms)}'`
        : v.params
          ? `CAST(${v.string(`${wallClock(ms)}+00`)} AS TIMESTAMP)`
          : `TIMESTAMP '${wallClock(ms)}+00'`,
    date: (text: string, v: Values) => (v.params ? `CAST(${v.string(text)} AS DATE)` : `DATE '${text}'`),
    // CURRENT_TIMESTAMP() is the same for every use in a query.
    now: (kind: TimeKind) =>
      kind === "naive" ? "DATETIME_TRUNC(CURRENT_DATETIME('UTC'), MILLISECOND)" : "TIMESTAMP_TRUNC(CURRENT_TIMESTAMP(), MILLISECOND)",
    today: (kind: TimeKind) => (kind === "naive" ? "DATETIME(CURRENT_DATE('UTC'))" : "TIMESTAMP(CURRENT_DATE('UTC'))"),
    // TIMESTAMP_SUB has no MONTH/YEAR (or WEEK): those go through DATETIME_SUB on the UTC wall clock, which
    // clamps month ends.
    minus: (expr: string, amount: string, unit: TimeUnit, kind: TimeKind) => shift(expr, "SUB", amount, unit, kind),
    plus: (expr: string, amount: string, unit: TimeUnit, kind: TimeKind) => shift(expr, "ADD", amount, unit, kind),
    /**
     * DATETIME(timestamp, zone) is the wall clock there, TIMESTAMP(datetime, zone) reads one (DATETIME and
     * TIMESTAMP without a zone are UTC). Not executed here: BigQuery's choice for a wall-clock time a DST
     * change skips or repeats is not checked against src/checker/zone.ts (with `now` none is asked of it).
     */
    zone: {
      toWall: (instant, kind, zone) => (kind === "naive" ? `DATETIME(TIMESTAMP(${instant}), ${zone})` : `DATETIME(${instant}, ${zone})`),
      fromWall: (wall, kind, zone) => (kind === "naive" ? `DATETIME(TIMESTAMP(${wall}, ${zone}))` : `TIMESTAMP(${wall}, ${zone})`),
      midnight: (wall) => `DATETIME_TRUNC(${wall}, DAY)`,
      dateOf: (wall) => `DATE(${wall})`,
      dateMidnight: (date) => `DATETIME(${date})`,
      addDays: (date, days) => `DATE_ADD(${date}, INTERVAL ${days} DAY)`,
    },
  },

  json: {
    number: (doc, key) => `CASE WHEN JSON_TYPE(${get(doc, key)}) = 'number' THEN SAFE_CAST(JSON_VALUE(${get(doc, key)}) AS FLOAT64) END`,
    string: (doc, key) => `CASE WHEN JSON_TYPE(${get(doc, key)}) = 'string' THEN JSON_VALUE(${get(doc, key)}) END`,
    boolean: (doc, key) => `CASE WHEN JSON_TYPE(${get(doc, key)}) = 'boolean' THEN JSON_VALUE(${get(doc, key)}) = 'true' END`,
    timestamp: (doc, key) => jsonTime(doc, key, "timestamp"),
    date: (doc, key) => jsonTime(doc, key, "date"),
    list: (doc, key) => ({ sql: `CASE WHEN JSON_TYPE(${get(doc, key)}) = 'array' THEN JSON_VALUE_ARRAY(${get(doc, key)}) END`, kind: "array" }),
  },
} satisfies Dialect;

function get(doc: string, key: string): string {
  return `JSON_QUERY(${doc}, ${stringLiteral(jsonPath(key, "bigquery"))})`;
}

const ISO = isoPatterns("shape");
const matches = (s: string, pattern: string) => `REGEXP_CONTAINS(${s}, ${stringLiteral(`^(${pattern})$`)})`;

/**
 * A JSON timestamp property as a TIMESTAMP, or a date property as its DATE at UTC (see json-time.ts for
 * what counts; not executed here). SAFE_CAST reads more than ISO-8601 (a space for the T, zone names), so a
 * string is cast only after it matched the pattern; SAFE_CAST then refuses days that do not exist and
 * instants outside years 1-9999 (BigQuery's TIMESTAMP range). A `…Z` string is cast as it is; other forms
 * are read as a DATETIME (seconds added) at UTC minus the offset, done here (BigQuery reads only some
 * offset forms). Numbers: floored, and SAFE.TIMESTAMP_MILLIS is NULL outside the range instead of failing.
 */
function jsonTime(doc: string, key: string, type: "timestamp" | "date"): string {
  const j = get(doc, key);
  const s = `JSON_VALUE(${j})`;
  const asType = (instant: string) => (type === "date" ? `DATE(${instant})` : instant);
  const local =
    `IF(LENGTH(${s}) = 10, CONCAT(${s}, 'T00:00:00'), ` +
    `CONCAT(SUBSTR(${s}, 1, 16), IF(SUBSTR(${s}, 17, 1) = ':', REGEXP_EXTRACT(SUBSTR(${s}, 17), '^[0-9:.]*'), ':00')))`;
  // The offset follows the seconds (position 17 on): ±hh, ±hhmm or ±hh:mm; NULL for Z, z or no zone.
  const zone = `REGEXP_EXTRACT(SUBSTR(${s}, 17), '[+-][0-9:]+$')`;
  const offsetMinutes =
    `(CAST(SUBSTR(${zone}, 2, 2) AS INT64) * 60 + IFNULL(SAFE_CAST(NULLIF(SUBSTR(REPLACE(${zone}, ':', ''), 4, 2), '') AS INT64), 0)) * ` +
    `IF(STARTS_WITH(${zone}, '-'), -1, 1)`;
  const general = `SAFE.TIMESTAMP_SUB(TIMESTAMP(SAFE_CAST(${local} AS DATETIME)), INTERVAL IFNULL(${offsetMinutes}, 0) MINUTE)`;
  return (
    `CASE WHEN JSON_TYPE(${j}) = 'string' THEN CASE ` +
    (type === "date" ? `WHEN ${matches(s, ISO.date)} THEN SAFE_CAST(${s} AS DATE) ` : "") +
    `WHEN ${matches(s, ISO.utc)} THEN ${asType(`SAFE_CAST(${s} AS TIMESTAMP)`)} ` +
    `WHEN ${matches(s, ISO.any)} THEN ${asType(general)} END ` +
    `WHEN JSON_TYPE(${j}) = 'number' THEN ${asType(`SAFE.TIMESTAMP_MILLIS(SAFE_CAST(FLOOR(SAFE_CAST(${s} AS FLOAT64)) AS INT64))`)} END`
  );
}
