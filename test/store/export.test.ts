/**
 * Exporting a segment's members (`exportMembers`, `Store.memberPages`) on every backend: what is exported
 * reads back. Random contacts (unicode, quotes, commas, line breaks, empty strings, lists of odd text, every
 * finite double, days and instants of years 1-9999) go
 * out as JSON Lines and CSV and are imported into a fresh store: JSON Lines gives every value back exactly,
 * CSV every value as CSV can hold it (an empty string or list is empty; line breaks in text come back as
 * written). -0 is 0 (JSON has no -0, and segql compares it as 0). Pages follow the key order, with every member once, also while members leave and enter between
 * pages; a deleted segment stops the export with `NotFoundError`.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportMembers, NotFoundError, openStore, type Store } from "../../src/store/index.js";
import { BACKENDS, createPglite, crmSchema, openTestStore, type Backend, type TestStore } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "segql-export-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A store that can be used while others are open: on PGlite, on a PGlite of its own (its stores share a session). */
async function openSeparate(backend: Backend): Promise<TestStore> {
  if (backend !== "pglite") return openTestStore(backend);
  const pg = await createPglite();
  const store = await openStore({ schema: crmSchema, pglite: pg as never, pgSchema: "segql_export" });
  return {
    store,
    dispose: async () => {
      await store.close();
      await pg.close();
    },
  };
}

/** Everything an export yields, joined. */
async function exported(store: Store, id: number, options: Parameters<typeof exportMembers>[2] = {}): Promise<string> {
  let out = "";
  for await (const chunk of exportMembers(store, id, options)) out += chunk;
  return out;
}

/** Every member of a segment, through the pages. */
async function allMembers(store: Store, id: number, pageSize?: number): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for await (const page of store.memberPages(id, pageSize !== undefined ? { pageSize } : {})) out.push(...page);
  return out;
}

/** Text without U+0000 (PostgreSQL cannot store it: the store refuses it, tested elsewhere). */
const text = fc.string({ unit: fc.oneof(fc.constantFrom(",", '"', "\n", "\r", "\r\n", " ", "'", "=", "+", "-", "@", "\t", ";", "[", "]", "é", "ß", "😀", "\u00a0"), fc.string({ unit: "binary", minLength: 1, maxLength: 1 })), maxLength: 12 }).map((s) => s.replaceAll("\u0000", ""));
const contact = fc.record({
  name: fc.option(text),
  plan: fc.option(fc.constantFrom("Free", "Pro", "Team")),
  // Every finite double: 0.1, 1e21, 5e-324, the largest, -0 (text forms a CSV cell must read back exactly).
  ltv: fc.option(fc.oneof(fc.integer({ min: -1_000_000, max: 1_000_000 }), fc.double({ min: -1e9, max: 1e9, noNaN: true, noDefaultInfinity: true }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0.1, 1e21, -1e-7, 5e-324, Number.MAX_VALUE, -0))),
  active: fc.option(fc.boolean()),
  // Every day and instant the store holds: years 1-9999.
  birthday: fc.option(fc.date({ min: new Date("0001-01-01T00:00:00Z"), max: new Date("9999-12-31T00:00:00Z"), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10))),
  signed_up_at: fc.option(fc.date({ min: new Date("0001-01-01T00:00:00Z"), max: new Date("9999-12-31T23:59:59.999Z"), noInvalidDate: true }).map((d) => d.toISOString())),
  tags: fc.option(fc.array(text.filter((t) => t.trim() !== ""), { maxLength: 3 })),
});

/** -0 as 0: JSON writes it so, and segql compares them equal. */
function plainZero(c: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(c).map(([k, v]) => [k, Object.is(v, -0) ? 0 : v]));
}

/** A value as CSV carries it: an empty string or list is empty. */
function throughCsv(c: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(plainZero(c)).map(([k, v]) => [k, v === "" || (Array.isArray(v) && v.length === 0) ? null : v]));
}

