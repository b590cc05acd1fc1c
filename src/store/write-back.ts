/**
 * The write-back path of a DuckDB store: contact upserts acknowledged in well under a millisecond of
 * database time, and their membership changes in the feed at once.
 *
 * A DuckDB file has one writer, this process (the file is locked), so what this process knows is the whole
 * truth. An upsert of a few contacts whose re-evaluation reads no events:
 *   1. takes each contact's stored row and memberships from a cache (read from the database on first touch);
 *   2. evaluates the re-evaluation plan's predicates on the new row (the same code as membership.ts);
 *   3. appends one record (the writes, the changes with their sequence numbers, the new memberships) to the
 *      journal (journal.ts) and syncs it: the upsert is durable and acknowledged;
 *   4. shows the changes in an in-memory tail of the feed;
 *   5. applies the records to the database in one transaction per batch a few milliseconds later (or before
 *      anything else reads or writes it), recording the last record applied in that same transaction;
 *      the journal then reclaims their space (journal.ts `applied`: emptied, or rewritten past 4 MiB).
 * Every other operation goes through `adapter` below, which applies pending records first, so it sees
 * the database exactly as if each upsert had been written in its own transaction. On open, records the
 * database has not applied (a crash between 3 and 5) are applied before anything runs.
 *
 * A batch the database refuses is tried again record by record, once: the records before a bad one are
 * applied, and the bad one stops the path with a `JournalApplyError` (which record, which line, why). It
 * and the records after it stay in the journal; from then on writes are refused with that error and reads
 * see the database as it is, until the store is reopened (which tries again, and refuses to open while
 * the record still cannot be applied). Nothing acknowledged is dropped without the user moving the file.
 *
 * Sequence numbers come from the database's own sequence, reserved in blocks; a write on the ordinary path
 * (refresh, segment edit, member edit, events, import) drops the block and the caches, so numbers stay in
 * commit order (reserved numbers never used are gaps, which the feed's cursor allows).
 */
import { STATIC_FIELD } from "./catalog.js";
import { num, wrapAdapter, type Param, type ReadLimit, type Row, type SqlAdapter, type SqlRunner } from "./adapter.js";
import type { Ctx } from "./context.js";
import { ContactChangedError, JournalApplyError } from "./errors.js";
import { staleValues, type ContactExpectations } from "./expectations.js";
import { Journal, type JournalRecord } from "./journal.js";
import { addToMemberCounts, evaluationPlan, memberPairs, predicateAt, relevantTargets } from "./membership.js";
import type { ColumnPlan } from "./physical.js";
import type { ChangesPage, MembershipChange, WriteResult } from "./types.js";
import { decodeContact } from "./values.js";
import { keysIn, rowsRelation, upsertContacts, type ContactWrites } from "./writes.js";
import { iso } from "./context.js";

/** Contacts per upsert that take this path (an API write); more go through the ordinary transaction. */
const FEW = 8;
/** Sequence numbers reserved at once. */
const SEQ_BLOCK = 1024;
/** Records applied per transaction. */
const BATCH = 500;
/** Changes kept in memory for the feed. */
const TAIL = 10_000;
/** Contacts kept in the cache (it is emptied when larger and nothing is pending). */
const CACHE = 100_000;

/** What the write-back path knows of one contact: its stored row (null: no contact) and memberships. */
interface CachedContact {
  row: Row | null;
  statics: number[];
  current: Set<number>;
}

/** The write-back state of one open DuckDB store. */
export class WriteBack {
  /** The store's context (set once it exists: the context is built on `adapter`). */
  ctx: Ctx | null = null;
  /** The adapter the store runs on: applies pending records before every read and write. */
  readonly adapter: SqlAdapter;
  /** Milliseconds between an upsert and the transaction applying it. */
  drainDelayMs = 20;
  /** Upserts that took this path (for tests and benchmarks). */
  taken = 0;
  /** Told the last sequence number of the changes an upsert put in the feed (before the database holds them). */
  onChanges: (seq: number) => void = () => {};

