/**
 * A segment id that is in the trash (Recently deleted) is still a 404 `not-found`, but one that says so:
 * "segment #12 "VIP" is in Recently deleted (deleted …); restore it with POST
 * /api/deleted-segments/12/restore", with `deleted: {id, name, deletedAt, restore}`, on the segment's own
 * routes and its sub-routes. An id that was never a segment, or was purged, keeps the plain "no segment #N".
 */
import { afterEach, describe, expect, it } from "vitest";
import { BACKENDS, expectProblem, openTestApi, seed, type TestApi } from "./helpers.js";

describe.each(BACKENDS)("a deleted segment's id (%s)", (backend) => {
  let api: TestApi | null = null;
  afterEach(async () => {
    await api?.dispose();
    api = null;
  });

  it("gets a 404 that says it is in Recently deleted and how to restore it, on every route of the segment", async () => {
    api = await openTestApi(backend);
    await seed(api);
    const id = (await api.call("POST", "/api/segments", { json: { name: "VIP", kind: "dynamic", expression: "ltv > 100" } })).body.id as number;
    expect((await api.call("DELETE", `/api/segments/${id}`)).status).toBe(204);
    const deletedAt = (await api.call("GET", "/api/deleted-segments")).body.items[0].deletedAt as string;
    const detail = `segment #${id} "VIP" is in Recently deleted (deleted ${deletedAt}); restore it with POST /api/deleted-segments/${id}/restore`;
    const calls: [string, string, unknown?][] = [
      ["GET", `/api/segments/${id}`],
      ["PATCH", `/api/segments/${id}`, { description: "x" }],
      ["DELETE", `/api/segments/${id}`],
      ["GET", `/api/segments/${id}/versions`],
      ["GET", `/api/segments/${id}/changes`],
      ["GET", `/api/segments/${id}/members`],
      ["POST", `/api/segments/${id}/refresh`],
      ["POST", `/api/segments/${id}/duplicate`, {}],
    ];
    for (const [method, path, json] of calls) {
      const p = expectProblem(await api.call(method, path, json !== undefined ? { json } : {}), 404, "not-found");
      expect({ method, path, detail: p.detail, deleted: p.deleted }).toEqual({ method, path, detail, deleted: { id, name: "VIP", deletedAt, restore: `/api/deleted-segments/${id}/restore` } });
    }
    // The way it names works.
    expect((await api.call("POST", `/api/deleted-segments/${id}/restore`)).status).toBe(200);
    expect((await api.call("GET", `/api/segments/${id}`)).body.name).toBe("VIP");
  });

  it("keeps the plain 404 for an id that was never a segment or was purged", async () => {
    api = await openTestApi(backend);
    const id = (await api.call("POST", "/api/segments", { json: { name: "Gone", kind: "static" } })).body.id as number;
    await api.call("DELETE", `/api/segments/${id}`);
    expect((await api.call("DELETE", `/api/deleted-segments/${id}`)).status).toBe(204);
    for (const missing of [id, id + 100]) {
      const p = expectProblem(await api.call("GET", `/api/segments/${missing}`), 404, "not-found");
      expect(p.detail).toBe(`no segment #${missing}`);
      expect(p.deleted).toBeUndefined();
    }
  });
});
