/**
 * Contact routes through HTTP on every backend: search by any field and paging (the contact picker),
 * "all matches of a filter", one contact with its segments, upserts and event appends with their errors.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { crmSchema } from "../store/helpers.js";
import { compilePredicate } from "../../src/compiler/predicate/index.js";
import { analyze, checkExpression } from "../../src/index.js";
import { searchExpression } from "../../src/server/contact-search.js";
import { MAX_KEY_LENGTH } from "../../src/store/index.js";
import { BACKENDS, CONTACTS, expectProblem, openTestApi, seed, type TestApi } from "./helpers.js";

/** Contacts whose fields hold `text` by the search's documented rules, computed here independently. */
function expectedSearch(text: string): string[] {
  const t = text.trim();
  const lower = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
  return CONTACTS.filter((c) =>
    [c.id, c.name].some((v) => typeof v === "string" && lower(v).includes(lower(t))) ||
    (c.plan !== null && lower(c.plan).includes(lower(t))) ||
    (c.tags ?? []).includes(t) ||
    (/^-?\d+(\.\d+)?$/.test(t) && c.ltv === Number(t)),
  ).map((c) => c.id);
}

describe("searchExpression", () => {
  it("always builds an expression that checks, whatever the text (quoting, never pasting)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 40 }), (text) => {
        const e = searchExpression(crmSchema, text);
        if (text.trim() === "") return e === null;
        if (e === null) return true;
        expect(analyze(e, crmSchema).diagnostics.filter((d) => d.severity === "error")).toEqual([]);
        return true;
      }),
      { numRuns: 300 },
    );
  });

  it("matches what the documented rules say, on the predicate", () => {
    for (const text of ["ann", "LEE", "pro", "vip", "1200", "c4", "\"E\"", "o'n", "zzz", "Free"]) {
      const e = searchExpression(crmSchema, text)!;
      const predicate = compilePredicate(checkExpression(e, crmSchema));
      const got = CONTACTS.filter((c) => predicate(c, [])).map((c) => c.id);
      expect(got, text).toEqual(expectedSearch(text));
    }
  });
});

