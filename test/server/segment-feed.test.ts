/**
 * The change feed over HTTP carries the segments' lifecycle when asked (`include=segments`, or
 * `include=refresh,segments` with the refresh-status changes): a `SegmentLifecycleChange` item (no `key`;
 * `change` `segment-created` / `-updated` / `-deleted` / `-restored`; `name`, `changed`) in `seq` order with
 * the membership changes. A long poll with it is answered by the delete of a segment with no members, which
 * the feed never mentioned before; without it the feed is as existing clients read it. Every reply is
 * checked against /openapi.json.
 */
import { describe, expect, it } from "vitest";
import { BACKENDS, expectProblem, openTestApi } from "./helpers.js";

type Item = { seq: number; segmentId: number; change: string; key?: string; name?: string; refresh?: { status: string } };
const brief = (items: Item[]) => items.map((i) => [i.segmentId, i.change, i.key ?? i.name ?? i.refresh?.status]);

describe.each(BACKENDS)("segment lifecycle in the change feed over HTTP on %s", (backend) => {
  it("include=segments adds lifecycle items; a long poll is answered by a memberless delete; without it nothing changes", async () => {
    const api = await openTestApi(backend);
    try {
      await api.call("POST", "/api/contacts", { json: { contacts: [{ id: "a", plan: "Pro", ltv: 500 }] } });
      const since = (await api.call("GET", "/api/health")).body.lastChangeSeq;
      const empty = (await api.call("POST", "/api/segments", { json: { name: "Nobody", kind: "static" } })).body;
      const pro = (await api.call("POST", "/api/segments", { json: { name: "Pro", kind: "dynamic", expression: 'plan = "Pro"' } })).body;
      expect((await api.call("PATCH", `/api/segments/${pro.id}`, { json: { name: "Pro plan" } })).status).toBe(200);
      const after = (await api.call("GET", "/api/health")).body.lastChangeSeq;

      // A long poll asking for segment items is answered by the delete of a segment nobody is in.
      const waiting = api.call("GET", `/api/changes?since=${after}&include=segments&wait=30`);
      while (api.store.changeWaiters !== 1) await new Promise((resolve) => setImmediate(resolve));
      expect((await api.call("DELETE", `/api/segments/${empty.id}`)).status).toBe(204);
      const deleted = await waiting;
      expect(deleted.status).toBe(200);
      expect(deleted.body.items).toEqual([
        { seq: expect.any(Number), segmentId: empty.id, change: "segment-deleted", at: expect.any(String), segmentVersion: 2, name: "Nobody", changed: ["deleted"] },
      ]);
      // health's lastChangeSeq counts it; without include the feed has nothing new and the cursor stays.
      expect((await api.call("GET", "/api/health")).body.lastChangeSeq).toBe(deleted.body.next);
      expect((await api.call("GET", `/api/changes?since=${after}`)).body).toEqual({ items: [], next: after });

      const all = await api.call("GET", `/api/changes?since=${since}&include=refresh,segments`);
      expect(brief(all.body.items)).toEqual([
        [empty.id, "segment-created", "Nobody"],
        [pro.id, "segment-created", "Pro"],
        [pro.id, "entered", "a"],
        [pro.id, "segment-updated", "Pro plan"],
        [empty.id, "segment-deleted", "Nobody"],
      ]);
      // The order of the list and a repeat do not matter.
      expect((await api.call("GET", `/api/changes?since=${since}&include=segments,refresh,segments`)).body).toEqual(all.body);
      const plain = await api.call("GET", `/api/changes?since=${since}`);
      expect(brief(plain.body.items)).toEqual([[pro.id, "entered", "a"]]);
      expect(brief((await api.call("GET", `/api/changes?since=${since}&segmentId=${pro.id}&include=segments`)).body.items)).toEqual([
        [pro.id, "segment-created", "Pro"],
        [pro.id, "entered", "a"],
        [pro.id, "segment-updated", "Pro plan"],
      ]);

      for (const include of ["members", "segments,", "refresh,,segments", ""]) {
        const bad = await api.call("GET", `/api/changes?include=${include}`);
        expectProblem(bad, 400, "invalid-request");
        expect(bad.body.issues[0]).toMatchObject({ in: "query", path: "include" });
      }
    } finally {
      await api.dispose();
    }
  });

  it("/openapi.json describes include as a comma-separated list and the SegmentLifecycleChange item", async () => {
    const api = await openTestApi(backend);
    try {
      const doc = (await api.call("GET", "/openapi.json")).body;
      const op = doc.paths["/api/changes"].get;
      expect(op.parameters.find((p: { name: string }) => p.name === "include")).toMatchObject({
        in: "query",
        style: "form",
        explode: false,
        schema: { type: "array", items: { enum: ["refresh", "segments"] } },
      });
      expect(doc.components.schemas.SegmentLifecycleChange.properties.change.enum).toEqual(["segment-created", "segment-updated", "segment-deleted", "segment-restored"]);
      expect(JSON.stringify(doc.components.schemas.ChangesPage)).toContain("#/components/schemas/SegmentLifecycleChange");
    } finally {
      await api.dispose();
    }
  });
});
