/**
 * The store's implementation over an `SqlAdapter` (adapter.ts): segments, versions, static members,
 * contacts and events. Every write runs in one transaction under the adapter's write lock, so checks
 * (name free, version matches, keys exist) and the writes they guard cannot interleave with others.
 * The membership engine is membership.ts; preview and why are evaluation.ts; imports imports.ts.
 */
import { analysisWarnings, type DiffOptions, type SegmentDiff } from "../analysis/index.js";
import type { Diagnostic } from "../diagnostics.js";
import type { TypedQuery } from "../checker/typed-ast.js";
import { compileSql } from "../compiler/sql/index.js";
import { quoteString } from "../parser/format.js";
import { num, quoteIdent, type Param, type ReadLimit, type Row, type SqlAdapter, type SqlRunner } from "./adapter.js";
import { Catalog, refNodes, sortDiagnostics, type Entry } from "./catalog.js";
import { contactEvents, contactRowsAfter, contactsWhere, findContactKeys, listContacts, memberCountHistory, segmentChanges, segmentOrderColumn } from "./contacts.js";
import { Ctx, iso, segmentRow } from "./context.js";
import { migrate } from "./ddl.js";
import { openDuckDb } from "./duckdb.js";
import {
  CancelledError,
  ConflictError,
  InvalidExpressionError,
  InvalidInputError,
  NameTakenError,
  NotFoundError,
  CursorAheadError,
  QueryTimeoutError,
  ReferencedError,
  StoreError,
  UnknownKeysError,
} from "./errors.js";
import { diffConditions, preview, typedCondition, why } from "./evaluation.js";
import { ChangeWatch, LAST_SEQ_SQL, watchWrites } from "./change-watch.js";
import { eraseHistory, erasureNeedles } from "./erasure.js";
import { withTrashHints } from "./trash-hints.js";
import { importFile, importRecordOf, markInterruptedImports } from "./imports.js";
import { CLEAR_REFRESH_FAILURE, limitText, recordRefreshFailure, REFRESH_FAILED_SQL, REFRESH_LOG_COLUMNS, refreshChangeOf, refreshStatusOf, timedOutFailure } from "./refresh-status.js";
import { logSegmentChange, SEGMENT_LOG_COLUMNS, segmentChangeOf } from "./segment-log.js";
import { applyDiff, changeOf, loadContacts, memberPairs, reevaluate, refreshSegment, resetDiff, writeDiffs, type MemberTable } from "./membership.js";
import { duckdbPhysical, postgresPhysical } from "./physical.js";
import { openPglite, openPostgres } from "./postgres.js";
import type {
  ChangesOptions,
  ChangesPage,
  FeedInclude,
  FeedItem,
  ContactPage,
  ContactPagesOptions,
  MemberPagesOptions,
  ListContactsOptions,
  MemberCountPoint,
  SegmentChangesOptions,
  SegmentChangesPage,
  ConditionTarget,
  ContactInput,
  ContactEventsPage,
  ContactRecord,
  ContactValues,
  CreateSegmentInput,
  DeletedSegment,
  DeleteOptions,
  DuplicateOptions,
  EventInput,
  ExpressionCheck,
  ImportOptions,
  DeleteContactsOptions,
  DeletedContacts,
  ImportRecord,
  ImportReport,
  ListImportsOptions,
  KeyLookup,
  ListDeletedOptions,
  EmptyTrashOptions,
  ListSegmentsOptions,
  MemberOptions,
  MembersOptions,
  MembersPage,
  MemberUpdate,
  OpenStoreOptions,
  Page,
  Preview,
  PreviewOptions,
  RefreshOptions,
  RefreshResult,
  RestoreOptions,
  Segment,
  SegmentChanges,
  SegmentId,
  SegmentKind,
  SegmentVersion,
  Store,
  StoreStats,
  UpdateOptions,
  UpsertContactsOptions,
  Why,
  WriteOptions,
  WriteResult,
} from "./types.js";
import { decodeContact } from "./values.js";
import { checkExpectations, checkedExpectations } from "./expectations.js";
import { WriteBack } from "./write-back.js";
import { encodeContacts, encodeEvents, existingKeys, insertEvents, keysIn, rowsRelation, upsertContacts } from "./writes.js";

/** Longest segment name, description and expression accepted. */
const MAX_NAME = 200;
const MAX_DESCRIPTION = 10_000;
const MAX_EXPRESSION = 100_000;
/** Keys one `deleteContacts` call takes (a larger erasure is several calls, each its own transaction). */
const MAX_DELETED_KEYS = 10_000;
/** Longest wait of `changes` (ms): an hour; the API allows 60 s. */
const MAX_WAIT_MS = 3_600_000;
/** The default time limit of a read made from a user's expression (ms): `OpenStoreOptions.queryTimeoutMs`. */
export const DEFAULT_QUERY_TIMEOUT_MS = 30_000;
/** The longest limit taken (ms): a day; Node's timers hold at most 2^31-1 ms. */
const MAX_QUERY_TIMEOUT_MS = 86_400_000;

/** `OpenStoreOptions.queryTimeoutMs`, checked. */
function queryTimeoutOf(ms: number | undefined): number {
  if (ms === undefined) return DEFAULT_QUERY_TIMEOUT_MS;
  if (typeof ms !== "number" || !Number.isInteger(ms) || ms < 0 || ms > MAX_QUERY_TIMEOUT_MS) {
    throw new InvalidInputError([{ path: "queryTimeoutMs", message: `expected a whole number of milliseconds from 0 (no limit) to ${MAX_QUERY_TIMEOUT_MS} (a day), got ${JSON.stringify(ms)}` }]);
  }
  return ms;
}
/** How often a waiting `changes` reads the feed's last number on PostgreSQL, for other processes' writes (ms). */
const DEFAULT_CHANGE_POLL_MS = 1000;

/** Opens a store (see `openStore`). */
export async function openStoreImpl(options: OpenStoreOptions): Promise<Store> {
  const db = options.db ?? "segql.duckdb";
  const limitMs = queryTimeoutOf(options.queryTimeoutMs);
  const pg = options.pgSchema !== undefined ? { pgSchema: options.pgSchema } : {};
  let adapter: SqlAdapter;
  if (options.pglite !== undefined) adapter = await openPglite(options.pglite, pg);
  else if (/^postgres(ql)?:\/\//i.test(db)) adapter = await openPostgres(db, pg);
  else adapter = await openDuckDb(db);
  const physical = adapter.kind === "duckdb" ? duckdbPhysical : postgresPhysical;
  // Waits on the feed (change-watch.ts) learn of every commit through the adapter; on PostgreSQL other
  // processes write too, so a wait also reads the feed's last number every second.
  const raw = adapter;
  const watch = new ChangeWatch(async () => num((await raw.query(LAST_SEQ_SQL))[0]?.["n"]), adapter.kind === "postgres" ? (options.changePollMs ?? DEFAULT_CHANGE_POLL_MS) : null);
  adapter = watchWrites(adapter, watch);
  try {
    const schema = await adapter.write(async (tx) => {
      const schema = await migrate(tx, physical, adapter.kind, options.schema);
      await markInterruptedImports(tx);
      return schema;
    });
    if (adapter.kind !== "duckdb" || options.writeBack === false) return new SqlStore(new Ctx(adapter, physical, schema, options.clock ?? Date.now), null, watch, limitMs);
    // A DuckDB file has one writer, this process: contact upserts take the write-back path (write-back.ts).
    const warn = options.warn ?? ((message: string) => process.emitWarning(message, { code: "SEGQL_STORE" }));
    const writeBack = await WriteBack.open(adapter, db === ":memory:" ? null : `${db}.segql-journal`, warn);
    writeBack.onChanges = (seq) => watch.advanced(seq);
    adapter = writeBack.adapter;
    const ctx = new Ctx(adapter, physical, schema, options.clock ?? Date.now);
    await writeBack.recover(ctx);
    return new SqlStore(ctx, writeBack, watch, limitMs);
  } catch (e) {
    await adapter.close().catch(() => undefined);
    throw e;
  }
}

/** A write's time limit said as such: its `QueryTimeoutError` says nothing was saved (the write rolls back). */
async function unsaved<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (e) {
    if (e instanceof QueryTimeoutError && !e.unsaved) throw new QueryTimeoutError(e.operation, e.limitMs, true);
    throw e;
  }
}

/** A refresh's `skipped` when it ran past the time limit (its write rolled back). */
function timedOutRefresh(limitMs: number): string {
  return `its refresh took longer than the query time limit (${limitText(limitMs)}) and was stopped: its members are as its last refresh left them, and the next refresh tries again; simplify its expression or raise the limit (segql serve --query-timeout)`;
}

/** The `Store` over SQL. */
export class SqlStore implements Store {
  constructor(
    private readonly ctx: Ctx,
    /** The DuckDB store's write-back path (null on PostgreSQL, where other processes write too). */
    private readonly writeBack: WriteBack | null,
    /** The feed's last sequence number and the `changes` calls waiting for it to move. */
    private readonly watch: ChangeWatch,
    /** How long a read made from a user's expression may run (ms; 0: no limit). */
    private readonly queryTimeoutMs: number = DEFAULT_QUERY_TIMEOUT_MS,
  ) {}

  /**
   * The time limit of a read made from a user's expression (`what` names it in the error): a condition the
   * database cannot plan quickly (DuckDB's planner is quadratic in a wide `or` of `and`s) is stopped rather
   * than hold a connection for minutes. Writes never get one: they are not stopped half-way.
   */
  private limit(what: string, signal?: AbortSignal): ReadLimit {
    return { ms: this.queryTimeoutMs, what, ...(signal ? { signal } : {}) };
  }

  /**
   * A read of stored rows only (no expression of the caller's, so no time limit) that its caller's signal
   * stops: a page nobody waits for any more (the web app aborts a search typed on) does not run to its end.
   */
  private stoppable(what: string, signal: AbortSignal | undefined): ReadLimit | undefined {
    return signal ? { ms: 0, what, signal } : undefined;
  }

