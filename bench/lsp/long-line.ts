/**
 * bench/lsp, long line: the CPU time of one keystroke in a 50 KB condition written on one line (a pasted
 * or generated audience), in process, through the language service that both the LSP server (in its
 * worker) and the playground's editor use, and through the CodeMirror extension (an `EditorState` with
 * `segql()`, no DOM: the transaction of a keystroke, in which the editor's highlighting tree is built).
 *
 * Each keystroke types one digit into a number in the middle of the line, so every text is new. CPU time
 * (`process.cpuUsage`, user + system, this thread) rather than wall time: the machine is shared. Several
 * rounds, each in a fresh service; the median of each round is reported, and all keystrokes together.
 *
 * Run alone against any build of src/ (to compare two versions): `npx tsx bench/lsp/long-line.ts DIR`,
 * where DIR holds the JavaScript `tsc -p tsconfig.build.json` made (inside the repository, so that its
 * imports resolve the installed packages).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type * as Api from "../../src/index.js";
import type * as CodeMirror from "../../src/codemirror/index.js";
import type * as Service from "../../src/service/index.js";

/** Characters of the condition. */
export const LONG_LINE_SIZE = 50_000;
const KEYSTROKES = Number(process.env["SEGQL_BENCH_LONG_LINE_KEYS"] ?? 60);
const ROUNDS = Number(process.env["SEGQL_BENCH_LONG_LINE_ROUNDS"] ?? 5);

/** A one-line condition of about `size` characters: rules joined by `and`, groups of `or`. */
export function longLine(size = LONG_LINE_SIZE): string {
  let text = "lifetime_value > 1";
  for (let i = 0; text.length < size; i++) text += ` and (status = "Trial" or tenure > ${i} or tags has "vip")`;
  return text;
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function p95(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(0.95 * s.length))]!;
}

/** One measure: the median of each round and of all keystrokes. */
export interface LongLineMeasure {
  what: string;
  rounds: number[];
  all: number[];
}

/** Where the keystrokes go: after the number of the rule at the middle of the line. */
function middleNumberEnd(text: string): number {
  const at = text.indexOf("tenure > ", text.length / 2) + "tenure > ".length;
  let end = at;
  while (/\d/.test(text[end]!)) end++;
  return end;
}

/** Measures typing in the long line with the build in `dir`. */
export async function measureLongLine(dir: string, schemaText: string): Promise<LongLineMeasure[]> {
  const api = (await import(pathToFileURL(join(dir, "index.js")).href)) as typeof Api;
  const { LanguageService } = (await import(pathToFileURL(join(dir, "service", "index.js")).href)) as typeof Service;
  const cm = (await import(pathToFileURL(join(dir, "codemirror", "index.js")).href)) as typeof CodeMirror;
  const { EditorState } = await import("@codemirror/state");
  const schema = api.parseSchema(schemaText);
  const base = longLine();
  const uri = "file:///bench/long.segql";

  const tokens: LongLineMeasure = { what: "keystroke → semantic tokens (the editor's highlighting)", rounds: [], all: [] };
  const diagnostics: LongLineMeasure = { what: "then → diagnostics (the LSP publishes them after each edit)", rounds: [], all: [] };
  const editor: LongLineMeasure = { what: "CodeMirror: the keystroke's transaction, highlighting tree included", rounds: [], all: [] };

  for (let round = 0; round < ROUNDS; round++) {
    const service = new LanguageService({ project: () => ({ key: "bench", schema }) });
    let text = base;
    service.setDocument(uri, text);
    service.semanticTokens(uri);
    service.diagnostics(uri);
    const t: number[] = [];
    const d: number[] = [];
    let at = middleNumberEnd(text);
    for (let k = 0; k < KEYSTROKES; k++) {
      text = text.slice(0, at) + String((k * 7 + 3) % 10) + text.slice(at);
      at++;
      const t0 = cpuMs();
      service.setDocument(uri, text);
      service.semanticTokens(uri);
      const t1 = cpuMs();
      service.diagnostics(uri);
      const t2 = cpuMs();
      t.push(t1 - t0);
      d.push(t2 - t1);
    }
    tokens.rounds.push(median(t));
    tokens.all.push(...t);
    diagnostics.rounds.push(median(d));
    diagnostics.all.push(...d);

    let state = EditorState.create({ doc: base, extensions: [cm.segql({ schema })] });
    const e: number[] = [];
    let pos = middleNumberEnd(base);
    for (let k = 0; k < KEYSTROKES; k++) {
      const t0 = cpuMs();
      state = state.update({ changes: { from: pos, insert: String((k * 3 + 1) % 10) } }).state;
      e.push(cpuMs() - t0);
      pos++;
    }
    editor.rounds.push(median(e));
    editor.all.push(...e);
  }
  return [tokens, diagnostics, editor];
}

/** Table rows: `| measure | n | median per round | p50 | p95 |`. */
export function longLineRows(measures: readonly LongLineMeasure[]): string[] {
  return measures.map((m) =>
    `| ${m.what} | ${m.all.length} | ${m.rounds.map((r) => r.toFixed(1)).join(", ")} | ${median(m.all).toFixed(2)} | ${p95(m.all).toFixed(2)} |`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const dir = process.argv[2];
  if (!dir) throw new Error("usage: npx tsx bench/lsp/long-line.ts BUILD_DIR");
  const root = join(import.meta.dirname, "..", "..");
  const measures = await measureLongLine(dir, readFileSync(join(root, "test/fixtures/crm-schema.json"), "utf8"));
  for (const r of longLineRows(measures)) console.log(r);
}
