/**
 * Writing contacts and events: checking input rows against the schema (every problem named by row and
 * field), then bulk statements that carry each column's values as one text-array parameter, expanded by
 * `unnest` and cast by physical.ts (one statement per batch, whatever the number of rows).
 */
import { closest } from "../diagnostics.js";
import { numberAsText, ValueError } from "../data/convert.js";
import { quoteIdent, stageName, type Param, type Row, type SqlRunner } from "./adapter.js";
import type { Ctx } from "./context.js";
import type { InputProblem } from "./errors.js";
import type { ColumnPlan } from "./physical.js";
import { EncodeError, encodeValue, textProblem } from "./values.js";


/**
 * The longest contact key (characters). Longer keys would be stored but could not be named again: every route
 * that takes a key (a contact's page, member edits, why) takes keys up to this length.
 */
export const MAX_KEY_LENGTH = 1000;

/** A key as given: a JSON number as its digits (`ValueError` for one past 2^53, see `numberAsText`). */
function keyText(raw: unknown): unknown {
  if (typeof raw !== "number" || !Number.isFinite(raw)) return raw;
  try {
    return numberAsText(raw);
  } catch (e) {
    if (e instanceof ValueError) return e;
    throw e;
  }
}

function tooLongKey(key: string): string {
  return `a key has at most ${MAX_KEY_LENGTH.toLocaleString("en-US")} characters; this one has ${key.length.toLocaleString("en-US")}`;
}
/** Rows per statement. */
const BATCH = 5000;
/** Up to this many contacts are written one statement each, returning their rows (see `upsertContacts`). */
const FEW = 8;

/** Contacts to write: key → column name → text (null clears). Later rows for a key win, field by field. */
export type ContactWrites = Map<string, Map<string, string | null>>;

/** Checks and encodes contact input rows. Problems are `rows[i].field: message`. */
export function encodeContacts(
  ctx: Ctx,
  rows: readonly unknown[],
  where: (i: number) => string = (i) => `rows[${i}]`,
  /** CSV cells: text values (blank = empty, lists as JSON arrays or `;`-separated). */
  fromText = false,
  /** Imports: a timestamp with digits past the millisecond is cut to it, and said here (else refused). */
  cutPastMilliseconds?: (i: number, field: string, raw: unknown, kept: number) => void,
): { writes: ContactWrites; problems: InputProblem[] } {
  const writes: ContactWrites = new Map();
  const problems: InputProblem[] = [];
  const keyCol = ctx.contactCols[0]!;
  const keyName = keyCol.field?.name ?? ctx.schema.key;
  const byName = new Map(ctx.contactCols.map((c) => [c.field?.name ?? ctx.schema.key, c]));
  rows.forEach((row, i) => {
    const at = where(i);
    if (typeof row !== "object" || row === null || Array.isArray(row)) {
      problems.push({ path: at, message: "expected an object of field values" });
      return;
    }
    const input = row as Record<string, unknown>;
    const rawKey = Object.hasOwn(input, keyName) ? input[keyName] : undefined;
    const key = keyText(rawKey);
    if (key instanceof ValueError) {
      problems.push({ path: `${at}.${keyName}`, message: key.message, field: keyName });
      return;
    }
    if (typeof key !== "string" || key === "") {
      problems.push({ path: `${at}.${keyName}`, message: `the key is required (a non-empty string), found ${JSON.stringify(rawKey) ?? "nothing"}`, field: keyName });
      return;
    }
    if (key.length > MAX_KEY_LENGTH) {
      problems.push({ path: `${at}.${keyName}`, message: tooLongKey(key), field: keyName });
      return;
    }
    const keyProblem = textProblem(key, ctx.adapter.storesNul);
    if (keyProblem) {
      problems.push({ path: `${at}.${keyName}`, message: keyProblem, field: keyName });
      return;
    }
    const cols = writes.get(key) ?? new Map<string, string | null>();
    let ok = true;
    for (const [name, value] of Object.entries(input)) {
      if (name === keyName) continue;
      const col = byName.get(name);
      if (!col) {
        const hint = closest(name, byName.keys());
        problems.push({ path: `${at}.${name}`, message: `unknown field${hint[0] ? `; did you mean "${hint[0]}"?` : ""}`, field: name });
        ok = false;
        continue;
      }
      try {
        cols.set(col.name, encodeValue(value, col, ctx.physical, ctx.adapter.storesNul, fromText, cutPastMilliseconds && ((kept) => cutPastMilliseconds(i, name, value, kept))));
      } catch (e) {
        if (!(e instanceof EncodeError)) throw e;
        problems.push({ path: `${at}.${name}`, message: e.message, field: name });
        ok = false;
      }
    }
    if (ok) writes.set(key, cols);
  });
  return { writes, problems };
}

