/**
 * Erasure (`deleteContacts(keys, { erase: true })`, for a GDPR art. 17 request): after the contacts, their
 * events and memberships are deleted and their exits logged, what else of them the store holds goes too, in
 * the same transaction. The audit of every place a contact's key or values can remain after an ordinary
 * deletion is in docs/store.md ("Erasing a contact"); this module handles the places inside the database:
 *
 * - the change feed (`segql_membership_changes`): every row of the contact — its past entries and exits and
 *   the exits this deletion logged — keeps its `seq`, segment, change, time and version but loses its key
 *   (`contact_key` becomes `""`, which no contact can have). No row vanishes, so the feed's numbers, a
 *   follower's cursor, the long poll (change-watch.ts) and the member-count history stay as they were; a
 *   follower sees an exit with an empty key and knows a member of that segment was erased (see the docs for
 *   why the key is not kept, and how a follower mirroring members by key reconciles);
 * - the import history (`segql_imports.bad`): a bad row whose text quotes the key or one of the contact's
 *   text values has its message (and any other field quoting it) replaced by `[erased]`;
 * - segment definitions (names, descriptions, expressions, now, in earlier versions, in the trash, and the
 *   name a copy was made from) that quote a key or value are listed, not changed: rewriting a definition
 *   would change an audience behind its owner's back;
 * - the store's scratch tables on the write connection (`segql_diff`, `segql_stage_*`: temporary tables a
 *   write fills and the next one replaces) are dropped, as they hold the keys (and a bulk write's values)
 *   of the last statements that used them.
 */
import { quoteIdent, type SqlRunner } from "./adapter.js";
import type { Ctx } from "./context.js";
import type { InputProblem } from "./errors.js";
import type { ContactValues, ErasedHistory } from "./types.js";
import { keysIn } from "./writes.js";

/** What replaces an erased text in the import history. */
export const ERASED = "[erased]";

/**
 * Values shorter than this are not looked for: two characters ("NY", "42") say nothing of a person and
 * would redact other contacts' bad rows wholesale.
 */
const MIN_VALUE_LENGTH = 3;
/**
 * Below this length a text is looked for only as the store quotes a value in its messages (JSON, `"a1"`):
 * a short key ("7", "a1") found anywhere would match line numbers and other words.
 */
const MIN_BARE_LENGTH = 4;

/**
 * What to look for: each key and the text values of its contact (text fields and list items), as they are
 * stored before the deletion. Enum values are the schema's words, not the person's, and are left out.
 */
export function erasureNeedles(ctx: Ctx, keys: readonly string[], contacts: ReadonlyMap<string, ContactValues>): string[] {
  const out = new Set<string>(keys);
  for (const values of contacts.values()) {
    for (const [name, value] of Object.entries(values)) {
      const type = ctx.schema.fields[name]?.type;
      const texts = type === "string" && typeof value === "string" ? [value] : type === "list" && Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
      for (const t of texts) if (t.trim().length >= MIN_VALUE_LENGTH) out.add(t);
    }
  }
  return [...out];
}

/** Whether `text` quotes one of `needles` (see `MIN_BARE_LENGTH`). */
export function quotesAny(text: string, needles: readonly string[]): boolean {
  return needles.some((n) => text.includes(JSON.stringify(n)) || (n.length >= MIN_BARE_LENGTH && text.includes(n)));
}

/** Runs the erasure of `keys` (already deleted, exits logged) in `tx`; `needles` from `erasureNeedles`. */
export async function eraseHistory(ctx: Ctx, tx: SqlRunner, keys: readonly string[], needles: readonly string[]): Promise<ErasedHistory> {
  const cond = await keysIn(tx, "contact_key", keys);
  const feedRows = await tx.change(`UPDATE segql_membership_changes SET contact_key = '' WHERE ${cond.sql}`, cond.params);
  const importProblems = await redactImportHistory(tx, needles);
  const segmentsQuoting = await segmentsQuotingAny(tx, needles);
  await dropScratchTables(ctx, tx);
  return { feedRows, importProblems, segmentsQuoting };
}

/** Replaces every bad row of the import history that quotes a needle; returns how many. */
async function redactImportHistory(tx: SqlRunner, needles: readonly string[]): Promise<number> {
  let redacted = 0;
  // The history is a row per import with at most 100 bad rows each: read whole, matched here (the JSON text
  // escapes quotes, so a LIKE on the column would not find a quoted value as the message shows it).
  const rows = await tx.query("SELECT id, bad FROM segql_imports WHERE bad_count > 0 ORDER BY id");
  for (const row of rows) {
    const bad = JSON.parse(String(row["bad"])) as InputProblem[];
    let changed = false;
    const next = bad.map((p) => {
      const texts = [p.message, p.path, p.file ?? "", p.field ?? ""];
      if (!texts.some((t) => quotesAny(t, needles))) return p;
      changed = true;
      redacted++;
      const blank = (t: string | undefined) => (t !== undefined && quotesAny(t, needles) ? ERASED : t);
      const out: InputProblem = { path: blank(p.path)!, message: ERASED };
      if (p.file !== undefined) out.file = blank(p.file)!;
      if (p.line !== undefined) out.line = p.line;
      if (p.field !== undefined) out.field = blank(p.field)!;
      return out;
    });
    if (changed) await tx.query("UPDATE segql_imports SET bad = $1 WHERE id = $2", [JSON.stringify(next), row["id"] as number]);
  }
  return redacted;
}

/** Ids of the segments (live or in the trash) whose text, now or in an earlier version, quotes a needle. */
async function segmentsQuotingAny(tx: SqlRunner, needles: readonly string[]): Promise<number[]> {
  const rows = await tx.query(
    `SELECT id, name, description, expression FROM segql_segments
     UNION ALL SELECT segment_id AS id, name, description, expression FROM segql_segment_versions
     UNION ALL SELECT id, name, description, expression FROM segql_deleted_segments
     UNION ALL SELECT segment_id AS id, source_name AS name, '' AS description, NULL AS expression FROM segql_segment_copies`,
  );
  const ids = new Set<number>();
  for (const r of rows) {
    const text = [r["name"], r["description"], r["expression"]].filter((v) => typeof v === "string").join("\n");
    if (quotesAny(text, needles)) ids.add(Number(r["id"]));
  }
  return [...ids].sort((a, b) => a - b);
}

/**
 * Drops the store's temporary tables on this connection (see the module comment): the next write that
 * needs one creates it again. PostgreSQL keeps a temporary table's rows in the session's own files; other
 * pooled connections' tables are not reachable from here (docs/store.md says so).
 */
async function dropScratchTables(ctx: Ctx, tx: SqlRunner): Promise<void> {
  const rows =
    ctx.adapter.kind === "duckdb"
      ? await tx.query("SELECT table_name AS name FROM duckdb_tables() WHERE temporary AND starts_with(table_name, 'segql_')")
      : await tx.query("SELECT c.relname AS name FROM pg_class c WHERE c.relnamespace = pg_my_temp_schema() AND c.relkind = 'r' AND starts_with(c.relname, 'segql_')");
  for (const r of rows) {
    const name = quoteIdent(String(r["name"]));
    await tx.exec(ctx.adapter.kind === "duckdb" ? `DROP TABLE temp.main.${name}` : `DROP TABLE pg_temp.${name}`);
  }
}
