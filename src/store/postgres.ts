/**
 * The PostgreSQL backend: a server through `pg` (a pool), or an embedded PGlite instance (tests, demos).
 * Writes take a transaction-scoped advisory lock, so they are serialised across every process using the
 * database: change-log sequence numbers then follow commit order (a reader following `since` never
 * misses a change committed late with a smaller number). Reads run in REPEATABLE READ READ ONLY
 * transactions (one snapshot).
 *
 * Physical types (docs/sql.md): boolean, double precision, text, date, timestamptz (or timestamp holding
 * UTC), text[] for lists (or jsonb), jsonb for event properties. The session time zone is UTC and its
 * DateStyle ISO, whatever the server's defaults (`SESSION_SETTINGS`).
 * PostgreSQL cannot store U+0000 in text or jsonb (`storesNul` false: such input is refused up front).
 */
import type { PoolClient } from "pg";
import { Mutex, aroundStatements, quoteIdent, stageColumns, type Param, type ReadLimit, type Row, type SqlAdapter, type SqlRunner } from "./adapter.js";
import { CancelledError, InvalidInputError, QueryTimeoutError } from "./errors.js";

/** The advisory lock key of store writes ("segql" in ASCII). */
const WRITE_LOCK_KEY = 0x7365_6771_6c;

/** Type OIDs whose text form the adapter converts itself. */
const OID = { int8: 20, int4: 23, int2: 21, numeric: 1700, date: 1082, timestamp: 1114, timestamptz: 1184 } as const;

/** `2024-01-01 10:00:00.5+00` (or without zone) → `2024-01-01T10:00:00.500Z`; BC or odd forms → null. */
export function pgTimestampText(text: string): string | null {
  const m = /^(\d{4,})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d+))?(?:([+-])(\d\d)(?::?(\d\d))?(?::(\d\d))?)?$/.exec(text);
  if (!m) return null;
  const frac = (m[7] ?? "").padEnd(3, "0").slice(0, 3);
  const base = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), Number(frac));
  const offset = m[8] ? (m[8] === "-" ? -1 : 1) * ((Number(m[9]) * 60 + Number(m[10] ?? 0)) * 60 + Number(m[11] ?? 0)) * 1000 : 0;
  // Date.UTC maps years 0-99 to 1900-1999: fix up.
  const d = new Date(base - offset);
  if (Number(m[1]) < 100) d.setUTCFullYear(d.getUTCFullYear() - 1900);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

function parseText(oid: number, text: string): unknown {
  switch (oid) {
    case OID.int8:
    case OID.int4:
    case OID.int2:
    case OID.numeric:
      return Number(text);
    case OID.date:
      return text;
    case OID.timestamp:
    case OID.timestamptz:
      return pgTimestampText(text);
    default:
      return undefined;
  }
}

const CONVERTED = new Set<number>(Object.values(OID));

/**
 * Session settings the adapter relies on, set on every connection over the server's or database's own: dates
 * and times are parsed from their text form, which is ISO only under DateStyle ISO (a server set to 'SQL,
 * DMY' or 'German' gave dates as `01/05/1990` or `01.05.1990`, and timestamps that read as null); in UTC.
 */
const SESSION_SETTINGS = { TimeZone: "UTC", DateStyle: "ISO" } as const;

/** The `SET` statements of `SESSION_SETTINGS` (constants, not user text). */
function sessionSettings(): string[] {
  return Object.entries(SESSION_SETTINGS).map(([name, value]) => `SET ${name} TO '${value}'`);
}

/**
 * Whether a schema exists. Asked before CREATE SCHEMA IF NOT EXISTS, which PostgreSQL refuses to a user
 * without CREATE on the database even when the schema is there: such a user opens an existing store.
 */
const SCHEMA_EXISTS = "SELECT 1 FROM pg_namespace WHERE nspname = $1";

