/**
 * The language server (`segql lsp --stdio`, a child process) on the two language gaps closed together:
 * a misspelt keyword gets one diagnostic, the syntax error with its fix (it also got "unknown field 'nto'"
 * from the checker), and formatting keeps a comment after the token it follows (after `not`, it moved to
 * the line before).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DidOpenTextDocumentNotification, DocumentFormattingRequest, type TextEdit } from "vscode-languageserver-protocol/node";
import { flatDiagnostics, LspClient, ROOT } from "./client.js";

let client: LspClient;
let dir: string;
const uriOf = (path: string) => pathToFileURL(path).href;

function applyEdits(text: string, edits: TextEdit[]): string {
  const lines = text.split("\n");
  const offset = (p: { line: number; character: number }) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  return [...edits]
    .sort((a, b) => offset(b.range.start) - offset(a.range.start))
    .reduce((t, e) => t.slice(0, offset(e.range.start)) + e.newText + t.slice(offset(e.range.end)), text);
}

async function open(uri: string, text: string): Promise<string[]> {
  const published = client.nextDiagnostics(uri);
  await client.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: "segql", version: 1, text } });
  return flatDiagnostics((await published).diagnostics);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "segql-lsp-typos-"));
  mkdirSync(join(dir, "segments"));
  writeFileSync(join(dir, "schema.json"), readFileSync(join(ROOT, "test/fixtures/crm-schema.json")));
  writeFileSync(join(dir, "segql.json"), JSON.stringify({ schema: "schema.json", segments: ["segments/**/*.segql"] }));
  client = await LspClient.start({}, uriOf(dir));
});

afterAll(async () => {
  if (client) await client.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("segql lsp: typos and comments", () => {
  it("a misspelt 'not' gets one diagnostic, the syntax error that offers the fix", async () => {
    const uri = uriOf(join(dir, "segments", "typo.segql"));
    expect(await open(uri, 'segment "Checked" as nto is_verified\n')).toEqual([
      "0:25 expected-operator expected an operator or 'and'/'or' after 'nto', found 'is_verified'; did you mean 'not' for 'nto'?",
    ]);
  });

  it("formatting keeps a comment after 'not'", async () => {
    const uri = uriOf(join(dir, "segments", "comments.segql"));
    const text = 'segment "Checked" as tenure > 3 and not -- never verified\n  is_verified\n';
    expect(await open(uri, text)).toEqual([]);
    const edits = await client.connection.sendRequest(DocumentFormattingRequest.type, { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } });
    expect(applyEdits(text, edits!)).toBe('segment "Checked" as\n  tenure > 3\n  and not -- never verified\n    is_verified\n');
  });
});
