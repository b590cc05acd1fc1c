/**
 * SQLite (tested on 3.53 via better-sqlite3). Physical types: booleans as INTEGER 0/1, REAL numbers, TEXT,
 * dates as 'YYYY-MM-DD' TEXT, timestamps as ISO-8601 TEXT in UTC (`…Z`, with or without milliseconds),
 * lists and event properties as JSON TEXT. SQLite has no session time zone: its date functions are UTC.
 */
import type { TimeUnit } from "../../../checker/typed-ast.js";
import { ansiIdent, concatNul, escapedJsonPath, isoMs, standardString, type Dialect, type TimeKind, type Values } from "../dialect.js";
import { EPOCH_LIMIT_MS, MIN_INSTANT_MS } from "../json-time.js";

/** The canonical text of an instant: what `toISOString` writes, so text order is time order. */
const ISO = "'%Y-%m-%dT%H:%M:%fZ'";

/**
 * The storage of a timestamp column whose every value is NULL or exactly `YYYY-MM-DDTHH:MM:SS.sssZ` (what
 * JavaScript's `toISOString` writes for years 1-9999), so text order is time order without normalising.
 */
export const CANONICAL_TEXT = "canonical text";

/** Current instant as canonical text. A scalar subquery is evaluated once per statement, so `now` is fixed. */
const NOW = `(SELECT strftime(${ISO}, 'now'))`;

const MODIFIER_UNITS: Record<"minute" | "hour" | "day", string> = { minute: "minutes", hour: "hours", day: "days" };

/** A date-function modifier `-N units` (or `+N units`): a literal, or built around a placeholder. */
function modifier(amount: string, unit: "minute" | "hour" | "day", times = 1, sign: "-" | "+" = "-"): string {
  if (/^\d+$/.test(amount)) return `'${sign}${Number(amount) * times} ${MODIFIER_UNITS[unit]}'`;
  return `'${sign}' || (${amount}${times === 1 ? "" : ` * ${times}`}) || ' ${MODIFIER_UNITS[unit]}'`;
}

/**
 * `t − n months` (or `t + n months`), clamped to the month's end. SQLite's own '-1 month' modifier
 * normalises instead of clamping (2024-03-31 − 1 month gives 2024-03-02), so: the first of the target
 * month, its last day, and the smaller of that and t's day of month, plus t's time of day.
 */
function minusMonths(t: string, months: string, sign: "-" | "+" = "-"): string {
  const back = /^\d+$/.test(months) ? `'${sign}${months} months'` : `'${sign}' || (${months}) || ' months'`;
  const first = `date(${t}, 'start of month', ${back})`;
  const lastDay = `CAST(strftime('%d', ${first}, '+1 month', '-1 day') AS INTEGER)`;
  const day = `min(CAST(strftime('%d', ${t}) AS INTEGER), ${lastDay})`;
  return `(strftime('%Y-%m-%d', ${first}, '+' || (${day} - 1) || ' days') || strftime('T%H:%M:%fZ', ${t}))`;
}

/** `expr ± amount unit` on canonical ISO text. */
function shift(expr: string, sign: "-" | "+", amount: string, unit: TimeUnit): string {
  switch (unit) {
    case "minute":
    case "hour":
    case "day":
      return `strftime(${ISO}, ${expr}, ${modifier(amount, unit, 1, sign)})`;
    case "week":
      return `strftime(${ISO}, ${expr}, ${modifier(amount, "day", 7, sign)})`;
    case "month":
      return minusMonths(expr, amount, sign);
    case "year":
      return minusMonths(expr, /^\d+$/.test(amount) ? String(Number(amount) * 12) : `${amount} * 12`, sign);
  }
}

const JSON_NUMBER = "('integer', 'real')";

