/**
 * Waiting on the change feed (`changes({ waitMs })`, change-watch.ts): a waiting call answers with the
 * change a later write commits, answers an empty page when its time is up, stops when its signal aborts
 * or the store closes, and is not woken with an empty page by writes that log no change of what it
 * follows (it reads and waits again). DuckDB (with and without the write-back path) and PGlite (and the
 * PostgreSQL server with PG_URL). On PostgreSQL a wait also sees another process's commits, which tell it
 * nothing: two stores on one PGlite database stand for two servers.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ChangeWatch } from "../../src/store/change-watch.js";
import type { Store } from "../../src/store/index.js";
import { openStore } from "../../src/store/index.js";
import { BACKENDS, createPglite, crmSchema, openTestStore, type TestStore } from "./helpers.js";

const LONG = 60_000;

/** Resolves once `store` has `n` `changes` calls waiting (checked on each turn of the event loop). */
async function waiters(store: Store, n: number): Promise<void> {
  while (store.changeWaiters !== n) await new Promise((resolve) => setImmediate(resolve));
}

const VARIANTS = [...BACKENDS.map((backend) => ({ backend, writeBack: true })), { backend: "duckdb" as const, writeBack: false }];

describe.each(VARIANTS)("a wait on the change feed ($backend, write-back $writeBack)", ({ backend, writeBack }) => {
  let t: TestStore | null = null;
  afterEach(async () => {
    await t?.dispose();
    t = null;
  });

  async function open(): Promise<{ store: Store; pro: number; team: number; since: number }> {
    t = await openTestStore(backend, { writeBack });
    const store = t.store;
    const pro = (await store.createSegment({ name: "Pro", kind: "dynamic", expression: 'plan = "Pro"' })).id;
    const team = (await store.createSegment({ name: "Team", kind: "dynamic", expression: 'plan = "Team"' })).id;
    await store.upsertContacts([{ id: "old", plan: "Pro" }]);
    const since = (await store.changes()).next;
    return { store, pro, team, since };
  }

  it("answers with the change a write commits while it waits", async () => {
    const { store, pro, since } = await open();
    const waiting = store.changes({ since, waitMs: LONG });
    await waiters(store, 1);
    await store.upsertContacts([{ id: "new", plan: "Pro" }]);
    const page = await waiting;
    expect(page.items.map((c) => [c.segmentId, c.key, c.change])).toEqual([[pro, "new", "entered"]]);
    expect(page.next).toBe(page.items[0]!.seq);
    expect(store.changeWaiters).toBe(0);
  });

  it("answers at once when there are changes after `since` already", async () => {
    const { store } = await open();
    const page = await store.changes({ since: 0, waitMs: LONG });
    expect(page.items.map((c) => c.key)).toEqual(["old"]);
  });

  it("answers an empty page with the same `next` when its time is up", async () => {
    const { store, since } = await open();
    expect(await store.changes({ since, waitMs: 30 })).toEqual({ items: [], next: since });
    expect(store.changeWaiters).toBe(0);
  });

  it("is not answered by writes that change no membership, nor by other segments' changes when it follows one", async () => {
    const { store, pro, since } = await open();
    const all = store.changes({ since, waitMs: LONG });
    const proOnly = store.changes({ since, segmentId: pro, waitMs: LONG });
    await waiters(store, 2);
    // No segment's membership changes: both go on waiting (an early empty answer would fail below).
    await store.upsertContacts([{ id: "free", plan: "Free" }]);
    await store.createSegment({ name: "Nobody", kind: "dynamic", expression: "ltv > 1000000" });
    // Another segment's change answers the unfiltered wait only.
    await store.upsertContacts([{ id: "t", plan: "Team" }]);
    expect((await all).items.map((c) => c.key)).toEqual(["t"]);
    await waiters(store, 1);
    await store.appendEvents([{ contact_id: "free", event: "Visit", occurred_at: "2026-01-01T00:00:00Z" }]);
    await store.upsertContacts([{ id: "p", plan: "Pro" }]);
    expect((await proOnly).items.map((c) => [c.segmentId, c.key])).toEqual([[pro, "p"]]);
  });

  it("answers when a segment edit, a member edit or a delete logs changes", async () => {
    const { store, team, since } = await open();
    await store.upsertContacts([{ id: "x", plan: "Free" }]);
    const afterUpsert = (await store.changes({ since })).next;
    // A segment edit re-evaluates in the same transaction.
    let waiting = store.changes({ since: afterUpsert, segmentId: team, waitMs: LONG });
    await waiters(store, 1);
    await store.updateSegment(team, { expression: 'plan = "Free"' });
    const edit = await waiting;
    expect(edit.items.map((c) => [c.key, c.change])).toEqual([["x", "entered"]]);
    // A static segment's member edit.
    const list = await store.createSegment({ name: "List", kind: "static" });
    waiting = store.changes({ since: edit.next, segmentId: list.id, waitMs: LONG });
    await waiters(store, 1);
    await store.addMembers(list.id, ["x"]);
    expect((await waiting).items.map((c) => [c.segmentId, c.key, c.change])).toEqual([[list.id, "x", "entered"]]);
    // A delete tells the feed every member left.
    const beforeDelete = (await store.changes({ since: edit.next, limit: 10_000 })).next;
    waiting = store.changes({ since: beforeDelete, waitMs: LONG });
    await waiters(store, 1);
    await store.deleteSegment(list.id);
    expect((await waiting).items.map((c) => [c.segmentId, c.key, c.change])).toEqual([[list.id, "x", "exited"]]);
  });

  it("rejects with the signal's reason when it aborts, and stops waiting", async () => {
    const { store, since } = await open();
    const abort = new AbortController();
    const waiting = store.changes({ since, waitMs: LONG, signal: abort.signal });
    await waiters(store, 1);
    abort.abort(new Error("gone"));
    await expect(waiting).rejects.toThrow("gone");
    expect(store.changeWaiters).toBe(0);
    // An aborted signal refuses before reading.
    await expect(store.changes({ since, waitMs: LONG, signal: abort.signal })).rejects.toThrow("gone");
  });

  it("answers an empty page when the store closes", async () => {
    const { store, since } = await open();
    const waiting = store.changes({ since, waitMs: LONG });
    await waiters(store, 1);
    const closing = store.close();
    expect(await waiting).toEqual({ items: [], next: since });
    await closing;
    t = null;
  });

  it("refuses a wait that is not a number of milliseconds up to an hour, naming waitMs", async () => {
    const { store } = await open();
    await expect(store.changes({ waitMs: -1 })).rejects.toThrow(/waitMs/);
    await expect(store.changes({ waitMs: 3_600_001 })).rejects.toThrow(/waitMs/);
  });
});

