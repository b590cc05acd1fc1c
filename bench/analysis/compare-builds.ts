/**
 * Compares two builds of src/ on bench/parse's corpus, for work on the analysis's speed:
 *
 *   node node_modules/typescript/bin/tsc -p tsconfig.build.json --outDir /tmp/old --declaration false   (before)
 *   node node_modules/typescript/bin/tsc -p tsconfig.build.json --outDir /tmp/new --declaration false   (after)
 *   npx tsx bench/analysis/compare-builds.ts /tmp/old /tmp/new
 *
 * 1. The time as the benchmark runs it (parse, check, analysis per text), each build with its own parse and
 *    check, in chunks of 200 texts, each chunk timed for each build's parse + check alone and with its
 *    analysis in random order, so load changes hit all alike; what each build adds to its own parse +
 *    check, summed over 10 rounds (on a loaded machine a round's own figure can swing past ±50%; and a
 *    build's copy of the parser and checker is timed only against itself: two copies of the same code
 *    run at different speeds). First, before either analysis reads the other build's typed conditions
 *    (see the comment there).
 * 2. The warnings must be the same: every condition's `analysisWarnings` (codes, spans, messages, fixes, in
 *    order) from both builds, with and without the text, without the fast path, with another first line,
 *    kept between texts, and on a small step budget, on the old build's typed conditions; and with the text
 *    on each build's own (a checker may hand the analysis more, as `TypedSegment.parts`). Exits 1 on the
 *    first differences (printed).
 * 3. The time on conditions checked beforehand (by the old build's checker, for both), per chunk of 100 the
 *    least time of 9 runs of each build (what the machine's load adds only ever adds), summed: steadier,
 *    but with the conditions' data warm.
 * (Process CPU time is no use on a loaded machine: other processes' work slows ours through the shared
 * caches, by more than a change's effect; hence the interleaving and the least of 9.)
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { buildCorpus } from "../parse/corpus.js";

type Api = typeof import("../../src/index.js");
type Analysis = typeof import("../../src/analysis/index.js");

const [oldDir, newDir] = process.argv.slice(2);
if (!oldDir || !newDir) {
  console.error("usage: npx tsx bench/analysis/compare-builds.ts OLD_BUILD_DIR NEW_BUILD_DIR");
  process.exit(2);
}
const load = async <T>(dir: string, path: string): Promise<T> => (await import(pathToFileURL(join(resolve(dir), path)).href)) as T;
const { check, parse, parseSchema } = await load<Api>(oldDir, "index.js");
const before = (await load<Analysis>(oldDir, "analysis/index.js")).analysisWarnings;
const after = (await load<Analysis>(newDir, "analysis/index.js")).analysisWarnings;
const newApi = await load<Api>(newDir, "index.js");
const schemaText = readFileSync(new URL("../../data/telco/schema.json", import.meta.url), "utf8");
const corpus = buildCorpus(parseSchema(schemaText).fields, Number(process.env["SEGQL_BENCH_N"] ?? 10_000)).map((e) => e.segql);

// 1. The time as benchmarked, first: each build's analysis has then seen only its own checker's typed
// conditions (the same shapes made by two copies of the checker are different hidden classes to V8; an
// analysis fed both, as the check of the warnings below feeds the new one, runs its property reads
// polymorphic, and the ratio swung from 1.3x to 2x between runs of the same two builds).
const cpuUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
const total = { baseOld: 0, old: 0, baseNew: 0, new: 0 };
for (let round = 0; round < 12; round++) {
  const s = parseSchema(schemaText);
  const sNew = newApi.parseSchema(schemaText);
  const t = { baseOld: 0, old: 0, baseNew: 0, new: 0 };
  for (let c0 = 0; c0 < corpus.length; c0 += 200) {
    const chunk = corpus.slice(c0, c0 + 200);
    for (const row of (["baseOld", "old", "baseNew", "new"] as const).slice().sort(() => Math.random() - 0.5)) {
      const t0 = cpuUs();
      if (row === "baseOld") for (const text of chunk) check(parse(text).document, s);
      else if (row === "old") for (const text of chunk) before(check(parse(text).document, s).segments, { text });
      else if (row === "baseNew") for (const text of chunk) newApi.check(newApi.parse(text).document, sNew);
      else for (const text of chunk) after(newApi.check(newApi.parse(text).document, sNew).segments, { text });
      t[row] += cpuUs() - t0;
    }
  }
  if (round < 2) continue; // warm-up
  for (const k of ["baseOld", "old", "baseNew", "new"] as const) total[k] += t[k];
}
const addedOld = total.old - total.baseOld;
const addedNew = total.new - total.baseNew;
const perCondition = (x: number) => `${(x / corpus.length / 10).toFixed(2)} µs`;
console.log(`as benchmarked: the analysis adds ${((addedOld / total.baseOld) * 100).toFixed(0)}% to parse + check (old: ${perCondition(addedOld)} per condition to ${perCondition(total.baseOld)}), ${((addedNew / total.baseNew) * 100).toFixed(0)}% (new: ${perCondition(addedNew)} to ${perCondition(total.baseNew)}); old / new ${(addedOld / addedNew).toFixed(2)}`);

// 2. The same warnings.
const schema = parseSchema(schemaText);
const checked = corpus.map((text) => check(parse(text).document, schema).segments);
const variants: { name: string; options: (text: string) => Parameters<typeof before>[1] }[] = [
  { name: "text", options: (text) => ({ text }) },
  { name: "no text", options: () => ({}) },
  { name: "no fast path", options: (text) => ({ text, fastPath: false }) },
  { name: "first line 7", options: (text) => ({ text, firstLine: 7 }) },
  { name: "kept between texts", options: (text) => ({ text, share: true }) },
  { name: "3 steps", options: (text) => ({ text, steps: 3 }) },
];
let differ = 0;
let warnings = 0;
for (const v of variants) {
  for (let i = 0; i < corpus.length; i++) {
    const a = JSON.stringify(before(checked[i]!, v.options(corpus[i]!)));
    const b = JSON.stringify(after(checked[i]!, v.options(corpus[i]!)));
    if (v.name === "text") warnings += (JSON.parse(a) as unknown[]).length;
    if (a !== b && differ++ < 5) console.log(`DIFFERENT (${v.name}): ${corpus[i]}\n  old ${a}\n  new ${b}`);
  }
}
const newSchema = newApi.parseSchema(schemaText);
for (let i = 0; i < corpus.length; i++) {
  const a = JSON.stringify(before(checked[i]!, { text: corpus[i]! }));
  const b = JSON.stringify(after(newApi.check(newApi.parse(corpus[i]!).document, newSchema).segments, { text: corpus[i]! }));
  if (a !== b && differ++ < 5) console.log(`DIFFERENT (the new build's own checker): ${corpus[i]}\n  old ${a}\n  new ${b}`);
}
console.log(`${corpus.length} conditions × ${variants.length + 1} option sets and checkers: ${differ} differ (${warnings} warnings with the text)`);
if (differ > 0) process.exit(1);

// 3. The time on conditions checked beforehand (both builds read the old checker's).
let sumOld = 0;
let sumNew = 0;
const now = () => process.hrtime.bigint();
for (let c0 = 0; c0 < corpus.length; c0 += 100) {
  const end = Math.min(corpus.length, c0 + 100);
  let leastOld = Infinity;
  let leastNew = Infinity;
  for (let k = 0; k < 9; k++) {
    let t0 = now();
    for (let i = c0; i < end; i++) before(checked[i]!, { text: corpus[i]! });
    leastOld = Math.min(leastOld, Number(now() - t0));
    t0 = now();
    for (let i = c0; i < end; i++) after(checked[i]!, { text: corpus[i]! });
    leastNew = Math.min(leastNew, Number(now() - t0));
  }
  sumOld += leastOld;
  sumNew += leastNew;
}
console.log(`checked beforehand, least of 9 per 100 conditions: old ${(sumOld / 1e6).toFixed(1)} ms, new ${(sumNew / 1e6).toFixed(1)} ms for the corpus; old / new ${(sumOld / sumNew).toFixed(2)}`);
