/**
 * What a SQL dialect is: a typed object of flags and hooks, each documented with the fallback the shared
 * generator (generator.ts) uses when the dialect leaves it out. A dialect file (dialects/<name>.ts) holds
 * only what differs from that generic SQL, and says why.
 *
 * Hooks receive SQL text that is already safe (quoted identifiers, literals or placeholders) and return SQL
 * text; the only user values they see arrive through `Values`, which either binds a parameter or writes the
 * dialect's own literal. Nothing here pastes unescaped text.
 */
import type { FieldType } from "../../schema/schema.js";
import type { TimeUnit } from "../../checker/typed-ast.js";
import type { Span } from "../../diagnostics.js";

/** A problem that makes an expression impossible to compile for a dialect (the message says what and why). */
export class SqlCompileError extends Error {
  /**
   * Where in the text: the innermost rule or event condition being compiled when it was thrown (set by the
   * generator), so a file of many segments can say FILE:LINE:COL; absent for a problem of no one condition
   * (an unknown dialect, a cycle of views, a bad 'now').
   */
  span?: Span;

  constructor(message: string) {
    super(message);
    this.name = "SqlCompileError";
  }
}

/** The dialect names `compileSql` accepts. */
export type DialectName = "duckdb" | "postgres" | "sqlite" | "mysql" | "bigquery" | "snowflake";

/**
 * How a timestamp column holds its instant (chosen from the column's storage type, see `TimeOps.kind`):
 * - `instant`: a zoned type that denotes an absolute instant (PostgreSQL timestamptz, DuckDB TIMESTAMPTZ,
 *   BigQuery TIMESTAMP, Snowflake TIMESTAMP_TZ/LTZ);
 * - `naive`: a zone-less type holding the UTC wall clock (DuckDB/PostgreSQL TIMESTAMP, MySQL DATETIME,
 *   BigQuery DATETIME, Snowflake TIMESTAMP_NTZ);
 * - `text`: ISO-8601 text (SQLite).
 * Every time value is written in the kind of what it is compared with, so no engine ever converts with
 * its session time zone.
 */
export type TimeKind = "instant" | "naive" | "text";

/** How a list is stored: the engine's array type, or a JSON array. */
export type ListKind = "array" | "json";

/** Each dialect's language for the SQL layout (the names sql-formatter used; the layout replaced it in issue 14). */
export type FormatterLanguage = "duckdb" | "postgresql" | "sqlite" | "mysql" | "bigquery" | "snowflake";

/**
 * How user values reach the SQL: `params` says whether they are bound; `string`/`number`/`boolean` return
 * a placeholder (and record the value) or the dialect's literal. Hooks use it for every value that came
 * from the expression (strings, numbers, instants, interval amounts, counts).
 */
export interface Values {
  readonly params: boolean;
  string(value: string): string;
  number(value: number): string;
  boolean(value: boolean): string;
}

/** The operators on lists; `x` is the list's SQL, `values` the (distinct, non-empty) SQL of the values. */
export interface ListOps {
  /** True when the list holds at least one of the values; never NULL for a non-NULL list. */
  hasAny(x: string, values: string[]): string;
  /** True when the list holds all of the values; never NULL for a non-NULL list. */
  hasAll(x: string, values: string[]): string;
  /** The list has at least one element; never NULL for a non-NULL list. */
  nonEmpty(x: string): string;
}

