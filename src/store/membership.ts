/**
 * The membership engine. Two paths, one answer:
 *
 * - **refresh** (SQL, in the database): the segment's compiled query, full-outer-joined with its
 *   materialised members, gives who entered and who exited; those go into the change log and the
 *   membership table in the caller's transaction.
 * - **re-evaluation** (predicate, in this process): after an upsert or event append, the predicate of each
 *   dynamic segment the write can affect runs on the touched contacts (their stored row as the write
 *   returned it, events and static memberships, read in the same transaction) and the differences are
 *   written in a few statements. Predicates are compiled once per segment version (per instant for
 *   relative times) and cached with the catalog's signature, which is read with the memberships.
 *
 * Both resolve relative times against the store's clock at the moment of the write; test/store proves they
 * agree. Every refresh and member edit goes through `applyDiff`, re-evaluation through `writeDiffs`: each
 * writes the change log, the membership table and `member_count` together, so they never disagree.
 */
import { compilePredicate, type EventRow, type Predicate } from "../compiler/predicate/index.js";
import { compileSql } from "../compiler/sql/index.js";
import { forEachTyped, type TypedExpr } from "../checker/typed-ast.js";
import { jsonValue, num, type ReadLimit, type Row, type SqlRunner } from "./adapter.js";
import { canonicalSignature, SIGNATURE_SQL, STATIC_FIELD, type Catalog, type Checked, type Entry } from "./catalog.js";
import { iso, type Ctx } from "./context.js";
import { decodeContact } from "./values.js";
import { CLEAR_REFRESH_FAILURE, invalidExpressionFailure, logRefreshRecovery, recordRefreshFailure } from "./refresh-status.js";
import { keysIn, rowsRelation, storableKeys } from "./writes.js";
import type { ContactValues, MembershipChange, RefreshResult } from "./types.js";

/** Where a segment's members live. */
export type MemberTable = "segql_memberships" | "segql_static_members";

/** The columns of the per-connection diff table `segql_diff`: who enters or exits. */
export const DIFF_COLUMNS = "contact_key TEXT NOT NULL, change TEXT NOT NULL";

/** Empties the per-connection diff table (creating it when needed). */
export async function resetDiff(tx: SqlRunner): Promise<void> {
  await tx.fill("segql_diff", DIFF_COLUMNS, "SELECT CAST(NULL AS TEXT) AS contact_key, CAST(NULL AS TEXT) AS change WHERE FALSE");
}

/**
 * Applies `segql_diff` (rows `entered` / `exited`, each key at most once, consistent with the current
 * members) to a segment: change log, member table, `member_count`. Returns the counts; with `logged`,
 * also appends the changes written (for small diffs: the rows travel back to this process).
 */
export async function applyDiff(
  tx: SqlRunner,
  segment: { id: number; version: number },
  table: MemberTable,
  at: number,
  logged?: MembershipChange[],
  /** Also set `refreshed_at` to this instant (a full refresh, which clears a failed one), in the same statement as the count. */
  refreshedAt?: number,
): Promise<{ entered: number; exited: number }> {
  // The same statements one writes by hand; the counts come from the rows each one changed.
  if (logged) {
    const rows = await tx.query(
      "INSERT INTO segql_membership_changes (segment_id, contact_key, change, at_ms, segment_version) SELECT $1, contact_key, change, $2, $3 FROM segql_diff ORDER BY change DESC, contact_key RETURNING seq, segment_id, contact_key, change, at_ms, segment_version",
      [segment.id, at, segment.version],
    );
    for (const r of rows) logged.push(changeOf(r));
  } else {
    await tx.change("INSERT INTO segql_membership_changes (segment_id, contact_key, change, at_ms, segment_version) SELECT $1, contact_key, change, $2, $3 FROM segql_diff ORDER BY change DESC, contact_key", [segment.id, at, segment.version]);
  }
  const exited = await tx.change(`DELETE FROM ${table} WHERE segment_id = $1 AND contact_key IN (SELECT contact_key FROM segql_diff WHERE change = 'exited')`, [segment.id]);
  const entered = await tx.change(`INSERT INTO ${table} (segment_id, contact_key) SELECT $1, contact_key FROM segql_diff WHERE change = 'entered'`, [segment.id]);
  // A first membership of many contacts: the next refresh's plans must not take the table for empty.
  await tx.analyzeAfter?.(table, entered + exited);
  if (refreshedAt !== undefined) await logRefreshRecovery(tx, segment.id, refreshedAt);
  if (refreshedAt !== undefined) await tx.query(`UPDATE segql_segments SET member_count = member_count + $2, refreshed_at = $3, ${CLEAR_REFRESH_FAILURE} WHERE id = $1`, [segment.id, entered - exited, refreshedAt]);
  else if (entered + exited !== 0) await tx.query("UPDATE segql_segments SET member_count = member_count + $2 WHERE id = $1", [segment.id, entered - exited]);
  return { entered, exited };
}

