/**
 * Where the analysis's time goes on bench/parse's corpus, per phase and kind of condition, as the benchmark
 * runs it (each condition's parse and check, then its analysis: the analysis's code and data are cold
 * after them, which a loop over the analysis alone would hide):
 *
 *   node node_modules/typescript/bin/tsc -p tsconfig.build.json --outDir /tmp/b --declaration false
 *   npx tsx bench/analysis/phases.ts /tmp/b
 *
 * (the build's directory must see this checkout's node_modules: under it, e.g. node_modules/.cache/b.)
 *
 * In chunks of 200 texts, each chunk runs in random order (so the machine's load hits all alike):
 * - parse + check alone (the baseline);
 * - parse + check + `analysisWarnings` (what the benchmark times);
 * - parse + check, then the phases of the default path by hand, each timed on its own: the regions
 *   (`buildRegions`) and the walk with its reports (`conditionWarnings`), by kind of condition: read-once
 *   (no walk), walked without a warning, walked with one or more.
 * The phases' timer (hrtime, about 0.1 µs a read) is measured and taken off. A walk with warnings costs
 * more than one without for its reports (texts, fewest parts, fixes): the difference per condition is
 * given as their estimate. CPU time for the rows, wall time for the phases: on a loaded machine compare
 * shares, not absolute figures.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { buildCorpus } from "../parse/corpus.js";

type Api = typeof import("../../src/index.js");
type Regions = typeof import("../../src/analysis/regions.js");
type Warnings = typeof import("../../src/analysis/warnings.js");
type Zone = typeof import("../../src/checker/zone.js");

const dir = process.argv[2];
if (!dir) {
  console.error("usage: npx tsx bench/analysis/phases.ts BUILD_DIR");
  process.exit(2);
}
const load = async <T>(path: string): Promise<T> => (await import(pathToFileURL(join(resolve(dir), path)).href)) as T;
const { analysisWarnings, check, parse, parseSchema } = await load<Api>("index.js");
const { buildRegions } = await load<Regions>("analysis/regions.js");
const { conditionWarnings } = await load<Warnings>("analysis/warnings.js");
const { zoneOf } = await load<Zone>("checker/zone.js");
const schemaText = readFileSync(new URL("../../data/telco/schema.json", import.meta.url), "utf8");
const corpus = buildCorpus(parseSchema(schemaText).fields, Number(process.env["SEGQL_BENCH_N"] ?? 10_000)).map((e) => e.segql);
const ROUNDS = Number(process.env["BENCH_ROUNDS"] ?? 10);
const WARMUP = 2;

const cpuUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
const now = () => process.hrtime.bigint();

type Kind = "readOnce" | "clean" | "warned";
const kinds: Kind[] = ["readOnce", "clean", "warned"];
const rows = { base: 0, full: 0, phased: 0 };
const phase = Object.fromEntries(kinds.map((k) => [k, { n: 0, regions: 0n, walk: 0n, warnings: 0 }])) as Record<Kind, { n: number; regions: bigint; walk: bigint; warnings: number }>;
let timerNs = 0n;
let timerReads = 0;
let other = 0; // conditions the regions leave to the reasoner (none on this corpus)

for (let round = 0; round < WARMUP + ROUNDS; round++) {
  const schema = parseSchema(schemaText);
  const zone = zoneOf(schema.timeZone);
  const counted = round >= WARMUP;
  for (let c0 = 0; c0 < corpus.length; c0 += 200) {
    const chunk = corpus.slice(c0, c0 + 200);
    for (const row of (["base", "full", "phased"] as const).slice().sort(() => Math.random() - 0.5)) {
      const t0 = cpuUs();
      if (row === "base") for (const text of chunk) check(parse(text).document, schema);
      else if (row === "full") for (const text of chunk) analysisWarnings(check(parse(text).document, schema).segments, { text });
      else {
        for (const text of chunk) {
          const seg = check(parse(text).document, schema).segments[0]!;
          const a = now();
          const o = buildRegions(seg.expr, schema, zone, text, seg.parts);
          const b = now();
          if (!o) {
            other++;
            continue;
          }
          const ws = o.readOnce ? [] : conditionWarnings(seg.expr, o, { text });
          const c = now();
          const e = now();
          if (!counted) continue;
          const p = phase[o.readOnce ? "readOnce" : ws.length > 0 ? "warned" : "clean"];
          p.n++;
          p.regions += b - a;
          p.walk += c - b;
          p.warnings += ws.length;
          timerNs += e - c;
          timerReads++;
        }
      }
      if (counted) rows[row] += cpuUs() - t0;
    }
  }
}

const N = corpus.length * ROUNDS;
const timer = Number(timerNs) / timerReads;
const base = rows.base / N;
const added = (rows.full - rows.base) / N;
// Wall time per phase (the timer taken off), per condition of the corpus; scaled below to the CPU time the
// phased row added to its parse + check (on a loaded machine wall time runs past CPU time, alike for all).
const wall = kinds.map((k) => {
  const p = phase[k];
  const r = p.n === 0 ? 0 : Number(p.regions) / p.n - timer;
  const w = p.n === 0 || k === "readOnce" ? 0 : Number(p.walk) / p.n - timer;
  return { k, share: p.n / N, r, w, warnings: p.n === 0 ? 0 : p.warnings / p.n };
});
const wallTotal = wall.reduce((sum, x) => sum + x.share * (x.r + x.w), 0);
const scale = (rows.phased - rows.base) / N / (wallTotal / 1000);
const us = (ns: number) => ((ns * scale) / 1000).toFixed(2);
const pct = (ns: number) => `${((ns / wallTotal) * 100).toFixed(0)}%`;
console.log(`parse + check ${base.toFixed(2)} µs per condition (CPU); the analysis adds ${added.toFixed(2)} µs (${((added / base) * 100).toFixed(0)}%) as benchmarked, ${((rows.phased - rows.base) / N).toFixed(2)} µs by phases (the timer, ${timer.toFixed(0)} ns a read, taken off; wall time scaled by ${scale.toFixed(2)} to CPU time)`);
for (const x of wall) {
  if (x.share === 0) continue;
  console.log(`${x.k.padEnd(8)} ${(x.share * 100).toFixed(0).padStart(3)}% of the conditions: regions ${us(x.r)} µs, walk ${us(x.w)} µs each${x.warnings ? ` (${x.warnings.toFixed(2)} warnings)` : ""}; per condition of the corpus ${us(x.share * x.r)} + ${us(x.share * x.w)} µs (${pct(x.share * x.r)} + ${pct(x.share * x.w)} of the analysis)`);
}
const clean = wall.find((x) => x.k === "clean")!;
const warned = wall.find((x) => x.k === "warned")!;
const regions = wall.reduce((sum, x) => sum + x.share * x.r, 0);
const walk = wall.reduce((sum, x) => sum + x.share * x.w, 0);
const reports = warned.share * (warned.w - clean.w);
console.log(`per condition of the corpus: regions ${us(regions)} µs (${pct(regions)}), walk ${us(walk)} µs (${pct(walk)}), of which the reports about ${us(reports)} µs (${pct(reports)}: a warned walk's excess over a clean one)${other ? `; ${other} conditions left to the reasoner (not timed)` : ""}`);
