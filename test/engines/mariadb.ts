/**
 * MariaDB (or MySQL) server at `MYSQL_URL` (mysql2). Physical types: TINYINT(1) booleans, DOUBLE, text in
 * utf8mb4 with the server's default collation (case- and accent-insensitive on purpose, so SQL that
 * relies on `=` being exact is caught), DATE, DATETIME(6) holding UTC, JSON lists and JSON event
 * properties. `SET time_zone = '+00:00'` pins the session zone.
 *
 * Each engine works in a database of its own (dropped by `close`), so parallel test files do not collide.
 * Rows and parameterised queries go through server-side prepared statements (`execute`, binary protocol);
 * inlined SQL runs as plain text (`query`) exactly as compiled.
 */
import type { Schema } from "../../src/schema/schema.js";
import { batchSize, chunks, planTables, scratchName, utcDateTimeText, type Cell, type Column, type ContactRow, type Engine, type EventRow } from "./types.js";

/** MariaDB's documented type for a logical column (the schema's `storage.mysql` wins). */
export function mysqlType(col: Column, isKey: boolean): string {
  const override = col.storage?.["mysql"];
  if (override) return override;
  switch (col.type) {
    case "string":
    case "enum":
      // The key and the events' contact key are indexed: VARCHAR. Other text: TEXT. Both take the
      // database's default (case-insensitive) utf8mb4 collation.
      return isKey ? "VARCHAR(191)" : "TEXT";
    case "number":
      return "DOUBLE";
    case "boolean":
      return "TINYINT(1)";
    case "date":
      return "DATE";
    case "timestamp":
      return "DATETIME(6)";
    case "list":
    case "json":
      return "JSON";
  }
}

const q = (name: string) => "`" + name.replace(/`/g, "``") + "`";

type Connection = import("mysql2/promise").Connection;

/** Tables at least this large get fresh statistics after loading (small ones: the defaults plan well). */
const ANALYZE_ROWS = 5_000;

/** True when `tables` are exactly the tables `ddl` creates, in order. */
function sameTables(tables: readonly { ddl: string }[], ddl: readonly string[]): boolean {
  return tables.length === ddl.length && tables.every((t, i) => t.ddl === ddl[i]);
}

/** Bind parameters per prepared statement (MySQL's limit is 65,535). */
const MAX_PARAMS = 60_000;

export class MariaDbEngine implements Engine {
  readonly name = "mariadb";
  readonly dialect = "mysql" as const;
  readonly storesNul = true;
  private tables: { name: string; ddl: string }[] = [];

  private constructor(
    private readonly con: Connection,
    private readonly database: string,
  ) {}

  static async open(url: string): Promise<MariaDbEngine> {
    const mysql = await import("mysql2/promise");
    const con = await mysql.createConnection({
      uri: url,
      multipleStatements: true,
      timezone: "Z",
      dateStrings: true,
      supportBigNumbers: true,
      charset: "UTF8MB4_GENERAL_CI",
      // Few statements are reused; keep the server's prepared-statement count low.
      maxPreparedStatements: 64,
    });
    const database = scratchName("segql");
    await con.query(`SET time_zone = '+00:00'; CREATE DATABASE ${q(database)} CHARACTER SET utf8mb4; USE ${q(database)}`);
    return new MariaDbEngine(con, database);
  }

  async load(schema: Schema, contacts: readonly ContactRow[], events?: readonly EventRow[]): Promise<void> {
    const [views] = (await this.con.query("SELECT TABLE_NAME AS v FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()")) as unknown as [{ v: string }[]];
    for (const { v } of views) await this.con.query(`DROP VIEW IF EXISTS ${q(v)}`);
    const plans = planTables(schema, contacts, events);
    const ddl = plans.map((plan) => {
      const keyCols = new Set([schema.key, plan.index]);
      const cols = plan.columns.map((c) => `${q(c.name)} ${mysqlType(c, keyCols.has(c.name))}`).join(", ");
      return `CREATE TABLE ${q(plan.name)} (${cols}) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`;
    });
    // DDL costs InnoDB ~0.1-0.5 s per statement: when the tables are the same as last time, empty them.
    const reuse = sameTables(this.tables, ddl);
    if (reuse) for (const t of this.tables) await this.con.query(`DELETE FROM ${q(t.name)}`);
    else {
      // The recorded tables, and the plan's names in case an interrupted load left one unrecorded.
      const names = new Set([...this.tables.splice(0).map((t) => t.name), ...plans.map((p) => p.name)]);
      for (const name of [...names].reverse()) await this.con.query(`DROP TABLE IF EXISTS ${q(name)}`);
    }
    for (const [i, plan] of plans.entries()) {
      if (!reuse) {
        await this.con.query(ddl[i]!);
        this.tables.push({ name: plan.name, ddl: ddl[i]! });
        if (plan.index) await this.con.query(`CREATE INDEX ${q(`${plan.name}_${plan.index}_idx`)} ON ${q(plan.name)} (${q(plan.index)})`);
      }
      const per = batchSize(plan.columns.length, MAX_PARAMS, 2000);
      const tuple = `(${plan.columns.map(() => "?").join(", ")})`;
      await this.con.query("START TRANSACTION");
      for (const batch of chunks(plan.rows, per)) {
        const sql = `INSERT INTO ${q(plan.name)} VALUES ${batch.map(() => tuple).join(", ")}`;
        const params = batch.flatMap((row) => row.map(mysqlParam));
        await this.con.execute(sql, params);
        // Each distinct batch shape is a prepared statement on the server: free it now.
        this.con.unprepare(sql);
      }
      await this.con.query("COMMIT");
      if (plan.rows.length >= ANALYZE_ROWS) await this.con.query(`ANALYZE TABLE ${q(plan.name)}`);
    }
  }

  async keys(sql: string, params?: readonly unknown[]): Promise<string[]> {
    const rows = await this.run(sql, params, true);
    return (rows as unknown[][]).map((r) => String(r[0]));
  }

  async rows(sql: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]> {
    return (await this.run(sql, params, false)) as Record<string, unknown>[];
  }

  private async run(sql: string, params: readonly unknown[] | undefined, rowsAsArray: boolean): Promise<unknown[]> {
    if (params && params.length > 0) {
      const [rows] = await this.con.execute({ sql, rowsAsArray }, params.map(mysqlBind) as never);
      this.con.unprepare(sql);
      return rows as unknown[];
    }
    const [rows] = await this.con.query({ sql, rowsAsArray });
    return rows as unknown[];
  }

  async exec(sql: string): Promise<void> {
    await this.con.query(sql);
  }

  async close(): Promise<void> {
    try {
      await this.con.query(`DROP DATABASE IF EXISTS ${q(this.database)}`);
    } finally {
      await this.con.end();
    }
  }
}

function mysqlParam(cell: Cell): string | number | null {
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
    case "timestamp":
      return utcDateTimeText(cell.ms);
    case "list":
      return JSON.stringify(cell.value);
    case "json":
      return cell.text;
  }
}

/**
 * A compiled query's parameter as mysql2 binds it: strings (VAR_STRING), numbers (DOUBLE), booleans
 * (TINY) and null as they are; Dates as UTC DATETIME text (mysql2 would convert them with its own zone).
 */
function mysqlBind(v: unknown): unknown {
  if (v === undefined) throw new Error("a query parameter is undefined");
  if (v instanceof Date) return utcDateTimeText(v.getTime());
  return v;
}
