/**
 * bench/segments: the segments store on DuckDB (a file) and on PostgreSQL (a server), 100 saved dynamic
 * segments over generated contacts and events (contacts = events / 20; generated inside each database
 * from hashes of the row number). The same measures on each engine (measure.ts), each beside hand-written
 * SQL doing the same work on the same database:
 *
 * 1. preview (count + per-condition counts + first page of 20) of contact rules and of an event rule:
 *    p50 / p95 over repeated runs, and the process's CPU time per preview. Beside it, hand-written SQL
 *    doing the least a preview needs (the count and the first page, two statements), interleaved run by
 *    run. Goal: p95 < 100 ms for contact rules.
 * 2. refresh of the 100 segments after 1% of the contacts changed, against hand-written SQL doing the
 *    same work (for each segment, one transaction: the members by a hand-written condition diffed
 *    against the materialised ones, changes logged, memberships updated). The two alternate on the same
 *    database (the data changes forth, one refreshes; back, the other refreshes), best of the rounds.
 *    Goal: ≤ 1.2x.
 * 3. contact upsert → membership change visible in the change feed (upsert, then read the feed after
 *    the last cursor): p50 / p95 and CPU time. Beside it, hand-written SQL making the same writes while
 *    knowing the answer (no evaluation, no reads), then the same feed read; interleaved. Goal: p95 < 5 ms.
 *
 * Environment:
 * - `SEGQL_BENCH_SEGMENTS_ENGINES`: which engines to run, comma-separated (default `duckdb,postgres`).
 *   An engine not run keeps its figures from BENCHMARKS.md (with the date they were measured).
 * - `SEGQL_BENCH_SEGMENTS_EVENTS`: DuckDB's number of events (default 20,000,000: 1M contacts).
 * - `SEGQL_BENCH_SEGMENTS_PG_EVENTS`: PostgreSQL's number of events (default 20,000,000: 1M contacts).
 * - `PG_URL`: the PostgreSQL server to use (the bench works in a schema of its own and drops it);
 *   without it the bench starts a throwaway server from the Debian binaries, or skips PostgreSQL when
 *   there are none (postgres.ts).
 */