  /**
   * Refreshes `e` in the write `tx` under the time limit: a condition the database cannot run quickly fails
   * the write with `QueryTimeoutError` (rolled back: a create or edit is refused and nothing is saved)
   * rather than hold the write lock, and every write behind it, for as long as it takes.
   */
  private refreshOne(tx: SqlRunner, catalog: Catalog, e: Entry, now: number): Promise<RefreshResult> {
    return unsaved(refreshSegment(this.ctx, tx, catalog, e, this.ctx.checkSaved(catalog, e), now, this.limit(`refresh of segment ${JSON.stringify(e.row.name)}`)));
  }

  get schema() {
    return this.ctx.schema;
  }
  get backend() {
    return this.ctx.adapter.kind;
  }
  get location() {
    return this.ctx.adapter.location;
  }

  /** The store's own transactions: a segment's not-found says when the segment is in the trash (trash-hints.ts). */
  private get db(): SqlAdapter {
    return (this.hintedDb ??= withTrashHints(this.ctx.adapter));
  }
  private hintedDb: SqlAdapter | null = null;

  /** A write that changes only the contacts `keys` (their rows, events, memberships). */
  private writeFor<T>(keys: readonly string[], fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
    return this.writeBack ? this.writeBack.writeFor(keys, fn) : this.db.write(fn);
  }

  // ---- segments -------------------------------------------------------------------------------------

  async listSegments(options: ListSegmentsOptions = {}): Promise<Page<Segment>> {
    const limit = clampInt(options.limit, 100, 1, 1000, "limit");
    const order = options.orderBy ?? "name";
    const column = segmentOrderColumn(order);
    const descending = options.descending === true;
    // The default order pages by (name, id) keys, so a page does not shift when segments are added before
    // it; the other orders page by offset.
    const keyset = order === "name" && !descending;
    const after = keyset && options.cursor ? decodeCursor(options.cursor) : null;
    const offset = !keyset && options.cursor ? decodeOffset(options.cursor) : 0;
    if (options.search !== undefined && typeof options.search !== "string") throw new InvalidInputError([{ path: "search", message: "expected text" }]);
    if (options.refresh !== undefined && options.refresh !== "failed") throw new InvalidInputError([{ path: "refresh", message: `expected "failed", found ${JSON.stringify(options.refresh)}` }]);
    // A name holds no U+0000 (checkName), so such a search finds none; PostgreSQL would refuse the text itself.
    if (options.search?.includes("\u0000")) return { items: [], next: null };
    return this.db.read(async (tx) => {
      const catalog = await this.ctx.catalog(tx);
      const where: string[] = [];
      const params: Param[] = [];
      const param = (v: Param) => {
        params.push(v);
        return `$${params.length}`;
      };
      if (options.kind) where.push(`kind = ${param(options.kind)}`);
      if (options.search) where.push(`strpos(name_key, ${param(options.search.toLowerCase())}) > 0`);
      if (options.refresh === "failed") where.push(REFRESH_FAILED_SQL);
      if (after) {
        const name = param(after.name.toLowerCase());
        where.push(`(name_key COLLATE "C" > ${name} OR (name_key = ${name} AND id > ${param(after.id)}))`);
      }
      const rows = await tx.query(
        `SELECT id FROM segql_segments${where.length > 0 ? ` WHERE ${where.join(" AND ")}` : ""}
         ORDER BY ${column} ${descending ? "DESC" : "ASC"}, id ASC LIMIT ${param(limit + 1)} OFFSET ${param(offset)}`,
        params,
      );
      const items = rows.slice(0, limit).map((r) => this.segmentOf(catalog, this.entry(catalog, num(r["id"]))));
      const last = items[items.length - 1];
      const more = rows.length > limit && last !== undefined;
      return { items, next: !more ? null : keyset ? encodeCursor({ name: last.name, id: last.id }) : encodeOffset(offset + limit) };
    }, this.stoppable("segment list", options.signal));
  }

  async getSegment(id: SegmentId): Promise<Segment> {
    return this.db.read(async (tx) => {
      const catalog = await this.ctx.catalog(tx);
      return this.segmentOf(catalog, this.entry(catalog, id));
    });
  }

  async findSegment(nameOrId: string): Promise<Segment> {
    return this.db.read(async (tx) => {
      const catalog = await this.ctx.catalog(tx);
      const byName = catalog.byKey.get(nameOrId.toLowerCase());
      if (byName) return this.segmentOf(catalog, byName);
      const m = /^#?(\d+)$/.exec(nameOrId.trim());
      const byId = m ? catalog.byId.get(Number(m[1])) : undefined;
      if (byId) return this.segmentOf(catalog, byId);
      throw new NotFoundError("segment", nameOrId);
    });
  }

  async createSegment(input: CreateSegmentInput, options: WriteOptions = {}): Promise<Segment> {
    const by = byOf(options);
    const name = checkName(input?.name, "name");
    const description = checkDescription(input?.description);
    const kind = input?.kind;
    if (kind !== "static" && kind !== "dynamic") throw new InvalidInputError([{ path: "kind", message: `expected "static" or "dynamic", found ${JSON.stringify(kind) ?? "nothing"}` }]);
    if (kind === "dynamic") {
      if (typeof input.expression !== "string") throw new InvalidInputError([{ path: "expression", message: "a dynamic segment needs an expression" }]);
      if (input.members !== undefined || input.freeze !== undefined) throw new InvalidInputError([{ path: input.members !== undefined ? "members" : "freeze", message: "only static segments have a member list" }]);
      checkExpressionText(input.expression, "expression");
    } else {
      if (input.expression !== undefined) throw new InvalidInputError([{ path: "expression", message: "a static segment has no expression (give members or freeze)" }]);
      if (input.members !== undefined && !isStringArray(input.members)) throw new InvalidInputError([{ path: "members", message: "expected an array of contact keys (strings)" }]);
      if (input.freeze !== undefined) checkExpressionText(input.freeze, "freeze");
    }
    const { segment, readers } = await this.db.write(async (tx) => {
      const now = this.ctx.clock();
      let catalog = await this.ctx.catalog(tx);
      this.nameFree(catalog, name, null);
      const expression = kind === "dynamic" ? input.expression! : null;
      if (expression !== null) this.checkOrThrow(catalog, expression, { name });
      const id = await this.nextId(tx);
      await tx.query(
        `INSERT INTO segql_segments (id, name, name_key, description, kind, expression, version, created_at, created_by, updated_at, updated_by, member_count)
         VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, $7, $8, 0)`,
        [id, name, name.toLowerCase(), description, kind, expression, now, by],
      );
      await this.recordVersion(tx, id, 1, { name, description, kind, expression }, now, by, ["created"]);
      catalog = await this.ctx.catalog(tx);
      const entry = catalog.byId.get(id)!;
      if (kind === "dynamic") {
        await this.refreshOne(tx, catalog, entry, now);
      } else {
        if (input.members) await this.editStatic(tx, catalog, entry, input.members, "add", {}, now);
        if (input.freeze !== undefined) await this.addMatching(tx, catalog, entry, input.freeze, now);
      }
      catalog = await this.ctx.catalog(tx);
      // The name was free: a segment reading it read an unknown segment (one deleted with force) until now.
      return { segment: this.segmentOf(catalog, catalog.byId.get(id)!), readers: catalog.referrers(id).map((e) => e.row.id) };
    });
    return this.resumeReaders(segment, readers);
  }

  /**
   * Refreshes the segments that read a name which now resolves again (a segment created, or renamed, to the
   * name of one deleted with force), after the write that made it resolve: their refreshes were skipped,
   * their members stale and their pages "out of date" while it did not. As `refresh` does it: one
   * transaction each, each segment reading them after it, each under the query time limit (one past it
   * keeps its members and records why, and the write that made the name resolve stands). Returns
   * `segment` read again (its `referencedBy` and members as they are now) when there were any.
   */
  private async resumeReaders(segment: Segment, readers: readonly number[]): Promise<Segment> {
    if (readers.length === 0) return segment;
    try {
      await this.refresh({ ids: [...readers] });
    } catch (e) {
      // The write that made the name resolve is committed and stands; the next refresh tries them again.
      process.emitWarning(`the segments reading "${segment.name}" (${readers.join(", ")}) could not be refreshed after it was saved: ${e instanceof Error ? e.message : String(e)}`, { code: "SEGQL_STORE" });
      return segment;
    }
    return this.getSegment(segment.id);
  }

  async updateSegment(id: SegmentId, changes: SegmentChanges, options: UpdateOptions = {}): Promise<Segment> {
    const by = byOf(options);
    if (typeof changes !== "object" || changes === null) throw new InvalidInputError([{ path: "", message: "expected an object of changes" }]);
    for (const k of Object.keys(changes)) if (!["name", "description", "expression"].includes(k)) throw new InvalidInputError([{ path: k, message: "unknown property (a segment's name, description and expression can be changed)" }]);
    const name = changes.name !== undefined ? checkName(changes.name, "name") : undefined;
    const description = changes.description !== undefined ? checkDescription(changes.description) : undefined;
    if (changes.expression !== undefined) checkExpressionText(changes.expression, "expression");
    let readers: number[] = [];
    const segment = await this.db.write(async (tx) => {
      const now = this.ctx.clock();
      let catalog = await this.ctx.catalog(tx);
      let entry = this.entry(catalog, id);
      this.versionMatches(catalog, entry, options.expectedVersion);
      const row = entry.row;
      const changed: string[] = [];
      if (changes.expression !== undefined && row.kind !== "dynamic") throw new InvalidInputError([{ path: "expression", message: "a static segment has no expression" }]);
      let newName = row.name;
      if (name !== undefined && name !== row.name) {
        this.nameFree(catalog, name, id);
        newName = name;
        changed.push("name");
        // The new name was free: the segments reading it read an unknown segment (one deleted with force).
        // Renamed to it, this one is what they read now (those reading the old name follow it, rewritten).
        readers = [...catalog.byId.values()].filter((e) => e.row.kind === "dynamic" && e.row.id !== id && e.refs.includes(name)).map((e) => e.row.id);
        await this.renameReferences(tx, catalog, row.name, name, now, by);
      }
      const newDescription = description !== undefined && description !== row.description ? description : row.description;
      if (newDescription !== row.description) changed.push("description");
      let newExpression = row.expression;
      if (changes.expression !== undefined && changes.expression !== row.expression) {
        // Check against the segments as they are after the rename (references to the old name rewritten).
        catalog = await this.ctx.catalog(tx);
        this.checkOrThrow(catalog, changes.expression, { name: newName, id });
        newExpression = changes.expression;
        changed.push("expression");
      }
      if (changed.length === 0) return this.segmentOf(catalog, this.entry(catalog, id));
      const version = row.version + 1;
      await tx.query(
        "UPDATE segql_segments SET name = $2, name_key = $3, description = $4, expression = $5, version = $6, updated_at = $7, updated_by = $8 WHERE id = $1",
        [id, newName, newName.toLowerCase(), newDescription, newExpression, version, now, by],
      );
      await this.recordVersion(tx, id, version, { name: newName, description: newDescription, kind: row.kind, expression: newExpression }, now, by, changed);
      catalog = await this.ctx.catalog(tx);
      // An edited expression: this segment and every one reading it (the new name's readers too) refreshed here.
      if (changed.includes("expression")) {
        await this.refreshIn(tx, catalog, catalog.affected([id]), now);
        readers = [];
      }
      catalog = await this.ctx.catalog(tx);
      entry = this.entry(catalog, id);
      return this.segmentOf(catalog, entry);
    });
    return this.resumeReaders(segment, readers);
  }

