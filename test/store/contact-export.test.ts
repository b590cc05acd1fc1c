/**
 * Exporting what a contact search finds (`exportContacts`, `Store.contactPages`) on every backend: the
 * contacts are those `listContacts` finds for the same search and filter, read by key a page at a time
 * (keyset paging) without losing or repeating one at a page's edge, also for keys that sort oddly
 * (unicode, spaces, LIKE's `%` and `_`, case); the CSV reads back in with the same values; a filter with
 * errors is refused before the first chunk.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { exportContacts, InvalidExpressionError, type Store } from "../../src/store/index.js";
import { BACKENDS, openTestStore, type TestStore } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "segql-contact-export-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Keys a database may sort in surprising ways; each must come once, at its place. */
const ODD_KEYS = ["a", "A", "a ", " a", "a b", "%", "%a", "_", "a_b", "a%b", "ä", "Ä", "é", "z", "Z", "ß", "😀", "日本", "10", "9", "-", "'", '"', "\\", "a\tb"];

/** Every contact `listContacts` finds, its pages read to the end (sorted by key, as the export is). */
async function listedKeys(store: Store, q: { search?: string; filter?: string }): Promise<string[]> {
  const out: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await store.listContacts({ ...q, limit: 7, cursor });
    out.push(...page.items.map((c) => String(c["id"])));
    cursor = page.next;
  } while (cursor);
  return out;
}

/** The keys `contactPages` gives, page by page. */
async function pagedKeys(store: Store, q: { search?: string; filter?: string; pageSize?: number }): Promise<string[][]> {
  const pages: string[][] = [];
  for await (const page of store.contactPages(q)) pages.push(page.map((c) => String(c["id"])));
  return pages;
}

/** Everything an export yields, joined. */
async function exported(store: Store, options: Parameters<typeof exportContacts>[1] = {}): Promise<string> {
  let out = "";
  for await (const chunk of exportContacts(store, options)) out += chunk;
  return out;
}