/** Time arithmetic and literals, per kind. */
export interface TimeOps {
  /**
   * The kind of a timestamp column stored as `storage` (the schema's override for this dialect, lower
   * case with single spaces; undefined: the documented default). Null: not a storage this dialect supports
   * (the compiler reports it with the supported list, `storageNames`).
   */
  kind(storage: string | undefined): TimeKind | null;
  /** Human-readable list of supported timestamp storage types, for the error message. */
  readonly storageNames: string;
  /** The kind JSON timestamp properties are read into (see `JsonOps`). */
  readonly jsonKind: TimeKind;
  /**
   * A timestamp column as it is compared, given its kind and storage (as for `kind`). Fallback: the column
   * itself (SQLite normalises ISO text with `strftime`, so `…:59Z` and `…:59.000Z` compare as the same
   * instant, unless the storage promises one canonical form).
   */
  column?(sql: string, kind: TimeKind, storage: string | undefined): string;
  /**
   * A DATE column brought into the kind used to compare it with an instant computed in SQL (`now`,
   * `30 days ago`, … without `--now`). Fallback: `{ sql, kind: "naive" }` (engines compare DATE with a
   * zone-less timestamp as its midnight; no session time zone involved).
   */
  dateAs?(sql: string): { sql: string; kind: TimeKind };
  /** An instant (epoch ms) as a literal or bound parameter of the kind. */
  instant(ms: number, kind: TimeKind, v: Values): string;
  /** A `YYYY-MM-DD` date as a literal or bound parameter. Fallback: `DATE '…'` / `CAST(? AS DATE)`. */
  date?(text: string, v: Values): string;
  /** The engine's current instant in the kind, truncated to milliseconds, fixed for the statement. */
  now(kind: TimeKind): string;
  /** Midnight UTC of the current date, in the kind. */
  today(kind: TimeKind): string;
  /**
   * `expr − amount unit` for an expression of the kind, with months and years as calendar arithmetic
   * clamped to the month's end, computed on the UTC calendar (for `naive`: on the wall clock it holds).
   * `amount` is SQL (a literal or placeholder of a non-negative integer).
   */
  minus(expr: string, amount: string, unit: TimeUnit, kind: TimeKind): string;
  /**
   * `expr + amount unit`, as `minus` (months clamped to the month's end): the future (`in 3 days`).
   * Absent (a dialect written before it existed): a future time read from the engine's clock is refused.
   */
  plus?(expr: string, amount: string, unit: TimeUnit, kind: TimeKind): string;
  /**
   * The engine's time zone functions, used for times read from the engine's clock in a time zone other
   * than UTC (`today`, `N days ago`, a date column against `now`). Absent: the engine has none it can be
   * trusted with (SQLite has none, MariaDB needs its zone tables loaded), and such SQL is refused with a
   * message asking for `now`, with which every time is computed here and written as a literal.
   * `zone` is the zone's name as a string literal.
   */
  zone?: ZoneOps;
}

/**
 * Conversions between instants and a zone's wall clock, which the engine must do by the rule of
 * src/checker/zone.ts: a wall-clock time skipped by a DST change is read with the offset before the
 * change, a repeated one is the later instant (PostgreSQL's and ICU's rule).
 */
export interface ZoneOps {
  /** The wall-clock time in `zone` of an instant held as `kind`, as the engine's zone-less timestamp. */
  toWall(instant: string, kind: TimeKind, zone: string): string;
  /** The instant, as `kind`, of a zone-less wall-clock timestamp in `zone`. */
  fromWall(wall: string, kind: TimeKind, zone: string): string;
  /** Midnight of a zone-less timestamp's day, as a zone-less timestamp. */
  midnight(wall: string): string;
  /** The DATE of a zone-less timestamp. */
  dateOf(wall: string): string;
  /** A DATE's midnight as a zone-less timestamp. */
  dateMidnight(date: string): string;
  /** A DATE plus `days` (±1). */
  addDays(date: string, days: number): string;
}

/**
 * Reading one property out of the events' JSON column. Each returns an expression of the property's type,
 * or NULL when the property is missing, JSON null or of another JSON type (a string where a number is
 * declared counts as empty): the empty-field rules then apply unchanged.
 * `doc` is the JSON column's SQL, `key` the property name (from the schema).
 */
export interface JsonOps {
  number(doc: string, key: string): string;
  string(doc: string, key: string): string;
  boolean(doc: string, key: string): string;
  /**
   * An instant of `TimeOps.jsonKind`: exactly the ISO-8601 strings and epoch milliseconds (floored, years
   * 1-9999) the predicate reads (json-time.ts has the patterns); NULL for anything else, never an error.
   */
  timestamp(doc: string, key: string): string;
  /** The UTC day of what `timestamp` reads, as a DATE (SQLite: `YYYY-MM-DD` text). */
  date(doc: string, key: string): string;
  /** A JSON array, as the dialect's list of kind `kind`. */
  list(doc: string, key: string): { sql: string; kind: ListKind };
  /**
   * A string property equal to one of `values` (distinct, non-empty), without reading the property into
   * SQL text first; negated: the exact complement (true when the property is missing, mistyped, or none
   * of them). Fallback: the ordinary string tests on `string(doc, key)`.
   */
  stringIn?(doc: string, key: string, values: string[], negated: boolean, v: Values): string;
}

