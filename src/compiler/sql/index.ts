/**
 * `compileSql(query, { dialect, form, params, now })`: a checked condition → SQL for a warehouse dialect;
 * `compileViews(segments, { dialect })`: named segments → CREATE VIEW statements in dependency order.
 *
 * generator.ts writes the SQL once for every dialect; dialects/<name>.ts hold what differs. The output is
 * laid out over lines by layout.ts, in one linear pass (docs/sql.md has the dialect table, physical types
 * and semantics notes).
 */
import { formatInstant, parseDate, parseTimestamp } from "../../checker/time.js";
import { dayStart, fromWallClock, TimeZoneError, UTC, zoneOf, type TimeZone } from "../../checker/zone.js";
import type { TypedQuery, TypedSegment } from "../../checker/typed-ast.js";
import { SqlCompileError, type Dialect, type DialectName } from "./dialect.js";
import { bigquery } from "./dialects/bigquery.js";
import { duckdb } from "./dialects/duckdb.js";
import { mysql } from "./dialects/mysql.js";
import { postgres } from "./dialects/postgres.js";
import { snowflake } from "./dialects/snowflake.js";
import { sqlite } from "./dialects/sqlite.js";
import { SqlGenerator } from "./generator.js";
import { MAX_INSTANT_MS, MIN_INSTANT_MS } from "./json-time.js";
import { layoutSql } from "./layout.js";

export { SqlCompileError, type Dialect, type DialectName };

/** The dialects, by name. */
export const DIALECTS: Record<DialectName, Dialect> = { duckdb, postgres, sqlite, mysql, bigquery, snowflake };

/** The dialect names, in documentation order. */
export const DIALECT_NAMES = Object.keys(DIALECTS) as DialectName[];

/** What `compileSql` produces. */
export type SqlForm = "where" | "select" | "count";

/** Options of `compileSql`. */
export interface CompileSqlOptions {
  /** A dialect name, or a `Dialect` object of your own (see dialect.ts). */
  dialect: DialectName | Dialect;
  /** `where`: the condition alone; `select` (default): `SELECT <key> FROM <table> WHERE …`; `count`: `SELECT COUNT(*) …`. */
  form?: SqlForm;
  /** Bind every value from the expression as a parameter (default false: escaped literals). */
  params?: boolean;
  /**
   * Resolve `now`, `today` and `N units ago` against this instant (a Date, ISO-8601 text or epoch ms) and
   * write it into the SQL. Without it the SQL reads the engine's clock, fixed for the statement. Text
   * without a UTC offset is wall-clock time in the time zone.
   */
  now?: Date | string | number;
  /**
   * The IANA time zone (`Europe/Berlin`) where `today`, dates, timestamps written without an offset and
   * calendar units (days and longer) are counted. Default: the schema's `timeZone`, else UTC. With `now`
   * every time is computed at compile time (any dialect); without it the engine converts with its own zone
   * functions (DuckDB, PostgreSQL, BigQuery, Snowflake), and SQLite and MySQL refuse a time that needs them.
   */
  timeZone?: string;
  /**
   * The name the contacts table has in the query around a `where` condition (its alias), used by event
   * conditions and segment views to refer to the outer row. Default: the table's name (last part). With
   * `select`/`count` it becomes the table's alias.
   */
  tableAlias?: string;
  /**
   * Lay the SQL out over lines (default true; layout.ts); false gives one line. A statement longer than
   * `PRETTY_MAX_CHARS` stays on one line, with a `note`. (sql-formatter did this until issue 14, at ~3 µs
   * of CPU a character; to get its style, pass `pretty: false` and format the text with it.)
   */
  pretty?: boolean;
  /**
   * Where `in segment "X"` reads X's members: for a segment name, the SQL of a relation (a quoted table or
   * view, or a parenthesised subquery) whose column named as the schema's key holds the members, or null
   * to compile X's condition inline (the default for every name). The text is the caller's SQL, used as
   * it is: for saved segments, their materialised members or a static segment's member list.
   */
  segmentSource?: (name: string) => string | null;
}

/** Compiled SQL and its parameters: an array for positional placeholders, `{ p1: … }` for BigQuery's `@p1`. */
export interface CompiledSql {
  sql: string;
  params: unknown[] | Record<string, unknown>;
  /** Set when `pretty` was asked for but the statement was left on one line, saying why. */
  note?: string;
}

/**
 * The longest statement laid out over lines; longer ones (the SQL of inputs near the 1 MB limit) are
 * printed on one line, which a reader cannot take in anyway. (The limit dates from sql-formatter, which
 * took ~0.3 s for this many characters; layout.ts takes milliseconds.)
 */
export const PRETTY_MAX_CHARS = 100_000;