  private pending: JournalRecord[] = [];
  private readonly cache = new Map<string, CachedContact>();
  private pool: number[] = [];
  private poolAt = 0;
  private tail: MembershipChange[] = [];
  /** Every change with a greater seq is in `tail` (null: unknown, read the database). */
  private floor: number | null = null;
  private blocked = 0;
  private generation = 0;
  private planTrusted = false;
  private draining: Promise<void> | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** The record the database refused (writes are refused from then on; reads go on). */
  private failure: JournalApplyError | null = null;
  /** The journal's file failed after a rewrite: upserts take the ordinary path from then on. */
  private journalFault: unknown = null;
  /** Whether `recover` is done: a failure before is the open's, after is the running store's. */
  private opened = false;
  private nextN: number;
  private closed = false;

  private constructor(
    private readonly raw: SqlAdapter,
    private readonly journal: Journal,
    lastN: number,
  ) {
    this.nextN = lastN + 1;
    const slow = <T>(fn: () => Promise<T>) => this.slow(fn);
    const drain = () => this.drainForRead();
    const rawStream = raw.stream?.bind(raw);
    this.adapter = wrapAdapter(raw, {
      query: async (sql: string, params?: readonly Param[]) => {
        await this.drainForRead();
        return raw.query(sql, params);
      },
      exec: (sql: string) => slow(() => raw.exec(sql)),
      write: <T>(fn: (tx: SqlRunner) => Promise<T>) => slow(() => raw.write(fn)),
      read: async <T>(fn: (tx: SqlRunner) => Promise<T>, limit?: ReadLimit) => {
        await this.drainForRead();
        return raw.read(fn, limit);
      },
      // A long read sees what was answered before it, as `read` does.
      ...(rawStream
        ? {
            stream: async function* (sql: string, params?: readonly Param[], limit?: ReadLimit) {
              await drain();
              yield* rawStream(sql, params, limit);
            },
          }
        : {}),
      close: () => this.close(),
    });
  }

  /**
   * Opens the journal at `path` (null: in memory, for a `:memory:` database) beside `raw`'s database. The
   * records it holds that the database has not applied are applied by `recover`, once the context exists.
   */
  static async open(raw: SqlAdapter, path: string | null, warn: (message: string) => void = () => {}): Promise<WriteBack> {
    const applied = await raw.write(async (tx) => {
      await tx.exec("CREATE TABLE IF NOT EXISTS segql_journal_state (id INTEGER PRIMARY KEY, applied BIGINT NOT NULL)");
      const rows = await tx.query("SELECT applied FROM segql_journal_state WHERE id = 0");
      if (rows.length === 0) await tx.query("INSERT INTO segql_journal_state VALUES (0, 0)");
      return rows.length === 0 ? 0 : num(rows[0]!["applied"]);
    });
    const { journal, records } = Journal.open(path, warn);
    const wb = new WriteBack(raw, journal, Math.max(applied, ...records.map((r) => r.n)));
    wb.pending = records.filter((r) => r.n > applied);
    // Records the database holds already (a crash after a commit, before the journal was emptied).
    try {
      journal.applied(applied);
    } catch (e) {
      wb.journalFault = e;
    }
    return wb;
  }

  /**
   * Applies what the journal holds and the database does not (after a crash). Throws `JournalApplyError`
   * (`atOpen`) when a record cannot be applied: the records before it are applied, it and the later ones
   * stay in the journal.
   */
  async recover(ctx: Ctx): Promise<void> {
    this.ctx = ctx;
    await this.drain();
    this.opened = true;
  }

