/**
 * Creating and migrating a store's tables. Format 1:
 *
 * - `segql_meta(key, value)`: `format` (this file's `STORE_FORMAT`), `schema` (the schema's JSON) and
 *   `next_segment_id` (ids are never reused, also after a delete);
 * - the contacts table and (with an events section) the events table, named and typed as the schema
 *   says, so the SQL compiler's output runs on them unchanged;
 * - `segql_segments` (with `member_count`, kept by every membership write, and the last failed refresh:
 *   `refresh_failed_at`, `refresh_error`, added later as columns), `segql_segment_versions`, `segql_static_members`, `segql_memberships`,
 *   `segql_membership_changes` (its `seq` from the sequence `segql_change_seq`);
 * - the trash: `segql_deleted_segments` (a deleted segment's row, with when and by whom) and
 *   `segql_deleted_members` (a deleted static segment's list); its versions stay in `segql_segment_versions`;
 * - `segql_segment_copies`: what a duplicate was copied from (the source's id, version and name then);
 * - `segql_imports`: the import history (one row per import that read rows, committed or not);
 * - `segql_refresh_log`: the segments' refresh-status changes, for the change feed (refresh-status.ts);
 * - `segql_segment_log`: the segments created, changed, deleted and restored, for the feed (segment-log.ts).
 * The last six were added after format 1 was released, without a new format: a store from before them
 * gains them when it is opened, and an older segql reads a store that has them (it ignores them).
 *
 * Instants of segql's own tables are BIGINT epoch milliseconds (the same on both backends).
 * Names are unique case-insensitively through `name_key` (the lower-cased name), checked by the store under
 * its write lock rather than by a UNIQUE index (DuckDB applies an UPDATE of an indexed column as a delete
 * and an insert, which a rename inside a larger transaction must not trip over).
 */
import { validateSchema, type Schema } from "../schema/schema.js";
import { quoteIdent, quoteTable, type SqlRunner } from "./adapter.js";
import { InvalidInputError, NewerDatabaseError, SchemaMismatchError } from "./errors.js";
import { contactColumns, eventColumns, type Physical } from "./physical.js";
import { REFRESH_LOG_DDL, REFRESH_STATUS_COLUMNS } from "./refresh-status.js";
import { schemaToJson } from "./schema-json.js";
import { SEGMENT_LOG_DDL } from "./segment-log.js";

/** The store format this segql writes and the newest it reads. */
export const STORE_FORMAT = 1;

/** segql's own tables, for the statements that need every one. */
export const STORE_TABLES = ["segql_meta", "segql_segments", "segql_segment_versions", "segql_static_members", "segql_memberships", "segql_membership_changes", "segql_deleted_segments", "segql_deleted_members", "segql_segment_copies", "segql_imports", "segql_refresh_log", "segql_segment_log"] as const;

/**
 * segql's own tables. On DuckDB the membership tables and the change log have no primary key and the log
 * no index: DuckDB maintains ART indexes row by row, which made materialising a 300,000-member segment
 * about 4x slower (measured: 2.9 s with the key and the index instead of 1.0 s with the index alone; the
 * log 1.9 s instead of 0.5 s). The store's writes keep them unique (every membership write goes through
 * one diff), the log is read in `seq` order (appended in that order, so DuckDB's zone maps skip to a
 * cursor), and the index on `contact_key` stays: upserts look a contact's memberships up by it.
 */
