/**
 * The real server as a child process (`segql lsp --stdio`), spoken to over stdio with
 * vscode-languageserver-protocol: one server for the whole file (starting one costs a second or more).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CodeActionRequest,
  CompletionRequest,
  DefinitionRequest,
  DidChangeTextDocumentNotification,
  DidChangeWatchedFilesNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  DocumentFormattingRequest,
  DocumentSymbolRequest,
  FileChangeType,
  FoldingRangeRequest,
  HoverRequest,
  PrepareRenameRequest,
  ReferencesRequest,
  RenameRequest,
  SemanticTokensRequest,
  type CompletionList,
  type Diagnostic,
  type TextEdit,
} from "vscode-languageserver-protocol/node";
import { flatDiagnostics, LspClient, ROOT } from "./client.js";

let client: LspClient;
let dir: string;
const uriOf = (path: string) => pathToFileURL(path).href;
let MAIN: string;
let LIB: string;
let version = 1;

/** Diagnostics as `line:col-line:col severity code message` (0-based, as LSP). */
function flatRanges(diagnostics: Diagnostic[]): string[] {
  const severity = ["", "error", "warning", "info", "hint"];
  return diagnostics.map((d) => `${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character} ${severity[d.severity ?? 0]} ${d.code} ${d.message}`);
}

function applyEdits(text: string, edits: TextEdit[]): string {
  const lines = text.split("\n");
  const offset = (p: { line: number; character: number }) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  return [...edits]
    .sort((a, b) => offset(b.range.start) - offset(a.range.start))
    .reduce((t, e) => t.slice(0, offset(e.range.start)) + e.newText + t.slice(offset(e.range.end)), text);
}

async function open(uri: string, text: string): Promise<string[]> {
  const published = client.nextDiagnostics(uri);
  await client.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: "segql", version: version++, text } });
  return flatDiagnostics((await published).diagnostics);
}

async function complete(uri: string, line: number, character: number): Promise<string[]> {
  const r = (await client.connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line, character } })) as CompletionList;
  return r.items.map((i) => i.label);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "segql-lsp-"));
  mkdirSync(join(dir, "segments"));
  writeFileSync(join(dir, "schema.json"), readFileSync(join(ROOT, "test/fixtures/crm-schema.json")));
  writeFileSync(join(dir, "segql.json"), JSON.stringify({ schema: "schema.json", segments: ["segments/**/*.segql"] }));
  writeFileSync(join(dir, "segments", "lib.segql"), 'segment "Paying" title "Paying customers" as plan_type in ("Pro", "Enterprise")\n');
  MAIN = uriOf(join(dir, "segments", "main.segql"));
  LIB = uriOf(join(dir, "segments", "lib.segql"));
  client = await LspClient.start({
    textDocument: {
      completion: { completionItem: { snippetSupport: true } },
      documentSymbol: { hierarchicalDocumentSymbolSupport: true },
    },
    workspace: { didChangeWatchedFiles: { dynamicRegistration: true } },
  }, uriOf(dir));
});

