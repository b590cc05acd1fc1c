/**
 * The response headers a client acts on (ETag to send back as If-Match, Location of what was made,
 * Retry-After of a 429, WWW-Authenticate of a 401) are in the OpenAPI document, not only in docs/api.md: a
 * generated client exposes only the headers its document declares. The contract check (contract.ts) then
 * holds every reply of the suite to them. And with CORS on, a browser's script may send every request
 * header the API reads and read every response header it documents.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/server/index.js";
import { contractMismatches, type OpenApiDocument } from "./contract.js";
import { openTestApi, type TestApi } from "./helpers.js";

describe("response headers in the OpenAPI document", () => {
  let api: TestApi;
  let doc: any;
  beforeAll(async () => {
    api = await openTestApi("duckdb");
    doc = (await api.call("GET", "/openapi.json")).body;
  });
  afterAll(() => api.dispose());

  const required = (path: string, method: string, status: number) =>
    Object.entries(doc.paths[path][method].responses[String(status)].headers ?? {})
      .filter(([, h]: [string, any]) => h.required === true)
      .map(([name]) => name)
      .sort();

  it("declares ETag and Location where the API sends them, and the headers of 401, 412 and 429", () => {
    expect(required("/api/segments", "post", 201)).toEqual(["ETag", "Location"]);
    expect(required("/api/segments/{id}", "get", 200)).toEqual(["ETag"]);
    expect(required("/api/segments/{id}", "patch", 200)).toEqual(["ETag"]);
    expect(required("/api/segments/{id}", "patch", 412)).toEqual(["ETag"]);
    expect(required("/api/segments/{id}/duplicate", "post", 201)).toEqual(["ETag", "Location"]);
    expect(required("/api/segments/{id}/convert-to-static", "post", 200)).toEqual(["ETag"]);
    expect(required("/api/deleted-segments/{id}/restore", "post", 200)).toEqual(["ETag", "Location"]);
    expect(required("/api/contacts/import", "post", 202)).toEqual(["Location"]);
    expect(required("/api/changes", "get", 429)).toEqual(["Retry-After"]);
    expect(required("/api/segments", "get", 401)).toEqual(["WWW-Authenticate"]);
  });

  it("the replies carry them (each reply of the suite is checked against the document)", async () => {
    const made = await api.call("POST", "/api/segments", { json: { name: "Hand-picked", kind: "static" } });
    expect(made.headers.get("location")).toBe(`/api/segments/${made.body.id}`);
    expect(made.headers.get("etag")).toBe('"v1"');
    await api.call("PATCH", `/api/segments/${made.body.id}`, { json: { description: "a" }, headers: { "if-match": '"v1"' } });
    const stale = await api.call("PATCH", `/api/segments/${made.body.id}`, { json: { description: "b" }, headers: { "if-match": '"v1"' } });
    expect(stale.status).toBe(412);
    expect(stale.headers.get("etag")).toBe('"v2"');
  });

  it("a reply without a header the document requires breaks the contract", () => {
    const tiny: OpenApiDocument = {
      paths: { "/api/things": { post: { responses: { "201": { headers: { Location: { required: true }, "X-Optional": {} }, content: { "application/json": { schema: { type: "object" } } } } } } } },
    };
    const reply = (headers: Record<string, string>) => ({ status: 201, contentType: "application/json", body: {}, headers: new Headers(headers) });
    expect(contractMismatches(tiny, "POST", "/api/things", reply({}))).toEqual(["POST /api/things 201: the header Location, which the document requires, is missing"]);
    expect(contractMismatches(tiny, "POST", "/api/things", reply({ location: "/api/things/1" }))).toEqual([]);
  });
});

describe("CORS", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await openTestApi("duckdb");
  });
  afterAll(() => api.dispose());

  it("lets a browser send Prefer and Content-Encoding (an async or gzipped import) and read Retry-After and an export's file name", async () => {
    const app = createApp({ store: api.store, corsOrigins: ["https://crm.example"] });
    const preflight = await app.request("/api/contacts/import", {
      method: "OPTIONS",
      headers: { origin: "https://crm.example", "access-control-request-method": "POST", "access-control-request-headers": "content-type, content-encoding, prefer" },
    });
    const allowed = (preflight.headers.get("access-control-allow-headers") ?? "").toLowerCase().split(/,\s*/);
    expect(allowed).toEqual(expect.arrayContaining(["content-type", "content-encoding", "prefer", "if-match", "authorization", "segql-user"]));
    const answer = await app.request("/api/health", { headers: { origin: "https://crm.example" } });
    const exposed = (answer.headers.get("access-control-expose-headers") ?? "").toLowerCase().split(/,\s*/);
    expect(exposed).toEqual(expect.arrayContaining(["etag", "location", "retry-after", "content-disposition"]));
  });
});
