/**
 * What a hostile QA pass of the API found (docs/api.md's promises: bad input is a 4xx problem saying where
 * and why, never a 500; the OpenAPI document says what the routes really accept). Each case failed before
 * its fix.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseSchema } from "../../src/schema/schema.js";
import { expectProblem, openTestApi, seed, type TestApi } from "./helpers.js";

describe("hostile inputs", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await openTestApi("duckdb");
    await seed(api);
  });
  afterAll(() => api.dispose());

  // The checker accepts these times (each span fits in 9,999 years); from today's `now` they reach before
  // the year 0001, which SQL cannot hold.
  const beyondSql = ["signed_up_at within last 5000 years", "signed_up_at before 3000 years ago", 'performed "Purchase" within last 9000 years'];

  it("an expression SQL cannot hold is a 422 saying why, on every route that runs one, not a 500", async () => {
    for (const expression of beyondSql) {
      const calls = [
        api.call("POST", "/api/preview", { json: { expression } }),
        api.call("POST", "/api/segments", { json: { name: `beyond ${expression}`, kind: "dynamic", expression } }),
        api.call("POST", "/api/segments", { json: { name: `frozen ${expression}`, kind: "static", freeze: expression } }),
        api.call("GET", `/api/contacts?filter=${encodeURIComponent(expression)}`),
      ];
      for (const r of await Promise.all(calls)) {
        const p = expectProblem(r, 422, "invalid-expression");
        expect(p.detail).toMatch(/SQL/);
        expect(p.detail).toMatch(/(5000|3000|9000) years ago .* is outside the years 0001-9999/);
        expect(p.diagnostics).toEqual([]);
      }
    }
    // Times outside the years 0001-9999 whatever `now` is are the checker's errors, positioned.
    for (const [expression, at] of [
      ["signed_up_at before 0000-01-01", "0000-01-01"],
      ["signed_up_at within last 99999 years", "99999"],
      ['performed "Purchase" between 0000-01-01 and 2020-01-01', "0000-01-01"],
    ] as const) {
      const p = expectProblem(await api.call("POST", "/api/preview", { json: { expression } }), 422, "invalid-expression");
      expect(p.diagnostics).toEqual([expect.objectContaining({ code: expect.stringMatching(/^bad-(date|amount)$/), severity: "error", start: expression.indexOf(at) })]);
    }
    // Nothing was saved.
    const list = await api.call("GET", "/api/segments");
    expect(list.body.items.map((s: { name: string }) => s.name).filter((n: string) => /beyond|frozen/.test(n))).toEqual([]);
  });

  it("an If-Match naming no version this server made says so, not 'is at version 2, not 0'", async () => {
    const created = await api.call("POST", "/api/segments", { json: { name: "Tagged", kind: "dynamic", expression: "ltv > 1" } });
    expect(created.status).toBe(201);
    const id = created.body.id as number;
    for (const tag of ['W/"v1"', '"v99999999999999999999"', '"abc"']) {
      const r = await api.call("PATCH", `/api/segments/${id}`, { json: { description: "x" }, headers: { "If-Match": tag } });
      const p = expectProblem(r, 412, "stale-version");
      expect(p.detail).not.toMatch(/not 0\b/);
      expect(p.detail).toContain(`the If-Match header (${tag}) names no version`);
      expect(p.detail).toMatch(/"v1"/); // the tag to send
      expect(r.headers.get("etag")).toBe('"v1"');
    }
    // The segment is untouched.
    expect((await api.call("GET", `/api/segments/${id}`)).body.description).toBe("");
  });

  it("a body with several wrong values names the first three in the detail, in plain words, and all in issues", async () => {
    const r = await api.call("POST", "/api/segments", { json: { name: 1, kind: "dynamic", expression: 2, description: 3, tags: 4, color: 5 } });
    const p = expectProblem(r, 400, "invalid-request");
    const issues = p["issues"] as { path: string; message: string }[];
    expect(issues.length).toBeGreaterThan(3);
    expect(p.detail).toBe(`${issues.slice(0, 3).map((i) => `body ${i.path}: ${i.message}`).join("; ")} (and ${issues.length - 3} more in issues)`);
    expect(issues.find((i) => i.path === "name")!.message).toBe("expected a string, found a number");
    expect(p.detail).not.toContain("Invalid input");
  });

  it("sizes, choices and unknown names are said in plain words, not in zod's", async () => {
    const detail = async (method: string, path: string, json?: unknown) => expectProblem(await api.call(method, path, json === undefined ? {} : { json }), 400, "invalid-request").detail;
    expect(await detail("GET", `/api/contacts?search=${"x".repeat(201)}`)).toBe("query search: expected at most 200 characters");
    expect(await detail("GET", "/api/changes?wait=61")).toBe("query wait: expected at most 60");
    expect(await detail("GET", "/api/contacts?sort=name")).toBe('query: unknown parameter "sort"');
    expect(await detail("POST", "/api/segments", { name: "A", kind: "smart", expression: "ltv > 1" })).toBe('body kind: expected one of "static", "dynamic"');
    expect(await detail("POST", "/api/check", { expression: "ltv > 1", colour: 1, size: 2 })).toBe('body: unknown properties "colour", "size"');
  });

  it("the OpenAPI document gives the expression limit the routes apply (100,000 characters), and a longer one is a 400 on the field", async () => {
    const doc = (await api.call("GET", "/openapi.json")).body;
    expect(doc.components.schemas.CheckRequest.properties.expression.maxLength).toBe(100_000);
    expect(doc.components.schemas.CreateSegment.properties.expression.maxLength).toBe(100_000);
    const long = `ltv > 1${" or ltv > 1".repeat(10_000)}`;
    expect(long.length).toBeGreaterThan(100_000);
    for (const [path, json] of [
      ["/api/check", { expression: long }],
      ["/api/preview", { expression: long }],
      ["/api/segments", { name: "Long", kind: "dynamic", expression: long }],
    ] as const) {
      const p = expectProblem(await api.call("POST", path, { json }), 400, "invalid-request");
      expect(p.issues[0]).toMatchObject({ in: "body", path: "expression", code: "too_big" });
      expect(p.detail).toMatch(/100000 characters/);
    }
  });

  it("members-at refuses a date that is not on the calendar instead of rolling it over", async () => {
    const created = await api.call("POST", "/api/segments", { json: { name: "Calendar", kind: "dynamic", expression: "ltv > 1" } });
    const id = created.body.id as number;
    for (const at of ["2024-02-30", "2023-02-29T00:00:00Z", "2024-04-31T10:00:00+02:00", "2024-13-01"]) {
      const p = expectProblem(await api.call("GET", `/api/segments/${id}/members-at?at=${encodeURIComponent(at)}`), 400, "invalid-request");
      expect(p.issues[0]).toMatchObject({ in: "query", path: "at" });
    }
    for (const at of ["2024-02-29", "2024-02-29T23:59:59.999Z", "2024-03-01T01:00:00+02:00"]) {
      expect((await api.call("GET", `/api/segments/${id}/members-at?at=${encodeURIComponent(at)}`)).status, at).toBe(200);
    }
  });

  it("every write route documents the 413 it answers for a body past the limit", async () => {
    const small = await openTestApi("duckdb", { maxBodyBytes: 1024, maxBulkBytes: 2048, maxImportBytes: 4096 });
    try {
      await seed(small);
      const id = (await small.call("POST", "/api/segments", { json: { name: "Target", kind: "dynamic", expression: "ltv > 1" } })).body.id as number;
      const doc = (await small.call("GET", "/openapi.json")).body;
      const undocumented: string[] = [];
      let writes = 0;
      for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>)) {
        for (const [method, op] of Object.entries(ops)) {
          if (method === "get") continue;
          writes++;
          const url = path.replace("{id}", String(id)).replace("{key}", "c1");
          const r = await small.call(method.toUpperCase(), url, { raw: JSON.stringify({ pad: "x".repeat(8192) }), headers: { "content-type": "application/json" } });
          expectProblem(r, 413, "too-large");
          if (!op.responses["413"]) undocumented.push(`${method.toUpperCase()} ${path}`);
        }
      }
      expect(writes).toBeGreaterThanOrEqual(20);
      expect(undocumented).toEqual([]);
      expect((await small.call("GET", `/api/segments/${id}`)).status).toBe(200); // the DELETE was refused
    } finally {
      await small.dispose();
    }
  });

  it("a member cursor that this list did not give out (made up, or of another order or segment) is a 400 on cursor", async () => {
    const a = (await api.call("POST", "/api/segments", { json: { name: "Paged A", kind: "dynamic", expression: "ltv >= 0" } })).body.id as number;
    const b = (await api.call("POST", "/api/segments", { json: { name: "Paged B", kind: "dynamic", expression: "ltv >= 0" } })).body.id as number;
    const first = await api.call("GET", `/api/segments/${a}/members?limit=1&orderBy=ltv`);
    const next = first.body.next as string;
    expect(typeof next).toBe("string");
    // Its own list goes on, to the end.
    const keys = [first.body.items[0].id];
    for (let cursor: string | null = next; cursor !== null; ) {
      const page: { body: { items: { id: string }[]; next: string | null } } = await api.call("GET", `/api/segments/${a}/members?limit=1&orderBy=ltv&cursor=${encodeURIComponent(cursor)}`);
      keys.push(...page.body.items.map((i) => i.id));
      cursor = page.body.next;
    }
    expect(keys).toEqual(["c2", "c4", "c1", "c3"]);
    for (const url of [
      `/api/segments/${a}/members?limit=1&cursor=${encodeURIComponent(next)}`,
      `/api/segments/${a}/members?limit=1&orderBy=ltv&descending=true&cursor=${encodeURIComponent(next)}`,
      `/api/segments/${b}/members?limit=1&orderBy=ltv&cursor=${encodeURIComponent(next)}`,
      `/api/segments/${a}/members?limit=1&orderBy=ltv&search=c&cursor=${encodeURIComponent(next)}`,
      `/api/segments/${a}/members?cursor=bzI`,
      `/api/segments/${a}/members?cursor=eyJ4IjoxfQ`,
    ]) {
      const p = expectProblem(await api.call("GET", url), 400, "invalid-request");
      expect(p.issues[0]).toMatchObject({ in: "query", path: "cursor" });
    }
  });

  it("a contact or event field named __proto__ is refused like any unknown field, not dropped", async () => {
    const c = expectProblem(await api.call("POST", "/api/contacts", { raw: '{"contacts": [{"id": "p1", "__proto__": {"ltv": 5}}]}', headers: { "content-type": "application/json" } }), 422, "invalid-input");
    expect(c.problems).toEqual([{ path: "contacts[0].__proto__", field: "__proto__", message: "unknown field" }]);
    expect((await api.call("GET", "/api/contacts/p1")).status).toBe(404);
    const e = expectProblem(
      await api.call("POST", "/api/events", { raw: '{"events": [{"contact_id": "c1", "event": "Purchase", "occurred_at": "2026-01-01T00:00:00Z", "__proto__": {"x": 1}}]}', headers: { "content-type": "application/json" } }),
      422,
      "invalid-input",
    );
    expect(JSON.stringify(e.problems)).toContain("__proto__");
    // The document still describes the items as objects.
    const doc = (await api.call("GET", "/openapi.json")).body;
    expect(doc.components.schemas.UpsertContacts.properties.contacts.items).toMatchObject({ type: "object" });
    expectProblem(await api.call("POST", "/api/contacts", { json: { contacts: [5] } }), 400, "invalid-request");
  });

  it("a lone UTF-16 surrogate in a name, description, expression or key is a 400 on the field, not saved as U+FFFD", async () => {
    const json = { "content-type": "application/json" };
    const cases: [string, string, string, string][] = [
      ["POST", "/api/segments", '{"name": "Odd \\ud800", "kind": "dynamic", "expression": "ltv > 1"}', "name"],
      ["POST", "/api/segments", '{"name": "Odd", "description": "\\udfff", "kind": "dynamic", "expression": "ltv > 1"}', "description"],
      ["POST", "/api/segments", '{"name": "Odd", "kind": "dynamic", "expression": "name = \\"\\ud800\\""}', "expression"],
      ["POST", "/api/preview", '{"expression": "name = \\"x\\udc00y\\""}', "expression"],
      ["POST", "/api/why", '{"expression": "ltv > 1", "key": "c\\ud800"}', "key"],
    ];
    for (const [method, path, raw, field] of cases) {
      const p = expectProblem(await api.call(method, path, { raw, headers: json }), 400, "invalid-request");
      expect(p.issues[0], raw).toMatchObject({ in: "body", path: field });
      expect(p.detail).toMatch(/lone UTF-16 surrogate/);
    }
    // A pair (an emoji) is Unicode, and kept as sent.
    const ok = await api.call("POST", "/api/segments", { raw: '{"name": "Smile \\ud83d\\ude00", "kind": "dynamic", "expression": "ltv > 1"}', headers: json });
    expect(ok.status).toBe(201);
    expect(ok.body.name).toBe("Smile \u{1F600}");
    expect((await api.call("GET", "/api/segments")).body.items.filter((s: { name: string }) => s.name.includes("\ufffd"))).toEqual([]);
  });

  it("the OpenAPI document's member-list examples work whatever the key column is called", async () => {
    // A database whose key is `customer_id`, as the demo's (the examples' keys are the demo's).
    const schema = parseSchema(JSON.stringify({ table: "contacts", key: "customer_id", fields: { customer_id: { type: "string" } } }));
    const demoLike = await openTestApi("duckdb", {}, { schema });
    try {
      expect((await demoLike.call("POST", "/api/contacts", { json: { contacts: [{ customer_id: "7590-VHVEG" }, { customer_id: "5575-GNVDE" }] } })).status).toBe(200);
      const id = (await demoLike.call("POST", "/api/segments", { json: { name: "Examples", kind: "static" } })).body.id as number;
      const body = (await demoLike.call("GET", "/openapi.json")).body.paths["/api/segments/{id}/members/add"].post.requestBody.content;
      for (const type of ["text/csv", "application/x-ndjson"]) {
        const r = await demoLike.call("POST", `/api/segments/${id}/members/add`, { raw: body[type].schema.example as string, headers: { "content-type": type } });
        expect(r.status, `${type}: ${JSON.stringify(r.body)}`).toBe(200);
        expect(r.body.memberCount).toBe(2);
      }
    } finally {
      await demoLike.dispose();
    }
  });
});

