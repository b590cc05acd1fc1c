/**
 * What the web app's pages added to the API and the store, on every backend:
 * - contact lists paged in the database past the old 1,000-match window, in order, with an exact total;
 * - members searchable; a cursor of another list or order is a 400;
 * - segment lists sorted by every column in the database (name, description, kind, created, updated,
 *   members, id; both directions), pages following the order;
 * - a segment's entered / exited feed newest first, and its member count over time from the change log;
 * - which keys of a pasted list are contacts;
 * - U+0000 in a key or value reaching the store directly (the CLI's way, not the API's) is a clear
 *   not-found / unknown key / invalid input on PostgreSQL, never a driver error.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidInputError, NotFoundError, UnknownKeysError } from "../../src/store/index.js";
import { BACKENDS, CONTACTS, expectProblem, openTestApi, seed, type TestApi } from "./helpers.js";

const MANY = 1_250;

describe.each(BACKENDS)("web app API on %s", (backend) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await openTestApi(backend);
    await seed(api);
    // Enough contacts to page past the first 1,000 matches.
    const extra = Array.from({ length: MANY }, (_, i) => ({ id: `m${String(i).padStart(4, "0")}`, name: `Member ${i}`, plan: ["Free", "Pro", "Team"][i % 3], ltv: i % 97 }));
    for (let i = 0; i < extra.length; i += 500) {
      const r = await api.call("POST", "/api/contacts", { json: { contacts: extra.slice(i, i + 500) } });
      expect(r.status).toBe(200);
    }
  });
  afterAll(async () => api?.dispose());

  it("pages contacts in the database past 1,000 matches, in order, with the total", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let total = -1;
    do {
      const r = await api.call("GET", `/api/contacts?search=member&orderBy=ltv&descending=true&limit=200${cursor ? `&cursor=${cursor}` : ""}`);
      expect(r.status).toBe(200);
      total = r.body.total;
      for (const c of r.body.items) seen.push(`${c.ltv}|${c.id}`);
      cursor = r.body.next;
    } while (cursor !== null);
    expect(total).toBe(MANY);
    expect(seen.length).toBe(MANY);
    expect(new Set(seen).size).toBe(MANY);
    // ltv descending, then the key ascending.
    const sorted = [...seen].sort((a, b) => {
      const [la, ka] = a.split("|");
      const [lb, kb] = b.split("|");
      return Number(lb) - Number(la) || (ka! < kb! ? -1 : 1);
    });
    expect(seen).toEqual(sorted);
  });

  it("combines search and filter, and refuses a cursor of another order", async () => {
    const r = await api.call("GET", `/api/contacts?search=member&filter=${encodeURIComponent('plan = "Team" and ltv < 3')}&limit=200`);
    expect(r.status).toBe(200);
    const want = Array.from({ length: MANY }, (_, i) => i).filter((i) => i % 3 === 2 && i % 97 < 3).map((i) => `m${String(i).padStart(4, "0")}`);
    expect(r.body.items.map((c: { id: string }) => c.id)).toEqual(want);
    expect(r.body.total).toBe(want.length);
    const first = await api.call("GET", "/api/contacts?limit=2&orderBy=name");
    expectProblem(await api.call("GET", `/api/contacts?limit=2&orderBy=ltv&cursor=${first.body.next}`), 400, "invalid-request");
  });

  it("searches the members of a segment", async () => {
    const s = await api.call("POST", "/api/segments", { json: { name: "Pro plans", kind: "dynamic", expression: 'plan = "Pro"' } });
    expect(s.status).toBe(201);
    const r = await api.call("GET", `/api/segments/${s.body.id}/members?search=Member 1&limit=1000`);
    expect(r.status).toBe(200);
    const want = Array.from({ length: MANY }, (_, i) => i).filter((i) => i % 3 === 1 && `Member ${i}`.toLowerCase().includes("member 1")).map((i) => `m${String(i).padStart(4, "0")}`);
    expect(r.body.items.map((c: { id: string }) => c.id)).toEqual(want);
    expect(r.body.total).toBe(want.length);
    const all = await api.call("GET", `/api/segments/${s.body.id}/members?limit=1`);
    expect(all.body.total).toBe(s.body.memberCount);
  });

  it("sorts segments by every column in both directions, across pages", async () => {
    const made = [
      { name: "b list", description: "Zeta", kind: "static", members: ["c1", "c2", "c3"] },
      { name: "A dynamic", description: "alpha", kind: "dynamic", expression: "ltv > 10" },
      { name: "c dynamic", description: "", kind: "dynamic", expression: "active" },
      { name: "D static", description: "Mid", kind: "static", members: ["c4"] },
    ];
    for (const m of made) expect((await api.call("POST", "/api/segments", { json: m })).status).toBe(201);
    const everything = (await api.call("GET", "/api/segments?limit=1000")).body.items as { id: number; name: string; description: string; kind: string; createdAt: string; updatedAt: string; memberCount: number }[];
    const key: Record<string, (s: (typeof everything)[number]) => string | number> = {
      name: (s) => s.name.toLowerCase(),
      description: (s) => s.description.toLowerCase(),
      kind: (s) => s.kind,
      createdAt: (s) => s.createdAt,
      updatedAt: (s) => s.updatedAt,
      memberCount: (s) => s.memberCount,
      id: (s) => s.id,
    };
    for (const [order, k] of Object.entries(key)) {
      for (const desc of [false, true]) {
        const want = [...everything].sort((a, b) => {
          const x = k(a);
          const y = k(b);
          const c = x < y ? -1 : x > y ? 1 : 0;
          return (desc ? -c : c) || a.id - b.id;
        });
        const got: number[] = [];
        let cursor: string | null = null;
        do {
          const r = await api.call("GET", `/api/segments?sort=${desc ? "-" : ""}${order}&limit=2${cursor ? `&cursor=${cursor}` : ""}`);
          expect(r.status).toBe(200);
          got.push(...r.body.items.map((s: { id: number }) => s.id));
          cursor = r.body.next;
        } while (cursor !== null);
        expect({ order, desc, got }).toEqual({ order, desc, got: want.map((s) => s.id) });
      }
    }
  });

  it("gives a segment's changes newest first, and its member count over time", async () => {
    const s = (await api.call("POST", "/api/segments", { json: { name: "Hand list", kind: "static", members: ["c1", "c2"] } })).body;
    await api.call("POST", `/api/segments/${s.id}/members/add`, { json: { keys: ["c3", "c4"] } });
    await api.call("POST", `/api/segments/${s.id}/members/remove`, { json: { keys: ["c1"] } });
    const seqs: number[] = [];
    let before: number | null = null;
    do {
      const r = await api.call("GET", `/api/segments/${s.id}/changes?limit=2${before !== null ? `&before=${before}` : ""}`);
      expect(r.status).toBe(200);
      for (const c of r.body.items) {
        expect(c.segmentId).toBe(s.id);
        seqs.push(c.seq);
      }
      before = r.body.next;
    } while (before !== null);
    expect(seqs.length).toBe(5);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    const counts = await api.call("GET", `/api/segments/${s.id}/member-counts?points=50`);
    expect(counts.status).toBe(200);
    const items = counts.body.items as { count: number; entered: number; exited: number }[];
    expect(items.reduce((n, p) => n + p.entered, 0)).toBe(4);
    expect(items.reduce((n, p) => n + p.exited, 0)).toBe(1);
    expect(items[items.length - 1]!.count).toBe(3);
    expectProblem(await api.call("GET", "/api/segments/999999/member-counts"), 404, "not-found");
  });

  it("says which keys of a pasted list are contacts", async () => {
    const r = await api.call("POST", "/api/contacts/lookup", { json: { keys: ["c2", "nope", "c1", "c2", "m0001", ""] } });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ known: ["c2", "c1", "m0001"], unknown: ["nope", ""] });
    expectProblem(await api.call("POST", "/api/contacts/lookup", { json: { keys: [] } }), 400, "invalid-request");
  });

  it("with a segment, says which known keys are already its members (static list or dynamic segment)", async () => {
    const list = (await api.call("POST", "/api/segments", { json: { name: "Picked", kind: "static", members: ["c1", "m0001"] } })).body;
    const r = await api.call("POST", "/api/contacts/lookup", { json: { keys: ["m0001", "c2", "nope", "c1"], segmentId: list.id } });
    expect(r.body).toEqual({ known: ["m0001", "c2", "c1"], unknown: ["nope"], members: ["m0001", "c1"] });
    const dynamic = (await api.call("POST", "/api/segments", { json: { name: "Pro", kind: "dynamic", expression: 'plan = "Pro"' } })).body;
    const members = (await api.call("GET", `/api/segments/${dynamic.id}/members?limit=1000`)).body.items.map((c: { id: string }) => c.id) as string[];
    const keys = ["c1", "c2", "c3", "c4"];
    expect((await api.call("POST", "/api/contacts/lookup", { json: { keys, segmentId: dynamic.id } })).body.members).toEqual(keys.filter((k) => members.includes(k)));
    expect((await api.call("POST", "/api/contacts/lookup", { json: { keys: ["nope"], segmentId: list.id } })).body).toEqual({ known: [], unknown: ["nope"], members: [] });
    expectProblem(await api.call("POST", "/api/contacts/lookup", { json: { keys: ["c1"], segmentId: 999999 } }), 404, "not-found");
    expectProblem(await api.call("POST", "/api/contacts/lookup", { json: { keys: ["c1"], segmentId: "1" } }), 400, "invalid-request");
  });

  it("turns U+0000 reaching the store directly into clear errors (no driver error)", async () => {
    const store = api.store;
    const nul = "c1\u0000x";
    await expect(store.getContact(nul)).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.why({ expression: "active" }, nul)).rejects.toBeInstanceOf(NotFoundError);
    const list = await store.createSegment({ name: "Nul list", kind: "static", members: ["c1"] });
    await expect(store.addMembers(list.id, [nul])).rejects.toBeInstanceOf(UnknownKeysError);
    await expect(store.removeMembers(list.id, [nul])).rejects.toBeInstanceOf(UnknownKeysError);
    expect((await store.removeMembers(list.id, [nul, "c1"], { skipUnknown: true })).unknown).toEqual([nul]);
    expect(await store.findContactKeys([nul, "c2"])).toEqual({ known: ["c2"], unknown: [nul] });
    const event = { contact_id: "c1", event: "Purchase", occurred_at: "2025-12-01T10:00:00Z", properties: { sku: "A\u0000" } };
    if (store.backend === "postgres") await expect(store.appendEvents([event])).rejects.toBeInstanceOf(InvalidInputError);
    else expect((await store.appendEvents([event])).inserted).toBe(1);
    await expect(store.appendEvents([{ ...event, contact_id: nul, properties: {} }])).rejects.toBeInstanceOf(InvalidInputError);
    expect(CONTACTS.length).toBeGreaterThan(0);
  });
});