/** Opens a PostgreSQL server by URL (`postgres://…`), in `pgSchema` (created if missing) when given. */
export async function openPostgres(url: string, options: { pgSchema?: string } = {}): Promise<PostgresAdapter> {
  const { default: pg } = await import("pg");
  const types = {
    getTypeParser: (oid: number, format?: "text" | "binary") =>
      format !== "binary" && CONVERTED.has(oid) ? (v: string) => parseText(oid, v) : pg.types.getTypeParser(oid, format ?? "text"),
  };
  const location = redact(url);
  const pool = new pg.Pool({ connectionString: url, types, max: 8 });
  // An idle client's network error must not crash the process; the next query reports it.
  pool.on("error", () => undefined);
  try {
    const client = await pool.connect();
    try {
      if (options.pgSchema && !(await client.query(SCHEMA_EXISTS, [options.pgSchema])).rows[0]) await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(options.pgSchema)}`);
    } finally {
      client.release();
    }
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw new InvalidInputError([{ path: "", message: `cannot connect to ${location}: ${(e as Error).message}` }]);
  }
  // Session settings: set once per pooled connection, not at every checkout (that was one more round trip
  // per transaction: measured 0.4-0.9 ms of an upsert's 4-10 ms in bench/segments). They run outside any
  // transaction, so no rollback undoes them; and as statements, not as the startup packet's `options`,
  // which a URL's own `?options=` replaced (the URL's values win in pg).
  const setSession = [...sessionSettings(), ...(options.pgSchema ? [`SET search_path TO ${quoteIdent(options.pgSchema)}`] : [])].join("; ");
  const prepared = new WeakSet<PoolClient>();
  const connect = async (): Promise<PoolClient> => {
    const client = await pool.connect();
    if (!prepared.has(client)) {
      try {
        await client.query(setSession);
      } catch (e) {
        client.release(e as Error);
        throw e;
      }
      prepared.add(client);
    }
    return client;
  };
  /**
   * Stops the statement a connection is running (`pg_cancel_backend` from a pooled connection: its client
   * went away). The statement then fails with 57014, as a statement_timeout does. The cancel arrives
   * whenever it does, so the connection it was for is not used again after it (see its callers).
   */
  const cancelBackend = (pid: number | null | undefined): Promise<void> =>
    pid ? pool.query("SELECT pg_cancel_backend($1)", [pid]).then(() => undefined, () => undefined) : Promise.resolve();
  const runnerOf = (client: PoolClient, mode: "read" | "write"): SqlRunner =>
    withStage(mode, {
      async query(sql, params) {
        return (await client.query({ text: sql, values: params ? params.map(pgParam) : [] })).rows as Row[];
      },
      async exec(sql) {
        await client.query(sql);
      },
      async change(sql, params) {
        return (await client.query({ text: sql, values: params ? params.map(pgParam) : [] })).rowCount ?? 0;
      },
    });
  // Exports in flight, each on a connection of its own (see `stream`): closed with the store.
  const streaming = new Set<import("pg").Client>();
  return new PostgresAdapter(location, {
    /**
     * One long read from one snapshot, a chunk at a time, on a connection of its own (not the pool's: a
     * slow reader must not hold a connection the other requests share): a REPEATABLE READ transaction and
     * a cursor over it. What it reads is what was committed when it started, as on DuckDB.
     */
    async *stream(sql, params, limit) {
      const client = new pg.Client({ connectionString: url, types });
      client.on("error", () => undefined);
      streaming.add(client);
      // Each step is a statement: statement_timeout bounds it; an abort cancels the one running, refuses the next.
      const signal = limit?.signal;
      let cancelling: Promise<void> | null = null;
      const onAbort = () => void (cancelling = cancelBackend((client as unknown as { processID?: number }).processID));
      signal?.addEventListener("abort", onAbort, { once: true });
      const step = async <T>(run: () => Promise<T>): Promise<T> => {
        if (signal?.aborted) throw new CancelledError(`the ${limit!.what}`);
        try {
          return await run();
        } catch (e) {
          if (isCancelled(e)) throw signal?.aborted ? new CancelledError(`the ${limit!.what}`) : new QueryTimeoutError(limit?.what ?? "export", limit?.ms ?? 0);
          throw e;
        }
      };
      try {
        await step(() => client.connect());
        await client.query(setSession);
        await client.query("BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY");
        if (limit && limit.ms > 0) await client.query(statementTimeout(limit.ms));
        await step(() => client.query({ text: `DECLARE segql_stream NO SCROLL CURSOR FOR ${sql}`, values: params ? params.map(pgParam) : [] }));
        for (;;) {
          const rows = (await step(() => client.query(`FETCH FORWARD ${STREAM_CHUNK} FROM segql_stream`))).rows as Row[];
          if (rows.length > 0) yield rows;
          if (rows.length < STREAM_CHUNK) return;
        }
      } finally {
        signal?.removeEventListener("abort", onAbort);
        // A cancel sent lands before the connection ends (its process id is not another's by then).
        if (cancelling) await cancelling;
        streaming.delete(client);
        // Ending the connection ends its transaction and cursor.
        await client.end().catch(() => undefined);
      }
    },
    async transaction(mode, fn, timeoutMs, signal) {
      const client = await connect();
      // The client went away: the statement running is cancelled (the next is refused by the caller's guard).
      let cancelling: Promise<void> | null = null;
      const onAbort = () => void (cancelling = cancelBackend((client as unknown as { processID?: number }).processID));
      try {
        await client.query(mode === "write" ? "BEGIN" : "BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY");
        if (mode === "write") await client.query(`SELECT pg_advisory_xact_lock(${WRITE_LOCK_KEY})`);
        if (timeoutMs) await client.query(statementTimeout(timeoutMs));
        signal?.addEventListener("abort", onAbort, { once: true });
        try {
          const result = await fn(runnerOf(client, mode));
          await client.query(mode === "write" ? "COMMIT" : "ROLLBACK");
          return result;
        } catch (e) {
          await client.query("ROLLBACK").catch(() => undefined);
          throw e;
        }
      } finally {
        signal?.removeEventListener("abort", onAbort);
        // A connection a cancel was sent to is closed, not pooled: the cancel may have landed on its ROLLBACK
        // (leaving it in the transaction) or be still on its way, for whatever ran on it next.
        if (cancelling) {
          await cancelling;
          client.release(true);
        } else client.release();
      }
    },
    async close() {
      // An export in flight stops: its next chunk fails (the adapter says the store is closed).
      await Promise.all([...streaming].map((c) => c.end().catch(() => undefined)));
      await pool.end();
    },
  });
}

/** Rows an export's cursor fetches at a time. */
const STREAM_CHUNK = 2_000;

/** The part of PGlite the adapter uses. */
interface PgliteLike {
  query<T>(sql: string, params?: unknown[], options?: { parsers?: Record<number, (text: string, typeId: number) => unknown> }): Promise<{ rows: T[]; affectedRows?: number }>;
  exec(sql: string): Promise<unknown>;
  close(): Promise<void>;
}

/** Wraps a PGlite instance (the caller owns it: `close` does not close it). */
export async function openPglite(instance: unknown, options: { pgSchema?: string } = {}): Promise<PostgresAdapter> {
  const pg = instance as PgliteLike;
  if (typeof pg?.query !== "function" || typeof pg?.exec !== "function") throw new InvalidInputError([{ path: "", message: "pglite: expected a PGlite instance" }]);
  const parsers = Object.fromEntries([...CONVERTED].map((oid) => [oid, (text: string) => parseText(oid, text)]));
  await pg.exec(sessionSettings().join("; "));
  if (options.pgSchema) {
    if ((await pg.query(SCHEMA_EXISTS, [options.pgSchema])).rows.length === 0) await pg.exec(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(options.pgSchema)}`);
    await pg.exec(`SET search_path TO ${quoteIdent(options.pgSchema)}`);
  }
  // One connection: every transaction (read or write) runs alone.
  const lock = new Mutex();
  const statements: Omit<SqlRunner, "stage" | "fill"> = {
    async query(sql, params) {
      return (await pg.query<Row>(sql, params ? params.map(pgParam) : [], { parsers })).rows;
    },
    async exec(sql) {
      await pg.exec(sql);
    },
    async change(sql, params) {
      return (await pg.query<Row>(sql, params ? params.map(pgParam) : [], { parsers })).affectedRows ?? 0;
    },
  };
  const runners = { read: withStage("read", statements), write: withStage("write", statements) };
  return new PostgresAdapter("pglite", {
    transaction: (mode, fn, timeoutMs) =>
      lock.run(async () => {
        await pg.exec(mode === "write" ? "BEGIN" : "BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY");
        if (timeoutMs) await pg.exec(statementTimeout(timeoutMs));
        try {
          const result = await fn(runners[mode]);
          await pg.exec(mode === "write" ? "COMMIT" : "ROLLBACK");
          return result;
        } catch (e) {
          await pg.exec("ROLLBACK").catch(() => undefined);
          throw e;
        }
      }),
    close: async () => undefined,
  });
}

