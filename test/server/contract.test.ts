/**
 * The contract check (test/server/contract.ts) that every API test's replies go through: it must refuse
 * replies that break the app's own OpenAPI document, naming the route, status and JSON path, or it would
 * pass everything and prove nothing. Also: the nullable named schemas are documented as admitting null.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jsonResponse, problemResponses } from "../../src/server/routes/kit.js";
import { contractMismatches, type ContractReply, type OpenApiDocument } from "./contract.js";
import { openTestApi, type TestApi } from "./helpers.js";

const JSON_TYPE = "application/json";
const PROBLEM_TYPE = "application/problem+json";

describe("the OpenAPI contract check", () => {
  let api: TestApi;
  let doc: OpenApiDocument;
  let segment: Record<string, unknown>;
  beforeAll(async () => {
    api = await openTestApi("duckdb");
    // A route that answers what it does not document, registered before the document is first read.
    api.app.openapi(
      createRoute({ method: "get", path: "/api/contract-breaker", responses: { 200: jsonResponse(z.object({ count: z.number().int() }), "A count"), ...problemResponses(404) } }),
      (c) => c.json({ count: null } as unknown as { count: number }, 200),
    );
    doc = (await api.call("GET", "/openapi.json")).body;
    const created = await api.call("POST", "/api/segments", { json: { name: "Pro", kind: "dynamic", expression: 'plan = "Pro"' } });
    segment = created.body;
  });
  afterAll(() => api.dispose());

  const check = (method: string, path: string, reply: ContractReply) => contractMismatches(doc, method, path, reply);
  const problem = (status: number, kind: string) => ({ type: `urn:segql:problem:${kind}`, title: "t", status, detail: "d" });

  it("passes a real reply and the answers it documents", async () => {
    const r = await api.call("GET", `/api/segments/${segment["id"]}?x=1`);
    expect(r.status).toBe(200);
    expect(check("GET", `/api/segments/${segment["id"]}`, r)).toEqual([]);
    expect(check("GET", "/api/segments/7", { status: 404, contentType: `${PROBLEM_TYPE}; charset=utf-8`, body: problem(404, "not-found") })).toEqual([]);
    expect(check("DELETE", "/api/segments/7", { status: 204, contentType: "", body: "" })).toEqual([]);
    expect(check("HEAD", "/api/segments", { status: 200, contentType: JSON_TYPE, body: "" })).toEqual([]);
  });

  it("fails a test whose call got a reply that breaks the document, naming route, status and path", async () => {
    await expect(api.call("GET", "/api/contract-breaker")).rejects.toThrow("GET /api/contract-breaker 200: body.count: expected integer, got null");
  });

  it("refuses a status the route does not list", () => {
    expect(check("GET", "/api/health", { status: 404, contentType: PROBLEM_TYPE, body: problem(404, "not-found") })).toEqual([
      "GET /api/health answered 404, a status its OpenAPI entry does not list (200, 401, 431, 500)",
    ]);
  });

  it("refuses a content type not documented, and a body where none is documented", () => {
    expect(check("GET", "/api/segments", { status: 200, contentType: "text/html", body: "<p>" })).toEqual([
      "GET /api/segments 200: Content-Type text/html is not one documented (application/json)",
    ]);
    expect(check("GET", "/api/segments/1", { status: 404, contentType: JSON_TYPE, body: problem(404, "not-found") })[0]).toContain("Content-Type application/json is not one documented (application/problem+json)");
    expect(check("DELETE", "/api/segments/1", { status: 204, contentType: JSON_TYPE, body: {} })).toEqual(["DELETE /api/segments/{id} 204: documented without a body, answered one (application/json)"]);
  });

  it("refuses a missing field, null for a number, a value outside an enum, a wrong item deep in a list", () => {
    const { memberCount: _, ...withoutCount } = segment;
    expect(check("GET", "/api/segments/1", { status: 200, contentType: JSON_TYPE, body: withoutCount })).toEqual([
      'GET /api/segments/{id} 200: body: the required property "memberCount" is missing',
    ]);
    expect(check("GET", "/api/segments/1", { status: 200, contentType: JSON_TYPE, body: { ...segment, memberCount: null, kind: "smart" } })).toEqual([
      "GET /api/segments/{id} 200: body.kind: \"smart\" is not one of \"static\", \"dynamic\"",
      "GET /api/segments/{id} 200: body.memberCount: expected integer, got null",
    ]);
    expect(check("GET", "/api/segments", { status: 200, contentType: JSON_TYPE, body: { items: [segment, { ...segment, references: [{ id: "1", name: "A" }] }], next: null } })).toEqual([
      'GET /api/segments 200: body.items[1].references[0].id: expected integer, got "1"',
    ]);
  });

  it("refuses a problem without its members, of a type the API does not have, or of another status", () => {
    expect(check("POST", "/api/segments", { status: 409, contentType: PROBLEM_TYPE, body: { type: "urn:segql:problem:name-taken", status: 409 } })).toEqual([
      'POST /api/segments 409: body: the required property "title" is missing',
      'POST /api/segments 409: body: the required property "detail" is missing',
    ]);
    expect(check("POST", "/api/segments", { status: 409, contentType: PROBLEM_TYPE, body: problem(409, "taken") })).toEqual([
      'POST /api/segments 409: body.type: "urn:segql:problem:taken" is not a problem type of the API (urn:segql:problem:<kind>, docs/api.md)',
    ]);
    expect(check("POST", "/api/segments", { status: 409, contentType: PROBLEM_TYPE, body: problem(422, "invalid-expression") })).toEqual([
      "POST /api/segments 409: body.status: 422 is not the response's status 409",
      "POST /api/segments 409: body.type: urn:segql:problem:invalid-expression is a 422 problem, answered with 409",
    ]);
  });

  it("matches a path to the operation with the most literal segments, and leaves undocumented paths alone", () => {
    expect(check("GET", "/api/contacts/export", { status: 200, contentType: "text/csv; charset=utf-8", body: "id\n" })).toEqual([]);
    expect(check("GET", "/api/contacts/c1", { status: 200, contentType: "text/csv", body: "id\n" })[0]).toContain("GET /api/contacts/{key} 200: Content-Type text/csv");
    expect(check("GET", "/api/nowhere", { status: 404, contentType: "text/plain", body: "" })).toEqual([]);
  });

  it("documents a named schema that may be null as null or that schema (a preview's impact, a why's segment, a job's report and problem)", () => {
    const running = { id: "3b241101-e2bb-4255-8caf-4136c566a962", kind: "contacts", file: "a.csv", format: "csv", state: "importing", rows: 0, total: null, startedAt: "2026-01-01T00:00:00.000Z", finishedAt: null, report: null, problem: null };
    expect(check("GET", `/api/imports/${running.id}`, { status: 200, contentType: JSON_TYPE, body: running })).toEqual([]);
    expect(check("GET", `/api/imports/${running.id}`, { status: 200, contentType: JSON_TYPE, body: { ...running, state: "paused", report: 3 } })).toEqual([
      'GET /api/imports/{id} 200: body.state: "paused" is not one of "importing", "refreshing", "done", "failed", "cancelled"',
      "GET /api/imports/{id} 200: body.report: matches none of the anyOf choices (the closest: $.report: expected object, got 3)",
    ]);
    for (const [schema, property] of [["Preview", "impact"], ["Why", "segment"], ["ImportJob", "report"], ["ImportJob", "problem"]] as const) {
      expect(doc.components?.schemas?.[schema]).toMatchObject({ properties: { [property]: { anyOf: [{ $ref: expect.any(String) }, { type: "null" }] } } });
    }
  });
});

describe("the OpenAPI document", () => {
  it("lists 413 and 415 on every route a body can be sent to: the body limit and the UTF-8 check answer them before any route", async () => {
    const api = await openTestApi("duckdb");
    try {
      const doc: OpenApiDocument = (await api.call("GET", "/openapi.json")).body;
      const missing = Object.entries(doc.paths).flatMap(([path, operations]) =>
        Object.entries(operations)
          .filter(([method]) => method !== "get")
          .flatMap(([method, operation]) => ["413", "415"].filter((s) => !operation.responses?.[s]).map((s) => `${method.toUpperCase()} ${path} ${s}`)),
      );
      expect(missing).toEqual([]);
      const refused = await api.call("POST", "/api/segments/1/convert-to-static", { raw: "{}", headers: { "content-type": "application/json; charset=latin1" } });
      expect(refused.status).toBe(415);
    } finally {
      await api.dispose();
    }
  });
});

describe("routes that take a segment's name answer a name the store refuses as documented", () => {
  it.each([
    ["POST", "/api/segments/1/duplicate"],
    ["POST", "/api/deleted-segments/1/restore"],
  ])("%s %s: a name with a control character is 422 invalid-input, a status the route lists", async (method, path) => {
    const api = await openTestApi("duckdb");
    try {
      const created = await api.call("POST", "/api/segments", { json: { name: "Pro", kind: "static" } });
      expect(created.body.id).toBe(1);
      if (path.includes("restore")) expect((await api.call("DELETE", "/api/segments/1")).status).toBe(204);
      const refused = await api.call(method, path, { json: { name: "Pro\u0000" } });
      expect(refused.status).toBe(422);
      expect(refused.body.problems).toEqual([{ path: "name", message: "a name cannot contain control characters (line breaks, tabs, U+0000)" }]);
    } finally {
      await api.dispose();
    }
  });
});
