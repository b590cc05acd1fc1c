/**
 * A synchronous import (no `Prefer: respond-async`) stops when its client goes away, as an export does:
 * the rows written so far are rolled back (the import is one transaction), the history records it
 * `cancelled`, and the server goes on answering. Before, the import ran to its end for nobody and wrote
 * every row. The abort is placed after the first batch of rows is written in the import's transaction
 * (the store's `onProgress`, added by a wrapper), so what is rolled back is real.
 *
 * A garbage collection is forced just before the abort: a body sent without Content-Length (chunked) is
 * passed on in requests made from the client's (app.ts `countedBody`, then the body limit), whose signals
 * Node links to the client's only weakly; the one in the middle was collected and the abort got lost (the
 * import ran on, about 1 run in 4 without the forced collection).
 */
import { request as httpRequest } from "node:http";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../../src/server/index.js";
import type { ImportOptions, ImportReport, Store } from "../../src/store/index.js";
import { BACKENDS, expectProblem, openTestApi, readReply, type TestApi } from "./helpers.js";

/** More rows than the importer's batch (5,000), so that one batch is written before the client goes. */
const ROWS = 12_000;
const contactsCsv = "id,name,ltv\n" + Array.from({ length: ROWS }, (_, i) => `k${i},n${i},${i % 900}\n`).join("");
const eventsJsonl = Array.from({ length: ROWS }, (_, i) => JSON.stringify({ contact_id: "c1", event: "Purchase", occurred_at: `2025-01-01T00:00:${String(i % 60).padStart(2, "0")}Z`, properties: { amount: i } })).join("\n");

type ImportMethod = "importContacts" | "importEvents";

/** A full garbage collection, now (V8's `gc`, exposed for this process). */
setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

/** Calls `atRows` once the store's next import of `method` has read (and written, in its transaction) its first batch. */
function onFirstBatch(store: Store, method: ImportMethod, atRows: () => void): { restore(): void } {
  const target = store as unknown as Record<ImportMethod, (file: string, options?: ImportOptions) => Promise<ImportReport>>;
  const original = target[method];
  target[method] = (file, options = {}) => {
    target[method] = original;
    let told = false;
    return original.call(store, file, {
      ...options,
      onProgress: (rows, total) => {
        options.onProgress?.(rows, total);
        if (!told && rows > 0 && rows < (total ?? Infinity)) {
          told = true;
          collectGarbage();
          atRows();
        }
      },
    });
  };
  return { restore: () => void (target[method] = original) };
}

const CASES: [string, ImportMethod, string, string][] = [
  ["/api/contacts/import?filename=leads.csv", "importContacts", "text/csv", contactsCsv],
  ["/api/events/import?filename=orders.jsonl", "importEvents", "application/x-ndjson", eventsJsonl],
];

describe.each(BACKENDS)("a synchronous import whose client goes away on %s", (backend) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await openTestApi(backend);
    expect((await api.call("POST", "/api/contacts", { json: { contacts: [{ id: "c1", ltv: 1 }] } })).status).toBe(200);
  });
  afterAll(() => api.dispose());

  it("is stopped mid-file and writes nothing: 409 cancelled, the history says cancelled, the next import works", async () => {
    for (const [path, method, type, body] of CASES) {
      const before = (await api.call("GET", "/api/health")).body;
      const controller = new AbortController();
      const hook = onFirstBatch(api.store, method, () => controller.abort());
      try {
        // No Content-Length: the body goes the chunked way through the server's middleware.
        const answer = await api.app.request(new Request(`http://localhost${path}`, { method: "POST", headers: { "content-type": type }, body, signal: controller.signal }));
        const name = path.split("filename=")[1]!;
        expect(expectProblem(await readReply(answer), 409, "cancelled").detail, path).toBe(`the import of ${name} was cancelled; nothing was written`);
        const after = (await api.call("GET", "/api/health")).body;
        expect([after.contacts, after.events], path).toEqual([before.contacts, before.events]);
        const last = (await api.call("GET", "/api/import-history?limit=1")).body.items[0];
        expect([last.file, last.state, last.inserted], path).toEqual([name, "cancelled", 0]);
      } finally {
        hook.restore();
      }
    }
    // The server goes on: the same files imported by a client that stays.
    expect((await api.call("POST", "/api/contacts/import", { raw: contactsCsv, headers: { "content-type": "text/csv" } })).body.inserted).toBe(ROWS);
    expect((await api.call("POST", "/api/events/import", { raw: eventsJsonl, headers: { "content-type": "application/x-ndjson" } })).body.inserted).toBe(ROWS);
  });
});

describe("a synchronous import whose connection is closed, over a socket (DuckDB)", () => {
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

  it.each([
    ["with a Content-Length", { "content-length": String(Buffer.byteLength(contactsCsv)) }],
    ["chunked", { "transfer-encoding": "chunked" }],
  ])("sent %s, is stopped and writes nothing; the server answers the next request", async (_, length) => {
    let closeConnection = () => {};
    const hook = onFirstBatch(api.store, "importContacts", () => closeConnection());
    try {
      const url = new URL(`${server.url}/api/contacts/import?filename=leads.csv`);
      const gone = new Promise<void>((resolve) => {
        const req = httpRequest(url, { method: "POST", headers: { "content-type": "text/csv", ...length } });
        closeConnection = () => req.destroy();
        req.on("error", () => resolve());
        req.on("close", () => resolve());
        req.end(contactsCsv);
      });
      await gone;
      // The import ends on the server after the client has gone: wait for its history row to leave `running`.
      let last: { state: string; inserted: number } | undefined;
      for (;;) {
        last = (await api.store.listImports({ limit: 1 })).items[0];
        if (last && last.state !== "running") break;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect([last!.state, last!.inserted]).toEqual(["cancelled", 0]);
      expect((await api.call("GET", "/api/health")).body.contacts).toBe(0);
      expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
    } finally {
      hook.restore();
    }
  });
});
