/**
 * `npm run bench -- analysis`: what the static analysis (src/analysis) adds to checking, on bench/parse's
 * corpus (10,000 generated conditions of 5-15 rules over the telco schema), and how long `relate` takes.
 *
 * Rows, each over the whole corpus, interleaved per round (machine load affects all alike), median of
 * ROUNDS rounds after WARMUP warm-up rounds; what a row adds to the check is the median of its per-round
 * ratio to that round's check (paired: a slow round slows both):
 * - baseline: `parse` then `check`, as `segql check` does before this issue;
 * - + analysis, nothing kept between texts (the default: `segql check`, `analyze()`);
 * - + analysis, kept between the texts of a round (`share: true`, as the language service does; a fresh
 *   schema object per round, so every round starts cold);
 * - + analysis by the reasoner alone (`regions: false`: formulas and search for every condition, with the
 *   warning-free fast path, as before the regions), to show what the regions save (it and the default row
 *   alternate in order from round to round).
 * The goal (issue 16): the analysis adds less than 20% to the check time. Measured on a fresh `tsc` build
 * of src/ (as `bin/segql.js` runs it), not through tsx.
 *
 * The language server: bench/lsp's 500-line segment file, one character edited in a declaration per
 * iteration: the language service's diagnostics (what the server publishes: incremental parse, check, the
 * analysis's warnings), p50/p95 against bench/lsp's goal (p95 under 10 ms for diagnostics after an edit);
 * beside it, a whole-text check with and without the analysis of every segment.
 *
 * `relate` is timed on pairs drawn from the same corpus (a condition against itself with one more rule).
 */
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { buildCorpus } from "../parse/corpus.js";
import { benchFile } from "../lsp/index.js";

type Api = typeof import("../../src/index.js");

const here = dirname(fileURLToPath(import.meta.url));
const ROOT = join(here, "..", "..");
const BUILD = join(ROOT, "node_modules", ".cache", "segql-bench-analysis");
const SCHEMA_PATH = join(ROOT, "data", "telco", "schema.json");
const N = Number(process.env["SEGQL_BENCH_N"] ?? 10_000);
const ROUNDS = Number(process.env["BENCH_ROUNDS"] ?? 9);
/** Rounds run first and not counted (the compiler and the heap settle over the first two). */
const WARMUP = 2;