/** A SQL dialect. Optional hooks have the documented fallback. */
export interface Dialect {
  readonly name: DialectName;
  /** Output layout: `language` tells the layout how the dialect's string literals escape (backslashes in BigQuery and Snowflake). */
  readonly formatter: { language: FormatterLanguage };
  /** Parameters: `$1`, `?`, `@p1`, `:1` … */
  readonly params: {
    /** `named`: `compileSql` returns a record `{ p1: … }` instead of an array. */
    readonly style: "positional" | "named";
    /** The placeholder of the n-th parameter (1-based). */
    placeholder(n: number): string;
    /** The engine's limit on parameters per statement. */
    readonly max: number;
    /** What the driver binds for a value. Fallback: the value itself. */
    value?(value: string | number | boolean): unknown;
  };
  /** A quoted identifier (one part). Must reject what the engine cannot quote. */
  quoteIdent(name: string): string;
  /** A string literal holding exactly `value` (every character, NUL included where the engine can hold it). */
  stringLiteral(value: string): string;
  /** A number literal that the engine reads back as exactly this double. Fallback: `numberLiteral` below. */
  numberLiteral?(value: number): string;
  /** `TRUE`/`FALSE`. Fallback: `TRUE`/`FALSE`. */
  booleanLiteral?(value: boolean): string;
  /**
   * False where text cannot hold U+0000 (PostgreSQL): a test against a value holding it matches nothing,
   * so the generator compiles it to a constant instead of sending a value the engine would reject.
   */
  readonly textHoldsNul: boolean;

  // ---- strings (exact, case- and accent-sensitive; `=` must not use a case-insensitive collation) ----
  /**
   * `x = value` (negated: `x <> value`, for a non-NULL x), exact. Values go through `v` (once per use:
   * positional placeholders cannot be reused). May be a conjunction (`a AND b`), never an OR at the top.
   * Fallback: plain `=` / `<>`.
   */
  textEquals?(x: string, value: string, negated: boolean, v: Values): string;
  /** `x IN (…)` (negated: `x NOT IN (…)`, for a non-NULL x), exact; as `textEquals`. Fallback: plain `IN` / `NOT IN`. */
  textIn?(x: string, values: string[], negated: boolean, v: Values): string;
  /** `x` is not "" (negated: is ""), for a non-NULL x. Fallback: `x <> ''` / `x = ''`. */
  textNonEmpty?(x: string, negated: boolean): string;
  /** ASCII-only lower case (A-Z → a-z, nothing else). Fallback: `TRANSLATE(x, 'A…Z', 'a…z')`. */
  asciiLower?(x: string): string;
  /**
   * Case-insensitive (ASCII folding) substring test of a non-NULL x against a non-empty, already folded
   * needle (two-valued for a non-NULL x). Fallback: `fold(x) [NOT] LIKE pattern [ESCAPE '!']` with `%`, `_`,
   * `!` escaped, where `fold` is `asciiLower`.
   */
  textMatch?(x: string, op: "contains" | "startsWith" | "endsWith", folded: string, negated: boolean, v: Values): string;

  // ---- storage-dependent types ----
  /** The list kind of a list column stored as `storage` (see `TimeOps.kind`); null: unsupported. */
  listKind(storage: string | undefined): ListKind | null;
  readonly listStorageNames: string;
  /** List operators per list kind. */
  list(kind: ListKind): ListOps;
  readonly time: TimeOps;
  readonly json: JsonOps;

  /**
   * The statements creating a view. Fallback: one `CREATE OR REPLACE VIEW name AS select`.
   */
  createView?(name: string, select: string): string[];
}

/** Shortest text that reads back as exactly `value` in SQL: integers as is, others in a form every engine parses as that double. */
export function numberLiteral(value: number): string {
  if (!Number.isFinite(value)) throw new SqlCompileError(`not a finite number: ${value}`);
  if (Object.is(value, -0)) return "0";
  // Integers beyond 2^53 printed in full would be read as exact 64-bit integers by SQLite (and compare
  // unequal to the double): write them with an exponent.
  if (Number.isInteger(value) && !Number.isSafeInteger(value)) return value.toExponential();
  return String(value);
}

/** The ASCII letters, for TRANSLATE-style folding. */
export const UPPER_ASCII = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
export const LOWER_ASCII = "abcdefghijklmnopqrstuvwxyz";

/** Normalises a storage type for lookup: lower case, single spaces, no spaces around parentheses/commas. */
export function normaliseStorage(storage: string | undefined): string | undefined {
  if (storage === undefined) return undefined;
  return storage.trim().toLowerCase().replace(/\s+/g, " ").replace(/\s*([(),])\s*/g, "$1");
}

/** ISO-8601 with milliseconds in UTC: `2024-01-01T10:00:00.000Z`. */
export function isoMs(ms: number): string {
  return new Date(ms).toISOString();
}

