/**
 * DuckDB (tested on DuckDB 1.5 via @duckdb/node-api). Physical types: BOOLEAN, DOUBLE, VARCHAR, DATE,
 * TIMESTAMP holding UTC (or TIMESTAMPTZ), VARCHAR[] lists (or JSON), JSON event properties.
 *
 * Functions used beyond the core (`AT TIME ZONE`, `timezone`, casts to TIMESTAMPTZ) come from the ICU
 * extension, which @duckdb/node-api loads by itself; they only appear for `now`-relative times and
 * TIMESTAMPTZ / JSON timestamps.
 */
import type { TimeUnit } from "../../../checker/typed-ast.js";
import { ansiIdent, concatNul, jsonPointer, LIKE_ESCAPE, likePattern, LOWER_ASCII, numberLiteral, standardString, UPPER_ASCII, wallClock, type Dialect, type TimeKind, type Values } from "../dialect.js";
import { EPOCH_LIMIT_MS, isoPatterns, MAX_INSTANT_MS, MIN_INSTANT_MS } from "../json-time.js";

const UNITS: Record<TimeUnit, string> = { minute: "MINUTE", hour: "HOUR", day: "DAY", week: "WEEK", month: "MONTH", year: "YEAR" };

function interval(amount: string, unit: TimeUnit): string {
  return /^\d+$/.test(amount) ? `INTERVAL ${amount} ${UNITS[unit]}` : `INTERVAL (CAST(${amount} AS INTEGER)) ${UNITS[unit]}`;
}

const nowNaive = "date_trunc('millisecond', current_timestamp AT TIME ZONE 'UTC')";
/** Naive UTC → TIMESTAMPTZ, and back (ICU). */
const toInstant = (naive: string) => `timezone('UTC', ${naive})`;
const toNaive = (instant: string) => `timezone('UTC', ${instant})`;

/** `expr ± amount unit`; on TIMESTAMPTZ through the UTC wall clock (interval arithmetic there follows the session zone). */
function shift(expr: string, sign: "-" | "+", amount: string, unit: TimeUnit, kind: TimeKind): string {
  return kind === "naive" ? `(${expr} ${sign} ${interval(amount, unit)})` : toInstant(`${toNaive(expr)} ${sign} ${interval(amount, unit)}`);
}

const KELVIN = "\u212A";
const DOTTED_I = "\u0130";

