/**
 * A body past the limit sent chunked (no Content-Length: a stream, as Node's fetch sends a ReadableStream)
 * gets its 413 over a real socket, never a cut connection. Such a body is counted as it arrives and refused
 * once past the limit; the rest used to stay unread in the request's stream, and the socket was closed under
 * a client still writing it ("other side closed"). The body sent with a Content-Length is
 * too-large-over-socket.test.ts's.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../../src/server/index.js";
import { expectKeepsContract, openTestApi, readReply, type TestApi } from "./helpers.js";

/** `total` bytes of a JSON body, in 64 KiB chunks, as a stream (so fetch sends it chunked). */
function chunked(total: number): ReadableStream<Uint8Array> {
  const head = new TextEncoder().encode('{"expression": "ltv > ');
  const chunk = new Uint8Array(64 * 1024).fill(0x31);
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent === 0) {
        controller.enqueue(head);
        sent += head.byteLength;
      } else if (sent < total) {
        controller.enqueue(chunk);
        sent += chunk.byteLength;
      } else {
        controller.enqueue(new TextEncoder().encode('"}'));
        controller.close();
      }
    },
  });
}

describe("a body past the limit sent chunked, over a socket", () => {
  let api: TestApi;
  let server: RunningServer;
  beforeAll(async () => {
    api = await openTestApi("duckdb");
    server = await startServer({ store: api.store, port: 0, refreshEveryMs: null });
  });
  afterAll(async () => {
    await server.close();
    await api.dispose();
  });

  it("is a 413 with the limit every time, never a broken connection", async () => {
    const outcomes: string[] = [];
    for (let i = 0; i < 20; i++) {
      try {
        const res = await fetch(`${server.url}/api/check`, { method: "POST", headers: { "content-type": "application/json" }, body: chunked(3 * 1024 * 1024), duplex: "half" } as RequestInit);
        const reply = await readReply(res);
        await expectKeepsContract(api.app, "POST", "/api/check", reply);
        outcomes.push(`${reply.status} ${reply.body.type} ${reply.body.limit}`);
      } catch (e) {
        outcomes.push(`failed: ${(e as Error & { cause?: Error }).cause?.message ?? (e as Error).message}`);
      }
    }
    expect(outcomes).toEqual(Array(20).fill("413 urn:segql:problem:too-large 2097152"));
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
  });

  it("under the limit, is read whole", async () => {
    const res = await fetch(`${server.url}/api/check`, { method: "POST", headers: { "content-type": "application/json" }, body: chunked(30_000), duplex: "half" } as RequestInit);
    const reply = await readReply(res);
    await expectKeepsContract(api.app, "POST", "/api/check", reply);
    expect(reply.status).toBe(200);
    const csv = new Blob(["id,name\nchunked1,Ann\n"]).stream();
    const imported = await fetch(`${server.url}/api/contacts/import`, { method: "POST", headers: { "content-type": "text/csv" }, body: csv, duplex: "half" } as RequestInit);
    expect(imported.status).toBe(200);
    expect(await imported.json()).toMatchObject({ rows: 1, inserted: 1 });
  });
});