/**
 * Recomputes one dynamic segment's membership with its compiled SQL (in `tx`). With `limit` (and a write
 * runner that has `limited`), the statement that runs the expression is stopped once it runs `limit.ms`
 * (`QueryTimeoutError`: the caller's write rolls back); the statements writing the members are bounded by
 * the data, as every write is.
 */
export async function refreshSegment(ctx: Ctx, tx: SqlRunner, catalog: Catalog, e: Entry, checked: Checked, now: number, limit?: ReadLimit): Promise<RefreshResult> {
  const started = performance.now();
  const base = { segmentId: e.row.id, name: e.row.name };
  if (!checked.typed) {
    const failure = invalidExpressionFailure(checked.diagnostics.find((d) => d.severity === "error")?.message);
    // Kept with the segment, so that its page says its members are stale and why (not only this result).
    await recordRefreshFailure(tx, e.row.id, now, failure);
    return { ...base, entered: 0, exited: 0, memberCount: e.row.memberCount, skipped: failure.message, ms: 0 };
  }
  const { sql } = compileSql({ schema: ctx.schema, expr: checked.typed }, { dialect: ctx.adapter.kind, form: "select", now, segmentSource: ctx.staticSource(catalog), pretty: false });
  const diff = `SELECT COALESCE(n.k, m.contact_key) AS contact_key, CASE WHEN m.contact_key IS NULL THEN 'entered' ELSE 'exited' END AS change
     FROM (${sql}) AS n(k) FULL JOIN (SELECT contact_key FROM segql_memberships WHERE segment_id = $1) AS m ON m.contact_key = n.k
     WHERE n.k IS NULL OR m.contact_key IS NULL`;
  if (limit && limit.ms > 0 && tx.limited) {
    // The diff table made (or emptied) first, so that the statement under the limit is the expression's alone.
    await resetDiff(tx);
    await tx.limited(limit, (t) => t.change(`INSERT INTO segql_diff (contact_key, change) ${diff}`, [e.row.id]));
  } else {
    await tx.fill("segql_diff", DIFF_COLUMNS, diff, [e.row.id]);
  }
  const { entered, exited } = await applyDiff(tx, e.row, "segql_memberships", now, undefined, now);
  return { ...base, entered, exited, memberCount: e.row.memberCount + entered - exited, ms: Math.round((performance.now() - started) * 100) / 100 };
}

/** What a condition reads, directly or through the segments it references. */
export function readsOf(expr: TypedExpr): { events: boolean; columns: Set<string> } {
  const columns = new Set<string>();
  let events = false;
  const seen = new Set<TypedExpr>();
  const stack = [expr];
  while (stack.length > 0) {
    const e = stack.pop()!;
    if (seen.has(e)) continue;
    seen.add(e);
    forEachTyped(e, (n) => {
      if (n.kind === "event") events = true;
      else if (n.kind === "segment") stack.push(n.expr);
      else if (n.kind === "rule" && n.field.source === "contact") columns.add(n.field.column);
    });
  }
  return { events, columns };
}

/** Up to this many contacts' memberships are deleted one statement each (an index lookup each). */
const FEW_KEYS = 8;

/** What `reevaluate` needs of each dynamic segment. */
export interface Target {
  entry: Entry;
  /** The checked condition (references resolved). */
  typed: TypedExpr;
  /** Whether it reads events (directly or through a reference). */
  events: boolean;
  /** The contacts-table columns it reads (directly or through a reference). */
  columns: ReadonlySet<string>;
  /** Whether it (or a segment it reads) uses relative times: its predicate is bound to `now`. */
  relative: boolean;
  /** The compiled predicate and the `now` it was compiled for (any, for a condition without relative times). */
  predicate: Predicate | null;
  compiledAt: number;
}

