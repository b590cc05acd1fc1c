/**
 * A DuckDB store whose write-back journal holds an upsert the database refuses (src/store/write-back.ts):
 * the API answers writes with 503 `writes-refused` saying where and why, and reads go on.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/server/index.js";
import { openStore, type Store } from "../../src/store/index.js";
import { crmSchema } from "../store/helpers.js";
import { checkEveryReply, expectProblem, readReply, requestInit } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "segql-refused-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The store's write-back path, reached as its own tests do (not part of the public surface). */
function writeBack(store: Store) {
  return (store as unknown as { writeBack: { drainDelayMs: number; raw: { exec(sql: string): Promise<void> } } }).writeBack;
}

describe("writes refused by a stuck journal", { timeout: 60_000 }, () => {
  it("is a 503 writes-refused problem naming the record; reads still answer", async () => {
    const db = join(dir, "crm.duckdb");
    const store = await openStore({ db, schema: crmSchema });
    const app = createApp({ store, log: () => undefined });
    checkEveryReply(app);
    const call = async (method: string, path: string, json?: unknown) => readReply(await app.request(path, requestInit(method, json === undefined ? {} : { json })));
    try {
      expect((await call("POST", "/api/segments", { name: "Big", kind: "dynamic", expression: "ltv > 100" })).status).toBe(201);
      // Keep the next upsert in the journal, then change the table under the store so it cannot be applied.
      const wb = writeBack(store);
      wb.drainDelayMs = 60_000;
      expect((await call("POST", "/api/contacts", { contacts: [{ id: "a", ltv: 500 }] })).status).toBe(200);
      await wb.raw.exec("ALTER TABLE contacts RENAME COLUMN ltv TO ltv_gone");
      expect((await call("GET", "/api/segments")).status).toBe(200);
      for (const [method, path, body] of [
        ["POST", "/api/contacts", { contacts: [{ id: "b", ltv: 1 }] }],
        ["POST", "/api/segments", { name: "Other", kind: "static" }],
      ] as const) {
        const p = expectProblem(await call(method, path, body), 503, "writes-refused");
        expect(p.detail).toMatch(/^writes are refused: record 1 \(line 1\) of the write-back journal /);
        expect(p).toMatchObject({ record: 1, line: 1, pending: 1, lastRecord: 1 });
        expect(p.reason).toMatch(/ltv/);
      }
    } finally {
      await store.close().catch(() => undefined);
    }
  });
});
