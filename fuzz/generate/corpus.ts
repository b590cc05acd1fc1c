/**
 * The seed corpus for mutation: real segql text from the repository — examples/*.segql, the SQL golden
 * fixtures (test/fixtures/sql/*.segql), the README's and docs' code blocks (whole and line by line) and the
 * inline code of docs/language.md — each checked against the schema it fits best (fewest errors).
 */
import { readdirSync, readFileSync } from "node:fs";
import { check } from "../../src/checker/index.js";
import { parse } from "../../src/parser/index.js";
import { schemas, type SchemaName } from "../schemas.js";

/** One corpus text and where it came from. */
export interface CorpusEntry {
  text: string;
  /** Where it came from (file name). */
  source: string;
  /** The schema it is checked against, once `schemaOf` has picked it. */
  schema?: SchemaName;
}

const root = new URL("../../", import.meta.url);

function read(path: string): string {
  return readFileSync(new URL(path, root), "utf8");
}

function filesIn(dir: string, ext: string): string[] {
  try {
    return readdirSync(new URL(dir, root)).filter((f) => f.endsWith(ext)).sort().map((f) => `${dir}${f}`);
  } catch {
    return [];
  }
}

/** Unlabelled or `segql` fenced blocks of a Markdown file, and inline code spans that look like conditions. */
function markdownSnippets(markdown: string): string[] {
  const out: string[] = [];
  for (const m of markdown.matchAll(/```(segql)?\n([\s\S]*?)```/g)) {
    const block = m[2]!;
    out.push(block);
    for (const line of block.split("\n")) if (line.trim() !== "") out.push(line);
  }
  for (const m of markdown.matchAll(/``\s(.+?)\s``|`([^`\n]+)`/g)) {
    const code = (m[1] ?? m[2])!;
    if (/\s/.test(code)) out.push(code);
  }
  return out;
}

function errorsUnder(text: string, schema: SchemaName): number {
  const parsed = parse(text);
  const checked = check(parsed.document, schemas().get(schema)!);
  return parsed.diagnostics.length + checked.diagnostics.filter((d) => d.severity === "error").length;
}

/** The schema a text checks best against; ties go to the first (the richest). Text with syntax errors gets `rich`. */
function bestSchema(text: string): SchemaName {
  if (parse(text).diagnostics.length > 0) return "rich";
  let best: SchemaName = "rich";
  let fewest = Number.POSITIVE_INFINITY;
  for (const name of schemas().keys()) {
    const n = errorsUnder(text, name);
    if (n < fewest) {
      fewest = n;
      best = name;
    }
    if (n === 0) break;
  }
  return best;
}

let corpus: CorpusEntry[] | null = null;

/** The corpus (read once per thread; parsed with the code under test only to pick schemas). */
export function loadCorpus(): CorpusEntry[] {
  if (corpus) return corpus;
  const texts = new Map<string, string>();
  const add = (text: string, source: string) => {
    if (text.trim() !== "" && !texts.has(text)) texts.set(text, source);
  };
  for (const f of filesIn("examples/", ".segql")) add(read(f), f);
  for (const f of filesIn("test/fixtures/sql/", ".segql")) add(read(f), f);
  for (const f of ["README.md", ...filesIn("docs/", ".md"), "grammar/README.md"]) {
    let markdown: string;
    try {
      markdown = read(f);
    } catch {
      continue;
    }
    for (const s of markdownSnippets(markdown)) add(s, f);
  }
  corpus = [...texts].map(([text, source]) => ({ text, source }));
  return corpus;
}

/**
 * The schema an entry checks best against, picked when the entry is first used (picking for the whole
 * corpus up front parses it seven times over: seconds, on a busy machine).
 */
export function schemaOf(entry: CorpusEntry): SchemaName {
  if (entry.schema === undefined) {
    try {
      entry.schema = bestSchema(entry.text);
    } catch {
      // The code under test failing on a corpus text: the run reports it when it runs the text.
      entry.schema = "rich";
    }
  }
  return entry.schema;
}
