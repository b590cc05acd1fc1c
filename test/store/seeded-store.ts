/**
 * A store seeded with no time limit, then opened again on the same database with one: what a server with
 * `--query-timeout` opens after a CLI import. Tests of the limit need it because a refresh runs under the
 * limit too, and the few milliseconds they set to stop a slow read reliably can stop a first refresh on a
 * cold connection as well.
 */
import { join } from "node:path";
import { openStore, type OpenStoreOptions, type Store } from "../../src/store/index.js";
import { createPglite, crmSchema, type Backend, type TestStore } from "./helpers.js";

let pglite: Promise<{ close(): Promise<void> }> | null = null;
let namespaces = 0;

/**
 * Opens a store on a new database of `backend` (DuckDB: a file in `dir`; PGlite and a server: a schema of
 * their own, dropped on dispose), runs `seed` on it without a time limit, and opens it again with `ms`.
 */
export async function openSeeded(backend: Backend, dir: string, ms: number, seed: (store: Store) => Promise<void>): Promise<TestStore> {
  const pgSchema = `segql_seeded_${process.pid}_${++namespaces}_${Math.random().toString(36).slice(2, 8)}`;
  const where: Omit<OpenStoreOptions, "queryTimeoutMs"> =
    backend === "duckdb"
      ? { db: join(dir, `${pgSchema}.duckdb`), schema: crmSchema }
      : backend === "pglite"
        ? { pglite: await (pglite ??= createPglite()), pgSchema, schema: crmSchema }
        : { db: process.env["PG_URL"]!, pgSchema, schema: crmSchema };
  const first = await openStore({ ...where, queryTimeoutMs: 0 });
  try {
    await seed(first);
  } finally {
    await first.close();
  }
  const store = await openStore({ ...where, queryTimeoutMs: ms });
  return {
    store,
    dispose: async () => {
      await store.close();
      if (backend === "duckdb") return;
      if (backend === "pglite") {
        await ((await pglite!) as unknown as { exec(sql: string): Promise<unknown> }).exec(`DROP SCHEMA IF EXISTS "${pgSchema}" CASCADE; SET search_path TO public`);
        return;
      }
      const { default: pg } = await import("pg");
      const client = new pg.Client({ connectionString: process.env["PG_URL"]! });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${pgSchema}" CASCADE`);
      await client.end();
    },
  };
}
