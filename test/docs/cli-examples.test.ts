/**
 * The CLI sessions of the docs (DOCS below) work as written. A console block marked `<!-- example: cli -->`
 * is run the way a reader would: each `$ segql …` line by the built CLI (bin/segql.js; `npm run build`
 * first), in a fresh copy of docs/examples/ (the files the examples name; `cli-repo`: in the repository,
 * for sessions on data/), and what it prints must be the lines the doc shows after it: standard output then
 * standard error, a line marked `(on standard error)` on standard error, a last line `…` for more lines
 * not shown. `$ echo $?` shows the status of the command before it.
 * A ```json block right after the session is what the last command prints, read as a documented answer
 * (test/docs/documented-answer.ts).
 *
 * Blocks marked `<!-- example: formatted -->` show the formatter's output: each must be in canonical form.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "../../src/parser/index.js";
import { format } from "../../src/parser/format.js";
import { markedBlocks, shellWords, type MarkedBlock } from "./doc-blocks.js";
import { answerMismatches, parseDocumentedAnswer } from "./documented-answer.js";

const root = new URL("../../", import.meta.url).pathname;
const built = existsSync(`${root}dist/cli/segql.js`);
const DOCS = ["docs/cli-check-fmt.md", "docs/sql.md", "docs/analysis.md", "docs/predicate.md"];
const STDERR_NOTE = /\s+\(on standard error\)$/;

/** A command of a console session and the lines the doc shows it printing. */
interface Step {
  command: string;
  printed: string[];
}

/** The steps of a console session; a command whose quote is still open goes on over the next lines. */
function steps(session: string): Step[] {
  const out: Step[] = [];
  const lines = session.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith("$ ")) {
      let command = line.slice(2);
      for (;;) {
        if (quoteOpen(command) && i + 1 < lines.length) command += "\n" + lines[++i];
        else if (command.endsWith("\\") && i + 1 < lines.length) command = command.slice(0, -1) + lines[++i];
        else break;
      }
      out.push({ command, printed: [] });
    } else if (out.length > 0) out[out.length - 1]!.printed.push(line.replace(/\s+$/, ""));
  }
  return out;
}

function quoteOpen(text: string): boolean {
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === "\\" && quote === '"') i++;
      else if (c === quote) quote = null;
    } else if (c === "'" || c === '"') quote = c;
  }
  return quote !== null;
}

const sessions: { name: string; doc: string; block: MarkedBlock }[] = [];
const formatted: { name: string; text: string }[] = [];
for (const doc of DOCS) {
  for (const block of markedBlocks(readFileSync(`${root}${doc}`, "utf8"))) {
    const name = `${doc}:${block.line}`;
    if (block.kind === "cli" || block.kind === "cli-repo") sessions.push({ name: `${name}: ${block.text.split("\n")[0]}`, doc, block });
    if (block.kind === "formatted") formatted.push({ name, text: block.text });
  }
}

const scratch: string[] = [];
afterAll(() => scratch.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe.skipIf(!built)("CLI sessions of the docs, as written", () => {
  it("the docs mark their sessions", () => {
    expect(sessions.length).toBeGreaterThanOrEqual(6);
  });

  it.each(sessions)("$name", ({ name, block }) => {
    let dir = root;
    if (block.kind === "cli") {
      dir = mkdtempSync(join(tmpdir(), "segql-doc-examples-"));
      scratch.push(dir);
      cpSync(`${root}docs/examples`, dir, { recursive: true });
    }
    let status: number | null = null;
    let stdout = "";
    for (const step of steps(block.text)) {
      if (step.command === "echo $?") {
        expect(step.printed.filter((l) => l !== ""), `${name}: the status of the command before`).toEqual([String(status)]);
        continue;
      }
      const [program, ...args] = shellWords(step.command, {});
      expect(program, `${name}: '${step.command}' is not a segql command`).toBe("segql");
      const r = spawnSync(process.execPath, [`${root}bin/segql.js`, ...args!], { cwd: dir, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
      status = r.status;
      stdout = r.stdout;
      const printed = [...r.stdout.split("\n"), ...r.stderr.split("\n")].map((l) => l.replace(/\s+$/, "")).filter((l) => l !== "");
      let shown = step.printed.filter((l) => l !== "");
      const more = shown[shown.length - 1] === "…";
      if (more) shown = shown.slice(0, -1);
      const got = more ? printed.slice(0, shown.length) : printed;
      if (block.next?.lang !== "json") expect(got.join("\n"), `${name}: what '${step.command}' prints`).toBe(shown.map((l) => l.replace(STDERR_NOTE, "")).join("\n"));
      for (const line of shown.filter((l) => STDERR_NOTE.test(l))) expect(r.stderr, `${name}: on standard error`).toContain(line.replace(STDERR_NOTE, ""));
    }
    if (block.next?.lang === "json") expect(answerMismatches(parseDocumentedAnswer(block.next.text), JSON.parse(stdout)), `${name}: ${stdout}`).toEqual([]);
  });
});

describe("formatter output the docs show", () => {
  it.each(formatted)("$name is in canonical form", ({ text }) => {
    const parsed = parse(text);
    expect(parsed.diagnostics ?? [], text).toEqual([]);
    expect(format(parsed.document).trimEnd()).toBe(text.trimEnd());
  });
});
