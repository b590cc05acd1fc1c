/**
 * The frame reader in-process: messages come out whole and in order however the bytes are cut into chunks
 * (a law, checked with fast-check), and a large message is joined once, not once per chunk (a 30 MB
 * didOpen in 64 KB chunks took 44 s of the server's main thread when every chunk copied all before it).
 */
import fc from "fast-check";
import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Message } from "vscode-languageserver/node";
import { FrameReader } from "../../src/lsp/frame-reader.js";

const frame = (message: object) => {
  const body = Buffer.from(JSON.stringify(message));
  return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`), body]);
};

/** Feeds `bytes` in chunks cut at `cuts` and returns what the reader read (and any framing error). */
function read(bytes: Buffer, cuts: number[]): { messages: Message[]; errors: string[] } {
  const stream = new PassThrough();
  const reader = new FrameReader(stream, { incompleteTimeoutMs: 60_000 });
  const messages: Message[] = [];
  const errors: string[] = [];
  reader.onFramingError((e) => errors.push(e));
  reader.listen((m) => messages.push(m));
  let at = 0;
  for (const cut of [...new Set(cuts)].filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b)) {
    stream.write(bytes.subarray(at, cut));
    at = cut;
  }
  stream.write(bytes.subarray(at));
  reader.dispose();
  return { messages, errors };
}

afterEach(() => vi.restoreAllMocks());

describe("the frame reader", () => {
  it("reads the same messages however the stream is cut into chunks", () => {
    const message = fc.record({
      jsonrpc: fc.constant("2.0"),
      method: fc.constantFrom("textDocument/didChange", "textDocument/hover", "$/cancelRequest"),
      id: fc.option(fc.nat(), { nil: undefined }),
      params: fc.record({ text: fc.string({ unit: "binary", maxLength: 200 }), id: fc.nat() }),
    });
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 30 }), (messages, cuts) => {
        const sent = messages.map((m) => JSON.parse(JSON.stringify(m)) as Message);
        const bytes = Buffer.concat(sent.map(frame));
        const { messages: got, errors } = read(bytes, cuts.map((c) => c % (bytes.length + 1)));
        expect(errors).toEqual([]);
        expect(got).toEqual(sent);
      }),
      { numRuns: 300 },
    );
  });

  it("joins a large message's chunks once, not once per chunk", () => {
    const text = "x".repeat(16 * 1024 * 1024);
    const bytes = frame({ jsonrpc: "2.0", method: "textDocument/didOpen", params: { textDocument: { uri: "file:///a.segql", languageId: "segql", version: 1, text } } });
    const cuts = Array.from({ length: Math.floor(bytes.length / 65536) }, (_, i) => (i + 1) * 65536);
    const concat = vi.spyOn(Buffer, "concat");
    const { messages, errors } = read(bytes, cuts);
    const copied = concat.mock.results.reduce((sum, r) => sum + (r.value as Buffer).length, 0);
    expect(errors).toEqual([]);
    expect((messages[0] as unknown as { params: { textDocument: { text: string } } }).params.textDocument.text.length).toBe(text.length);
    // Once-per-chunk joining copies about (chunks / 2) times the message: 128 times here.
    expect(copied).toBeLessThan(3 * bytes.length);
  });
});
