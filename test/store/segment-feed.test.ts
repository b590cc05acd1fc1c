/**
 * The segments' lifecycle in the change feed (`changes({ include: ["segments"] })`): an item when a segment
 * is created, duplicated, changed (renamed, described, its expression edited, also by the rename of a
 * segment it reads; converted to static), deleted and restored, numbered in one order with the membership
 * changes, so a page listing segments learns of a segment with no members deleted elsewhere (the membership
 * log says nothing of it). Without `include` the feed is exactly as before: membership changes only, and a
 * waiting reader is not answered by a lifecycle change. DuckDB (with and without the write-back path), PGlite,
 * the PostgreSQL server with PG_URL; a store made before the segment log opens and gains it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { openStore, type FeedItem, type Store } from "../../src/store/index.js";
import { BACKENDS, createPglite, crmSchema, manualClock, openTestStore, type TestStore } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "segql-segment-feed-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const T0 = Date.parse("2026-03-02T09:00:00Z");

/** Items as short tuples: [segmentId, change, key | name | refresh status]. */
function brief(items: readonly FeedItem[]): [number, string, string][] {
  return items.map((i) => ("key" in i ? [i.segmentId, i.change, i.key] : "name" in i ? [i.segmentId, i.change, i.name] : [i.segmentId, i.change, i.refresh.status]));
}

/** Resolves once `store` has `n` `changes` calls waiting (checked on each turn of the event loop). */
async function waiters(store: Store, n: number): Promise<void> {
  while (store.changeWaiters !== n) await new Promise((resolve) => setImmediate(resolve));
}

const VARIANTS = [...BACKENDS.map((backend) => ({ backend, writeBack: true })), { backend: "duckdb" as const, writeBack: false }];