/** Compiles a checked condition to SQL. Throws `SqlCompileError` when it cannot be expressed in the dialect. */
export function compileSql(query: TypedQuery, options: CompileSqlOptions): CompiledSql {
  const dialect = dialectOf(options.dialect);
  const form = options.form ?? "select";
  if (form !== "where" && form !== "select" && form !== "count") {
    throw new SqlCompileError(`unknown form "${String(form)}" (expected where, select or count)`);
  }
  const schema = query.schema;
  const tableName = lastPart(schema.table);
  const outer = options.tableAlias ?? tableName;
  const zone = zoneOption(options.timeZone ?? schema.timeZone);
  const gen = new SqlGenerator(dialect, schema, {
    params: options.params === true,
    now: options.now === undefined ? null : resolveNowOption(options.now, zone),
    zone,
    outer,
    view: options.segmentSource ?? null,
  });
  const condition = gen.condition(query.expr);
  let sql: string;
  if (form === "where") sql = condition;
  else {
    const from = `${gen.table(schema.table)}${options.tableAlias !== undefined && options.tableAlias !== tableName ? ` AS ${gen.ident(options.tableAlias)}` : ""}`;
    const what = form === "count" ? "COUNT(*)" : gen.ident(schema.key);
    sql = `SELECT ${what} FROM ${from} WHERE ${condition}`;
  }
  const done = gen.finish(sql);
  const params = paramsOf(dialect, done.params);
  if (options.pretty === false) return { sql: done.sql, params };
  const laidOut = pretty(done.sql, dialect, gen.tokens);
  return laidOut.note ? { sql: laidOut.sql, params, note: laidOut.note } : { sql: laidOut.sql, params };
}

/** Options of `compileViews`. */
export interface CompileViewsOptions {
  dialect: DialectName | Dialect;
  /** As for `compileSql`: fixes `now` in the views' text (usually left out, so views follow the clock). */
  now?: Date | string | number;
  /** As for `compileSql` (default: each segment's schema's `timeZone`, else UTC). */
  timeZone?: string;
  /** Prefix of view names (default `segment_`). */
  prefix?: string;
  /** Schema (or dataset) the views are created in, e.g. `analytics` (default: none, the session's). */
  schemaName?: string;
  pretty?: boolean;
}

/** One view of `compileViews`. */
export interface CompiledView {
  /** The segment's name. */
  segment: string;
  /** The view's name (unquoted), see `viewName`. */
  view: string;
  /** The statements creating it (SQLite: DROP VIEW IF EXISTS, then CREATE VIEW). */
  statements: string[];
}

/**
 * One `CREATE [OR REPLACE] VIEW` per named segment, in dependency order (a view after the views it reads).
 * Each view selects the contacts' key; `in segment "X"` reads X's view (`key IN (SELECT key FROM view)`,
 * negated an anti-join), which is the same membership `compileSql` gets by compiling X inline.
 * `sql` is every statement, each ending with `;`.
 */
export function compileViews(segments: readonly TypedSegment[], options: CompileViewsOptions): { sql: string; views: CompiledView[]; note?: string } {
  const dialect = dialectOf(options.dialect);
  const named = segments.filter((s): s is TypedSegment & { name: string } => s.name !== null);
  if (named.length === 0) throw new SqlCompileError("views are made from named segments (`segment \"Name\" as …`); this text has none");
  const names = viewNames(named.map((s) => s.name), options.prefix ?? "segment_");
  const views: CompiledView[] = [];
  let note: string | undefined;
  for (const segment of dependencyOrder(named)) {
    const zone = zoneOption(options.timeZone ?? segment.schema.timeZone);
    const now = options.now === undefined ? null : resolveNowOption(options.now, zone);
    const gen = new SqlGenerator(dialect, segment.schema, {
      params: false,
      now,
      zone,
      outer: lastPart(segment.schema.table),
      view: (name) => {
        const view = names.get(name);
        if (view === undefined) throw new SqlCompileError(`segment "${segment.name}" refers to "${name}", which is not among the segments compiled to views`);
        return qualified(gen, options.schemaName, view);
      },
    });
    const select = gen.finish(`SELECT ${gen.ident(segment.schema.key)} FROM ${gen.table(segment.schema.table)} WHERE ${gen.condition(segment.expr)}`).sql;
    const view = names.get(segment.name)!;
    const statements = (dialect.createView ?? defaultCreateView)(qualified(gen, options.schemaName, view), select).map((s) => {
      if (options.pretty === false) return s;
      const laidOut = pretty(s, dialect, gen.tokens);
      note ??= laidOut.note;
      return laidOut.sql;
    });
    views.push({ segment: segment.name, view, statements });
  }
  const sql = views.flatMap((v) => v.statements.map((s) => `${s};`)).join("\n\n");
  return note ? { sql, views, note } : { sql, views };
}

/**
 * The view name of a segment: `prefix` + the name in lower case with accents removed and every run of
 * other characters than a-z and 0-9 turned into `_` (`"High value"` → `segment_high_value`,
 * `"Été 2024"` → `segment_ete_2024`). Names that would collide, are empty after this (`"日本"`) or longer
 * than 48 characters get `_` + 8 hex digits of a hash of the exact name. Always quoted when used.
 */
export function viewName(name: string, prefix = "segment_"): string {
  return viewNames([name], prefix).get(name)!;
}