/** `2024-01-01 10:00:00.000` (UTC wall clock, no zone). */
export function wallClock(ms: number): string {
  return isoMs(ms).replace("T", " ").replace("Z", "");
}

/** A double-quoted identifier (SQL standard: `"` doubled). NUL cannot be quoted anywhere. */
export function ansiIdent(name: string): string {
  checkIdent(name);
  return `"${name.replace(/"/g, '""')}"`;
}

/** Rejects identifiers no engine can quote. */
export function checkIdent(name: string): void {
  if (name === "") throw new SqlCompileError("an identifier cannot be empty");
  if (name.includes("\u0000")) throw new SqlCompileError(`the name ${JSON.stringify(name)} contains U+0000, which no SQL engine can quote`);
}

/** A standard SQL string literal: `'` doubled, every other character as is (only for text without NUL). */
export function standardString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * A string literal where NUL cannot appear inside quotes (the engine's parser would stop there):
 * the text between NULs as standard literals, joined with `nul` (`chr(0)`, `char(0)`).
 */
export function concatNul(value: string, nul: string): string {
  if (!value.includes("\u0000")) return standardString(value);
  const pieces: string[] = [];
  value.split("\u0000").forEach((part, i) => {
    if (i > 0) pieces.push(nul);
    if (part !== "") pieces.push(standardString(part));
  });
  return `(${pieces.join(" || ")})`;
}

/**
 * The JSON path `$."key"` of a top-level property, for engines that read no escapes inside the quotes
 * (BigQuery: a quoted key is taken as written, so `*`, `.`, `[`, `$` and `'` are literal there). A name
 * holding `"` or `\` is refused: it cannot be written in such a path.
 */
export function jsonPath(key: string, dialect: DialectName): string {
  if (/["\\\u0000]/.test(key)) {
    throw new SqlCompileError(`the property name ${JSON.stringify(key)} cannot be written in a ${dialect} JSON path (it holds " or \\); give the property its own column in the schema`);
  }
  return `$."${key}"`;
}

/**
 * The JSON path `$."key"` with the key written as a JSON string (`"` and `\` escaped, control characters as
 * `\uXXXX`), for engines that decode escapes in quoted keys: SQLite (since 3.45) and MySQL. Everything
 * inside the quotes is literal there (`*`, `.`, `[`, `$`, `'`, any Unicode). MariaDB compares a quoted key
 * with the key as the document spells it, escapes included: JSON.stringify's spelling, which is how JSON
 * writers spell them. A name holding U+0000 is refused (no engine here reads it back).
 */
export function escapedJsonPath(key: string, dialect: DialectName): string {
  refuseNul(key, dialect);
  return `$.${JSON.stringify(key)}`;
}

/**
 * A JSON Pointer (RFC 6901) to a top-level property: `/` + the key with `~` written `~0` and `/` written
 * `~1`, for DuckDB. DuckDB reads a path starting with `/` as a pointer, whose key is literal: in a
 * `$."…"` path DuckDB takes `*` (even quoted) as a wildcard and reads escapes.
 */
export function jsonPointer(key: string, dialect: DialectName): string {
  refuseNul(key, dialect);
  return `/${key.replace(/~/g, "~0").replace(/\//g, "~1")}`;
}

function refuseNul(key: string, dialect: DialectName): void {
  if (key.includes("\u0000")) {
    throw new SqlCompileError(`the property name ${JSON.stringify(key)} holds U+0000, which a ${dialect} JSON path cannot hold; give the property its own column in the schema`);
  }
}

/** The escape character of LIKE patterns: not a backslash, whose meaning differs between engines and modes. */
export const LIKE_ESCAPE = "!";

/** ASCII-only lower case (A-Z → a-z), as the predicate folds. */
export function foldAscii(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/** The LIKE pattern for a folded needle, with `%`, `_` and the escape character escaped. */
export function likePattern(op: "contains" | "startsWith" | "endsWith", needle: string): { pattern: string; escaped: boolean } {
  // A backslash needs no escaping, but it needs the ESCAPE clause: PostgreSQL and MySQL use `\` as LIKE's
  // escape by default; with ESCAPE '!' it is an ordinary character everywhere. So is NUL, which MySQL takes
  // as the default escape when sql_mode has NO_BACKSLASH_ESCAPES.
  const escaped = /[%_!\\\u0000]/.test(needle);
  const body = needle.replace(/[%_!]/g, (c) => LIKE_ESCAPE + c);
  const pattern = op === "contains" ? `%${body}%` : op === "startsWith" ? `${body}%` : `%${body}`;
  return { pattern, escaped };
}

