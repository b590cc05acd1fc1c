/**
 * bench/export: taking a segment's members out as a file (`exportMembers`: CSV and JSON Lines, in key
 * order, streamed from one snapshot) from a DuckDB store of 500,000 generated contacts, a dynamic segment of
 * about half of them. Beside it, in the same run and alternating round by round:
 * - DuckDB's own `COPY (SELECT … ORDER BY key) TO 'file.csv'`: the least work a CSV of the members can
 *   take (native, no JavaScript), the baseline of the ratios;
 * - hand-written JavaScript that reads all the members in one query and writes the same CSV text: what the
 *   export would cost without pages (and what it holds in memory).
 * Each writes a file in a temporary folder; the files' lines are counted (every way must give the members
 * and the header). Time is the best of 3 rounds; memory is the process's resident-set growth over the
 * run of that way (sampled after each chunk), the largest of the rounds.
 *
 * `SEGQL_BENCH_EXPORT_CONTACTS` overrides the number of contacts.
 */
import { createReadStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { open } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { csvRecords, csvStart } from "../../src/data/writers.js";
import { parseSchema } from "../../src/schema/schema.js";
import type { SqlAdapter } from "../../src/store/adapter.js";
import { exportMembers, openStore, type Store } from "../../src/store/index.js";
import { decodeContact } from "../../src/store/values.js";

const CONTACTS = Number(process.env["SEGQL_BENCH_EXPORT_CONTACTS"] ?? 500_000);
const ROUNDS = 3;

const schema = parseSchema(
  JSON.stringify({
    table: "contacts",
    key: "id",
    fields: {
      id: { type: "string" },
      name: { type: "string" },
      country: { type: "enum", values: ["GB", "DE", "FR", "US"] },
      plan: { type: "enum", values: ["Free", "Pro", "Team"] },
      ltv: { type: "number" },
      signed_up_at: { type: "timestamp" },
      tags: { type: "list" },
    },
  }),
);

const h = (k: number) => `hash(i * 16 + ${k})`;

/** What one way of exporting did in one round. */
interface Run {
  ms: number;
  /** Resident-set growth over the run, in MB. */
  rssMb: number;
  lines: number;
  bytes: number;
}

/** Lines of a file (CSV records here hold no line breaks: the generated names have none). */
async function countLines(file: string): Promise<number> {
  let n = 0;
  for await (const _ of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) n++;
  return n;
}

/** Runs `write` (which writes `file`), timing it and sampling the resident set through `sample`. */
async function measure(file: string, write: (sample: () => void) => Promise<void>): Promise<Run> {
  globalThis.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const sample = () => {
    const rss = process.memoryUsage().rss;
    if (rss > peak) peak = rss;
  };
  const t0 = performance.now();
  await write(sample);
  const ms = performance.now() - t0;
  sample();
  return { ms, rssMb: (peak - before) / 1e6, lines: await countLines(file), bytes: statSync(file).size };
}

/** Writes text chunks to a file, awaiting each write (as `segql segments export --out` does). */
async function writeChunks(file: string, chunks: AsyncIterable<string>, sample: () => void): Promise<void> {
  const handle = await open(file, "w");
  try {
    for await (const chunk of chunks) {
      await handle.write(chunk);
      sample();
    }
  } finally {
    await handle.close();
  }
}

export async function run(): Promise<string> {
  const load0 = loadavg()[0]!;
  const dir = mkdtempSync(join(tmpdir(), "segql-bench-export-"));
  let store: Store | null = null;
  try {
    store = await openStore({ db: join(dir, "bench.duckdb"), schema });
    const db = (store as unknown as { ctx: { adapter: SqlAdapter } }).ctx.adapter;
    const t0 = performance.now();
    // Names with a comma or a quote now and then, so that the CSV writers quote some cells.
    await db.exec(`INSERT INTO contacts SELECT 'c' || lpad(CAST(i AS VARCHAR), 7, '0'),
        ['Ann Lee', 'Bob "B" Stone', 'Cleo, Park', 'Dan O''Neil', 'Émile Zola'][CAST(1 + ${h(1)} % 5 AS BIGINT)],
        ['GB', 'DE', 'FR', 'US'][CAST(1 + ${h(2)} % 4 AS BIGINT)], ['Free', 'Free', 'Pro', 'Team'][CAST(1 + ${h(3)} % 4 AS BIGINT)],
        CAST(${h(4)} % 200000 AS DOUBLE) / 100, TIMESTAMP '2026-01-01' - to_seconds(CAST(${h(5)} % (3 * 365 * 86400) AS BIGINT)),
        list_filter(['vip', 'beta', 'churn-risk', 'newsletter'], (t, j) -> (${h(6)} >> CAST(j AS INTEGER)) % 3 = 0)
      FROM range(${CONTACTS}) t(i)`);
    const segment = await store.createSegment({ name: "Spenders", kind: "dynamic", expression: "ltv > 1000" });
    const setup = (performance.now() - t0) / 1000;
    console.log(`  ${CONTACTS.toLocaleString("en-US")} contacts, ${segment.memberCount.toLocaleString("en-US")} members, set up in ${setup.toFixed(1)} s`);

    const columns = Object.keys(schema.fields);
    const s = store;
    const ways: { name: string; write(file: string, sample: () => void): Promise<void> }[] = [
      {
        name: "DuckDB `COPY … TO` CSV (hand-written SQL, native)",
        write: async (file) => {
          await db.exec(
            `COPY (SELECT c.* FROM contacts AS c JOIN segql_memberships AS m ON m.contact_key = c.id WHERE m.segment_id = ${Math.trunc(segment.id)} ORDER BY c.id) TO '${file.replaceAll("'", "''")}' (HEADER, DELIMITER ',')`,
          );
        },
      },
      {
        name: "segql `exportMembers`, CSV",
        write: (file, sample) => writeChunks(file, exportMembers(s, segment.id, { format: "csv" }), sample),
      },
      {
        name: "segql `exportMembers`, JSON Lines",
        write: (file, sample) => writeChunks(file, exportMembers(s, segment.id, { format: "jsonl" }), sample),
      },
      {
        name: "hand-written JS: one query, then the same CSV text",
        write: async (file, sample) => {
          const ctx = (s as unknown as { ctx: { contactCols: Parameters<typeof decodeContact>[2] } }).ctx;
          const rows = await db.read((tx) => tx.query("SELECT c.* FROM contacts AS c JOIN segql_memberships AS m ON m.contact_key = c.id WHERE m.segment_id = $1 ORDER BY c.id", [segment.id]));
          sample();
          const contacts = rows.map((r) => decodeContact(r, schema, ctx.contactCols));
          sample();
          const handle = await open(file, "w");
          try {
            await handle.write(csvStart(columns) + csvRecords(contacts, columns));
            sample();
          } finally {
            await handle.close();
          }
        },
      },
    ];

    const results = ways.map(() => [] as Run[]);
    for (let round = 0; round < ROUNDS; round++) {
      // Each round in another order, so that no way always runs on the warmest cache.
      const order = ways.map((_, i) => (i + round) % ways.length);
      for (const i of order) {
        const file = join(dir, `out-${i}-${round}.${ways[i]!.name.includes("JSON") ? "jsonl" : "csv"}`);
        const r = await measure(file, (sample) => ways[i]!.write(file, sample));
        rmSync(file);
        results[i]!.push(r);
        console.log(`  round ${round + 1}: ${ways[i]!.name}: ${r.ms.toFixed(0)} ms, +${r.rssMb.toFixed(0)} MB, ${r.lines} lines`);
      }
    }

    const expectedLines = (i: number) => segment.memberCount + (ways[i]!.name.includes("JSON") ? 0 : 1);
    const best = results.map((rs) => Math.min(...rs.map((r) => r.ms)));
    const mem = results.map((rs) => Math.max(...rs.map((r) => r.rssMb)));
    for (const [i, rs] of results.entries()) {
      for (const r of rs) if (r.lines !== expectedLines(i)) throw new Error(`${ways[i]!.name}: ${r.lines} lines, expected ${expectedLines(i)}`);
    }
    const base = best[0]!;
    const rows = ways.map((w, i) => {
      const r = results[i]![0]!;
      const rate = (segment.memberCount / best[i]!) * 1000;
      return `| ${w.name} | ${best[i]!.toFixed(0)} ms | ${(rate / 1e3).toFixed(0)} k/s | ${(best[i]! / base).toFixed(2)}x | ${mem[i]!.toFixed(0)} MB | ${(r.bytes / 1e6).toFixed(1)} MB |`;
    });
    const load1 = loadavg()[0]!;
    return [
      "## bench/export: a segment's members as a file",
      "",
      `${CONTACTS.toLocaleString("en-US")} generated contacts in a DuckDB file (seven fields of every type but date and boolean; names with commas and quotes now and then), a dynamic segment of ${segment.memberCount.toLocaleString("en-US")} members (\`ltv > 1000\`). Each way writes every member, in key order, to a file; best of ${ROUNDS} rounds, the ways alternating in order; memory = the process's resident-set growth during the run (sampled after each chunk), the largest of the rounds. Every file has the members' lines (and a header for CSV), which the benchmark checks. Machine load (1-minute average) ${load0.toFixed(1)} before, ${load1.toFixed(1)} after, on 2 cores.`,
      "",
      "| way | time | members/s | time vs DuckDB COPY | memory | file |",
      "| --- | ---: | ---: | ---: | ---: | ---: |",
      ...rows,
      "",
      "DuckDB's `COPY` writes lists in its own form (`[vip, beta]`) and no byte-order mark; segql's CSV writes them as JSON (what `segql import` reads back), quotes what RFC 4180 asks, and makes formula-like text spreadsheet-safe. The one-query JavaScript writes the same text as `exportMembers` but holds every member in memory at once; `exportMembers` streams one ordered read (DuckDB hands its rows over a chunk of 2,048 at a time) and writes a page of 1,000 at a time, so the JavaScript side holds one page whatever the segment's size; what it gains with the size is DuckDB's own sort for the key order (native memory, spilled to disk past DuckDB's limit), as `COPY`'s does.",
    ].join("\n");
  } finally {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
