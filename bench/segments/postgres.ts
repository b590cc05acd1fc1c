/**
 * bench/segments on PostgreSQL, the server option (`segql serve --db postgres://…`): the server at
 * `PG_URL` when set (the bench works in a schema of its own there and drops it at the end), else a
 * throwaway server of the Debian binaries (/usr/lib/postgresql/<version>/bin) started here: initdb in a
 * temporary folder, a free loopback port, stopped and removed at the end. Without the binaries (and
 * without `PG_URL`) the engine is skipped. PGlite is not used: it is a single-user WASM build, so its
 * figures would say nothing about a server.
 *
 * The throwaway server keeps PostgreSQL's durable defaults (fsync and synchronous_commit on: a commit
 * waits for its WAL flush, as on a production server) with memory settings a 1M-contact server would
 * have (shared_buffers 1GB, work_mem 64MB). Contacts and events are generated inside PostgreSQL with
 * generate_series and hashint8 of the row number: the same distributions as the DuckDB data, but not
 * the same draws (DuckDB's `hash` is another function), so counts differ slightly between engines.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import type { SqlAdapter } from "../../src/store/adapter.js";
import { openStore } from "../../src/store/index.js";
import type { Engine } from "./engine.js";
import { schema } from "./workload.js";

/** Settings of the throwaway server (beyond PostgreSQL's defaults); reported with the figures. */
const SERVER_SETTINGS = ["shared_buffers=1GB", "work_mem=64MB", "maintenance_work_mem=512MB", "max_wal_size=8GB"];

/** Non-negative int4 hash number `k` of row `i` (hashint8 returns any int4; the mask drops the sign). */
const h = (k: number) => `(hashint8(i * 16 + ${k}) & 2147483647)`;

/** Rows of the generated tables are inserted by this many statements at once (one per core). */
const PARALLEL = 2;

