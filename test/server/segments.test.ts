/**
 * Segment routes through HTTP on every backend: create / get / list (search, sort, cursor pages) / edit /
 * rename / duplicate / delete / convert / versions, with ETag and If-Match, and each error as a problem.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BACKENDS, expectProblem, openTestApi, seed, type TestApi } from "./helpers.js";

describe.each(BACKENDS)("segments API on %s", (backend) => {
  let api: TestApi;
  beforeEach(async () => {
    api = await openTestApi(backend);
    await seed(api);
  });
  afterEach(() => api.dispose());

  const create = async (name: string, expression: string | null, extra: Record<string, unknown> = {}) => {
    const r = await api.call("POST", "/api/segments", {
      json: expression === null ? { name, kind: "static", ...extra } : { name, kind: "dynamic", expression, ...extra },
    });
    if (r.status !== 201) throw new Error(`create ${name}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };

  it("creates a dynamic segment: 201, Location, ETag, its members computed; GET returns it with the same ETag", async () => {
    const r = await api.call("POST", "/api/segments", {
      json: { name: "Pro plan", description: "Paying", kind: "dynamic", expression: 'plan = "Pro"' },
      headers: { "segql-user": "ana" },
    });
    expect(r.status).toBe(201);
    expect(r.headers.get("location")).toBe(`/api/segments/${r.body.id}`);
    expect(r.headers.get("etag")).toBe('"v1"');
    expect(r.body).toMatchObject({ name: "Pro plan", description: "Paying", kind: "dynamic", expression: 'plan = "Pro"', version: 1, memberCount: 2, createdBy: "ana", problems: [] });
    const got = await api.call("GET", `/api/segments/${r.body.id}`);
    expect(got.status).toBe(200);
    expect(got.headers.get("etag")).toBe('"v1"');
    expect(got.body).toEqual(r.body);
    const members = await api.call("GET", `/api/segments/${r.body.id}/members`);
    expect(members.body.items.map((c: { id: string }) => c.id)).toEqual(["c1", "c4"]);
  });

  it("an invalid expression is a 422 with the checker's diagnostics, positioned, with the fix", async () => {
    const r = await api.call("POST", "/api/segments", { json: { name: "X", kind: "dynamic", expression: 'plan = "Prx"\n  and ltv > 1' } });
    const p = expectProblem(r, 422, "invalid-expression");
    expect(p.expression).toBe('plan = "Prx"\n  and ltv > 1');
    expect(p.diagnostics).toHaveLength(1);
    const d = p.diagnostics[0];
    expect(d).toMatchObject({ code: "unknown-value", severity: "error", line: 1, column: 8, start: 7, end: 12 });
    expect(d.message).toMatch(/Prx/);
    expect(d.fix.edits[0]).toMatchObject({ start: 7, end: 12, text: '"Pro"' });
    const second = await api.call("POST", "/api/segments", { json: { name: "Y", kind: "dynamic", expression: "ltv > 1\n and nope = 2" } });
    expect(expectProblem(second, 422, "invalid-expression").diagnostics[0]).toMatchObject({ code: "unknown-field", line: 2, column: 6, start: 13, end: 17 });
    expect((await api.call("GET", "/api/segments")).body.items).toEqual([]);
  });

  it("unknown fields and wrong types are 400s naming the JSON path", async () => {
    const unknown = expectProblem(await api.call("POST", "/api/segments", { json: { name: "X", kind: "dynamic", expression: "ltv > 1", colour: "red" } }), 400, "invalid-request");
    expect(unknown.issues).toContainEqual(expect.objectContaining({ in: "body", code: "unrecognized_keys" }));
    expect(unknown.detail).toMatch(/colour/);
    const wrong = expectProblem(await api.call("POST", "/api/segments", { json: { name: 12, kind: "dynamic", expression: "ltv > 1" } }), 400, "invalid-request");
    expect(wrong.issues).toContainEqual(expect.objectContaining({ in: "body", path: "name", code: "invalid_type" }));
    const nested = expectProblem(await api.call("POST", "/api/segments", { json: { name: "S", kind: "static", members: ["c1", 7] } }), 400, "invalid-request");
    expect(nested.issues).toContainEqual(expect.objectContaining({ path: "members[1]", code: "invalid_type" }));
    const kind = expectProblem(await api.call("POST", "/api/segments", { json: { name: "S", kind: "both" } }), 400, "invalid-request");
    expect(kind.issues[0].path).toBe("kind");
  });

  it("a taken name (ignoring case) is a 409 naming the segment that has it", async () => {
    const first = await create("High value", "ltv > 1000");
    const p = expectProblem(await api.call("POST", "/api/segments", { json: { name: "HIGH VALUE", kind: "dynamic", expression: "ltv > 5" } }), 409, "name-taken");
    expect(p.existing).toEqual({ id: first.id, name: "High value" });
    const other = await create("Other", "ltv > 5");
    expectProblem(await api.call("PATCH", `/api/segments/${other.id}`, { json: { name: "high value" } }), 409, "name-taken");
    expect((await api.call("GET", `/api/segments/${other.id}`)).body.name).toBe("Other");
  });

  it("a cycle through `in segment` is a 409 with the checker's cycle diagnostic; nothing is saved", async () => {
    const a = await create("A", "ltv > 100");
    await create("B", 'in segment "A" and plan = "Pro"');
    const p = expectProblem(await api.call("PATCH", `/api/segments/${a.id}`, { json: { expression: 'in segment "B"' } }), 409, "cycle");
    expect(p.diagnostics.some((d: { code: string }) => d.code === "segment-cycle")).toBe(true);
    const after = await api.call("GET", `/api/segments/${a.id}`);
    expect(after.body).toMatchObject({ expression: "ltv > 100", version: 1 });
  });

  it("lists with search, kind and cursor pages (by name), and sorts by other properties across pages", async () => {
    const names = ["delta", "Alpha", "charlie", "Bravo", "echo"];
    for (const [i, n] of names.entries()) await create(n, i % 2 === 0 ? `ltv > ${i * 1000}` : null, i % 2 === 0 ? {} : { members: ["c1", "c2", "c3"].slice(0, i) });
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r = await api.call("GET", `/api/segments?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      expect(r.status).toBe(200);
      expect(r.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...r.body.items.map((s: { name: string }) => s.name));
      cursor = r.body.next;
      pages++;
    } while (cursor !== null && pages < 10);
    expect(seen).toEqual(["Alpha", "Bravo", "charlie", "delta", "echo"]);
    expect((await api.call("GET", "/api/segments?search=HA")).body.items.map((s: { name: string }) => s.name)).toEqual(["Alpha", "charlie"]);
    expect((await api.call("GET", "/api/segments?kind=static")).body.items.map((s: { name: string }) => s.name)).toEqual(["Alpha", "Bravo"]);
    // A lookup by exact name (ignoring case): one or none, never a partial match.
    expect((await api.call("GET", "/api/segments?name=CHARLIE")).body.items.map((s: { name: string }) => s.name)).toEqual(["charlie"]);
    expect((await api.call("GET", "/api/segments?name=char")).body.items).toEqual([]);
    expect((await api.call("GET", "/api/segments?name=charlie&kind=static")).body.items).toEqual([]);
    // HEAD answers like GET, without a body.
    const head = await api.app.request("/api/segments?limit=1", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");

    const byCount: { name: string; memberCount: number }[] = [];
    cursor = null;
    do {
      const r = await api.call("GET", `/api/segments?sort=-memberCount&limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      byCount.push(...r.body.items);
      cursor = r.body.next;
    } while (cursor !== null);
    expect(byCount).toHaveLength(5);
    const counts = byCount.map((s) => s.memberCount);
    expect(counts).toEqual([...counts].sort((x, y) => y - x));
    const byId = (await api.call("GET", "/api/segments?sort=id")).body.items.map((s: { name: string }) => s.name);
    expect(byId).toEqual(names);
    // A cursor of one order is refused by another, and a made-up one is a clear 400.
    const firstPage = await api.call("GET", "/api/segments?sort=-memberCount&limit=2");
    expectProblem(await api.call("GET", `/api/segments?sort=id&cursor=${firstPage.body.next}`), 400, "invalid-request");
    expectProblem(await api.call("GET", "/api/segments?sort=id&cursor=..%2F..%2Fetc"), 400, "invalid-request");
    expectProblem(await api.call("GET", "/api/segments?sort=colour"), 400, "invalid-request");
    expectProblem(await api.call("GET", "/api/segments?limit=0"), 400, "invalid-request");
  });

  it("edits with If-Match: the right tag saves (new ETag), a stale one is a 412 with both versions and nothing overwritten", async () => {
    const s = await create("Whales", "ltv > 1000");
    const first = await api.call("PATCH", `/api/segments/${s.id}`, { json: { expression: "ltv > 2000" }, headers: { "if-match": '"v1"', "segql-user": "ana" } });
    expect(first.status).toBe(200);
    expect(first.headers.get("etag")).toBe('"v2"');
    expect(first.body).toMatchObject({ expression: "ltv > 2000", version: 2, memberCount: 1, updatedBy: "ana" });
    // A second analyst who read v1 saves over it: 412, with what they based the edit on and the current segment.
    const stale = await api.call("PATCH", `/api/segments/${s.id}`, { json: { expression: "ltv > 10", description: "mine" }, headers: { "if-match": '"v1"', "segql-user": "bo" } });
    const p = expectProblem(stale, 412, "stale-version");
    expect(stale.headers.get("etag")).toBe('"v2"');
    expect(p.yours).toMatchObject({ version: 1, changes: { expression: "ltv > 10", description: "mine" }, segment: { version: 1, expression: "ltv > 1000" } });
    expect(p.current).toMatchObject({ id: s.id, version: 2, expression: "ltv > 2000" });
    const now = await api.call("GET", `/api/segments/${s.id}`);
    expect(now.body).toMatchObject({ version: 2, expression: "ltv > 2000", description: "" });
    // A list of tags matches if any is current; `*` matches any; no If-Match saves (documented: last write wins).
    expect((await api.call("PATCH", `/api/segments/${s.id}`, { json: { description: "a" }, headers: { "if-match": '"v1", "v2"' } })).status).toBe(200);
    expectProblem(await api.call("PATCH", `/api/segments/${s.id}`, { json: { description: "b" }, headers: { "if-match": '"v1", "v2", "x"' } }), 412, "stale-version");
    expect((await api.call("PATCH", `/api/segments/${s.id}`, { json: { description: "c" }, headers: { "if-match": "*" } })).status).toBe(200);
    expect((await api.call("PATCH", `/api/segments/${s.id}`, { json: { description: "d" } })).body.version).toBe(5);
    // A weak tag never matches (strong comparison); a malformed header is a 400, not a guess.
    expectProblem(await api.call("PATCH", `/api/segments/${s.id}`, { json: { description: "e" }, headers: { "if-match": 'W/"v5"' } }), 412, "stale-version");
    expectProblem(await api.call("PATCH", `/api/segments/${s.id}`, { json: { description: "e" }, headers: { "if-match": "v5" } }), 400, "bad-precondition");
    expectProblem(await api.call("PATCH", `/api/segments/${s.id}`, { json: {} }), 400, "invalid-request");
    expectProblem(await api.call("PATCH", "/api/segments/999", { json: { description: "x" }, headers: { "if-match": "*" } }), 404, "not-found");
    expect((await api.call("GET", `/api/segments/${s.id}`)).body.description).toBe("d");
  });

  it("rename rewrites the segments that read it by name, each with a new version", async () => {
    const a = await create("Big spenders", "ltv > 1000");
    const b = await create("Pro big spenders", 'in segment "Big spenders" and plan = "Pro"');
    const r = await api.call("PATCH", `/api/segments/${a.id}`, { json: { name: "Whales" }, headers: { "if-match": '"v1"' } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ name: "Whales", version: 2 });
    const reader = await api.call("GET", `/api/segments/${b.id}`);
    expect(reader.body.expression).toBe('in segment "Whales" and plan = "Pro"');
    expect(reader.body.version).toBe(2);
    expect(reader.headers.get("etag")).toBe('"v2"');
    expect(reader.body.references).toEqual([{ id: a.id, name: "Whales" }]);
  });

  it("duplicates as 'Copy of X', 'Copy of X (2)' or a given name, keeping kind, expression and members", async () => {
    const s = await create("VIP", null, { members: ["c1", "c3"], description: "hand-picked" });
    const one = await api.call("POST", `/api/segments/${s.id}/duplicate`);
    expect(one.status).toBe(201);
    expect(one.body).toMatchObject({ name: "Copy of VIP", kind: "static", description: "hand-picked", memberCount: 2, version: 1 });
    const two = await api.call("POST", `/api/segments/${s.id}/duplicate`, { json: {} });
    expect(two.body.name).toBe("Copy of VIP (2)");
    const named = await api.call("POST", `/api/segments/${s.id}/duplicate`, { json: { name: "VIP 2026" } });
    expect(named.body.name).toBe("VIP 2026");
    expectProblem(await api.call("POST", `/api/segments/${s.id}/duplicate`, { json: { name: "vip 2026" } }), 409, "name-taken");
    expectProblem(await api.call("POST", "/api/segments/4242/duplicate"), 404, "not-found");
  });

  it("delete is refused while others read the segment (409 listing them), forced otherwise; If-Match guards it", async () => {
    const a = await create("Base", "ltv > 100");
    const b = await create("Reader", 'in segment "Base"');
    const refused = expectProblem(await api.call("DELETE", `/api/segments/${a.id}`), 409, "referenced");
    expect(refused.referencedBy).toEqual([{ id: b.id, name: "Reader" }]);
    expect((await api.call("GET", `/api/segments/${a.id}`)).status).toBe(200);
    expectProblem(await api.call("DELETE", `/api/segments/${a.id}?force=true`, { headers: { "if-match": '"v7"' } }), 412, "stale-version");
    expectProblem(await api.call("DELETE", `/api/segments/${a.id}?force=yes`), 400, "invalid-request");
    const forced = await api.call("DELETE", `/api/segments/${a.id}?force=true`, { headers: { "if-match": '"v1"' } });
    expect(forced.status).toBe(204);
    expect(forced.body).toBe("");
    expectProblem(await api.call("GET", `/api/segments/${a.id}`), 404, "not-found");
    const reader = await api.call("GET", `/api/segments/${b.id}`);
    expect(reader.body.problems.length).toBeGreaterThan(0);
    expect(reader.body.problems[0]).toMatchObject({ severity: "error", line: 1 });
    expect((await api.call("DELETE", `/api/segments/${b.id}`)).status).toBe(204);
    expectProblem(await api.call("DELETE", `/api/segments/${b.id}`), 404, "not-found");
  });

  it("converts a dynamic segment to static with today's members, as a new version; keeps the history", async () => {
    const s = await create("Active", "active", { description: "on" });
    const r = await api.call("POST", `/api/segments/${s.id}/convert-to-static`, { headers: { "if-match": '"v1"', "segql-user": "cy" } });
    expect(r.status).toBe(200);
    expect(r.headers.get("etag")).toBe('"v2"');
    expect(r.body).toMatchObject({ kind: "static", expression: null, version: 2, memberCount: 3 });
    // New contacts matching the old rule no longer join.
    await api.call("POST", "/api/contacts", { json: { contacts: [{ id: "c9", active: true }] } });
    const members = await api.call("GET", `/api/segments/${s.id}/members?limit=10`);
    expect(members.body.items.map((c: { id: string }) => c.id)).toEqual(["c1", "c3", "c4"]);
    const versions = await api.call("GET", `/api/segments/${s.id}/versions`);
    expect(versions.body.items.map((v: { version: number; kind: string; by: string | null }) => [v.version, v.kind, v.by])).toEqual([
      [1, "dynamic", null],
      [2, "static", "cy"],
    ]);
    expect(versions.body.items[0].changed).toContain("created");
    expect(versions.body.items[1].changed).toContain("kind");
    expectProblem(await api.call("POST", `/api/segments/${s.id}/convert-to-static`), 422, "invalid-input");
  });

  it("ids in paths are positive whole numbers: anything else is a 400, an unknown id a 404", async () => {
    for (const bad of ["0", "-1", "1.5", "abc", "1e3", "%20", "99999999999999999999"]) {
      expectProblem(await api.call("GET", `/api/segments/${bad}`), 400, "invalid-request");
    }
    expectProblem(await api.call("GET", "/api/segments/77"), 404, "not-found");
    expectProblem(await api.call("GET", "/api/segments/77/versions"), 404, "not-found");
  });
});
