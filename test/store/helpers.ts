/**
 * Test support for the store: open a store on each backend the tests run (DuckDB `:memory:`, PGlite, and
 * the PostgreSQL server when PG_URL is set, each test in a schema of its own), and a small CRM schema.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseSchema, type Schema } from "../../src/schema/schema.js";
import { InvalidInputError, openStore, type OpenStoreOptions, type Store } from "../../src/store/index.js";

/** The backends store tests run on. */
export type Backend = "duckdb" | "pglite" | "postgres-server";

/** Backends available here: the server only with PG_URL. */
export const BACKENDS: Backend[] = ["duckdb", "pglite", ...(process.env["PG_URL"] ? (["postgres-server"] as const) : [])];

/** A small CRM: contacts with every field type, events with properties. */
export const crmSchema: Schema = parseSchema(
  JSON.stringify({
    table: "contacts",
    key: "id",
    fields: {
      id: { type: "string" },
      name: { type: "string" },
      plan: { type: "enum", values: ["Free", "Pro", "Team"] },
      ltv: { type: "number" },
      active: { type: "boolean" },
      birthday: { type: "date" },
      signed_up_at: { type: "timestamp" },
      tags: { type: "list" },
    },
    events: {
      table: "events",
      contact_key: "contact_id",
      name: "event",
      time: "occurred_at",
      properties: { amount: { type: "number" }, sku: { type: "string" } },
    },
  }),
);

/** A PGlite instance (from a cached fresh data directory when there is one: initdb in WASM is slow). */
export async function createPglite(): Promise<{ close(): Promise<void> }> {
  const { PGlite } = await import("@electric-sql/pglite");
  const modules = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "node_modules");
  const version = (JSON.parse(readFileSync(join(modules, "@electric-sql", "pglite", "package.json"), "utf8")) as { version: string }).version;
  const cache = join(modules, ".cache", "segql-pglite", `datadir-${version}.tar.gz`);
  if (existsSync(cache)) {
    try {
      return await PGlite.create({ loadDataDir: new Blob([readFileSync(cache)]) });
    } catch {
      // rebuild below
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
    // optional
  }
  return pg;
}

let sharedPglite: Promise<{ close(): Promise<void> }> | null = null;
let pgliteSchemas = 0;

/** An open test store and how to dispose of it. */
export interface TestStore {
  store: Store;
  dispose(): Promise<void>;
}

/** Opens a fresh, empty store on `backend`. */
export async function openTestStore(backend: Backend, options: Omit<OpenStoreOptions, "db" | "pglite" | "pgSchema"> = {}): Promise<TestStore> {
  const schema = options.schema ?? crmSchema;
  if (backend === "duckdb") {
    const store = await openStore({ ...options, schema, db: ":memory:" });
    return { store, dispose: () => store.close() };
  }
  if (backend === "pglite") {
    // One PGlite per test file (starting one takes seconds); each store in a namespace of its own, dropped
    // on dispose. Stores on it must be used one at a time (the search path is the session's).
    sharedPglite ??= createPglite();
    const pg = (await sharedPglite) as unknown as { exec(sql: string): Promise<unknown> };
    const pgSchema = `segql_store_${++pgliteSchemas}`;
    const store = await openStore({ ...options, schema, pglite: pg, pgSchema });
    return {
      store,
      dispose: async () => {
        await store.close();
        await pg.exec(`DROP SCHEMA IF EXISTS "${pgSchema}" CASCADE; SET search_path TO public`);
      },
    };
  }
  const pgSchema = `segql_store_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const store = await openStore({ ...options, schema, db: process.env["PG_URL"]!, pgSchema });
  return {
    store,
    dispose: async () => {
      await store.close();
      const { default: pg } = await import("pg");
      const client = new pg.Client({ connectionString: process.env["PG_URL"]! });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${pgSchema}" CASCADE`);
      await client.end();
    },
  };
}

/** A clock tests move by hand. */
export function manualClock(start = Date.parse("2026-01-15T12:00:00Z")): { now: () => number; set(ms: number): void; advance(ms: number): void } {
  let t = start;
  return { now: () => t, set: (ms) => (t = ms), advance: (ms) => (t += ms) };
}

/** Writes rows, dropping the ones the store refuses (by the row index in its problems), until it accepts. */
export async function writeAccepted(write: (rows: Record<string, unknown>[]) => Promise<unknown>, rows: Record<string, unknown>[]): Promise<Record<string, unknown>[]> {
  let left = rows;
  for (let attempt = 0; attempt < 5 && left.length > 0; attempt++) {
    try {
      await write(left);
      return left;
    } catch (e) {
      if (!(e instanceof InvalidInputError)) throw e;
      const bad = new Set(e.problems.map((p) => Number(/^rows\[(\d+)\]/.exec(p.path)?.[1])));
      if (e.total > e.problems.length) {
        // More problems than reported: write one at a time.
        const ok: Record<string, unknown>[] = [];
        for (const r of left) if (await write([r]).then(() => true, (x) => (x instanceof InvalidInputError ? false : Promise.reject(x)))) ok.push(r);
        return ok;
      }
      left = left.filter((_, i) => !bad.has(i));
    }
  }
  return left;
}

/** The error a promise is rejected with (a test failure when it is fulfilled). */
export async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected the promise to be rejected");
}