/**
 * The dynamic segments to re-evaluate, cached while the catalog's signature (every segment's id, version,
 * kind and expression hash) stays the same: a segment edit, rename, convert or delete changes it.
 */
export interface EvaluationPlan {
  signature: string;
  targets: Target[];
}

/** The plan for `signature`: the cached one, or built from the catalog (read in `tx`) when a segment changed. */
export async function evaluationPlan(ctx: Ctx, tx: SqlRunner, signature: string): Promise<EvaluationPlan> {
  if (ctx.plan && ctx.plan.signature === signature) return ctx.plan;
  const catalog = await ctx.catalog(tx);
  const targets: Target[] = [];
  for (const e of catalog.byId.values()) {
    if (e.row.kind !== "dynamic") continue;
    const checked = ctx.checkSaved(catalog, e);
    if (!checked.typed) continue;
    const reads = readsOf(checked.typed);
    targets.push({ entry: e, typed: checked.typed, events: reads.events, columns: reads.columns, relative: catalog.isRelative(e), predicate: null, compiledAt: 0 });
  }
  ctx.plan = { signature: catalog.signature, targets };
  return ctx.plan;
}

/** A target's predicate at `now`: compiled once per version, or once per instant when it uses relative times. */
export function predicateAt(ctx: Ctx, t: Target, now: number): Predicate {
  if (t.predicate === null || (t.relative && t.compiledAt !== now)) {
    t.predicate = compilePredicate({ schema: ctx.schema, expr: t.typed }, { now });
    t.compiledAt = now;
  }
  return t.predicate;
}

/**
 * What a write changed, so that only the segments it can affect are evaluated: for contacts, the keys
 * that are new and the columns written per key; for events, that the contacts' events changed.
 */
export type Touched = { kind: "contacts"; inserted: ReadonlySet<string>; columns: ReadonlyMap<string, ReadonlySet<string>> } | { kind: "events" };

/**
 * Re-evaluates, for `keys`, the dynamic segments (whose expressions check) the write can affect, with the
 * predicate on the contacts' stored rows, and writes the differences. Returns the changes logged.
 *
 * A new contact is evaluated against every segment; an updated one against the segments that read a
 * column it wrote; an event append against the segments that read events. The others cannot change:
 * their inputs did not (segments with relative times move with the clock through the scheduled refresh,
 * for every contact alike). `stored` holds rows the write just returned (then they are not read again).
 */
export async function reevaluate(ctx: Ctx, tx: SqlRunner, keys: readonly string[], now: number, touched: Touched, stored?: ReadonlyMap<string, Row> | null): Promise<MembershipChange[]> {
  if (keys.length === 0) return [];
  const keyList = [...new Set(keys)];
  // One statement: the contacts' static and dynamic memberships and the catalog's signature.
  const { statics, current, signature } = await memberPairs(tx, keyList);
  const { targets } = await evaluationPlan(ctx, tx, signature);
  const relevant = new Map<string, readonly Target[]>();
  for (const key of keyList) {
    const written = touched.kind === "contacts" && !touched.inserted.has(key) ? touched.columns.get(key) : undefined;
    const list = relevantTargets(targets, written, touched.kind === "events");
    if (list.length > 0) relevant.set(key, list);
  }
  if (relevant.size === 0) return [];
  const evalKeys = [...relevant.keys()];
  const contacts = stored && evalKeys.every((k) => stored.has(k)) ? decodeAll(ctx, stored) : await loadContacts(ctx, tx, evalKeys);
  const needEvents = [...relevant.values()].some((list) => list.some((t) => t.events));
  const events = needEvents ? await loadEvents(ctx, tx, evalKeys) : new Map<string, EventRow[]>();
  const diffs: { segment: Entry; key: string; change: "entered" | "exited" }[] = [];
  for (const [key, list] of relevant) {
    const values = contacts.get(key);
    // A key with no contact row has no memberships (the SQL path selects from the contacts table).
    const contact = values ? { ...values, [STATIC_FIELD]: (statics.get(key) ?? []).map(String) } : null;
    const was = new Set(current.get(key) ?? []);
    for (const t of list) {
      const is = contact !== null && predicateAt(ctx, t, now)(contact, events.get(key) ?? []);
      if (is !== was.has(t.entry.row.id)) diffs.push({ segment: t.entry, key, change: is ? "entered" : "exited" });
    }
  }
  if (diffs.length === 0) return [];
  return writeDiffs(tx, diffs, current, now);
}