describe.each(BACKENDS)("member exports on %s", (backend) => {
  let source: TestStore;
  let viaJsonl: TestStore;
  let viaCsv: TestStore;
  const everyone: number[] = [];
  beforeAll(async () => {
    [source, viaJsonl, viaCsv] = await Promise.all([openSeparate(backend), openSeparate(backend), openSeparate(backend)]);
    for (const s of [source, viaJsonl, viaCsv]) everyone.push((await s.store.createSegment({ name: "Everyone", kind: "dynamic", expression: "id is not empty" })).id);
  });
  afterAll(async () => {
    await Promise.all([source, viaJsonl, viaCsv].map((s) => s?.dispose()));
  });

  it("what goes out reads back in: JSON Lines exactly, CSV as CSV holds it", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(text, contact), { minLength: 1, maxLength: 5 }), async (rows) => {
        run++;
        // Keys of odd text too, made unique per run and row.
        const contacts = rows.map(([key, c], i) => ({ id: `${key}·${run}.${i}`, ...c }));
        await source.store.upsertContacts(contacts);
        const jsonl = join(dir, `${backend}-${run}.jsonl`);
        const csv = join(dir, `${backend}-${run}.csv`);
        writeFileSync(jsonl, await exported(source.store, everyone[0]!, { format: "jsonl" }));
        writeFileSync(csv, await exported(source.store, everyone[0]!, { format: "csv", spreadsheetSafe: false }));
        await viaJsonl.store.importContacts(jsonl);
        await viaCsv.store.importContacts(csv);
        const want = await allMembers(source.store, everyone[0]!);
        expect(want.length).toBeGreaterThanOrEqual(contacts.length);
        expect(await allMembers(viaJsonl.store, everyone[1]!)).toEqual(want.map(plainZero));
        expect((await allMembers(viaCsv.store, everyone[2]!)).map(throughCsv)).toEqual(want.map(throughCsv));
      }),
      { numRuns: backend === "duckdb" ? 25 : 12 },
    );
  });

  it("CSV: a header of the schema's fields, a byte-order mark, RFC 4180 quoting, formulas made text", async () => {
    const s = await openTestStore(backend);
    try {
      await s.store.upsertContacts([
        { id: "k1", name: '=HYPERLINK("http://x","click")', ltv: -5, tags: ["a,b", 'say "hi"'] },
        { id: "k2", name: "+44 20 7946 0958", plan: "Pro", active: false, birthday: "2000-02-29", signed_up_at: "2025-01-10T09:00:00Z" },
        { id: "k3", name: "line\nbreak, and comma" },
        { id: "k4", name: "-2+SUM(A1:A9)" },
        { id: "k5", name: "@cmd" },
      ]);
      const seg = await s.store.createSegment({ name: "All", kind: "dynamic", expression: "id is not empty" });
      const lines = [
        "\uFEFFid,name,plan,ltv,active,birthday,signed_up_at,tags",
        `k1,"'=HYPERLINK(""http://x"",""click"")",,-5,,,,"[""a,b"",""say \\""hi\\""""]"`,
        "k2,+44 20 7946 0958,Pro,,false,2000-02-29,2025-01-10T09:00:00.000Z,",
        'k3,"line\nbreak, and comma",,,,,,',
        "k4,'-2+SUM(A1:A9),,,,,,",
        "k5,'@cmd,,,,,,",
      ];
      expect(await exported(s.store, seg.id)).toBe(lines.map((l) => `${l}\r\n`).join(""));
      // Without the spreadsheet guard, text is as stored.
      expect(await exported(s.store, seg.id, { spreadsheetSafe: false })).toContain(`k1,"=HYPERLINK(""http://x"",""click"")"`);
      // A segment without members: the header alone (CSV), nothing (JSON Lines).
      const none = await s.store.createSegment({ name: "None", kind: "dynamic", expression: "ltv > 1000000" });
      expect(await exported(s.store, none.id)).toBe(`${lines[0]}\r\n`);
      expect(await exported(s.store, none.id, { format: "jsonl" })).toBe("");
      await expect(exported(s.store, seg.id, { format: "xml" as "csv" })).rejects.toThrow(/expected csv or jsonl, found "xml"/);
    } finally {
      await s.dispose();
    }
  });

  it("pages in key order, every member once, while members leave and enter between pages", async () => {
    const s = await openTestStore(backend);
    try {
      const keys = Array.from({ length: 23 }, (_, i) => `m${String(i).padStart(2, "0")}`);
      await s.store.upsertContacts(keys.map((id) => ({ id, ltv: 10 })));
      const seg = await s.store.createSegment({ name: "Spenders", kind: "dynamic", expression: "ltv > 5" });
      const statik = await s.store.createSegment({ name: "Picked", kind: "static", members: keys.slice(0, 7) });
      expect((await allMembers(s.store, statik.id, 3)).map((c) => c["id"])).toEqual(keys.slice(0, 7));
      const seen: string[] = [];
      let page = 0;
      for await (const rows of s.store.memberPages(seg.id, { pageSize: 5 })) {
        seen.push(...rows.map((r) => String(r["id"])));
        page++;
        // After the first page: one already read leaves, one not yet read leaves, a new one enters.
        if (page === 1) await s.store.upsertContacts([{ id: "m01", ltv: 0 }, { id: "m20", ltv: 0 }, { id: "m99", ltv: 10 }]);
      }
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toEqual([...seen].sort());
      if (backend !== "pglite") {
        // One snapshot: exactly the members when the export started.
        expect(seen).toEqual(keys);
      } else {
        // PGlite, by key: what was read stays read, the rest is read as it is when its page comes.
        expect(seen).toContain("m01");
        expect(seen).not.toContain("m20");
        expect(seen).toContain("m99");
        expect(seen.length).toBe(23);
      }
      await expect(allMembers(s.store, 999)).rejects.toBeInstanceOf(NotFoundError);
      await expect(allMembers(s.store, seg.id, 0)).rejects.toThrow(/pageSize/);
    } finally {
      await s.dispose();
    }
  });

  it("a segment deleted during an export: the members when it started (DuckDB, a PostgreSQL server), on PGlite NotFoundError", async () => {
    const s = await openTestStore(backend);
    try {
      await s.store.upsertContacts(Array.from({ length: 6 }, (_, i) => ({ id: `d${i}`, ltv: 1 })));
      const seg = await s.store.createSegment({ name: "Going", kind: "dynamic", expression: "ltv > 0" });
      const pages = s.store.memberPages(seg.id, { pageSize: 2 });
      expect((await pages.next()).value).toHaveLength(2);
      await s.store.deleteSegment(seg.id);
      if (backend !== "pglite") {
        const rest: unknown[] = [];
        for await (const page of pages) rest.push(...page);
        expect(rest).toHaveLength(4);
      } else {
        await expect(pages.next()).rejects.toBeInstanceOf(NotFoundError);
      }
    } finally {
      await s.dispose();
    }
  });
});

