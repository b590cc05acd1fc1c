/**
 * The HTTP protocol around the routes: bearer auth, bad JSON, media types, size limits, unknown routes and
 * methods, CORS, unexpected errors (500 without a stack, logged), and the OpenAPI document (generated from
 * the same schemas: every route in it, every documented path answering).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/server/index.js";
import { DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_BULK_BYTES, DEFAULT_MAX_IMPORT_BYTES } from "../../src/server/app.js";
import type { Store } from "../../src/store/index.js";
import { tokensEqual } from "../../src/server/auth.js";
import { expectProblem, openTestApi, readReply, requestInit, seed, type Call, type TestApi } from "./helpers.js";

describe("protocol", () => {
  let api: TestApi;
  let secured: ReturnType<typeof createApp>;
  const logged: string[] = [];
  beforeAll(async () => {
    api = await openTestApi("duckdb", { maxBodyBytes: 4096, maxBulkBytes: 64 * 1024 });
    await seed(api);
    secured = createApp({ store: api.store, token: "s3cret-token", log: (l) => logged.push(l) });
  });
  afterAll(() => api.dispose());
  const securedCall = async (method: string, path: string, call: Call = {}) => readReply(await secured.request(path, requestInit(method, call)));

  it("with a token, every API route and the OpenAPI document need it: 401 with WWW-Authenticate otherwise", async () => {
    for (const [method, path] of [
      ["GET", "/api/health"],
      ["GET", "/api/segments"],
      ["POST", "/api/segments"],
      ["GET", "/api/segments/1"],
      ["DELETE", "/api/segments/1"],
      ["GET", "/api/changes"],
      ["POST", "/api/contacts"],
      ["GET", "/openapi.json"],
      ["GET", "/api/no-such-route"],
    ] as const) {
      const r = await securedCall(method, path, method === "POST" ? { json: { name: "x" } } : {});
      expectProblem(r, 401, "unauthorized");
      expect(r.headers.get("www-authenticate")).toMatch(/^Bearer realm="segql"/);
      const wrong = await securedCall(method, path, { token: "s3cret-tokem" });
      expectProblem(wrong, 401, "unauthorized");
      expect(wrong.headers.get("www-authenticate")).toMatch(/invalid_token/);
    }
    expectProblem(await securedCall("GET", "/api/health", { headers: { authorization: "Basic czNjcmV0LXRva2Vu" } }), 401, "unauthorized");
    expectProblem(await securedCall("GET", "/api/health", { headers: { authorization: "Bearer" } }), 401, "unauthorized");
    expectProblem(await securedCall("GET", "/api/health", { token: "s3cret-token-and-more" }), 401, "unauthorized");
    expect((await securedCall("GET", "/api/health", { token: "s3cret-token" })).status).toBe(200);
    expect((await securedCall("GET", "/api/health", { headers: { authorization: "bearer  s3cret-token" } })).status).toBe(200);
    expect((await securedCall("GET", "/openapi.json", { token: "s3cret-token" })).body.security).toEqual([{ bearer: [] }]);
    // Nothing was written by the refused requests.
    expect((await api.call("GET", "/api/segments")).body.items).toEqual([]);
  });

  it("compares tokens by value only", () => {
    expect(tokensEqual("abc", "abc")).toBe(true);
    expect(tokensEqual("abc", "abd")).toBe(false);
    expect(tokensEqual("abc", "abcd")).toBe(false);
    expect(tokensEqual("", "a")).toBe(false);
  });

  it("bad JSON is a 400 bad-json; a body of the wrong media type a 415; a body past the limit a 413", async () => {
    for (const raw of ["{", '{"name": "x",}', "nul", "\u0000", '{"a":1}{"b":2}']) {
      const r = await api.call("POST", "/api/segments", { raw, headers: { "content-type": "application/json" } });
      expectProblem(r, 400, "bad-json");
    }
    expectProblem(await api.call("POST", "/api/segments", { raw: '{"name":"x"}', headers: { "content-type": "text/plain" } }), 415, "unsupported-media-type");
    expectProblem(await api.call("POST", "/api/segments", { raw: '{"name":"x"}' }), 415, "unsupported-media-type");
    expectProblem(await api.call("POST", "/api/preview", { raw: "a=1", headers: { "content-type": "application/x-www-form-urlencoded" } }), 415, "unsupported-media-type");
    // Bodies are UTF-8: another declared charset is refused (Latin-1's é would be read as U+FFFD), UTF-8 in any spelling taken.
    const latin1 = expectProblem(await api.call("POST", "/api/check", { raw: '{"expression":"name = \\"caf\u00e9\\""}', headers: { "content-type": "application/json; charset=ISO-8859-1" } }), 415, "unsupported-media-type");
    expect(latin1.detail).toContain("charset=ISO-8859-1");
    for (const ct of ["application/json; charset=utf-8", "application/json;charset=UTF8", 'application/json; charset="UTF-8"']) {
      expect((await api.call("POST", "/api/check", { raw: '{"expression":"ltv > 1"}', headers: { "content-type": ct } })).status, ct).toBe(200);
    }
    const big = await api.call("POST", "/api/preview", { json: { expression: `ltv > 1 ${"or ltv > 2 ".repeat(500)}` } });
    expect(expectProblem(big, 413, "too-large").limit).toBe(4096);
    // Bulk routes have their own, larger limit.
    const contacts = Array.from({ length: 100 }, (_, i) => ({ id: `bulk-${i}`, name: "x".repeat(20) }));
    expect((await api.call("POST", "/api/contacts", { json: { contacts } })).status).toBe(200);
    const huge = Array.from({ length: 1000 }, (_, i) => ({ id: `huge-${i}`, name: "y".repeat(100) }));
    expectProblem(await api.call("POST", "/api/contacts", { json: { contacts: huge } }), 413, "too-large");
    expectProblem(await api.call("GET", "/api/contacts/huge-1"), 404, "not-found");
    // Looking up a pasted list takes as many keys as a member edit: the bulk limit, not the ordinary one.
    const keys = Array.from({ length: 600 }, (_, i) => `bulk-${i}`);
    expect(JSON.stringify({ keys }).length).toBeGreaterThan(4096);
    const lookup = await api.call("POST", "/api/contacts/lookup", { json: { keys } });
    expect(lookup.status).toBe(200);
    expect(lookup.body).toMatchObject({ known: keys.slice(0, 100), unknown: keys.slice(100) });
  });

  it("an expression longer than the parser's limit is refused by the schema (400), not parsed", async () => {
    const app = createApp({ store: api.store, maxBodyBytes: 8 * 1024 * 1024 });
    const r = await readReply(await app.request("/api/check", requestInit("POST", { json: { expression: "a".repeat(1_000_001) } })));
    expectProblem(r, 400, "invalid-request");
    expect(r.body.issues[0]).toMatchObject({ in: "body", path: "expression", code: "too_big" });
  });

  it("health tells the body limits in force, so a client can refuse a file too large before sending it", async () => {
    const defaults = await readReply(await createApp({ store: api.store }).request("/api/health", requestInit("GET", {})));
    expect(defaults.body.limits).toEqual({ bodyBytes: DEFAULT_MAX_BODY_BYTES, bulkBytes: DEFAULT_MAX_BULK_BYTES, importBytes: DEFAULT_MAX_IMPORT_BYTES });
    const app = createApp({ store: api.store, maxBodyBytes: 1000, maxBulkBytes: 2000, maxImportBytes: 3000 });
    const r = await readReply(await app.request("/api/health", requestInit("GET", {})));
    expect(r.body.limits).toEqual({ bodyBytes: 1000, bulkBytes: 2000, importBytes: 3000 });
    // The import limit it says is the one it applies.
    const over = await readReply(await app.request("/api/contacts/import?format=csv", { method: "POST", headers: { "content-type": "text/csv" }, body: "x".repeat(3001) }));
    expectProblem(over, 413, "too-large");
  });

  it("unknown routes are 404 problems; known routes with another method are 405 with Allow", async () => {
    const nf = expectProblem(await api.call("GET", "/api/nothing/here"), 404, "not-found");
    expect(nf.instance).toBe("/api/nothing/here");
    expectProblem(await api.call("GET", "/"), 404, "not-found");
    expectProblem(await api.call("GET", "/../../etc/passwd"), 404, "not-found");
    const put = await api.call("PUT", "/api/segments/1", { json: {} });
    expectProblem(put, 405, "method-not-allowed");
    expect(put.headers.get("allow")).toBe("DELETE, GET, HEAD, PATCH");
    const del = await api.call("DELETE", "/api/segments");
    expectProblem(del, 405, "method-not-allowed");
    expect(del.headers.get("allow")).toBe("GET, HEAD, POST");
  });

  it("CORS is off by default and on for the configured origins", async () => {
    const pre = await api.app.request("/api/segments", { method: "OPTIONS", headers: { origin: "https://app.example", "access-control-request-method": "POST" } });
    expect(pre.headers.get("access-control-allow-origin")).toBeNull();
    const plain = await api.app.request("/api/health", { headers: { origin: "https://app.example" } });
    expect(plain.headers.get("access-control-allow-origin")).toBeNull();
    const withCors = createApp({ store: api.store, corsOrigins: ["https://app.example"], token: "t" });
    const ok = await withCors.request("/api/segments", { method: "OPTIONS", headers: { origin: "https://app.example", "access-control-request-method": "PATCH" } });
    expect(ok.status).toBe(204); // the preflight needs no token
    expect(ok.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(ok.headers.get("access-control-allow-headers")).toMatch(/If-Match/i);
    const other = await withCors.request("/api/health", { headers: { origin: "https://evil.example", authorization: "Bearer t" } });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    const exposed = await withCors.request("/api/health", { headers: { origin: "https://app.example", authorization: "Bearer t" } });
    expect(exposed.headers.get("access-control-expose-headers")).toMatch(/ETag/);
  });

  it("an unexpected error is a 500 problem without a stack, and is logged with its stack", async () => {
    const broken = new Proxy(api.store, {
      get(target, prop, receiver) {
        if (prop === "listSegments") return async () => { throw new TypeError("boom at /secret/path.ts:12"); };
        return Reflect.get(target, prop, receiver);
      },
    }) as Store;
    const lines: string[] = [];
    const app = createApp({ store: broken, log: (l) => lines.push(l) });
    const r = await readReply(await app.request("/api/segments"));
    const p = expectProblem(r, 500, "internal");
    expect(JSON.stringify(p)).not.toMatch(/boom|secret|TypeError|at /);
    expect(p.errorId).toMatch(/^[a-z0-9]+$/);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(p.errorId);
    expect(lines[0]).toMatch(/TypeError: boom/);
    expect(lines[0]).toMatch(/GET \/api\/segments/);
  });

  it("API responses are not cached and are not sniffed", async () => {
    const r = await api.call("GET", "/api/health");
    expect(r.headers.get("cache-control")).toBe("no-store");
    expect(r.headers.get("x-content-type-options")).toBe("nosniff");
    expect(r.body).toMatchObject({ status: "ok", backend: "duckdb", contacts: expect.any(Number) });
  });

  it("serves the schema in schema-file form", async () => {
    const r = await api.call("GET", "/api/schema");
    expect(r.body).toMatchObject({ table: "contacts", key: "id", fields: { ltv: { type: "number" }, plan: { type: "enum", values: ["Free", "Pro", "Team"] } } });
  });

  it("the OpenAPI 3.1 document lists every route the app answers, with its errors, and each listed path is routed", async () => {
    const doc = (await api.call("GET", "/openapi.json")).body;
    expect(doc.openapi).toBe("3.1.0");
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ":$1")}`),
    );
    const routed = api.app.routes.filter((r) => r.method !== "ALL" && r.path.startsWith("/api/")).map((r) => `${r.method} ${r.path}`);
    expect([...new Set(documented)].sort()).toEqual([...new Set(routed)].sort());
    expect(documented.length).toBeGreaterThanOrEqual(26);
    for (const ops of Object.values(doc.paths as Record<string, Record<string, { responses: Record<string, unknown>; requestBody?: unknown }>>)) {
      for (const op of Object.values(ops)) {
        expect(op.responses["401"]).toBeDefined();
        expect(op.responses["500"]).toBeDefined();
      }
    }
    const create = doc.paths["/api/segments"].post;
    expect(create.requestBody.content["application/json"].schema.$ref).toBe("#/components/schemas/CreateSegment");
    expect(doc.components.schemas.CreateSegment.additionalProperties).toBe(false);
    expect(create.responses["409"].content["application/problem+json"]).toBeDefined();
    expect(doc.paths["/api/segments/{id}/members/add"].post.requestBody.content["text/csv"]).toBeDefined();
    const params = doc.paths["/api/segments/{id}"].get.parameters;
    expect(params).toContainEqual(expect.objectContaining({ name: "id", in: "path", required: true }));
  });
});
