/**
 * A segment's refresh status in the change feed, and readers that resolve again.
 *
 * - `changes({ include: ["refresh"] })` carries a segment-level item (`RefreshChange`) when a segment's
 *   refresh fails where it was not failed (or fails for another reason), and when one succeeds where it was
 *   failed, in `seq` order with the membership changes; a failure repeated for the same reason adds none.
 *   Without `include` the feed is as it was: membership changes only, each with a `key` and `entered` /
 *   `exited`, and a reader waiting on it is not answered by a refresh-status change.
 * - A segment created, renamed or duplicated to the name of one deleted with force makes the segments
 *   reading that name (and those reading them) refresh at once: no longer "out of date".
 * DuckDB (with and without the write-back path), PGlite, and the PostgreSQL server with PG_URL; a store
 * made before the refresh log opens and gains it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { openStore, type FeedItem, type Store } from "../../src/store/index.js";
import { BACKENDS, createPglite, crmSchema, manualClock, openTestStore, type TestStore } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "segql-refresh-feed-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const T0 = Date.parse("2026-03-02T09:00:00Z");
const at = (ms: number) => new Date(ms).toISOString();
const UNKNOWN_PRO = 'its expression has errors: unknown segment "Pro"';

/** "Pro" (1), "Whales" reading it (2), "Big whales" reading Whales (3); "Pro" then deleted with force. */
async function brokenReaders(store: Store): Promise<void> {
  await store.upsertContacts([
    { id: "a", plan: "Pro", ltv: 500 },
    { id: "b", plan: "Pro", ltv: 5 },
    { id: "c", plan: "Free", ltv: 900 },
  ]);
  await store.createSegment({ name: "Pro", kind: "dynamic", expression: 'plan = "Pro"' });
  await store.createSegment({ name: "Whales", kind: "dynamic", expression: 'in segment "Pro" and ltv > 100' });
  await store.createSegment({ name: "Big whales", kind: "dynamic", expression: 'in segment "Whales" and ltv > 400' });
  await store.deleteSegment(1, { force: true });
}

/** Resolves once `store` has `n` `changes` calls waiting (checked on each turn of the event loop). */
async function waiters(store: Store, n: number): Promise<void> {
  while (store.changeWaiters !== n) await new Promise((resolve) => setImmediate(resolve));
}

/** The feed's items after `since` as short tuples: [segmentId, change, key or the refresh's error code]. */
function brief(items: readonly FeedItem[]): [number, string, string][] {
  return items.map((i) => ("key" in i ? [i.segmentId, i.change, i.key] : "refresh" in i ? [i.segmentId, i.change, i.refresh.status === "failed" ? i.refresh.error.code : "-"] : [i.segmentId, i.change, i.name]));
}

const VARIANTS = [...BACKENDS.map((backend) => ({ backend, writeBack: true })), { backend: "duckdb" as const, writeBack: false }];