function storeDdl(backend: "duckdb" | "postgres"): string[] {
  const pg = backend === "postgres";
  return [
    `CREATE TABLE IF NOT EXISTS segql_segments (
       id BIGINT PRIMARY KEY, name TEXT NOT NULL, name_key TEXT NOT NULL, description TEXT NOT NULL,
       kind TEXT NOT NULL, expression TEXT, version INTEGER NOT NULL,
       created_at BIGINT NOT NULL, created_by TEXT, updated_at BIGINT NOT NULL, updated_by TEXT, refreshed_at BIGINT,
       member_count BIGINT NOT NULL DEFAULT 0, refresh_failed_at BIGINT, refresh_error TEXT)`,
    `CREATE TABLE IF NOT EXISTS segql_segment_versions (
       segment_id BIGINT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL, description TEXT NOT NULL,
       kind TEXT NOT NULL, expression TEXT, at_ms BIGINT NOT NULL, by_user TEXT, changed TEXT NOT NULL,
       PRIMARY KEY (segment_id, version))`,
    `CREATE TABLE IF NOT EXISTS segql_static_members (segment_id BIGINT NOT NULL, contact_key TEXT NOT NULL${pg ? ", PRIMARY KEY (segment_id, contact_key)" : ""})`,
    `CREATE TABLE IF NOT EXISTS segql_memberships (segment_id BIGINT NOT NULL, contact_key TEXT NOT NULL${pg ? ", PRIMARY KEY (segment_id, contact_key)" : ""})`,
    `CREATE SEQUENCE IF NOT EXISTS segql_change_seq`,
    `CREATE TABLE IF NOT EXISTS segql_membership_changes (
       seq BIGINT NOT NULL${pg ? " PRIMARY KEY" : ""} DEFAULT nextval('segql_change_seq'), segment_id BIGINT NOT NULL, contact_key TEXT NOT NULL,
       change TEXT NOT NULL, at_ms BIGINT NOT NULL, segment_version INTEGER NOT NULL)`,
    `CREATE INDEX IF NOT EXISTS segql_memberships_key ON segql_memberships (contact_key)`,
    `CREATE INDEX IF NOT EXISTS segql_static_members_key ON segql_static_members (contact_key)`,
    ...(pg ? [`CREATE INDEX IF NOT EXISTS segql_changes_segment ON segql_membership_changes (segment_id, seq)`, CONTACT_CHANGES_INDEX] : []),
    ...Object.values(LATER_TABLES),
  ];
}

/**
 * PostgreSQL: a contact's log (`contactChanges`) by key. Added after format 1 too; a store from before gains
 * it when opened by a role that may create it (without it, a contact's log is read by scanning: slower, the
 * same answer). DuckDB reads the log by scanning it (see `storeDdl`).
 */
const CONTACT_CHANGES_INDEX = `CREATE INDEX IF NOT EXISTS segql_changes_contact ON segql_membership_changes (contact_key, seq)`;

/** The tables added after format 1, by name (see the module comment): the trash, the copies' sources. */
const LATER_TABLES: Record<string, string> = {
  segql_deleted_segments: `CREATE TABLE IF NOT EXISTS segql_deleted_segments (
       id BIGINT PRIMARY KEY, name TEXT NOT NULL, description TEXT NOT NULL, kind TEXT NOT NULL, expression TEXT,
       version INTEGER NOT NULL, created_at BIGINT NOT NULL, created_by TEXT, deleted_at BIGINT NOT NULL, deleted_by TEXT,
       member_count BIGINT NOT NULL)`,
  segql_deleted_members: `CREATE TABLE IF NOT EXISTS segql_deleted_members (segment_id BIGINT NOT NULL, contact_key TEXT NOT NULL)`,
  segql_segment_copies: `CREATE TABLE IF NOT EXISTS segql_segment_copies (segment_id BIGINT PRIMARY KEY, source_id BIGINT NOT NULL, source_version INTEGER NOT NULL, source_name TEXT NOT NULL)`,
  segql_imports: `CREATE TABLE IF NOT EXISTS segql_imports (
       id BIGINT PRIMARY KEY, kind TEXT NOT NULL, file TEXT NOT NULL, format TEXT NOT NULL, state TEXT NOT NULL,
       started_at BIGINT NOT NULL, finished_at BIGINT NOT NULL, by_user TEXT,
       rows_read BIGINT NOT NULL, inserted BIGINT NOT NULL, updated BIGINT NOT NULL, skip_bad BOOLEAN NOT NULL,
       bad TEXT NOT NULL, bad_count BIGINT NOT NULL, entered BIGINT, exited BIGINT,
       unchanged BIGINT, duplicates BIGINT, truncated_times BIGINT, skip_duplicates BOOLEAN)`,
  // The segments' refresh-status changes, for the change feed (refresh-status.ts).
  segql_refresh_log: REFRESH_LOG_DDL,
  // The segments' lifecycle (created, changed, deleted, restored), for the change feed (segment-log.ts).
  segql_segment_log: SEGMENT_LOG_DDL,
};