import { existsSync, readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { duckdbEngine } from "./duckdb.js";
import type { Engine } from "./engine.js";
import { measure } from "./measure.js";
import { postgresEngine } from "./postgres.js";
import { NOW } from "./workload.js";

const count = (name: string, fallback: number) => {
  const raw = process.env[name];
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name}: expected a positive whole number of events, found ${JSON.stringify(raw)}`);
  return n;
};

/** Every engine, in report order. */
function engines(): Engine[] {
  return [duckdbEngine(count("SEGQL_BENCH_SEGMENTS_EVENTS", 20_000_000)), postgresEngine(count("SEGQL_BENCH_SEGMENTS_PG_EVENTS", 20_000_000))];
}

/** The engines `SEGQL_BENCH_SEGMENTS_ENGINES` names (all by default); an unknown name is an error. */
function selected(all: Engine[]): Set<string> {
  const raw = process.env["SEGQL_BENCH_SEGMENTS_ENGINES"];
  if (raw === undefined || raw.trim() === "") return new Set(all.map((e) => e.key));
  const names = raw.split(",").map((s) => s.trim().toLowerCase()).filter((s) => s !== "");
  for (const n of names) if (!all.some((e) => e.key === n)) throw new Error(`SEGQL_BENCH_SEGMENTS_ENGINES: unknown engine '${n}' (known: ${all.map((e) => e.key).join(", ")})`);
  return new Set(names);
}

/** An engine subsection's heading (the first form is the one of the DuckDB-only bench, still read). */
const heading = (title: string) => `### bench/segments on ${title}`;
const HEADING = /^(?:## bench\/segments: the segments store \((\w+)\)|### bench\/segments on (\w+))$/m;
/** The place before each heading (without groups: split would return a lookahead's groups too). */
const BEFORE_HEADING = /^(?=(?:## bench\/segments: the segments store \(\w+\)|### bench\/segments on \w+)$)/m;

/**
 * The engine subsections of the segments section now in BENCHMARKS.md, by engine title, each ending with
 * the line saying when it was measured (added from the section's run line to a subsection without one).
 */
function previousSubsections(): Map<string, string> {
  const out = new Map<string, string>();
  const file = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "BENCHMARKS.md");
  if (!existsSync(file)) return out;
  const section = /<!-- bench:segments -->\n([\s\S]*?)<!-- \/bench:segments -->/.exec(readFileSync(file, "utf8"))?.[1];
  if (!section) return out;
  const run = /^_Run (\S+) on (.*?)\._\s*$/m.exec(section);
  const body = section.replace(/^_Run .*$/m, "");
  for (const part of body.split(BEFORE_HEADING)) {
    const m = HEADING.exec(part);
    if (!m || m.index !== 0) continue;
    const title = m[1] ?? m[2]!;
    let text = part.replace(HEADING, heading(title)).trim();
    if (!/^_Measured /m.test(text) && run) text += `\n\n_Measured ${run[1]} on ${run[2]}._`;
    out.set(title, text);
  }
  return out;
}

/** The contacts figure a subsection starts with ("1,000,000 contacts, …"), if any. */
function contactsOf(subsection: string): number | null {
  const m = /^([\d,]+) contacts, /m.exec(subsection);
  return m ? Number(m[1]!.replace(/,/g, "")) : null;
}

export async function run(): Promise<string> {
  const log = (s: string) => console.log(s);
  const all = engines();
  const wanted = selected(all);
  const previous = previousSubsections();
  const parts: { engine: Engine; text: string }[] = [];
  for (const engine of all) {
    if (!wanted.has(engine.key)) {
      const kept = previous.get(engine.title);
      if (kept) parts.push({ engine, text: kept });
      log(`  ${engine.title}: not run (SEGQL_BENCH_SEGMENTS_ENGINES)${kept ? ", its previous figures kept" : ""}`);
      continue;
    }
    log(`  ${engine.title}: ${engine.contacts.toLocaleString("en-US")} contacts, ${engine.events.toLocaleString("en-US")} events`);
    const loadBefore = loadavg();
    const started = new Date().toISOString();
    const opened = await engine.open(NOW);
    if ("skipped" in opened) {
      log(`  ${engine.title}: skipped (${opened.skipped})`);
      const kept = previous.get(engine.title);
      parts.push({ engine, text: kept ?? `${heading(engine.title)}\n\nSkipped: ${opened.skipped}.` });
      continue;
    }
    try {
      const text = await measure(engine, opened, loadBefore, log);
      parts.push({ engine, text: `${heading(engine.title)}\n\n${text}\n\n_Measured ${started} on Node ${process.version}._` });
    } finally {
      await opened.close();
    }
  }
  const scales = parts.map((p) => ({ title: p.engine.title, contacts: contactsOf(p.text) }));
  const same = scales.every((s) => s.contacts === scales[0]?.contacts);
  const intro =
    scales.length > 1
      ? `The segments store on ${parts.map((p) => p.engine.title).join(" and ")}: the same measures on each engine, each beside hand-written SQL on the same database (so compare the ratios to each engine's own hand-written SQL; absolute times also depend on the machine's load, stated per engine). ${
          same
            ? `Both at ${scales[0]!.contacts?.toLocaleString("en-US")} contacts, with the same distributions drawn by each engine's own hash function (so counts differ slightly).`
            : `**The scales differ**: ${scales.map((s) => `${s.title} ${s.contacts?.toLocaleString("en-US") ?? "?"} contacts`).join(", ")}; absolute times are not comparable across engines.`
        }`
      : "";
  return ["## bench/segments: the segments store", intro, ...parts.map((p) => p.text)].filter((s) => s !== "").join("\n\n");
}
