/**
 * DuckDB (in-memory, `@duckdb/node-api`). Physical types: BOOLEAN, DOUBLE, VARCHAR, DATE, TIMESTAMP
 * holding UTC (no zone), VARCHAR[] for lists, JSON for event properties. Rows go in through DuckDB's
 * appender (typed values, no SQL text). `SET TimeZone = 'UTC'` pins the session zone.
 */
import { DOUBLE, LIST, VARCHAR, DuckDBInstance, listValue, timestampTZValue, timestampValue, dateValue, type DuckDBConnection, type DuckDBType, type DuckDBValue } from "@duckdb/node-api";
import type { Schema } from "../../src/schema/schema.js";
import { planTables, type Cell, type Column, type ContactRow, type Engine, type EventRow } from "./types.js";

const DAY_MS = 86_400_000;
const VARCHAR_LIST = LIST(VARCHAR);

/** DuckDB's documented type for a logical column (the schema's `storage.duckdb` wins). */
export function duckdbType(col: Column): string {
  const override = col.storage?.["duckdb"];
  if (override) return override;
  switch (col.type) {
    case "string":
    case "enum":
      return "VARCHAR";
    case "number":
      return "DOUBLE";
    case "boolean":
      return "BOOLEAN";
    case "date":
      return "DATE";
    case "timestamp":
      return "TIMESTAMP";
    case "list":
      return "VARCHAR[]";
    case "json":
      return "JSON";
  }
}

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

export class DuckDbEngine implements Engine {
  readonly name = "duckdb";
  readonly dialect = "duckdb" as const;
  readonly storesNul = true;
  private tables: string[] = [];

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly con: DuckDBConnection,
  ) {}

  /** `threads`: DuckDB's worker threads (default 1: on the small tables of tests one thread is ~1.7x faster per query). */
  static async open(options: { threads?: number } = {}): Promise<DuckDbEngine> {
    const instance = await DuckDBInstance.create(":memory:", { threads: String(options.threads ?? 1) });
    const con = await instance.connect();
    await con.run("SET TimeZone = 'UTC'");
    return new DuckDbEngine(instance, con);
  }

  async load(schema: Schema, contacts: readonly ContactRow[], events?: readonly EventRow[]): Promise<void> {
    await this.dropAll();
    for (const plan of planTables(schema, contacts, events)) {
      const cols = plan.columns.map((c) => `${q(c.name)} ${duckdbType(c)}`).join(", ");
      await this.con.run(`CREATE OR REPLACE TABLE ${q(plan.name)} (${cols})`);
      this.tables.push(plan.name);
      const appender = await this.con.createAppender(plan.name);
      for (const row of plan.rows) {
        row.forEach((cell, i) => append(appender, cell, plan.columns[i]!));
        appender.endRow();
      }
      appender.closeSync();
    }
  }

  private async dropAll(): Promise<void> {
    // Views (from compileViews) may depend on the tables: drop them first.
    const views = (await this.con.runAndReadAll("SELECT view_name FROM duckdb_views() WHERE NOT internal")).getRowObjects();
    for (const v of views) await this.con.run(`DROP VIEW IF EXISTS ${q(String(v["view_name"]))} CASCADE`);
    for (const t of this.tables.splice(0).reverse()) await this.con.run(`DROP TABLE IF EXISTS ${q(t)}`);
  }

  async keys(sql: string, params?: readonly unknown[]): Promise<string[]> {
    const reader = await this.run(sql, params);
    return reader.getRows().map((r) => String(r[0]));
  }

  async rows(sql: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]> {
    return (await this.run(sql, params)).getRowObjectsJS() as Record<string, unknown>[];
  }

  private run(sql: string, params?: readonly unknown[]) {
    if (!params || params.length === 0) return this.con.runAndReadAll(sql);
    // A JS number is a double: bind it as DOUBLE (node-api would pick INTEGER/BIGINT for integral values,
    // and BIGINT overflows on 1e20).
    const types = params.map((p) => (typeof p === "number" ? DOUBLE : undefined));
    return this.con.runAndReadAll(sql, params.map(toDuckValue), types as DuckDBType[]);
  }

  async exec(sql: string): Promise<void> {
    await this.con.run(sql);
  }

  async close(): Promise<void> {
    this.con.closeSync();
    this.instance.closeSync();
  }
}

type Appender = Awaited<ReturnType<DuckDBConnection["createAppender"]>>;

function append(a: Appender, cell: Cell, col: Column): void {
  if (cell === null) return a.appendNull();
  // Storage overrides the compiler supports: TIMESTAMPTZ timestamps, JSON lists.
  const physical = duckdbType(col).toUpperCase();
  if (cell.type === "timestamp" && physical === "TIMESTAMPTZ") return a.appendTimestampTZ(timestampTZValue(BigInt(cell.ms) * 1000n));
  if (cell.type === "list" && physical === "JSON") return a.appendVarchar(JSON.stringify(cell.value));
  switch (cell.type) {
    case "string":
      return a.appendVarchar(cell.value);
    case "number":
      return a.appendDouble(cell.value);
    case "boolean":
      return a.appendBoolean(cell.value);
    case "date":
      return a.appendDate(dateValue(cell.ms / DAY_MS));
    case "timestamp":
      return a.appendTimestamp(timestampValue(BigInt(cell.ms) * 1000n));
    case "list":
      return a.appendList(listValue(cell.value), VARCHAR_LIST);
    case "json":
      // JSON is VARCHAR with a JSON alias: the text is stored as it is.
      return a.appendVarchar(cell.text);
  }
  throw new Error(`unsupported cell for ${col.name}`);
}

/**
 * Maps a compiled query's parameter to a DuckDB value. Plain JS strings, numbers, booleans and null map
 * to VARCHAR, DOUBLE, BOOLEAN and NULL (node-api's own inference); arrays become lists; `Date` becomes a
 * TIMESTAMP. Whatever else the compiler hands over is passed through for node-api to judge.
 */
function toDuckValue(v: unknown): DuckDBValue {
  if (v instanceof Date) return timestampValue(BigInt(v.getTime()) * 1000n);
  if (Array.isArray(v)) return listValue(v.map(toDuckValue));
  return v as DuckDBValue;
}
