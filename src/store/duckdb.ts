/**
 * The DuckDB backend (`@duckdb/node-api`): a file (one writer process at a time, DuckDB's rule) or
 * `:memory:`. Writes run one at a time on one connection inside BEGIN/COMMIT; reads run on a small pool of
 * other connections of the same instance (`ReadPool`) and see the last committed state (DuckDB's MVCC), so
 * a long refresh does not block reads, and a slow read (a preview DuckDB takes seconds to plan) does not
 * block the other reads: each takes an idle connection and waits only while all of them are busy.
 *
 * Physical types (docs/sql.md): BOOLEAN, DOUBLE, VARCHAR, DATE, TIMESTAMP holding UTC (or TIMESTAMPTZ),
 * VARCHAR[] for lists (or JSON), JSON for event properties. The session time zone is UTC.
 */
import { DOUBLE, BIGINT, BOOLEAN, LIST, VARCHAR, DuckDBInstance, listValue, type DuckDBConnection, type DuckDBPreparedStatement, type DuckDBResultReader, type DuckDBType, type DuckDBValue } from "@duckdb/node-api";
import { Mutex, aroundStatements, stageColumns, type Param, type ReadLimit, type Row, type SqlAdapter, type SqlRunner } from "./adapter.js";
import { CancelledError, DatabaseInUseError, InvalidInputError, QueryTimeoutError } from "./errors.js";

const TEXT_LIST = LIST(VARCHAR);

/** Opens a DuckDB file (or `:memory:`); `DatabaseInUseError` when another process holds it. */
export async function openDuckDb(path: string, options: { threads?: number } = {}): Promise<DuckDbAdapter> {
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(path, options.threads ? { threads: String(options.threads) } : {});
  } catch (e) {
    const message = (e as Error).message ?? "";
    if (/Could not set lock on file|Conflicting lock/i.test(message)) throw new DatabaseInUseError(path);
    // Not a database file, a directory, no permission: say so with the path, no stack.
    throw new InvalidInputError([{ path: "", message: `cannot open ${path} as a DuckDB database: ${message.split("\n")[0]}` }]);
  }
  const writer = await instance.connect();
  const readers: DuckDBConnection[] = [];
  for (let i = 0; i < READERS; i++) readers.push(await instance.connect());
  for (const con of [writer, ...readers]) await con.run("SET TimeZone = 'UTC'");
  return new DuckDbAdapter(path, instance, writer, new ReadPool(readers));
}

/**
 * Read connections. Each statement of @duckdb/node-api runs on a thread of libuv's pool (4 by default), and
 * the statement waits there while DuckDB plans it (single-threaded) and runs it: with 3 readers, slow reads
 * on all of them still leave a thread for the writer, a stream, and the process's file work.
 */
const READERS = 3;

/**
 * Connections lent to one read at a time: a read takes an idle one, or waits (first come, first served)
 * while all are busy. What one connection guaranteed holds per read: a statement (or a `read`'s
 * transaction) runs alone on its connection, so it sees one snapshot, and each connection keeps its own
 * prepared statements (`prepared`).
 */
export class ReadPool {
  private readonly idle: DuckDBConnection[];
  private readonly waiting: ((con: DuckDBConnection) => void)[] = [];
  /** Called when the last lent connection comes back (`drained`). */
  private onIdle: (() => void) | null = null;

  constructor(readonly connections: readonly DuckDBConnection[]) {
    this.idle = [...connections];
  }

  /** Runs `fn` on a connection of its own, released when `fn` settles. */
  async use<T>(fn: (con: DuckDBConnection) => Promise<T>): Promise<T> {
    const con = this.idle.pop() ?? (await new Promise<DuckDBConnection>((resolve) => this.waiting.push(resolve)));
    try {
      return await fn(con);
    } finally {
      this.release(con);
    }
  }

  /** Resolves once every connection is back and no read waits for one. */
  drained(): Promise<void> {
    if (this.idle.length === this.connections.length && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => (this.onIdle = resolve));
  }

