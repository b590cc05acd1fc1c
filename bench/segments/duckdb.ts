/**
 * bench/segments on DuckDB: a DuckDB file in a temporary folder, contacts and events generated inside
 * DuckDB from `hash()` of the row number (like bench/events).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SqlAdapter } from "../../src/store/adapter.js";
import { openStore, type Store } from "../../src/store/index.js";
import type { Engine } from "./engine.js";
import { schema } from "./workload.js";

const h = (k: number) => `hash(i * 16 + ${k})`;

/** The DuckDB engine with `events` events (contacts = events / 20). */
export function duckdbEngine(events: number): Engine {
  const contacts = Math.max(100, Math.round(events / 20));
  return {
    key: "duckdb",
    title: "DuckDB",
    contacts,
    events,
    sql: {
      hasTag: (tag) => `list_contains(tags, '${tag}')`,
      timestamp: (ms) => `TIMESTAMP '${new Date(ms).toISOString().replace("T", " ").replace("Z", "")}'`,
      changeOnePercent: (sign) => `UPDATE contacts SET ltv = ltv ${sign > 0 ? "+" : "-"} 700 WHERE hash(id) % 100 = 0`,
      diffTable: (select) => [`CREATE OR REPLACE TEMP TABLE hand_diff AS ${select}`],
      inIds: (column, param) => `list_contains(CAST(${param} AS BIGINT[]), ${column})`,
    },
    async open(now) {
      const dir = mkdtempSync(join(tmpdir(), "segql-bench-segments-"));
      let store: Store | null = null;
      try {
        store = await openStore({ db: join(dir, "bench.duckdb"), schema, clock: () => now });
        const db = (store as unknown as { ctx: { adapter: SqlAdapter } }).ctx.adapter;
        const t0 = performance.now();
        await db.exec("DROP INDEX IF EXISTS events_segql_contact");
        await db.exec(`INSERT INTO contacts SELECT 'c' || i, ['GB', 'DE', 'FR', 'US'][CAST(1 + ${h(1)} % 4 AS BIGINT)], ['Free', 'Free', 'Pro', 'Team'][CAST(1 + ${h(7)} % 4 AS BIGINT)],
            CAST(${h(8)} % 200000 AS DOUBLE) / 100, TIMESTAMP '2026-01-01' - to_seconds(CAST(${h(9)} % (3 * 365 * 86400) AS BIGINT)),
            list_filter(['vip', 'beta', 'churn-risk', 'newsletter'], (t, j) -> (${h(10)} >> CAST(j AS INTEGER)) % 3 = 0)
          FROM range(${contacts}) t(i)`);
        await db.exec(`INSERT INTO events SELECT
            'c' || CAST(floor(pow(CAST(${h(2)} % 1000000 AS DOUBLE) / 1000000, 1.5) * ${contacts}) AS BIGINT),
            ['Purchase', 'Purchase', 'Login', 'Login', 'Page View', 'Refund'][CAST(1 + ${h(3)} % 6 AS BIGINT)],
            TIMESTAMP '2026-01-01' - to_seconds(CAST(${h(4)} % (400 * 86400) AS BIGINT)),
            CAST('{"amount":' || (CAST(${h(5)} % 20000 AS DOUBLE) / 100) || ',"currency":"' || ['EUR', 'USD', 'GBP'][CAST(1 + ${h(6)} % 3 AS BIGINT)] || '"}' AS JSON)
          FROM range(${events}) t(i)`);
        await db.exec("CREATE INDEX events_segql_contact ON events (contact_id)");
        return {
          store,
          db,
          where: "in a DuckDB file",
          generatedIn: (performance.now() - t0) / 1000,
          async close() {
            await store?.close();
            rmSync(dir, { recursive: true, force: true });
          },
        };
      } catch (e) {
        await store?.close().catch(() => undefined);
        rmSync(dir, { recursive: true, force: true });
        throw e;
      }
    },
  };
}
