/**
 * Well-framed messages of a wrong shape (a hostile or buggy client): the server answers what it can and
 * stays up. Before frame-reader.ts mended them, a `$/cancelRequest` without a usable id ended the server
 * with an internal error (exit 3), and `"params": null` on a request was answered as an internal error
 * (-32603) naming a property read inside the protocol library.
 */
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { ROOT, SERVER_ARGS } from "./client.js";

const frame = (message: object) => {
  const body = Buffer.from(JSON.stringify(message));
  return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`), body]);
};

/** Every message the server wrote, parsed from its framed output. */
function messages(stdout: Buffer): { id?: unknown; method?: string; result?: unknown; error?: { code: number; message: string } }[] {
  const out = [];
  let rest = stdout;
  for (;;) {
    const end = rest.indexOf("\r\n\r\n");
    if (end < 0) break;
    const length = Number(/Content-Length: (\d+)/i.exec(rest.subarray(0, end).toString())![1]);
    out.push(JSON.parse(rest.subarray(end + 4, end + 4 + length).toString()));
    rest = rest.subarray(end + 4 + length);
  }
  return out;
}

/** Runs `segql lsp --stdio` over a whole session (ending with shutdown and exit) and collects its output. */
function session(middle: object[], before: object[] = [], afterShutdown: object[] = []): Promise<{ code: number | null; stderr: string; replies: ReturnType<typeof messages> }> {
  const uri = "file:///tmp/segql-message-shapes/a.segql";
  const input = [
    ...before,
    { jsonrpc: "2.0", id: 1, method: "initialize", params: { processId: null, rootUri: null, capabilities: {} } },
    { jsonrpc: "2.0", method: "initialized", params: {} },
    { jsonrpc: "2.0", method: "textDocument/didOpen", params: { textDocument: { uri, languageId: "segql", version: 1, text: "churn" } } },
    ...middle,
    { jsonrpc: "2.0", id: 100, method: "textDocument/documentSymbol", params: { textDocument: { uri } } },
    { jsonrpc: "2.0", id: 101, method: "shutdown" },
    ...afterShutdown,
    { jsonrpc: "2.0", method: "exit" },
  ];
  const child = spawn(process.execPath, SERVER_ARGS, { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] });
  const stdout: Buffer[] = [];
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => stdout.push(d));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  child.stdin.on("error", () => undefined);
  child.stdin.end(Buffer.concat(input.map(frame)));
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, stderr, replies: messages(Buffer.concat(stdout)) })));
}

describe("messages of a wrong shape", () => {
  it("a $/cancelRequest without a usable id is ignored, and the session goes on to a clean exit", async () => {
    const o = await session([
      { jsonrpc: "2.0", method: "$/cancelRequest", params: null },
      { jsonrpc: "2.0", method: "$/cancelRequest", params: 5 },
      { jsonrpc: "2.0", method: "$/cancelRequest", params: {} },
      { jsonrpc: "2.0", method: "$/cancelRequest", params: { id: null } },
      { jsonrpc: "2.0", method: "$/cancelRequest" },
    ]);
    expect(o.stderr).not.toMatch(/internal error/);
    expect(o.code).toBe(0);
    // Answered (a result, or "shutting down" when the shutdown that follows overtook it in the queue).
    expect(o.replies.find((r) => r.id === 100)).toBeDefined();
  }, 60_000);

  it("a request with \"params\": null is answered InvalidParams (-32602), not as an internal error", async () => {
    const o = await session([
      { jsonrpc: "2.0", id: 2, method: "textDocument/hover", params: null },
      { jsonrpc: "2.0", id: 3, method: "textDocument/completion", params: null },
      { jsonrpc: "2.0", id: 4, method: "textDocument/semanticTokens/full", params: null },
    ]);
    for (const id of [2, 3, 4]) expect(o.replies.find((r) => r.id === id)?.error?.code, `reply to ${id}`).toBe(-32602);
    expect(o.code).toBe(0);
  }, 60_000);

  it("a request before initialize is answered ServerNotInitialized (-32002); after it, the same request is served", async () => {
    const uri = "file:///tmp/segql-message-shapes/a.segql";
    const o = await session(
      [{ jsonrpc: "2.0", id: 5, method: "textDocument/foldingRange", params: { textDocument: { uri } } }],
      [{ jsonrpc: "2.0", id: 0, method: "textDocument/foldingRange", params: { textDocument: { uri } } }],
    );
    expect(o.replies.find((r) => r.id === 0)?.error?.code).toBe(-32002);
    // Served (a result, or "shutting down" when the shutdown that follows overtook it in the queue).
    const after = o.replies.find((r) => r.id === 5);
    expect(after).toBeDefined();
    expect(after?.error?.code).not.toBe(-32002);
    expect(o.code).toBe(0);
  }, 60_000);

  it("a request after shutdown is answered InvalidRequest (-32600), and exit still ends the session cleanly", async () => {
    const uri = "file:///tmp/segql-message-shapes/a.segql";
    const o = await session([], [], [
      { jsonrpc: "2.0", id: 200, method: "textDocument/foldingRange", params: { textDocument: { uri } } },
      { jsonrpc: "2.0", id: 201, method: "textDocument/hover", params: { textDocument: { uri }, position: { line: 0, character: 1 } } },
    ]);
    expect(o.replies.find((r) => r.id === 101)).toMatchObject({ result: null });
    for (const id of [200, 201]) expect(o.replies.find((r) => r.id === id)?.error?.code, `reply to ${id}`).toBe(-32600);
    expect(o.code).toBe(0);
  }, 60_000);
});