/** Up to this many rows go to SQL as array parameters; more through a staging table (see `SqlRunner.stage`). */
const SMALL = 64;

/**
 * Rows of text as a relation with columns `c0`, `c1`, …: array parameters numbered from `$first` for a
 * few rows (no DDL, fastest for one contact), a staging table for many.
 */
export async function rowsRelation(tx: SqlRunner, purpose: string, width: number, rows: readonly (readonly (string | null)[])[], first = 1): Promise<{ sql: string; params: Param[] }> {
  if (rows.length <= SMALL) {
    const cols = Array.from({ length: width }, (_, i) => `unnest(CAST($${first + i} AS TEXT[])) AS c${i}`).join(", ");
    return { sql: `(SELECT ${cols})`, params: Array.from({ length: width }, (_, i) => rows.map((r) => r[i] ?? null)) };
  }
  const name = stageName(purpose, width);
  await tx.stage(name, width, rows);
  return { sql: name, params: [] };
}

/**
 * `column IN (…)` for keys: a list of placeholders from `$first` for a few keys (engines then use the
 * column's index: a point lookup), a staged relation for many, or where the runner cannot stage (a read on
 * PostgreSQL) one text array parameter unnested. Returns the condition and its parameters.
 */
export async function keysIn(tx: SqlRunner, column: string, keys: readonly string[], first = 1): Promise<{ sql: string; params: Param[] }> {
  if (keys.length === 0) return { sql: "FALSE", params: [] };
  if (keys.length <= SMALL) return { sql: `${column} IN (${keys.map((_, i) => `$${first + i}`).join(", ")})`, params: [...keys] };
  if (tx.canStage === false) return { sql: `${column} IN (SELECT unnest(CAST($${first} AS TEXT[])))`, params: [[...keys]] };
  const name = stageName("keys", 1);
  await tx.stage(name, 1, keys.map((k) => [k]));
  return { sql: `${column} IN (SELECT c0 FROM ${name})`, params: [] };
}

/**
 * The keys a contact can have in this database: on PostgreSQL, text cannot hold U+0000, so a key holding it
 * is no contact's (and must not reach the driver, which refuses it).
 */
export function storableKeys(ctx: Ctx, keys: readonly string[]): readonly string[] {
  return ctx.adapter.storesNul ? keys : keys.filter((k) => !k.includes("\u0000"));
}

/** Keys among `keys` that are contacts. */
export async function existingKeys(ctx: Ctx, tx: SqlRunner, keys: readonly string[]): Promise<Set<string>> {
  const out = new Set<string>();
  keys = storableKeys(ctx, keys);
  if (keys.length === 0) return out;
  const cond = await keysIn(tx, ctx.key, keys);
  const rows = await tx.query(`SELECT ${ctx.key} AS k FROM ${ctx.table} WHERE ${cond.sql}`, cond.params);
  for (const r of rows) out.add(String(r["k"]));
  return out;
}

/** What `upsertContacts` did: how many contacts were new, and (for a few) their rows as now stored. */
export interface UpsertOutcome {
  inserted: number;
  updated: number;
  /** The keys that were new contacts. */
  insertedKeys: Set<string>;
  /** Key → the row as stored after the write (RETURNING), when the few-contacts path wrote them; else null. */
  stored: Map<string, Row> | null;
}

