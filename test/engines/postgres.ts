/**
 * PostgreSQL, two ways: PGlite (WASM PostgreSQL in-process, always available) and a real server when
 * `PG_URL` is set (`pg`). Physical types: boolean, double precision, text, date, timestamptz, text[] for
 * lists, jsonb for event properties. `SET TIME ZONE 'UTC'` pins the session zone.
 *
 * On the server each engine works in its own schema (`search_path`), so test files running in parallel
 * against one database do not see each other's tables; `close` drops it.
 *
 * PostgreSQL cannot store U+0000 in text or jsonb (`invalid byte sequence` / `unsupported Unicode escape
 * sequence`), so `storesNul` is false.
 */
import type { Schema } from "../../src/schema/schema.js";
import { chunks, planTables, scratchName, type Cell, type Column, type ContactRow, type Engine, type EventRow } from "./types.js";

/** PostgreSQL's documented type for a logical column (the schema's `storage.postgres` wins). */
export function postgresType(col: Column): string {
  const override = col.storage?.["postgres"];
  if (override) return override;
  switch (col.type) {
    case "string":
    case "enum":
      return "text";
    case "number":
      return "double precision";
    case "boolean":
      return "boolean";
    case "date":
      return "date";
    case "timestamp":
      return "timestamptz";
    case "list":
      return "text[]";
    case "json":
      return "jsonb";
  }
}

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** The part of a PostgreSQL client the engine uses. */
interface PgDriver {
  query(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  /** Rows as arrays (so duplicate column names cannot hide the first column). */
  queryArrays(sql: string, params?: unknown[]): Promise<unknown[][]>;
  /** Simple-protocol execution of one or more statements. */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

/** Rows per INSERT (each column's values travel as one text[] parameter). */
const ROWS_PER_INSERT = 20_000;

export class PostgresEngine implements Engine {
  readonly dialect = "postgres" as const;
  readonly storesNul = false;
  private tables: { name: string; ddl: string }[] = [];

  private constructor(
    readonly name: string,
    private readonly db: PgDriver,
    private readonly cleanup: () => Promise<void>,
  ) {}

  /** PGlite, in memory (started from a cached, freshly initialised data directory when there is one). */
  static async openPglite(): Promise<PostgresEngine> {
    const pg = await createPglite();
    const driver: PgDriver = {
      query: async (sql, params) => (await pg.query<Record<string, unknown>>(sql, params ?? [])).rows,
      queryArrays: async (sql, params) => (await pg.query<unknown[]>(sql, params ?? [], { rowMode: "array" })).rows,
      exec: async (sql) => {
        await pg.exec(sql);
      },
      close: () => pg.close(),
    };
    await driver.exec("SET TIME ZONE 'UTC'");
    return new PostgresEngine("pglite", driver, async () => {});
  }

  /** A real server at `url` (e.g. `PG_URL`), in a fresh schema of its own. */
  static async openServer(url: string): Promise<PostgresEngine> {
    const { default: pg } = await import("pg");
    // Return dates and timestamps as text rather than JS Dates in the local zone.
    const types = { getTypeParser: (oid: number, format?: "text" | "binary") => (format === "binary" ? pg.types.getTypeParser(oid, "binary") : [1082, 1114, 1184].includes(oid) ? (v: string) => v : pg.types.getTypeParser(oid, "text")) };
    const client = new pg.Client({ connectionString: url, types });
    await client.connect();
    const driver: PgDriver = {
      query: async (sql, params) => (await client.query({ text: sql, values: params ?? [] })).rows,
      queryArrays: async (sql, params) => (await client.query({ text: sql, values: params ?? [], rowMode: "array" })).rows,
      exec: async (sql) => {
        await client.query(sql);
      },
      close: () => client.end(),
    };
    const schema = scratchName("segql");
    await driver.exec(`SET TIME ZONE 'UTC'; CREATE SCHEMA ${q(schema)}; SET search_path TO ${q(schema)}`);
    return new PostgresEngine("postgres-server", driver, async () => {
      await driver.exec(`DROP SCHEMA IF EXISTS ${q(schema)} CASCADE`);
    });
  }

  async load(schema: Schema, contacts: readonly ContactRow[], events?: readonly EventRow[]): Promise<void> {
    const plans = planTables(schema, contacts, events);
    const ddl = plans.map((plan) => `CREATE TABLE ${q(plan.name)} (${plan.columns.map((c) => `${q(c.name)} ${postgresType(c)}`).join(", ")})`);
    // Catalog changes are the slow part of a small load: when the tables are the same as last time, empty
    // them (views on them are dropped either way, as a reload replaces everything).
    const reuse = this.tables.length === ddl.length && this.tables.every((t, i) => t.ddl === ddl[i]);
    if (reuse) {
      const views = await this.db.queryArrays("SELECT quote_ident(table_name) FROM information_schema.views WHERE table_schema = current_schema()");
      if (views.length > 0) await this.db.exec(`DROP VIEW IF EXISTS ${views.map((v) => String(v[0])).join(", ")} CASCADE`);
      await this.db.exec(`TRUNCATE ${this.tables.map((t) => q(t.name)).join(", ")}`);
    } else {
      // The recorded tables, and the plan's names in case an interrupted load left one unrecorded.
      const names = new Set([...this.tables.splice(0).map((t) => t.name), ...plans.map((p) => p.name)]);
      for (const name of [...names].reverse()) await this.db.exec(`DROP TABLE IF EXISTS ${q(name)} CASCADE`);
    }
    for (const [p, plan] of plans.entries()) {
      if (!reuse) {
        await this.db.exec(ddl[p]!);
        this.tables.push({ name: plan.name, ddl: ddl[p]! });
        if (plan.index) await this.db.exec(`CREATE INDEX ON ${q(plan.name)} (${q(plan.index)})`);
      }
      // One parameter per column: a text[] holding that column's values for a batch of rows, expanded by
      // unnest and converted by an explicit cast to the column's type (so the server never guesses a
      // parameter's type); lists go in as JSON array text (text[] from jsonb). Far faster than one
      // placeholder per value (95,880 events: ~1 s instead of ~10 s).
      const slots = plan.columns.map((c, i) => {
        const v = `u.c${i}`;
        return c.type === "list" && !c.storage?.["postgres"]
          ? `CASE WHEN ${v} IS NOT NULL THEN array(SELECT jsonb_array_elements_text(${v}::jsonb)) END`
          : `${v}::${postgresType(c)}`;
      });
      const unnest = plan.columns.map((_, i) => `$${i + 1}::text[]`).join(", ");
      const alias = plan.columns.map((_, i) => `c${i}`).join(", ");
      const insert = `INSERT INTO ${q(plan.name)} SELECT ${slots.join(", ")} FROM unnest(${unnest}) AS u(${alias})`;
      for (const batch of chunks(plan.rows, ROWS_PER_INSERT)) {
        await this.db.query(insert, plan.columns.map((_, i) => batch.map((row) => pgParam(row[i]!))));
      }
      await this.db.exec(`ANALYZE ${q(plan.name)}`);
    }
  }

  async keys(sql: string, params?: readonly unknown[]): Promise<string[]> {
    const rows = await this.db.queryArrays(sql, params ? [...params] : []);
    return rows.map((row) => String(row[0]));
  }

  async rows(sql: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]> {
    return this.db.query(sql, params ? [...params] : []);
  }

  async exec(sql: string): Promise<void> {
    await this.db.exec(sql);
  }

  async close(): Promise<void> {
    try {
      await this.cleanup();
    } finally {
      await this.db.close();
    }
  }
}

/**
 * PGlite's `initdb` in WASM takes 4-25 s on a busy 2-core machine; starting from a dump of a fresh data
 * directory takes about 1 s. The dump is cached under node_modules/.cache (keyed by PGlite's version) and
 * written atomically, so parallel test files never read half of one.
 */
async function createPglite() {
  const { PGlite } = await import("@electric-sql/pglite");
  const { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } = await import("node:fs");
  const { join, dirname } = await import("node:path");
  const { fileURLToPath } = await import("node:url");
  const modules = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "node_modules");
  const version = (JSON.parse(readFileSync(join(modules, "@electric-sql", "pglite", "package.json"), "utf8")) as { version: string }).version;
  const cache = join(modules, ".cache", "segql-pglite", `datadir-${version}.tar.gz`);
  if (existsSync(cache)) {
    try {
      return await PGlite.create({ loadDataDir: new Blob([readFileSync(cache)]) });
    } catch {
      // A damaged cache: fall through and rebuild it.
    }
  }
  const pg = await PGlite.create();
  try {
    const dump = await pg.dumpDataDir("gzip");
    mkdirSync(dirname(cache), { recursive: true });
    const tmp = `${cache}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()));
    renameSync(tmp, cache);
  } catch {
    // The cache is an optimisation only.
  }
  return pg;
}

/** A cell as a text parameter for `$n::type`. */
function pgParam(cell: Cell): string | null {
  if (cell === null) return null;
  switch (cell.type) {
    case "string":
      return cell.value;
    case "number":
      // String(5e-324) = "5e-324", which float8in reads back exactly; -0 prints as "0" (equal anyway).
      return Object.is(cell.value, -0) ? "-0" : String(cell.value);
    case "boolean":
      return cell.value ? "true" : "false";
    case "date":
      return cell.text;
    case "timestamp":
      return new Date(cell.ms).toISOString();
    case "list":
      return JSON.stringify(cell.value);
    case "json":
      return cell.text;
  }
}