/** Reads the rest of an export: how many rows came, and the error that stopped it (null: it ended). */
async function readOn(pages: AsyncGenerator<unknown[], void, undefined>): Promise<{ rows: number; stopped: Error | null }> {
  let rows = 0;
  try {
    for (;;) {
      const next = await pages.next();
      if (next.done) return { rows, stopped: null };
      rows += next.value.length;
    }
  } catch (e) {
    return { rows, stopped: e as Error };
  }
}

describe("closing a DuckDB store during an export", () => {
  it("stops the export (its next page fails: the store is closed) and frees the file at once", async () => {
    const file = join(dir, "closing.duckdb");
    const store = await openStore({ schema: crmSchema, db: file });
    // Enough members for several of DuckDB's chunks (2,048 rows), so the read is still going when the store closes.
    await store.upsertContacts(Array.from({ length: 10_000 }, (_, i) => ({ id: `c${String(i).padStart(5, "0")}`, ltv: i })));
    const seg = await store.createSegment({ name: "All", kind: "dynamic", expression: "ltv >= 0" });
    const pages = store.memberPages(seg.id, { pageSize: 100 });
    expect((await pages.next()).value).toHaveLength(100);
    await store.close();
    // The rest of the page DuckDB had already fetched may come; then the export stops.
    const { rows, stopped } = await readOn(pages);
    expect(stopped?.message).toContain("the store is closed");
    expect(100 + rows).toBeLessThan(10_000);
    // The file is free: another store opens it and writes.
    const again = await openStore({ schema: crmSchema, db: file });
    try {
      await again.upsertContacts([{ id: "late", ltv: 1 }]);
      expect((await again.getSegment(seg.id)).memberCount).toBe(10_001);
    } finally {
      await again.close();
    }
  });
});

describe.skipIf(!process.env["PG_URL"])("closing a PostgreSQL store during an export", () => {
  it("stops the export (its next chunk fails: the store is closed) and ends its connection", async () => {
    const t = await openTestStore("postgres-server");
    let disposed = false;
    try {
      await t.store.upsertContacts(Array.from({ length: 10_000 }, (_, i) => ({ id: `c${String(i).padStart(5, "0")}`, ltv: i })));
      const seg = await t.store.createSegment({ name: "All", kind: "dynamic", expression: "ltv >= 0" });
      const pages = t.store.memberPages(seg.id, { pageSize: 100 });
      expect((await pages.next()).value).toHaveLength(100);
      await t.dispose();
      disposed = true;
      // The rest of the chunk already fetched may come; then the export stops.
      const { rows, stopped } = await readOn(pages);
      expect(stopped?.message).toContain("the store is closed");
      expect(100 + rows).toBeLessThan(10_000);
    } finally {
      if (!disposed) await t.dispose();
    }
  });
});