/**
 * Inserts or updates contacts (fields not written keep their values). A few contacts (an API write) take one
 * statement each that also returns the stored row (UPDATE … RETURNING, else INSERT … RETURNING), so the
 * re-evaluation that follows needs no read-back; more go through bulk INSERT … ON CONFLICT statements.
 */
export async function upsertContacts(ctx: Ctx, tx: SqlRunner, writes: ContactWrites): Promise<UpsertOutcome> {
  const keys = [...writes.keys()];
  const colByName = new Map(ctx.contactCols.map((c) => [c.name, c]));
  const keyCol = ctx.contactCols[0]!;
  if (keys.length <= FEW) {
    // DuckDB's cheapest point writes are a plain UPDATE or INSERT by key; RETURNING hands back the row.
    const stored = new Map<string, Row>();
    const insertedKeys = new Set<string>();
    for (const [key, written] of writes) {
      const cols = [...written.keys()].sort().map((n) => colByName.get(n)!);
      const values = cols.map((c) => written.get(c.name) ?? null);
      let rows =
        cols.length > 0
          ? await tx.query(`UPDATE ${ctx.table} SET ${cols.map((c, j) => `${quoteIdent(c.name)} = ${ctx.physical.fromText(`CAST($${j + 2} AS TEXT)`, c)}`).join(", ")} WHERE ${ctx.key} = $1 RETURNING *`, [key, ...values])
          : await tx.query(`SELECT * FROM ${ctx.table} WHERE ${ctx.key} = $1`, [key]);
      if (rows.length === 0) {
        const all = [keyCol, ...cols];
        rows = await tx.query(`INSERT INTO ${ctx.table} (${all.map((c) => quoteIdent(c.name)).join(", ")}) VALUES (${all.map((c, j) => ctx.physical.fromText(`CAST($${j + 1} AS TEXT)`, c)).join(", ")}) RETURNING *`, [key, ...values]);
        insertedKeys.add(key);
      }
      stored.set(key, rows[0]!);
    }
    return { inserted: insertedKeys.size, updated: keys.length - insertedKeys.size, insertedKeys, stored };
  }
  const existing = await existingKeys(ctx, tx, keys);
  // One statement per set of columns written (rows of an import usually share one).
  const groups = groupByColumns(writes, colByName);
  for (const { cols, keys: groupKeys } of groups.values()) {
    const all = [keyCol, ...cols];
    const slots = all.map((c, i) => ctx.physical.fromText(`u.c${i}`, c));
    const update = cols.length > 0 ? `DO UPDATE SET ${cols.map((c) => `${quoteIdent(c.name)} = EXCLUDED.${quoteIdent(c.name)}`).join(", ")}` : "DO NOTHING";
    for (let i = 0; i < groupKeys.length; i += BATCH) {
      const batch = groupKeys.slice(i, i + BATCH);
      const rel = await rowsRelation(tx, "contacts", all.length, batch.map((k) => [k, ...cols.map((c) => writes.get(k)!.get(c.name) ?? null)]));
      await tx.query(`INSERT INTO ${ctx.table} (${all.map((c) => quoteIdent(c.name)).join(", ")}) SELECT ${slots.join(", ")} FROM ${rel.sql} AS u ON CONFLICT (${ctx.key}) ${update}`, rel.params);
    }
  }
  const insertedKeys = new Set(keys.filter((k) => !existing.has(k)));
  return { inserted: insertedKeys.size, updated: keys.length - insertedKeys.size, insertedKeys, stored: null };
}

/** Events to write: one text per events column, row by row, and the contact key of each row. */
export interface EventWrites {
  rows: (string | null)[][];
  keys: string[];
}

/**
 * Checks and encodes event input rows (properties the schema lists are converted by type; others kept as
 * given). `cutPastMilliseconds`: as `encodeContacts`'s (`field` is the column, or `properties.NAME`).
 */
