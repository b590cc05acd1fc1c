/**
 * Reading contacts and a segment's history for people looking at them (the web app's pickers, member
 * lists and charts), all in SQL:
 *
 * - `listContacts`: search text, a filter expression and/or membership of a segment; sorted by any field;
 *   paged with LIMIT/OFFSET; the total counted by the same WHERE. The search text becomes a segql
 *   expression (quoted by the formatter, never pasted into SQL) and is compiled like any other.
 * - `contactRowsAfter`: the same WHERE a page at a time by key (keyset), for an export of every match.
 * - `findContactKeys`: which keys of a pasted or uploaded list are contacts.
 * - `segmentChanges`: a segment's entered / exited feed, newest first.
 * - `contactEvents`: a contact's events, newest first, a page at a time, and how many it has.
 * - `memberCountHistory`: the member count over time, summed from the change log in the database, in at
 *   most N intervals.
 */
import { compileSql } from "../compiler/sql/index.js";
import { formatField, quoteString } from "../parser/format.js";
import type { Schema } from "../schema/schema.js";
import { jsonValue, num, quoteIdent, type Param, type Row, type SqlRunner } from "./adapter.js";
import type { Catalog, Entry } from "./catalog.js";
import { iso, type Ctx } from "./context.js";
import { InvalidExpressionError, InvalidInputError } from "./errors.js";
import { changeOf } from "./membership.js";
import type { ContactPage, KeyLookup, ListContactsOptions, MemberCountPoint, SegmentChangesOptions, SegmentChangesPage } from "./types.js";
import { decodeContact } from "./values.js";
import { existingKeys, keysIn } from "./writes.js";

/** The alias of the contacts table in these queries. */
const ALIAS = "c";

/**
 * The expression matching contacts where `text` appears in some field: `contains` on text fields (ASCII
 * case folded, as the language defines it), the enum values containing it, an exact item of lists,
 * equality on numbers when the text is a number. Null when no field can hold it (nothing matches).
 */
export function searchExpression(schema: Schema, text: string): string | null {
  const needle = text.trim();
  if (needle === "") return null;
  const folded = asciiLower(needle);
  const number = /^-?\d{1,15}(\.\d{1,15})?$/.test(needle) ? needle : null;
  const parts: string[] = [];
  for (const f of Object.values(schema.fields)) {
    const field = formatField(f);
    switch (f.type) {
      case "string":
        parts.push(`${field} contains ${quoteString(needle)}`);
        break;
      case "enum": {
        const values = (f.values ?? []).filter((v) => asciiLower(v).includes(folded));
        if (values.length > 0) parts.push(`${field} in (${values.map(quoteString).join(", ")})`);
        break;
      }
      case "list":
        parts.push(`${field} has ${quoteString(needle)}`);
        break;
      case "number":
        if (number !== null) parts.push(`${field} = ${number}`);
        break;
      default:
        break; // dates, timestamps and booleans are found with a filter, not free text
    }
  }
  return parts.length > 0 ? parts.join(" or ") : null;
}

function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}

/** Context `listContacts` needs from the store. */
export interface ListContext {
  ctx: Ctx;
  tx: SqlRunner;
  catalog: Catalog;
  entryOf(catalog: Catalog, id: number): Entry;
  orderBy(field: string | undefined, descending: boolean | undefined, alias: string): string;
}

/** SQL of an expression as a condition on the contacts table aliased `c`; `InvalidExpressionError` when it does not check. */
function condition(l: ListContext, text: string, now: number): string {
  const checked = l.catalog.check(text);
  if (!checked.typed) throw new InvalidExpressionError(text, checked.diagnostics);
  return compileSql({ schema: l.ctx.schema, expr: checked.typed }, { dialect: l.ctx.adapter.kind, form: "where", now, tableAlias: ALIAS, segmentSource: l.ctx.staticSource(l.catalog), pretty: false }).sql;
}

/**
 * The WHERE of a contact search on the contacts table aliased `c` (`TRUE` when nothing narrows it), its
 * parameters appended to `params`; null when the search text can match no field (nothing matches).
 * `InvalidExpressionError` for a filter that does not check.
 */