  /**
   * Upserts `writes` on the write-back path, or returns null when this write must take the ordinary one
   * (many contacts, a segment reading events affected for an existing contact, storage overrides, a write
   * or a failure in progress). Throws `ContactChangedError` (nothing written) when `expectations` differ
   * from the cached rows.
   */
  async tryUpsert(writes: ContactWrites, expectations: ContactExpectations | null = null): Promise<WriteResult | null> {
    const ctx = this.ctx;
    if (!ctx || this.closed || this.blocked > 0 || this.failure !== null || this.journalFault !== null || writes.size === 0 || writes.size > FEW || !plainColumns(ctx)) return null;
    const keys = [...writes.keys()];
    const generation = this.generation;
    const missing = keys.filter((k) => !this.cache.has(k));
    if (missing.length > 0 || !this.planTrusted || !ctx.plan) {
      const loaded = await this.raw.read(async (tx) => {
        const pairs = await memberPairs(tx, missing);
        const cond = await keysIn(tx, ctx.key, missing);
        const rows = missing.length > 0 ? await tx.query(`SELECT * FROM ${ctx.table} WHERE ${cond.sql}`, cond.params) : [];
        await evaluationPlan(ctx, tx, pairs.signature);
        return { pairs, rows };
      });
      if (this.blocked > 0 || generation !== this.generation) return null;
      const byKey = new Map(loaded.rows.map((r) => [String(r[ctx.contactCols[0]!.name]), r]));
      for (const k of missing) {
        // Another upsert of the same contact may have filled it meanwhile, with writes not yet applied.
        if (!this.cache.has(k)) this.cache.set(k, { row: byKey.get(k) ?? null, statics: loaded.pairs.statics.get(k) ?? [], current: new Set(loaded.pairs.current.get(k) ?? []) });
      }
      this.planTrusted = true;
    }
    const now = ctx.clock();
    for (let attempt = 0; attempt < 3; attempt++) {
      // A record refused (or the journal failed) while this upsert awaited: the ordinary path refuses it.
      if (this.failure !== null || this.journalFault !== null) return null;
      // The cache holds every contact as stored with the records before this one: the compare-and-set is
      // checked in the same step as the record is appended, so no other upsert can come between them.
      if (expectations) {
        const conflicts = staleValues(ctx, expectations, (k) => this.cache.get(k)!.row);
        if (conflicts.length > 0) throw new ContactChangedError(conflicts);
      }
      const outcome = this.evaluate(ctx, keys, writes, now);
      if (outcome === null) return null;
      if (this.pool.length - this.poolAt < outcome.changes.length) {
        await this.reserve(outcome.changes.length);
        if (this.blocked > 0 || generation !== this.generation) return null;
        continue;
      }
      // From here to the return, nothing awaits: this upsert is one step among the others.
      const changes: MembershipChange[] = outcome.changes.map((c) => ({ seq: this.pool[this.poolAt++]!, segmentId: c.segmentId, key: c.key, change: c.change, at: iso(now), segmentVersion: c.version }));
      const record: JournalRecord = {
        n: this.nextN,
        writes: keys.map((k) => [k, [...writes.get(k)!]]),
        inserted: outcome.inserted,
        changes: changes.map((c) => [c.seq, c.segmentId, c.key, c.change, now, c.segmentVersion]),
        members: [...outcome.members].map(([k, set]) => [k, [...set]]),
      };
      this.journal.append(record);
      this.nextN++;
      for (const [k, row] of outcome.rows) this.cache.get(k)!.row = row;
      for (const [k, set] of outcome.members) this.cache.get(k)!.current = set;
      this.pending.push(record);
      if (this.floor !== null) {
        this.tail.push(...changes);
        if (this.tail.length > TAIL) this.floor = this.tail.splice(0, this.tail.length - TAIL).at(-1)!.seq;
      }
      this.schedule();
      this.taken++;
      if (changes.length > 0) this.onChanges(changes[changes.length - 1]!.seq);
      return { inserted: outcome.inserted.length, updated: keys.length - outcome.inserted.length, changes };
    }
    return null;
  }

