/**
 * DuckDB-WASM, loaded only when "Check on DuckDB" is pressed (this module is its own chunk). Only the
 * `eh` bundle (WebAssembly exception handling, in every current browser) is shipped, and its wasm and
 * worker are files of the build (Vite `?url`), never a CDN: the library's `getJsDelivrBundles` is not used.
 *
 * Tables are created with declared column types and filled by DuckDB's JSON reader from registered
 * in-memory files, so data never becomes SQL text; names are quoted, and types come from a fixed list.
 */
import * as duckdb from "@duckdb/duckdb-wasm";
import ehWasm from "@duckdb/duckdb-wasm/dist/duckdb-eh.wasm?url";
import ehWorker from "@duckdb/duckdb-wasm/dist/duckdb-browser-eh.worker.js?url";
import type { DuckTable } from "../worker/protocol.js";

let opened: Promise<duckdb.AsyncDuckDB> | null = null;

/** The database, instantiated on first use. */
export function openDuckDb(): Promise<duckdb.AsyncDuckDB> {
  opened ??= (async () => {
    const worker = new Worker(ehWorker);
    const db = new duckdb.AsyncDuckDB(new duckdb.VoidLogger(), worker);
    await db.instantiate(ehWasm);
    return db;
  })();
  opened.catch(() => (opened = null));
  return opened;
}

/** Column types the tables may declare (the DuckDB dialect's physical types and common storage overrides). */
const TYPES = new Set(["VARCHAR", "TEXT", "DOUBLE", "BIGINT", "INTEGER", "BOOLEAN", "DATE", "TIMESTAMP", "TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE", "VARCHAR[]", "JSON"]);

/** `"name"` with quotes doubled; dotted names quote each part. */
export function quoteName(name: string): string {
  return name.split(".").map((p) => `"${p.replace(/"/g, '""')}"`).join(".");
}

/** `'text'` with single quotes doubled. */
function quoteString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** Loads tables into a fresh database of the connection's (dropping earlier ones of the same names). */
export async function loadTables(db: duckdb.AsyncDuckDB, conn: duckdb.AsyncDuckDBConnection, tables: readonly DuckTable[]): Promise<void> {
  for (const [i, t] of tables.entries()) {
    for (const c of t.columns) {
      if (!TYPES.has(c.type.toUpperCase())) throw new Error(`column ${c.name} of ${t.name} has storage type ${JSON.stringify(c.type)}, which the playground's DuckDB check does not support`);
    }
    const file = `segql_table_${i}.jsonl`;
    await db.registerFileBuffer(file, new Uint8Array(t.jsonl));
    const parts = t.name.split(".");
    if (parts.length > 2) throw new Error(`the table name ${t.name} has a catalog; the DuckDB check supports schema.table at most`);
    if (parts.length === 2) await conn.query(`CREATE SCHEMA IF NOT EXISTS ${quoteName(parts[0]!)}`);
    const columns = t.columns.map((c) => `${quoteString(c.name)}: ${quoteString(c.type.toUpperCase())}`).join(", ");
    await conn.query(`CREATE OR REPLACE TABLE ${quoteName(t.name)} AS SELECT * FROM read_json(${quoteString(file)}, format = 'newline_delimited', columns = {${columns}})`);
  }
}

/** Runs a query and returns the first column of every row as text. */
export async function firstColumn(conn: duckdb.AsyncDuckDBConnection, sql: string): Promise<string[]> {
  const result = await conn.query(sql);
  const column = result.getChildAt(0);
  const out: string[] = [];
  if (!column) return out;
  for (let i = 0; i < column.length; i++) out.push(String(column.get(i)));
  return out;
}
