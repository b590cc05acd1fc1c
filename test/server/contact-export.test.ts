/**
 * `GET /api/contacts/export` on every backend: the contacts a search and/or filter finds as a CSV or JSON
 * Lines download (the store's `exportContacts` byte for byte, the segment export's headers), streamed a
 * page at a time; problems before the first byte (422 for a filter with errors, with its diagnostics; 400
 * for a bad format); and the static path beside `GET /api/contacts/{key}`: a contact keyed `export` stays
 * readable.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { contactExportFileName } from "../../src/server/routes/contacts.js";
import { exportContacts } from "../../src/store/index.js";
import { BACKENDS, CONTACTS, expectProblem, openTestApi, seed, type TestApi } from "./helpers.js";

describe.each(BACKENDS)("GET /api/contacts/export on %s", (backend) => {
  let api: TestApi;
  beforeEach(async () => {
    api = await openTestApi(backend);
    await seed(api);
  });
  afterEach(() => api.dispose());

  /** The response's bytes as text, a byte-order mark kept (`Response.text()` drops it). */
  const download = async (path: string) => {
    const res = await api.app.request(path);
    return { status: res.status, headers: res.headers, body: new TextDecoder("utf-8", { ignoreBOM: true }).decode(await res.arrayBuffer()) };
  };
  const storeText = async (options: Parameters<typeof exportContacts>[1]) => {
    let out = "";
    for await (const chunk of exportContacts(api.store, options)) out += chunk;
    return out;
  };

  it("CSV by default: the contacts the search and filter find, the store's export byte for byte", async () => {
    const filter = 'plan = "Pro" or ltv > 1000';
    const r = await download(`/api/contacts/export?filter=${encodeURIComponent(filter)}`);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(r.headers.get("content-disposition")).toBe(`attachment; filename="contacts (filtered).csv"; filename*=UTF-8''contacts%20%28filtered%29.csv`);
    expect(r.headers.get("cache-control")).toBe("no-store");
    expect(r.body).toBe(await storeText({ filter }));
    const lines = r.body.split("\r\n");
    expect(lines[0]).toBe("\uFEFFid,name,plan,ltv,active,birthday,signed_up_at,tags");
    expect(lines.slice(1, -1).map((l) => l.split(",")[0])).toEqual(CONTACTS.filter((c) => c.plan === "Pro" || (c.ltv ?? 0) > 1000).map((c) => c.id));
    // Every contact without a search or filter; a search and a filter together narrow both.
    expect((await download("/api/contacts/export")).body.split("\r\n").slice(1, -1).map((l) => l.split(",")[0])).toEqual(CONTACTS.map((c) => c.id));
    const both = await download(`/api/contacts/export?search=ann&filter=${encodeURIComponent("ltv > 100")}&format=jsonl`);
    expect(both.headers.get("content-disposition")).toContain('filename="contacts matching ann (filtered).jsonl"');
    expect(both.body.trimEnd().split("\n").map((l) => JSON.parse(l).id)).toEqual(["c1"]);
  });

  it("JSON Lines: every contact the search finds, as GET /api/contacts gives them", async () => {
    const r = await download("/api/contacts/export?search=o&format=jsonl");
    expect(r.headers.get("content-type")).toBe("application/x-ndjson; charset=utf-8");
    expect(r.headers.get("content-disposition")).toContain('filename="contacts matching o.jsonl"');
    const rows = r.body.trimEnd().split("\n").map((l) => JSON.parse(l));
    const listed = await api.call("GET", "/api/contacts?search=o&limit=200");
    expect(rows).toEqual(listed.body.items);
    expect(rows.length).toBeGreaterThan(1);
  });

  it("spreadsheetSafe=false writes text as stored; by default a formula is made text", async () => {
    await api.call("POST", "/api/contacts", { json: { contacts: [{ id: "c9", name: "=1+1", plan: "Pro" }] } });
    expect((await download("/api/contacts/export?search=c9")).body).toContain("\r\nc9,'=1+1,Pro,");
    expect((await download("/api/contacts/export?search=c9&spreadsheetSafe=false")).body).toContain("\r\nc9,=1+1,Pro,");
  });

  it("problems before the first byte: 422 for a filter with errors (its diagnostics), 400 for a bad format", async () => {
    const bad = expectProblem(await api.call("GET", `/api/contacts/export?filter=${encodeURIComponent("ltv > ")}`), 422, "invalid-expression");
    expect(bad.detail).toMatch(/^the filter has an error: 1:\d+: /);
    expect(bad.expression).toBe("ltv > ");
    expect(bad.diagnostics.some((d: { severity: string }) => d.severity === "error")).toBe(true);
    expectProblem(await api.call("GET", `/api/contacts/export?filter=${encodeURIComponent("nope = 1")}`), 422, "invalid-expression");
    expect(expectProblem(await api.call("GET", "/api/contacts/export?format=xlsx"), 400, "invalid-request").detail).toContain("expected csv or jsonl");
    expectProblem(await api.call("GET", "/api/contacts/export?spreadsheetSafe=yes"), 400, "invalid-request");
    expectProblem(await api.call("GET", "/api/contacts/export?orderBy=ltv"), 400, "invalid-request");
    const head = await api.app.request(`/api/contacts/export?filter=${encodeURIComponent("ltv >")}`, { method: "HEAD" });
    expect(head.status).toBe(422);
  });

  it("streams: the first bytes come before the last page is read", async () => {
    await api.call("POST", "/api/contacts", { json: { contacts: Array.from({ length: 2500 }, (_, i) => ({ id: `m${String(i).padStart(4, "0")}`, ltv: 5 })) } });
    const pages = api.store.contactPages.bind(api.store);
    let read = 0;
    api.store.contactPages = async function* (options) {
      for await (const page of pages(options)) {
        read++;
        yield page;
      }
    };
    const res = await api.app.request("/api/contacts/export?filter=ltv%20%3D%205&format=jsonl");
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value).split("\n").length - 1).toBe(1000);
    expect(read).toBeLessThan(3);
    let lines = 1000;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      lines += new TextDecoder().decode(value).split("\n").length - 1;
    }
    expect(lines).toBe(2500);
    expect(read).toBe(3);
  });

  it("beside GET /api/contacts/{key}: /api/contacts/export is the export, a contact keyed export stays readable", async () => {
    await api.call("POST", "/api/contacts", { json: { contacts: [{ id: "export", name: "Exporter", plan: "Team" }] } });
    await api.call("POST", "/api/events", { json: { events: [{ contact_id: "export", event: "Purchase", occurred_at: "2025-12-02T10:00:00Z", properties: { amount: 5 } }] } });
    const file = await download("/api/contacts/export?search=Exporter");
    expect(file.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(file.body.split("\r\n")[1]).toBe("export,Exporter,Team,,,,,");
    // Its deeper paths are not the export's; the contact itself is read with the key in the query.
    expect((await api.call("GET", "/api/contacts/export/events")).body.total).toBe(1);
    expect((await api.call("GET", "/api/contacts/export/changes")).status).toBe(200);
    const byQuery = await api.call("GET", "/api/contact?key=export");
    expect(byQuery.status).toBe(200);
    expect(byQuery.body.values.name).toBe("Exporter");
    // Other keys still reach the contact route.
    expect((await api.call("GET", "/api/contacts/c1")).body.values.name).toBe("Ann Lee");
    expect((await api.call("GET", "/api/contacts/exports")).status).toBe(404);
  });
});

describe("contactExportFileName", () => {
  it("says what the file holds; a long search is cut", () => {
    expect(contactExportFileName("", "", "csv")).toBe("contacts.csv");
    expect(contactExportFileName("ann", "", "jsonl")).toBe("contacts matching ann.jsonl");
    expect(contactExportFileName("", "ltv > 5", "csv")).toBe("contacts (filtered).csv");
    expect(contactExportFileName("x".repeat(60), "", "csv")).toBe(`contacts matching ${"x".repeat(40)}….csv`);
  });
});
