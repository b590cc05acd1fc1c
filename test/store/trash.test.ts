/**
 * The trash: a deleted segment is kept until it is restored or purged, on each backend. Restoring gives
 * back the same segment (id, list or expression, history), with members that follow today's data.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { InvalidInputError, NameTakenError, NotFoundError, openStore, type Store } from "../../src/store/index.js";
import { BACKENDS, createPglite, crmSchema, manualClock, openTestStore, rejection, type TestStore } from "./helpers.js";

const PEOPLE = [
  { id: "a", name: "Ann", plan: "Pro", ltv: 1200 },
  { id: "b", name: "Bob", plan: "Free", ltv: 10 },
  { id: "c", name: "Cy", plan: "Team", ltv: 5000 },
  { id: "d", name: "Di", plan: "Pro", ltv: null },
];

const keysOf = async (store: Store, id: number) => (await store.members(id)).items.map((c) => c["id"]);

for (const backend of BACKENDS) {
  describe(`the trash on ${backend}`, { timeout: 60_000 }, () => {
    const open: TestStore[] = [];
    const clock = manualClock();
    const fresh = async (): Promise<Store> => {
      const t = await openTestStore(backend, { clock: clock.now });
      open.push(t);
      await t.store.upsertContacts(PEOPLE);
      return t.store;
    };
    afterEach(async () => {
      for (const t of open.splice(0)) await t.dispose();
    });

    it("keeps a deleted static list and gives it back: same id, members, history, and the feed says so", async () => {
      const store = await fresh();
      const s = await store.createSegment({ name: "VIPs", description: "hand-picked", kind: "static", members: ["a", "c"] }, { by: "ann" });
      clock.advance(1000);
      await store.deleteSegment(s.id, { by: "bob" });
      expect(await rejection(store.getSegment(s.id))).toBeInstanceOf(NotFoundError);
      expect((await store.listSegments()).items).toEqual([]);
      const trash = await store.listDeletedSegments();
      expect(trash.items).toEqual([
        { id: s.id, name: "VIPs", description: "hand-picked", kind: "static", expression: null, version: 2, createdAt: s.createdAt, createdBy: "ann", deletedAt: new Date(clock.now()).toISOString(), deletedBy: "bob", memberCount: 2 },
      ]);
      // While in the trash, no one is a member (a contact's segments do not list it).
      expect((await store.getContact("a")).segments).toEqual([]);

      clock.advance(1000);
      const back = await store.restoreSegment(s.id, { by: "cy" });
      expect(back).toMatchObject({ id: s.id, name: "VIPs", description: "hand-picked", kind: "static", version: 3, memberCount: 2, updatedBy: "cy", createdAt: s.createdAt });
      expect(await keysOf(store, s.id)).toEqual(["a", "c"]);
      expect((await store.listDeletedSegments()).items).toEqual([]);
      expect((await store.segmentVersions(s.id)).map((v) => [v.version, v.changed, v.by])).toEqual([
        [1, ["created"], "ann"],
        [2, ["deleted"], "bob"],
        [3, ["restored"], "cy"],
      ]);
      const feed = await store.changes({ segmentId: s.id });
      expect(feed.items.map((c) => `${c.key} ${c.change}`)).toEqual(["a entered", "c entered", "a exited", "c exited", "a entered", "c entered"]);
    });

    it("recomputes a restored dynamic segment from today's data", async () => {
      const store = await fresh();
      const s = await store.createSegment({ name: "High value", kind: "dynamic", expression: "ltv > 1000" });
      expect(await keysOf(store, s.id)).toEqual(["a", "c"]);
      await store.deleteSegment(s.id);
      await store.upsertContacts([{ id: "b", ltv: 2000 }, { id: "c", ltv: 5 }]);
      const back = await store.restoreSegment(s.id);
      expect(back).toMatchObject({ expression: "ltv > 1000", memberCount: 2, problems: [] });
      expect(await keysOf(store, s.id)).toEqual(["a", "b"]);
      // It is live again: the next write moves its members.
      await store.upsertContacts([{ id: "d", ltv: 3000 }]);
      expect(await keysOf(store, s.id)).toEqual(["a", "b", "d"]);
    });

    it("refuses to restore over a name taken meanwhile, and restores under another name", async () => {
      const store = await fresh();
      const s = await store.createSegment({ name: "Pro", kind: "dynamic", expression: 'plan = "Pro"' });
      await store.deleteSegment(s.id);
      const taker = await store.createSegment({ name: "pro", kind: "static" });
      const e = await rejection(store.restoreSegment(s.id));
      expect(e).toBeInstanceOf(NameTakenError);
      expect((e as NameTakenError).existing).toEqual({ id: taker.id, name: "pro" });
      // Nothing changed: it is still in the trash.
      expect((await store.listDeletedSegments()).items.map((d) => d.id)).toEqual([s.id]);
      expect(await rejection(store.restoreSegment(s.id, { name: " bad" }))).toBeInstanceOf(InvalidInputError);
      const back = await store.restoreSegment(s.id, { name: "Pro plan" });
      expect(back).toMatchObject({ id: s.id, name: "Pro plan", memberCount: 2 });
      expect((await store.segmentVersions(s.id)).at(-1)!.changed).toEqual(["restored", "name"]);
    });

    it("a forced delete breaks the segments reading it; restoring mends them", async () => {
      const store = await fresh();
      const pro = await store.createSegment({ name: "Pro", kind: "dynamic", expression: 'plan = "Pro"' });
      const reader = await store.createSegment({ name: "Pro with value", kind: "dynamic", expression: 'in segment "Pro" and ltv > 100' });
      expect(await keysOf(store, reader.id)).toEqual(["a"]);
      await store.deleteSegment(pro.id, { force: true });
      expect((await store.getSegment(reader.id)).problems.map((d) => d.code)).toEqual(["unknown-segment"]);
      await store.upsertContacts([{ id: "d", ltv: 500 }]);
      await store.restoreSegment(pro.id);
      const mended = await store.getSegment(reader.id);
      expect(mended.problems).toEqual([]);
      // Refreshed at the restore, with the write made while it was broken.
      expect(await keysOf(store, reader.id)).toEqual(["a", "d"]);
    });

    it("restored under another name, it takes its readers along when its old name is free; not when another segment has it", async () => {
      const store = await fresh();
      const pro = await store.createSegment({ name: "Pro", kind: "dynamic", expression: 'plan = "Pro"' });
      const reader = await store.createSegment({ name: "Pro with value", kind: "dynamic", expression: 'in segment "Pro" and ltv > 100 -- the best' });
      await store.deleteSegment(pro.id, { force: true });
      const back = await store.restoreSegment(pro.id, { name: "Pro plan", by: "cy" });
      expect(back.name).toBe("Pro plan");
      const mended = await store.getSegment(reader.id);
      expect(mended).toMatchObject({ expression: 'in segment "Pro plan" and ltv > 100 -- the best', problems: [], memberCount: 1, version: 2, updatedBy: "cy" });
      expect((await store.segmentVersions(reader.id)).map((v) => v.changed)).toEqual([["created"], ["expression"]]);

      // Deleted again; meanwhile a new segment takes the name its reader now uses: the reader reads that one.
      await store.deleteSegment(back.id, { force: true });
      const taker = await store.createSegment({ name: "Pro plan", kind: "dynamic", expression: 'plan = "Team"' });
      await store.restoreSegment(back.id, { name: "Pro plan (old)" });
      expect(await store.getSegment(reader.id)).toMatchObject({ expression: 'in segment "Pro plan" and ltv > 100 -- the best', problems: [] });
      expect((await store.getSegment(reader.id)).references).toEqual([expect.objectContaining({ id: taker.id })]);
    });

    it("a segment whose reference was deleted while it was in the trash comes back broken, as after a forced delete", async () => {
      const store = await fresh();
      const pro = await store.createSegment({ name: "Pro", kind: "dynamic", expression: 'plan = "Pro"' });
      const reader = await store.createSegment({ name: "Pro with value", kind: "dynamic", expression: 'in segment "Pro" and ltv > 100' });
      await store.deleteSegment(reader.id);
      // Nothing reads "Pro" now: no force needed.
      await store.deleteSegment(pro.id);
      const back = await store.restoreSegment(reader.id);
      expect(back.problems.map((d) => d.code)).toEqual(["unknown-segment"]);
      expect(back.memberCount).toBe(0);
      // Restoring what it reads mends it.
      await store.restoreSegment(pro.id);
      expect(await store.getSegment(reader.id)).toMatchObject({ problems: [], memberCount: 1 });
    });

    it("purges for good: gone from the trash with its history; unknown ids say so", async () => {
      const store = await fresh();
      const s = await store.createSegment({ name: "Gone", kind: "static", members: ["a"] });
      await store.deleteSegment(s.id);
      await store.purgeDeletedSegment(s.id);
      expect((await store.listDeletedSegments()).items).toEqual([]);
      for (const attempt of [() => store.restoreSegment(s.id), () => store.purgeDeletedSegment(s.id), () => store.segmentVersions(s.id)]) {
        expect(await rejection(attempt())).toBeInstanceOf(NotFoundError);
      }
      expect((await rejection(store.restoreSegment(s.id))).message).toBe(`no deleted segment #${s.id}`);
      // A live segment is not in the trash.
      const live = await store.createSegment({ name: "Live", kind: "static" });
      expect(await rejection(store.restoreSegment(live.id))).toBeInstanceOf(NotFoundError);
      expect(await rejection(store.purgeDeletedSegment(live.id))).toBeInstanceOf(NotFoundError);
      expect(await rejection(store.restoreSegment(1.5))).toBeInstanceOf(InvalidInputError);
      // New ids never take a deleted one's.
      const next = await store.createSegment({ name: "Next", kind: "static" });
      expect(next.id).toBeGreaterThan(live.id);
    });

    it("empties the trash: all of it, or what was deleted more than an age ago, with its history; live segments stay", async () => {
      const store = await fresh();
      const live = await store.createSegment({ name: "Live", kind: "static", members: ["a"] });
      const old = await store.createSegment({ name: "Old", kind: "static", members: ["a", "b"] });
      const recent = await store.createSegment({ name: "Recent", kind: "dynamic", expression: "ltv > 100" });
      await store.deleteSegment(old.id);
      clock.advance(10 * 86_400_000);
      await store.deleteSegment(recent.id);
      clock.advance(86_400_000);
      // Old was deleted 11 days ago, Recent 1 day ago.
      expect(await store.emptyTrash({ olderThanMs: 20 * 86_400_000 })).toEqual([]);
      const purged = await store.emptyTrash({ olderThanMs: 5 * 86_400_000, by: "expiry" });
      expect(purged.map((d) => [d.id, d.name, d.memberCount])).toEqual([[old.id, "Old", 2]]);
      expect((await store.listDeletedSegments()).items.map((d) => d.name)).toEqual(["Recent"]);
      expect(await rejection(store.restoreSegment(old.id))).toBeInstanceOf(NotFoundError);
      expect((await store.emptyTrash()).map((d) => d.name)).toEqual(["Recent"]);
      expect((await store.listDeletedSegments()).items).toEqual([]);
      expect(await store.emptyTrash()).toEqual([]);
      expect(await keysOf(store, live.id)).toEqual(["a"]);
      expect((await store.segmentVersions(live.id)).map((v) => v.changed)).toEqual([["created"]]);
      for (const bad of [-1, 1.5, Number.NaN, "30d"]) {
        const e = await rejection(store.emptyTrash({ olderThanMs: bad as number }));
        expect(e).toBeInstanceOf(InvalidInputError);
        expect(e.message).toContain("olderThanMs");
      }
    });

    it("lists the latest deletion first, a page at a time, and finds by name", async () => {
      const store = await fresh();
      const ids: number[] = [];
      for (const name of ["One", "Two", "Three"]) {
        const s = await store.createSegment({ name, kind: "static" });
        clock.advance(1000);
        await store.deleteSegment(s.id);
        ids.push(s.id);
      }
      const first = await store.listDeletedSegments({ limit: 2 });
      expect(first.items.map((d) => d.name)).toEqual(["Three", "Two"]);
      // A restore between two pages does not make the next page skip one.
      await store.restoreSegment(ids[2]!);
      const second = await store.listDeletedSegments({ limit: 2, cursor: first.next });
      expect(second.items.map((d) => d.name)).toEqual(["One"]);
      expect(second.next).toBeNull();
      expect((await store.listDeletedSegments({ search: "T" })).items.map((d) => d.name)).toEqual(["Two"]);
      expect(await rejection(store.listDeletedSegments({ cursor: "nonsense" }))).toBeInstanceOf(InvalidInputError);
      expect(await rejection(store.listDeletedSegments({ limit: 0 }))).toBeInstanceOf(InvalidInputError);
    });
  });
}

describe("a DuckDB file from before the trash", () => {
  const dir = mkdtempSync(join(tmpdir(), "segql-trash-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("gains the trash when opened, keeping its segments", async () => {
    const file = join(dir, "old.duckdb");
    let store = await openStore({ db: file, schema: crmSchema });
    await store.upsertContacts(PEOPLE);
    const s = await store.createSegment({ name: "VIPs", kind: "static", members: ["a"] });
    await store.close();
    const raw = await DuckDBInstance.create(file);
    const connection = await raw.connect();
    await connection.run("DROP TABLE segql_deleted_segments; DROP TABLE segql_deleted_members; CHECKPOINT");
    connection.closeSync();
    raw.closeSync();
    store = await openStore({ db: file });
    try {
      await store.deleteSegment(s.id);
      expect((await store.listDeletedSegments()).items.map((d) => d.name)).toEqual(["VIPs"]);
      expect(await store.restoreSegment(s.id)).toMatchObject({ name: "VIPs", memberCount: 1 });
    } finally {
      await store.close();
    }
  });
});

/** A PGlite instance as these tests use it. */
type Pglite = { exec(sql: string): Promise<unknown>; query(sql: string): Promise<{ rows: Record<string, unknown>[] }>; close(): Promise<void> };

