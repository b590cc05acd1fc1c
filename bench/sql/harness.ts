/**
 * Shared by bench/sql and bench/events: a DuckDB in-memory database, interleaved timing of segql's SQL
 * against hand-written SQL, and the Markdown table.
 */
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";

/** One condition: segql's SQL and the hand-written SQL for the same rules (both `SELECT count(*) …`). */
export interface Pair {
  label: string;
  expression: string;
  segql: string;
  hand: string;
}

export interface Measured {
  label: string;
  segqlMs: number;
  handMs: number;
  count: bigint;
  /** DuckDB's physical plans of both statements are the same (EXPLAIN compared). */
  samePlan: boolean;
}

export async function openDuckDb(): Promise<{ con: DuckDBConnection; close: () => void }> {
  const instance = await DuckDBInstance.create(":memory:");
  const con = await instance.connect();
  await con.run("SET TimeZone = 'UTC'");
  return { con, close: () => (con.closeSync(), instance.closeSync()) };
}

async function timeOnce(con: DuckDBConnection, sql: string): Promise<{ ms: number; count: bigint }> {
  const t0 = performance.now();
  const reader = await con.runAndReadAll(sql);
  const ms = performance.now() - t0;
  return { ms, count: BigInt(reader.getRows()[0]![0] as bigint | number) };
}

/**
 * Best of `passes` interleaved runs (segql, hand-written, segql, …) after one warm-up run of each, so
 * both see the same caches and machine load. Fails when the counts differ.
 */
export async function measure(con: DuckDBConnection, pair: Pair, passes: number, log: (s: string) => void): Promise<Measured> {
  const a = await timeOnce(con, pair.segql);
  const b = await timeOnce(con, pair.hand);
  if (a.count !== b.count) throw new Error(`${pair.label}: segql counted ${a.count}, hand-written ${b.count}\n${pair.segql}\n${pair.hand}`);
  let segqlMs = Infinity;
  let handMs = Infinity;
  for (let i = 0; i < passes; i++) {
    const order = i % 2 === 0 ? [true, false] : [false, true];
    for (const segqlFirst of order) {
      const r = await timeOnce(con, segqlFirst ? pair.segql : pair.hand);
      if (r.count !== a.count) throw new Error(`${pair.label}: count changed between runs`);
      if (segqlFirst) segqlMs = Math.min(segqlMs, r.ms);
      else handMs = Math.min(handMs, r.ms);
    }
  }
  const samePlan = (await plan(con, pair.segql)) === (await plan(con, pair.hand));
  log(`  ${pair.label}: segql ${segqlMs.toFixed(0)} ms, hand-written ${handMs.toFixed(0)} ms, ratio ${(segqlMs / handMs).toFixed(2)}x, count ${a.count}${samePlan ? ", same plan" : ""}`);
  return { label: pair.label, segqlMs, handMs, count: a.count, samePlan };
}

/** The physical plan's text, without estimates (which vary). */
async function plan(con: DuckDBConnection, sql: string): Promise<string> {
  const rows = (await con.runAndReadAll(`EXPLAIN ${sql}`)).getRows();
  return rows.map((r) => String(r[1])).join("\n").replace(/~[\d,.]+ rows?/g, "");
}

export function table(rows: Measured[], what: string): string {
  const lines = [
    `| condition | segql SQL | hand-written SQL | segql / hand-written | same plan | ${what} |`,
    "| --- | ---: | ---: | ---: | :---: | ---: |",
    ...rows.map((r) => `| ${r.label} | ${r.segqlMs.toFixed(0)} ms | ${r.handMs.toFixed(0)} ms | ${(r.segqlMs / r.handMs).toFixed(2)}x | ${r.samePlan ? "yes" : "no"} | ${r.count.toLocaleString("en-US")} |`),
  ];
  return lines.join("\n");
}
