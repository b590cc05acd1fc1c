/**
 * `npm run bench -- parse`: segql's parse and parse+check throughput on 10,000 generated conditions of
 * 5-15 rules over the telco schema, side by side in the same run with segql as it was before issue 14
 * (the CST parser with its visitor, Chevrotain's lexer, the checker of then) and with jsep,
 * @marcbachmann/cel-js and react-querybuilder's parseSQL reading the same conditions in their own syntax
 * (bench/parse/corpus.ts).
 *
 * Method: each group of parsers runs in its own process (bench/parse/child.ts: today's segql, its
 * `analyze`, segql before issue 14, the peers), because Chevrotain parser classes built in one process slow
 * each other down. A process reads the corpus once per round per parser: 2 warm-up rounds, then
 * ROUNDS_PER_PROCESS measured rounds; the groups' processes take turns PASSES times, and the median of all
 * measured rounds is reported. Time is each process's CPU time (on this shared machine wall time mostly
 * measures waiting for a core). MB/s counts each parser's own text (UTF-8 bytes).
 *
 * segql is measured as compiled JavaScript: src/ of this tree, and of the commit before issue 14 (taken
 * with `git archive`), each bundled by esbuild from the same entry (parse, check, analyze, parseSchema)
 * into node_modules/.cache/segql-bench-parse. Running the TypeScript through tsx would measure tsx's
 * transform instead (it wraps every closure created in a hot loop, 1.5-3× here).
 *
 * Goals (issue 14): parse+check ≥ 3× the throughput of segql before issue 14; and the longer-standing
 * one, parse+check at least as fast as the fastest peer's parse alone.
 */
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const CACHE = join(root, "node_modules", ".cache", "segql-bench-parse");
/** The last commit before issue 14's parser (6072791): segql's front end as it was. */
const BEFORE = "09eabee";
const N = 10_000;
const PASSES = Number(process.env["BENCH_PASSES"] ?? 3);
const ROUNDS_PER_PROCESS = Number(process.env["BENCH_ROUNDS"] ?? 3);

/** Bundles `src` (a src/ directory) from one entry exporting what the child needs; returns the file. */
async function bundleSegql(src: string, name: string, withLex: boolean): Promise<string> {
  const entry = join(CACHE, `${name}-entry.ts`);
  const out = join(CACHE, `${name}.mjs`);
  const from = (p: string) => JSON.stringify(join(src, p));
  writeFileSync(entry, [
    `export { parse } from ${from("parser/index.ts")};`,
    `export { check } from ${from("checker/index.ts")};`,
    `export { analyze } from ${from("index.ts")};`,
    `export { parseSchema } from ${from("schema/schema.ts")};`,
    ...(withLex ? [`export { lex as segqlLex } from ${from("parser/lexer.ts")};`] : []),
  ].join("\n"));
  await build({ entryPoints: [entry], outfile: out, bundle: true, format: "esm", platform: "node", target: "node20", packages: "external", logLevel: "error" });
  return out;
}

/** src/ of the commit before issue 14, extracted once into the cache. */
function beforeSources(): string {
  const dir = join(CACHE, `before-${BEFORE}`);
  if (!existsSync(join(dir, "src", "index.ts"))) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const tar = execFileSync("git", ["archive", "--format=tar", BEFORE, "src"], { cwd: root, maxBuffer: 1 << 28 });
    execFileSync("tar", ["-x", "-C", dir], { input: tar });
    // At that commit src/parser/tokens.ts is committed under its later name, vocabulary.ts (same content;
    // ee907a2 took a rename staged in the shared index), while the modules still import ./tokens.js.
    const parser = join(dir, "src", "parser");
    if (!existsSync(join(parser, "tokens.ts")) && existsSync(join(parser, "vocabulary.ts"))) copyFileSync(join(parser, "vocabulary.ts"), join(parser, "tokens.ts"));
  }
  return join(dir, "src");
}

interface ChildResult {
  times: Record<string, number[]>;
  bytes: Record<string, number>;
  counts: Record<string, number>;
}

/** Runs one group's process; resolves with its measured rounds. */
function runChild(group: string, current: string, before: string): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(here, "child.ts"), group, String(ROUNDS_PER_PROCESS), current, before], { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.on("exit", (code) => {
      if (code !== 0) return reject(new Error(`bench/parse: the ${group} process exited ${code}`));
      resolve(JSON.parse(out.trim().split("\n").at(-1)!) as ChildResult);
    });
  });
}

/** What each row measures. */
const WHAT: Record<string, string> = {
  "segql parse+check": "`parse(text)` then `check(document, schema)`: AST with spans, typed AST, diagnostics",
  "segql parse": "`parse(text)`: AST with spans, diagnostics",
  "segql lex": "the lexer alone (hand-written, Chevrotain tokens), a part of parse",
  "segql analyze": "`analyze(text, schema)`: parse+check and the static analysis's warnings",
  "before: segql parse+check": `parse+check as of ${BEFORE}, before issue 14 (CST parser + visitor, Chevrotain lexer)`,
  "before: segql parse": `parse as of ${BEFORE}, before issue 14`,
  jsep: "`jsep(text)` (JS expression AST)",
  "cel-js": "`parse(text)` of @marcbachmann/cel-js (CEL AST + evaluator closure)",
  "react-querybuilder parseSQL": "`parseSQL(text)` (SQL WHERE → rule group; the first 1,000 conditions)",
};

