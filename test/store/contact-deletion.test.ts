/**
 * A contact's log (`contactChanges`: the segments it entered and left, newest first, paged) and deleting
 * contacts (`deleteContacts`): the contact and its events go; it leaves every segment it was in —
 * dynamic, static, and the member list a deleted static segment keeps — each exit logged in the change feed
 * and counted; unknown keys refuse the call unless skipped. On every backend, and on a DuckDB file across a
 * reopen (the write-back journal must not bring the contact back).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { InvalidInputError, NotFoundError, openStore, UnknownKeysError, type Store } from "../../src/store/index.js";
import { BACKENDS, crmSchema, openTestStore, rejection, type TestStore } from "./helpers.js";

const PEOPLE = [
  { id: "ann", plan: "Pro", ltv: 1200, tags: ["vip"] },
  { id: "bob", plan: "Free", ltv: 10 },
  { id: "cy", plan: "Pro", ltv: 50 },
];
const EVENTS = [
  { contact_id: "ann", event: "Purchase", occurred_at: "2025-01-01T00:00:00Z", properties: { amount: 30 } },
  { contact_id: "ann", event: "Purchase", occurred_at: "2025-02-01T00:00:00Z", properties: { amount: 40 } },
  { contact_id: "bob", event: "Purchase", occurred_at: "2025-02-01T00:00:00Z", properties: { amount: 5 } },
];

/** Every segment's members, by name, as the store lists them. */
async function membersByName(store: Store): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const s of (await store.listSegments({ limit: 1000 })).items) {
    const keys: string[] = [];
    for await (const batch of store.memberPages(s.id)) for (const c of batch) keys.push(String(c["id"]));
    out[s.name] = keys.sort();
    // The count kept with the segment agrees with its members.
    expect((await store.getSegment(s.id)).memberCount, s.name).toBe(keys.length);
  }
  return out;
}

for (const backend of BACKENDS) {
  describe(`deleting contacts on ${backend}`, { timeout: 60_000 }, () => {
    const open: TestStore[] = [];
    const fresh = async (): Promise<Store> => {
      const t = await openTestStore(backend);
      open.push(t);
      const store = t.store;
      await store.upsertContacts(PEOPLE);
      await store.appendEvents(EVENTS);
      await store.createSegment({ name: "Pros", kind: "dynamic", expression: 'plan = "Pro"' });
      await store.createSegment({ name: "Buyers", kind: "dynamic", expression: 'performed "Purchase" with sum of amount >= 50' });
      await store.createSegment({ name: "Picked", kind: "static", members: ["ann", "bob"] });
      await store.createSegment({ name: "Picked pros", kind: "dynamic", expression: 'in segment "Picked" and plan = "Pro"' });
      return store;
    };
    afterEach(async () => {
      for (const t of open.splice(0)) await t.dispose();
    });

    it("deletes a contact and its events; it leaves every segment it was in, each exit in the feed", async () => {
      const store = await fresh();
      const before = await membersByName(store);
      expect(before).toEqual({ Buyers: ["ann"], Picked: ["ann", "bob"], "Picked pros": ["ann"], Pros: ["ann", "cy"] });
      const stats = await store.stats();
      const result = await store.deleteContacts(["ann"], { by: "dpo" });
      expect(result).toMatchObject({ deleted: 1, events: 2, unknown: [] });
      // One exit per segment it was in, logged with the feed's numbers.
      const names = new Map((await store.listSegments()).items.map((s) => [s.id, s.name]));
      expect(result.changes.map((c) => [names.get(c.segmentId), c.key, c.change]).sort()).toEqual(
        Object.entries(before)
          .filter(([, keys]) => keys.includes("ann"))
          .map(([name]) => [name, "ann", "exited"])
          .sort(),
      );
      const feed = (await store.changes({ since: stats.lastChangeSeq })).items;
      expect(feed).toEqual(result.changes);
      expect(await membersByName(store)).toEqual({ Buyers: [], Picked: ["bob"], "Picked pros": [], Pros: ["cy"] });
      expect(await store.stats()).toMatchObject({ contacts: stats.contacts - 1, events: stats.events - 2 });
      expect(await rejection(store.getContact("ann"))).toBeInstanceOf(NotFoundError);
      // The key is free: a contact made with it again starts with nothing of the old one.
      await store.upsertContacts([{ id: "ann", plan: "Free" }]);
      const again = await store.getContact("ann");
      expect(again).toMatchObject({ eventCount: 0, segments: [] });
      expect(again.values["ltv"]).toBeNull();
    });

    it("reads one contact's entries and exits, newest first, a page at a time, also after it is deleted", async () => {
      const store = await fresh();
      // ann: Pros, Buyers, Picked, Picked pros when they were made; then out of Pros and Picked pros.
      await store.upsertContacts([{ id: "ann", plan: "Free" }]);
      const all = (await store.changes({ limit: 10_000 })).items.filter((c) => c.key === "ann").reverse();
      expect(all.map((c) => c.change)).toEqual(["exited", "exited", "entered", "entered", "entered", "entered"]);
      const first = await store.contactChanges("ann", { limit: 4 });
      expect(first.items).toEqual(all.slice(0, 4));
      const second = await store.contactChanges("ann", { limit: 4, before: first.next! });
      expect(second).toEqual({ items: all.slice(4), next: null });
      await store.deleteContacts(["ann"]);
      const after = await store.contactChanges("ann");
      expect(after.items.length).toBe(all.length + 2);
      expect(after.items.slice(0, 2).map((c) => c.change)).toEqual(["exited", "exited"]);
      expect(await store.contactChanges("nobody")).toEqual({ items: [], next: null });
      expect(await store.contactChanges("a\u0000b")).toEqual({ items: [], next: null });
      expect(await rejection(store.contactChanges("ann", { limit: 0 }))).toBeInstanceOf(InvalidInputError);
    });

    it("refuses unknown keys whole unless skipped, then lists them", async () => {
      const store = await fresh();
      const e = await rejection(store.deleteContacts(["bob", "nobody", "bob"]));
      expect(e).toBeInstanceOf(UnknownKeysError);
      expect((e as UnknownKeysError).keys).toEqual(["nobody"]);
      expect((await store.stats()).contacts).toBe(3);
      const skipped = await store.deleteContacts(["bob", "nobody", "bob"], { skipUnknown: true });
      expect(skipped).toMatchObject({ deleted: 1, events: 1, unknown: ["nobody"] });
      expect((await store.findContactKeys(["ann", "bob", "cy"])).known).toEqual(["ann", "cy"]);
      expect(await store.deleteContacts([], {})).toEqual({ deleted: 0, events: 0, unknown: [], changes: [] });
      expect(await rejection(store.deleteContacts("bob" as never))).toBeInstanceOf(InvalidInputError);
    });

    it("takes the key out of a deleted static list too: restoring the list does not bring the contact back", async () => {
      const store = await fresh();
      const picked = (await store.listSegments({ search: "Picked" })).items.find((s) => s.name === "Picked")!;
      await store.deleteSegment(picked.id, { force: true });
      await store.deleteContacts(["bob"]);
      const restored = await store.restoreSegment(picked.id);
      expect(restored.memberCount).toBe(1);
      expect((await store.members(picked.id)).items.map((c) => c["id"])).toEqual(["ann"]);
    });
  });
}

