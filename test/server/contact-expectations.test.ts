/**
 * `POST /api/contacts` with `expect` (per-field compare-and-set) through HTTP on every backend: the values
 * an editor read with `GET /api/contacts/{key}` are what the store compares; a field someone else changed
 * since is a 409 `contact-changed` naming the key, the field, the value expected and the value stored, with
 * nothing written; different fields both save; bad expectations are refused by path; the OpenAPI document
 * describes the body member and the 409.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, expectProblem, openTestApi, seed, type TestApi } from "./helpers.js";

describe.each(BACKENDS)("contact upserts with expected values on %s", (backend) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await openTestApi(backend);
    await seed(api);
  });
  afterAll(() => api.dispose());

  const read = async (key: string) => (await api.call("GET", `/api/contacts/${key}`)).body.values as Record<string, unknown>;
  const upsert = (contacts: unknown[], expected?: unknown) => api.call("POST", "/api/contacts", { json: expected === undefined ? { contacts } : { contacts, expect: expected } });

  it("of two people editing the same field, the second gets a 409 naming it, and nothing of theirs is written", async () => {
    const opened = await read("c1");
    const first = await upsert([{ id: "c1", plan: "Team" }], { c1: { plan: opened["plan"] } });
    expect(first.status).toBe(200);
    const second = await upsert([{ id: "c1", plan: "Free", name: "Ann L." }], { c1: { plan: opened["plan"], name: opened["name"] } });
    const p = expectProblem(second, 409, "contact-changed");
    expect(p.title).toBe("The contact changed since you read it");
    expect(p.conflicts).toEqual([{ key: "c1", field: "plan", expected: "Pro", stored: "Team", exists: true }]);
    expect(p.detail).toContain('contact "c1": plan is now "Team", not "Pro"; nothing was written');
    expect(await read("c1")).toMatchObject({ plan: "Team", name: "Ann Lee" });
    // Overwriting, knowingly: the value now stored as the expectation.
    expect((await upsert([{ id: "c1", plan: "Free", name: "Ann L." }], { c1: { plan: "Team", name: "Ann Lee" } })).status).toBe(200);
    expect(await read("c1")).toMatchObject({ plan: "Free", name: "Ann L." });
  });

  it("two people editing different fields of one contact both save", async () => {
    const opened = await read("c3");
    expect((await upsert([{ id: "c3", ltv: 1 }], { c3: { ltv: opened["ltv"] } })).status).toBe(200);
    expect((await upsert([{ id: "c3", tags: ["x"] }], { c3: { tags: opened["tags"] } })).status).toBe(200);
    expect(await read("c3")).toMatchObject({ ltv: 1, tags: ["x"] });
  });

  it("every value as GET gives it is a valid expectation of itself, whatever its type", async () => {
    const opened = await read("c4");
    const { id: _key, ...fields } = opened;
    const changed = { name: "Dan", plan: "Free", ltv: 301, active: false, birthday: "2000-01-01", signed_up_at: "2026-01-01T00:00:00Z", tags: ["new"] };
    const r = await upsert([{ id: "c4", ...changed }], { c4: fields });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const after = await read("c4");
    expect(after).toMatchObject({ ...changed, signed_up_at: "2026-01-01T00:00:00.000Z" });
    // And back, expecting what the first write stored (read again: times with milliseconds, lists as arrays).
    const { id: _again, ...now } = after;
    expect((await upsert([{ id: "c4", ...Object.fromEntries(Object.keys(now).map((f) => [f, null])) }], { c4: now })).status).toBe(200);
  });

  it("a request without expect writes as before: the last one wins", async () => {
    expect((await upsert([{ id: "c2", plan: "Team" }])).status).toBe(200);
    expect((await upsert([{ id: "c2", plan: "Pro" }])).status).toBe(200);
    expect((await read("c2"))["plan"]).toBe("Pro");
  });

  it("refuses expectations it cannot check, saying where", async () => {
    const where = async (body: unknown, status: number, kind: string) => {
      const p = expectProblem(await api.call("POST", "/api/contacts", { json: body }), status, kind);
      return kind === "invalid-input" ? p.problems.map((x: { path: string }) => x.path) : p.issues.map((x: { path: string }) => x.path);
    };
    expect(await where({ contacts: [{ id: "c5", plan: "Pro" }], expect: { c5: { plam: null } } }, 422, "invalid-input")).toEqual(['expect["c5"].plam']);
    expect(await where({ contacts: [{ id: "c5", plan: "Pro" }], expect: { c5: { ltv: null } } }, 422, "invalid-input")).toEqual(['expect["c5"].ltv']);
    expect(await where({ contacts: [{ id: "c5", plan: "Pro" }], expect: { c4: { plan: null } } }, 422, "invalid-input")).toEqual(['expect["c4"]']);
    expect(await where({ contacts: [{ id: "c5", plan: "Pro" }], expect: ["c5"] }, 400, "invalid-request")).toEqual(["expect"]);
    expect((await read("c5"))["plan"]).toBeNull();
  });

  it("a contact deleted since it was read is a 409 that says so, and is not added again", async () => {
    expect((await upsert([{ id: "gone", plan: "Pro" }])).status).toBe(200);
    expect((await api.call("DELETE", "/api/contacts/gone")).status).toBe(200);
    const p = expectProblem(await upsert([{ id: "gone", plan: "Team" }], { gone: { plan: "Pro" } }), 409, "contact-changed");
    expect(p.conflicts).toEqual([{ key: "gone", field: "plan", expected: "Pro", stored: null, exists: false }]);
    expect((await api.call("GET", "/api/contacts/gone")).status).toBe(404);
  });
});

describe("the OpenAPI document of expected values", () => {
  it("describes `expect` in the upsert body and its 409 with the conflicts", async () => {
    const api = await openTestApi("duckdb");
    try {
      const doc = (await api.call("GET", "/openapi.json")).body;
      const body = doc.components.schemas.UpsertContacts;
      expect(Object.keys(body.properties)).toEqual(["contacts", "expect"]);
      expect(body.required).toEqual(["contacts"]);
      expect(body.properties.expect.description).toMatch(/409 `contact-changed`/);
      const conflict = doc.paths["/api/contacts"].post.responses["409"];
      expect(conflict.content["application/problem+json"].schema.$ref).toBe("#/components/schemas/ContactChangedProblem");
      // A problem document (allOf Problem) with its conflicts.
      const [base, own] = doc.components.schemas.ContactChangedProblem.allOf;
      expect(base.$ref).toBe("#/components/schemas/Problem");
      expect(own.properties.conflicts.items.$ref).toBe("#/components/schemas/ContactConflict");
      expect(doc.components.schemas.ContactConflict.required).toEqual(expect.arrayContaining(["key", "field", "exists"]));
    } finally {
      await api.dispose();
    }
  });
});