export function encodeEvents(
  ctx: Ctx,
  rows: readonly unknown[],
  where: (i: number) => string = (i) => `rows[${i}]`,
  cutPastMilliseconds?: (i: number, field: string, raw: unknown, kept: number) => void,
): { writes: EventWrites; problems: InputProblem[] } {
  const ev = ctx.schema.events;
  const problems: InputProblem[] = [];
  const writes: EventWrites = { rows: [], keys: [] };
  if (!ev) return { writes, problems: [{ path: "", message: "the schema has no events section, so the store keeps no events" }] };
  const [keyCol, nameCol, timeCol, propsCol, ...ownCols] = ctx.eventCols as [ColumnPlan, ColumnPlan, ColumnPlan, ColumnPlan, ...ColumnPlan[]];
  const bagProps = Object.values(ev.properties).filter((p) => !p.ownColumn);
  const known = new Set([ev.contactKey, ev.name, ev.time, ev.propertiesColumn, "properties", ...ownCols.map((c) => c.name)]);
  rows.forEach((row, i) => {
    const at = where(i);
    if (typeof row !== "object" || row === null || Array.isArray(row)) {
      problems.push({ path: at, message: "expected an object (an event)" });
      return;
    }
    const input = row as Record<string, unknown>;
    const get = (k: string) => (Object.hasOwn(input, k) ? input[k] : undefined);
    const bad = (field: string, message: string) => problems.push({ path: `${at}.${field}`, message, field });
    const before = problems.length;
    for (const k of Object.keys(input)) if (!known.has(k)) bad(k, `unknown column (an event has ${[...known].filter((n) => n !== "properties" || ev.propertiesColumn === "properties").join(", ")})`);
    const rawKey = get(ev.contactKey);
    const key = keyText(rawKey);
    if (key instanceof ValueError) bad(ev.contactKey, key.message);
    else if (typeof key !== "string" || key === "") bad(ev.contactKey, `expected the contact key (a non-empty string), found ${JSON.stringify(rawKey) ?? "nothing"}`);
    else if (key.length > MAX_KEY_LENGTH) bad(ev.contactKey, tooLongKey(key));
    const name = get(ev.name);
    if (typeof name !== "string" || name === "") bad(ev.name, `expected the event name (a non-empty string), found ${JSON.stringify(name) ?? "nothing"}`);
    const cells: (string | null)[] = [];
    const cut = (field: string, value: unknown) => cutPastMilliseconds && ((kept: number) => cutPastMilliseconds(i, field, value, kept));
    const put = (col: ColumnPlan, value: unknown, field: string, required = false) => {
      try {
        const text = encodeValue(value, col, ctx.physical, ctx.adapter.storesNul, false, cut(field, value));
        if (text === null && required) bad(field, "is required");
        cells.push(text);
      } catch (e) {
        if (!(e instanceof EncodeError)) throw e;
        bad(field, e.message);
        cells.push(null);
      }
    };
    put(keyCol, key, ev.contactKey);
    put(nameCol, name, ev.name);
    put(timeCol, get(ev.time), ev.time, true);
    const rawBag = get(ev.propertiesColumn) ?? get("properties");
    if (rawBag !== undefined && rawBag !== null && (typeof rawBag !== "object" || Array.isArray(rawBag))) {
      bad(ev.propertiesColumn, "expected an object of properties");
      cells.push(null);
    } else {
      const bag: Record<string, unknown> = { ...((rawBag as Record<string, unknown> | null) ?? {}) };
      for (const p of bagProps) {
        if (!Object.hasOwn(bag, p.name) || bag[p.name] === null) continue;
        try {
          const text = encodeValue(bag[p.name], { name: p.name, type: p.type, field: p }, ctx.physical, true, false, cut(`${ev.propertiesColumn}.${p.name}`, bag[p.name]));
          // Back to the JSON value the predicate and the SQL read: numbers, booleans, lists, ISO text.
          bag[p.name] = text === null ? null : p.type === "number" ? Number(text) : p.type === "boolean" ? text === "true" : p.type === "list" ? JSON.parse(text) : p.type === "timestamp" ? isoOf(text) : text;
        } catch (e) {
          if (!(e instanceof EncodeError)) throw e;
          bad(`${ev.propertiesColumn}.${p.name}`, e.message);
        }
      }
      put(propsCol, bag, ev.propertiesColumn);
    }
    for (const c of ownCols) put(c, get(c.name), c.name);
    if (problems.length === before) {
      writes.rows.push(cells);
      writes.keys.push(key as string);
    }
  });
  return { writes, problems };
}

