/**
 * POST /api/deleted-segments/{id}/restore whose readers run past the query time limit answers 200 with the
 * segment restored (no longer 422 query-timeout with nothing restored); the slow reader's JSON says its
 * refresh failed, with the limit. DuckDB (the slow condition of test/store/refresh-status.test.ts).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/server/index.js";
import { openSeeded } from "../store/seeded-store.js";
import { wideOr } from "../store/wide-or.js";
import { checkEveryReply, readReply } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "segql-restore-slow-reader-api-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("a restore whose reader runs past the query time limit over HTTP (DuckDB)", () => {
  it("is 200 with the segment back, and the reader is failed with query-timeout", async () => {
    const { store, dispose } = await openSeeded("duckdb", dir, 250, async (s) => {
      await s.upsertContacts(Array.from({ length: 3000 }, (_, i) => ({ id: `c${i}`, name: `n${i}`, ltv: i % 700 })));
      await s.createSegment({ name: "Rich", kind: "dynamic", expression: "ltv > 600" });
      await s.createSegment({ name: "Wide rich", kind: "dynamic", expression: `in segment "Rich" and (${wideOr(1000)})` });
      await s.deleteSegment(1, { force: true });
    });
    const app = createApp({ store, log: () => undefined });
    checkEveryReply(app);
    try {
      const restored = await readReply(await app.request("/api/deleted-segments/1/restore", { method: "POST" }));
      expect(restored.status).toBe(200);
      expect(restored.body).toMatchObject({ id: 1, name: "Rich", referencedBy: [expect.objectContaining({ name: "Wide rich" })] });
      const reader = await readReply(await app.request("/api/segments/2"));
      expect(reader.body.refresh).toMatchObject({ status: "failed", error: { code: "query-timeout", limitMs: 250 } });
      const failed = await readReply(await app.request("/api/segments?refresh=failed"));
      expect(failed.body.items.map((s: { name: string }) => s.name)).toEqual(["Wide rich"]);
    } finally {
      await dispose();
    }
  });
});