function build(): void {
  rmSync(BUILD, { recursive: true, force: true });
  try {
    execFileSync(process.execPath, [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", join(ROOT, "tsconfig.build.json"), "--outDir", BUILD, "--declaration", "false"], { cwd: ROOT, stdio: "pipe" });
  } catch (e) {
    // Type errors elsewhere in the tree still emit JavaScript; only a missing output is fatal.
    console.log(`  (tsc reported problems; using its output anyway)\n${String((e as { stdout?: unknown }).stdout ?? "").split("\n").slice(0, 5).join("\n")}`);
  }
}

/** The process's CPU time (user + system) in ms: other work on the machine does not inflate it as it does wall time. */
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function run(): Promise<string> {
  console.log("building src/ with tsc…");
  build();
  const api = (await import(pathToFileURL(join(BUILD, "index.js")).href)) as Api;
  const { analysisWarnings, check, parse, parseSchema, relate } = api;
  const { LanguageService } = (await import(pathToFileURL(join(BUILD, "service", "index.js")).href)) as typeof import("../../src/service/index.js");
  const schemaText = readFileSync(SCHEMA_PATH, "utf8");
  const corpus = buildCorpus(parseSchema(schemaText).fields, N).map((e) => e.segql);
  const load = loadavg()[0]!;

  const rows = { base: [] as number[], cold: [] as number[], warm: [] as number[], walk: [] as number[] };
  let warned = 0;
  const added = { cold: [] as number[], warm: [] as number[], walk: [] as number[] };
  for (let round = 0; round < WARMUP + ROUNDS; round++) {
    // A fresh schema object per round: the analysis keeps its reasoning per schema, so each round is cold.
    const schema = parseSchema(schemaText);
    let t0 = cpuMs();
    for (const text of corpus) check(parse(text).document, schema);
    const base = cpuMs() - t0;
    // The default and the row without the fast path, in alternating order (the row after the baseline
    // tends to pay for the collector's work left by it, which would bias a fixed order).
    const timed = (regions: boolean): number => {
      const start = cpuMs();
      for (const text of corpus) analysisWarnings(check(parse(text).document, schema).segments, { text, regions });
      return cpuMs() - start;
    };
    let cold: number;
    let walk: number;
    if (round % 2 === 0) {
      cold = timed(true);
      walk = timed(false);
    } else {
      walk = timed(false);
      cold = timed(true);
    }
    t0 = cpuMs();
    let w = 0;
    for (const text of corpus) w += analysisWarnings(check(parse(text).document, schema).segments, { text, share: true }).length > 0 ? 1 : 0;
    const warm = cpuMs() - t0;
    warned = w;
    console.log(`round ${round}${round < WARMUP ? " (warm-up)" : ""}: check ${base.toFixed(0)} ms, + analysis (fresh) ${cold.toFixed(0)} ms, + analysis (kept) ${warm.toFixed(0)} ms, + analysis by the reasoner alone ${walk.toFixed(0)} ms`);
    if (round < WARMUP) continue;
    added.cold.push((cold - base) / base);
    added.warm.push((warm - base) / base);
    added.walk.push((walk - base) / base);
    rows.base.push(base);
    rows.cold.push(cold);
    rows.warm.push(warm);
    rows.walk.push(walk);
  }
  const base = median(rows.base);
  const cold = median(rows.cold);
  const warm = median(rows.warm);
  const walk = median(rows.walk);
  // How the conditions were decided (not timed): by the regions (read-once: no walk; or walked), or left
  // to the reasoner (not modelled, or the regions' search gave up); and how many questions the walks asked.
  const { buildRegions, RegionsGaveUp } = (await import(pathToFileURL(join(BUILD, "analysis", "regions.js")).href)) as typeof import("../../src/analysis/regions.js");
  const { conditionWarnings } = (await import(pathToFileURL(join(BUILD, "analysis", "warnings.js")).href)) as typeof import("../../src/analysis/warnings.js");
  const { zoneOf } = (await import(pathToFileURL(join(BUILD, "checker", "zone.js")).href)) as typeof import("../../src/checker/zone.js");
  const countSchema = parseSchema(schemaText);
  const counts = { readOnce: 0, walked: 0, notModelled: 0, gaveUp: 0, questions: 0, steps: 0 };
  for (const text of corpus) {
    const seg = check(parse(text).document, countSchema).segments[0];
    if (!seg) continue;
    const o = buildRegions(seg.expr, countSchema, zoneOf(countSchema.timeZone), text);
    if (!o) counts.notModelled++;
    else if (o.readOnce) counts.readOnce++;
    else {
      try {
        conditionWarnings(seg.expr, o, { text });
        counts.walked++;
      } catch (e) {
        if (!(e instanceof RegionsGaveUp)) throw e;
        counts.gaveUp++;
      }
      counts.questions += o.questions;
      counts.steps += o.steps;
    }
  }
  const pct = (row: number[]) => `${(median(row) * 100).toFixed(0)}%`;

  // The language service's work after an edit, with and without the analysis: bench/lsp's in-process
  // measure (the service's incremental diagnostics), and beside it a whole-text check with and without the
  // analysis of every segment (what the service avoids by keeping unchanged declarations' warnings).
  const crmText = readFileSync(join(ROOT, "test", "fixtures", "crm-schema.json"), "utf8");
  const crm = parseSchema(crmText);
  const file = benchFile(500);
  const middle = file.indexOf("lifetime_value >", Math.floor(file.length / 2)) + "lifetime_value > ".length;
  const service = new LanguageService({ project: () => ({ key: "bench", schema: crm }) });
  const uri = "file:///bench.segql";
  service.setDocument(uri, file);
  const fileWarnings = service.diagnostics(uri).length;
  const serviceDiag: number[] = [];
  const checkOnly: number[] = [];
  const withAnalysis: number[] = [];
  for (let k = 0; k < 340; k++) {
    const edited = file.slice(0, middle) + (k % 2 === 0 ? "9" : "") + file.slice(middle);
    let t0 = performance.now();
    service.setDocument(uri, edited);
    service.diagnostics(uri);
    const s = performance.now() - t0;
    t0 = performance.now();
    check(parse(edited).document, crm);
    const a = performance.now() - t0;
    t0 = performance.now();
    const checked = check(parse(edited).document, crm);
    analysisWarnings(checked.segments, { text: edited, share: true });
    const b = performance.now() - t0;
    if (k >= 40) {
      serviceDiag.push(s);
      checkOnly.push(a);
      withAnalysis.push(b);
    }
  }
  const q = (xs: number[], p: number) => [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

  // relate: each condition against itself with one more rule (an inclusion to prove, a witness to find).
  const schema = parseSchema(schemaText);
  const pairs = corpus.slice(0, 300).map((text, i) => [text, `(${text}) and (${corpus[(i + 1) % corpus.length]!.split(" and ")[0]})`] as const);
  const typed = pairs.flatMap(([a, b]) => {
    const ca = check(parse(a).document, schema).segments[0];
    const cb = check(parse(b).document, schema).segments[0];
    return ca && cb ? [[ca, cb] as const] : [];
  });
  const times: number[] = [];
  const relations = new Map<string, number>();
  for (const [a, b] of typed) {
    const t0 = performance.now();
    const r = relate(a, b, { steps: 50_000 });
    times.push(performance.now() - t0);
    relations.set(r.relation, (relations.get(r.relation) ?? 0) + 1);
  }
  times.sort((x, y) => x - y);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;

  const ms = (x: number) => x.toFixed(0);
  return `## Static analysis (\`bench/analysis\`)

bench/parse's corpus: ${N.toLocaleString("en-US")} generated conditions of 5-15 rules over the telco schema. ${warned.toLocaleString("en-US")} of them (${((warned / N) * 100).toFixed(0)}%) get an analysis warning: the generator picks fields and values at random, so contradictions, tautologies and repeats are common. Process CPU time (user + system: the other processes on the machine do not inflate it as they do wall time), median of ${ROUNDS} rounds after ${WARMUP} warm-up rounds, rows interleaved; "added to check" is the median of each round's ratio to that round's check; a fresh \`tsc\` build of src/. Machine load average when the run started: ${load.toFixed(1)} on ${cpus().length} cores.

| what | CPU ms for the corpus | per condition | added to check |
|---|---:|---:|---:|
| parse + check (baseline) | ${ms(base)} | ${((base / N) * 1000).toFixed(0)} µs | |
| parse + check + analysis, nothing kept between texts (the default: \`segql check\`, \`analyze()\`) | ${ms(cold)} | ${((cold / N) * 1000).toFixed(0)} µs | ${pct(added.cold)} |
| parse + check + analysis, reasoning and warnings kept between the texts of a round (\`share: true\`, as the language service) | ${ms(warm)} | ${((warm / N) * 1000).toFixed(0)} µs | ${pct(added.warm)} |
| parse + check + analysis by the reasoner alone (\`regions: false\`: formulas and search, with the warning-free fast path, as before the regions) | ${ms(walk)} | ${((walk / N) * 1000).toFixed(0)} µs | ${pct(added.walk)} |

How the default decides (src/analysis/regions.ts): ${counts.readOnce.toLocaleString("en-US")} conditions are read-once (every field's rules meet in every combination: no warning possible, no walk), ${counts.walked.toLocaleString("en-US")} are walked over their regions (${(counts.questions / Math.max(1, counts.walked)).toFixed(1)} questions and ${(counts.steps / Math.max(1, counts.walked)).toFixed(0)} search steps each on average), ${counts.notModelled.toLocaleString("en-US")} are not modelled and ${counts.gaveUp.toLocaleString("en-US")} gave up on their steps (both left to the reasoner). The default row takes ${(cold / walk).toFixed(2)}× the time of the reasoner's row (the two alternate in order per round).

Goal: the analysis adds less than 20% to the check time: ${median(added.warm) < 0.2 ? "met" : "NOT met"} with reasoning kept, ${median(added.cold) < 0.2 ? "met" : "NOT met"} by default.

Language service, after an edit (bench/lsp's ${file.split("\n").length}-line file of ${file.split("\n").filter((l) => l.startsWith("segment ")).length} segments and its edit, one character in a declaration in the middle, ${serviceDiag.length} edits, in process; the file gets ${fileWarnings} diagnostics): the service's diagnostics (incremental parse, check, the analysis's warnings, kept for unchanged declarations) p50 ${q(serviceDiag, 0.5).toFixed(2)} ms, p95 ${q(serviceDiag, 0.95).toFixed(2)} ms, against bench/lsp's goal of p95 under 10 ms. For scale, a whole-text parse + check p50 ${q(checkOnly, 0.5).toFixed(2)} ms, p95 ${q(checkOnly, 0.95).toFixed(2)} ms; with the analysis of every segment (reasoning and warnings kept between edits, as in the service) p50 ${q(withAnalysis, 0.5).toFixed(2)} ms, p95 ${q(withAnalysis, 0.95).toFixed(2)} ms.

\`relate\` on ${typed.length} pairs (a condition and the same with one more rule): p50 ${at(0.5).toFixed(1)} ms, p95 ${at(0.95).toFixed(1)} ms, max ${at(1).toFixed(1)} ms; answers ${[...relations].map(([k, v]) => `${k} ${v}`).join(", ")}.
`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(await run());
}
