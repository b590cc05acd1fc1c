/**
 * The change feed over HTTP carries a segment's refresh-status changes when asked (`include=refresh`): a
 * `RefreshChange` item (no `key`; `change` `refresh-failed` / `refresh-ok`; `refresh` as the segment says
 * it) in `seq` order with the membership changes; without it the feed is membership changes only, as
 * existing clients read it. A long poll with it is answered by a failed refresh. Creating a segment with the
 * name a broken reader reads refreshes that reader at once. Every reply is checked against /openapi.json.
 */
import { describe, expect, it } from "vitest";
import { BACKENDS, expectProblem, openTestApi } from "./helpers.js";

type Item = { seq: number; segmentId: number; change: string; key?: string; refresh?: { status: string; error?: { code: string } } };
const brief = (items: Item[]) => items.map((i) => [i.segmentId, i.change, i.key ?? i.refresh?.error?.code ?? i.refresh?.status]);

describe.each(BACKENDS)("refresh status in the change feed over HTTP on %s", (backend) => {
  it("include=refresh adds refresh-failed and refresh-ok items; without it nothing changes for existing clients", async () => {
    const api = await openTestApi(backend);
    try {
      await api.call("POST", "/api/contacts", { json: { contacts: [{ id: "a", plan: "Pro", ltv: 500 }, { id: "b", plan: "Free", ltv: 900 }] } });
      await api.call("POST", "/api/segments", { json: { name: "Pro", kind: "dynamic", expression: 'plan = "Pro"' } });
      await api.call("POST", "/api/segments", { json: { name: "Whales", kind: "dynamic", expression: 'in segment "Pro" and ltv > 100' } });
      expect((await api.call("DELETE", "/api/segments/1?force=true")).status).toBe(204);
      const since = (await api.call("GET", "/api/health")).body.lastChangeSeq;

      // A long poll asking for refresh items is answered by the failed refresh.
      const waiting = api.call("GET", `/api/changes?since=${since}&include=refresh&wait=30`);
      while (api.store.changeWaiters !== 1) await new Promise((resolve) => setImmediate(resolve));
      await api.call("POST", "/api/refresh");
      const failed = await waiting;
      expect(failed.status).toBe(200);
      expect(failed.body.items).toEqual([
        {
          seq: expect.any(Number),
          segmentId: 2,
          change: "refresh-failed",
          at: expect.any(String),
          segmentVersion: 1,
          refresh: { status: "failed", triedAt: expect.any(String), error: { code: "invalid-expression", message: 'its expression has errors: unknown segment "Pro"' } },
        },
      ]);
      // Without include: nothing new, the cursor stays, and every item has a key and entered / exited.
      expect((await api.call("GET", `/api/changes?since=${since}`)).body).toEqual({ items: [], next: since });
      // health's lastChangeSeq counts it: a cursor at it is not refused, with or without include.
      expect((await api.call("GET", "/api/health")).body.lastChangeSeq).toBe(failed.body.next);
      expect((await api.call("GET", `/api/changes?since=${failed.body.next}`)).status).toBe(200);

      // "Pro" made again: Whales refreshes at once (the page reading it is no longer out of date).
      const pro = await api.call("POST", "/api/segments", { json: { name: "Pro", kind: "dynamic", expression: 'plan = "Pro" or ltv > 800' } });
      expect(pro.status).toBe(201);
      expect((await api.call("GET", "/api/segments/2")).body.refresh).toMatchObject({ status: "ok" });
      const resumed = await api.call("GET", `/api/changes?since=${failed.body.next}&include=refresh`);
      expect(brief(resumed.body.items)).toEqual([
        [3, "entered", "a"],
        [3, "entered", "b"],
        [2, "entered", "b"],
        [2, "refresh-ok", "ok"],
      ]);
      const plain = await api.call("GET", `/api/changes?since=${failed.body.next}`);
      expect(plain.body.items.every((i: Item) => typeof i.key === "string" && (i.change === "entered" || i.change === "exited"))).toBe(true);
      expect(brief(plain.body.items)).toEqual(brief(resumed.body.items).slice(0, 3));
      expect(brief((await api.call("GET", `/api/changes?since=${since}&segmentId=2&include=refresh`)).body.items)).toEqual([
        [2, "refresh-failed", "invalid-expression"],
        [2, "entered", "b"],
        [2, "refresh-ok", "ok"],
      ]);

      const bad = await api.call("GET", "/api/changes?include=members");
      expectProblem(bad, 400, "invalid-request");
      expect(bad.body.issues[0]).toMatchObject({ in: "query", path: "include" });
    } finally {
      await api.dispose();
    }
  });

  it("/openapi.json describes the include parameter and the RefreshChange item", async () => {
    const api = await openTestApi(backend);
    try {
      const doc = (await api.call("GET", "/openapi.json")).body;
      const op = doc.paths["/api/changes"].get;
      expect(op.parameters.find((p: { name: string }) => p.name === "include")).toMatchObject({ in: "query", schema: { type: "array", items: { enum: ["refresh", "segments"] } } });
      expect(doc.components.schemas.RefreshChange.properties.change.enum).toEqual(["refresh-failed", "refresh-ok"]);
      expect(JSON.stringify(doc.components.schemas.ChangesPage)).toContain("#/components/schemas/RefreshChange");
    } finally {
      await api.dispose();
    }
  });
});