  async duplicateSegment(id: SegmentId, options: DuplicateOptions = {}): Promise<Segment> {
    const by = byOf(options);
    const wanted = options.name !== undefined ? checkName(options.name, "name") : undefined;
    const { segment, readers } = await this.db.write(async (tx) => {
      const now = this.ctx.clock();
      let catalog = await this.ctx.catalog(tx);
      const source = this.entry(catalog, id).row;
      let name = wanted;
      if (name === undefined) {
        const base = `Copy of ${source.name}`.slice(0, MAX_NAME - 5).trimEnd();
        name = base;
        for (let n = 2; catalog.byKey.has(name.toLowerCase()); n++) name = `${base} (${n})`;
      }
      this.nameFree(catalog, name, null);
      const newId = await this.nextId(tx);
      await tx.query(
        `INSERT INTO segql_segments (id, name, name_key, description, kind, expression, version, created_at, created_by, updated_at, updated_by, member_count)
         VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, $7, $8, 0)`,
        [newId, name, name.toLowerCase(), source.description, source.kind, source.expression, now, by],
      );
      await this.recordVersion(tx, newId, 1, { name, description: source.description, kind: source.kind, expression: source.expression }, now, by, ["created"]);
      await tx.query("INSERT INTO segql_segment_copies (segment_id, source_id, source_version, source_name) VALUES ($1, $2, $3, $4)", [newId, source.id, source.version, source.name]);
      catalog = await this.ctx.catalog(tx);
      const entry = catalog.byId.get(newId)!;
      if (source.kind === "dynamic") {
        await this.refreshOne(tx, catalog, entry, now);
      } else {
        await resetDiff(tx);
        await tx.query("INSERT INTO segql_diff (contact_key, change) SELECT contact_key, 'entered' FROM segql_static_members WHERE segment_id = $1", [id]);
        await applyDiff(tx, entry.row, "segql_static_members", now);
      }
      catalog = await this.ctx.catalog(tx);
      // As for a create: the segments reading the copy's name (free until now) read it from now on.
      return { segment: this.segmentOf(catalog, catalog.byId.get(newId)!), readers: catalog.referrers(newId).map((e) => e.row.id) };
    });
    return this.resumeReaders(segment, readers);
  }