export const sqlite = {
  name: "sqlite",
  formatter: { language: "sqlite" },
  // SQLITE_MAX_VARIABLE_NUMBER defaults to 32766 since SQLite 3.32.
  params: {
    style: "positional",
    placeholder: () => "?",
    max: 32_766,
    // SQLite has no boolean type (TRUE is 1), and drivers such as better-sqlite3 refuse to bind JS booleans.
    value: (v) => (typeof v === "boolean" ? (v ? 1 : 0) : v),
  },
  quoteIdent: ansiIdent,
  // SQLite's tokenizer ends the statement at NUL: concatenate char(0).
  stringLiteral: (value) => concatNul(value, "char(0)"),
  textHoldsNul: true,
  // lower() folds only ASCII unless the ICU extension is loaded.
  asciiLower: (x) => `lower(${x})`,
  /**
   * LIKE (and GLOB, length) stop at the first NUL in a text value, while lower(), instr() and BLOB
   * comparisons see all of it: contains is instr(), starts/ends with compare the leading/trailing bytes.
   */
  textMatch: (x, op, folded, negated, v) => {
    const lowered = `lower(${x})`;
    if (op === "contains") return `instr(${lowered}, ${v.string(folded)}) ${negated ? "=" : ">"} 0`;
    const bytes = `CAST(${lowered} AS BLOB)`;
    const n = `length(CAST(${v.string(folded)} AS BLOB))`;
    const part = op === "startsWith" ? `substr(${bytes}, 1, ${n})` : `substr(${bytes}, -${n})`;
    // substr() of a zero-length BLOB is NULL, not X'': the complement uses the NULL-safe IS NOT.
    return `${part} ${negated ? "IS NOT" : "="} CAST(${v.string(folded)} AS BLOB)`;
  },

  listKind: (storage) => (storage === undefined || storage === "text" || storage === "json" ? "json" : null),
  listStorageNames: "TEXT holding a JSON array (default)",
  list: () => ({
    // Only string elements count (a number 1 is not the tag "1"); json_each of NULL yields no rows.
    hasAny: (x, vs) => `EXISTS (SELECT 1 FROM json_each(${x}) AS j WHERE j.type = 'text' AND j.value IN (${vs.join(", ")}))`,
    hasAll: (x, vs) => `(SELECT COUNT(DISTINCT j.value) FROM json_each(${x}) AS j WHERE j.type = 'text' AND j.value IN (${vs.join(", ")})) = ${vs.length}`,
    nonEmpty: (x) => `json_array_length(${x}) > 0`,
  }),

  time: {
    kind: (storage): TimeKind | null =>
      storage === undefined || storage === CANONICAL_TEXT || ["text", "datetime", "timestamp", "varchar"].includes(storage) ? "text" : null,
    storageNames: `TEXT (default, ISO-8601 UTC), "${CANONICAL_TEXT}" (always toISOString's form)`,
    jsonKind: "text",
    // Text compares as time only in one format: `…:59Z` sorts after `…:59.500Z`. Normalise to the
    // toISOString form (an index on this expression makes the comparison indexable), unless the storage
    // promises that form already: then the column is compared as stored and a plain index serves.
    column: (sql, _kind, storage) => (storage === CANONICAL_TEXT ? sql : `strftime(${ISO}, ${sql})`),
    dateAs: (sql) => ({ sql: `(${sql} || 'T00:00:00.000Z')`, kind: "text" }),
    instant: (ms: number, _kind: TimeKind, v: Values) => (v.params ? v.string(isoMs(ms)) : standardString(isoMs(ms))),
    date: (text: string, v: Values) => (v.params ? v.string(text) : standardString(text)),
    now: () => NOW,
    today: () => `(SELECT strftime('%Y-%m-%dT00:00:00.000Z', 'now'))`,
    minus: (expr: string, amount: string, unit: TimeUnit) => shift(expr, "-", amount, unit),
    plus: (expr: string, amount: string, unit: TimeUnit) => shift(expr, "+", amount, unit),
    // No `zone`: SQLite's date functions know UTC and the machine's local time only ('localtime').
  },

  json: {
    number: (doc, key) => `CASE WHEN json_type(${doc}, ${path(key)}) IN ${JSON_NUMBER} THEN json_extract(${doc}, ${path(key)}) END`,
    string: (doc, key) => `CASE WHEN json_type(${doc}, ${path(key)}) = 'text' THEN json_extract(${doc}, ${path(key)}) END`,
    // json_extract gives 1/0 for true/false.
    boolean: (doc, key) => `CASE WHEN json_type(${doc}, ${path(key)}) IN ('true', 'false') THEN json_extract(${doc}, ${path(key)}) END`,
    timestamp: (doc, key) => jsonTime(doc, key, "timestamp"),
    date: (doc, key) => jsonTime(doc, key, "date"),
    list: (doc, key) => ({ sql: `CASE WHEN json_type(${doc}, ${path(key)}) = 'array' THEN json_extract(${doc}, ${path(key)}) END`, kind: "json" }),
  },

  // No CREATE OR REPLACE VIEW in SQLite.
  createView: (name, select) => [`DROP VIEW IF EXISTS ${name}`, `CREATE VIEW ${name} AS ${select}`],
} satisfies Dialect;

/** A property's path, its key as a JSON string (see `escapedJsonPath`). */
function path(key: string): string {
  return standardString(escapedJsonPath(key, "sqlite"));
}