describe.each(BACKENDS)("contact exports on %s", (backend) => {
  let s: TestStore;
  beforeEach(async () => {
    s = await openTestStore(backend);
  });
  afterEach(async () => {
    await s.dispose();
  });

  it("exports what listContacts finds for the same search and filter, by key across page edges, odd keys included", async () => {
    await s.store.upsertContacts(
      ODD_KEYS.map((id, i) => ({ id, name: i % 3 === 0 ? `Ann ${i}` : `Bob ${i}`, plan: (["Free", "Pro", "Team"] as const)[i % 3], ltv: i * 10, tags: i % 2 === 0 ? ["vip"] : [] })),
    );
    const queries = [{}, { filter: "ltv >= 50" }, { search: "ann" }, { search: "bob", filter: 'plan = "Pro" or tags has "vip"' }, { filter: "ltv > 100000" }];
    for (const q of queries) {
      const listed = await listedKeys(s.store, q);
      for (const pageSize of [1, 2, 3, 5, listed.length || 1, 1000]) {
        const pages = await pagedKeys(s.store, { ...q, pageSize });
        // Full pages but the last; the keys those of the search, each once, in the database's key order.
        expect(pages.slice(0, -1).every((p) => p.length === pageSize), `${JSON.stringify(q)} pageSize ${pageSize}`).toBe(true);
        expect(pages.flat(), `${JSON.stringify(q)} pageSize ${pageSize}`).toEqual(listed);
      }
      const lines = (await exported(s.store, { ...q, format: "jsonl", pageSize: 4 })).split("\n").filter((l) => l !== "");
      expect(lines.map((l) => (JSON.parse(l) as { id: string }).id)).toEqual(listed);
    }
    // Every odd key, none lost at a page's edge.
    expect((await pagedKeys(s.store, { pageSize: 2 })).flat().sort()).toEqual([...ODD_KEYS].sort());
    expect((await listedKeys(s.store, { filter: "ltv >= 50" })).length).toBeGreaterThan(5);
  });

  it("a contact written between pages: none twice; one ahead of the last key read is in it, one behind is not", async () => {
    await s.store.upsertContacts(Array.from({ length: 10 }, (_, i) => ({ id: `k${i}`, ltv: 1 })));
    const seen: string[] = [];
    let page = 0;
    for await (const rows of s.store.contactPages({ filter: "ltv > 0", pageSize: 3 })) {
      seen.push(...rows.map((r) => String(r["id"])));
      page++;
      // After k0-k2: k1 changes (read already), k0a sorts behind, k9a ahead; k5 no longer matches.
      if (page === 1) await s.store.upsertContacts([{ id: "k1", ltv: 2 }, { id: "k0a", ltv: 1 }, { id: "k9a", ltv: 1 }, { id: "k5", ltv: 0 }]);
    }
    expect(seen).toEqual(["k0", "k1", "k2", "k3", "k4", "k6", "k7", "k8", "k9", "k9a"]);
  });

  it("the CSV reads back in with the same values; JSON Lines exactly", async () => {
    const contacts = [
      { id: "c 1%", name: "Ann, \"the\" first\nline two", plan: "Pro", ltv: 12.5, active: true, birthday: "1990-02-28", signed_up_at: "2025-03-01T10:00:00.000Z", tags: ["a,b", "ü"] },
      { id: "c_2", name: "=SUM(A1)", plan: "Free", ltv: -3, active: false, birthday: null, signed_up_at: null, tags: null },
      { id: "ç3", name: "Ann B", plan: null, ltv: null, active: null, birthday: "2000-02-29", signed_up_at: null, tags: ["vip"] },
      { id: "skip", name: "Zed", plan: "Team", ltv: 1, active: true, birthday: null, signed_up_at: null, tags: null },
    ];
    await s.store.upsertContacts(contacts);
    const filter = 'name contains "a" and id != "skip"';
    const csv = join(dir, `${backend}.csv`);
    const jsonl = join(dir, `${backend}.jsonl`);
    writeFileSync(csv, await exported(s.store, { filter, spreadsheetSafe: false, pageSize: 2 }));
    writeFileSync(jsonl, await exported(s.store, { filter, format: "jsonl", pageSize: 2 }));
    const want = (await s.store.listContacts({ filter, limit: 100 })).items;
    expect(want.map((c) => c["id"]).sort()).toEqual(["c 1%", "c_2", "ç3"].sort());
    for (const file of [csv, jsonl]) {
      const back = await openTestStore(backend);
      try {
        const report = await back.store.importContacts(file);
        expect(report.inserted, file).toBe(3);
        expect((await back.store.listContacts({ limit: 100 })).items, file).toEqual(want);
      } finally {
        await back.dispose();
      }
    }
  });

  it("a filter with errors is refused before the first chunk, with its diagnostics; no match is the header alone", async () => {
    await s.store.upsertContacts([{ id: "x", ltv: 1 }]);
    const chunks = exportContacts(s.store, { filter: "ltv > ", search: "x" });
    const e = await chunks.next().then(
      () => null,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(InvalidExpressionError);
    expect((e as InvalidExpressionError).diagnostics.some((d) => d.severity === "error")).toBe(true);
    await expect(exported(s.store, { filter: "nope = 1" })).rejects.toThrow(/nope/);
    await expect(exported(s.store, { format: "xml" as "csv" })).rejects.toThrow(/expected csv or jsonl, found "xml"/);
    await expect(pagedKeys(s.store, { pageSize: 0 })).rejects.toThrow(/pageSize/);
    expect(await exported(s.store, { filter: "ltv > 5" })).toBe("\uFEFFid,name,plan,ltv,active,birthday,signed_up_at,tags\r\n");
    expect(await exported(s.store, { filter: "ltv > 5", format: "jsonl" })).toBe("");
    expect(await exported(s.store, { filter: "   ", format: "jsonl" })).toBe('{"id":"x","name":null,"plan":null,"ltv":1,"active":null,"birthday":null,"signed_up_at":null,"tags":null}\n');
  });
});
