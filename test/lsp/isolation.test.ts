/**
 * Through the real server over stdio (issue 10, case 10, and the watchdog): a document whose analysis
 * throws, one with case 2's input, and one whose analysis never ends each get their own diagnostic, while
 * the project's other documents keep getting theirs and every request is answered. Failures are injected
 * with `testFaults`, which only code can pass (`serveStdio`), never an editor.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CompletionRequest, DidChangeTextDocumentNotification, DidOpenTextDocumentNotification, HoverRequest, type CompletionList } from "vscode-languageserver-protocol/node";
import { bundleServer, flatDiagnostics, LspClient, ROOT, stdioArgs } from "./client.js";

let bundle: string;
let dir: string;
let client: LspClient;
let version = 1;
const uri = (name: string) => pathToFileURL(join(dir, "segments", name)).href;

async function open(name: string, text: string, test: (d: string[]) => boolean = () => true): Promise<string[]> {
  const published = client.nextDiagnostics(uri(name), (p) => test(flatDiagnostics(p.diagnostics)));
  await client.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: uri(name), languageId: "segql", version: version++, text } });
  return flatDiagnostics((await published).diagnostics);
}

async function labels(name: string, line: number, character: number): Promise<string[]> {
  const r = (await client.connection.sendRequest(CompletionRequest.type, { textDocument: { uri: uri(name) }, position: { line, character } })) as CompletionList;
  return r.items.map((i) => i.label);
}

beforeAll(async () => {
  bundle = await bundleServer();
  dir = mkdtempSync(join(tmpdir(), "segql-isolation-"));
  mkdirSync(join(dir, "segments"));
  writeFileSync(join(dir, "schema.json"), readFileSync(join(ROOT, "test/fixtures/crm-schema.json")));
  writeFileSync(join(dir, "segql.json"), JSON.stringify({ schema: "schema.json", segments: ["segments/**/*.segql"] }));
  writeFileSync(join(dir, "segments", "lib.segql"), 'segment "Paying" as plan_type in ("Pro", "Enterprise")\n');
  client = await LspClient.start({}, pathToFileURL(dir).href,
    [process.execPath, ...stdioArgs({ budgetMs: 2000, retryAfterMs: 500, testFaults: { throwOn: ["BOOM"], hangOn: ["HANG"] } }, bundle)]);
}, 120_000);

afterAll(async () => {
  await client?.stop();
  rmSync(bundle, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
});

describe("one document's failure stays its own", () => {
  it("a document whose analysis throws shows it; the others are checked as usual, and it is logged", async () => {
    expect(await open("main.segql", 'segment "Main" as in segment "Paying" and tenure > "x"\n')).toEqual([
      '0:51 value-type tenure is a number field, so it cannot be compared with the text "x"',
    ]);
    const boom = await open("boom.segql", 'segment "Boom" as tenure > 1 -- BOOM\n');
    expect(boom).toEqual([`0:0 internal internal error analysing this document: injected failure for ${uri("boom.segql")} (please report it)`]);
    expect(await labels("main.segql", 0, 'segment "Main" as in segment '.length)).toEqual(['"Paying"']);
    expect(await labels("boom.segql", 0, 25)).toEqual([]);
    expect(client.log).toContain(`segql: internal error analysing ${uri("boom.segql")}: Error: injected failure`);
  });

  it("case 2's input (150 unclosed parentheses) gets its own diagnostic and breaks nothing else", async () => {
    const own = await open("parens.segql", `${"(".repeat(150)}churn`);
    expect(own.length).toBeGreaterThan(0);
    expect(own.join("\n")).not.toMatch(/internal/);
    expect(await labels("parens.segql", 0, 150)).toContain("is_verified");
    expect(await labels("main.segql", 0, 'segment "Main" as in segment '.length)).toEqual(['"Paying"']);
  });

  it("a document whose analysis never ends is stopped by the watchdog and says so; the server goes on", async () => {
    const stopped = await open("slow.segql", 'segment "Slow" as tenure > 1 -- HANG\n', (d) => d.some((x) => x.includes("stopped")));
    expect(stopped).toEqual([
      "0:0 internal the analysis of this document took longer than 2 s and was stopped; it is analysed again after you change it (at most every 0.5 s)",
    ]);
    expect(client.log).toMatch(/took longer than 2 s while analysing .*slow\.segql: the analysis was stopped and restarted/);
    // Everything else is served by the new worker.
    expect(await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri: uri("slow.segql") }, position: { line: 0, character: 20 } })).toBeNull();
    expect(await labels("main.segql", 0, 'segment "Main" as in segment '.length)).toEqual(['"Paying"']);
    // Fixed, and past the retry delay: analysed again.
    await new Promise((r) => setTimeout(r, 600));
    const fixed = client.nextDiagnostics(uri("slow.segql"), (p) => !flatDiagnostics(p.diagnostics).some((x) => x.includes("stopped")));
    await client.connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri: uri("slow.segql"), version: version++ },
      contentChanges: [{ text: 'segment "Slow" as tenure > "y"\n' }],
    });
    expect(flatDiagnostics((await fixed).diagnostics)).toEqual(['0:27 value-type tenure is a number field, so it cannot be compared with the text "y"']);
  }, 60_000);
});
