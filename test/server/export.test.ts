/**
 * `GET /api/segments/{id}/export` on every backend: the members as a CSV or JSON Lines download (headers,
 * file name from the segment's name, the same text the store's export gives), problems before the first
 * byte (404, 400), and a transfer broken off, not ended early, when the segment goes away meanwhile (on
 * PostgreSQL; DuckDB exports the snapshot of the start).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { attachment } from "../../src/server/routes/members.js";
import { exportMembers } from "../../src/store/index.js";
import { BACKENDS, CONTACTS, expectProblem, openTestApi, seed, type TestApi } from "./helpers.js";

describe.each(BACKENDS)("GET /api/segments/{id}/export on %s", (backend) => {
  let api: TestApi;
  beforeEach(async () => {
    api = await openTestApi(backend);
    await seed(api);
  });
  afterEach(() => api.dispose());

  const create = async (json: object) => (await api.call("POST", "/api/segments", { json })).body.id as number;
  /** The response's bytes as text, a byte-order mark kept (`Response.text()` drops it). */
  const download = async (path: string) => {
    const res = await api.app.request(path);
    return { status: res.status, headers: res.headers, body: new TextDecoder("utf-8", { ignoreBOM: true }).decode(await res.arrayBuffer()) };
  };
  const storeText = async (id: number, options: Parameters<typeof exportMembers>[2]) => {
    let out = "";
    for await (const chunk of exportMembers(api.store, id, options)) out += chunk;
    return out;
  };

  it("CSV by default, named after the segment, the store's export byte for byte", async () => {
    const id = await create({ name: "Pro & friends — été", kind: "dynamic", expression: 'plan = "Pro" or ltv > 1000' });
    const r = await download(`/api/segments/${id}/export`);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(r.headers.get("content-disposition")).toBe(`attachment; filename="Pro & friends _ _t_.csv"; filename*=UTF-8''Pro%20%26%20friends%20%E2%80%94%20%C3%A9t%C3%A9.csv`);
    expect(r.body).toBe(await storeText(id, { format: "csv" }));
    const lines = r.body.split("\r\n");
    expect(lines[0]).toBe("\uFEFFid,name,plan,ltv,active,birthday,signed_up_at,tags");
    const want = CONTACTS.filter((c) => c.plan === "Pro" || (c.ltv ?? 0) > 1000).map((c) => c.id);
    expect(lines.slice(1, -1).map((l) => l.split(",")[0])).toEqual(want);
  });

  it("JSON Lines: one member per line, every field, as the members route gives them", async () => {
    const id = await create({ name: "Picked", kind: "static", members: ["c5", "c2"] });
    const r = await download(`/api/segments/${id}/export?format=jsonl`);
    expect(r.headers.get("content-type")).toBe("application/x-ndjson; charset=utf-8");
    const rows = r.body.trimEnd().split("\n").map((l) => JSON.parse(l));
    const members = await api.call("GET", `/api/segments/${id}/members`);
    expect(rows).toEqual(members.body.items);
    expect(rows.map((c) => c.id)).toEqual(["c2", "c5"]);
  });

  it("spreadsheetSafe=false writes text as stored", async () => {
    await api.call("POST", "/api/contacts", { json: { contacts: [{ id: "c9", name: "=1+1", plan: "Pro" }] } });
    const id = await create({ name: "Pros", kind: "dynamic", expression: 'plan = "Pro"' });
    expect((await download(`/api/segments/${id}/export`)).body).toContain("\r\nc9,'=1+1,Pro,");
    expect((await download(`/api/segments/${id}/export?spreadsheetSafe=false`)).body).toContain("\r\nc9,=1+1,Pro,");
  });

  it("problems come before the first byte: 404 unknown segment, 400 bad format", async () => {
    expectProblem(await api.call("GET", "/api/segments/999/export"), 404, "not-found");
    const bad = expectProblem(await api.call("GET", "/api/segments/1/export?format=xlsx"), 400, "invalid-request");
    expect(bad.detail).toContain("expected csv or jsonl");
    expectProblem(await api.call("GET", "/api/segments/1/export?spreadsheetSafe=yes"), 400, "invalid-request");
  });

  it("HEAD answers GET's status and headers without reading the members", async () => {
    const id = await create({ name: "Pros", kind: "dynamic", expression: 'plan = "Pro"' });
    const read = api.store.memberPages.bind(api.store);
    let reads = 0;
    api.store.memberPages = (...args) => {
      reads++;
      return read(...args);
    };
    const head = await api.app.request(`/api/segments/${id}/export?format=jsonl`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-type")).toBe("application/x-ndjson; charset=utf-8");
    expect(head.headers.get("content-disposition")).toContain('filename="Pros.jsonl"');
    expect(await head.text()).toBe("");
    expect(reads).toBe(0);
    expect((await api.app.request("/api/segments/999/export", { method: "HEAD" })).status).toBe(404);
    expect((await api.app.request(`/api/segments/${id}/export?format=xlsx`, { method: "HEAD" })).status).toBe(400);
    // GET still reads them.
    expect((await download(`/api/segments/${id}/export`)).status).toBe(200);
    expect(reads).toBe(1);
  });

  it("a segment deleted during a long export: the members when it started (DuckDB, a PostgreSQL server), on PGlite the transfer broken off, not a file ended early", async () => {
    const many = Array.from({ length: 2500 }, (_, i) => ({ id: `m${String(i).padStart(4, "0")}`, ltv: 5 }));
    await api.call("POST", "/api/contacts", { json: { contacts: many } });
    const id = await create({ name: "Many", kind: "dynamic", expression: "ltv = 5" });
    const res = await api.app.request(`/api/segments/${id}/export?format=jsonl`);
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    await api.store.deleteSegment(id, { force: true });
    let lines = new TextDecoder().decode(first.value).split("\n").length - 1;
    const drain = async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        lines += new TextDecoder().decode(value).split("\n").length - 1;
      }
    };
    if (backend !== "pglite") {
      // One snapshot, streamed on a connection of its own.
      await drain();
      expect(lines).toBe(2500);
    } else {
      await expect(drain()).rejects.toThrow(/is in Recently deleted/);
      expect(lines).toBeLessThan(2500);
    }
  });
});

describe("attachment", () => {
  it("an ASCII name for old clients and the exact one (RFC 5987); quotes, slashes and line breaks cannot break out", () => {
    expect(attachment("VIP list.csv")).toBe(`attachment; filename="VIP list.csv"; filename*=UTF-8''VIP%20list.csv`);
    const evil = attachment('a"b\r\nX-Evil: 1/..\\c.csv');
    expect(evil).not.toMatch(/[\r\n]/);
    expect(evil).toBe(`attachment; filename="a_b__X-Evil_ 1_.._c.csv"; filename*=UTF-8''a%22b%0D%0AX-Evil%3A%201%2F..%5Cc.csv`);
  });
});