  /** The feed after `since` from memory, or null when memory does not hold all of it. */
  changesFromMemory(since: number, limit: number, segmentId: number | undefined): ChangesPage | null {
    if (this.floor === null || since < this.floor || this.failure !== null) return null;
    const items: MembershipChange[] = [];
    for (const c of this.tail) {
      if (c.seq <= since || (segmentId !== undefined && c.segmentId !== segmentId)) continue;
      items.push(c);
      if (items.length === limit) break;
    }
    return { items, next: items.length > 0 ? items[items.length - 1]!.seq : since };
  }

  /**
   * Applies every pending record to the database. Rejects with `JournalApplyError` once a record cannot
   * be applied (then at once, without trying again: the store must be reopened).
   */
  drain(): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.draining) return this.draining;
    if (this.pending.length === 0) return Promise.resolve();
    if (!this.ctx) return Promise.reject(new Error("the store is not open yet"));
    const ctx = this.ctx;
    this.draining = (async () => {
      try {
        while (this.pending.length > 0) await this.applyBatch(ctx, this.pending.slice(0, BATCH));
        if (this.cache.size > CACHE) this.cache.clear();
      } finally {
        this.draining = null;
      }
    })();
    return this.draining;
  }

  /**
   * Before a read: applies the pending records, so the read sees every acknowledged upsert; once a record
   * cannot be applied, reads go on over the database as it is (without it and the records after it).
   */
  private async drainForRead(): Promise<void> {
    try {
      await this.drain();
    } catch (e) {
      if (!(e instanceof JournalApplyError) || !this.opened) throw e;
    }
  }

  /**
   * Applies `batch` (the first pending records) in one transaction. When that fails, tries each record once
   * in a transaction of its own, in order (a failure that does not come back, such as a lost connection or
   * a full disk, costs no more than this): the records before a bad one are applied, and the bad one stops
   * the write-back path with a `JournalApplyError` saying which record and why.
   */
  private async applyBatch(ctx: Ctx, batch: readonly JournalRecord[]): Promise<void> {
    try {
      await this.raw.write((tx) => applyRecords(ctx, tx, batch));
      this.appliedThrough(batch.length);
      return;
    } catch {
      // Found below, record by record.
    }
    for (const record of batch) {
      try {
        await this.raw.write((tx) => applyRecords(ctx, tx, [record]));
      } catch (e) {
        this.failure = new JournalApplyError({
          database: this.raw.location,
          journal: this.journal.path,
          record: record.n,
          line: this.journal.lineOf(record.n),
          pending: this.pending.length,
          lastRecord: this.pending.at(-1)!.n,
          reason: reasonOf(e),
          atOpen: !this.opened,
        });
        // The feed's tail shows changes the database does not hold: from now on it is read from there.
        this.tail = [];
        this.floor = null;
        throw this.failure;
      }
      this.appliedThrough(1);
    }
  }

  /** The first `count` pending records are committed: they leave `pending`, and the journal reclaims them. */
  private appliedThrough(count: number): void {
    const last = this.pending[count - 1]!.n;
    this.pending.splice(0, count);
    try {
      this.journal.applied(last);
    } catch (e) {
      // A rewritten journal whose directory entry could not be synced: acknowledge nothing more from it.
      this.journalFault = e;
    }
  }

  private schedule(): void {
    if (this.timer !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      // A failure is kept in `failure` and reported by the next operation's drain.
      this.drain().catch(() => undefined);
    }, this.drainDelayMs);
    this.timer.unref?.();
  }

  /**
   * Runs an ordinary write (in one transaction) that changes only the rows, events and memberships of the
   * contacts `keys` (an upsert or event append on the ordinary path): the cache keeps the other contacts
   * and the plan, so their next upserts stay on this path.
   */
  writeFor<T>(keys: readonly string[], fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
    return this.slow(() => this.raw.write(fn), keys);
  }

  /**
   * Runs an ordinary write (or DDL): pending records first; afterwards the cache (of every contact, or of
   * `keys` only) is stale, and so are the reserved sequence numbers (the write took later ones).
   */
  private async slow<T>(fn: () => Promise<T>, keys?: readonly string[]): Promise<T> {
    this.blocked++;
    try {
      await this.drain();
      return await fn();
    } finally {
      this.blocked--;
      this.generation++;
      if (keys) for (const k of keys) this.cache.delete(k);
      else {
        this.cache.clear();
        this.planTrusted = false;
      }
      this.pool = [];
      this.poolAt = 0;
      this.tail = [];
      this.floor = null;
    }
  }

  private async reserve(n: number): Promise<void> {
    const rows = await this.raw.write((tx) => tx.query("SELECT nextval('segql_change_seq') AS s FROM range($1)", [Math.max(n, SEQ_BLOCK)]));
    const seqs = rows.map((r) => num(r["s"])).sort((a, b) => a - b);
    // Every seq in the database came from the sequence before these (or from an earlier block).
    if (this.floor === null) this.floor = seqs[0]! - 1;
    this.pool = seqs;
    this.poolAt = 0;
  }

  /** The re-evaluation of `keys` after `writes`, from the cache; null when it needs events. */
  private evaluate(ctx: Ctx, keys: readonly string[], writes: ContactWrites, now: number) {
    const targets = ctx.plan!.targets;
    const changes: { segmentId: number; version: number; key: string; change: "entered" | "exited" }[] = [];
    const rows = new Map<string, Row>();
    const members = new Map<string, Set<number>>();
    const inserted: string[] = [];
    for (const key of keys) {
      const cached = this.cache.get(key)!;
      const written = writes.get(key)!;
      const isNew = cached.row === null;
      const row: Row = isNew ? blankRow(ctx, key) : { ...cached.row };
      for (const [name, text] of written) row[name] = decodeText(text, ctx.contactCols.find((c) => c.name === name)!);
      rows.set(key, row);
      if (isNew) inserted.push(key);
      const relevant = relevantTargets(targets, isNew ? undefined : new Set(written.keys()), false);
      // A new contact has no events yet; an existing one's would have to be read.
      if (!isNew && relevant.some((t) => t.events)) return null;
      if (relevant.length === 0) continue;
      const contact = { ...decodeContact(row, ctx.schema, ctx.contactCols), [STATIC_FIELD]: cached.statics.map(String) };
      let next: Set<number> | null = null;
      for (const t of relevant) {
        const id = t.entry.row.id;
        const is = predicateAt(ctx, t, now)(contact, []);
        if (is === cached.current.has(id)) continue;
        next ??= new Set(cached.current);
        if (is) next.add(id);
        else next.delete(id);
        changes.push({ segmentId: id, version: t.entry.row.version, key, change: is ? "entered" : "exited" });
      }
      if (next) members.set(key, next);
    }
    // In the ordinary path's order: contact by contact, each in the plan's order of segments.
    return { changes, rows, members, inserted };
  }

  private async close(): Promise<void> {
    if (this.closed) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    try {
      if (this.failure === null) await this.drain();
    } finally {
      this.closed = true;
      this.journal.close();
      await this.raw.close();
    }
  }
}

