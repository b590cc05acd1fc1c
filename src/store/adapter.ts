/**
 * The small SQL interface the store is written over. Two backends implement it (duckdb.ts, postgres.ts);
 * everything else in src/store speaks only this, with `$1, $2, …` placeholders (both engines' syntax).
 *
 * Values: every user value travels as a parameter. Parameters are text, numbers, booleans, null, or
 * lists of text (bound as the engine's text array, for `unnest`). Rows come back normalised: integers as
 * numbers, timestamps as ISO-8601 UTC text with milliseconds, dates as `YYYY-MM-DD`, lists as arrays,
 * JSON as text or a parsed value (callers accept both, see `jsonValue`).
 */

/** A bound parameter. */
export type Param = string | number | boolean | null | readonly (string | null)[];

/** A result row: column name → normalised value. */
export type Row = Record<string, unknown>;

/** Runs statements. Inside a transaction, the transaction's connection. */
export interface SqlRunner {
  /** One statement with parameters; its rows (empty for statements that return none). */
  query(sql: string, params?: readonly Param[]): Promise<Row[]>;
  /** One or more statements without parameters (DDL). */
  exec(sql: string): Promise<void>;
  /** One statement that inserts, updates or deletes rows; returns how many it changed. */
  change(sql: string, params?: readonly Param[]): Promise<number>;
  /**
   * Replaces the temporary table `name` with the rows of `select` (its columns), in one statement where
   * the engine allows (DuckDB: CREATE OR REPLACE TEMP TABLE … AS; PostgreSQL: truncate, then insert).
   * `columns` declares the table for engines that create it first.
   */
  fill(name: string, columns: string, select: string, params?: readonly Param[]): Promise<void>;
  /**
   * Replaces the rows of the temporary table `name` (created when missing, text columns `c0`, `c1`, …)
   * with `rows`: the fast way to hand many values to SQL (DuckDB: its appender; PostgreSQL: text arrays
   * expanded by `unnest`, in batches). `name` is one of the store's own identifiers, not user text, and
   * one name is always used with one width (`stageName`).
   */
  stage(name: string, width: number, rows: readonly (readonly (string | null)[])[]): Promise<void>;
  /**
   * Inside a write: runs `fn` with each of its statements under `limit` (a refresh of a user's expression):
   * a statement that runs `limit.ms` is stopped and `fn` fails with `QueryTimeoutError`, which rolls the
   * write back (DuckDB interrupts the write connection; a PostgreSQL server cancels it by statement_timeout;
   * PGlite, which runs a statement to its end, fails it after). Per statement, unlike a read's limit: a
   * refresh of many members writes them in several statements, each bounded by the data. Absent on read runners.
   */
  limited?<T>(limit: ReadLimit, fn: (tx: SqlRunner) => Promise<T>): Promise<T>;
  /**
   * False where `stage` and `fill` cannot run: PostgreSQL's READ ONLY transactions (`SqlAdapter.read`) refuse
   * the CREATE of the temporary table. Callers then hand many values as one array parameter instead.
   */
  readonly canStage?: boolean;
  /**
   * After `changed` rows of the store's table `table` changed at once: brings the planner's statistics up
   * to date where the engine would do it only later (PostgreSQL: autovacuum within about a minute; until
   * then a plan made for a near-empty table can scan a large one once per row). DuckDB keeps them itself.
   */
  analyzeAfter?(table: string, changed: number): Promise<void>;
}

/**
 * `tx` whose statement methods (`query`, `exec`, `change`, `fill`, `stage`) each run inside `around`, the
 * rest kept: a read's time limit is this wrapper around a check (refuse a statement once the time has
 * passed), with DuckDB also counting the statements running so that it interrupts only while one runs.
 */
export function aroundStatements(tx: SqlRunner, around: <T>(statement: () => Promise<T>) => Promise<T>): SqlRunner {
  return {
    ...tx,
    query: (sql, params) => around(() => tx.query(sql, params)),
    exec: (sql) => around(() => tx.exec(sql)),
    change: (sql, params) => around(() => tx.change(sql, params)),
    fill: (name, columns, select, params) => around(() => tx.fill(name, columns, select, params)),
    stage: (name, width, rows) => around(() => tx.stage(name, width, rows)),
  };
}

/** The staging table for `width` columns of a purpose (`keys`, `rows`). */
export function stageName(purpose: string, width: number): string {
  return `segql_stage_${purpose}_${width}`;
}

/** The column list of a staging table of `width` text columns. */
export function stageColumns(width: number, type = "TEXT"): string {
  return Array.from({ length: width }, (_, i) => `c${i} ${type}`).join(", ");
}