  async deleteSegment(id: SegmentId, options: DeleteOptions = {}): Promise<void> {
    const by = byOf(options);
    await this.db.write(async (tx) => {
      const now = this.ctx.clock();
      const catalog = await this.ctx.catalog(tx);
      const entry = this.entry(catalog, id);
      this.versionMatches(catalog, entry, options.expectedVersion);
      const referrers = catalog.referrers(id).filter((e) => e.row.id !== id);
      if (referrers.length > 0 && options.force !== true) throw new ReferencedError(Catalog.summary(entry), referrers.map(Catalog.summary));
      const row = entry.row;
      // Into the trash first: the exits below empty the member list.
      const version = row.version + 1;
      await tx.query(
        `INSERT INTO segql_deleted_segments (id, name, description, kind, expression, version, created_at, created_by, deleted_at, deleted_by, member_count)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [id, row.name, row.description, row.kind, row.expression, version, row.createdAt, row.createdBy, now, by, row.memberCount],
      );
      if (row.kind === "static") await tx.query("INSERT INTO segql_deleted_members (segment_id, contact_key) SELECT segment_id, contact_key FROM segql_static_members WHERE segment_id = $1", [id]);
      await this.recordVersion(tx, id, version, row, now, by, ["deleted"]);
      // Consumers of the feed learn that every member left.
      const table: MemberTable = row.kind === "static" ? "segql_static_members" : "segql_memberships";
      await resetDiff(tx);
      await tx.query(`INSERT INTO segql_diff (contact_key, change) SELECT contact_key, 'exited' FROM ${table} WHERE segment_id = $1`, [id]);
      await applyDiff(tx, row, table, now);
      for (const t of ["segql_memberships", "segql_static_members"]) await tx.query(`DELETE FROM ${t} WHERE segment_id = $1`, [id]);
      await tx.query("DELETE FROM segql_segments WHERE id = $1", [id]);
    });
  }

  async listDeletedSegments(options: ListDeletedOptions = {}): Promise<Page<DeletedSegment>> {
    const limit = clampInt(options.limit, 100, 1, 1000, "limit");
    // Pages by (deleted at, id) keys: a restore or purge between two pages does not shift the next one.
    const after = options.cursor ? decodeDeletedCursor(options.cursor) : null;
    if (options.search !== undefined && typeof options.search !== "string") throw new InvalidInputError([{ path: "search", message: "expected text" }]);
    // A name holds no U+0000 (checkName), so such a search finds none; PostgreSQL would refuse the text itself.
    if (options.search?.includes("\u0000")) return { items: [], next: null };
    return this.db.read(async (tx) => {
      const params: Param[] = [limit + 1];
      const where: string[] = [];
      if (options.search) where.push(`strpos(lower(name), $${params.push(options.search.toLowerCase())}) > 0`);
      if (after) where.push(`(deleted_at < $${params.push(after.at)} OR (deleted_at = $${params.length} AND id < $${params.push(after.id)}))`);
      const rows = await tx.query(`SELECT * FROM segql_deleted_segments${where.length > 0 ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY deleted_at DESC, id DESC LIMIT $1`, params);
      const items = rows.slice(0, limit);
      const last = items[items.length - 1];
      return { items: items.map(deletedSegmentOf), next: rows.length > limit && last ? encodeDeletedCursor(num(last["deleted_at"]), num(last["id"])) : null };
    }, this.stoppable("list of deleted segments", options.signal));
  }

  async restoreSegment(id: SegmentId, options: RestoreOptions = {}): Promise<Segment> {
    const by = byOf(options);
    const wanted = options.name !== undefined ? checkName(options.name, "name") : undefined;
    if (!Number.isSafeInteger(id)) throw new InvalidInputError([{ path: "id", message: `expected a segment id (an integer), found ${JSON.stringify(id)}` }]);
    const { segment, readers } = await this.db.write(async (tx) => {
      const now = this.ctx.clock();
      const found = (await tx.query("SELECT * FROM segql_deleted_segments WHERE id = $1", [id]))[0];
      if (!found) throw new NotFoundError("deleted segment", id);
      const deleted = deletedSegmentOf(found);
      let catalog = await this.ctx.catalog(tx);
      const name = wanted ?? deleted.name;
      this.nameFree(catalog, name, null);
      const version = deleted.version + 1;
      await tx.query(
        `INSERT INTO segql_segments (id, name, name_key, description, kind, expression, version, created_at, created_by, updated_at, updated_by, member_count)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 0)`,
        [id, name, name.toLowerCase(), deleted.description, deleted.kind, deleted.expression, version, num(found["created_at"]), deleted.createdBy, now, by],
      );
      await this.recordVersion(tx, id, version, { ...deleted, name }, now, by, name === deleted.name ? ["restored"] : ["restored", "name"]);
      await tx.query("DELETE FROM segql_deleted_segments WHERE id = $1", [id]);
      catalog = await this.ctx.catalog(tx);
      // Back under another name while its own is free: the segments that read it by its old name (broken
      // by a forced delete) follow it, as after a rename. When another segment has the old name, they read
      // that one and are left alone.
      if (name !== deleted.name && !catalog.byKey.has(deleted.name.toLowerCase())) {
        await this.renameReferences(tx, catalog, deleted.name, name, now, by);
        catalog = await this.ctx.catalog(tx);
      }
      if (deleted.kind === "static") {
        await resetDiff(tx);
        await tx.query("INSERT INTO segql_diff (contact_key, change) SELECT contact_key, 'entered' FROM segql_deleted_members WHERE segment_id = $1", [id]);
        await applyDiff(tx, this.entry(catalog, id).row, "segql_static_members", now);
        await tx.query("DELETE FROM segql_deleted_members WHERE segment_id = $1", [id]);
        catalog = await this.ctx.catalog(tx);
      }
      // Its own members (dynamic) here, as a create does: past the time limit, nothing is restored.
      const entry = this.entry(catalog, id);
      if (entry.row.kind === "dynamic") {
        await this.refreshOne(tx, catalog, entry, now);
        catalog = await this.ctx.catalog(tx);
      }
      // The segments reading it (a forced delete left them with an unknown segment, known again) after the
      // commit, each under the limit: a slow one records why and does not undo the restore.
      return { segment: this.segmentOf(catalog, this.entry(catalog, id)), readers: catalog.referrers(id).map((e) => e.row.id) };
    });
    return this.resumeReaders(segment, readers);
  }

  async purgeDeletedSegment(id: SegmentId, options: WriteOptions = {}): Promise<void> {
    byOf(options);
    if (!Number.isSafeInteger(id)) throw new InvalidInputError([{ path: "id", message: `expected a segment id (an integer), found ${JSON.stringify(id)}` }]);
    await this.db.write(async (tx) => {
      const found = await tx.query("SELECT id FROM segql_deleted_segments WHERE id = $1", [id]);
      if (found.length === 0) throw new NotFoundError("deleted segment", id);
      for (const t of ["segql_deleted_members", "segql_segment_versions", "segql_segment_copies"]) await tx.query(`DELETE FROM ${t} WHERE segment_id = $1`, [id]);
      await tx.query("DELETE FROM segql_deleted_segments WHERE id = $1", [id]);
    });
  }

  async emptyTrash(options: EmptyTrashOptions = {}): Promise<DeletedSegment[]> {
    byOf(options);
    const age = options.olderThanMs;
    if (age !== undefined && !(Number.isSafeInteger(age) && age >= 0)) throw new InvalidInputError([{ path: "olderThanMs", message: `expected milliseconds (an integer, 0 or more), found ${JSON.stringify(age)}` }]);
    return this.db.write(async (tx) => {
      const before = age === undefined ? null : this.ctx.clock() - age;
      const where = before === null ? "" : " WHERE deleted_at < $1";
      const params = before === null ? [] : [before];
      const rows = await tx.query(`SELECT * FROM segql_deleted_segments${where} ORDER BY deleted_at DESC, id DESC`, params);
      if (rows.length === 0) return [];
      // Set-based: a trash of thousands is emptied in a handful of statements, not one transaction per segment.
      for (const t of ["segql_deleted_members", "segql_segment_versions", "segql_segment_copies"]) {
        await tx.query(`DELETE FROM ${t} WHERE segment_id IN (SELECT id FROM segql_deleted_segments${where})`, params);
      }
      await tx.query(`DELETE FROM segql_deleted_segments${where}`, params);
      return rows.map(deletedSegmentOf);
    });
  }

  async convertToStatic(id: SegmentId, options: UpdateOptions = {}): Promise<Segment> {
    const by = byOf(options);
    return this.db.write(async (tx) => {
      const now = this.ctx.clock();
      let catalog = await this.ctx.catalog(tx);
      const entry = this.entry(catalog, id);
      this.versionMatches(catalog, entry, options.expectedVersion);
      if (entry.row.kind === "static") throw new InvalidInputError([{ path: "kind", message: `segment #${id} is already static` }]);
      // The same members, now a list: no one enters or leaves.
      await tx.query("INSERT INTO segql_static_members (segment_id, contact_key) SELECT segment_id, contact_key FROM segql_memberships WHERE segment_id = $1", [id]);
      await tx.query("DELETE FROM segql_memberships WHERE segment_id = $1", [id]);
      const version = entry.row.version + 1;
      await tx.query(`UPDATE segql_segments SET kind = 'static', expression = NULL, version = $2, updated_at = $3, updated_by = $4, refreshed_at = NULL, ${CLEAR_REFRESH_FAILURE} WHERE id = $1`, [id, version, now, by]);
      await this.recordVersion(tx, id, version, { name: entry.row.name, description: entry.row.description, kind: "static", expression: null }, now, by, ["kind"]);
      catalog = await this.ctx.catalog(tx);
      return this.segmentOf(catalog, this.entry(catalog, id));
    });
  }

  async segmentVersions(id: SegmentId): Promise<SegmentVersion[]> {
    return this.db.read(async (tx) => {
      const catalog = await this.ctx.catalog(tx);
      this.entry(catalog, id);
      const rows = await tx.query("SELECT * FROM segql_segment_versions WHERE segment_id = $1 ORDER BY version", [id]);
      const copy = (await tx.query("SELECT source_id, source_version, source_name FROM segql_segment_copies WHERE segment_id = $1", [id]))[0];
      const copiedFrom = copy ? { id: num(copy["source_id"]), version: num(copy["source_version"]), name: String(copy["source_name"]) } : null;
      return rows.map((r) => ({
        segmentId: num(r["segment_id"]),
        version: num(r["version"]),
        name: String(r["name"]),
        description: String(r["description"] ?? ""),
        kind: String(r["kind"]) as Segment["kind"],
        expression: r["expression"] === null || r["expression"] === undefined ? null : String(r["expression"]),
        at: iso(num(r["at_ms"])),
        by: r["by_user"] === null || r["by_user"] === undefined ? null : String(r["by_user"]),
        changed: String(r["changed"]).split(",").filter(Boolean),
        copiedFrom: num(r["version"]) === 1 ? copiedFrom : null,
      }));
    });
  }

  async checkExpression(text: string, options: { segmentId?: SegmentId; analysis?: boolean } = {}): Promise<ExpressionCheck> {
    checkExpressionText(text, "expression");
    return this.db.read(async (tx) => {
      const catalog = await this.ctx.catalog(tx);
      const as = options.segmentId !== undefined ? this.entry(catalog, options.segmentId).row : undefined;
      const checked = catalog.check(text, as ? { name: as.name, id: as.id } : undefined);
      // The static analysis's warnings, as `segql check` gives them; referenced segments count by meaning.
      const warnings = checked.typed && options.analysis !== false ? analysisWarnings([{ schema: this.ctx.schema, expr: checked.typed, name: null, title: null, description: null, references: [], span: checked.typed.span }], { text }) : [];
      return {
        ok: checked.typed !== null,
        diagnostics: warnings.length > 0 ? sortDiagnostics([...checked.diagnostics, ...warnings]) : checked.diagnostics,
        references: checked.references.map(Catalog.summary),
        relativeTime: checked.relativeTime,
      };
    });
  }

  // ---- members --------------------------------------------------------------------------------------

  async members(id: SegmentId, options: MembersOptions = {}): Promise<MembersPage> {
    const limit = clampInt(options.limit, 50, 1, 1000, "limit");
    const offset = options.cursor ? decodeOffset(options.cursor) : 0;
    return this.db.read(async (tx) => {
      const catalog = await this.ctx.catalog(tx);
      const entry = this.entry(catalog, id);
      const table = entry.row.kind === "static" ? "segql_static_members" : "segql_memberships";
      const order = this.ctx.orderBy(options.orderBy, options.descending, "c");
      const rows = await tx.query(
        `SELECT c.* FROM ${this.ctx.table} AS c JOIN ${table} AS m ON m.contact_key = c.${this.ctx.key} WHERE m.segment_id = $1 ORDER BY ${order} LIMIT $2 OFFSET $3`,
        [id, limit + 1, offset],
      );
      const items = rows.slice(0, limit).map((r) => decodeContact(r, this.ctx.schema, this.ctx.contactCols));
      return { items, total: entry.row.memberCount, next: rows.length > limit ? encodeOffset(offset + limit) : null };
    });
  }

  async *memberPages(id: SegmentId, options: MemberPagesOptions = {}): AsyncGenerator<ContactValues[], void, undefined> {
    const size = clampInt(options.pageSize, 1000, 1, 10_000, "pageSize");
    // Each step (the query up to its first rows, each chunk after) under the time limit: an export that
    // makes progress goes on however long; the signal (its client went away) stops the step running.
    const limit = this.limit("members export", options.signal);
    const keyName = this.ctx.contactCols[0]!.field?.name ?? this.ctx.schema.key;
    const key = `c.${this.ctx.key}`;
    const tableIn = async (tx: SqlRunner) => (this.entry(await this.ctx.catalog(tx), id).row.kind === "static" ? "segql_static_members" : "segql_memberships");
    const decode = (rows: readonly Row[]) => rows.map((r) => decodeContact(r, this.ctx.schema, this.ctx.contactCols));
    const stream = this.ctx.adapter.stream?.bind(this.ctx.adapter);
    if (stream) {
      // One ordered read from one snapshot (the members when the export started), cut into pages.
      const table = await this.db.read(tableIn, limit);
      let page: Row[] = [];
      for await (const rows of stream(`SELECT c.* FROM ${this.ctx.table} AS c JOIN ${table} AS m ON m.contact_key = ${key} WHERE m.segment_id = $1 ORDER BY ${key}`, [id], limit)) {
        for (const r of rows) {
          page.push(r);
          if (page.length === size) {
            // Rows come in chunks of 2,048 (DuckDB): pages cut from one are not handed out after the abort.
            if (options.signal?.aborted) throw new CancelledError("the members export");
            yield decode(page);
            page = [];
          }
        }
      }
      if (page.length > 0) yield decode(page);
      return;
    }
    // PGlite: by key, a page per read: the membership index gives each page in order (both sides bounded by
    // the key, which the planner does not carry across the join by itself).
    let after: string | null = null;
    for (;;) {
      const from: string | null = after;
      const rows: Row[] = await this.db.read(
        async (tx): Promise<Row[]> =>
          tx.query(
            `SELECT c.* FROM ${this.ctx.table} AS c JOIN ${await tableIn(tx)} AS m ON m.contact_key = ${key} WHERE m.segment_id = $1${from !== null ? ` AND m.contact_key > $3 AND ${key} > $3` : ""} ORDER BY m.contact_key LIMIT $2`,
            from !== null ? [id, size, from] : [id, size],
          ),
        limit,
      );
      if (rows.length === 0) return;
      const page = decode(rows);
      yield page;
      if (rows.length < size) return;
      after = String(page[page.length - 1]![keyName]);
    }
  }

  async membersAt(id: SegmentId, at: string | Date | number): Promise<string[]> {
    const ms = instantOf(at, "at");
    return this.db.read(async (tx) => {
      const catalog = await this.ctx.catalog(tx);
      this.entry(catalog, id);
      const rows = await tx.query(
        `SELECT contact_key FROM (
           SELECT contact_key, change, ROW_NUMBER() OVER (PARTITION BY contact_key ORDER BY seq DESC) AS rn
           FROM segql_membership_changes WHERE segment_id = $1 AND at_ms <= $2
         ) AS last WHERE rn = 1 AND change = 'entered' ORDER BY contact_key`,
        [id, ms],
      );
      return rows.map((r) => String(r["contact_key"]));
    });
  }

  async addMembers(id: SegmentId, keys: readonly string[], options: MemberOptions = {}): Promise<MemberUpdate> {
    return this.memberEdit(id, keys, "add", options);
  }

  async removeMembers(id: SegmentId, keys: readonly string[], options: MemberOptions = {}): Promise<MemberUpdate> {
    return this.memberEdit(id, keys, "remove", options);
  }

  async addMatchingMembers(id: SegmentId, expression: string, options: WriteOptions = {}): Promise<MemberUpdate> {
    byOf(options);
    checkExpressionText(expression, "expression");
    return this.db.write(async (tx) => {
      const now = this.ctx.clock();
      const catalog = await this.ctx.catalog(tx);
      const entry = this.staticEntry(catalog, id);
      const result = await this.addMatching(tx, catalog, entry, expression, now);
      await this.refreshIn(tx, catalog, catalog.affected([id]), now);
      return result;
    });
  }

  private async memberEdit(id: SegmentId, keys: readonly string[], op: "add" | "remove", options: MemberOptions): Promise<MemberUpdate> {
    byOf(options);
    if (!isStringArray(keys)) throw new InvalidInputError([{ path: "keys", message: "expected an array of contact keys (strings)" }]);
    return this.db.write(async (tx) => {
      const now = this.ctx.clock();
      const catalog = await this.ctx.catalog(tx);
      const entry = this.staticEntry(catalog, id);
      const result = await this.editStatic(tx, catalog, entry, keys, op, options, now);
      if (result.changed > 0) await this.refreshIn(tx, catalog, catalog.affected([id]), now);
      return result;
    });
  }

  /** Adds or removes keys of a static segment's list (in `tx`); unknown keys per `skipUnknown`. */
  private async editStatic(tx: SqlRunner, catalog: Catalog, entry: Entry, keys: readonly string[], op: "add" | "remove", options: MemberOptions, now: number): Promise<MemberUpdate> {
    const unique = [...new Set(keys)];
    const known = await existingKeys(this.ctx, tx, unique);
    const unknown = unique.filter((k) => !known.has(k));
    if (unknown.length > 0 && options.skipUnknown !== true) throw new UnknownKeysError(unknown);
    const valid = unique.filter((k) => known.has(k));
    await resetDiff(tx);
    const id = entry.row.id;
    if (op === "add") {
      const rel = await rowsRelation(tx, "keys", 1, valid.map((k) => [k]), 2);
      await tx.query(
        `INSERT INTO segql_diff (contact_key, change) SELECT u.c0, 'entered' FROM ${rel.sql} AS u
         WHERE NOT EXISTS (SELECT 1 FROM segql_static_members s WHERE s.segment_id = $1 AND s.contact_key = u.c0)`,
        [id, ...rel.params],
      );
    } else {
      const cond = await keysIn(tx, "s.contact_key", valid, 2);
      await tx.query(`INSERT INTO segql_diff (contact_key, change) SELECT s.contact_key, 'exited' FROM segql_static_members s WHERE s.segment_id = $1 AND ${cond.sql}`, [id, ...cond.params]);
    }
    const { entered, exited } = await applyDiff(tx, entry.row, "segql_static_members", now);
    const changed = entered + exited;
    void catalog;
    return { changed, unchanged: valid.length - changed, unknown, memberCount: entry.row.memberCount + entered - exited };
  }

  private async addMatching(outer: SqlRunner, catalog: Catalog, entry: Entry, expression: string, now: number): Promise<MemberUpdate> {
    const checked = this.checkOrThrow(catalog, expression, undefined);
    const { sql } = compileSql({ schema: this.ctx.schema, expr: checked.typed! }, { dialect: this.db.kind, form: "select", now, segmentSource: this.ctx.staticSource(catalog), pretty: false });
    return unsaved(this.addMatchingIn(outer, entry, sql, now));
  }

  /**
   * `addMatching`'s statements: the contacts `sql` selects enter the static segment `entry`. The two that
   * run the expression are under the time limit, as a refresh's is (past it the write is refused).
   */
  private async addMatchingIn(tx: SqlRunner, entry: Entry, sql: string, now: number): Promise<MemberUpdate> {
    const bounded = <T>(fn: (t: SqlRunner) => Promise<T>): Promise<T> => (tx.limited && this.queryTimeoutMs > 0 ? tx.limited(this.limit("freeze"), fn) : fn(tx));
    await resetDiff(tx);
    await bounded((t) =>
      t.query(
        `INSERT INTO segql_diff (contact_key, change) SELECT n.k, 'entered' FROM (${sql}) AS n(k)
         WHERE NOT EXISTS (SELECT 1 FROM segql_static_members s WHERE s.segment_id = $1 AND s.contact_key = n.k)`,
        [entry.row.id],
      ),
    );
    const { entered } = await applyDiff(tx, entry.row, "segql_static_members", now);
    const matched = num((await bounded((t) => t.query(`SELECT COUNT(*) AS n FROM (${sql}) AS n(k)`)))[0]?.["n"]);
    return { changed: entered, unchanged: matched - entered, unknown: [], memberCount: entry.row.memberCount + entered };
  }

  // ---- evaluation -----------------------------------------------------------------------------------

  async preview(expression: string, options: PreviewOptions = {}): Promise<Preview> {
    checkExpressionText(expression, "expression");
    return this.db.read(async (tx) => preview(this.ctx, tx, await this.ctx.catalog(tx), expression, options, (c, id) => this.entry(c, id)), this.limit("preview", options.signal));
  }

  async typedCondition(target: ConditionTarget): Promise<TypedQuery> {
    checkTarget(target, "expression", "version");
    return this.db.read(async (tx) => typedCondition(this.ctx, tx, await this.ctx.catalog(tx), target, (c, id) => this.entry(c, id)));
  }

  async diff(old: ConditionTarget, next: ConditionTarget, options: DiffOptions = {}): Promise<SegmentDiff> {
    checkTarget(old, "old", "old.version");
    checkTarget(next, "new", "new.version");
    return this.db.read(async (tx) => diffConditions(this.ctx, tx, await this.ctx.catalog(tx), old, next, options, (c, id) => this.entry(c, id)));
  }

  async why(target: { segmentId: SegmentId } | { expression: string }, key: string, options: { signal?: AbortSignal } = {}): Promise<Why> {
    if (typeof key !== "string" || key === "") throw new InvalidInputError([{ path: "key", message: "expected a contact key" }]);
    if ("expression" in target) checkExpressionText(target.expression, "expression");
    return this.db.read(async (tx) => why(this.ctx, tx, await this.ctx.catalog(tx), target, key, (c, id) => this.entry(c, id)), this.limit("why", options.signal));
  }

  async refresh(options: RefreshOptions = {}): Promise<RefreshResult[]> {
    byOf(options);
    if (options.ids !== undefined && !(Array.isArray(options.ids) && options.ids.every((i) => Number.isSafeInteger(i)))) {
      throw new InvalidInputError([{ path: "ids", message: "expected an array of segment ids" }]);
    }
    const plan = await this.db.read(async (tx) => {
      const catalog = await this.ctx.catalog(tx);
      for (const id of options.ids ?? []) this.entry(catalog, id);
      let entries = options.ids ? catalog.affected(options.ids) : catalog.dependencyOrder([...catalog.byId.values()].filter((e) => e.row.kind === "dynamic"));
      if (options.relativeOnly) {
        const relative = new Set(entries.filter((e) => catalog.isRelative(e)).map((e) => e.row.id));
        // Segments reading a relative one move with it.
        entries = catalog.affected(relative).filter((e) => entries.includes(e));
      }
      return entries.map((e) => ({ id: e.row.id, name: e.row.name, memberCount: e.row.memberCount }));
    });
    const results: RefreshResult[] = [];
    // One transaction per segment: a long refresh does not hold the write lock for all of them at once.
    for (const planned of plan) {
      const started = performance.now();
      let tried = this.ctx.clock();
      try {
        const result = await this.db.write(async (tx) => {
          const catalog = await this.ctx.catalog(tx);
          const entry = catalog.byId.get(planned.id);
          if (!entry || entry.row.kind !== "dynamic") return null;
          tried = this.ctx.clock();
          return this.refreshOne(tx, catalog, entry, tried);
        });
        if (result) results.push(result);
      } catch (e) {
        // One segment past the time limit keeps its members as they were (its write rolled back) and the
        // others are refreshed; the next refresh (the scheduler's, the next import's) tries it again.
        if (!(e instanceof QueryTimeoutError)) throw e;
        const ms = Math.round((performance.now() - started) * 100) / 100;
        // Its rolled-back write recorded nothing: the failure is kept in a write of its own, so that the
        // segment says its members are stale, since when and why (a segment deleted meanwhile: no row).
        await this.db.write((tx) => recordRefreshFailure(tx, planned.id, tried, timedOutFailure(e.limitMs)));
        results.push({ segmentId: planned.id, name: planned.name, entered: 0, exited: 0, memberCount: planned.memberCount, skipped: timedOutRefresh(e.limitMs), ms });
      }
    }
    return results;
  }

  changes(options: ChangesOptions & { include: readonly FeedInclude[] }): Promise<ChangesPage<FeedItem>>;
  changes(options?: ChangesOptions & { include?: undefined }): Promise<ChangesPage>;
  changes(options?: ChangesOptions): Promise<ChangesPage<FeedItem>>;
  async changes(options: ChangesOptions = {}): Promise<ChangesPage<FeedItem>> {
    const since = clampInt(options.since, 0, 0, Number.MAX_SAFE_INTEGER, "since");
    const logs = feedIncludes(options.include);
    const limit = clampInt(options.limit, 1000, 1, 10_000, "limit");
    if (options.segmentId !== undefined && !Number.isSafeInteger(options.segmentId)) throw new InvalidInputError([{ path: "segmentId", message: "expected a segment id" }]);
    const waitMs = clampInt(options.waitMs, 0, 0, MAX_WAIT_MS, "waitMs");
    const signal = options.signal;
    await this.checkCursor(since);
    // Wall time, not the store's clock: a wait is a real duration (tests move the store's clock by hand).
    const deadline = Date.now() + waitMs;
    for (;;) {
      signal?.throwIfAborted();
      // Read before the page: a change committed after the page was read moves the feed past it. (Filtered
      // by segment, an empty page can follow other segments' changes, so `since` alone would not do.)
      const seen = waitMs > 0 ? await this.watch.lastSeq() : since;
      const page = await this.changesPage(since, limit, options.segmentId, logs);
      const left = deadline - Date.now();
      if (page.items.length > 0 || left <= 0) return page;
      // A write that logged no change (or only other segments' changes) does not end the wait: read, wait again.
      if ((await this.watch.wait(Math.max(since, seen), left, signal)) !== "changed") return page;
    }
  }

  /**
   * Refuses a `since` past the feed's newest change (CursorAheadError): the feed never gives one out, so it
   * is a cursor from another database (a restore from a backup) and reading on would skip changes. A
   * `since` at or below the last number this process knows is fine without a read; above it, the number is
   * read again from the database first, so a change committed since it was last read (whose `seq` a
   * reader may already hold) never makes a valid cursor look ahead.
   */
  private async checkCursor(since: number): Promise<void> {
    if (since <= this.watch.known) return;
    const last = await this.watch.lastSeqNow();
    if (since > last) throw new CursorAheadError(since, last);
  }

  get changeWaiters(): number {
    return this.watch.waiting;
  }

  /**
   * One page of the feed after `since` (no waiting), with the rows of the segment-level `logs` (the refresh
   * log, the segment log) merged in by `seq`. Memory never holds a row of either (the write-back path only
   * upserts contacts, and every other write empties its tail), so a page it answers has none to merge.
   */
  private async changesPage(since: number, limit: number, segmentId: SegmentId | undefined, logs: FeedLogs): Promise<ChangesPage<FeedItem>> {
    const recent = this.writeBack?.changesFromMemory(since, limit, segmentId) ?? null;
    if (recent) return recent;
    const where = `WHERE seq > $1${segmentId !== undefined ? " AND segment_id = $3" : ""} ORDER BY seq LIMIT $2`;
    const params = segmentId !== undefined ? [since, limit, segmentId] : [since, limit];
    const rows = await this.db.query(`SELECT seq, segment_id, contact_key, change, at_ms, segment_version FROM segql_membership_changes ${where}`, params);
    let items: FeedItem[] = rows.map(changeOf);
    // One read per log, each the first `limit` after `since` by its own order, merged: no log is scanned past the page.
    const logged: FeedItem[] = [];
    if (logs.refresh) logged.push(...(await this.db.query(`SELECT ${REFRESH_LOG_COLUMNS} FROM segql_refresh_log ${where}`, params)).map(refreshChangeOf));
    if (logs.segments) logged.push(...(await this.db.query(`SELECT ${SEGMENT_LOG_COLUMNS} FROM segql_segment_log ${where}`, params)).map(segmentChangeOf));
    if (logged.length > 0) items = [...items, ...logged].sort((a, b) => a.seq - b.seq).slice(0, limit);
    return { items, next: items.length > 0 ? items[items.length - 1]!.seq : since };
  }

  // ---- contacts and events ----------------------------------------------------------------------------

  async getContact(key: string): Promise<ContactRecord> {
    if (typeof key !== "string" || key === "") throw new InvalidInputError([{ path: "key", message: "expected a contact key" }]);
    return this.db.read(async (tx) => {
      const values = (await loadContacts(this.ctx, tx, [key])).get(key);
      if (!values) throw new NotFoundError("contact", key);
      const rows = await tx.query(
        `SELECT s.id, s.name FROM segql_segments s WHERE s.id IN (SELECT segment_id FROM segql_memberships WHERE contact_key = $1 UNION ALL SELECT segment_id FROM segql_static_members WHERE contact_key = $1) ORDER BY s.name_key, s.id`,
        [key],
      );
      const events = await contactEvents(this.ctx, tx, key, 100, 0);
      return { key, values, segments: rows.map((r) => ({ id: num(r["id"]), name: String(r["name"]) })), recentEvents: events.items, eventCount: events.total, eventsNext: events.more ? encodeOffset(100) : null };
    });
  }

  async contactEvents(key: string, options: { limit?: number; cursor?: string | null } = {}): Promise<ContactEventsPage> {
    if (typeof key !== "string" || key === "") throw new InvalidInputError([{ path: "key", message: "expected a contact key" }]);
    const limit = clampInt(options.limit, 100, 1, 1000, "limit");
    const offset = options.cursor ? decodeOffset(options.cursor) : 0;
    return this.db.read(async (tx) => {
      if (!(await loadContacts(this.ctx, tx, [key])).has(key)) throw new NotFoundError("contact", key);
      const page = await contactEvents(this.ctx, tx, key, limit, offset);
      return { items: page.items, total: page.total, next: page.more ? encodeOffset(offset + limit) : null };
    });
  }

  async listContacts(options: ListContactsOptions = {}): Promise<ContactPage> {
    const limit = clampInt(options.limit, 50, 1, 1000, "limit");
    const offset = options.cursor ? decodeOffset(options.cursor) : 0;
    if (options.filter !== undefined) checkExpressionText(options.filter, "filter");
    if (options.search !== undefined && typeof options.search !== "string") throw new InvalidInputError([{ path: "search", message: "expected text" }]);
    return this.db.read(async (tx) => {
      const catalog = await this.ctx.catalog(tx);
      const entryOf = (c: Catalog, id: number) => this.entry(c, id);
      const orderBy = (field: string | undefined, descending: boolean | undefined, alias: string) => this.ctx.orderBy(field, descending, alias);
      const page = await listContacts({ ctx: this.ctx, tx, catalog, entryOf, orderBy }, options, limit, offset);
      return { items: page.items, total: page.total, next: page.more ? encodeOffset(offset + limit) : null };
    }, options.filter !== undefined ? this.limit("contact list", options.signal) : this.stoppable("contact list", options.signal));
  }

  async *contactPages(options: ContactPagesOptions = {}): AsyncGenerator<ContactValues[], void, undefined> {
    const size = clampInt(options.pageSize, 1000, 1, 10_000, "pageSize");
    if (options.filter !== undefined) checkExpressionText(options.filter, "filter");
    if (options.search !== undefined && typeof options.search !== "string") throw new InvalidInputError([{ path: "search", message: "expected text" }]);
    // Each page's read under the time limit (a filter the database cannot run quickly is stopped on its
    // first page), and stopped when the signal aborts (the export's client went away).
    const limit = this.limit("contacts export", options.signal);
    // Compiled once, before the first page (a filter with errors is refused before anything is read), at one
    // instant: a relative time (`within last 7 days`) means the same on every page of the export.
    const where = await this.db.read(async (tx) => {
      const catalog = await this.ctx.catalog(tx);
      const entryOf = (c: Catalog, id: number) => this.entry(c, id);
      const orderBy = (field: string | undefined, descending: boolean | undefined, alias: string) => this.ctx.orderBy(field, descending, alias);
      const params: Param[] = [];
      const sql = contactsWhere({ ctx: this.ctx, tx, catalog, entryOf, orderBy }, { search: options.search, filter: options.filter }, this.ctx.clock(), params);
      return sql === null ? null : { sql, params };
    }, limit);
    if (where === null) return;
    const keyColumn = this.ctx.contactCols[0]!.name;
    let after: Param | null = null;
    for (;;) {
      const from = after;
      // A read per page: writes go on between pages (a contact written meanwhile may or may not be in it; none twice).
      const rows = await this.db.read((tx) => contactRowsAfter(this.ctx, tx, where, from, size), limit);
      if (rows.length > 0) yield rows.map((r) => decodeContact(r, this.ctx.schema, this.ctx.contactCols));
      if (rows.length < size) return;
      after = rows[rows.length - 1]![keyColumn] as Param;
    }
  }

  async findContactKeys(keys: readonly string[], options: { segmentId?: SegmentId } = {}): Promise<KeyLookup> {
    if (!isStringArray(keys)) throw new InvalidInputError([{ path: "keys", message: "expected an array of contact keys (strings)" }]);
    return this.db.read(async (tx) => {
      if (options.segmentId === undefined) return findContactKeys(this.ctx, tx, keys);
      const row = this.entry(await this.ctx.catalog(tx), options.segmentId).row;
      return findContactKeys(this.ctx, tx, keys, { table: row.kind === "static" ? "segql_static_members" : "segql_memberships", id: row.id });
    });
  }

  async segmentChanges(id: SegmentId, options: SegmentChangesOptions = {}): Promise<SegmentChangesPage> {
    const limit = clampInt(options.limit, 50, 1, 1000, "limit");
    if (options.before !== undefined) clampInt(options.before, 0, 0, Number.MAX_SAFE_INTEGER, "before");
    return this.db.read(async (tx) => {
      this.entry(await this.ctx.catalog(tx), id);
      return segmentChanges(tx, { segmentId: id }, options, limit);
    });
  }

  async contactChanges(key: string, options: SegmentChangesOptions = {}): Promise<SegmentChangesPage> {
    if (typeof key !== "string") throw new InvalidInputError([{ path: "key", message: "expected a contact key (text)" }]);
    const limit = clampInt(options.limit, 50, 1, 1000, "limit");
    if (options.before !== undefined) clampInt(options.before, 0, 0, Number.MAX_SAFE_INTEGER, "before");
    // A key the database cannot hold (U+0000) has no log.
    if (key.includes("\u0000")) return { items: [], next: null };
    return this.db.read((tx) => segmentChanges(tx, { key }, options, limit));
  }

  async memberCountHistory(id: SegmentId, options: { points?: number } = {}): Promise<MemberCountPoint[]> {
    const points = clampInt(options.points, 100, 1, 1000, "points");
    return this.db.read(async (tx) => {
      this.entry(await this.ctx.catalog(tx), id);
      return memberCountHistory(tx, id, points);
    });
  }

  async upsertContacts(rows: readonly ContactInput[], options: UpsertContactsOptions = {}): Promise<WriteResult> {
    byOf(options);
    if (!Array.isArray(rows)) throw new InvalidInputError([{ path: "", message: "expected an array of contacts" }]);
    const { writes, problems } = encodeContacts(this.ctx, rows);
    if (problems.length > 0) throw new InvalidInputError(problems.slice(0, 100), problems.length);
    const expectations = checkedExpectations(this.ctx, options.expect, writes);
    // Both paths compare the expected values with the stored ones where nothing else can write meanwhile.
    const quick = this.writeBack ? await this.writeBack.tryUpsert(writes, expectations) : null;
    if (quick) return quick;
    return this.writeFor([...writes.keys()], async (tx) => {
      if (expectations) await checkExpectations(this.ctx, tx, expectations);
      const now = this.ctx.clock();
      const { inserted, updated, insertedKeys, stored } = await upsertContacts(this.ctx, tx, writes);
      const columns = new Map([...writes].map(([key, cols]) => [key, new Set(cols.keys())]));
      const changes = await reevaluate(this.ctx, tx, [...writes.keys()], now, { kind: "contacts", inserted: insertedKeys, columns }, stored);
      return { inserted, updated, changes };
    });
  }

  async appendEvents(rows: readonly EventInput[], options: WriteOptions = {}): Promise<WriteResult> {
    byOf(options);
    if (!Array.isArray(rows)) throw new InvalidInputError([{ path: "", message: "expected an array of events" }]);
    const { writes, problems } = encodeEvents(this.ctx, rows);
    if (problems.length > 0) throw new InvalidInputError(problems.slice(0, 100), problems.length);
    return this.writeFor(writes.keys, async (tx) => {
      const now = this.ctx.clock();
      const keys = [...new Set(writes.keys)];
      const known = await existingKeys(this.ctx, tx, keys);
      const missing = writes.keys.flatMap((k, i) => (known.has(k) ? [] : [{ path: `rows[${i}].${this.ctx.schema.events!.contactKey}`, message: `no contact ${JSON.stringify(k)} (add the contact first)`, field: this.ctx.schema.events!.contactKey }]));
      if (missing.length > 0) throw new InvalidInputError(missing.slice(0, 100), missing.length);
      await insertEvents(this.ctx, tx, writes);
      const changes = await reevaluate(this.ctx, tx, keys, now, { kind: "events" });
      return { inserted: writes.rows.length, updated: 0, changes };
    });
  }

  async importContacts(file: string, options: ImportOptions = {}): Promise<ImportReport> {
    // Checked before any row is written (the refresh after it checked it only once the rows were committed).
    byOf(options);
    return importFile(this.ctx, "contacts", file, options, () => this.refresh({ by: options.by ?? null }));
  }

  async importEvents(file: string, options: ImportOptions = {}): Promise<ImportReport> {
    if (!this.ctx.schema.events) throw new InvalidInputError([{ path: "", message: "the schema has no events section, so the store keeps no events" }]);
    byOf(options);
    return importFile(this.ctx, "events", file, options, () => this.refresh({ by: options.by ?? null }));
  }

  async deleteContacts(keys: readonly string[], options: DeleteContactsOptions = {}): Promise<DeletedContacts> {
    byOf(options);
    if (!isStringArray(keys)) throw new InvalidInputError([{ path: "keys", message: "expected an array of contact keys (strings)" }]);
    if (keys.length > MAX_DELETED_KEYS) throw new InvalidInputError([{ path: "keys", message: `at most ${MAX_DELETED_KEYS} keys at once, found ${keys.length}` }]);
    if (options.erase !== undefined && typeof options.erase !== "boolean") throw new InvalidInputError([{ path: "erase", message: `expected true or false, found ${JSON.stringify(options.erase)}` }]);
    const unique = [...new Set(keys)];
    return this.writeFor(unique, async (tx) => {
      const now = this.ctx.clock();
      const known = await existingKeys(this.ctx, tx, unique);
      const unknown = unique.filter((k) => !known.has(k));
      if (unknown.length > 0 && options.skipUnknown !== true) throw new UnknownKeysError(unknown);
      const gone = unique.filter((k) => known.has(k));
      if (gone.length === 0) return { deleted: 0, events: 0, unknown, changes: [], ...(options.erase === true ? { erased: { feedRows: 0, importProblems: 0, segmentsQuoting: [] } } : {}) };
      // What an erasure looks for, read while the contacts are still there.
      const needles = options.erase === true ? erasureNeedles(this.ctx, gone, await loadContacts(this.ctx, tx, gone)) : null;
      // Every membership ends, static ones too: the contact is gone from every segment.
      // (Static lists keep their members in segql_static_members, the others in segql_memberships.)
      const { statics, current } = await memberPairs(tx, gone);
      const catalog = await this.ctx.catalog(tx);
      const exits = gone.flatMap((key) =>
        [...new Set([...(current.get(key) ?? []), ...(statics.get(key) ?? [])])].flatMap((id) => (catalog.byId.has(id) ? [{ segment: catalog.byId.get(id)!, key, change: "exited" as const }] : [])),
      );
      const changes = exits.length > 0 ? await writeDiffs(tx, exits, current, now) : [];
      const byKey = async (table: string, column: string) => {
        const cond = await keysIn(tx, column, gone);
        await tx.query(`DELETE FROM ${table} WHERE ${cond.sql}`, cond.params);
      };
      await byKey("segql_memberships", "contact_key");
      await byKey("segql_static_members", "contact_key");
      await byKey("segql_deleted_members", "contact_key");
      let events = 0;
      const ev = this.ctx.schema.events;
      if (ev && this.ctx.eventsTable) {
        const column = quoteIdent(ev.contactKey);
        const cond = await keysIn(tx, column, gone);
        events = num((await tx.query(`SELECT COUNT(*) AS n FROM ${this.ctx.eventsTable} WHERE ${cond.sql}`, cond.params))[0]?.["n"]);
        await tx.query(`DELETE FROM ${this.ctx.eventsTable} WHERE ${cond.sql}`, cond.params);
      }
      await byKey(this.ctx.table, this.ctx.key);
      if (needles === null) return { deleted: gone.length, events, unknown, changes };
      // After the exits are logged, so they lose the key too (erasure.ts says why the rows stay).
      return { deleted: gone.length, events, unknown, changes, erased: await eraseHistory(this.ctx, tx, gone, needles) };
    });
  }

  async listImports(options: ListImportsOptions = {}): Promise<Page<ImportRecord>> {
    const limit = clampInt(options.limit, 50, 1, 1000, "limit");
    // Ids only grow, so a page ends at an id and the next starts below it, whatever is imported meanwhile.
    const below = options.cursor ? decodeImportCursor(options.cursor) : null;
    return this.db.read(async (tx) => {
      const rows = await tx.query(`SELECT * FROM segql_imports${below !== null ? " WHERE id < $2" : ""} ORDER BY id DESC LIMIT $1`, below !== null ? [limit + 1, below] : [limit + 1]);
      const items = rows.slice(0, limit).map(importRecordOf);
      return { items, next: rows.length > limit ? encodeImportCursor(items[items.length - 1]!.id) : null };
    });
  }

  async getImport(id: number): Promise<ImportRecord> {
    if (!Number.isSafeInteger(id)) throw new InvalidInputError([{ path: "id", message: `expected an import id (an integer), found ${JSON.stringify(id)}` }]);
    const row = await this.db.read(async (tx) => (await tx.query("SELECT * FROM segql_imports WHERE id = $1", [id]))[0]);
    if (!row) throw new NotFoundError("import", id);
    return importRecordOf(row);
  }

  async stats(): Promise<StoreStats> {
    return this.db.read(async (tx) => {
      const one = async (sql: string) => num((await tx.query(sql))[0]?.["n"]);
      return {
        contacts: await one(`SELECT COUNT(*) AS n FROM ${this.ctx.table}`),
        events: this.ctx.eventsTable ? await one(`SELECT COUNT(*) AS n FROM ${this.ctx.eventsTable}`) : 0,
        segments: await one("SELECT COUNT(*) AS n FROM segql_segments"),
        lastChangeSeq: await one(LAST_SEQ_SQL),
      };
    });
  }

  close(): Promise<void> {
    // Waiting `changes` calls answer (an empty page) instead of outliving the database.
    this.watch.close();
    return this.db.close();
  }

  /**
   * For the demo (demo.ts) only: appends the events of a known-good JSONL file (keys as the schema's
   * events columns, properties an object). DuckDB reads it with its own JSON reader, in the database
   * (seconds instead of tens of seconds through row-by-row checks); other backends import it.
   */
  async loadDemoEvents(file: string): Promise<number> {
    const ev = this.ctx.schema.events;
    if (!ev) return 0;
    if (this.db.kind !== "duckdb") return (await this.importEvents(file, { by: "demo" })).inserted;
    const q = (n: string) => `"${n.replace(/"/g, '""')}"`;
    const n = await this.db.write(async (tx) => {
      const before = num((await tx.query(`SELECT COUNT(*) AS n FROM ${this.ctx.eventsTable}`))[0]?.["n"]);
      await tx.query(
        `INSERT INTO ${this.ctx.eventsTable} (${q(ev.contactKey)}, ${q(ev.name)}, ${q(ev.time)}, ${q(ev.propertiesColumn)})
         SELECT k, n, CAST(CAST(t AS TIMESTAMPTZ) AS TIMESTAMP), CAST(p AS JSON)
         FROM (SELECT ${q(ev.contactKey)} AS k, ${q(ev.name)} AS n, ${q(ev.time)} AS t, ${q(ev.propertiesColumn)} AS p
               FROM read_json($1, format = 'newline_delimited', columns = {${[ev.contactKey, ev.name, ev.time].map((c) => `${sqlText(c)}: 'VARCHAR'`).join(", ")}, ${sqlText(ev.propertiesColumn)}: 'JSON'}))
         WHERE k IN (SELECT ${this.ctx.key} FROM ${this.ctx.table})`,
        [file],
      );
      return num((await tx.query(`SELECT COUNT(*) AS n FROM ${this.ctx.eventsTable}`))[0]?.["n"]) - before;
    });
    await this.refresh({ by: "demo" });
    return n;
  }

  // ---- helpers ----------------------------------------------------------------------------------------

  private entry(catalog: Catalog, id: SegmentId): Entry {
    if (!Number.isSafeInteger(id)) throw new InvalidInputError([{ path: "id", message: `expected a segment id (an integer), found ${JSON.stringify(id)}` }]);
    const e = catalog.byId.get(id);
    if (!e) throw new NotFoundError("segment", id);
    return e;
  }

  private staticEntry(catalog: Catalog, id: SegmentId): Entry {
    const e = this.entry(catalog, id);
    if (e.row.kind !== "static") throw new InvalidInputError([{ path: "id", message: `segment #${id} ${JSON.stringify(e.row.name)} is dynamic: its members follow its expression (convert it to static to edit the list)` }]);
    return e;
  }

  private nameFree(catalog: Catalog, name: string, self: SegmentId | null): void {
    const holder = catalog.byKey.get(name.toLowerCase());
    if (holder && holder.row.id !== self) throw new NameTakenError(name, Catalog.summary(holder));
  }

  private versionMatches(catalog: Catalog, e: Entry, expected: number | undefined): void {
    if (expected === undefined) return;
    if (!Number.isSafeInteger(expected)) throw new InvalidInputError([{ path: "expectedVersion", message: "expected a version number" }]);
    if (expected !== e.row.version) throw new ConflictError(expected, this.segmentOf(catalog, e));
  }

  private checkOrThrow(catalog: Catalog, text: string, as: { name: string; id?: number } | undefined) {
    const checked = catalog.check(text, as);
    if (!checked.typed) throw new InvalidExpressionError(text, checked.diagnostics);
    return checked;
  }

  private async nextId(tx: SqlRunner): Promise<number> {
    const rows = await tx.query("SELECT value FROM segql_meta WHERE key = 'next_segment_id'");
    const id = Math.max(1, Number(rows[0]?.["value"] ?? 1));
    await tx.query("UPDATE segql_meta SET value = $1 WHERE key = 'next_segment_id'", [String(id + 1)]);
    return id;
  }

  private async recordVersion(tx: SqlRunner, id: number, version: number, s: { name: string; description: string; kind: string; expression: string | null }, at: number, by: string | null, changed: string[]): Promise<void> {
    await tx.query(
      "INSERT INTO segql_segment_versions (segment_id, version, name, description, kind, expression, at_ms, by_user, changed) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
      [id, version, s.name, s.description, s.kind, s.expression, at, by, changed.join(",")],
    );
    // Every new version is a lifecycle change the feed tells (include segments): here, no write path forgets it.
    await logSegmentChange(tx, id, version, s.name, changed, at);
  }

  /** Rewrites `in segment "old"` to the new name in every expression that has it (each a new version). */
  private async renameReferences(tx: SqlRunner, catalog: Catalog, oldName: string, newName: string, at: number, by: string | null): Promise<void> {
    for (const e of catalog.byId.values()) {
      if (e.row.kind !== "dynamic" || !e.expr || !e.refs.includes(oldName) || e.row.expression === null) continue;
      const text = rewriteReferences(e.row.expression, refNodes(e.expr).filter((r) => r.name === oldName), newName);
      const version = e.row.version + 1;
      await tx.query("UPDATE segql_segments SET expression = $2, version = $3, updated_at = $4, updated_by = $5 WHERE id = $1", [e.row.id, text, version, at, by]);
      await this.recordVersion(tx, e.row.id, version, { name: e.row.name, description: e.row.description, kind: e.row.kind, expression: text }, at, by, ["expression"]);
    }
  }

  private async refreshIn(tx: SqlRunner, catalog: Catalog, entries: Entry[], now: number): Promise<void> {
    for (const e of entries) await this.refreshOne(tx, catalog, e, now);
  }

  private segmentOf(catalog: Catalog, e: Entry): Segment {
    const r = e.row;
    let problems: Diagnostic[] = [];
    if (r.kind === "dynamic") problems = this.ctx.checkSaved(catalog, e).diagnostics.filter((d) => d.severity === "error");
    return {
      id: r.id,
      name: r.name,
      description: r.description,
      kind: r.kind,
      expression: r.expression,
      version: r.version,
      createdAt: iso(r.createdAt),
      createdBy: r.createdBy,
      updatedAt: iso(r.updatedAt),
      updatedBy: r.updatedBy,
      memberCount: r.memberCount,
      refreshedAt: r.refreshedAt === null ? null : iso(r.refreshedAt),
      refresh: refreshStatusOf(r.kind, r.refreshedAt, r.refreshFailedAt, r.refreshError),
      references: catalog.references(e).map(Catalog.summary),
      referencedBy: catalog.referrers(r.id).map(Catalog.summary),
      relativeTime: r.kind === "dynamic" && catalog.isRelative(e),
      problems,
    };
  }
}

/** Replaces the names of the given reference nodes in `text` (from the end, so earlier spans stay valid). */
export function rewriteReferences(text: string, refs: readonly { nameSpan: { start: number; end: number } }[], newName: string): string {
  let out = text;
  for (const r of [...refs].sort((a, b) => b.nameSpan.start - a.nameSpan.start)) out = out.slice(0, r.nameSpan.start) + quoteString(newName) + out.slice(r.nameSpan.end);
  return out;
}

/** A SQL string literal of a schema name (quotes doubled; schema names hold no NUL). */
function sqlText(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** A row of `segql_deleted_segments` as the API shows it. */
function deletedSegmentOf(r: Row): DeletedSegment {
  const text = (v: unknown) => (v === null || v === undefined ? null : String(v));
  return {
    id: num(r["id"]),
    name: String(r["name"]),
    description: String(r["description"] ?? ""),
    kind: String(r["kind"]) as SegmentKind,
    expression: text(r["expression"]),
    version: num(r["version"]),
    createdAt: iso(num(r["created_at"])),
    createdBy: text(r["created_by"]),
    deletedAt: iso(num(r["deleted_at"])),
    deletedBy: text(r["deleted_by"]),
    memberCount: num(r["member_count"]),
  };
}

function byOf(options: WriteOptions | undefined): string | null {
  const by = options?.by;
  if (by === undefined || by === null) return null;
  if (typeof by !== "string" || by.length > 200) throw new InvalidInputError([{ path: "by", message: "expected a user name (at most 200 characters)" }]);
  return by;
}

// Control characters (C0 and DEL) in a name would hide in lists and logs.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

function checkName(name: unknown, path: string): string {
  if (typeof name !== "string") throw new InvalidInputError([{ path, message: `expected a name (a string), found ${JSON.stringify(name) ?? "nothing"}` }]);
  if (name.trim() === "") throw new InvalidInputError([{ path, message: "a name cannot be empty" }]);
  if (name !== name.trim()) throw new InvalidInputError([{ path, message: "a name cannot start or end with spaces" }]);
  if (name.length > MAX_NAME) throw new InvalidInputError([{ path, message: `a name has at most ${MAX_NAME} characters (this one has ${name.length})` }]);
  if (CONTROL.test(name)) throw new InvalidInputError([{ path, message: "a name cannot contain control characters (line breaks, tabs, U+0000)" }]);
  return name;
}

function checkDescription(d: unknown): string {
  if (d === undefined || d === null) return "";
  if (typeof d !== "string") throw new InvalidInputError([{ path: "description", message: "expected a string" }]);
  if (d.length > MAX_DESCRIPTION) throw new InvalidInputError([{ path: "description", message: `at most ${MAX_DESCRIPTION} characters` }]);
  if (d.includes("\u0000")) throw new InvalidInputError([{ path: "description", message: "cannot contain U+0000" }]);
  return d;
}

function checkExpressionText(text: unknown, path: string): void {
  if (typeof text !== "string") throw new InvalidInputError([{ path, message: `expected an expression (a string), found ${JSON.stringify(text) ?? "nothing"}` }]);
  if (text.length > MAX_EXPRESSION) throw new InvalidInputError([{ path, message: `an expression has at most ${MAX_EXPRESSION} characters` }]);
}

/** What `typedCondition` and `diff` read: an expression's text, or a saved segment's version number. */
function checkTarget(target: ConditionTarget, expressionPath: string, versionPath: string): void {
  if ("expression" in target) checkExpressionText(target.expression, expressionPath);
  else if (target.version !== undefined && !(Number.isSafeInteger(target.version) && target.version >= 1)) throw new InvalidInputError([{ path: versionPath, message: "expected a version number (1 or more)" }]);
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === "string");
}

function clampInt(v: unknown, fallback: number, min: number, max: number, path: string): number {
  if (v === undefined || v === null) return fallback;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min || v > max) throw new InvalidInputError([{ path, message: `expected an integer from ${min} to ${max}` }]);
  return v;
}