describe.each(VARIANTS)("refresh status in the change feed ($backend, write-back $writeBack)", ({ backend, writeBack }) => {
  let t: TestStore | null = null;
  afterEach(async () => {
    await t?.dispose();
    t = null;
  });

  it("with include refresh: an item when a refresh fails and when one succeeds again, none for a repeat; without it, membership changes only", async () => {
    const clock = manualClock(T0);
    t = await openTestStore(backend, { clock: clock.now, writeBack });
    const { store } = t;
    await brokenReaders(store);
    const since = (await store.changes({ include: ["refresh"] })).next;

    clock.advance(60_000);
    await store.refresh();
    clock.advance(60_000);
    // Failed again, for the same reason: no second item.
    await store.refresh({ ids: [2] });
    const failed = await store.changes({ since, include: ["refresh"] });
    expect(brief(failed.items)).toEqual([
      [2, "refresh-failed", "invalid-expression"],
      [3, "refresh-failed", "invalid-expression"],
    ]);
    expect(failed.items[0]).toEqual({
      seq: expect.any(Number),
      segmentId: 2,
      change: "refresh-failed",
      at: at(T0 + 60_000),
      segmentVersion: 1,
      refresh: { status: "failed", triedAt: at(T0 + 60_000), error: { code: "invalid-expression", message: UNKNOWN_PRO } },
    });
    // Big whales reads Whales, which checks: its own expression has the error through it.
    expect((await store.getSegment(3)).refresh).toMatchObject({ status: "failed" });
    // The feed as it always was: nothing new for a reader of membership changes, and its cursor stays.
    expect(await store.changes({ since })).toEqual({ items: [], next: since });

    // "Pro" back (a new segment of that name): the readers refresh at once and say so in the feed, after
    // the membership changes the refreshes made, in one order.
    clock.advance(60_000);
    await store.createSegment({ name: "Pro", kind: "dynamic", expression: 'plan = "Pro" or ltv > 800' });
    const resumed = await store.changes({ since: failed.next, include: ["refresh"] });
    expect(brief(resumed.items)).toEqual([
      [4, "entered", "a"],
      [4, "entered", "b"],
      [4, "entered", "c"],
      [2, "entered", "c"],
      [2, "refresh-ok", "-"],
      [3, "entered", "c"],
      [3, "refresh-ok", "-"],
    ]);
    expect(resumed.items.at(-1)).toMatchObject({ change: "refresh-ok", refresh: { status: "ok", triedAt: at(T0 + 180_000) } });
    const seqs = resumed.items.map((i) => i.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    // A reader of membership changes reads the same entries, without the refresh items.
    expect(brief((await store.changes({ since: failed.next })).items)).toEqual(brief(resumed.items).filter(([, change]) => !change.startsWith("refresh")));
    // Filtered by segment, and paged by `limit` across both logs.
    expect(brief((await store.changes({ since, segmentId: 2, include: ["refresh"] })).items)).toEqual([
      [2, "refresh-failed", "invalid-expression"],
      [2, "entered", "c"],
      [2, "refresh-ok", "-"],
    ]);
    const first = await store.changes({ since, limit: 2, include: ["refresh"] });
    expect(brief(first.items)).toEqual([
      [2, "refresh-failed", "invalid-expression"],
      [3, "refresh-failed", "invalid-expression"],
    ]);
    expect(brief((await store.changes({ since: first.next, limit: 1, include: ["refresh"] })).items)).toEqual([[4, "entered", "a"]]);
    // A success after a success: nothing.
    const last = (await store.changes({ include: ["refresh"], since })).items.at(-1)!.seq;
    await store.refresh();
    expect((await store.changes({ since: last, include: ["refresh"] })).items).toEqual([]);
    await expect(store.changes({ include: ["members" as never] })).rejects.toThrow(/include/);
  });

  it("a reader waiting with include refresh is answered by a failed refresh; one waiting without it is not", async () => {
    t = await openTestStore(backend, { writeBack });
    const { store } = t;
    await brokenReaders(store);
    const rich = await store.createSegment({ name: "Rich", kind: "dynamic", expression: "ltv > 800" });
    const since = (await store.changes({ include: ["refresh"] })).next;
    const plain = store.changes({ since, waitMs: 60_000 });
    const withRefresh = store.changes({ since, waitMs: 60_000, include: ["refresh"] });
    await waiters(store, 2);
    await store.refresh({ ids: [2] });
    // Answered at the first refresh's commit (one transaction per segment).
    const page = await withRefresh;
    expect(brief(page.items)[0]).toEqual([2, "refresh-failed", "invalid-expression"]);
    // The plain reader read, found nothing of its kind, and waits on: a membership change answers it.
    await waiters(store, 1);
    await store.upsertContacts([{ id: "d", plan: "Free", ltv: 1000 }]);
    expect(brief((await plain).items)).toEqual([[rich.id, "entered", "d"]]);
  });
});

describe.each(BACKENDS)("segments reading a name that resolves again on %s", (backend) => {
  let t: TestStore | null = null;
  afterEach(async () => {
    await t?.dispose();
    t = null;
  });

  it("a segment created with the name: its readers, and theirs, refresh at once and are no longer failed", async () => {
    const clock = manualClock(T0);
    t = await openTestStore(backend, { clock: clock.now });
    const { store } = t;
    await brokenReaders(store);
    clock.advance(60_000);
    await store.refresh();
    expect((await store.listSegments({ refresh: "failed" })).items.map((s) => s.name)).toEqual(["Big whales", "Whales"]);

    clock.advance(60_000);
    const pro = await store.createSegment({ name: "Pro", kind: "dynamic", expression: 'plan = "Pro" or ltv > 800' });
    expect(pro.referencedBy).toEqual([{ id: 2, name: "Whales" }]);
    expect((await store.listSegments({ refresh: "failed" })).items).toEqual([]);
    const whales = await store.getSegment(2);
    expect(whales.refresh).toEqual({ status: "ok", triedAt: at(T0 + 120_000) });
    expect(whales.problems).toEqual([]);
    // c (Free, 900) is in the new "Pro": a Whale now, and a big one.
    expect(await store.members(2)).toEqual(expect.objectContaining({ total: 2 }));
    expect((await store.getSegment(3)).refresh).toEqual({ status: "ok", triedAt: at(T0 + 120_000) });
  });

  it("a static segment created with the name, one renamed to it and a duplicate named so do the same; a rename keeps the readers of the old name", async () => {
    const clock = manualClock(T0);
    t = await openTestStore(backend, { clock: clock.now });
    const { store } = t;
    await brokenReaders(store);
    await store.refresh();

    // Renamed to "Pro": Whales reads it now.
    const team = await store.createSegment({ name: "Team", kind: "dynamic", expression: "ltv > 450" });
    await store.createSegment({ name: "Team readers", kind: "dynamic", expression: 'in segment "Team"' });
    clock.advance(60_000);
    const renamed = await store.updateSegment(team.id, { name: "Pro" });
    expect(renamed.referencedBy.map((s) => s.name).sort()).toEqual(["Team readers", "Whales"]);
    expect((await store.getSegment(2)).refresh).toEqual({ status: "ok", triedAt: at(T0 + 60_000) });
    expect((await store.listSegments({ refresh: "failed" })).items).toEqual([]);

    // Deleted with force again, then a static list of that name.
    await store.deleteSegment(renamed.id, { force: true });
    await store.refresh();
    expect((await store.getSegment(2)).refresh?.status).toBe("failed");
    clock.advance(60_000);
    await store.createSegment({ name: "Pro", kind: "static", members: ["a", "c"] });
    expect((await store.getSegment(2)).refresh).toEqual({ status: "ok", triedAt: at(T0 + 120_000) });
    expect((await store.members(2)).total).toBe(2);

    // And a duplicate given the name.
    const source = await store.createSegment({ name: "Source", kind: "dynamic", expression: "ltv > 450" });
    await store.deleteSegment((await store.findSegment("Pro")).id, { force: true });
    await store.refresh();
    expect((await store.getSegment(2)).refresh?.status).toBe("failed");
    clock.advance(60_000);
    await store.duplicateSegment(source.id, { name: "Pro" });
    expect((await store.getSegment(2)).refresh).toEqual({ status: "ok", triedAt: at(T0 + 180_000) });
  });

  it("a reader still broken for another reason stays failed, with that reason", async () => {
    t = await openTestStore(backend);
    const { store } = t;
    await store.upsertContacts([{ id: "a", plan: "Pro", ltv: 500 }]);
    await store.createSegment({ name: "Pro", kind: "dynamic", expression: 'plan = "Pro"' });
    await store.createSegment({ name: "Gold", kind: "dynamic", expression: "ltv > 100" });
    const both = await store.createSegment({ name: "Both", kind: "dynamic", expression: 'in segment "Pro" and in segment "Gold"' });
    const whales = await store.createSegment({ name: "Whales", kind: "dynamic", expression: 'in segment "Pro" and ltv > 100' });
    await store.deleteSegment(1, { force: true });
    await store.deleteSegment(2, { force: true });
    await store.refresh();
    await store.createSegment({ name: "Pro", kind: "dynamic", expression: 'plan = "Pro"' });
    expect((await store.getSegment(both.id)).refresh).toMatchObject({ status: "failed", error: { code: "invalid-expression", message: 'its expression has errors: unknown segment "Gold"' } });
    expect((await store.getSegment(whales.id)).refresh?.status).toBe("ok");
  });
});

describe("a store made before the refresh log", () => {
  it("opens (DuckDB), gains the table, and logs refresh-status changes from then on", async () => {
    const db = join(dir, "older.duckdb");
    let store = await openStore({ db, schema: crmSchema });
    await brokenReaders(store);
    await store.close();
    const instance = await DuckDBInstance.create(db);
    const con = await instance.connect();
    await con.run("DROP TABLE segql_refresh_log");
    con.closeSync();
    instance.closeSync();
    store = await openStore({ db });
    try {
      const since = (await store.changes({ include: ["refresh"] })).next;
      await store.refresh();
      expect(brief((await store.changes({ since, include: ["refresh"] })).items)).toEqual([
        [2, "refresh-failed", "invalid-expression"],
        [3, "refresh-failed", "invalid-expression"],
      ]);
    } finally {
      await store.close();
    }
  });

  it("opens (PostgreSQL), gains the table, and logs refresh-status changes from then on", async () => {
    const pg = (await createPglite()) as unknown as { exec(sql: string): Promise<unknown>; close(): Promise<void> };
    try {
      let store = await openStore({ pglite: pg as never, schema: crmSchema });
      await brokenReaders(store);
      await store.close();
      await pg.exec("DROP TABLE segql_refresh_log");
      store = await openStore({ pglite: pg as never });
      const since = (await store.changes({ include: ["refresh"] })).next;
      await store.refresh({ ids: [2] });
      expect(brief((await store.changes({ since, include: ["refresh"] })).items)).toEqual([
        [2, "refresh-failed", "invalid-expression"],
        [3, "refresh-failed", "invalid-expression"],
      ]);
      await store.close();
    } finally {
      await pg.close();
    }
  });
});