/** How long a read may run, and what it is (for the `QueryTimeoutError`'s message). No limit when `ms` is 0. */
export interface ReadLimit {
  ms: number;
  /** `preview`, `why`, … */
  what: string;
  /** Stops the read as the time limit does, with `CancelledError` (the HTTP client went away). */
  signal?: AbortSignal;
}

/** A database connection (or pool) the store runs on. */
export interface SqlAdapter extends Omit<SqlRunner, "stage" | "change" | "fill"> {
  readonly kind: "duckdb" | "postgres";
  /** Where it is, for messages (no password). */
  readonly location: string;
  /** False where text cannot hold U+0000 (PostgreSQL). */
  readonly storesNul: boolean;
  /**
   * Columns one SELECT may list, kept a little under the engine's limit (PostgreSQL's is 1,664: "target
   * lists can have at most 1664 entries"); `Infinity` where there is none that a store's SQL meets (DuckDB).
   */
  readonly maxSelectColumns: number;
  /**
   * Runs `fn` in one transaction, serialised with every other `write` (in this process, and on PostgreSQL
   * across processes through an advisory lock): so change-log sequence numbers follow commit order, and
   * read-check-write sequences (a name is free, the version matches) cannot interleave. Rolls back when
   * `fn` throws. Its runner's `limited` puts a part of it (a refresh) under a time limit.
   */
  write<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` on one connection seeing one consistent snapshot (a read-only transaction where the engine
   * has one). With `limit`, the read is stopped once `limit.ms` pass (`QueryTimeoutError`): DuckDB
   * interrupts the statement running; PostgreSQL cancels a statement running longer (statement_timeout),
   * and both refuse a statement started after the time passed.
   */
  read<T>(fn: (tx: SqlRunner) => Promise<T>, limit?: ReadLimit): Promise<T>;
  /**
   * The rows of one long read a chunk at a time, on a connection of its own, from one snapshot, without
   * holding the connection other reads share (reads and writes go on meanwhile): an export sees the members
   * when it started. DuckDB and a PostgreSQL server have it; PGlite (one connection) does not, and callers
   * page by key with `read` there. With `limit`, each step (the query up to its first rows, then each chunk
   * fetched) is stopped once it runs `limit.ms` (`QueryTimeoutError`), and an abort of `limit.signal` stops
   * the step running and refuses the next (`CancelledError`): a long export that makes progress goes on, a
   * step that does not is stopped, and one nobody reads any more ends.
   */
  stream?(sql: string, params?: readonly Param[], limit?: ReadLimit): AsyncGenerator<Row[], void, undefined>;
  close(): Promise<void>;
}

/** The operations a layer over an adapter may take the place of. */
export type AdapterOperations = Pick<SqlAdapter, "query" | "exec" | "write" | "read" | "stream" | "close">;

/**
 * `adapter` with `overrides` in place of some of its operations, the others passed through: the store's
 * layers (the write-back journal, the change watch, the trash hints) each change one or two and keep the
 * rest, and the adapter's properties.
 */
export function wrapAdapter(adapter: SqlAdapter, overrides: Partial<AdapterOperations>): SqlAdapter {
  const stream = adapter.stream?.bind(adapter);
  return {
    kind: adapter.kind,
    location: adapter.location,
    storesNul: adapter.storesNul,
    maxSelectColumns: adapter.maxSelectColumns,
    query: (sql, params) => adapter.query(sql, params),
    exec: (sql) => adapter.exec(sql),
    write: (fn) => adapter.write(fn),
    read: (fn, limit) => adapter.read(fn, limit),
    ...(stream ? { stream } : {}),
    close: () => adapter.close(),
    ...overrides,
  };
}

/** A FIFO mutex: `run` calls execute one at a time, in call order. */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn, fn);
    // The chain continues whether or not `fn` failed; the caller sees the failure.
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/** Quotes an identifier for DuckDB and PostgreSQL (`"…"`, inner quotes doubled). */
export function quoteIdent(name: string): string {
  if (name.includes("\u0000")) throw new Error(`a name cannot contain U+0000: ${JSON.stringify(name)}`);
  return `"${name.replace(/"/g, '""')}"`;
}

/** A possibly dotted table name (`analytics.contacts`), each part quoted. */
export function quoteTable(name: string): string {
  return name.split(".").map(quoteIdent).join(".");
}

/** A JSON column's value as read: DuckDB gives text, PostgreSQL a parsed value. */
export function jsonValue(v: unknown): unknown {
  if (typeof v !== "string") return v ?? null;
  try {
    return JSON.parse(v);
  } catch {
    return null;
  }
}

/** A count or id column as a JS number. */
export function num(v: unknown): number {
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "string") return Number(v);
  return 0;
}