/**
 * The time limit of the statements of one transaction. SET LOCAL: it ends with the transaction, so the
 * pooled connection goes back without it. `ms` is a number the store computed, not user text.
 */
function statementTimeout(ms: number): string {
  return `SET LOCAL statement_timeout = ${Math.max(1, Math.round(ms))}`;
}

/** SQLSTATE 57014 (query_canceled): a statement stopped by statement_timeout (or a cancel request). */
function isCancelled(e: unknown): boolean {
  return (e as { code?: unknown })?.code === "57014";
}

interface Driver {
  /**
   * Runs `fn` in a transaction; with `timeoutMs`, each of its statements is cancelled once it runs that long;
   * when `signal` aborts, the statement running is cancelled (a server; PGlite runs each to its end).
   */
  transaction<T>(mode: "read" | "write", fn: (tx: SqlRunner) => Promise<T>, timeoutMs?: number, signal?: AbortSignal): Promise<T>;
  /** Where the driver can hold a snapshot for a long read on a connection of its own (a server; not PGlite's one connection). */
  stream?(sql: string, params?: readonly Param[], limit?: ReadLimit): AsyncGenerator<Row[], void, undefined>;
  close(): Promise<void>;
}

/** The PostgreSQL implementation of `SqlAdapter`. */
export class PostgresAdapter implements SqlAdapter {
  readonly kind = "postgres" as const;
  readonly storesNul = false;
  /** 1,664 is PostgreSQL's limit; a little under it leaves room for a statement's own columns. */
  readonly maxSelectColumns = 1_600;
  /** Writes of this process queue here before taking a pooled connection and the advisory lock. */
  private readonly writeLock = new Mutex();
  private closed = false;

