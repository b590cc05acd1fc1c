/**
 * The seed corpus for mutation: real segql text from the repository — examples/*.segql, the SQL golden
 * fixtures (test/fixtures/sql/*.segql), the README's and docs' code blocks (whole and line by line) and the
 * inline code of docs/language.md — each paired with the schema it checks best against (fewest errors).
 */
import { readdirSync, readFileSync } from "node:fs";
import { check } from "../../src/checker/index.js";
import { parse } from "../../src/parser/index.js";
import { schemas, type SchemaName } from "../schemas.js";

/** One corpus text and the schema it is checked against. */
export interface CorpusEntry {
  text: string;
  schema: SchemaName;
  /** Where it came from (file name). */
  source: string;
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

/** The schema a text checks best against; ties go to the first (the richest). */
function bestSchema(text: string): SchemaName {
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
  corpus = [...texts].map(([text, source]) => {
    let schema: SchemaName = "rich";
    try {
      schema = bestSchema(text);
    } catch {
      // A crash here is the code under test failing on a corpus text; the run itself will report it.
    }
    return { text, schema, source };
  });
  return corpus;
}