describe("deleting a contact on a DuckDB file", () => {
  const dir = mkdtempSync(join(tmpdir(), "segql-contact-deletion-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("stays deleted across a reopen, also right after an upsert taken by the write-back journal", async () => {
    const db = join(dir, "crm.duckdb");
    let store = await openStore({ db, schema: crmSchema });
    try {
      await store.createSegment({ name: "Pros", kind: "dynamic", expression: 'plan = "Pro"' });
      await store.upsertContacts([{ id: "dee", plan: "Pro" }]);
      // A few contacts: the journal's path, acknowledged before the database has the row.
      await store.upsertContacts([{ id: "dee", ltv: 5 }]);
      expect((await store.deleteContacts(["dee"])).changes.map((c) => c.change)).toEqual(["exited"]);
    } finally {
      await store.close();
    }
    store = await openStore({ db });
    try {
      expect((await store.findContactKeys(["dee"])).known).toEqual([]);
      const pros = (await store.listSegments()).items[0]!;
      expect(pros.memberCount).toBe(0);
    } finally {
      await store.close();
    }
  });
});

describe("a PostgreSQL store from before the contact log's index", () => {
  it("gains it when opened; a role that may not create it still opens the store, and reads the log", async () => {
    const { createPglite } = await import("./helpers.js");
    const pg = (await createPglite()) as unknown as { exec(sql: string): Promise<unknown>; query(sql: string): Promise<{ rows: Record<string, unknown>[] }>; close(): Promise<void> };
    const indexed = async () => (await pg.query("SELECT 1 FROM pg_indexes WHERE indexname = 'segql_changes_contact'")).rows.length === 1;
    try {
      let store = await openStore({ pglite: pg as never, schema: crmSchema });
      expect(await indexed()).toBe(true);
      await store.close();
      await pg.exec("DROP INDEX segql_changes_contact");
      store = await openStore({ pglite: pg as never });
      expect(await indexed()).toBe(true);
      await store.close();
      await pg.exec(`DROP INDEX segql_changes_contact;
        REVOKE CREATE ON SCHEMA public FROM PUBLIC;
        CREATE ROLE segql_writer;
        GRANT USAGE ON SCHEMA public TO segql_writer;
        GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO segql_writer;
        GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO segql_writer;
        SET ROLE segql_writer`);
      store = await openStore({ pglite: pg as never });
      try {
        await store.upsertContacts([{ id: "x", plan: "Pro" }]);
        await store.createSegment({ name: "Pros", kind: "dynamic", expression: 'plan = "Pro"' });
        expect((await store.contactChanges("x")).items.map((c) => c.change)).toEqual(["entered"]);
        expect(await indexed()).toBe(false);
      } finally {
        await store.close();
      }
    } finally {
      await pg.close();
    }
  });
});
