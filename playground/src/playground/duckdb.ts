/**
 * DuckDB-WASM, loaded only when "Check on DuckDB" is pressed (this module is its own chunk). Only the
 * `eh` bundle (WebAssembly exception handling, in every current browser) is shipped, and its wasm and
 * worker are files of the build (Vite `?url`), never a CDN: the library's `getJsDelivrBundles` is not used,
 * and extension autoloading is switched off so DuckDB never fetches an extension from the internet.
 *
 * Data enters as Arrow columns into a staging table, then `CREATE TABLE … AS SELECT CAST(…)` gives each
 * column its declared type: no value is ever written into SQL text, names are quoted, and types come from
 * a fixed list.
 */
import * as duckdb from "@duckdb/duckdb-wasm";
import ehWasm from "@duckdb/duckdb-wasm/dist/duckdb-eh.wasm?url";
import ehWorker from "@duckdb/duckdb-wasm/dist/duckdb-browser-eh.worker.js?url";
import { Bool, Field, Float64, List, Table, TimestampMillisecond, Utf8, vectorFromArray, type DataType, type Vector } from "apache-arrow";
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

/** A connection that never loads extensions (they would come from the internet). */
export async function connect(db: duckdb.AsyncDuckDB): Promise<duckdb.AsyncDuckDBConnection> {
  const conn = await db.connect();
  await conn.query("SET autoinstall_known_extensions = false");
  await conn.query("SET autoload_known_extensions = false");
  return conn;
}

/** The Arrow type a column travels as, per declared type; instants as epoch milliseconds. */
const ARROW: Record<string, () => DataType> = {
  VARCHAR: () => new Utf8(),
  TEXT: () => new Utf8(),
  DOUBLE: () => new Float64(),
  BIGINT: () => new Float64(),
  INTEGER: () => new Float64(),
  BOOLEAN: () => new Bool(),
  DATE: () => new TimestampMillisecond(),
  TIMESTAMP: () => new TimestampMillisecond(),
  TIMESTAMPTZ: () => new TimestampMillisecond(),
  "TIMESTAMP WITH TIME ZONE": () => new TimestampMillisecond(),
  "VARCHAR[]": () => new List(new Field("item", new Utf8(), true)),
};

/** `"name"` with quotes doubled; dotted names quote each part. */
export function quoteName(name: string): string {
  return name.split(".").map((p) => `"${p.replace(/"/g, '""')}"`).join(".");
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Creates and fills the tables (replacing earlier ones of the same names). */
export async function loadTables(conn: duckdb.AsyncDuckDBConnection, tables: readonly DuckTable[]): Promise<void> {
  for (const [i, t] of tables.entries()) {
    for (const c of t.columns) {
      if (!ARROW[c.type]) throw new Error(`column ${c.name} of ${t.name} has storage type ${JSON.stringify(c.type)}, which the playground's DuckDB check does not support`);
    }
    const parts = t.name.split(".");
    if (parts.length > 2) throw new Error(`the table name ${t.name} has a catalog; the DuckDB check supports schema.table at most`);
    if (parts.length === 2) await conn.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(parts[0]!)}`);
    const rows = t.columns[0]?.values.length ?? 0;
    const typed = t.columns.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(", ");
    if (rows === 0) {
      await conn.query(`CREATE OR REPLACE TABLE ${quoteName(t.name)} (${typed})`);
      continue;
    }
    // Staging columns are named c0, c1, … so any column name (spaces, quotes) is safe in Arrow.
    const stage = `segql_stage_${i}`;
    const vectors: Record<string, Vector> = {};
    t.columns.forEach((c, k) => {
      vectors[`c${k}`] = vectorFromArray(c.values, ARROW[c.type]!());
    });
    await conn.query(`DROP TABLE IF EXISTS ${stage}`);
    await conn.insertArrowTable(new Table(vectors), { name: stage });
    const select = t.columns.map((c, k) => `CAST(c${k} AS ${c.type}) AS ${quoteIdent(c.name)}`).join(", ");
    await conn.query(`CREATE OR REPLACE TABLE ${quoteName(t.name)} AS SELECT ${select} FROM ${stage}`);
    await conn.query(`DROP TABLE ${stage}`);
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
