/**
 * One process of bench/parse: times one group of contenders on the corpus and prints, as its last line,
 * JSON `{ name: [ms per measured round] }`. bench/parse/index.ts runs each group in its own process, since
 * Chevrotain parser classes built in one process slow each other down (issue 14 measured ~25% for five).
 *
 * usage: tsx bench/parse/child.ts <group> <rounds> <segql bundle> [<before bundle>]
 * Groups: `segql` (the current build: parse+check, parse, lex, analyze), `before` (segql as it was before
 * issue 14: parse+check, parse), `peers` (jsep, cel-js, react-querybuilder's parseSQL). The segql code is
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

/** A parser timed on the corpus, reading `syntax`'s text. */
export interface Contender {
  name: string;
  syntax: keyof CorpusEntry;
  run(text: string): unknown;
}

export const N = 10_000;
const WARMUP = 2;
const root = join(import.meta.dirname, "..", "..");
const SCHEMA_PATH = join(root, "data", "telco", "schema.json");

async function contenders(group: string, bundle: string, before: string | undefined): Promise<Contender[]> {
  const load = async (file: string) => (await import(pathToFileURL(file).href)) as SegqlBundle;
  if (group === "peers") {
    return [
      { name: "jsep", syntax: "jsep", run: (t) => jsep(t) },
      { name: "cel-js", syntax: "cel", run: (t) => celParse(t) },
      { name: "react-querybuilder parseSQL", syntax: "sql", run: (t) => parseSQL(t) },
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
  return [
    parseCheck,
    parse,
    { name: "segql lex", syntax: "segql", run: (t) => api.segqlLex!(t) },
    { name: "segql analyze", syntax: "segql", run: (t) => api.analyze!(t, schema) },
  ];
}

const [group, roundsText, bundle, before] = process.argv.slice(2);
const rounds = Number(roundsText);
const list = await contenders(group!, bundle!, before);
const corpus = buildCorpus(JSON.parse(readFileSync(SCHEMA_PATH, "utf8")).fields, N);

// Every parser must accept every condition (and segql must find no error; the static analysis may warn,
// e.g. that `gender in ("Female", "Male")` always holds), or the figures mean nothing.
for (const c of list) {
  for (const entry of corpus) {
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
    const texts = corpus.map((e) => e[c.syntax]);
    const t0 = performance.now();
    for (const t of texts) if (c.run(t)) sink++;
    const ms = performance.now() - t0;
    if (round >= WARMUP) times[c.name]!.push(ms);
  }
}
if (sink === 0) throw new Error("nothing parsed");
const bytes = Object.fromEntries(list.map((c) => [c.name, corpus.reduce((n, e) => n + Buffer.byteLength(e[c.syntax]), 0)]));
console.log(JSON.stringify({ times, bytes }));
