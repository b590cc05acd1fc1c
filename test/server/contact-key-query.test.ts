/**
 * A contact named in the query string on every backend: `GET /api/contact?key=`, `/api/contact/events?key=`,
 * `/api/contact/changes?key=` and `/api/segments/{id}/why?key=` answer what their `/{key}` path routes do,
 * for any key, also `.` and `..`, which URLs read as path steps (so no path can ask about them). A missing
 * key is a 400 naming it; a key that is no contact is the path route's answer (404, or an empty log).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, expectProblem, openTestApi, seed, type Reply, type TestApi } from "./helpers.js";

/** A key whose characters a query string must escape (`+` would read as a space, `&` and `=` split it). */
const ESCAPED = "a+b & c=d #1 %";

const q = (key: string) => encodeURIComponent(key);

/** Asserts a 400 that names the missing `key` query parameter. */
function expectMissingKey(r: Reply): void {
  const problem = expectProblem(r, 400, "invalid-request");
  expect(problem.detail).toBe("query key: give the contact's key: key=…");
  expect(problem.issues.map((i: { in: string; path: string }) => `${i.in} ${i.path}`)).toEqual(["query key"]);
}

describe.each(BACKENDS)("a contact's key in the query string on %s", (backend) => {
  let api: TestApi;
  let rich: number;

  beforeAll(async () => {
    api = await openTestApi(backend);
    await seed(api);
    rich = (await api.call("POST", "/api/segments", { json: { name: "Rich", kind: "dynamic", expression: "ltv > 100" } })).body.id;
    await api.call("POST", "/api/contacts", { json: { contacts: [{ id: "..", ltv: 700 }, { id: ".", ltv: 500 }, { id: ESCAPED, ltv: 1 }] } });
    // `.` enters Rich, then leaves it: a log of two.
    await api.call("POST", "/api/contacts", { json: { contacts: [{ id: ".", ltv: 5 }] } });
    await api.call("POST", "/api/events", {
      json: {
        events: [
          { contact_id: "..", event: "Purchase", occurred_at: "2025-10-01T10:00:00Z", properties: { amount: 700 } },
          { contact_id: "..", event: "Refund", occurred_at: "2025-10-02T10:00:00Z", properties: { amount: 70 } },
        ],
      },
    });
  });
  afterAll(() => api.dispose());

  it("GET /api/contact?key= answers what GET /api/contacts/{key} does, for `.` and `..` too, which no path reaches", async () => {
    for (const key of ["c1", ESCAPED]) {
      const byQuery = await api.call("GET", `/api/contact?key=${q(key)}`);
      expect(byQuery.status).toBe(200);
      expect(byQuery.body).toEqual((await api.call("GET", `/api/contacts/${q(key)}`)).body);
    }
    const dots = await api.call("GET", "/api/contact?key=..");
    expect(dots.status).toBe(200);
    expect(dots.body).toMatchObject({ key: "..", values: { id: "..", ltv: 700 }, segments: [{ id: rich, name: "Rich" }], eventCount: 2 });
    expect(dots.body.recentEvents.map((e: { event: string }) => e.event)).toEqual(["Refund", "Purchase"]);
    // Percent-encoded, the same contact.
    expect((await api.call("GET", "/api/contact?key=%2E%2E")).body).toEqual(dots.body);
    const dot = await api.call("GET", "/api/contact?key=.");
    expect(dot.body).toMatchObject({ key: ".", values: { id: ".", ltv: 5 }, segments: [], eventCount: 0 });
    // Why the query form exists: as a path step, `..` reaches another route (none), never the contact.
    expect((await api.call("GET", "/api/contacts/%2E%2E")).body.key).toBeUndefined();

    expect(expectProblem(await api.call("GET", "/api/contact?key=ghost"), 404, "not-found").detail).toBe('no contact "ghost"');
    expectMissingKey(await api.call("GET", "/api/contact"));
    expect(expectProblem(await api.call("GET", "/api/contact?key="), 400, "invalid-request").detail).toBe("query key: a key cannot be empty");
    expect(expectProblem(await api.call("GET", "/api/contact?key=c1&key=c2"), 400, "invalid-request").detail).toBe("query key: give one key: key= once");
    expectProblem(await api.call("GET", `/api/contact?key=${"x".repeat(1001)}`), 400, "invalid-request");
    expectProblem(await api.call("GET", "/api/contact?key=c1&limit=1"), 400, "invalid-request");
  });

  it("GET /api/contact/events?key= pages as GET /api/contacts/{key}/events does; either's cursor goes on in the other", async () => {
    const first = await api.call("GET", "/api/contact/events?key=c1&limit=1");
    expect(first.status).toBe(200);
    expect(first.body).toEqual((await api.call("GET", "/api/contacts/c1/events?limit=1")).body);
    expect(first.body.total).toBe(2);
    const next = `limit=1&cursor=${q(first.body.next)}`;
    const second = await api.call("GET", `/api/contact/events?key=c1&${next}`);
    expect(second.body).toEqual((await api.call("GET", `/api/contacts/c1/events?${next}`)).body);
    expect(second.body.next).toBeNull();

    const dots = await api.call("GET", "/api/contact/events?key=..");
    expect(dots.body.items.map((e: { event: string }) => e.event)).toEqual(["Refund", "Purchase"]);
    expect(dots.body).toMatchObject({ total: 2, next: null });
    expect((await api.call("GET", "/api/contact/events?key=.")).body).toEqual({ items: [], total: 0, next: null });

    expectProblem(await api.call("GET", "/api/contact/events?key=ghost"), 404, "not-found");
    expectMissingKey(await api.call("GET", "/api/contact/events?limit=5"));
    // The path route's limits and cursor checks, word for word.
    for (const bad of ["limit=0", "limit=1001", "cursor=nope"]) {
      const byQuery = expectProblem(await api.call("GET", `/api/contact/events?key=c1&${bad}`), 400, "invalid-request");
      expect(byQuery.detail).toBe(expectProblem(await api.call("GET", `/api/contacts/c1/events?${bad}`), 400, "invalid-request").detail);
    }
  });

  it("GET /api/contact/changes?key= answers what GET /api/contacts/{key}/changes does, for `.` and `..` too", async () => {
    const dot = await api.call("GET", "/api/contact/changes?key=.&limit=1");
    expect(dot.status).toBe(200);
    expect(dot.body.items.map((c: { segmentId: number; key: string; change: string }) => [c.segmentId, c.key, c.change])).toEqual([[rich, ".", "exited"]]);
    const older = await api.call("GET", `/api/contact/changes?key=.&limit=1&before=${dot.body.next}`);
    expect(older.body.items.map((c: { change: string }) => c.change)).toEqual(["entered"]);
    expect(older.body.next).toBeNull();
    const dots = await api.call("GET", "/api/contact/changes?key=%2E%2E");
    expect(dots.body.items.map((c: { key: string; change: string }) => [c.key, c.change])).toEqual([["..", "entered"]]);

    for (const key of ["c1", "c3", ESCAPED]) {
      expect((await api.call("GET", `/api/contact/changes?key=${q(key)}`)).body).toEqual((await api.call("GET", `/api/contacts/${q(key)}/changes`)).body);
    }
    // A key that was never a contact has an empty log, as by its path (a deleted contact keeps its log).
    expect((await api.call("GET", "/api/contact/changes?key=ghost")).body).toEqual({ items: [], next: null });
    expect((await api.call("GET", "/api/contacts/ghost/changes")).body).toEqual({ items: [], next: null });
    expectMissingKey(await api.call("GET", "/api/contact/changes?before=10"));
    expect(expectProblem(await api.call("GET", "/api/contact/changes?key=.&before=x"), 400, "invalid-request").detail).toBe(
      expectProblem(await api.call("GET", "/api/contacts/c1/changes?before=x"), 400, "invalid-request").detail,
    );
  });

  it("GET /api/segments/{id}/why?key= explains as GET /api/segments/{id}/why/{key} does, for `.` and `..` too", async () => {
    const withoutNow = (r: Reply) => ({ ...r.body, now: undefined });
    for (const key of ["c1", "c2", ESCAPED]) {
      const byQuery = await api.call("GET", `/api/segments/${rich}/why?key=${q(key)}`);
      expect(byQuery.status).toBe(200);
      expect(withoutNow(byQuery)).toEqual(withoutNow(await api.call("GET", `/api/segments/${rich}/why/${q(key)}`)));
    }
    const dots = await api.call("GET", `/api/segments/${rich}/why?key=..`);
    expect(dots.body).toMatchObject({ key: "..", matches: true, segment: { id: rich, name: "Rich" }, root: { label: "ltv > 100", value: true, read: { field: "ltv", value: 700 } } });
    const dot = await api.call("GET", `/api/segments/${rich}/why?key=%2E`);
    expect(dot.body).toMatchObject({ key: ".", matches: false, root: { value: false, read: { field: "ltv", value: 5 } } });

    expect(expectProblem(await api.call("GET", `/api/segments/${rich}/why?key=ghost`), 404, "not-found").detail).toBe(
      expectProblem(await api.call("GET", `/api/segments/${rich}/why/ghost`), 404, "not-found").detail,
    );
    expectProblem(await api.call("GET", "/api/segments/999/why?key=.."), 404, "not-found");
    expectMissingKey(await api.call("GET", `/api/segments/${rich}/why`));
    expectProblem(await api.call("GET", "/api/segments/0/why?key=.."), 400, "invalid-request");
  });

  it("documents the four query routes in the OpenAPI document, each with a required `key` query parameter", async () => {
    const doc = (await api.call("GET", "/openapi.json")).body as { paths: Record<string, { get?: { parameters: { name: string; in: string; required: boolean }[] } }> };
    for (const path of ["/api/contact", "/api/contact/events", "/api/contact/changes", "/api/segments/{id}/why"]) {
      expect(doc.paths[path]?.get?.parameters.find((p) => p.name === "key"), path).toMatchObject({ in: "query", required: true });
    }
  });
});
