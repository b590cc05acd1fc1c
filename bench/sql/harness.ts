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
  /**
   * Best process CPU time (user + system, all of DuckDB's threads) of each: less moved by the machine's
   * other work than wall time, which on a shared machine includes waiting for a core.
   */
  segqlCpuMs: number;
  handCpuMs: number;
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

async function timeOnce(con: DuckDBConnection, sql: string): Promise<{ ms: number; cpuMs: number; count: bigint }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const reader = await con.runAndReadAll(sql);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000, count: BigInt(reader.getRows()[0]![0] as bigint | number) };
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
  let segqlCpuMs = Infinity;
  let handCpuMs = Infinity;
  for (let i = 0; i < passes; i++) {
    const order = i % 2 === 0 ? [true, false] : [false, true];
    for (const segqlFirst of order) {
      const r = await timeOnce(con, segqlFirst ? pair.segql : pair.hand);
      if (r.count !== a.count) throw new Error(`${pair.label}: count changed between runs`);
      if (segqlFirst) (segqlMs = Math.min(segqlMs, r.ms)), (segqlCpuMs = Math.min(segqlCpuMs, r.cpuMs));
      else (handMs = Math.min(handMs, r.ms)), (handCpuMs = Math.min(handCpuMs, r.cpuMs));
    }
  }
  const samePlan = (await plan(con, pair.segql)) === (await plan(con, pair.hand));
  log(
    `  ${pair.label}: segql ${segqlMs.toFixed(0)} ms, hand-written ${handMs.toFixed(0)} ms, ratio ${(segqlMs / handMs).toFixed(2)}x; ` +
      `CPU ${segqlCpuMs.toFixed(0)} / ${handCpuMs.toFixed(0)} ms, ${(segqlCpuMs / handCpuMs).toFixed(2)}x; count ${a.count}${samePlan ? ", same plan" : ""}`,
  );
  return { label: pair.label, segqlMs, handMs, segqlCpuMs, handCpuMs, count: a.count, samePlan };
}

/** The physical plan's text, without estimates (which vary). */
async function plan(con: DuckDBConnection, sql: string): Promise<string> {
  const rows = (await con.runAndReadAll(`EXPLAIN ${sql}`)).getRows();
  return rows.map((r) => String(r[1])).join("\n").replace(/~[\d,.]+ rows?/g, "");
}

/** The Markdown table of `rows`; `cpu` adds the ratio of best process CPU times beside wall time's. */
export function table(rows: Measured[], what: string, { cpu = false }: { cpu?: boolean } = {}): string {
  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
  const lines = [
    `| condition | segql SQL | hand-written SQL | segql / hand-written |${cpu ? " CPU time, segql / hand-written |" : ""} same plan | ${what} |`,
    `| --- | ---: | ---: | ---: |${cpu ? " ---: |" : ""} :---: | ---: |`,
    ...rows.map(
      (r) =>
        `| ${r.label} | ${r.segqlMs.toFixed(0)} ms | ${r.handMs.toFixed(0)} ms | ${ratio(r.segqlMs, r.handMs)} |` +
        `${cpu ? ` ${r.segqlCpuMs.toFixed(0)} / ${r.handCpuMs.toFixed(0)} ms = ${ratio(r.segqlCpuMs, r.handCpuMs)} |` : ""} ${r.samePlan ? "yes" : "no"} | ${r.count.toLocaleString("en-US")} |`,
    ),
  ];
  return lines.join("\n");
}