  private release(con: DuckDBConnection): void {
    const next = this.waiting.shift();
    if (next) return next(con);
    this.idle.push(con);
    if (this.idle.length === this.connections.length && this.onIdle) {
      const done = this.onIdle;
      this.onIdle = null;
      done();
    }
  }
}

/** The DuckDB implementation of `SqlAdapter`. */
export class DuckDbAdapter implements SqlAdapter {
  readonly kind = "duckdb" as const;
  readonly storesNul = true;
  /** DuckDB has no column limit a store statement meets. */
  readonly maxSelectColumns = Infinity;
  private readonly writeLock = new Mutex();
  private closed = false;
  /** Set by `close` before it waits for the reads in flight: a read asked for after it fails. */
  private closing = false;
  /** Streams being read, each on a connection of its own (`stream`), so `close` can stop them. */
  private readonly streams = new Set<OpenStream>();

  constructor(
    readonly location: string,
    private readonly instance: DuckDBInstance,
    private readonly writer: DuckDBConnection,
    private readonly readers: ReadPool,
  ) {}

  /** One statement on a read connection: autocommit gives it one snapshot, so no BEGIN/ROLLBACK round trips. */
  async query(sql: string, params?: readonly Param[]): Promise<Row[]> {
    this.openForReads();
    return this.readers.use((con) => {
      this.open();
      return runner(con).query(sql, params);
    });
  }

  exec(sql: string): Promise<void> {
    return this.writeLock.run(async () => {
      this.open();
      forgetPrepared(this.writer);
      await this.writer.run(sql);
    });
  }