/** The ISO form of a timestamp text written by `timestampText` (`YYYY-MM-DD HH:MM:SS.mmm[+00]` or ISO). */
function isoOf(text: string): string {
  return text.includes("T") ? text : `${text.replace(/\+00$/, "").replace(" ", "T")}Z`;
}

/** Inserts encoded events (into `table`: the events table, or an import's pending events, see imports.ts). */
export async function insertEvents(ctx: Ctx, tx: SqlRunner, writes: EventWrites, table = ctx.eventsTable): Promise<void> {
  const cols = ctx.eventCols;
  const slots = cols.map((c, i) => ctx.physical.fromText(`u.c${i}`, c));
  for (let i = 0; i < writes.rows.length; i += BATCH) {
    const rel = await rowsRelation(tx, "events", cols.length, writes.rows.slice(i, i + BATCH));
    await tx.query(`INSERT INTO ${table} (${cols.map((c) => quoteIdent(c.name)).join(", ")}) SELECT ${slots.join(", ")} FROM ${rel.sql} AS u`, rel.params);
  }
}

/**
 * How many of `writes` would change nothing: the key is a contact whose stored values equal every value
 * written (as typed values, null only equal to null). Read before the upsert; an import reports them as
 * `unchanged` rather than `updated`.
 */
export async function unchangedContacts(ctx: Ctx, tx: SqlRunner, writes: ContactWrites): Promise<number> {
  const colByName = new Map(ctx.contactCols.map((c) => [c.name, c]));
  const keyCol = ctx.contactCols[0]!;
  // One statement per set of columns written, as `upsertContacts` groups them.
  const groups = groupByColumns(writes, colByName);
  let same = 0;
  for (const { cols, keys } of groups.values()) {
    const stored = storableKeys(ctx, keys);
    for (let i = 0; i < stored.length; i += BATCH) {
      const batch = stored.slice(i, i + BATCH);
      const rel = await rowsRelation(tx, "compare", cols.length + 1, batch.map((k) => [k, ...cols.map((c) => writes.get(k)!.get(c.name) ?? null)]));
      const equal = cols.map((c, j) => `c.${quoteIdent(c.name)} IS NOT DISTINCT FROM ${ctx.physical.fromText(`u.c${j + 1}`, c)}`);
      const rows = await tx.query(`SELECT COUNT(*) AS n FROM ${rel.sql} AS u JOIN ${ctx.table} AS c ON c.${quoteIdent(keyCol.name)} = u.c0${equal.length > 0 ? ` WHERE ${equal.join(" AND ")}` : ""}`, rel.params);
      same += Number(rows[0]?.["n"] ?? 0);
    }
  }
  return same;
}

/** The keys of `writes` by the set of columns each writes, with those columns' plans. */
function groupByColumns(writes: ContactWrites, colByName: ReadonlyMap<string, ColumnPlan>): Map<string, { cols: ColumnPlan[]; keys: string[] }> {
  const groups = new Map<string, { cols: ColumnPlan[]; keys: string[] }>();
  for (const [key, cols] of writes) {
    const names = [...cols.keys()].sort();
    const sig = JSON.stringify(names);
    const group = groups.get(sig) ?? { cols: names.map((n) => colByName.get(n)!), keys: [] };
    group.keys.push(key);
    groups.set(sig, group);
  }
  return groups;
}