function instantOf(at: unknown, path: string): number {
  const ms = at instanceof Date ? at.getTime() : typeof at === "number" ? at : typeof at === "string" ? Date.parse(at) : NaN;
  if (!Number.isFinite(ms)) throw new InvalidInputError([{ path, message: `expected an instant (ISO-8601 text, a Date or epoch ms), found ${JSON.stringify(at)}` }]);
  return ms;
}

function encodeCursor(v: { name: string; id: number }): string {
  return Buffer.from(JSON.stringify([v.name, v.id]), "utf8").toString("base64url");
}

function decodeCursor(c: unknown): { name: string; id: number } {
  try {
    const [name, id] = JSON.parse(Buffer.from(String(c), "base64url").toString("utf8")) as [unknown, unknown];
    if (typeof name === "string" && typeof id === "number") return { name, id };
  } catch {
    // fall through
  }
  throw new InvalidInputError([{ path: "cursor", message: "not a cursor this store gave out" }]);
}

function encodeImportCursor(id: number): string {
  return Buffer.from(`i${id}`, "utf8").toString("base64url");
}

function decodeImportCursor(c: unknown): number {
  const m = /^i(\d{1,15})$/.exec(Buffer.from(String(c), "base64url").toString("utf8"));
  if (!m) throw new InvalidInputError([{ path: "cursor", message: "not a cursor this store gave out" }]);
  return Number(m[1]);
}