/** The PostgreSQL engine with `events` events (contacts = events / 20). */
export function postgresEngine(events: number): Engine {
  const contacts = Math.max(100, Math.round(events / 20));
  return {
    key: "postgres",
    title: "PostgreSQL",
    contacts,
    events,
    sql: {
      hasTag: (tag) => `'${tag}' = ANY(tags)`,
      timestamp: (ms) => `TIMESTAMPTZ '${new Date(ms).toISOString().replace("T", " ").replace("Z", "")}+00'`,
      // The same 1% on every run; hashtext is PostgreSQL's hash of text (the mask drops its sign).
      changeOnePercent: (sign) => `UPDATE contacts SET ltv = ltv ${sign > 0 ? "+" : "-"} 700 WHERE (hashtext(id) & 2147483647) % 100 = 0`,
      // PostgreSQL has no CREATE OR REPLACE TABLE: one temporary table per connection, emptied each time
      // (what the store's `fill` does too).
      diffTable: (select) => ["CREATE TEMP TABLE IF NOT EXISTS hand_diff (contact_key TEXT, change TEXT)", "TRUNCATE hand_diff", `INSERT INTO hand_diff ${select}`],
      inIds: (column, param) => `${column} = ANY(CAST(${param} AS BIGINT[]))`,
    },
    async open(now) {
      const given = process.env["PG_URL"];
      const server = given ? null : await startServer();
      if (server && "skipped" in server) return server;
      const url = given ?? server!.url;
      const pgSchema = `segql_bench_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
      const { default: pg } = await import("pg");
      const admin = new pg.Client({ connectionString: url });
      let store: Awaited<ReturnType<typeof openStore>> | null = null;
      const dispose = async () => {
        await store?.close().catch(() => undefined);
        await admin.query(`DROP SCHEMA IF EXISTS ${pgSchema} CASCADE`).catch(() => undefined);
        await admin.end().catch(() => undefined);
        server?.stop();
      };
      try {
        await admin.connect();
        store = await openStore({ db: url, pgSchema, schema, clock: () => now });
        const db = (store as unknown as { ctx: { adapter: SqlAdapter } }).ctx.adapter;
        const t0 = performance.now();
        await generate(url, pgSchema, contacts, events);
        const settings = await admin.query(
          "SELECT current_setting('server_version') AS v, current_setting('shared_buffers') AS sb, current_setting('work_mem') AS wm, current_setting('synchronous_commit') AS sc, current_setting('fsync') AS fs, current_setting('max_parallel_workers_per_gather') AS pw",
        );
        const s = settings.rows[0] as Record<string, string>;
        const generatedIn = (performance.now() - t0) / 1000;
        return {
          store,
          db,
          where: `on ${server ? "a throwaway PostgreSQL" : "the PostgreSQL at PG_URL,"} ${s["v"]!.split(" ")[0]} server${server ? " started by the bench" : ""} (shared_buffers ${s["sb"]}, work_mem ${s["wm"]}, fsync ${s["fs"]}, synchronous_commit ${s["sc"]}, max_parallel_workers_per_gather ${s["pw"]}; the client on the same machine over TCP loopback)`,
          generatedIn,
          // Planned on statistics taken while segql_memberships was near empty, a refresh right after the
          // segments were created ran 3x slower (measured 31 s instead of 11.6 s at 200,000 contacts: a
          // nested loop over each segment's members for every row of the diff); autovacuum's ANALYZE
          // fixes that within about a minute. The bench measures the steady state, after it.
          settle: async () => {
            await admin.query(`VACUUM ANALYZE ${pgSchema}.segql_memberships, ${pgSchema}.segql_membership_changes`);
          },
          settleNote:
            "After creating the segments the bench runs `VACUUM ANALYZE` on segql_memberships and segql_membership_changes, as autovacuum does by itself within about a minute of bulk changes. Before that, the planner still has the statistics of a near-empty segql_memberships: a refresh right after creating the segments took 31 s instead of 11.6 s (measured at 200,000 contacts; EXPLAIN ANALYZE shows the exits' DELETE as a nested loop over each segment's members, estimated at 1 row, re-scanning the diff table for each of them: 4.3 s for one segment of 122,000 members with no exits at all). The store now runs `ANALYZE` on the member table itself after such a change (docs/store.md); this run predates that, and the bench's own `VACUUM ANALYZE` stays, so the figures measure the steady state either way.",
          ...(server
            ? {
                // A reload changes the setting for the pool's open sessions too (they never SET it).
                relaxCommit: async () => {
                  await admin.query("ALTER SYSTEM SET synchronous_commit = off");
                  await admin.query("SELECT pg_reload_conf()");
                },
                relaxedLabel: "synchronous_commit off",
              }
            : {}),
          close: dispose,
        };
      } catch (e) {
        await dispose();
        throw e;
      }
    },
  };
}

/** Fills contacts and events (the events index dropped meanwhile), then VACUUM ANALYZE as autovacuum would. */
async function generate(url: string, pgSchema: string, contacts: number, events: number): Promise<void> {
  const { default: pg } = await import("pg");
  const clients = await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      const c = new pg.Client({ connectionString: url, options: "-c TimeZone=UTC" });
      await c.connect();
      await c.query(`SET search_path TO ${pgSchema}`);
      return c;
    }),
  );
  try {
    const [first] = clients;
    await first!.query("DROP INDEX IF EXISTS events_segql_contact");
    // Row ranges, one statement each, PARALLEL at a time.
    const ranges = (n: number) => Array.from({ length: PARALLEL }, (_, k) => [Math.floor((n * k) / PARALLEL), Math.floor((n * (k + 1)) / PARALLEL) - 1] as const);
    const contactSql = (lo: number, hi: number) => `INSERT INTO contacts (id, country, plan, ltv, signed_up_at, tags)
      SELECT 'c' || i, (ARRAY['GB', 'DE', 'FR', 'US'])[1 + h1 % 4], (ARRAY['Free', 'Free', 'Pro', 'Team'])[1 + h7 % 4],
        CAST(h8 % 200000 AS double precision) / 100, TIMESTAMPTZ '2026-01-01 00:00:00+00' - (h9 % (3 * 365 * 86400)) * INTERVAL '1 second',
        array_remove(ARRAY[CASE WHEN (h10 >> 1) % 3 = 0 THEN 'vip' END, CASE WHEN (h10 >> 2) % 3 = 0 THEN 'beta' END,
          CASE WHEN (h10 >> 3) % 3 = 0 THEN 'churn-risk' END, CASE WHEN (h10 >> 4) % 3 = 0 THEN 'newsletter' END], NULL)
      FROM (SELECT i, ${h(1)} AS h1, ${h(7)} AS h7, ${h(8)} AS h8, ${h(9)} AS h9, ${h(10)} AS h10 FROM generate_series(${lo}, ${hi}) AS i) AS g`;
    const eventSql = (lo: number, hi: number) => `INSERT INTO events (contact_id, event, occurred_at, properties)
      SELECT 'c' || CAST(floor(pow(CAST(h2 % 1000000 AS double precision) / 1000000, 1.5) * ${contacts}) AS BIGINT),
        (ARRAY['Purchase', 'Purchase', 'Login', 'Login', 'Page View', 'Refund'])[1 + h3 % 6],
        TIMESTAMPTZ '2026-01-01 00:00:00+00' - (h4 % (400 * 86400)) * INTERVAL '1 second',
        jsonb_build_object('amount', CAST(h5 % 20000 AS double precision) / 100, 'currency', (ARRAY['EUR', 'USD', 'GBP'])[1 + h6 % 3])
      FROM (SELECT i, ${h(2)} AS h2, ${h(3)} AS h3, ${h(4)} AS h4, ${h(5)} AS h5, ${h(6)} AS h6 FROM generate_series(${lo}, ${hi}) AS i) AS g`;
    await Promise.all(ranges(contacts).map(([lo, hi], k) => clients[k]!.query(contactSql(lo, hi))));
    await Promise.all(ranges(events).map(([lo, hi], k) => clients[k]!.query(eventSql(lo, hi))));
    await first!.query("CREATE INDEX events_segql_contact ON events (contact_id)");
    await Promise.all([clients[0]!.query("VACUUM ANALYZE contacts"), clients[1 % PARALLEL]!.query("VACUUM ANALYZE events")]);
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  }
}

/** A running throwaway server: its URL, and how to stop it (synchronously, removing its folder). */
interface Server {
  url: string;
  stop(): void;
}

/** The newest Debian PostgreSQL binaries folder, if any. */
function binaries(): string | null {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, "bin", "initdb")))
    .sort((a, b) => Number(a) - Number(b));
  const last = versions[versions.length - 1];
  return last ? join(root, last, "bin") : null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** initdb + pg_ctl start in a temporary folder (as the `postgres` user when run as root: initdb refuses root). */
async function startServer(): Promise<Server | { skipped: string }> {
  const bin = binaries();
  if (!bin) return { skipped: "no PG_URL and no PostgreSQL binaries under /usr/lib/postgresql/*/bin" };
  const root = userInfo().uid === 0;
  const dir = mkdtempSync(join(tmpdir(), "segql-bench-pg-"));
  const as = (cmd: string, args: string[]) => (root ? execFileSync("runuser", ["-u", "postgres", "--", join(bin, cmd), ...args], { stdio: "pipe" }) : execFileSync(join(bin, cmd), args, { stdio: "pipe" }));
  const data = join(dir, "data");
  let started = false;
  // Ctrl-C (or a kill) during the bench's minutes of work stops the server and removes its folder too,
  // rather than leave a server running on a folder in /tmp.
  const interrupted = (signal: NodeJS.Signals) => {
    stop();
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  const stop = () => {
    process.off("SIGINT", interrupted);
    process.off("SIGTERM", interrupted);
    if (started) {
      try {
        as("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"]);
      } catch {
        // Already stopped: the folder goes anyway.
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    chmodSync(dir, 0o755);
    if (root) {
      const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
      const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
      chownSync(dir, uid, gid);
    }
    process.on("SIGINT", interrupted);
    process.on("SIGTERM", interrupted);
    as("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"]);
    const port = await freePort();
    const options = ["-c listen_addresses=127.0.0.1", `-p ${port}`, `-k ${dir}`, ...SERVER_SETTINGS.map((s) => `-c ${s}`)].join(" ");
    as("pg_ctl", ["-D", data, "-l", join(dir, "server.log"), "-w", "-t", "60", "-o", options, "start"]);
    started = true;
    as("createdb", ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "segql_bench"]);
    return { url: `postgres://postgres@127.0.0.1:${port}/segql_bench`, stop };
  } catch (e) {
    stop();
    throw e;
  }
}