export const duckdb = {
  name: "duckdb",
  formatter: { language: "duckdb" },
  // DuckDB documents no limit on prepared-statement parameters.
  params: { style: "positional", placeholder: (n) => `$${n}`, max: Number.POSITIVE_INFINITY },
  quoteIdent: ansiIdent,
  // NUL cannot sit inside a literal (the parser stops at it): concatenate chr(0).
  stringLiteral: (value) => concatNul(value, "chr(0)"),
  /**
   * DuckDB reads a decimal literal as DECIMAL and converts it to DOUBLE by division, which is not
   * correctly rounded beyond 15 significant digits (0.9552099455213019 came back one ulp off): an
   * exponent makes it a DOUBLE literal, parsed exactly.
   */
  numberLiteral: (value) => {
    const text = numberLiteral(value);
    return /^-?\d+\.\d+$/.test(text) && text.replace(/^-?0*\.?0*/, "").replace(".", "").length > 15 ? `${text}e0` : text;
  },
  textHoldsNul: true,
  /**
   * lower() is Unicode-aware here (lower('É') = 'é'), and TRANSLATE, which folds only A-Z, is ~25x slower
   * than lower() on 10M rows. For an ASCII needle lower() is exact except where lower() maps a non-ASCII
   * character to an ASCII letter: checked over every code point, only U+0130 'İ' → 'i' and U+212A
   * (Kelvin sign) → 'k'. So: lower(x) LIKE p, re-checked with TRANSLATE only for values holding one of
   * those two when the needle holds an 'i' or a 'k'. Other needles use TRANSLATE.
   */
  textMatch: (x, op, folded, negated, v) => {
    const { pattern, escaped } = likePattern(op, folded);
    const escape = escaped ? ` ESCAPE '${LIKE_ESCAPE}'` : "";
    const like = (subject: string, not: boolean) => `${subject} ${not ? "NOT LIKE" : "LIKE"} ${v.string(pattern)}${escape}`;
    const translate = `TRANSLATE(${x}, '${UPPER_ASCII}', '${LOWER_ASCII}')`;
    if (!/^[\u0000-\u007f]*$/.test(folded)) return like(translate, negated);
    const lowered = `lower(${x})`;
    if (!/[ik]/.test(folded)) return like(lowered, negated);
    const special = `(contains(${x}, '${KELVIN}') OR contains(${x}, '${DOTTED_I}'))`;
    return negated
      ? `(${like(lowered, true)} OR ${special} AND ${like(translate, true)})`
      : `(${like(lowered, false)} AND (NOT ${special} OR ${like(translate, false)}))`;
  },

  listKind: (storage) => (storage === undefined || storage === "varchar[]" || storage === "text[]" || storage === "string[]" ? "array" : storage === "json" ? "json" : null),
  listStorageNames: "VARCHAR[] (default), JSON",
  list: (kind) => {
    const arr = (x: string) => (kind === "array" ? x : `CAST(${x} AS VARCHAR[])`);
    return {
      hasAny: (x, vs) => (vs.length === 1 ? `list_contains(${arr(x)}, ${vs[0]})` : `list_has_any(${arr(x)}, [${vs.join(", ")}])`),
      hasAll: (x, vs) => `list_has_all(${arr(x)}, [${vs.join(", ")}])`,
      nonEmpty: (x) => (kind === "array" ? `len(${x}) > 0` : `json_array_length(${x}) > 0`),
    };
  },

  time: {
    kind: (storage): TimeKind | null => {
      if (storage === undefined || storage === "timestamp" || storage === "datetime" || storage === "timestamp without time zone") return "naive";
      if (storage === "timestamptz" || storage === "timestamp with time zone") return "instant";
      return null;
    },
    storageNames: "TIMESTAMP (default, holding UTC), TIMESTAMPTZ",
    // TRY_CAST(… AS TIMESTAMPTZ) honours the string's offset (a TIMESTAMP cast would drop it).
    jsonKind: "instant",
    instant: (ms: number, kind: TimeKind, v: Values) =>
      kind === "naive"
        ? v.params
          ? `CAST(${v.string(wallClock(ms))} AS TIMESTAMP)`
          : `TIMESTAMP '${wallClock(ms)}'`
        : v.params
          ? `CAST(${v.string(`${wallClock(ms)}+00`)} AS TIMESTAMPTZ)`
          : `TIMESTAMPTZ '${wallClock(ms)}+00'`,
    // current_timestamp is the transaction's start: fixed for the statement.
    now: (kind: TimeKind) => (kind === "naive" ? nowNaive : "date_trunc('millisecond', current_timestamp)"),
    today: (kind: TimeKind) => (kind === "naive" ? `date_trunc('day', ${nowNaive})` : toInstant(`date_trunc('day', ${nowNaive})`)),
    // Interval arithmetic on TIMESTAMP clamps month ends (2024-03-31 − 1 month = 2024-02-29); on TIMESTAMPTZ
    // it would follow the session time zone, so instants go through the UTC wall clock.
    minus: (expr: string, amount: string, unit: TimeUnit, kind: TimeKind) => shift(expr, "-", amount, unit, kind),
    plus: (expr: string, amount: string, unit: TimeUnit, kind: TimeKind) => shift(expr, "+", amount, unit, kind),
    /**
     * ICU's zone functions: timezone(zone, TIMESTAMPTZ) is the wall clock there (a TIMESTAMP),
     * timezone(zone, TIMESTAMP) reads a wall clock there, a skipped time with the offset before the change
     * and a repeated one as the later instant (checked, test/sql/time-zones.test.ts).
     */
    zone: {
      toWall: (instant, kind, zone) => `timezone(${zone}, ${kind === "naive" ? toInstant(instant) : instant})`,
      fromWall: (wall, kind, zone) => (kind === "naive" ? toNaive(`timezone(${zone}, ${wall})`) : `timezone(${zone}, ${wall})`),
      midnight: (wall) => `date_trunc('day', ${wall})`,
      dateOf: (wall) => `CAST(${wall} AS DATE)`,
      dateMidnight: (date) => `CAST(${date} AS TIMESTAMP)`,
      addDays: (date, days) => `(${date} ${days < 0 ? "-" : "+"} ${Math.abs(days)})`,
    },
  },

  json: {
    /**
     * The value's JSON text cast to DOUBLE: a JSON number's text is a number, a string's text has quotes
     * (`"12"` does not cast), true/false/null/arrays do not cast either. One parse of the document, where
     * a json_type() check would parse it twice (1.6x slower on 20M events); a JSON→DOUBLE cast would
     * accept the string "12".
     */
    number: (doc, key) => `TRY_CAST(CAST(json_extract(${doc}, ${path(key)}) AS VARCHAR) AS DOUBLE)`,
    string: (doc, key) => `CASE WHEN json_type(${doc}, ${path(key)}) = 'VARCHAR' THEN json_extract_string(${doc}, ${path(key)}) END`,
    boolean: (doc, key) => `CASE WHEN json_type(${doc}, ${path(key)}) = 'BOOLEAN' THEN CAST(json_extract(${doc}, ${path(key)}) AS BOOLEAN) END`,
    timestamp: (doc, key) => jsonTime(doc, key, "timestamp"),
    date: (doc, key) => jsonTime(doc, key, "date"),
    list: (doc, key) => ({
      sql: `CASE WHEN json_type(${doc}, ${path(key)}) = 'ARRAY' THEN CAST(json_extract(${doc}, ${path(key)}) AS VARCHAR[]) END`,
      kind: "array",
    }),
    /**
     * Compares the value's JSON text with each value's JSON text: one parse of the document, and only a
     * JSON string can equal `"…"`. json_extract writes a string as JSON.stringify does, except for upper-
     * case hex in \u escapes of control characters (checked in test/sql/engines.test.ts).
     */
    stringIn: (doc, key, values, negated, v) => {
      const frag = `json_extract(${doc}, ${path(key)})`;
      const texts = values.map((s) => v.string(duckJsonText(s)));
      if (!negated) return texts.length === 1 ? `${frag} = ${texts[0]}` : `${frag} IN (${texts.join(", ")})`;
      // Missing (NULL) is in the complement too; COALESCE keeps it to one parse.
      return `COALESCE(${frag} ${texts.length === 1 ? `<> ${texts[0]}` : `NOT IN (${texts.join(", ")})`}, TRUE)`;
    },
  },
} satisfies Dialect;