function viewNames(names: readonly string[], prefix: string): Map<string, string> {
  const slug = (n: string) =>
    n
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "_")
      .replace(/^_+|_+$/g, "");
  const counts = new Map<string, number>();
  for (const n of names) counts.set(slug(n), (counts.get(slug(n)) ?? 0) + 1);
  const out = new Map<string, string>();
  for (const n of names) {
    const s = slug(n);
    const needsHash = s === "" || s.length > 48 || counts.get(s)! > 1;
    out.set(n, `${prefix}${needsHash ? `${s.slice(0, 48)}${s ? "_" : ""}${fnv1a(n)}` : s}`);
  }
  return out;
}

/** FNV-1a 32-bit of the UTF-16 code units, as 8 hex digits. */
function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}

/** Segments in an order where each comes after the segments it refers to (declaration order otherwise). */
function dependencyOrder<T extends TypedSegment & { name: string }>(segments: readonly T[]): T[] {
  const byName = new Map(segments.map((s) => [s.name, s]));
  const done = new Set<string>();
  const visiting = new Set<string>();
  const out: T[] = [];
  const visit = (s: T, path: string[]) => {
    if (done.has(s.name)) return;
    if (visiting.has(s.name)) throw new SqlCompileError(`segments refer to each other in a cycle: ${[...path, s.name].map((n) => `"${n}"`).join(" → ")}`);
    visiting.add(s.name);
    for (const r of s.references) {
      const dep = byName.get(r);
      if (dep) visit(dep, [...path, s.name]);
    }
    visiting.delete(s.name);
    done.add(s.name);
    out.push(s);
  };
  for (const s of segments) visit(s, []);
  return out;
}

function defaultCreateView(name: string, select: string): string[] {
  return [`CREATE OR REPLACE VIEW ${name} AS ${select}`];
}

function qualified(gen: SqlGenerator, schemaName: string | undefined, view: string): string {
  return schemaName ? `${gen.table(schemaName)}.${gen.ident(view)}` : gen.ident(view);
}

function dialectOf(name: DialectName | Dialect): Dialect {
  if (typeof name === "object" && name !== null) return name;
  if (typeof name !== "string" || !Object.hasOwn(DIALECTS, name)) {
    throw new SqlCompileError(`unknown dialect "${String(name)}" (expected one of ${DIALECT_NAMES.join(", ")})`);
  }
  return DIALECTS[name];
}

function lastPart(table: string): string {
  const parts = table.split(".");
  return parts[parts.length - 1]!;
}

/** The time zone of the options, or a SqlCompileError naming the unknown zone. */
function zoneOption(name: string | undefined): TimeZone {
  try {
    return zoneOf(name);
  } catch (e) {
    if (e instanceof TimeZoneError) throw new SqlCompileError(e.message);
    throw e;
  }
}

/**
 * `now` as epoch ms: a Date, epoch ms, or ISO-8601 text as segql reads timestamps (without a UTC offset:
 * wall-clock time in `zone`, default UTC; a date: the start of that day there).
 */
export function resolveNowOption(now: Date | string | number, zone: TimeZone = UTC): number {
  let ms: number;
  if (now instanceof Date) ms = now.getTime();
  else if (typeof now === "number") ms = now;
  else if (typeof now === "string") {
    const t = parseTimestamp(now.trim());
    const day = parseDate(now.trim());
    ms = "ms" in t ? (t.local ? fromWallClock(t.ms, zone) : t.ms) : day !== null ? dayStart(day, zone) : NaN;
  } else ms = NaN;
  if (!Number.isFinite(ms)) throw new SqlCompileError(`'now' is not a valid instant: ${String(now)} (expected e.g. 2024-01-01T10:00:00Z)`);
  // It is written into the SQL as a timestamp literal: years 0001-9999.
  if (!(ms >= MIN_INSTANT_MS && ms <= MAX_INSTANT_MS)) {
    throw new SqlCompileError(`'now' (${formatInstant(ms)}) is outside the years 0001-9999 that SQL timestamps hold`);
  }
  return ms;
}

function paramsOf(dialect: Dialect, bound: unknown[]): unknown[] | Record<string, unknown> {
  if (dialect.params.style === "positional") return bound;
  return Object.fromEntries(bound.map((v, i) => [dialect.params.placeholder(i + 1).replace(/^@/, ""), v]));
}

/**
 * Lays the SQL out over lines (layout.ts). Layout only moves whitespace; as a guard, if any literal or
 * quoted identifier written by the generator no longer appears verbatim, the one-line SQL is returned.
 */
function pretty(sql: string, dialect: Dialect, tokens: ReadonlySet<string>): { sql: string; note?: string } {
  if (sql.length > PRETTY_MAX_CHARS) {
    return {
      sql,
      note: `the statement is ${sql.length.toLocaleString("en-US")} characters long, so it is printed on one line ` +
        `(statements up to ${PRETTY_MAX_CHARS.toLocaleString("en-US")} characters are laid out over lines)`,
    };
  }
  const language = dialect.formatter.language;
  const out = layoutSql(sql, { backslashEscapes: language === "bigquery" || language === "snowflake" });
  // (Tokens of SQL that constant folding discarded are not in the input either.)
  for (const t of tokens) if (sql.includes(t) && !out.includes(t)) return { sql };
  return { sql: out };
}
