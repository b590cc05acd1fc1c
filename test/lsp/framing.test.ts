/**
 * Malformed frames end the connection cleanly (issue 10, case 11): each case spawns its own server, sends
 * bytes that are not a valid LSP frame, and expects one line on standard error saying what was wrong and
 * an exit with code 2 — not a server that hangs without answering.
 */
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, it } from "vitest";
import { bundleServer, ROOT, SERVER_ARGS, stdioArgs } from "./client.js";

let bundle: string;
beforeAll(async () => {
  bundle = await bundleServer();
}, 120_000);
afterAll(() => rmSync(bundle, { recursive: true, force: true }));

const frame = (body: string | Buffer, length = Buffer.byteLength(body)) =>
  Buffer.concat([Buffer.from(`Content-Length: ${length}\r\n\r\n`), Buffer.isBuffer(body) ? body : Buffer.from(body)]);
const INITIALIZE = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { processId: null, rootUri: null, capabilities: {} } });

interface Outcome {
  code: number | null;
  stderr: string;
  stdout: string;
}

/** Starts a server, writes `input` (then ends the input when asked), and waits for the process to end. */
function run(input: Buffer, options: { end?: boolean; cli?: boolean } = {}): Promise<Outcome> {
  const args = options.cli ? SERVER_ARGS : stdioArgs({ incompleteTimeoutMs: 500 }, bundle);
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  let stdout = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stdin.on("error", () => undefined); // the server may close its input first
  child.stdin.write(input);
  if (options.end) child.stdin.end();
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, stderr, stdout })));
}

/** The server's complaint: the one line about the client's message ("" if there is not exactly one). */
function complaint(o: Outcome): string {
  const lines = o.stderr.split("\n").filter((l) => l.startsWith("segql lsp: malformed message"));
  return lines.length === 1 ? lines[0]! : `${lines.length} complaints in: ${o.stderr}`;
}

// Each case is its own server process; a few run at once.
describe.concurrent("a malformed frame ends the server with one line on stderr and exit code 2", () => {
  it("a Content-Length that is not a number (through the real 'segql lsp --stdio')", async ({ expect }) => {
    const o = await run(Buffer.from("Content-Length: abc\r\n\r\n{}"), { cli: true });
    expect(o.code).toBe(2);
    expect(complaint(o)).toBe('segql lsp: malformed message from the client: Content-Length must be a whole number of bytes, found "abc" (at byte 0 of the input); closing the connection');
  });

  it("a Content-Length shorter than the body", async ({ expect }) => {
    const o = await run(frame(INITIALIZE, 10));
    expect(o.code).toBe(2);
    expect(complaint(o)).toMatch(/a message body is not JSON \(.*\), or its Content-Length \(10\) is wrong/);
  });

  it("a Content-Length longer than what arrives", async ({ expect }) => {
    const o = await run(frame(INITIALIZE, 500));
    expect(o.code).toBe(2);
    expect(complaint(o)).toMatch(/a message announced 500 bytes \(Content-Length\) but only \d+ arrived in 0.5 s/);
  });

  it("no Content-Length header", async ({ expect }) => {
    const o = await run(Buffer.from(`Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n${INITIALIZE}`));
    expect(o.code).toBe(2);
    expect(complaint(o)).toMatch(/a message has no Content-Length header/);
  });

  it("a line that is not a header", async ({ expect }) => {
    const o = await run(Buffer.from(`${INITIALIZE}\r\n\r\n`));
    expect(o.code).toBe(2);
    expect(complaint(o)).toMatch(/a message header is not 'Name: value'/);
  });

  it("a huge Content-Length", async ({ expect }) => {
    const o = await run(Buffer.from("Content-Length: 99999999999\r\n\r\n{"));
    expect(o.code).toBe(2);
    expect(complaint(o)).toMatch(/announced 99999999999 bytes \(Content-Length\), more than the 67108864 accepted/);
  });

  it("a body that is not JSON", async ({ expect }) => {
    const o = await run(frame("{oops!!!}"));
    expect(o.code).toBe(2);
    expect(complaint(o)).toMatch(/a message body is not JSON/);
  });

  it("a body that is not UTF-8", async ({ expect }) => {
    const o = await run(frame(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])));
    expect(o.code).toBe(2);
    expect(complaint(o)).toMatch(/a message body is not valid UTF-8/);
  });

  it("a body that is JSON but not a message", async ({ expect }) => {
    const o = await run(frame("[1, 2, 3]"));
    expect(o.code).toBe(2);
    expect(complaint(o)).toMatch(/a message body is not a JSON object/);
  });

  it("headers that never end", async ({ expect }) => {
    const o = await run(Buffer.from(`Content-Length: 10\r\nX-Filler: ${"x".repeat(10_000)}`));
    expect(o.code).toBe(2);
    expect(complaint(o)).toMatch(/headers are longer than 8192 bytes/);
  });

  it("an input that ends in the middle of a message", async ({ expect }) => {
    const o = await run(frame(INITIALIZE, INITIALIZE.length + 20), { end: true });
    expect(o.code).toBe(2);
    expect(complaint(o)).toMatch(/the input ended in the middle of a message/);
  });

  it("after answering the well-formed messages that came before", async ({ expect }) => {
    const o = await run(Buffer.concat([frame(INITIALIZE), Buffer.from("Content-Length: 1x\r\n\r\n")]));
    expect(o.code).toBe(2);
    expect(o.stdout).toMatch(/"id":1,"result":\{"serverInfo":\{"name":"segql"/);
    expect(complaint(o)).toMatch(/found "1x" \(at byte \d+ of the input\)/);
  });
});

describe("the end of the input", () => {
  it("without shutdown and exit ends the server with code 1 and no complaint", async ({ expect }) => {
    const o = await run(frame(INITIALIZE), { end: true });
    expect(o.code).toBe(1);
    expect(o.stderr).not.toMatch(/malformed/);
  });
});