/**
 * A JSON timestamp property as canonical ISO text (`…T10:00:00.000Z`), or a date property as the
 * `YYYY-MM-DD` of that instant (see json-time.ts for what counts). SQLite's date functions read far more
 * than ISO-8601 (Julian day numbers, `now`, a space for the T, 24:00) and roll impossible days over
 * (2023-02-29 → 03-01), and SQLite has no regular expressions, so:
 * - type and value are read once, in a scalar subquery;
 * - a `…Z` string (the common case) counts when strftime() gives it back unchanged (with `.000` added to
 *   a string without milliseconds), which holds exactly for real days and times; hour 24 and year 0000,
 *   which strftime keeps, are refused first;
 * - other ISO forms are taken apart (the seconds, the zone: what ltrim() of the digits, `:` and `.`
 *   leaves), each part checked with GLOB, the day with date(); the offset is applied here (SQLite reads
 *   only ±hh:mm up to 14 hours), and a result before year 1 is dropped (after 9999 strftime gives NULL);
 * - numbers are range-checked, floored (CAST truncates toward zero) and read as Unix seconds, which
 *   strftime rounds to the millisecond, exact for whole milliseconds.
 */
function jsonTime(doc: string, key: string, type: "timestamp" | "date"): string {
  const v = "jt.v";
  const asType = (iso: string) => (type === "date" ? `substr(${iso}, 1, 10)` : iso);
  const day = `substr(${v}, 1, 10)`;
  const isText = `jt.t = 'text'`;
  const utc =
    `${isText} AND ${v} >= '0001' AND substr(${v}, 12, 2) < '24' AND strftime(${ISO}, ${v}) IN (${v}, replace(${v}, 'Z', '.000Z'))`;
  const utcValue = `CASE WHEN length(${v}) = 24 THEN ${v} ELSE substr(${v}, 1, 19) || '.000Z' END`;
  // After `YYYY-MM-DDThh:mm` (16 characters): the seconds part, then the zone.
  const zone = `ltrim(substr(${v}, 17), '0123456789:.')`;
  const seconds = `substr(${v}, 17, length(${v}) - 16 - length(${zone}))`;
  const anyOf = (x: string, patterns: string[]) => `(${patterns.map((p) => `${x} GLOB '${p}'`).join(" OR ")})`;
  const secondsOk = `(${seconds} = '' OR ${anyOf(seconds, [":[0-5][0-9]", ":[0-5][0-9].[0-9]", ":[0-5][0-9].[0-9][0-9]", ":[0-5][0-9].[0-9][0-9][0-9]"])})`;
  const zoneOk =
    `(${zone} IN ('', 'Z', 'z') OR ${anyOf(zone, ["[+-][01][0-9]", "[+-][01][0-9][0-5][0-9]", "[+-][01][0-9]:[0-5][0-9]"])} AND substr(${zone}, 2, 2) <= '18')`;
  const general =
    `${isText} AND ${v} >= '0001' AND date(${day}) = ${day} AND (length(${v}) = 10 OR ` +
    `substr(${v}, 11, 6) GLOB 'T[0-2][0-9]:[0-5][0-9]' AND substr(${v}, 12, 2) < '24' AND ${secondsOk} AND ${zoneOk})`;
  const offsetMinutes =
    `(CAST(substr(${zone}, 2, 2) AS INTEGER) * 60 + CAST('0' || substr(replace(${zone}, ':', ''), 4, 2) AS INTEGER)) * ` +
    `CASE WHEN substr(${zone}, 1, 1) = '-' THEN -1 ELSE 1 END`;
  const local = `substr(${v}, 1, 16) || CASE WHEN ${seconds} = '' THEN ':00' ELSE ${seconds} END`;
  // nullif(max(x, '0001'), '0001'): x when it is at least year 1 (a full timestamp never equals '0001'), else NULL.
  const generalValue =
    `CASE WHEN length(${v}) = 10 THEN ${v} || 'T00:00:00.000Z' ` +
    `ELSE nullif(max(strftime(${ISO}, ${local}, (-(${offsetMinutes})) || ' minutes'), '0001'), '0001') END`;
  const ms = `(CAST(${v} AS INTEGER) - (${v} < CAST(${v} AS INTEGER)))`;
  const epoch = `jt.t IN ${JSON_NUMBER} AND ${v} >= ${MIN_INSTANT_MS} AND ${v} < ${EPOCH_LIMIT_MS}`;
  const epochValue = `strftime(${ISO}, ${ms} / 1000.0, 'unixepoch')`;
  return (
    `(SELECT CASE ` +
    (type === "date" ? `WHEN ${isText} AND length(${v}) = 10 AND ${v} >= '0001' AND date(${v}) = ${v} THEN ${v} ` : "") +
    `WHEN ${utc} THEN ${asType(utcValue)} ` +
    `WHEN ${general} THEN ${asType(generalValue)} ` +
    `WHEN ${epoch} THEN ${asType(epochValue)} END ` +
    `FROM (SELECT json_type(${doc}, ${path(key)}) AS t, json_extract(${doc}, ${path(key)}) AS v) AS jt)`
  );
}