/** Whether every contact column holds a plain type whose stored value `decodeText` predicts exactly. */
function plainColumns(ctx: Ctx): boolean {
  return ctx.contactCols.every((c) => c.storage === undefined && c.type !== "json") && (ctx.contactCols[0]!.type === "string" || ctx.contactCols[0]!.type === "enum");
}

/** A new contact's row before its fields are written: the key, every other column empty. */
function blankRow(ctx: Ctx, key: string): Row {
  const row: Row = {};
  for (const c of ctx.contactCols) row[c.name] = null;
  row[ctx.contactCols[0]!.name] = key;
  return row;
}

/**
 * The value DuckDB stores and returns (in the adapter's normal form) for the text `encodeValue` made,
 * for the plain column types (`plainColumns`): test/store's differential tests compare the two paths.
 */
function decodeText(text: string | null, col: ColumnPlan): unknown {
  if (text === null) return null;
  switch (col.type) {
    case "number":
      return Number(text);
    case "boolean":
      return text === "true";
    case "timestamp":
      return new Date(`${text.replace(" ", "T")}Z`).toISOString();
    case "list":
      return JSON.parse(text) as unknown;
    default:
      return text;
  }
}

/** DuckDB's (or the store's) message for a record that cannot be applied, on one line. */
function reasonOf(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  // DuckDB appends the statement with a caret under the fault ("LINE 1: …"): SQL the user never wrote.
  return text.replace(/\n+LINE \d+:[\s\S]*$/, "").replace(/\s*\n\s*/g, " ").trim().slice(0, 2000);
}

