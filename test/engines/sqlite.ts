/**
 * SQLite (in memory, better-sqlite3). Physical types: booleans as INTEGER 0/1, numbers REAL, text TEXT,
 * dates as 'YYYY-MM-DD' TEXT, timestamps as ISO-8601 UTC TEXT ending in `Z`, lists as JSON array TEXT,
 * event properties as JSON TEXT. SQLite has no session time zone: its date functions work in UTC unless
 * asked for 'localtime'.
 *
 * Timestamp text: `toISOString()` form with milliseconds (`2024-01-31T23:59:59.999Z`) by default;
 * `timestampText: "seconds"` writes `2024-01-31T23:59:59Z` when the instant has no milliseconds (as the
 * telco and online-retail JSONL files do), `"mixed"` alternates the two row by row. Both are ISO-8601 UTC
 * text ending in Z, so SQL that compares them as text rather than as instants shows up in the tests.
 */
import Database from "better-sqlite3";
import type { Schema } from "../../src/schema/schema.js";
import { batchSize, chunks, planTables, type Cell, type Column, type ContactRow, type Engine, type EventRow } from "./types.js";

/** SQLite's declared type for a logical column (the schema's `storage.sqlite` wins). */
export function sqliteType(col: Column): string {
  const override = col.storage?.["sqlite"];
  if (override) return override;
  switch (col.type) {
    case "number":
      return "REAL";
    case "boolean":
      return "INTEGER";
    default:
      return "TEXT";
  }
}

/** How timestamps are written as text (see the module comment). */
export type SqliteTimestampText = "millis" | "seconds" | "mixed";

/** SQLite's default SQLITE_MAX_VARIABLE_NUMBER (since 3.32). */
const MAX_PARAMS = 32_766;

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

export class SqliteEngine implements Engine {
  readonly name = "sqlite";
  readonly dialect = "sqlite" as const;
  readonly storesNul = true;
  private tables: string[] = [];
  private readonly db: Database.Database;

  constructor(private readonly options: { timestampText?: SqliteTimestampText } = {}) {
    this.db = new Database(":memory:");
  }

  static async open(options: { timestampText?: SqliteTimestampText } = {}): Promise<SqliteEngine> {
    return new SqliteEngine(options);
  }

  async load(schema: Schema, contacts: readonly ContactRow[], events?: readonly EventRow[]): Promise<void> {
    const views = this.db.prepare("SELECT name FROM sqlite_schema WHERE type = 'view'").pluck().all() as string[];
    for (const v of views) this.db.exec(`DROP VIEW IF EXISTS ${q(v)}`);
    for (const t of this.tables.splice(0).reverse()) this.db.exec(`DROP TABLE IF EXISTS ${q(t)}`);
    const style = this.options.timestampText ?? "millis";
    for (const plan of planTables(schema, contacts, events)) {
      const cols = plan.columns.map((c) => `${q(c.name)} ${sqliteType(c)}`).join(", ");
      this.db.exec(`DROP TABLE IF EXISTS ${q(plan.name)}; CREATE TABLE ${q(plan.name)} (${cols})`);
      this.tables.push(plan.name);
      const per = batchSize(plan.columns.length, MAX_PARAMS, 500);
      const tuple = `(${plan.columns.map(() => "?").join(", ")})`;
      const insertAll = this.db.transaction((rows: Cell[][], offset: number) => {
        for (const batch of chunks(rows, per)) {
          const stmt = this.db.prepare(`INSERT INTO ${q(plan.name)} VALUES ${batch.map(() => tuple).join(", ")}`);
          stmt.run(batch.flatMap((row, r) => row.map((cell) => sqliteParam(cell, style, offset + r))));
          offset += batch.length;
        }
      });
      insertAll(plan.rows, 0);
      if (plan.index) this.db.exec(`CREATE INDEX ${q(`${plan.name}_${plan.index}_idx`)} ON ${q(plan.name)} (${q(plan.index)})`);
    }
    this.db.exec("ANALYZE");
  }

  async keys(sql: string, params?: readonly unknown[]): Promise<string[]> {
    const stmt = this.db.prepare(sql).raw(true);
    const rows = (params && params.length > 0 ? stmt.all(...params) : stmt.all()) as unknown[][];
    return rows.map((r) => String(r[0]));
  }

  async rows(sql: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]> {
    const stmt = this.db.prepare(sql);
    return (params && params.length > 0 ? stmt.all(...params) : stmt.all()) as Record<string, unknown>[];
  }

  async exec(sql: string): Promise<void> {
    this.db.exec(sql);
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

function sqliteParam(cell: Cell, style: SqliteTimestampText, row: number): string | number | null {
  if (cell === null) return null;
  switch (cell.type) {
    case "string":
      return cell.value;
    case "number":
      return cell.value;
    case "boolean":
      return cell.value ? 1 : 0;
    case "date":
      return cell.text;
    case "timestamp": {
      const iso = new Date(cell.ms).toISOString();
      const short = style === "seconds" || (style === "mixed" && row % 2 === 1);
      return short && cell.ms % 1000 === 0 ? iso.replace(".000Z", "Z") : iso;
    }
    case "list":
      return JSON.stringify(cell.value);
    case "json":
      return cell.text;
  }
}