/**
 * Columns added to a table after format 1 (with the table's own DDL above holding them too): a store from
 * before them gains them when it is opened, as a missing table is (`migrate`). Nullable: a row an older
 * segql writes, naming only the columns it knows, leaves them null ("not recorded").
 */
const LATER_COLUMNS: Record<string, [column: string, type: string][]> = {
  // A dynamic segment's last failed refresh (refresh-status.ts).
  segql_segments: REFRESH_STATUS_COLUMNS,
  segql_imports: [
    ["unchanged", "BIGINT"],
    ["duplicates", "BIGINT"],
    ["truncated_times", "BIGINT"],
    ["skip_duplicates", "BOOLEAN"],
  ],
};

/** The columns of `table` in the schema the store is in. */
async function columnsPresent(tx: SqlRunner, table: string): Promise<Set<string>> {
  const rows = await tx.query("SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1", [table]);
  return new Set(rows.map((r) => String(r["column_name"])));
}

/**
 * The tables of the schema the store is in. An open creates only the tables missing from it: once they all
 * exist it runs no DDL, so a PostgreSQL user allowed to read and write the tables but not to create any in
 * the schema opens the store (PostgreSQL checks that right even for a CREATE TABLE IF NOT EXISTS of a table
 * that exists).
 */
async function tablesPresent(tx: SqlRunner): Promise<Set<string>> {
  const rows = await tx.query("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()");
  return new Set(rows.map((r) => String(r["table_name"])));
}

/**
 * Creates or checks the tables; returns the schema in force. A new database needs `schema`; an existing
 * one is checked against it when given.
 */