/**
 * Goes on as a new role that may read and write the tables of `schema` but create nothing. (PGlite is one
 * session: the temporary tables the owner made are dropped first, as another connection would not see them.)
 */
async function becomeTableUser(pg: Pglite, schema: string, role: string): Promise<void> {
  await pg.exec(`DISCARD TEMP;
    CREATE ROLE ${role} NOLOGIN;
    GRANT USAGE ON SCHEMA ${schema} TO ${role};
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${schema} TO ${role};
    GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA ${schema} TO ${role};
    SET ROLE ${role}`);
}

describe("a PostgreSQL store from before the trash", () => {
  it("gains the trash and the copies' table when opened, and an open with them all runs no DDL", async () => {
    const pg = (await createPglite()) as unknown as Pglite;
    try {
      let store = await openStore({ pglite: pg as never, schema: crmSchema });
      await store.upsertContacts(PEOPLE);
      const s = await store.createSegment({ name: "VIPs", kind: "static", members: ["a", "c"] });
      await store.close();
      await pg.exec("DROP TABLE segql_deleted_segments, segql_deleted_members, segql_segment_copies");
      store = await openStore({ pglite: pg as never });
      await store.deleteSegment(s.id);
      expect(await store.restoreSegment(s.id)).toMatchObject({ name: "VIPs", memberCount: 2 });
      const copy = await store.duplicateSegment(s.id);
      expect((await store.segmentVersions(copy.id))[0]!.copiedFrom).toMatchObject({ id: s.id, name: "VIPs" });
      await store.close();
      // Opening again as a user who may read and write the tables but create none in the schema: the tables
      // are there, so the open creates nothing (PostgreSQL refuses even CREATE TABLE IF NOT EXISTS to them).
      // (In the schema `public`; a schema of its own is the next test's.)
      await pg.exec("REVOKE CREATE ON SCHEMA public FROM PUBLIC");
      await becomeTableUser(pg, "public", "segql_app");
      expect((await pg.query("SELECT has_schema_privilege('public', 'CREATE') AS may")).rows[0]!["may"]).toBe(false);
      store = await openStore({ pglite: pg as never });
      try {
        await store.deleteSegment(copy.id);
        expect((await store.listDeletedSegments()).items.map((d) => d.name)).toEqual([copy.name]);
      } finally {
        await store.close();
      }
    } finally {
      await pg.close();
    }
  });
});

describe("a PostgreSQL store in a schema of its own, opened by a user who may create nothing", () => {
  it("opens without CREATE SCHEMA when the schema is there", async () => {
    const pg = (await createPglite()) as unknown as Pglite;
    try {
      let store = await openStore({ pglite: pg as never, pgSchema: "crm", schema: crmSchema });
      await store.upsertContacts(PEOPLE);
      const s = await store.createSegment({ name: "VIPs", kind: "static", members: ["a", "c"] });
      await store.close();
      await pg.exec("RESET search_path");
      await becomeTableUser(pg, "crm", "segql_crm");
      expect((await pg.query("SELECT has_database_privilege(current_database(), 'CREATE') AS may")).rows[0]!["may"]).toBe(false);
      store = await openStore({ pglite: pg as never, pgSchema: "crm" });
      try {
        expect(await keysOf(store, s.id)).toEqual(["a", "c"]);
        await store.deleteSegment(s.id);
        expect((await store.listDeletedSegments()).items.map((d) => d.name)).toEqual(["VIPs"]);
      } finally {
        await store.close();
      }
    } finally {
      await pg.close();
    }
  });
});