export async function run(): Promise<string> {
  mkdirSync(CACHE, { recursive: true });
  console.log(`bundling segql (this tree, and ${BEFORE} before issue 14)…`);
  const current = await bundleSegql(join(root, "src"), "current", true);
  const before = await bundleSegql(beforeSources(), `before-${BEFORE}`, false);
  const times = new Map<string, number[]>();
  const bytes = new Map<string, number>();
  const counts = new Map<string, number>();
  const loads: number[] = [];
  for (let pass = 1; pass <= PASSES; pass++) {
    for (const group of ["segql", "before", "analyze", "peers"]) {
      loads.push(loadavg()[0]!);
      const r = await runChild(group, current, before);
      for (const [name, ms] of Object.entries(r.times)) times.set(name, [...(times.get(name) ?? []), ...ms]);
      for (const [name, b] of Object.entries(r.bytes)) bytes.set(name, b);
      for (const [name, n] of Object.entries(r.counts)) counts.set(name, n);
      console.log(`pass ${pass}/${PASSES} ${group}: ${Object.entries(r.times).map(([n, ms]) => `${n} ${ms.map((x) => x.toFixed(0)).join("/")}ms`).join(", ")}`);
    }
  }

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const order = ["segql parse+check", "segql parse", "segql lex", "segql analyze", "before: segql parse+check", "before: segql parse", "jsep", "cel-js", "react-querybuilder parseSQL"];
  const rows = order.map((name) => {
    const ms = median(times.get(name)!);
    // Per expression: react-querybuilder reads fewer conditions (see child.ts).
    const n = counts.get(name)!;
    return { name, ms: (ms * N) / n, perSec: (n / ms) * 1000, mbPerSec: bytes.get(name)! / 1e6 / (ms / 1000) };
  });
  const row = (name: string) => rows.find((r) => r.name === name)!;
  const base = row("segql parse+check");
  const peers = rows.filter((r) => !r.name.includes("segql"));
  const fastestPeer = peers.reduce((a, b) => (b.perSec > a.perSec ? b : a));
  const avgBytes = Math.round(bytes.get("segql parse")! / N);
  const table = [
    "| parser | what it does | expressions/s | MB/s | time vs segql parse+check |",
    "|---|---|---:|---:|---:|",
    ...rows.map((r) => `| ${r.name} | ${WHAT[r.name]} | ${Math.round(r.perSec).toLocaleString("en-US")} | ${r.mbPerSec.toFixed(1)} | ${(r.ms / base.ms).toFixed(2)}× |`),
  ].join("\n");
  const speedup = base.perSec / row("before: segql parse+check").perSec;
  const parseSpeedup = row("segql parse").perSec / row("before: segql parse").perSec;
  const vsBefore = `parse+check: ${speedup.toFixed(2)}× the throughput of segql before issue 14 (goal ≥ 3×: ${speedup >= 3 ? "met" : "NOT met"}); parse alone: ${parseSpeedup.toFixed(2)}×.`;
  const vsPeer = base.perSec >= fastestPeer.perSec
    ? `segql parse+check is ${(base.perSec / fastestPeer.perSec).toFixed(2)}× the expressions/s of the fastest peer's parse alone (${fastestPeer.name}): goal met.`
    : `segql parse+check reaches ${(base.perSec / fastestPeer.perSec).toFixed(2)}× the expressions/s of the fastest peer's parse alone (${fastestPeer.name}): goal NOT met.`;
  const lex = row("segql lex");
  const lexNote = `The lexer alone takes ${(lex.ms / fastestPeer.ms).toFixed(2)}× the time of ${fastestPeer.name}'s whole parse.`;
  const load = `${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)}`;
  return `## Parsing: segql vs segql before issue 14, jsep, cel-js, react-querybuilder

${N.toLocaleString("en-US")} generated conditions of 5-15 rules over the telco schema (seeded; segql text averages ${avgBytes} bytes), each translated into every parser's own syntax (bench/parse/corpus.ts). Each group runs in its own process (today's segql; its analyze; segql as of ${BEFORE}, before issue 14; the peers), the processes taking turns ${PASSES} times; median of ${PASSES * ROUNDS_PER_PROCESS} measured rounds (${ROUNDS_PER_PROCESS} per process after 2 warm-up rounds) of each process's CPU time. segql measured as JavaScript bundled by esbuild. Load average (1 min) during the run: ${load} on this machine. Lower "time vs" is faster.

${table}

${vsBefore} ${vsPeer} ${lexNote}
`;
}
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(await run());
}