  /** See `SqlAdapter.stream`: on a server; PGlite's one connection cannot hold a snapshot beside the others. */
  readonly stream?: (sql: string, params?: readonly Param[], limit?: ReadLimit) => AsyncGenerator<Row[], void, undefined>;

  constructor(
    readonly location: string,
    private readonly driver: Driver,
  ) {
    const stream = driver.stream?.bind(driver);
    if (stream) this.stream = (sql, params, limit) => this.guarded(stream(sql, params, limit));
  }

  /** A stream whose failure after the store closed says so (its connection was ended by `close`). */
  private async *guarded(rows: AsyncGenerator<Row[], void, undefined>): AsyncGenerator<Row[], void, undefined> {
    this.open();
    try {
      yield* rows;
    } catch (e) {
      if (this.closed) throw new InvalidInputError([{ path: "", message: "the store is closed" }]);
      throw e;
    }
  }

  query(sql: string, params?: readonly Param[]): Promise<Row[]> {
    return this.read((tx) => tx.query(sql, params));
  }

  exec(sql: string): Promise<void> {
    return this.write((tx) => tx.exec(sql));
  }

  write<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
    this.open();
    return this.writeLock.run(() => this.driver.transaction("write", fn));
  }

  async read<T>(fn: (tx: SqlRunner) => Promise<T>, limit?: ReadLimit): Promise<T> {
    this.open();
    if (!limit || (limit.ms <= 0 && !limit.signal)) return this.driver.transaction("read", fn);
    // statement_timeout bounds each statement; the deadline bounds the read's statements together (a
    // statement started after it is refused). PGlite runs a statement to its end (no timer interrupts
    // WebAssembly), so there only the deadline stops the read, at its next statement. An aborted signal
    // (the client went away) refuses the next statement too, and on a server cancels the one running.
    const guard = limitGuard(limit);
    try {
      return await this.driver.transaction("read", (tx) => fn(guard.around(tx)), limit.ms > 0 ? limit.ms : undefined, limit.signal);
    } catch (e) {
      throw guard.said(e);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writeLock.run(() => this.driver.close());
  }

  private open(): void {
    if (this.closed) throw new InvalidInputError([{ path: "", message: "the store is closed" }]);
  }
}