/** Applies journal records in `tx`: contacts, the change log, memberships, member counts, the mark. */
async function applyRecords(ctx: Ctx, tx: SqlRunner, batch: readonly JournalRecord[]): Promise<void> {
  const writes: ContactWrites = new Map();
  const columns = new Set(ctx.contactCols.map((c) => c.name));
  for (const r of batch) {
    for (const [key, cols] of r.writes) {
      const m = writes.get(key) ?? new Map<string, string | null>();
      for (const [c, v] of cols) {
        // The journal outlives the process that wrote it: a record may name a column the schema lost.
        if (!columns.has(c)) throw new Error(`it writes the column ${JSON.stringify(c)}, which the store's contacts do not have`);
        m.set(c, v);
      }
      writes.set(key, m);
    }
  }
  if (writes.size > 0) await upsertContacts(ctx, tx, writes);
  const changes = batch.flatMap((r) => r.changes);
  if (changes.length > 0) {
    const rel = await rowsRelation(tx, "journal_changes", 6, changes.map((c) => c.map(String)));
    await tx.query(
      `INSERT INTO segql_membership_changes (seq, segment_id, contact_key, change, at_ms, segment_version)
       SELECT CAST(u.c0 AS BIGINT), CAST(u.c1 AS BIGINT), u.c2, u.c3, CAST(u.c4 AS BIGINT), CAST(u.c5 AS INTEGER) FROM ${rel.sql} AS u ORDER BY 1`,
      rel.params,
    );
  }
  const members = new Map<string, number[]>();
  for (const r of batch) for (const [key, ids] of r.members) members.set(key, ids);
  if (members.size > 0) {
    const keys = [...members.keys()];
    // By key alone: DuckDB uses the contact_key index only for a lone equality (see membership.ts).
    if (keys.length <= FEW) for (const key of keys) await tx.query("DELETE FROM segql_memberships WHERE contact_key = $1", [key]);
    else {
      const cond = await keysIn(tx, "contact_key", keys);
      await tx.query(`DELETE FROM segql_memberships WHERE ${cond.sql}`, cond.params);
    }
    const pairs = [...members].flatMap(([key, ids]) => ids.map((id) => [String(id), key]));
    if (pairs.length > 0) {
      const rel = await rowsRelation(tx, "journal_members", 2, pairs);
      await tx.query(`INSERT INTO segql_memberships (segment_id, contact_key) SELECT CAST(u.c0 AS BIGINT), u.c1 FROM ${rel.sql} AS u`, rel.params);
    }
  }
  const delta = new Map<number, number>();
  for (const [, id, , change] of changes) delta.set(id, (delta.get(id) ?? 0) + (change === "entered" ? 1 : -1));
  await addToMemberCounts(tx, delta);
  await tx.query("UPDATE segql_journal_state SET applied = $1 WHERE id = 0", [batch[batch.length - 1]!.n]);
}
