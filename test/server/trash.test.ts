/**
 * The trash through HTTP on every backend: a delete keeps the segment in `/api/deleted-segments`, from
 * where it is restored (with its name, or another when the name was taken) or purged; each error a problem.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BACKENDS, expectProblem, openTestApi, seed, type TestApi } from "./helpers.js";

describe.each(BACKENDS)("trash API on %s", (backend) => {
  let api: TestApi;
  beforeEach(async () => {
    api = await openTestApi(backend);
    await seed(api);
  });
  afterEach(() => api.dispose());

  const create = async (name: string, expression: string) => {
    const r = await api.call("POST", "/api/segments", { json: { name, kind: "dynamic", expression } });
    if (r.status !== 201) throw new Error(`create ${name}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };

  it("a deleted segment is listed in the trash and restored with its id, members and a new version", async () => {
    const s = await create("Pro plan", 'plan = "Pro"');
    expect((await api.call("DELETE", `/api/segments/${s.id}`, { headers: { "segql-user": "ana" } })).status).toBe(204);
    expect((await api.call("GET", `/api/segments/${s.id}`)).status).toBe(404);
    const trash = await api.call("GET", "/api/deleted-segments");
    expect(trash.status).toBe(200);
    expect(trash.body.items).toEqual([expect.objectContaining({ id: s.id, name: "Pro plan", kind: "dynamic", expression: 'plan = "Pro"', version: 2, deletedBy: "ana", memberCount: s.memberCount })]);
    expect(trash.body.next).toBeNull();

    const back = await api.call("POST", `/api/deleted-segments/${s.id}/restore`, { headers: { "segql-user": "bo" } });
    expect(back.status).toBe(200);
    expect(back.headers.get("location")).toBe(`/api/segments/${s.id}`);
    expect(back.headers.get("etag")).toBe('"v3"');
    expect(back.body).toMatchObject({ id: s.id, name: "Pro plan", version: 3, memberCount: s.memberCount, updatedBy: "bo" });
    const got = await api.call("GET", `/api/segments/${s.id}`);
    expect(got.body).toEqual(back.body);
    const versions = await api.call("GET", `/api/segments/${s.id}/versions`);
    expect(versions.body.items.map((v: { changed: string[] }) => v.changed)).toEqual([["created"], ["deleted"], ["restored"]]);
    expect((await api.call("GET", "/api/deleted-segments")).body.items).toEqual([]);
  });

  it("a name taken meanwhile is a 409 naming the holder; restoring under another name works", async () => {
    const s = await create("Pro plan", 'plan = "Pro"');
    await api.call("DELETE", `/api/segments/${s.id}`);
    const taker = await create("PRO PLAN", "ltv > 1");
    const refused = expectProblem(await api.call("POST", `/api/deleted-segments/${s.id}/restore`), 409, "name-taken");
    expect(refused.detail).toContain(`#${taker.id}`);
    const bad = expectProblem(await api.call("POST", `/api/deleted-segments/${s.id}/restore`, { json: { name: "" } }), 400, "invalid-request");
    expect(bad.issues).toContainEqual(expect.objectContaining({ in: "body", path: "name" }));
    expectProblem(await api.call("POST", `/api/deleted-segments/${s.id}/restore`, { json: { name: "Pro", colour: 1 } }), 400, "invalid-request");
    const back = await api.call("POST", `/api/deleted-segments/${s.id}/restore`, { json: { name: "Pro plan (old)" } });
    expect(back.status).toBe(200);
    expect(back.body).toMatchObject({ id: s.id, name: "Pro plan (old)" });
  });

  it("purges for good; unknown and live ids are 404s; bad ids 400s", async () => {
    const s = await create("Gone", "ltv > 1");
    await api.call("DELETE", `/api/segments/${s.id}`);
    expect((await api.call("DELETE", `/api/deleted-segments/${s.id}`)).status).toBe(204);
    expect((await api.call("GET", "/api/deleted-segments")).body.items).toEqual([]);
    expect(expectProblem(await api.call("POST", `/api/deleted-segments/${s.id}/restore`), 404, "not-found").detail).toBe(`no deleted segment #${s.id}`);
    expectProblem(await api.call("DELETE", `/api/deleted-segments/${s.id}`), 404, "not-found");
    const live = await create("Live", "ltv > 1");
    expectProblem(await api.call("POST", `/api/deleted-segments/${live.id}/restore`), 404, "not-found");
    expectProblem(await api.call("DELETE", `/api/deleted-segments/0`), 400, "invalid-request");
    expectProblem(await api.call("GET", "/api/deleted-segments?limit=0"), 400, "invalid-request");
    expectProblem(await api.call("GET", "/api/deleted-segments?cursor=abc"), 400, "invalid-request");
  });

  it("says when the server purges each deleted segment (30 days by default), and empties the trash", async () => {
    const a = await create("First", "ltv > 1");
    const b = await create("Second", "ltv > 2");
    for (const s of [a, b]) await api.call("DELETE", `/api/segments/${s.id}`);
    const trash = (await api.call("GET", "/api/deleted-segments")).body.items as { deletedAt: string; purgesAt: string }[];
    expect(trash).toHaveLength(2);
    for (const d of trash) expect(Date.parse(d.purgesAt) - Date.parse(d.deletedAt)).toBe(30 * 86_400_000);
    const emptied = await api.call("DELETE", "/api/deleted-segments");
    expect(emptied.status).toBe(200);
    expect(emptied.body).toEqual({ purged: 2 });
    expect((await api.call("GET", "/api/deleted-segments")).body.items).toEqual([]);
    expectProblem(await api.call("POST", `/api/deleted-segments/${a.id}/restore`), 404, "not-found");
    expect((await api.call("DELETE", "/api/deleted-segments")).body).toEqual({ purged: 0 });
  });

  it("pages the trash with its cursor, latest deletion first, and searches names", async () => {
    const names = ["One", "Two", "Three"];
    for (const name of names) {
      const s = await create(name, "ltv > 1");
      await api.call("DELETE", `/api/segments/${s.id}`);
    }
    const first = await api.call("GET", "/api/deleted-segments?limit=2");
    expect(first.body.items.map((d: { name: string }) => d.name)).toEqual(["Three", "Two"]);
    const second = await api.call("GET", `/api/deleted-segments?limit=2&cursor=${encodeURIComponent(first.body.next)}`);
    expect(second.body.items.map((d: { name: string }) => d.name)).toEqual(["One"]);
    expect(second.body.next).toBeNull();
    expect((await api.call("GET", "/api/deleted-segments?search=t")).body.items.map((d: { name: string }) => d.name)).toEqual(["Three", "Two"]);
  });
});

describe("trash retention", () => {
  it("follows keepDeletedMs, and says null when the trash is kept until purged by hand", async () => {
    for (const [keepDeletedMs, expected] of [[3_600_000, 3_600_000], [null, null]] as const) {
      const api = await openTestApi("duckdb", { keepDeletedMs });
      try {
        const s = await api.call("POST", "/api/segments", { json: { name: "X", kind: "static" } });
        await api.call("DELETE", `/api/segments/${s.body.id}`);
        const [d] = (await api.call("GET", "/api/deleted-segments")).body.items as { deletedAt: string; purgesAt: string | null }[];
        expect(d!.purgesAt === null ? null : Date.parse(d!.purgesAt) - Date.parse(d!.deletedAt)).toBe(expected);
      } finally {
        await api.dispose();
      }
    }
  });
});