/**
 * A time limit over a run of statements (a read, or a refresh inside a write): `around` refuses a statement
 * started once the time has passed or the signal aborted; `said` turns a statement cancelled by
 * statement_timeout or by `pg_cancel_backend` (57014) into the limit's error.
 */
function limitGuard(limit: ReadLimit): { around(tx: SqlRunner): SqlRunner; said(e: unknown): unknown } {
  const deadline = limit.ms > 0 ? Date.now() + limit.ms : Infinity;
  const timeout = () => new QueryTimeoutError(limit.what, limit.ms);
  const stop = () => (limit.signal?.aborted ? new CancelledError(`the ${limit.what}`) : Date.now() >= deadline ? timeout() : null);
  const refuseWhenStopped = async <T>(statement: () => Promise<T>): Promise<T> => {
    const error = stop();
    if (error) throw error;
    return statement();
  };
  return {
    around: (tx) => aroundStatements(tx, refuseWhenStopped),
    said: (e) => (isCancelled(e) ? (stop() ?? timeout()) : e),
  };
}

/** Rows per INSERT into a staging table (each column travels as one text[] parameter). */
const STAGE_BATCH = 20_000;

/**
 * Adds `stage` to a runner: a temporary table filled from text arrays. In a read (READ ONLY) transaction
 * PostgreSQL refuses the table's CREATE, so that runner says it cannot stage (`canStage`).
 */
function withStage(mode: "read" | "write", r: Omit<SqlRunner, "stage" | "fill">): SqlRunner {
  const runner: SqlRunner = {
    ...r,
    canStage: mode === "write",
    // Each statement of the part under the limit is cancelled by statement_timeout (SET LOCAL, back to the
    // default after the part; it ends with the transaction either way), which fails the write: it is rolled
    // back. PGlite runs a statement to its end whatever the setting (see `PostgresAdapter.read`).
    ...(mode === "write"
      ? {
          async limited<T>(limit: ReadLimit, fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
            if (limit.ms <= 0) return fn(runner);
            await r.exec(statementTimeout(limit.ms));
            try {
              const result = await fn(runner);
              await r.exec("SET LOCAL statement_timeout TO DEFAULT");
              return result;
            } catch (e) {
              throw isCancelled(e) ? new QueryTimeoutError(limit.what, limit.ms) : e;
            }
          },
        }
      : {}),
    async analyzeAfter(table, changed) {
      if (changed < ANALYZE_MIN_ROWS) return;
      // As autovacuum decides, only sooner: when the change is a good part of what the statistics counted
      // (-1 or 0: never analysed, or analysed empty). `table` is one of the store's own names.
      const rows = await r.query("SELECT reltuples FROM pg_class WHERE oid = to_regclass($1)", [table]);
      const counted = Number(rows[0]?.["reltuples"] ?? -1);
      if (counted > 0 && changed < ANALYZE_FRACTION * counted) return;
      await r.exec(`ANALYZE ${table}`);
    },
    async fill(name, columns, select, params) {
      await r.exec(`CREATE TEMP TABLE IF NOT EXISTS ${name} (${columns}); TRUNCATE ${name}`);
      await r.query(`INSERT INTO ${name} ${select}`, params);
    },
    async stage(name, width, rows) {
      await r.exec(`CREATE TEMP TABLE IF NOT EXISTS ${name} (${stageColumns(width)}); TRUNCATE ${name}`);
      const cols = Array.from({ length: width }, (_, i) => `unnest(CAST($${i + 1} AS TEXT[]))`).join(", ");
      for (let start = 0; start < rows.length; start += STAGE_BATCH) {
        const batch = rows.slice(start, start + STAGE_BATCH);
        await r.query(`INSERT INTO ${name} SELECT ${cols}`, Array.from({ length: width }, (_, i) => batch.map((row) => row[i] ?? null)));
      }
    },
  };
  return runner;
}

/** Rows changed at once below which the statistics are left to autovacuum. */
const ANALYZE_MIN_ROWS = 5_000;
/** The part of the rows the statistics counted that a change must reach for `analyzeAfter` to analyse. */
const ANALYZE_FRACTION = 0.2;

/** JS arrays go as PostgreSQL arrays; numbers as text (the SQL casts where the type matters). */
function pgParam(p: Param): unknown {
  return p;
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "postgres";
  }
}
