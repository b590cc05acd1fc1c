/**
 * A segment's JSON says how its last refresh went (`refresh`): a refresh that could not run, or ran past
 * the query time limit, is `failed` with when and why until a refresh succeeds; `GET /api/segments?refresh=failed`
 * lists those segments; the OpenAPI document describes both (every reply here is checked against it).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/server/index.js";
import { openSeeded } from "../store/seeded-store.js";
import { wideOr } from "../store/wide-or.js";
import { BACKENDS, checkEveryReply, expectProblem, openTestApi, readReply } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "segql-refresh-status-api-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each(BACKENDS)("a segment's last refresh over HTTP on %s", (backend) => {
  it("is failed with when and why after a refresh that cannot run, listed by refresh=failed, and ok again after one that succeeds", async () => {
    const api = await openTestApi(backend);
    try {
      await api.call("POST", "/api/contacts", { json: { contacts: [{ id: "a", plan: "Pro", ltv: 500 }, { id: "b", plan: "Free", ltv: 900 }] } });
      expect((await api.call("POST", "/api/segments", { json: { name: "Pro", kind: "dynamic", expression: 'plan = "Pro"' } })).status).toBe(201);
      const made = await api.call("POST", "/api/segments", { json: { name: "Whales", kind: "dynamic", expression: 'in segment "Pro" and ltv > 100' } });
      expect(made.body.refresh).toEqual({ status: "ok", triedAt: made.body.refreshedAt });
      expect((await api.call("DELETE", "/api/segments/1?force=true")).status).toBe(204);

      const refreshed = await api.call("POST", "/api/refresh");
      expect(refreshed.body.results).toEqual([expect.objectContaining({ name: "Whales", skipped: 'its expression has errors: unknown segment "Pro"' })]);
      const stale = (await api.call("GET", "/api/segments/2")).body;
      expect(stale.refresh).toEqual({ status: "failed", triedAt: expect.any(String), error: { code: "invalid-expression", message: 'its expression has errors: unknown segment "Pro"' } });
      expect(Date.parse(stale.refresh.triedAt)).toBeGreaterThanOrEqual(Date.parse(stale.refreshedAt));
      expect(stale.refreshedAt).toBe(made.body.refreshedAt);
      expect(stale.memberCount).toBe(1);
      const failed = await api.call("GET", "/api/segments?refresh=failed");
      expect(failed.body.items.map((s: { name: string }) => s.name)).toEqual(["Whales"]);
      expectProblem(await api.call("GET", "/api/segments?refresh=ok"), 400, "invalid-request");

      expect((await api.call("POST", "/api/deleted-segments/1/restore")).status).toBe(200);
      const fresh = (await api.call("GET", "/api/segments/2")).body;
      expect(fresh.refresh).toEqual({ status: "ok", triedAt: fresh.refreshedAt });
      expect((await api.call("GET", "/api/segments?refresh=failed")).body.items).toEqual([]);
      // A static segment has no refresh.
      const list = await api.call("POST", "/api/segments", { json: { name: "Picked", kind: "static", members: ["a"] } });
      expect(list.body.refresh).toBeNull();
    } finally {
      await api.dispose();
    }
  });
});

describe("a refresh past the query time limit over HTTP (DuckDB)", () => {
  it("leaves the segment failed with the limit in its error", async () => {
    const { store, dispose } = await openSeeded("duckdb", dir, 250, async (s) => {
      await s.upsertContacts(Array.from({ length: 3000 }, (_, i) => ({ id: `c${i}`, name: `n${i}`, ltv: i % 700 })));
      await s.createSegment({ name: "Wide", kind: "dynamic", expression: wideOr(1000) });
    });
    const app = createApp({ store, log: () => undefined });
    checkEveryReply(app);
    try {
      const result = await readReply(await app.request("/api/segments/1/refresh", { method: "POST" }));
      expect(result.body.results[0].skipped).toMatch(/^its refresh took longer than the query time limit \(250 ms\)/);
      const segment = await readReply(await app.request("/api/segments/1"));
      expect(segment.body.refresh).toMatchObject({ status: "failed", error: { code: "query-timeout", message: "it took longer than the query time limit (250 ms) and was stopped", limitMs: 250 } });
      const doc = await readReply(await app.request("/openapi.json"));
      expect(Object.keys(doc.body.components.schemas)).toEqual(expect.arrayContaining(["RefreshStatus", "RefreshFailure"]));
    } finally {
      await dispose();
    }
  });
});