afterAll(async () => {
  if (client) await client.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("segql lsp --stdio", () => {
  it("initializes with the capabilities the service has", () => {
    const caps = client.initializeResult!.capabilities;
    expect(client.initializeResult!.serverInfo?.name).toBe("segql");
    expect(caps.textDocumentSync).toEqual({ openClose: true, change: 2 });
    expect(Object.keys(caps).sort()).toEqual([
      "codeActionProvider", "completionProvider", "definitionProvider", "documentFormattingProvider", "documentSymbolProvider",
      "foldingRangeProvider", "hoverProvider", "referencesProvider", "renameProvider", "semanticTokensProvider", "textDocumentSync",
    ]);
  });

  it("pushes diagnostics on open, using the schema from segql.json and the project's other segment files", async () => {
    const text = 'segment "Main" as in segment "Paying" and statuss = "Trial"\n';
    expect(await open(MAIN, text)).toEqual([`0:42 unknown-field unknown field 'statuss'; did you mean "status"?`]);
  });

  it("applies incremental changes and pushes the new diagnostics for that version", async () => {
    const v1 = version++;
    const published = client.nextDiagnostics(MAIN, (p) => p.version === v1);
    await client.connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri: MAIN, version: v1 },
      contentChanges: [{ range: { start: { line: 0, character: 48 }, end: { line: 0, character: 49 } }, text: "" }],
    });
    expect((await published).diagnostics).toEqual([]);
    const v2 = version++;
    const next = client.nextDiagnostics(MAIN, (p) => p.version === v2);
    await client.connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri: MAIN, version: v2 },
      contentChanges: [{ range: { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } }, text: 'segment "Two" as status = ' }],
    });
    expect(flatDiagnostics((await next).diagnostics)).toEqual(["1:25 expected-value expected a value after '='"]);
  });

  it("completes values, fields and operators at the cursor of the changed document", async () => {
    expect(await complete(MAIN, 1, 26)).toEqual(['"Subscribed"', '"Unsubscribed"', '"Trial"', '"Inactive"']);
    expect(await complete(MAIN, 0, 22)).toEqual(["segment"]);
    const list = (await client.connection.sendRequest(CompletionRequest.type, { textDocument: { uri: MAIN }, position: { line: 0, character: 49 } })) as CompletionList;
    const notIn = list.items.find((i) => i.label === "not in")!;
    expect(notIn.textEdit).toEqual({ range: { start: { line: 0, character: 49 }, end: { line: 0, character: 49 } }, newText: "not in ($1)" });
    expect(notIn.insertTextFormat).toBe(2);
  });

  it("hovers fields with their schema entry", async () => {
    const h = await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri: MAIN }, position: { line: 0, character: 44 } });
    expect(h?.range).toEqual({ start: { line: 0, character: 42 }, end: { line: 0, character: 48 } });
    expect(JSON.stringify(h?.contents)).toContain("Email subscription status.");
  });

  it("goes to a definition in a project file that is not open, and finds references across files", async () => {
    const defs = await client.connection.sendRequest(DefinitionRequest.type, { textDocument: { uri: MAIN }, position: { line: 0, character: 31 } });
    expect(defs).toEqual([{ uri: LIB, range: { start: { line: 0, character: 8 }, end: { line: 0, character: 16 } } }]);
    const refs = await client.connection.sendRequest(ReferencesRequest.type, {
      textDocument: { uri: MAIN }, position: { line: 0, character: 31 }, context: { includeDeclaration: true },
    });
    expect(refs?.map((r) => `${r.uri === LIB ? "lib" : "main"}:${r.range.start.line}:${r.range.start.character}`)).toEqual(["lib:0:8", "main:0:29"]);
  });

  it("renames a segment in every file of the project", async () => {
    const prepared = await client.connection.sendRequest(PrepareRenameRequest.type, { textDocument: { uri: MAIN }, position: { line: 0, character: 31 } });
    expect(prepared).toEqual({ range: { start: { line: 0, character: 29 }, end: { line: 0, character: 37 } }, placeholder: "Paying" });
    const edit = await client.connection.sendRequest(RenameRequest.type, { textDocument: { uri: MAIN }, position: { line: 0, character: 31 }, newName: "Payers" });
    expect(Object.keys(edit?.changes ?? {}).sort()).toEqual([LIB, MAIN].sort());
    expect(edit!.changes![LIB]).toEqual([{ range: { start: { line: 0, character: 8 }, end: { line: 0, character: 16 } }, newText: '"Payers"' }]);
    await expect(client.connection.sendRequest(RenameRequest.type, { textDocument: { uri: MAIN }, position: { line: 0, character: 44 }, newName: "x" }))
      .rejects.toMatchObject({ message: expect.stringContaining("only segment names can be renamed") });
  });

  it("re-reads a project file that changed on disk and re-checks the open files that refer to it", async () => {
    writeFileSync(join(dir, "segments", "lib.segql"), 'segment "Payers" as plan_type in ("Pro")\n');
    const published = client.nextDiagnostics(MAIN, (p) => p.diagnostics.some((d) => d.code === "unknown-segment"));
    await client.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: LIB, type: FileChangeType.Changed }] });
    expect(flatDiagnostics((await published).diagnostics)).toContain('0:29 unknown-segment unknown segment "Paying"');
  });

  it("a segment name a project file that is not open defines already is an error on the later file, pointing at the first", async () => {
    // lib.segql (on disk, not open) defines "Payers" since the test before; zz.segql sorts after it.
    const uri = uriOf(join(dir, "segments", "zz.segql"));
    const published = client.nextDiagnostics(uri);
    await client.connection.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId: "segql", version: version++, text: 'segment "Payers" as tenure > 1\n' },
    });
    const [d, ...rest] = (await published).diagnostics;
    expect(rest).toEqual([]);
    expect(flatDiagnostics([d!])).toEqual(['0:8 duplicate-segment segment "Payers" is already defined in lib.segql at line 1']);
    expect(d!.relatedInformation).toEqual([{
      location: { uri: LIB, range: { start: { line: 0, character: 8 }, end: { line: 0, character: 16 } } },
      message: 'segment "Payers" is first defined here',
    }]);
    await client.connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
  });

  it("formats, lists symbols, folds, classifies tokens and offers quick fixes", async () => {
    const uri = uriOf(join(dir, "segments", "fmt.segql"));
    const text = '-- a\n-- b\nsegment "A"  as  (tenure > 1 OR email IS EMPTY)\n  AND status = "trial"\n';
    await open(uri, text);
    const edits = await client.connection.sendRequest(DocumentFormattingRequest.type, { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } });
    expect(applyEdits(text, edits!)).toBe('-- a\n-- b\nsegment "A" as (tenure > 1 or email is empty) and status = "trial"\n');
    const symbols = await client.connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } });
    expect(symbols).toEqual([{
      name: "A", kind: 5,
      range: { start: { line: 2, character: 0 }, end: { line: 3, character: 22 } },
      selectionRange: { start: { line: 2, character: 8 }, end: { line: 2, character: 11 } },
    }]);
    const folds = await client.connection.sendRequest(FoldingRangeRequest.type, { textDocument: { uri } });
    expect(folds).toEqual([{ startLine: 0, endLine: 1, kind: "comment" }, { startLine: 2, endLine: 3, kind: "region" }]);
    const tokens = await client.connection.sendRequest(SemanticTokensRequest.type, { textDocument: { uri } });
    // First two tokens: the comments on lines 0 and 1 (type 8 = comment), five characters apart in data.
    expect(tokens?.data.slice(0, 10)).toEqual([0, 0, 4, 8, 0, 1, 0, 4, 8, 0]);
    const actions = await client.connection.sendRequest(CodeActionRequest.type, {
      textDocument: { uri }, range: { start: { line: 3, character: 16 }, end: { line: 3, character: 16 } }, context: { diagnostics: [] },
    });
    expect(actions?.map((a) => ("title" in a ? a.title : ""))).toEqual(['use "Trial"']);
  });

  it("offers the keyword meant for a misspelt one, with the cursor on the word the parser read past", async () => {
    const uri = uriOf(join(dir, "segments", "typo.segql"));
    const text = 'segment "T" as nto is_verified\n';
    expect(await open(uri, text)).toContain("0:19 expected-operator expected an operator or 'and'/'or' after 'nto', found 'is_verified'; did you mean 'not' for 'nto'?");
    const actions = await client.connection.sendRequest(CodeActionRequest.type, {
      textDocument: { uri }, range: { start: { line: 0, character: 16 }, end: { line: 0, character: 16 } }, context: { diagnostics: [] },
    });
    expect(actions?.map((a) => ("title" in a ? a.title : ""))).toEqual(["replace with 'not'"]);
    const edit = actions![0]! as { edit?: { changes?: Record<string, TextEdit[]> } };
    expect(applyEdits(text, edit.edit!.changes![uri]!)).toBe('segment "T" as not is_verified\n');
    await client.connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
  });

  it("answers malformed requests with errors and unknown methods with MethodNotFound, and keeps serving", async () => {
    await expect(client.connection.sendRequest("textDocument/hover", { textDocument: { uri: MAIN } })).rejects.toMatchObject({ code: -32602 });
    await expect(client.connection.sendRequest("textDocument/completion", null)).rejects.toMatchObject({ code: -32602 });
    await expect(client.connection.sendRequest("textDocument/hover", { textDocument: { uri: MAIN }, position: { line: -1, character: "x" } })).rejects.toMatchObject({ code: -32602 });
    await expect(client.connection.sendRequest("segql/nonsense", {})).rejects.toMatchObject({ code: -32601 });
    // A position past the end of the document is clamped, not an error; an unknown document answers null.
    expect(await complete(MAIN, 999, 999)).toBeDefined();
    expect(await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri: "file:///nowhere.segql" }, position: { line: 0, character: 0 } })).toBeNull();
    expect(await complete(MAIN, 1, 26)).toContain('"Trial"');
    // (Malformed frames end the connection: test/lsp/framing.test.ts.)
  });

  it("answers a request cancelled before it ran with RequestCancelled", async () => {
    let raw = "";
    const onData = (d: Buffer) => (raw += d.toString());
    client.child.stdout.on("data", onData);
    const request = JSON.stringify({ jsonrpc: "2.0", id: 987654, method: "textDocument/hover", params: { textDocument: { uri: MAIN }, position: { line: 0, character: 44 } } });
    const cancel = JSON.stringify({ jsonrpc: "2.0", method: "$/cancelRequest", params: { id: 987654 } });
    const frame = (s: string) => `Content-Length: ${Buffer.byteLength(s)}\r\n\r\n${s}`;
    client.child.stdin.write(frame(request) + frame(cancel));
    for (let i = 0; i < 200 && !raw.includes("987654"); i++) await new Promise((r) => setTimeout(r, 25));
    client.child.stdout.off("data", onData);
    expect(raw).toMatch(/"id":987654,"error":\{"code":-32800/);
  });

  it("a huge document gets one diagnostic where it passes 1 MB, not a stuck server", async () => {
    const uri = uriOf(join(dir, "huge.segql"));
    const diagnostics = await open(uri, `tenure > 1 and ${"email is empty and ".repeat(130_000)}tenure < 5`);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatch(/^0:1000000 too-large this file is larger than 1,000,000 bytes from here on/);
    expect(await complete(uri, 0, 3)).toEqual([]);
    await client.connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
  });

  it("a bad config is shown where it is in segql.json, summed up once on each segment file, and cleared when fixed", async () => {
    const other = mkdtempSync(join(dir, "proj-"));
    const config = join(other, "segql.json");
    const CONFIG = uriOf(config);
    const change = async (path: string, text: string) => {
      writeFileSync(path, text);
      await client.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: uriOf(path), type: FileChangeType.Changed }] });
    };
    writeFileSync(config, '{ "schema": "missing.json",\n  "segmnts": [] ');
    const uri = uriOf(join(other, "a.segql"));
    let onConfig = client.nextDiagnostics(CONFIG);
    const first = await open(uri, "statuss = 1 and (");
    expect(first).toEqual([
      "0:0 config segql.json:2:17: not valid JSON: expected ',' or '}' after a property value, found the end of the text; checking syntax only",
      "0:17 expected-condition expected a condition (a field, '(', 'not', 'performed' or 'in segment') after '('",
    ]);
    expect(flatRanges((await onConfig).diagnostics)).toEqual([
      "1:16-1:16 error config not valid JSON: expected ',' or '}' after a property value, found the end of the text",
    ]);

    onConfig = client.nextDiagnostics(CONFIG);
    let published = client.nextDiagnostics(uri);
    await change(config, '{ "schema": "missing.json",\n  "segmnts": [] }');
    const summary = (await published).diagnostics[0]!;
    expect(summary.message).toBe("segql.json has 2 problems; checking syntax only");
    expect(summary.range).toEqual({ start: { line: 0, character: 0 }, end: { line: 0, character: 0 } });
    expect(summary.relatedInformation?.map((r) => `${r.location.uri === CONFIG ? "segql.json" : r.location.uri}:${r.location.range.start.line}:${r.location.range.start.character}-${r.location.range.end.line}:${r.location.range.end.character} ${r.message}`)).toEqual([
      'segql.json:1:2-1:11 unknown key "segmnts" (known: "schema", "segments", "timeZone")',
      `segql.json:0:12-0:26 schema file not found: ${join(other, "missing.json")}`,
    ]);
    expect(flatRanges((await onConfig).diagnostics)).toEqual([
      `0:12-0:26 error config schema file not found: ${join(other, "missing.json")}`,
      '1:2-1:11 error config unknown key "segmnts" (known: "schema", "segments", "timeZone")',
    ]);

    // A schema with problems: they are published on the schema file (never opened), ranges on the values.
    const schema = join(other, "schema.json");
    const SCHEMA_URI = uriOf(schema);
    writeFileSync(schema, '{\n  "table": "contacts",\n  "key": "id",\n  "fields": {\n    "status": { "type": "enum", "values": ["a", 3] },\n    "plan": { "type": "strin" }\n  }\n}\n');
    const onSchema = client.nextDiagnostics(SCHEMA_URI);
    onConfig = client.nextDiagnostics(CONFIG, (p) => p.diagnostics.length === 0);
    published = client.nextDiagnostics(uri);
    await change(config, '{ "schema": "schema.json" }');
    expect(flatRanges((await onSchema).diagnostics)).toEqual([
      "4:48-4:49 error schema fields.status.values[1]: expected a string, found 3",
      '5:22-5:29 error schema fields.plan.type: expected one of "string", "number", "boolean", "date", "timestamp", "enum", "list", found "strin"',
    ]);
    expect((await onConfig).diagnostics).toEqual([]);
    const withSchema = (await published).diagnostics[0]!;
    expect(withSchema.message).toBe("schema.json has 2 problems; checking syntax only");
    expect(withSchema.relatedInformation?.map((r) => [r.location.uri, r.location.range.start.line, r.location.range.start.character])).toEqual([
      [SCHEMA_URI, 4, 48],
      [SCHEMA_URI, 5, 22],
    ]);

    // One problem left: the summary names its place; then none, and the schema's diagnostics are cleared.
    published = client.nextDiagnostics(uri);
    await change(schema, '{ "table": "contacts", "key": "id",\n  "fields": { "status": { "type": "enum", "values": ["a", 3] } } }\n');
    expect(flatDiagnostics((await published).diagnostics)[0]).toBe("0:0 config schema.json:2:59: fields.status.values[1]: expected a string, found 3; checking syntax only");
    const cleared = client.nextDiagnostics(SCHEMA_URI, (p) => p.diagnostics.length === 0);
    published = client.nextDiagnostics(uri);
    await change(schema, readFileSync(join(dir, "schema.json"), "utf8"));
    expect((await cleared).diagnostics).toEqual([]);
    expect(flatDiagnostics((await published).diagnostics)[0]).toBe(`0:0 unknown-field unknown field 'statuss'; did you mean "status"?`);
  });

  it("a schema path that is a folder is a problem on segql.json, not a crash", async () => {
    const other = mkdtempSync(join(dir, "proj-"));
    mkdirSync(join(other, "schema.json"));
    writeFileSync(join(other, "segql.json"), '{ "schema": "schema.json" }');
    const onConfig = client.nextDiagnostics(uriOf(join(other, "segql.json")));
    expect(await open(uriOf(join(other, "a.segql")), "tenure > 1")).toEqual([
      `0:0 config segql.json:1:13: the schema is a folder, not a file: ${join(other, "schema.json")}; checking syntax only`,
    ]);
    expect(flatRanges((await onConfig).diagnostics)).toEqual([`0:12-0:25 error config the schema is a folder, not a file: ${join(other, "schema.json")}`]);
    // Opening another file of the project sums the problem up there too, without re-sending segql.json's.
    const sent = client.publishCount.get(uriOf(join(other, "segql.json")));
    expect(await open(uriOf(join(other, "b.segql")), "tenure > 2")).toEqual([
      `0:0 config segql.json:1:13: the schema is a folder, not a file: ${join(other, "schema.json")}; checking syntax only`,
    ]);
    expect(client.publishCount.get(uriOf(join(other, "segql.json")))).toBe(sent);
  });

  it("goes from a field, an event property and an event name to its key in the schema", async () => {
    const SCHEMA_URI = uriOf(join(dir, "schema.json"));
    const schemaText = readFileSync(join(dir, "schema.json"), "utf8");
    const uri = uriOf(join(dir, "segments", "def.segql"));
    await open(uri, 'status = "Trial" and performed "Purchase" where amount > 1');
    const definitionAt = async (character: number) => {
      const defs = await client.connection.sendRequest(DefinitionRequest.type, { textDocument: { uri }, position: { line: 0, character } });
      return (defs as { uri: string; range: { start: { line: number; character: number }; end: { line: number; character: number } } }[]).map((d) => {
        const lines = schemaText.split("\n");
        const offset = (p: { line: number; character: number }) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
        return `${d.uri === SCHEMA_URI ? "schema.json" : d.uri} ${schemaText.slice(offset(d.range.start), offset(d.range.end))}`;
      });
    };
    expect(await definitionAt(2)).toEqual(['schema.json "status"']);
    expect(await definitionAt(50)).toEqual(['schema.json "amount"']);
    expect(await definitionAt(33)).toEqual(['schema.json "Purchase"']);
    expect(await definitionAt(11)).toEqual([]);
  });

  it("shuts down and exits with status 0", async () => {
    const code = await client.stop();
    expect(code).toBe(0);
    expect(client.stderr).not.toMatch(/internal error/);
  });
});