/**
 * The targets a write can affect: for an event append, those reading events; for an update, those reading
 * a column it wrote (`written`); for a new contact (`written` undefined), all.
 */
export function relevantTargets(targets: readonly Target[], written: ReadonlySet<string> | undefined, events: boolean): readonly Target[] {
  if (events) return targets.filter((t) => t.events);
  if (!written) return targets;
  return targets.filter((t) => [...t.columns].some((c) => written.has(c)));
}

function decodeAll(ctx: Ctx, rows: ReadonlyMap<string, Row>): Map<string, ContactValues> {
  const out = new Map<string, ContactValues>();
  for (const [key, r] of rows) out.set(key, decodeContact(r, ctx.schema, ctx.contactCols));
  return out;
}

/**
 * Writes the membership changes of a re-evaluation, for any number of segments: the log (returning the
 * new rows), the memberships of contacts that exited something (deleted by key, the kept ones inserted
 * again), the entries, and the segments' member counts.
 */
export async function writeDiffs(
  tx: SqlRunner,
  diffs: readonly { segment: Entry; key: string; change: "entered" | "exited" }[],
  /** Each contact's materialised memberships before these changes. */
  current: ReadonlyMap<string, readonly number[]>,
  now: number,
): Promise<MembershipChange[]> {
  const rows = diffs.map((d) => [String(d.segment.row.id), d.key, d.change, String(d.segment.row.version)]);
  const rel = await rowsRelation(tx, "diffs", 4, rows, 2);
  const logged = await tx.query(
    `INSERT INTO segql_membership_changes (segment_id, contact_key, change, at_ms, segment_version)
     SELECT CAST(u.c0 AS BIGINT), u.c1, u.c2, $1, CAST(u.c3 AS INTEGER) FROM ${rel.sql} AS u
     RETURNING seq, segment_id, contact_key, change, at_ms, segment_version`,
    [now, ...rel.params],
  );
  // Exits: every membership row of a contact that left a segment is deleted by key alone (DuckDB uses the
  // contact_key index only for a lone equality; `AND segment_id IN (…)` made it scan the whole table), and
  // the memberships it keeps are inserted again with the entries.
  const exits = new Map<string, Set<number>>();
  for (const d of diffs) if (d.change === "exited") exits.set(d.key, (exits.get(d.key) ?? new Set()).add(d.segment.row.id));
  const inserts: string[][] = diffs.filter((d) => d.change === "entered").map((d) => [String(d.segment.row.id), d.key]);
  for (const [key, gone] of exits) for (const id of current.get(key) ?? []) if (!gone.has(id)) inserts.push([String(id), key]);
  const exitKeys = [...exits.keys()];
  if (exitKeys.length <= FEW_KEYS) {
    for (const key of exitKeys) await tx.query("DELETE FROM segql_memberships WHERE contact_key = $1", [key]);
  } else {
    const cond = await keysIn(tx, "contact_key", exitKeys);
    await tx.query(`DELETE FROM segql_memberships WHERE ${cond.sql}`, cond.params);
  }
  if (inserts.length > 0) {
    const ins = await rowsRelation(tx, "entries", 2, inserts);
    await tx.query(`INSERT INTO segql_memberships (segment_id, contact_key) SELECT CAST(u.c0 AS BIGINT), u.c1 FROM ${ins.sql} AS u`, ins.params);
  }
  const delta = new Map<number, number>();
  for (const d of diffs) delta.set(d.segment.row.id, (delta.get(d.segment.row.id) ?? 0) + (d.change === "entered" ? 1 : -1));
  await addToMemberCounts(tx, delta);
  return logged.map(changeOf).sort((a, b) => a.seq - b.seq);
}