export async function migrate(tx: SqlRunner, physical: Physical, backend: "duckdb" | "postgres", given: Schema | undefined): Promise<Schema> {
  const present = await tablesPresent(tx);
  if (!present.has("segql_meta")) await tx.exec("CREATE TABLE IF NOT EXISTS segql_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
  const meta = new Map((await tx.query("SELECT key, value FROM segql_meta")).map((r) => [String(r["key"]), String(r["value"])]));
  const format = meta.has("format") ? Number(meta.get("format")) : 0;
  if (format > STORE_FORMAT) throw new NewerDatabaseError(format, STORE_FORMAT);
  if (format === 0) {
    if (!given) throw new InvalidInputError([{ path: "", message: "this database has no segql store yet: give a schema (--schema FILE) to create one" }]);
    await createTables(tx, physical, backend, given);
    await tx.query("INSERT INTO segql_meta (key, value) VALUES ('format', $1), ('schema', $2), ('next_segment_id', '1')", [String(STORE_FORMAT), JSON.stringify(schemaToJson(given))]);
    return given;
  }
  // Migrations from older formats go here, one step per format, inside this transaction.
  for (const [name, ddl] of Object.entries(LATER_TABLES)) {
    if (present.has(name)) continue;
    try {
      await tx.exec(ddl);
    } catch (e) {
      // A role that may read and write the tables but not create any (see `tablesPresent`) cannot add a
      // table a newer segql needs; say who can.
      throw new InvalidInputError([{ path: "", message: `this store was made by an older segql and needs the table ${name} added: open it once as a role allowed to create tables in its schema (${(e as Error).message.split("\n")[0]})` }]);
    }
  }
  for (const [table, columns] of Object.entries(LATER_COLUMNS)) {
    const have = await columnsPresent(tx, table);
    for (const [column, type] of columns) {
      if (have.has(column)) continue;
      try {
        await tx.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
      } catch (e) {
        // As for a missing table: a role that may read and write the table but not alter it cannot add it.
        throw new InvalidInputError([{ path: "", message: `this store was made by an older segql and needs the column ${table}.${column} added: open it once as a role allowed to alter its tables (the tables' owner) (${(e as Error).message.split("\n")[0]})` }]);
      }
    }
  }
  if (backend === "postgres") await addContactChangesIndex(tx);
  let stored = readStoredSchema(meta.get("schema"));
  // A store created before its schema's `timeZone` was kept (schema-json.ts) holds the schema without it:
  // the schema file given again, the same but for its zone, puts the zone back rather than refusing it.
  if (given?.timeZone !== undefined && stored.timeZone === undefined && JSON.stringify(schemaToJson({ ...given, timeZone: undefined })) === JSON.stringify(schemaToJson(stored))) {
    await tx.query("UPDATE segql_meta SET value = $1 WHERE key = 'schema'", [JSON.stringify(schemaToJson(given))]);
    stored = given;
  }
  if (given) {
    const differences = schemaDifferences(schemaToJson(stored), schemaToJson(given));
    if (differences.length > 0) throw new SchemaMismatchError(differences);
  }
  return stored;
}

/** Creates the contact log's index on an older PostgreSQL store when missing and allowed (see `CONTACT_CHANGES_INDEX`). */
async function addContactChangesIndex(tx: SqlRunner): Promise<void> {
  const found = await tx.query("SELECT 1 FROM pg_indexes WHERE schemaname = current_schema() AND indexname = 'segql_changes_contact'");
  if (found.length > 0) return;
  // In a savepoint: a refused CREATE would otherwise abort the open's whole transaction.
  await tx.exec("SAVEPOINT segql_contact_index");
  try {
    await tx.exec(CONTACT_CHANGES_INDEX);
    await tx.exec("RELEASE SAVEPOINT segql_contact_index");
  } catch {
    await tx.exec("ROLLBACK TO SAVEPOINT segql_contact_index");
  }
}

async function createTables(tx: SqlRunner, physical: Physical, backend: "duckdb" | "postgres", schema: Schema): Promise<void> {
  const contacts = contactColumns(schema, backend);
  const defs = contacts.map((c, i) => `${quoteIdent(c.name)} ${physical.columnType(c)}${i === 0 ? " PRIMARY KEY" : ""}`);
  await tx.exec(`CREATE TABLE IF NOT EXISTS ${quoteTable(schema.table)} (${defs.join(", ")})`);
  const events = eventColumns(schema, backend);
  if (schema.events && events.length > 0) {
    await tx.exec(`CREATE TABLE IF NOT EXISTS ${quoteTable(schema.events.table)} (${events.map((c) => `${quoteIdent(c.name)} ${physical.columnType(c)}`).join(", ")})`);
    const index = quoteIdent(`${lastPart(schema.events.table)}_segql_contact`.slice(0, 60));
    await tx.exec(`CREATE INDEX IF NOT EXISTS ${index} ON ${quoteTable(schema.events.table)} (${quoteIdent(schema.events.contactKey)})`);
  }
  for (const ddl of storeDdl(backend)) await tx.exec(ddl);
}

function lastPart(table: string): string {
  return table.split(".").pop()!;
}

function readStoredSchema(text: string | undefined): Schema {
  let json: unknown;
  try {
    json = JSON.parse(text ?? "");
  } catch {
    throw new InvalidInputError([{ path: "", message: "the database's segql_meta has no readable schema (damaged?)" }]);
  }
  const result = validateSchema(json);
  if (!result.schema) throw new InvalidInputError([{ path: "", message: `the schema stored in the database is invalid: ${result.problems.map((p) => `${p.path}: ${p.message}`).join("; ")}` }]);
  return result.schema;
}

/** Human-readable differences between two schema JSON values (paths), for `SchemaMismatchError`. */
function schemaDifferences(a: unknown, b: unknown, path = ""): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
  if (!isObj(a) || !isObj(b)) return [`${path || "(root)"}: stored ${JSON.stringify(a)}, given ${JSON.stringify(b)}`];
  const out: string[] = [];
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const p = path ? `${path}.${k}` : k;
    if (!(k in a)) out.push(`${p}: only in the given schema`);
    else if (!(k in b)) out.push(`${p}: only in the stored schema`);
    else out.push(...schemaDifferences(a[k], b[k], p));
  }
  return out;
}