  write<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
    return this.writeLock.run(async () => {
      this.open();
      await this.writer.run("BEGIN TRANSACTION");
      try {
        const result = await fn(withLimited(this.writer, runner(this.writer)));
        await this.writer.run("COMMIT");
        return result;
      } catch (e) {
        await this.writer.run("ROLLBACK").catch(() => undefined);
        throw e;
      }
    });
  }

  async read<T>(fn: (tx: SqlRunner) => Promise<T>, limit?: ReadLimit): Promise<T> {
    this.openForReads();
    const deadline = limit && (limit.ms > 0 || limit.signal) ? new Deadline(limit) : null;
    const work = this.readers.use(async (con) => {
      this.open();
      deadline?.attach(con);
      await con.run("BEGIN TRANSACTION");
      try {
        return await fn(deadline ? deadline.guard(runner(con)) : runner(con));
      } catch (e) {
        // An interrupted statement fails with DuckDB's "INTERRUPT Error": said as the limit it is.
        if (deadline?.passed) throw deadline.error();
        throw e;
      } finally {
        deadline?.stop();
        await con.run("ROLLBACK").catch(() => undefined);
      }
    });
    if (!deadline) return work;
    // The caller has its answer when the time passes, even where DuckDB takes a while to notice the interrupt
    // (1.5 checks it between optimizer passes, and one pass over a wide `or` can take seconds); the connection
    // returns to the pool when the statement has ended (`close` waits for it).
    work.catch(() => undefined);
    return Promise.race([work, deadline.expired]);
  }

  async *stream(sql: string, params?: readonly Param[], limit?: ReadLimit): AsyncGenerator<Row[], void, undefined> {
    this.open();
    // Refused before a connection is opened when nobody is reading any more.
    if (limit?.signal?.aborted) throw new CancelledError(`the ${limit.what}`);
    const open: OpenStream = { con: await this.instance.connect(), fetching: null, closed: false };
    if (this.closed) {
      open.con.closeSync();
      throw closedError();
    }
    this.streams.add(open);
    try {
      const { con } = open;
      await this.settle(open, () => con.run("SET TimeZone = 'UTC'"));
      const result = await this.settle(open, () => (params && params.length > 0 ? con.stream(sql, params.map(bindValue), params.map(bindType) as DuckDBType[]) : con.stream(sql)), limit);
      const types = result.columnTypes().map((t) => String(t));
      const names = result.columnNames();
      const chunks = result.yieldRowsJs();
      for (;;) {
        const next = await this.settle(open, () => chunks.next(), limit);
        if (next.done) return;
        yield next.value.map((r) => {
          const row: Row = {};
          names.forEach((n, i) => (row[n] = normalise(r[i], types[i]!)));
          return row;
        });
      }
    } finally {
      this.streams.delete(open);
      if (!open.closed) {
        open.closed = true;
        open.con.closeSync();
      }
    }
  }

  /**
   * Starts and awaits a stream's step, noted as in flight so that `close` waits for it before closing the
   * connection (closing a connection while DuckDB works on it is not safe). Once `close` has closed the
   * stream, a step is not started: it fails with "the store is closed". With `limit`, the step is
   * interrupted once it runs `limit.ms` or the signal aborts, and fails with the limit's error when DuckDB
   * has stopped it (not before: the generator's `finally` then closes a connection that is idle).
   */
  private async settle<T>(open: OpenStream, start: () => Promise<T>, limit?: ReadLimit): Promise<T> {
    if (open.closed) throw closedError();
    const deadline = limit && (limit.ms > 0 || limit.signal) ? new Deadline(limit) : null;
    deadline?.attach(open.con);
    const step = deadline ? deadline.run(start) : start();
    const settled = step.then(
      () => undefined,
      () => undefined,
    );
    open.fetching = settled;
    try {
      const value = await step;
      if (open.closed) throw closedError();
      return value;
    } catch (e) {
      if (deadline?.passed && !open.closed) throw deadline.error();
      throw e;
    } finally {
      deadline?.stop();
      if (open.fetching === settled) open.fetching = null;
    }
  }

  /** The write connection, for DuckDB-only bulk work (file readers); the caller holds `write`. */
  async withWriter<T>(fn: (con: DuckDBConnection) => Promise<T>): Promise<T> {
    return this.writeLock.run(async () => {
      this.open();
      forgetPrepared(this.writer);
      return fn(this.writer);
    });
  }

  async close(): Promise<void> {
    await this.writeLock.run(async () => {
      // Reads in flight, and those already waiting for a connection, end first (as they did behind the one
      // reader's lock); a read asked for from now on fails.
      this.closing = true;
      await this.readers.drained();
      if (this.closed) return;
      this.closed = true;
      // A stream in flight (a long export) stops here rather than hold the file open until it ends: its
      // query is interrupted, its next step fails with "the store is closed".
      for (const open of this.streams) {
        open.closed = true;
        open.con.interrupt();
        if (open.fetching) await open.fetching;
        open.con.closeSync();
      }
      this.streams.clear();
      for (const con of this.readers.connections) {
        forgetPrepared(con);
        con.closeSync();
      }
      forgetPrepared(this.writer);
      this.writer.closeSync();
      this.instance.closeSync();
    });
  }

  private open(): void {
    if (this.closed) throw closedError();
  }

  private openForReads(): void {
    if (this.closing || this.closed) throw closedError();
  }
}

/**
 * A read's time limit on its connection: once `ms` pass (or the signal aborts), the statement running is
 * interrupted (`connection.interrupt()`), and a statement started later is refused. DuckDB drops an
 * interrupt that arrives before the statement has begun on its thread, so it is repeated until the
 * statement ends.
 */
class Deadline {
  passed = false;
  /** Rejects with the read's error when the time passes (or its signal aborts). */
  readonly expired: Promise<never>;
  private con: DuckDBConnection | null = null;
  private running = 0;
  private readonly timer: NodeJS.Timeout | null;
  private repeat: NodeJS.Timeout | null = null;
  private reason: Error | null = null;
  private readonly onAbort = () => this.stopWith(new CancelledError(`the ${this.limit.what}`));
  private rejectExpired!: (e: Error) => void;

  constructor(private readonly limit: ReadLimit) {
    this.expired = new Promise<never>((_, reject) => (this.rejectExpired = reject));
    this.expired.catch(() => undefined);
    this.timer = limit.ms > 0 ? setTimeout(() => this.stopWith(new QueryTimeoutError(limit.what, limit.ms)), limit.ms) : null;
    if (limit.signal?.aborted) this.onAbort();
    else limit.signal?.addEventListener("abort", this.onAbort, { once: true });
  }