describe("ChangeWatch", () => {
  it("sees another process's commits by reading the last sequence number every pollMs while someone waits", async () => {
    let last = 5;
    let reads = 0;
    const watch = new ChangeWatch(async () => {
      reads++;
      return last;
    }, 5);
    expect(await watch.lastSeq()).toBe(5);
    const waiting = watch.wait(5, LONG);
    // Nothing of this process tells it: the commit is another process's.
    last = 6;
    expect(await waiting).toBe("changed");
    // Nobody waits: no more reads.
    const after = reads;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(reads).toBe(after);
  });
});

describe("a wait on PostgreSQL shared with another process", () => {
  it("answers with a change another store on the same database commits (read every changePollMs)", async () => {
    const pg = (await createPglite()) as unknown as { close(): Promise<void> };
    const options = { pglite: pg, pgSchema: "segql_live_shared", schema: crmSchema, changePollMs: 20 };
    const waiting = await openStore(options);
    const writing = await openStore(options);
    try {
      const pro = (await writing.createSegment({ name: "Pro", kind: "dynamic", expression: 'plan = "Pro"' })).id;
      const page = waiting.changes({ since: 0, segmentId: pro, waitMs: LONG });
      await waiters(waiting, 1);
      await writing.upsertContacts([{ id: "elsewhere", plan: "Pro" }]);
      expect((await page).items.map((c) => c.key)).toEqual(["elsewhere"]);
    } finally {
      await writing.close();
      await waiting.close();
      await pg.close();
    }
  });
});
