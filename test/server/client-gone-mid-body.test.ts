/**
 * A client that goes away while it sends its body (a closed tab mid-upload, a killed curl) is not an
 * internal error: the server logged each one as `internal error … Error: aborted` with a stack, as it logs
 * a bug, and answered 500 to nobody. Now the request is answered as cancelled and nothing is logged; the
 * server keeps answering. Over a real socket, as only a socket can break off mid-body.
 */
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../../src/server/index.js";
import { openTestApi, type TestApi } from "./helpers.js";

/** Sends the start of a body announced as far longer, then closes the connection. */
function breakOffMidBody(url: string, type: string, start: string): Promise<void> {
  return new Promise((resolve) => {
    const req = request(url, { method: "POST", headers: { "content-type": type, "content-length": String(start.length * 100) } });
    req.on("error", () => resolve());
    req.on("close", () => resolve());
    req.write(start, () => setTimeout(() => req.destroy(), 50));
  });
}

describe("a client gone in the middle of its body, over a socket", () => {
  let api: TestApi;
  let server: RunningServer;
  const logged: string[] = [];
  beforeAll(async () => {
    api = await openTestApi("duckdb");
    server = await startServer({ store: api.store, port: 0, refreshEveryMs: null, log: (l) => logged.push(l) });
  });
  afterAll(async () => {
    await server.close();
    await api.dispose();
  });

  it.each([
    ["an import", "/api/contacts/import", "text/csv", "id,ltv\n" + "c1,1\n".repeat(2000)],
    ["a JSON write", "/api/contacts", "application/json", '{"contacts": [' + '{"id": "c1", "ltv": 1},'.repeat(2000)],
    ["a check", "/api/check", "application/json", '{"expression": "' + "ltv > 1 and ".repeat(2000)],
  ])("%s is not logged as an internal error, and nothing is written", async (_, path, type, start) => {
    await breakOffMidBody(`${server.url}${path}`, type, start);
    // The server reads the broken connection's close before the requests sent after it (one event loop, in
    // order), and handles its failure in the turns after: answered twice after it, it has been handled.
    for (let i = 0; i < 2; i++) expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
    expect(logged.filter((l) => l.includes("internal error"))).toEqual([]);
    expect((await api.call("GET", "/api/health")).body.contacts).toBe(0);
  });
});
