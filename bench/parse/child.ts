/**
 * One process of bench/parse: times one group of contenders on the corpus and prints, as its last line,
 * JSON `{ times: { name: [CPU ms per measured round] }, bytes, counts }`. Time is the process's CPU time
 * (user + system, `process.cpuUsage`), not wall time: on a machine shared with other work, wall time
 * mostly measures waiting for a core. bench/parse/index.ts runs each group in its own process, since
 * Chevrotain parser classes built in one process slow each other down (issue 14 measured ~25% for five).
 *
 * usage: tsx bench/parse/child.ts <group> <rounds> <segql bundle> [<before bundle>]
 * Groups: `segql` (the current build: parse+check, parse, lex), `analyze` (the current build's `analyze`,
 * alone: its static analysis allocates much more), `before` (segql as it was before issue 14: parse+check,
 * parse), `peers` (jsep, cel-js, and react-querybuilder's parseSQL, which reads only the first SLOW_N
 * conditions: it is ~100× slower). The segql code is
 * a bundle of src/index.ts (plain JavaScript, loaded by Node without tsx's transform).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import jsep from "jsep";
import { parse as celParse } from "@marcbachmann/cel-js";
import { parseSQL } from "react-querybuilder/parseSQL";
import { buildCorpus, type CorpusEntry } from "./corpus.js";

/** What a segql bundle exports (src/index.ts; `lex` only in the current one). */
interface SegqlBundle {
  parse(text: string): { diagnostics: unknown[]; document: unknown };
  check(document: unknown, schema: unknown): { diagnostics: unknown[] };
  analyze?(text: string, schema: unknown): { diagnostics: unknown[] };
  parseSchema(text: string, path: string): { fields: Record<string, { type: string; values?: string[] }> };
  segqlLex?(text: string): unknown;
}

/** A parser timed on the corpus, reading `syntax`'s text (the first `n` conditions, default all). */
export interface Contender {
  name: string;
  syntax: keyof CorpusEntry;
  run(text: string): unknown;
  n?: number;
}

export const N = 10_000;
const SLOW_N = 1_000;
const WARMUP = 2;
const root = join(import.meta.dirname, "..", "..");
const SCHEMA_PATH = join(root, "data", "telco", "schema.json");

async function contenders(group: string, bundle: string, before: string | undefined): Promise<Contender[]> {
  const load = async (file: string) => (await import(pathToFileURL(file).href)) as SegqlBundle;
  if (group === "peers") {
    return [
      { name: "jsep", syntax: "jsep", run: (t) => jsep(t) },
      { name: "cel-js", syntax: "cel", run: (t) => celParse(t) },
      { name: "react-querybuilder parseSQL", syntax: "sql", run: (t) => parseSQL(t), n: SLOW_N },
    ];
  }
  const api = await load(group === "before" ? before! : bundle);
  const schema = api.parseSchema(readFileSync(SCHEMA_PATH, "utf8"), SCHEMA_PATH);
  const parseCheck: Contender = {
    name: "segql parse+check",
    syntax: "segql",
    run: (t) => {
      const parsed = api.parse(t);
      const checked = api.check(parsed.document, schema);
      return { diagnostics: [...parsed.diagnostics, ...checked.diagnostics] };
    },
  };
  const parse: Contender = { name: "segql parse", syntax: "segql", run: (t) => api.parse(t) };
  if (group === "before") return [{ ...parseCheck, name: "before: segql parse+check" }, { ...parse, name: "before: segql parse" }];
  if (group === "analyze") return [{ name: "segql analyze", syntax: "segql", run: (t) => api.analyze!(t, schema) }];
  return [parseCheck, parse, { name: "segql lex", syntax: "segql", run: (t) => api.segqlLex!(t) }];
}

const [group, roundsText, bundle, before] = process.argv.slice(2);
const rounds = Number(roundsText);
const list = await contenders(group!, bundle!, before);
const corpus = buildCorpus(JSON.parse(readFileSync(SCHEMA_PATH, "utf8")).fields, N);

// Every parser must accept every condition (and segql must find no error; the static analysis may warn,
// e.g. that `gender in ("Female", "Male")` always holds), or the figures mean nothing.
for (const c of list) {
  for (const entry of corpus.slice(0, c.n ?? N)) {
    const text = entry[c.syntax];
    let ok = true;
    try {
      const r = c.run(text) as { diagnostics?: { severity: string }[] } | undefined;
      if (r && Array.isArray(r.diagnostics) && r.diagnostics.some((d) => d.severity === "error")) ok = false;
    } catch {
      ok = false;
    }
    if (!ok) throw new Error(`${c.name} rejects a corpus condition: ${text}`);
  }
}

const times: Record<string, number[]> = Object.fromEntries(list.map((c) => [c.name, []]));
let sink = 0;
for (let round = 0; round < WARMUP + rounds; round++) {
  for (const c of list) {
    const texts = corpus.slice(0, c.n ?? N).map((e) => e[c.syntax]);
    const t0 = process.cpuUsage();
    for (const t of texts) if (c.run(t)) sink++;
    const used = process.cpuUsage(t0);
    const ms = (used.user + used.system) / 1000;
    if (round >= WARMUP) times[c.name]!.push(ms);
  }
}
if (sink === 0) throw new Error("nothing parsed");
const bytes = Object.fromEntries(list.map((c) => [c.name, corpus.slice(0, c.n ?? N).reduce((n, e) => n + Buffer.byteLength(e[c.syntax]), 0)]));
const counts = Object.fromEntries(list.map((c) => [c.name, c.n ?? N]));
console.log(JSON.stringify({ times, bytes, counts }));