  /** The connection the read got from the pool (the time counts from the call, waiting included). */
  attach(con: DuckDBConnection): void {
    this.con = con;
  }

  /** The error of a read stopped by the limit (or its signal). */
  error(): Error {
    return this.reason ?? new QueryTimeoutError(this.limit.what, this.limit.ms);
  }

  /** Stops the read: its caller gets `reason` now, its statement is interrupted, later ones are refused. */
  private stopWith(reason: Error): void {
    if (this.passed) return;
    this.passed = true;
    this.reason = reason;
    this.rejectExpired(reason);
    this.interrupt();
    this.repeat = setInterval(() => this.interrupt(), INTERRUPT_REPEAT_MS);
  }

  /** `tx` whose statements check the limit before they start and count as running until they settle. */
  guard(tx: SqlRunner): SqlRunner {
    return aroundStatements(tx, (statement) => this.run(statement));
  }

  /** Runs one statement (or a stream's step): refused once the limit has passed, counted as running until it settles. */
  async run<T>(statement: () => Promise<T>): Promise<T> {
    if (this.passed) throw this.error();
    this.running++;
    try {
      return await statement();
    } finally {
      this.running--;
    }
  }

  /** Stops the timers (the read ended). */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.repeat) clearInterval(this.repeat);
    this.repeat = null;
    this.limit.signal?.removeEventListener("abort", this.onAbort);
  }

  private interrupt(): void {
    if (this.con && this.running > 0) this.con.interrupt();
  }
}

/**
 * The write connection's runner with `limited`: a part of the write (a refresh of a user's expression) each
 * of whose statements is interrupted once it runs `limit.ms`. The error waits for DuckDB to stop the
 * statement (unlike a read, which answers at once): the write's ROLLBACK, and the next write, come after it.
 */
function withLimited(con: DuckDBConnection, tx: SqlRunner): SqlRunner {
  return {
    ...tx,
    async limited(limit, fn) {
      if (limit.ms <= 0 && !limit.signal) return fn(tx);
      return fn(
        aroundStatements(tx, async (statement) => {
          const deadline = new Deadline(limit);
          deadline.attach(con);
          try {
            return await deadline.run(statement);
          } catch (e) {
            // An interrupted statement fails with DuckDB's "INTERRUPT Error": said as the limit it is.
            if (deadline.passed) throw deadline.error();
            throw e;
          } finally {
            deadline.stop();
          }
        }),
      );
    },
  };
}

/** How often an interrupt is repeated until the statement it is for ends (ms). */
const INTERRUPT_REPEAT_MS = 20;

/** A stream's own connection, the step it is waiting for, and whether `close` closed it. */
interface OpenStream {
  con: DuckDBConnection;
  fetching: Promise<void> | null;
  closed: boolean;
}

function closedError(): InvalidInputError {
  return new InvalidInputError([{ path: "", message: "the store is closed" }]);
}

const TRACE = process.env["SEGQL_STORE_TRACE"] === "1";

function runner(con: DuckDBConnection): SqlRunner {
  return {
    async query(sql, params) {
      if (TRACE) {
        const t = performance.now();
        const cpu = process.cpuUsage();
        try {
          return await runner0(con, sql, params);
        } finally {
          const c = process.cpuUsage(cpu);
          console.error(`[sql ${(performance.now() - t).toFixed(2)} ms, cpu ${((c.user + c.system) / 1000).toFixed(2)} ms] ${sql.replace(/\s+/g, " ").slice(0, 140)}`);
        }
      }
      return runner0(con, sql, params);
    },
    async exec(sql) {
      forgetPrepared(con);
      await con.run(sql);
    },
    async change(sql, params) {
      const result = params && params.length > 0 ? await con.run(sql, params.map(bindValue), params.map(bindType) as DuckDBType[]) : await con.run(sql);
      return result.rowsChanged;
    },
    async fill(name, _columns, select, params) {
      const sql = `CREATE OR REPLACE TEMP TABLE ${name} AS ${select}`;
      if (params && params.length > 0) await con.run(sql, params.map(bindValue), params.map(bindType) as DuckDBType[]);
      else await con.run(sql);
    },
    stage: (name, width, rows) => stage(con, name, width, rows),
  };
}