function encodeDeletedCursor(at: number, id: number): string {
  return Buffer.from(`d${at}:${id}`, "utf8").toString("base64url");
}

function decodeDeletedCursor(c: unknown): { at: number; id: number } {
  const m = /^d(\d{1,15}):(\d{1,15})$/.exec(Buffer.from(String(c), "base64url").toString("utf8"));
  if (!m) throw new InvalidInputError([{ path: "cursor", message: "not a cursor this store gave out" }]);
  return { at: Number(m[1]), id: Number(m[2]) };
}

function encodeOffset(n: number): string {
  return Buffer.from(`o${n}`, "utf8").toString("base64url");
}

function decodeOffset(c: unknown): number {
  const m = /^o(\d{1,15})$/.exec(Buffer.from(String(c), "base64url").toString("utf8"));
  if (!m) throw new InvalidInputError([{ path: "cursor", message: "not a cursor this store gave out" }]);
  return Number(m[1]);
}

export { StoreError };

/** The segment-level logs a read of the feed merges in (`include` of `changes`). */
interface FeedLogs {
  refresh: boolean;
  segments: boolean;
}

/** Which logs `include` (of `changes`) asks for; anything but a list of known kinds is refused. */
function feedIncludes(include: readonly FeedInclude[] | undefined): FeedLogs {
  if (include === undefined) return { refresh: false, segments: false };
  if (!Array.isArray(include) || include.some((k) => k !== "refresh" && k !== "segments")) {
    throw new InvalidInputError([{ path: "include", message: `expected a list of "refresh" and "segments", found ${JSON.stringify(include)}` }]);
  }
  return { refresh: include.includes("refresh"), segments: include.includes("segments") };
}