describe.each(BACKENDS)("contacts API on %s", (backend) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await openTestApi(backend);
    await seed(api);
  });
  afterAll(() => api.dispose());

  it("searches every field and pages through the matches, counting them all", async () => {
    for (const text of ["ann", "PRO", "vip", "5400.5", "o'n", "\"e\"", "nothing-like-this"]) {
      const r = await api.call("GET", `/api/contacts?search=${encodeURIComponent(text)}`);
      expect(r.status, text).toBe(200);
      expect(r.body.items.map((c: { id: string }) => c.id), text).toEqual(expectedSearch(text));
      expect(r.body.total).toBe(expectedSearch(text).length);
    }
    const pages: string[] = [];
    let cursor: string | null = null;
    do {
      const r = await api.call("GET", `/api/contacts?limit=2&orderBy=name&descending=true${cursor ? `&cursor=${cursor}` : ""}`);
      expect(r.body.total).toBe(CONTACTS.length);
      pages.push(...r.body.items.map((c: { id: string }) => c.id));
      cursor = r.body.next;
    } while (cursor !== null && pages.length < 20);
    const byName = [...CONTACTS].sort((a, b) => (a.name < b.name ? 1 : -1)).map((c) => c.id);
    expect(pages).toEqual(byName);
  });

  it("lists all matches of a filter expression, combined with search; a bad filter is a 422 positioned in it", async () => {
    const r = await api.call("GET", `/api/contacts?filter=${encodeURIComponent('plan = "Pro"')}&limit=200`);
    expect(r.body.items.map((c: { id: string }) => c.id)).toEqual(["c1", "c4"]);
    const both = await api.call("GET", `/api/contacts?filter=${encodeURIComponent("ltv > 100 -- spenders")}&search=ann`);
    expect(both.body.items.map((c: { id: string }) => c.id)).toEqual(["c1"]);
    const bad = expectProblem(await api.call("GET", `/api/contacts?filter=${encodeURIComponent("ltv >> 1")}&search=a`), 422, "invalid-expression");
    expect(bad.expression).toBe("ltv >> 1");
    expect(bad.diagnostics[0]).toMatchObject({ line: 1, column: 6 });
    expectProblem(await api.call("GET", "/api/contacts?limit=201"), 400, "invalid-request");
    expectProblem(await api.call("GET", "/api/contacts?cursor=bm9wZQ"), 400, "invalid-request");
    expectProblem(await api.call("GET", "/api/contacts?orderBy=colour"), 422, "invalid-input");
  });

  it("returns one contact with its segments and recent events; 404 for an unknown key", async () => {
    const s = await api.call("POST", "/api/segments", { json: { name: "VIPs", kind: "dynamic", expression: 'tags has "vip"' } });
    const r = await api.call("GET", "/api/contacts/c1");
    expect(r.status).toBe(200);
    expect(r.body.key).toBe("c1");
    expect(r.body.values).toMatchObject({ id: "c1", name: "Ann Lee", ltv: 1200, tags: ["vip", "beta"], birthday: "1990-05-01" });
    expect(r.body.segments).toEqual([{ id: s.body.id, name: "VIPs" }]);
    expect(r.body.recentEvents).toHaveLength(2);
    expect(r.body.eventCount).toBe(2);
    expectProblem(await api.call("GET", `/api/contacts/${encodeURIComponent("no such/key")}`), 404, "not-found");
  });

  it("pages through all of a contact's events, newest first, ties in time in a fixed order, with the total", async () => {
    // 250 more events for c1: more than the contact's 100 recent ones; five share each instant.
    const more = Array.from({ length: 250 }, (_, i) => ({ contact_id: "c1", event: i % 2 ? "Visit" : "Refund", occurred_at: new Date(Date.UTC(2026, 0, 1) + Math.floor(i / 5) * 60_000).toISOString(), properties: { n: i } }));
    expect((await api.call("POST", "/api/events", { json: { events: more } })).status).toBe(200);
    const contact = await api.call("GET", "/api/contacts/c1");
    expect(contact.body).toMatchObject({ eventCount: 252 });
    expect(contact.body.recentEvents).toHaveLength(100);
    const seen: Record<string, unknown>[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: any = await api.call("GET", `/api/contacts/c1/events?limit=60${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      expect(page.status).toBe(200);
      expect(page.body.total).toBe(252);
      seen.push(...page.body.items);
      cursor = page.body.next;
      pages++;
    } while (cursor);
    expect(pages).toBe(5);
    // Every event once: the 250 by their n, and the two purchases.
    expect(seen).toHaveLength(252);
    expect(new Set(seen.map((e) => JSON.stringify(e))).size).toBe(252);
    expect(seen.map((e) => (e["properties"] as { n?: number }).n).filter((n) => n !== undefined).sort((a, b) => a! - b!)).toEqual(more.map((_, i) => i));
    const times = seen.map((e) => Date.parse(String(e["occurred_at"])));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    // The first page is the contact's recent events; its cursor goes on from there.
    expect(seen.slice(0, 100)).toEqual(contact.body.recentEvents);
    const after = await api.call("GET", `/api/contacts/c1/events?limit=60&cursor=${encodeURIComponent(contact.body.eventsNext)}`);
    expect(after.body.items).toEqual(seen.slice(100, 160));
    expect((await api.call("GET", "/api/contacts/c2")).body.eventsNext).toBeNull();
    expectProblem(await api.call("GET", "/api/contacts/nobody/events"), 404, "not-found");
    expectProblem(await api.call("GET", "/api/contacts/c1/events?cursor=bm9wZQ"), 400, "invalid-request");
    expectProblem(await api.call("GET", "/api/contacts/c1/events?limit=0"), 400, "invalid-request");
    expect((await api.call("GET", "/api/contacts/c2/events")).body).toEqual({ items: [], total: 0, next: null });
  });

  it("refuses U+0000 in keys and values the same way on every backend (PostgreSQL cannot store it)", async () => {
    const seg = await api.call("POST", "/api/segments", { json: { name: "Nul list", kind: "static" } });
    for (const [method, path, call] of [
      ["GET", "/api/contacts/a%00b", {}],
      ["GET", `/api/segments/${seg.body.id}/why/%00`, {}],
      ["POST", "/api/why", { json: { expression: "ltv > 1", key: "\u0000" } }],
      ["POST", `/api/segments/${seg.body.id}/members/add`, { json: { keys: ["c1", "x\u0000"] } }],
      ["POST", `/api/segments/${seg.body.id}/members/remove`, { json: { keys: ["\u0000"], skipUnknown: true } }],
      ["POST", `/api/segments/${seg.body.id}/members/add`, { raw: "id\nc1\na\u0000\n", headers: { "content-type": "text/csv" } }],
    ] as const) {
      const p = expectProblem(await api.call(method, path, call), 400, "invalid-request");
      expect(JSON.stringify(p), path).toMatch(/U\+0000/);
    }
    const upsert = expectProblem(await api.call("POST", "/api/contacts", { json: { contacts: [{ id: "n1" }, { id: "n2", tags: ["ok", "b\u0000d"] }] } }), 400, "invalid-request");
    expect(upsert.issues[0]).toMatchObject({ path: "contacts[1].tags[1]" });
    const events = expectProblem(
      await api.call("POST", "/api/events", { json: { events: [{ contact_id: "c1", event: "Purchase", occurred_at: "2026-01-01T00:00:00Z", properties: { sku: "\u0000" } }] } }),
      400,
      "invalid-request",
    );
    expect(events.issues[0]).toMatchObject({ path: "events[0].properties.sku" });
    expectProblem(await api.call("GET", "/api/contacts/n1"), 404, "not-found");
  });

  it("refuses a lone UTF-16 surrogate in a contact's or an event's values, naming the field, rather than storing U+FFFD", async () => {
    const lone = "a\ud800b";
    for (const [contacts, path] of [
      [[{ id: "s1", name: lone }], "contacts[0].name"],
      [[{ id: "s2", tags: ["ok", "\udc00"] }], "contacts[0].tags"],
      [[{ id: "s3\ud800" }], "contacts[0].id"],
    ] as const) {
      const p = await api.call("POST", "/api/contacts", { json: { contacts } });
      expect(p.status, path).toBeGreaterThanOrEqual(400);
      expect(p.status, path).toBeLessThan(500);
      expect(JSON.stringify(p.body), path).toMatch(/lone UTF-16 surrogate/);
      expect(JSON.stringify(p.body), path).toContain(path);
    }
    for (const key of ["s1", "s2"]) expectProblem(await api.call("GET", `/api/contacts/${key}`), 404, "not-found");
    const events = await api.call("POST", "/api/events", { json: { events: [{ contact_id: "c1", event: "Purchase", occurred_at: "2026-01-01T00:00:00Z", properties: { sku: lone } }] } });
    expect(events.status).toBe(422);
    expect(JSON.stringify(events.body)).toMatch(/events\[0\]\.properties.*lone UTF-16 surrogate|lone UTF-16 surrogate.*events\[0\]\.properties/);
    // A pair (an emoji) is text like any other.
    expect((await api.call("POST", "/api/contacts", { json: { contacts: [{ id: "s4", name: "😀 \ud83d\ude00" }] } })).status).toBe(200);
    expect((await api.call("GET", "/api/contacts/s4")).body.values.name).toBe("😀 😀");
  });

  it("refuses a key longer than the key routes take (1,000 characters) on every write, naming the row, and writes nothing", async () => {
    const long = "k".repeat(MAX_KEY_LENGTH + 1);
    const fits = "k".repeat(MAX_KEY_LENGTH);
    const upsert = expectProblem(await api.call("POST", "/api/contacts", { json: { contacts: [{ id: "ok1" }, { id: long }] } }), 422, "invalid-input");
    expect(upsert.issues?.[0] ?? upsert.problems?.[0]).toMatchObject({ path: "contacts[1].id" });
    expect(JSON.stringify(upsert)).toMatch(/at most 1,000 characters; this one has 1,001/);
    expectProblem(await api.call("GET", "/api/contacts/ok1"), 404, "not-found");
    const events = await api.call("POST", "/api/events", { json: { events: [{ contact_id: long, event: "Purchase", occurred_at: "2026-01-01T00:00:00Z" }] } });
    expect(events.status).toBe(422);
    expect(JSON.stringify(events.body)).toMatch(/at most 1,000 characters/);
    // A key of the longest length is written and can be named again.
    expect((await api.call("POST", "/api/contacts", { json: { contacts: [{ id: fits, ltv: 1 }] } })).status).toBe(200);
    expect((await api.call("GET", `/api/contacts/${fits}`)).body).toMatchObject({ key: fits, values: { id: fits, ltv: 1 } });
  });

  it("upserts and appends with clear errors: wrong field types name the row and field; events need their contact", async () => {
    const bad = expectProblem(await api.call("POST", "/api/contacts", { json: { contacts: [{ id: "c7" }, { id: "c8", ltv: "lots" }] } }), 422, "invalid-input");
    expect(bad.problems[0]).toMatchObject({ path: "contacts[1].ltv", field: "ltv" });
    expect(bad.detail).toMatch(/^contacts\[1\]\.ltv: /);
    expectProblem(await api.call("GET", "/api/contacts/c7"), 404, "not-found"); // nothing was written
    const noKey = expectProblem(await api.call("POST", "/api/contacts", { json: { contacts: [{ name: "x" }] } }), 422, "invalid-input");
    expect(noKey.problems[0].path).toMatch(/^contacts\[0\]/);
    const orphan = expectProblem(await api.call("POST", "/api/events", { json: { events: [{ contact_id: "ghost", event: "Purchase", occurred_at: "2026-01-01T00:00:00Z" }] } }), 422, "invalid-input");
    expect(orphan.problems[0]).toMatchObject({ path: "events[0].contact_id" });
    expect(orphan.problems[0].message).toMatch(/ghost/);
    expectProblem(await api.call("POST", "/api/contacts", { json: { contacts: [] } }), 400, "invalid-request");
    expectProblem(await api.call("POST", "/api/contacts", { json: [{ id: "x" }] }), 400, "invalid-request");
    expectProblem(await api.call("POST", "/api/contacts", { json: { contacts: ["x"] } }), 400, "invalid-request");
    const ok = await api.call("POST", "/api/contacts", { json: { contacts: [{ id: "c7", name: "Gus", tags: ["a"] }] }, headers: { "segql-user": "importer" } });
    expect(ok.body).toMatchObject({ inserted: 1, updated: 0 });
    const again = await api.call("POST", "/api/contacts", { json: { contacts: [{ id: "c7", ltv: 5 }] } });
    expect(again.body).toMatchObject({ inserted: 0, updated: 1 });
    expect((await api.call("GET", "/api/contacts/c7")).body.values).toMatchObject({ name: "Gus", ltv: 5, tags: ["a"] });
  });
});
