/**
 * Member routes through HTTP on every backend: pages sorted by any field, add / remove by JSON, CSV and
 * JSON Lines uploads (unknown keys reported), freeze, and the members at a past instant.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { manualClock } from "../store/helpers.js";
import { BACKENDS, expectProblem, openTestApi, seed, type TestApi } from "./helpers.js";

const ids = (items: { id: string }[]) => items.map((c) => c.id);

describe.each(BACKENDS)("members API on %s", (backend) => {
  let api: TestApi;
  const clock = manualClock();
  beforeEach(async () => {
    clock.set(Date.parse("2026-01-15T12:00:00Z"));
    api = await openTestApi(backend, {}, { clock: clock.now });
    await seed(api);
  });
  afterEach(() => api.dispose());

  const staticSegment = async (members: string[] = []) => {
    const r = await api.call("POST", "/api/segments", { json: { name: "List", kind: "static", ...(members.length ? { members } : {}) } });
    expect(r.status).toBe(201);
    return r.body.id as number;
  };

  it("pages members by cursor, sorted by a field either way (empties last)", async () => {
    const id = await staticSegment(["c1", "c2", "c3", "c4", "c5"]);
    const all: string[] = [];
    let cursor: string | null = null;
    do {
      const r = await api.call("GET", `/api/segments/${id}/members?limit=2&orderBy=ltv&descending=true${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      expect(r.status).toBe(200);
      expect(r.body.total).toBe(5);
      all.push(...ids(r.body.items));
      cursor = r.body.next;
    } while (cursor !== null && all.length < 10);
    expect(all).toEqual(["c3", "c1", "c4", "c2", "c5"]);
    const byKey = await api.call("GET", `/api/segments/${id}/members`);
    expect(ids(byKey.body.items)).toEqual(["c1", "c2", "c3", "c4", "c5"]);
    expect(byKey.body.items[0]).toMatchObject({ id: "c1", name: "Ann Lee", plan: "Pro", tags: ["vip", "beta"] });
    expectProblem(await api.call("GET", `/api/segments/${id}/members?orderBy=nope`), 422, "invalid-input");
    expectProblem(await api.call("GET", `/api/segments/${id}/members?limit=5000`), 400, "invalid-request");
    expectProblem(await api.call("GET", `/api/segments/${id}/members?descending=1`), 400, "invalid-request");
    expectProblem(await api.call("GET", "/api/segments/999/members"), 404, "not-found");
  });

  it("adds and removes keys as JSON; unknown keys are a 422 listing them with nothing changed, or skipped on request", async () => {
    const id = await staticSegment();
    const add = await api.call("POST", `/api/segments/${id}/members/add`, { json: { keys: ["c1", "c2", "c1"] } });
    expect(add.body).toEqual({ changed: 2, unchanged: 0, unknown: [], memberCount: 2 });
    const unknown = expectProblem(await api.call("POST", `/api/segments/${id}/members/add`, { json: { keys: ["c3", "ghost", "c4", "nobody"] } }), 422, "unknown-keys");
    expect(unknown.unknownKeys).toEqual(["ghost", "nobody"]);
    expect((await api.call("GET", `/api/segments/${id}`)).body.memberCount).toBe(2);
    const skipped = await api.call("POST", `/api/segments/${id}/members/add`, { json: { keys: ["c3", "ghost", "c1"], skipUnknown: true } });
    expect(skipped.body).toEqual({ changed: 1, unchanged: 1, unknown: ["ghost"], memberCount: 3 });
    const removed = await api.call("POST", `/api/segments/${id}/members/remove`, { json: { keys: ["c1", "c5"] } });
    expect(removed.body).toEqual({ changed: 1, unchanged: 1, unknown: [], memberCount: 2 });
    expect(ids((await api.call("GET", `/api/segments/${id}/members`)).body.items)).toEqual(["c2", "c3"]);
    expectProblem(await api.call("POST", `/api/segments/${id}/members/add`, { json: { keys: [] } }), 400, "invalid-request");
    expectProblem(await api.call("POST", `/api/segments/${id}/members/add`, { json: { keys: [""] } }), 400, "invalid-request");
    expectProblem(await api.call("POST", `/api/segments/${id}/members/add`), 400, "invalid-request");
  });

  it("takes CSV and JSON Lines uploads of keys, reporting bad lines by number", async () => {
    const id = await staticSegment();
    const csv = await api.call("POST", `/api/segments/${id}/members/add`, { raw: 'name,id\r\n"Ann, Lee",c1\r\nx,"c3"\r\n', headers: { "content-type": "text/csv; charset=utf-8" } });
    expect(csv.status).toBe(200);
    expect(csv.body.memberCount).toBe(2);
    const plain = await api.call("POST", `/api/segments/${id}/members/add`, { raw: "c4\nc5\n", headers: { "content-type": "text/csv" } });
    expect(plain.body).toMatchObject({ changed: 2, memberCount: 4 });
    const jsonl = await api.call("POST", `/api/segments/${id}/members/remove`, { raw: '"c1"\n\n{"id": "c3"}\n{"key": "c4"}\n', headers: { "content-type": "application/x-ndjson" } });
    expect(jsonl.body).toMatchObject({ changed: 3, memberCount: 1 });
    const unknown = expectProblem(
      await api.call("POST", `/api/segments/${id}/members/add`, { raw: "id\nc2\nzz\n", headers: { "content-type": "text/csv" } }),
      422,
      "unknown-keys",
    );
    expect(unknown.unknownKeys).toEqual(["zz"]);
    const skip = await api.call("POST", `/api/segments/${id}/members/add?skipUnknown=true`, { raw: "id\nc2\nzz\n", headers: { "content-type": "text/csv" } });
    expect(skip.body).toEqual({ changed: 1, unchanged: 0, unknown: ["zz"], memberCount: 2 });
    const bad = expectProblem(
      await api.call("POST", `/api/segments/${id}/members/add`, { raw: '"c1"\n{"id": 3.5e400}\n[1]\nnot json\n', headers: { "content-type": "application/x-ndjson" } }),
      400,
      "invalid-request",
    );
    expect(bad.issues.map((i: { line: number }) => i.line)).toEqual([2, 3, 4]);
    const quote = expectProblem(await api.call("POST", `/api/segments/${id}/members/add`, { raw: 'id\n"c1\n', headers: { "content-type": "text/csv" } }), 400, "invalid-request");
    expect(quote.issues[0]).toMatchObject({ line: 2 });
    expectProblem(await api.call("POST", `/api/segments/${id}/members/add`, { raw: "", headers: { "content-type": "text/csv" } }), 400, "invalid-request");
    expectProblem(await api.call("POST", `/api/segments/${id}/members/add`, { raw: "c1", headers: { "content-type": "text/plain" } }), 415, "unsupported-media-type");
    expect((await api.call("GET", `/api/segments/${id}`)).body.memberCount).toBe(2);
  });

  it("member edits of a dynamic segment are refused", async () => {
    const r = await api.call("POST", "/api/segments", { json: { name: "D", kind: "dynamic", expression: "ltv > 1" } });
    expectProblem(await api.call("POST", `/api/segments/${r.body.id}/members/add`, { json: { keys: ["c1"] } }), 422, "invalid-input");
  });

  it("freezes the current matches of an expression into a static segment; an invalid one is a 422 with diagnostics", async () => {
    const id = await staticSegment(["c2"]);
    const r = await api.call("POST", `/api/segments/${id}/freeze`, { json: { expression: 'tags has "vip"' } });
    expect(r.body).toMatchObject({ changed: 2, memberCount: 3 });
    // A snapshot: later matches do not join.
    await api.call("POST", "/api/contacts", { json: { contacts: [{ id: "c4", tags: ["vip"] }] } });
    expect(ids((await api.call("GET", `/api/segments/${id}/members`)).body.items)).toEqual(["c1", "c2", "c3"]);
    const p = expectProblem(await api.call("POST", `/api/segments/${id}/freeze`, { json: { expression: "tags > 1" } }), 422, "invalid-expression");
    expect(p.diagnostics[0]).toMatchObject({ code: "operator-type", line: 1, column: 6 });
    const created = await api.call("POST", "/api/segments", { json: { name: "Frozen", kind: "static", freeze: "ltv >= 1200" } });
    expect(created.body.memberCount).toBe(2);
  });

  it("answers the members at a past instant from the change log", async () => {
    const id = await staticSegment(["c1"]);
    const t1 = new Date(clock.now()).toISOString();
    clock.advance(60_000);
    await api.call("POST", `/api/segments/${id}/members/add`, { json: { keys: ["c2", "c3"] } });
    const t2 = clock.now();
    clock.advance(60_000);
    await api.call("POST", `/api/segments/${id}/members/remove`, { json: { keys: ["c1"] } });
    const at1 = await api.call("GET", `/api/segments/${id}/members-at?at=${encodeURIComponent(t1)}`);
    expect(at1.body).toEqual({ at: t1, keys: ["c1"], count: 1 });
    const at2 = await api.call("GET", `/api/segments/${id}/members-at?at=${t2}`);
    expect(at2.body.keys).toEqual(["c1", "c2", "c3"]);
    const now = await api.call("GET", `/api/segments/${id}/members-at?at=${clock.now()}`);
    expect(now.body.keys).toEqual(["c2", "c3"]);
    const before = await api.call("GET", `/api/segments/${id}/members-at?at=2020-01-01`);
    expect(before.body.keys).toEqual([]);
    expectProblem(await api.call("GET", `/api/segments/${id}/members-at?at=yesterday`), 400, "invalid-request");
    expectProblem(await api.call("GET", `/api/segments/${id}/members-at`), 400, "invalid-request");
  });
});