/** A string as DuckDB's json_extract writes it (JSON.stringify with upper-case hex in \u escapes). */
export function duckJsonText(s: string): string {
  // Escape sequences are consumed pairwise, so `\\u…` (an escaped backslash, then text) is left alone.
  return JSON.stringify(s).replace(/\\(u[0-9a-f]{4}|.)/g, (m: string, e: string) => (e.length === 5 ? `\\${e.toUpperCase().replace("U", "u")}` : m));
}

/** A property's path: a JSON Pointer, whose key DuckDB reads literally (see `jsonPointer`). */
function path(key: string): string {
  return standardString(jsonPointer(key, "duckdb"));
}

/**
 * `body` with `name` bound to the value of `value`, which is evaluated once: DuckDB evaluates a repeated
 * subexpression every time it appears (each json_extract parses the document again), and a lambda over a
 * one-element list is the one way to name a value inside an expression (~10 ns a row).
 */
function bind(value: string, name: string, body: string): string {
  return `list_transform([${value}], lambda ${name}: ${body})[1]`;
}

const ISO = isoPatterns("shape");
const regex = (pattern: string) => `'${pattern}'`;
const LOW = `TIMESTAMPTZ '${wallClock(MIN_INSTANT_MS)}+00'`;
const HIGH = `TIMESTAMPTZ '${wallClock(MAX_INSTANT_MS)}+00'`;

/**
 * A JSON timestamp property as a TIMESTAMPTZ, or a date property as a DATE (the UTC day of the same
 * instant): see json-time.ts for what counts. A `…Z` string (the common case) is checked with one regular
 * expression and cast (TRY_CAST refuses days that do not exist); other ISO forms are normalised for the
 * cast (`z` → `Z`, `:00` seconds added, no zone → `Z`) and range-checked (an offset can move 0001-01-01
 * or 9999-12-31 out of years 1-9999). Only a value that is none of these is read as epoch milliseconds,
 * from its JSON text: a string's text has quotes and does not cast to DOUBLE. The common case parses the
 * document twice, like the json_type() check it replaces (binding the string with a lambda was slower).
 */
function jsonTime(doc: string, key: string, type: "timestamp" | "date"): string {
  const s = `json_extract_string(${doc}, ${path(key)})`;
  const asType = (instant: string) => (type === "date" ? `CAST(${toNaive(instant)} AS DATE)` : instant);
  const upper = "upper(x)";
  const withSeconds = `CASE WHEN substr(x, 17, 1) = ':' THEN ${upper} ELSE substr(${upper}, 1, 16) || ':00' || substr(${upper}, 17) END`;
  const general = bind(
    s,
    "x",
    `CASE WHEN length(x) = 10 THEN TRY_CAST(x || 'T00:00:00Z' AS TIMESTAMPTZ) ` +
      `ELSE TRY_CAST(${withSeconds} || CASE WHEN regexp_matches(x, 'T[^Zz+-]*$') THEN 'Z' ELSE '' END AS TIMESTAMPTZ) END`,
  );
  const epoch = bind(
    `TRY_CAST(CAST(json_extract(${doc}, ${path(key)}) AS VARCHAR) AS DOUBLE)`,
    "n",
    `CASE WHEN n >= ${MIN_INSTANT_MS} AND n < ${EPOCH_LIMIT_MS} THEN ` +
      (type === "date" ? `CAST(epoch_ms(CAST(floor(n) AS BIGINT)) AS DATE)` : toInstant(`epoch_ms(CAST(floor(n) AS BIGINT))`)) +
      ` END`,
  );
  return (
    `CASE ` +
    (type === "date" ? `WHEN regexp_full_match(${s}, ${regex(ISO.date)}) THEN TRY_CAST(${s} AS DATE) ` : "") +
    `WHEN regexp_full_match(${s}, ${regex(ISO.utc)}) THEN ${asType(`TRY_CAST(${s} AS TIMESTAMPTZ)`)} ` +
    `WHEN regexp_full_match(${s}, ${regex(ISO.any)}) THEN ${asType(bind(general, "t", `CASE WHEN t BETWEEN ${LOW} AND ${HIGH} THEN t END`))} ` +
    `ELSE ${epoch} END`
  );
}
