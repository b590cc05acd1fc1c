/**
 * Erasing contacts (`deleteContacts(keys, { erase: true })`, for an erasure request): after it, the
 * contact's key and its text values are nowhere in the database — checked by reading every table the
 * database holds (the store's, the contacts and events, the scratch tables; a table added later is read
 * too) — while the change feed keeps its numbers (its rows lose the key, none vanishes) and a follower
 * waiting on it learns of the exits. Without `erase` the feed and the import history keep the contact.
 * On a DuckDB file (read back after the store closed, with the write-back journal beside it) and PGlite.
 */
import { DuckDBInstance } from "@duckdb/node-api";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { InvalidInputError, openStore, type MembershipChange, type Store } from "../../src/store/index.js";
import { createPglite, crmSchema, rejection } from "./helpers.js";

/** The contact erased, with values found nowhere else, and what it is looked for by. */
const KEY = "zed-4471";
const NAME = "Zelda Quokkafeather";
const TAG = "quokka-club";
const NEEDLES = [KEY, NAME, TAG];

const dir = mkdtempSync(join(tmpdir(), "segql-erasure-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Where each needle appears: `table: row` for every row of every table that holds one. */
type Scan = () => Promise<string[]>;

function hits(table: string, rows: readonly string[]): string[] {
  return rows.filter((r) => NEEDLES.some((n) => r.includes(n))).map((r) => `${table}: ${r}`);
}

/** Every table of a DuckDB file, each row as text (every column cast to text). */
async function scanDuckDbFile(file: string): Promise<string[]> {
  const instance = await DuckDBInstance.create(file);
  const con = await instance.connect();
  try {
    const tables = (await con.runAndReadAll("SELECT table_schema, table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'")).getRowsJS();
    expect(tables.length).toBeGreaterThan(10);
    const out: string[] = [];
    for (const [schema, name] of tables) {
      const q = `"${String(schema)}"."${String(name)}"`;
      const rows = (await con.runAndReadAll(`SELECT CAST(COLUMNS(*) AS VARCHAR) FROM ${q}`)).getRowsJS();
      out.push(...hits(q, rows.map((r) => r.join(" | "))));
    }
    return out;
  } finally {
    con.closeSync();
    instance.closeSync();
  }
}

interface Pg {
  query(sql: string): Promise<{ rows: Record<string, unknown>[] }>;
  close(): Promise<void>;
}

/** Every table of the PGlite database's current schema and of this session's temporary schema, each row as text. */
async function scanPg(pg: Pg): Promise<string[]> {
  const tables = (
    await pg.query(
      `SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relkind = 'r' AND (n.nspname = current_schema() OR c.relnamespace = pg_my_temp_schema())`,
    )
  ).rows;
  expect(tables.length).toBeGreaterThan(10);
  const out: string[] = [];
  for (const t of tables) {
    const q = `"${String(t["schema"])}"."${String(t["name"])}"`;
    const rows = (await pg.query(`SELECT CAST(t AS TEXT) AS r FROM ${q} AS t`)).rows;
    out.push(...hits(q, rows.map((r) => String(r["r"]))));
  }
  return out;
}

/** The contact to erase, in every place a contact leaves a trace, plus others that stay. */
async function populate(store: Store, name: string): Promise<void> {
  // Import history: an events import before the contact existed (its rows quote the key), and a contacts
  // import whose bad lines quote the key and the name; bob's bad line stays as it is.
  const events = join(dir, `${name}-events.jsonl`);
  writeFileSync(events, [JSON.stringify({ contact_id: KEY, event: "Visit", occurred_at: "2025-01-01T00:00:00Z" }), JSON.stringify({ contact_id: "bob", event: "Visit", occurred_at: "2025-01-01T00:00:00Z" })].join("\n"));
  const contacts = join(dir, `${name}-contacts.jsonl`);
  writeFileSync(contacts, [JSON.stringify({ id: "bob", plan: "Free", ltv: 10 }), JSON.stringify(KEY), JSON.stringify(`${NAME} <zelda@example.org>`), JSON.stringify("bob-was-here")].join("\n"));
  await store.importContacts(contacts, { skipBad: true, name: "contacts.jsonl" });
  await store.importEvents(events, { skipBad: true, name: "events.jsonl" });
  await store.upsertContacts([
    { id: KEY, name: NAME, plan: "Pro", ltv: 1200, tags: ["vip", TAG] },
    { id: "cy", name: "Cy", plan: "Pro", ltv: 50 },
  ]);
  await store.appendEvents([{ contact_id: KEY, event: "Purchase", occurred_at: "2025-02-01T00:00:00Z", properties: { amount: 90, sku: TAG } }]);
  await store.createSegment({ name: "Pros", kind: "dynamic", expression: 'plan = "Pro"' });
  await store.createSegment({ name: "Buyers", kind: "dynamic", expression: 'performed "Purchase" with sum of amount >= 50' });
  await store.createSegment({ name: "Picked", kind: "static", members: [KEY, "bob"] });
  const old = await store.createSegment({ name: "Old picks", kind: "static", members: [KEY] });
  await store.deleteSegment(old.id, { force: true });
  // Out of Pros and back: past entries and exits in the feed.
  await store.upsertContacts([{ id: KEY, plan: "Free" }]);
  await store.upsertContacts([{ id: KEY, plan: "Pro" }]);
  // The last write takes the DuckDB write-back journal's path (a few contacts, no events read).
  await store.upsertContacts([{ id: KEY, ltv: 1300 }]);
}

/** The whole feed, in order. */
async function feed(store: Store): Promise<MembershipChange[]> {
  return (await store.changes({ since: 0, limit: 10_000 })).items;
}

/** Each backend: a store to populate, and the scan of its database once the store's work is done. */
const BACKENDS: { name: string; open(): Promise<{ store: Store; scan: Scan; close(): Promise<void> }> }[] = [
  {
    name: "a DuckDB file",
    async open() {
      const db = join(dir, `crm-${Math.random().toString(36).slice(2)}.duckdb`);
      const store = await openStore({ db, schema: crmSchema });
      let closed = false;
      const close = async () => {
        if (!closed) await store.close();
        closed = true;
      };
      return {
        store,
        close,
        scan: async () => {
          await close();
          // The journal the write-back path wrote the last upsert to holds nothing of it either.
          const journal = `${db}.segql-journal`;
          const inJournal = existsSync(journal) ? hits("journal", [readFileSync(journal, "utf8")]) : [];
          return [...inJournal, ...(await scanDuckDbFile(db))];
        },
      };
    },
  },
  {
    name: "PGlite",
    async open() {
      const pg = (await createPglite()) as unknown as Pg;
      const store = await openStore({ pglite: pg as never, schema: crmSchema });
      return {
        store,
        // The same session as the store's: its temporary (scratch) tables are read too.
        scan: () => scanPg(pg),
        close: async () => {
          await store.close();
          await pg.close();
        },
      };
    },
  },
];

for (const backend of BACKENDS) {
  describe(`erasing a contact on ${backend.name}`, { timeout: 120_000 }, () => {
    it("leaves its key and values nowhere in the database; the feed keeps its numbers, without the key", async () => {
      const { store, scan, close } = await backend.open();
      try {
        await populate(store, `erase-${backend.name}`);
        const before = await feed(store);
        const own = before.filter((c) => c.key === KEY);
        expect(own.map((c) => c.change)).toContain("exited");
        const result = await store.deleteContacts([KEY], { erase: true, by: "dpo" });
        expect(result).toMatchObject({ deleted: 1, events: 1, unknown: [] });
        // Pros, Buyers and Picked: each exit is in the answer with the key (the caller knows it).
        expect(result.changes.map((c) => [c.key, c.change])).toEqual([
          [KEY, "exited"],
          [KEY, "exited"],
          [KEY, "exited"],
        ]);
        // Every row it had in the feed and the three exits; the two bad rows quoting it and the one quoting its name.
        expect(result.erased).toEqual({ feedRows: own.length + 3, importProblems: 3, segmentsQuoting: [] });
        // The feed: the same rows with the same numbers, the contact's without its key; then its exits.
        const after = await feed(store);
        expect(after.slice(0, before.length)).toEqual(before.map((c) => (c.key === KEY ? { ...c, key: "" } : c)));
        expect(after.slice(before.length)).toEqual(result.changes.map((c) => ({ ...c, key: "" })));
        expect(await store.contactChanges(KEY)).toEqual({ items: [], next: null });
        // The import history: its bad rows say "[erased]" where they were, bob's is as it was.
        const history = (await store.listImports()).items.flatMap((i) => i.bad);
        expect(history.map((p) => p.message).sort()).toEqual(["[erased]", "[erased]", "[erased]", 'expected a JSON object, found "bob-was-here"']);
        expect(history.filter((p) => p.message === "[erased]").every((p) => typeof p.line === "number")).toBe(true);
        // The others are untouched.
        expect((await store.findContactKeys(["bob", "cy"])).known).toEqual(["bob", "cy"]);
        expect((await store.getContact("cy")).segments.map((s) => s.name)).toEqual(["Pros"]);
        const leftovers = await scan();
        expect(leftovers).toEqual([]);
      } finally {
        await close();
      }
    });

    it("without erase, the feed and the import history keep the contact", async () => {
      const { store, scan, close } = await backend.open();
      try {
        await populate(store, `keep-${backend.name}`);
        const result = await store.deleteContacts([KEY]);
        expect(result.erased).toBeUndefined();
        expect((await store.contactChanges(KEY)).items.length).toBeGreaterThan(3);
        expect((await store.listImports()).items.flatMap((i) => i.bad).filter((p) => p.message.includes(KEY))).toHaveLength(2);
        const leftovers = await scan();
        expect(leftovers.some((l) => l.includes("segql_membership_changes"))).toBe(true);
        expect(leftovers.some((l) => l.includes("segql_imports"))).toBe(true);
      } finally {
        await close();
      }
    });

    it("a follower waiting on the feed wakes for the exits, without the key, and misses nothing after", async () => {
      const { store, close } = await backend.open();
      try {
        await populate(store, `wait-${backend.name}`);
        const last = (await store.stats()).lastChangeSeq;
        const waiting = store.changes({ since: last, waitMs: 60_000 });
        const result = await store.deleteContacts([KEY], { erase: true });
        const woke = await waiting;
        expect(woke.items).toEqual(result.changes.map((c) => ({ ...c, key: "" })));
        // The next change after the erasure follows on: nothing repeated, nothing skipped.
        const next = store.changes({ since: woke.next, waitMs: 60_000 });
        const written = await store.upsertContacts([{ id: "bob", plan: "Pro" }]);
        expect((await next).items).toEqual(written.changes);
        expect(written.changes[0]!.seq).toBeGreaterThan(woke.next);
      } finally {
        await close();
      }
    });

    it("lists the segments whose definition quotes it, unchanged; refuses an erase that is not a boolean", async () => {
      const { store, close } = await backend.open();
      try {
        await populate(store, `quoted-${backend.name}`);
        const named = await store.createSegment({ name: "Zelda", kind: "dynamic", expression: `name = ${JSON.stringify(NAME)}` });
        const edited = await store.createSegment({ name: "VIPs", kind: "dynamic", expression: `id = ${JSON.stringify(KEY)}` });
        await store.updateSegment(edited.id, { expression: 'tags has "vip"' }, { expectedVersion: edited.version });
        expect(await rejection(store.deleteContacts([KEY], { erase: "yes" as never }))).toBeInstanceOf(InvalidInputError);
        const result = await store.deleteContacts([KEY], { erase: true });
        expect(result.erased?.segmentsQuoting).toEqual([named.id, edited.id].sort((a, b) => a - b));
        expect((await store.getSegment(named.id)).expression).toBe(`name = ${JSON.stringify(NAME)}`);
        expect(await store.deleteContacts(["nobody"], { erase: true, skipUnknown: true })).toEqual({ deleted: 0, events: 0, unknown: ["nobody"], changes: [], erased: { feedRows: 0, importProblems: 0, segmentsQuoting: [] } });
      } finally {
        await close();
      }
    });
  });
}