/** Adds `delta` (segment id → members gained, negative when lost) to the segments' member counts. */
export async function addToMemberCounts(tx: SqlRunner, delta: ReadonlyMap<number, number>): Promise<void> {
  // One statement, ids and deltas as two array parameters: the text repeats, so the engine's prepared
  // statement is reused.
  const moved = [...delta].filter(([, n]) => n !== 0);
  if (moved.length === 0) return;
  await tx.query(
    `UPDATE segql_segments SET member_count = member_count + u.d
     FROM (SELECT CAST(unnest(CAST($1 AS TEXT[])) AS BIGINT) AS id, CAST(unnest(CAST($2 AS TEXT[])) AS BIGINT) AS d) AS u
     WHERE segql_segments.id = u.id`,
    [moved.map(([id]) => String(id)), moved.map(([, n]) => String(n))],
  );
}

/** Contacts by key, in the predicate's shape. */
export async function loadContacts(ctx: Ctx, tx: SqlRunner, keys: readonly string[]): Promise<Map<string, ContactValues>> {
  const cond = await keysIn(tx, ctx.key, storableKeys(ctx, keys));
  const rows = await tx.query(`SELECT * FROM ${ctx.table} WHERE ${cond.sql}`, cond.params);
  const out = new Map<string, ContactValues>();
  for (const r of rows) out.set(String(r[ctx.schema.key]), decodeContact(r, ctx.schema, ctx.contactCols));
  return out;
}

/** Events by contact key, as the predicate reads them (time as ISO text, properties parsed). */
export async function loadEvents(ctx: Ctx, tx: SqlRunner, keys: readonly string[], limit?: number): Promise<Map<string, EventRow[]>> {
  const ev = ctx.schema.events;
  const out = new Map<string, EventRow[]>();
  if (!ev || !ctx.eventsTable) return out;
  const q = (n: string) => `"${n.replace(/"/g, '""')}"`;
  const order = limit !== undefined ? ` ORDER BY ${q(ev.time)} DESC LIMIT ${Math.trunc(limit)}` : "";
  const cond = await keysIn(tx, q(ev.contactKey), storableKeys(ctx, keys));
  const rows = await tx.query(`SELECT * FROM ${ctx.eventsTable} WHERE ${cond.sql}${order}`, cond.params);
  for (const r of rows) {
    const row: Record<string, unknown> = { ...r };
    row[ev.propertiesColumn] = jsonValue(r[ev.propertiesColumn]);
    const key = String(r[ev.contactKey]);
    const list = out.get(key);
    if (list) list.push(row);
    else out.set(key, [row]);
  }
  return out;
}

/**
 * contact key → segment ids, from the static member lists and from the materialised memberships, and the
 * catalog's signature (as `Catalog.signature` computes it), in one query.
 */
export async function memberPairs(tx: SqlRunner, keys: readonly string[]): Promise<{ statics: Map<string, number[]>; current: Map<string, number[]>; signature: string }> {
  const a = await keysIn(tx, "contact_key", keys);
  const b = await keysIn(tx, "contact_key", keys, a.params.length + 1);
  const rows = await tx.query(
    `SELECT 's' AS t, segment_id, contact_key FROM segql_static_members WHERE ${a.sql}
     UNION ALL SELECT 'm' AS t, segment_id, contact_key FROM segql_memberships WHERE ${b.sql}
     UNION ALL SELECT 'v' AS t, CAST(NULL AS BIGINT) AS segment_id,
       ${SIGNATURE_SQL} AS contact_key FROM segql_segments`,
    [...a.params, ...b.params],
  );
  const statics = new Map<string, number[]>();
  const current = new Map<string, number[]>();
  let signature = "";
  for (const r of rows) {
    if (r["t"] === "v") {
      signature = canonicalSignature(String(r["contact_key"]));
      continue;
    }
    const map = r["t"] === "s" ? statics : current;
    const key = String(r["contact_key"]);
    map.set(key, [...(map.get(key) ?? []), num(r["segment_id"])]);
  }
  return { statics, current, signature };
}

/** A change-log row → `MembershipChange`. */
export function changeOf(r: Row): MembershipChange {
  return {
    seq: num(r["seq"]),
    segmentId: num(r["segment_id"]),
    key: String(r["contact_key"]),
    change: r["change"] === "entered" ? "entered" : "exited",
    at: iso(num(r["at_ms"])),
    segmentVersion: num(r["segment_version"]),
  };
}
