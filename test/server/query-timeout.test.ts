/**
 * The query time limit over HTTP: a preview running past it answers 422 `query-timeout` saying why and
 * what to do (in the OpenAPI document too), and the server goes on answering; `segql serve
 * --query-timeout SECONDS` sets it, and refuses a value that is not a number of seconds.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { parseQueryTimeout } from "../../src/cli/commands/serve.js";
import { schemaToJson } from "../../src/store/schema-json.js";
import { crmSchema } from "../store/helpers.js";
import { wideOr } from "../store/wide-or.js";
import { BACKENDS, expectProblem, openTestApi, readReply } from "./helpers.js";
import { startServe } from "./process.js";

const dir = mkdtempSync(join(tmpdir(), "segql-query-timeout-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Contacts enough for a wide condition to take DuckDB and PostgreSQL well past a few ms. */
const CONTACTS = Array.from({ length: 3000 }, (_, i) => ({ id: `c${i}`, name: `n${i}`, ltv: i % 700 }));
/** Clauses of the wide `or` (within PostgreSQL's 1,664 columns of the preview's counts query). */
const CLAUSES = 300;

describe.each(BACKENDS)("the query time limit over HTTP on %s", (backend) => {
  it("a preview past it is a 422 query-timeout, and the next requests are answered", { timeout: 120_000 }, async () => {
    const api = await openTestApi(backend, {}, { queryTimeoutMs: 5 });
    try {
      expect((await api.call("POST", "/api/contacts", { json: { contacts: CONTACTS } })).status).toBe(200);
      const slow = await api.call("POST", "/api/preview", { json: { expression: wideOr(CLAUSES) } });
      const p = expectProblem(slow, 422, "query-timeout");
      expect(p).toMatchObject({ title: "The query took longer than the server's time limit and was stopped", operation: "preview", limitMs: 5 });
      expect(p.detail).toBe(
        "the preview took longer than 5 ms and was stopped: the condition may be too large for the database to plan quickly; simplify it (an `in (…)` list instead of many `=` clauses) or raise the time limit (segql serve --query-timeout)",
      );
      expect((await api.call("GET", "/api/segments")).status).toBe(200);
      expect((await api.call("GET", "/api/contacts/c1")).body.values.name).toBe("n1");
    } finally {
      await api.dispose();
    }
  });
});

describe("a preview whose client goes away", () => {
  it("is stopped and answered as cancelled (not an internal error), and the server goes on", { timeout: 120_000 }, async () => {
    const api = await openTestApi("duckdb");
    try {
      expect((await api.call("POST", "/api/contacts", { json: { contacts: CONTACTS } })).status).toBe(200);
      const controller = new AbortController();
      const request = new Request("http://localhost/api/preview", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ expression: wideOr(CLAUSES) }), signal: controller.signal });
      const answer = api.app.request(request);
      setImmediate(() => controller.abort());
      const p = expectProblem(await readReply(await answer), 409, "cancelled");
      expect(p.detail).toBe("the preview was cancelled; nothing was written");
      expect((await api.call("GET", "/api/segments")).status).toBe(200);
    } finally {
      await api.dispose();
    }
  });
});

describe("the OpenAPI document", () => {
  it("says where a query-timeout can come from", async () => {
    const api = await openTestApi("duckdb");
    try {
      const doc = (await api.call("GET", "/openapi.json")).body;
      for (const [path, method] of [
        ["/api/preview", "post"],
        ["/api/why", "post"],
        ["/api/contacts", "get"],
      ] as const) {
        const op = doc.paths[path][method];
        expect(op.description, path).toContain("422 `query-timeout`");
        expect(Object.keys(op.responses), path).toContain("422");
      }
    } finally {
      await api.dispose();
    }
  });
});

describe("segql serve --query-timeout", () => {
  it("reads seconds, 0 for none, and refuses anything else with exit 2", async () => {
    expect([parseQueryTimeout("30"), parseQueryTimeout("2.5"), parseQueryTimeout("0"), parseQueryTimeout("0.005")]).toEqual([30_000, 2_500, 0, 5]);
    for (const bad of ["soon", "-1", "30s", "", "90000"]) {
      const err: string[] = [];
      const code = await main(["serve", "--db", join(dir, "never.duckdb"), "--query-timeout", bad], { out: () => undefined, err: (t) => err.push(t), readStdin: async () => "" });
      expect(code, bad).toBe(2);
      expect(err.join("\n"), bad).toMatch(/^segql serve: --query-timeout: (expected a number of seconds such as 30 or 2\.5 \(0 for no limit\)|at most a day \(86400\)), got '/m);
    }
  });

  it("stops a slow preview of a real server on a DuckDB file, which goes on answering", { timeout: 180_000 }, async () => {
    const schemaFile = join(dir, "schema.json");
    writeFileSync(schemaFile, JSON.stringify(schemaToJson(crmSchema)));
    const p = await startServe(["--db", join(dir, "serve.duckdb"), "--schema", schemaFile, "--port", "0", "--refresh-every", "off", "--query-timeout", "0.005"]);
    try {
      const post = (path: string, json: unknown) => p.fetch(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(json) }).then(readReply);
      expect((await post("/api/contacts", { contacts: CONTACTS })).status).toBe(200);
      const slow = await post("/api/preview", { expression: wideOr(CLAUSES) });
      expect(slow.status).toBe(422);
      expect(slow.body.detail).toMatch(/^the preview took longer than 5 ms and was stopped/);
      expect((await readReply(await p.fetch("/api/segments"))).status).toBe(200);
    } finally {
      p.child.kill("SIGTERM");
    }
    expect((await p.exited).code).toBe(0);
  });
});