describe.each(VARIANTS)("segment lifecycle in the change feed ($backend, write-back $writeBack)", ({ backend, writeBack }) => {
  let t: TestStore | null = null;
  afterEach(async () => {
    await t?.dispose();
    t = null;
  });

  it("include segments: created, duplicated, updated, deleted and restored, in seq order with the membership changes", async () => {
    const clock = manualClock(T0);
    t = await openTestStore(backend, { clock: clock.now, writeBack });
    const { store } = t;
    await store.upsertContacts([
      { id: "a", plan: "Pro", ltv: 500 },
      { id: "b", plan: "Free", ltv: 5 },
    ]);
    const since = (await store.changes({ include: ["segments"] })).next;

    const empty = await store.createSegment({ name: "Nobody", kind: "static" });
    const pro = await store.createSegment({ name: "Pro", kind: "dynamic", expression: 'plan = "Pro"' });
    const whales = await store.createSegment({ name: "Whales", kind: "dynamic", expression: 'in segment "Pro" and ltv > 100' });
    clock.advance(1000);
    await store.updateSegment(pro.id, { name: "Pro plan" });
    await store.updateSegment(empty.id, { description: "kept empty" });
    const copy = await store.duplicateSegment(empty.id);
    await store.convertToStatic(whales.id);
    await store.deleteSegment(empty.id);
    await store.restoreSegment(empty.id, { name: "Nobody again" });

    const page = await store.changes({ since, include: ["segments"] });
    expect(brief(page.items)).toEqual([
      [empty.id, "segment-created", "Nobody"],
      [pro.id, "segment-created", "Pro"],
      [pro.id, "entered", "a"],
      [whales.id, "segment-created", "Whales"],
      [whales.id, "entered", "a"],
      // The rename rewrote Whales' expression (a version of it too), before its own new version.
      [whales.id, "segment-updated", "Whales"],
      [pro.id, "segment-updated", "Pro plan"],
      [empty.id, "segment-updated", "Nobody"],
      [copy.id, "segment-created", "Copy of Nobody"],
      [whales.id, "segment-updated", "Whales"],
      [empty.id, "segment-deleted", "Nobody"],
      [empty.id, "segment-restored", "Nobody again"],
    ]);
    const seqs = page.items.map((i) => i.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(page.next).toBe(seqs.at(-1));
    const lifecycle = page.items.filter((i) => "name" in i);
    expect(lifecycle.map((i) => ("changed" in i ? i.changed : null))).toEqual([["created"], ["created"], ["created"], ["expression"], ["name"], ["description"], ["created"], ["kind"], ["deleted"], ["restored", "name"]]);
    // Each item names the version it made, as the segment's versions do.
    expect(page.items.find((i) => i.change === "segment-deleted")).toEqual({
      seq: expect.any(Number),
      segmentId: empty.id,
      change: "segment-deleted",
      at: new Date(T0 + 1000).toISOString(),
      segmentVersion: 3,
      name: "Nobody",
      changed: ["deleted"],
    });
    expect((await store.segmentVersions(empty.id)).map((v) => v.version)).toEqual([1, 2, 3, 4]);

    // Without include: as before, membership changes only.
    expect(brief((await store.changes({ since })).items)).toEqual([
      [pro.id, "entered", "a"],
      [whales.id, "entered", "a"],
    ]);
    // Both kinds together, filtered by segment, and paged across the logs.
    expect(brief((await store.changes({ since, segmentId: pro.id, include: ["refresh", "segments"] })).items)).toEqual([
      [pro.id, "segment-created", "Pro"],
      [pro.id, "entered", "a"],
      [pro.id, "segment-updated", "Pro plan"],
    ]);
    const first = await store.changes({ since, limit: 2, include: ["segments"] });
    expect(brief(first.items)).toEqual(brief(page.items).slice(0, 2));
    expect(brief((await store.changes({ since: first.next, limit: 1, include: ["segments"] })).items)).toEqual([[pro.id, "entered", "a"]]);
    // The trash emptied: the feed keeps what it said (a reader that saw the copy created learns it was deleted).
    await store.deleteSegment(copy.id);
    await store.emptyTrash();
    expect(brief((await store.changes({ since: page.next, include: ["segments"] })).items)).toEqual([[copy.id, "segment-deleted", "Copy of Nobody"]]);
    await expect(store.changes({ include: ["members" as never] })).rejects.toThrow(/include/);
  });

  it("a reader waiting with include segments is answered by a memberless delete; one waiting without it is not", async () => {
    t = await openTestStore(backend, { writeBack });
    const { store } = t;
    const empty = await store.createSegment({ name: "Nobody", kind: "static" });
    const rich = await store.createSegment({ name: "Rich", kind: "dynamic", expression: "ltv > 800" });
    const since = (await store.changes({ include: ["segments"] })).next;
    const plain = store.changes({ since, waitMs: 60_000 });
    const withSegments = store.changes({ since, waitMs: 60_000, include: ["segments"] });
    await waiters(store, 2);
    await store.deleteSegment(empty.id);
    expect(brief((await withSegments).items)).toEqual([[empty.id, "segment-deleted", "Nobody"]]);
    // The plain reader read, found nothing of its kind, and waits on: a membership change answers it.
    await waiters(store, 1);
    await store.upsertContacts([{ id: "d", plan: "Free", ltv: 1000 }]);
    expect(brief((await plain).items)).toEqual([[rich.id, "entered", "d"]]);
  });
});

describe("a store made before the segment log", () => {
  it("opens (DuckDB), gains the table, and logs lifecycle changes from then on", async () => {
    const db = join(dir, "older.duckdb");
    let store = await openStore({ db, schema: crmSchema });
    await store.createSegment({ name: "Before", kind: "static" });
    await store.close();
    const instance = await DuckDBInstance.create(db);
    const con = await instance.connect();
    await con.run("DROP TABLE segql_segment_log");
    con.closeSync();
    instance.closeSync();
    store = await openStore({ db });
    try {
      const since = (await store.changes({ include: ["segments"] })).next;
      await store.deleteSegment(1);
      expect(brief((await store.changes({ since, include: ["segments"] })).items)).toEqual([[1, "segment-deleted", "Before"]]);
    } finally {
      await store.close();
    }
  });

  it("opens (PostgreSQL), gains the table, and logs lifecycle changes from then on", async () => {
    const pg = (await createPglite()) as unknown as { exec(sql: string): Promise<unknown>; close(): Promise<void> };
    try {
      let store = await openStore({ pglite: pg as never, schema: crmSchema });
      await store.createSegment({ name: "Before", kind: "static" });
      await store.close();
      await pg.exec("DROP TABLE segql_segment_log");
      store = await openStore({ pglite: pg as never });
      const since = (await store.changes({ include: ["segments"] })).next;
      await store.deleteSegment(1);
      expect(brief((await store.changes({ since, include: ["segments"] })).items)).toEqual([[1, "segment-deleted", "Before"]]);
      await store.close();
    } finally {
      await pg.close();
    }
  });
});