/** Prepared statements kept per connection (by SQL text), most recently used last. */
const PREPARED_MAX = 64;
const prepared = new WeakMap<DuckDBConnection, Map<string, DuckDBPreparedStatement>>();

/**
 * Runs a statement with parameters through a prepared statement cached for its text: the point statements
 * of upserts repeat with the same text, and parsing and planning them each time cost more CPU than running
 * them. Statements on the store's temporary tables (replaced by DDL) are not kept.
 */
async function runPrepared(con: DuckDBConnection, sql: string, params: readonly Param[]): Promise<DuckDBResultReader> {
  if (/segql_(diff|stage_)/.test(sql)) return con.runAndReadAll(sql, params.map(bindValue), params.map(bindType) as DuckDBType[]);
  let cache = prepared.get(con);
  if (!cache) prepared.set(con, (cache = new Map()));
  let stmt = cache.get(sql);
  if (stmt) cache.delete(sql);
  else {
    stmt = await con.prepare(sql);
    if (cache.size >= PREPARED_MAX) {
      const [oldest, old] = cache.entries().next().value!;
      cache.delete(oldest);
      old.destroySync();
    }
  }
  cache.set(sql, stmt);
  stmt.bind(params.map(bindValue), params.map(bindType) as DuckDBType[]);
  return stmt.runAndReadAll();
}

/** Forgets a connection's prepared statements (before DDL, and on close). */
function forgetPrepared(con: DuckDBConnection): void {
  const cache = prepared.get(con);
  if (!cache) return;
  for (const stmt of cache.values()) stmt.destroySync();
  cache.clear();
}

async function runner0(con: DuckDBConnection, sql: string, params: readonly Param[] | undefined): Promise<Row[]> {
  const reader = params && params.length > 0 ? await runPrepared(con, sql, params) : await con.runAndReadAll(sql);
  const types = reader.columnTypes().map((t) => String(t));
  const names = reader.columnNames();
  return reader.getRowsJS().map((r) => {
    const row: Row = {};
    names.forEach((n, i) => (row[n] = normalise(r[i], types[i]!)));
    return row;
  });
}

async function stage(con: DuckDBConnection, name: string, width: number, rows: readonly (readonly (string | null)[])[]): Promise<void> {
  await con.run(`CREATE OR REPLACE TEMP TABLE ${name} (${stageColumns(width, "VARCHAR")})`);
  // The appender writes typed values straight into the table (~30x faster than binding lists).
  const appender = await con.createAppender(name, "main", "temp");
  try {
    for (const row of rows) {
      for (let i = 0; i < width; i++) {
        const v = row[i];
        if (v === null || v === undefined) appender.appendNull();
        else appender.appendVarchar(v);
      }
      appender.endRow();
    }
  } finally {
    appender.closeSync();
  }
}

function bindValue(p: Param): DuckDBValue {
  if (Array.isArray(p)) return listValue(p as (string | null)[]);
  return p as DuckDBValue;
}

/** Numbers: safe integers as BIGINT (ids, limits), others as DOUBLE (node-api would guess INTEGER and overflow). */
function bindType(p: Param): DuckDBType | undefined {
  if (Array.isArray(p)) return TEXT_LIST;
  if (typeof p === "number") return Number.isSafeInteger(p) ? BIGINT : DOUBLE;
  if (typeof p === "boolean") return BOOLEAN;
  if (typeof p === "string") return VARCHAR;
  return undefined;
}

/** node-api's JS values → the adapter's normal form (see adapter.ts). */
function normalise(v: unknown, type: string): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === "bigint") return Number(v);
  if (v instanceof Date) {
    if (type === "DATE") return v.toISOString().slice(0, 10);
    return Number.isNaN(v.getTime()) ? null : v.toISOString();
  }
  if (Array.isArray(v)) return v.map((x) => (typeof x === "bigint" ? Number(x) : x));
  return v;
}