export function contactsWhere(l: ListContext, options: Pick<ListContactsOptions, "search" | "filter" | "segmentId">, now: number, params: Param[]): string | null {
  const { ctx } = l;
  const where: string[] = [];
  const filter = options.filter?.trim() ? options.filter : null;
  if (filter !== null) where.push(condition(l, filter, now));
  const search = options.search?.trim() ?? "";
  if (search !== "") {
    const found = searchExpression(ctx.schema, search);
    if (found === null) return null;
    where.push(condition(l, found, now));
  }
  if (options.segmentId !== undefined) {
    const e = l.entryOf(l.catalog, options.segmentId);
    const table = e.row.kind === "static" ? "segql_static_members" : "segql_memberships";
    params.push(e.row.id);
    where.push(`${ALIAS}.${ctx.key} IN (SELECT contact_key FROM ${table} WHERE segment_id = $${params.length})`);
  }
  return where.length > 0 ? where.map((w) => `(${w})`).join(" AND ") : "TRUE";
}

/** See `Store.listContacts`. `offset` is the decoded cursor. */
export async function listContacts(l: ListContext, options: ListContactsOptions, limit: number, offset: number): Promise<Omit<ContactPage, "next"> & { more: boolean }> {
  const { ctx, tx } = l;
  const params: Param[] = [];
  const whereSql = contactsWhere(l, options, ctx.clock(), params);
  if (whereSql === null) return { items: [], total: 0, more: false };
  const total = num((await tx.query(`SELECT COUNT(*) AS n FROM ${ctx.table} AS ${ALIAS} WHERE ${whereSql}`, params))[0]?.["n"]);
  const order = l.orderBy(options.orderBy, options.descending, ALIAS);
  const rows = await tx.query(
    `SELECT ${ALIAS}.* FROM ${ctx.table} AS ${ALIAS} WHERE ${whereSql} ORDER BY ${order} LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
    [...params, limit + 1, offset],
  );
  const items = rows.slice(0, limit).map((r) => decodeContact(r, ctx.schema, ctx.contactCols));
  return { items, total, more: rows.length > limit };
}

/**
 * See `Store.contactPages`: the next `size` rows of `contactsWhere` after the key `after` (null: from the
 * first), in key order. Keyset paging (`key > $last ORDER BY key LIMIT n`): each page starts on the key's
 * index where the last one ended, so reading every page is linear in the contacts, where OFFSET would read
 * again every row before it. The database compares and orders the keys alike (one collation), whatever
 * they hold.
 */
export async function contactRowsAfter(ctx: Ctx, tx: SqlRunner, where: { sql: string; params: readonly Param[] }, after: Param | null, size: number): Promise<Row[]> {
  const key = `${ALIAS}.${ctx.key}`;
  const params: Param[] = [...where.params];
  let sql = where.sql;
  if (after !== null) {
    params.push(after);
    sql = `(${sql}) AND ${key} > $${params.length}`;
  }
  params.push(size);
  return tx.query(`SELECT ${ALIAS}.* FROM ${ctx.table} AS ${ALIAS} WHERE ${sql} ORDER BY ${key} LIMIT $${params.length}`, params);
}

/** See `Store.findContactKeys`; `members` is the segment's member table when one is asked about. */
export async function findContactKeys(ctx: Ctx, tx: SqlRunner, keys: readonly string[], members?: { table: string; id: number }): Promise<KeyLookup> {
  const unique = [...new Set(keys)];
  const found = await existingKeys(ctx, tx, unique);
  const known = unique.filter((k) => found.has(k));
  const out: KeyLookup = { known, unknown: unique.filter((k) => !found.has(k)) };
  if (members) {
    const member = new Set<string>();
    if (known.length > 0) {
      const cond = await keysIn(tx, "contact_key", known, 2);
      const rows = await tx.query(`SELECT contact_key FROM ${members.table} WHERE segment_id = $1 AND ${cond.sql}`, [members.id, ...cond.params]);
      for (const r of rows) member.add(String(r["contact_key"]));
    }
    out.members = known.filter((k) => member.has(k));
  }
  return out;
}

/**
 * A contact's events, newest first, a page at a time (LIMIT/OFFSET), and how many it has. Ties in time
 * are ordered by name, then properties, so pages do not overlap; events appended between two pages push
 * the older ones down (a row may be seen twice, none is skipped).
 */
export async function contactEvents(ctx: Ctx, tx: SqlRunner, key: string, limit: number, offset: number): Promise<{ items: Record<string, unknown>[]; total: number; more: boolean }> {
  const ev = ctx.schema.events;
  if (!ev || !ctx.eventsTable) return { items: [], total: 0, more: false };
  const where = `${quoteIdent(ev.contactKey)} = $1`;
  const total = num((await tx.query(`SELECT COUNT(*) AS n FROM ${ctx.eventsTable} WHERE ${where}`, [key]))[0]?.["n"] ?? 0);
  const rows = await tx.query(
    `SELECT * FROM ${ctx.eventsTable} WHERE ${where} ORDER BY ${quoteIdent(ev.time)} DESC, ${quoteIdent(ev.name)}, CAST(${quoteIdent(ev.propertiesColumn)} AS TEXT) LIMIT $2 OFFSET $3`,
    [key, limit + 1, offset],
  );
  const items = rows.slice(0, limit).map((r) => ({ ...r, [ev.propertiesColumn]: jsonValue(r[ev.propertiesColumn]) }));
  return { items, total, more: rows.length > limit };
}

/** See `Store.segmentChanges` and `Store.contactChanges`: one segment's or one contact's log, newest first. */
export async function segmentChanges(tx: SqlRunner, of: { segmentId: number } | { key: string }, options: SegmentChangesOptions, limit: number): Promise<SegmentChangesPage> {
  const params: Param[] = ["segmentId" in of ? of.segmentId : of.key, limit + 1];
  const before = options.before !== undefined ? ` AND seq < $3` : "";
  if (options.before !== undefined) params.push(options.before);
  const rows = await tx.query(
    `SELECT seq, segment_id, contact_key, change, at_ms, segment_version FROM segql_membership_changes WHERE ${"segmentId" in of ? "segment_id" : "contact_key"} = $1${before} ORDER BY seq DESC LIMIT $2`,
    params,
  );
  const items = rows.slice(0, limit).map(changeOf);
  return { items, next: rows.length > limit ? items[items.length - 1]!.seq : null };
}

/** See `Store.memberCountHistory`: the change log summed per interval, then accumulated. */
export async function memberCountHistory(tx: SqlRunner, id: number, points: number): Promise<MemberCountPoint[]> {
  const span = (await tx.query("SELECT MIN(at_ms) AS lo, MAX(at_ms) AS hi FROM segql_membership_changes WHERE segment_id = $1", [id]))[0] ?? {};
  if (span["lo"] === null || span["lo"] === undefined) return [];
  const lo = num(span["lo"]);
  const hi = num(span["hi"]);
  // Integers computed here (not user text): the interval width in ms.
  const width = Math.max(1, Math.ceil((hi - lo + 1) / points));
  const rows = await tx.query(
    `SELECT FLOOR((at_ms - ${lo}) / ${width}) AS b, MAX(at_ms) AS at_ms,
            SUM(CASE WHEN change = 'entered' THEN 1 ELSE 0 END) AS entered, SUM(CASE WHEN change = 'exited' THEN 1 ELSE 0 END) AS exited
     FROM segql_membership_changes WHERE segment_id = $1 GROUP BY FLOOR((at_ms - ${lo}) / ${width}) ORDER BY b`,
    [id],
  );
  let count = 0;
  return rows.map((r) => {
    const entered = num(r["entered"]);
    const exited = num(r["exited"]);
    count += entered - exited;
    return { at: iso(num(r["at_ms"])), count, entered, exited };
  });
}

/**
 * The SQL of a segment list order (the store's own names, not user text). Text sorts by code (`COLLATE "C"`,
 * both engines), not by the database's locale, so the order is the same on every backend.
 */
export const SEGMENT_ORDER_COLUMNS: Record<string, string> = {
  name: 'name_key COLLATE "C"',
  description: 'LOWER(description) COLLATE "C"',
  kind: "kind",
  createdAt: "created_at",
  updatedAt: "updated_at",
  memberCount: "member_count",
  id: "id",
};

/** Checks a segment order; `InvalidInputError` for an unknown one. */
export function segmentOrderColumn(order: unknown): string {
  if (typeof order !== "string" || !Object.hasOwn(SEGMENT_ORDER_COLUMNS, order)) {
    throw new InvalidInputError([{ path: "orderBy", message: `expected one of ${Object.keys(SEGMENT_ORDER_COLUMNS).join(", ")}` }]);
  }
  return SEGMENT_ORDER_COLUMNS[order]!;
}
