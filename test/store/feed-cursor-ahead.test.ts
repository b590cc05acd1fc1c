/**
 * A change-feed cursor past the feed's newest change (`changes({ since })`) is refused with
 * CursorAheadError, saying the newest number and where to read again from: such a cursor comes from
 * another database (a restore from a backup) and reading on from it would skip every change up to it.
 * A cursor at the newest change is the ordinary long poll and still waits; a change committed after the
 * store last read the newest number (by this store or by another process) never makes a valid cursor look
 * ahead. DuckDB (with and without the write-back path) and PGlite.
 */
import { afterEach, describe, expect, it } from "vitest";
import { CursorAheadError, openStore, type Store } from "../../src/store/index.js";
import { BACKENDS, createPglite, crmSchema, openTestStore, type TestStore } from "./helpers.js";

const VARIANTS = [...BACKENDS.map((backend) => ({ backend, writeBack: true })), { backend: "duckdb" as const, writeBack: false }];

/** Resolves once `store` has `n` `changes` calls waiting. */
async function waiters(store: Store, n: number): Promise<void> {
  while (store.changeWaiters !== n) await new Promise((resolve) => setImmediate(resolve));
}

/** The error `promise` rejects with (fails the test when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (page) => expect.fail(`expected a refusal, got ${JSON.stringify(page)}`),
    (e: unknown) => e,
  );
}

describe.each(VARIANTS)("a change-feed cursor past the newest change ($backend, write-back $writeBack)", ({ backend, writeBack }) => {
  let t: TestStore | null = null;
  afterEach(async () => {
    await t?.dispose();
    t = null;
  });

  async function open(): Promise<{ store: Store; pro: number; last: number }> {
    t = await openTestStore(backend, { writeBack });
    const store = t.store;
    const pro = (await store.createSegment({ name: "Pro", kind: "dynamic", expression: 'plan = "Pro"' })).id;
    await store.upsertContacts([{ id: "a", plan: "Pro" }]);
    const last = (await store.changes()).next;
    expect(last).toBeGreaterThan(0);
    return { store, pro, last };
  }

  it("is refused, saying the newest sequence number and to read again from it or from 0", async () => {
    const { store, pro, last } = await open();
    for (const options of [{ since: last + 1 }, { since: last + 5000, segmentId: pro }, { since: last + 1, waitMs: 60_000 }]) {
      const e = await rejection(store.changes(options));
      expect(e).toBeInstanceOf(CursorAheadError);
      expect(e).toMatchObject({ code: "cursor-ahead", since: options.since, lastSeq: last });
      expect((e as Error).message).toBe(
        `since ${options.since} is past the change feed's newest change (seq ${last}): the cursor is not from this database (restored from a backup, or made again?); ` +
          `read again from ${last} to follow new changes only, or from 0 to read every change`,
      );
    }
    expect(store.changeWaiters).toBe(0);
  });

  it("is refused on an empty feed, which says so", async () => {
    t = await openTestStore(backend, { writeBack });
    expect(await t.store.changes({ since: 0 })).toEqual({ items: [], next: 0 });
    const e = await rejection(t.store.changes({ since: 7 }));
    expect(e).toMatchObject({ lastSeq: 0 });
    expect((e as Error).message).toMatch(/^since 7 is past the change feed's newest change \(the feed is empty\)/);
  });

  it("at the newest change is fine: an empty page, and a wait answered by the next change", async () => {
    const { store, pro, last } = await open();
    expect(await store.changes({ since: last })).toEqual({ items: [], next: last });
    const waiting = store.changes({ since: last, segmentId: pro, waitMs: 60_000 });
    await waiters(store, 1);
    await store.upsertContacts([{ id: "b", plan: "Pro" }]);
    expect((await waiting).items.map((c) => c.key)).toEqual(["b"]);
  });

  it("is not refused for a change committed after the store last read the newest number", async () => {
    const { store, pro, last } = await open();
    // The store has read the newest number (`last`); writes on the ordinary path (a segment edit, a refresh)
    // and the write-back path (an upsert) log later changes without it being read again.
    expect(await store.changes({ since: last })).toEqual({ items: [], next: last });
    await store.updateSegment(pro, { expression: 'plan = "Team"' });
    const exit = (await store.changes({ since: last })).next;
    expect(exit).toBeGreaterThan(last);
    await store.updateSegment(pro, { expression: 'plan = "Pro"' });
    await store.upsertContacts([{ id: "c", plan: "Pro" }]);
    const page = await store.changes({ since: exit });
    expect(page.items.map((c) => [c.key, c.change])).toEqual([["a", "entered"], ["c", "entered"]]);
    expect(await store.changes({ since: page.next })).toEqual({ items: [], next: page.next });
  });
});

describe("a change-feed cursor from another process on the same PostgreSQL database", () => {
  it("is not refused though this store has not read the newest number since that process's commit", async () => {
    const pg = (await createPglite()) as unknown as { close(): Promise<void> };
    const options = { pglite: pg, pgSchema: "segql_cursor_shared", schema: crmSchema };
    const reading = await openStore(options);
    const writing = await openStore(options);
    try {
      const pro = (await writing.createSegment({ name: "Pro", kind: "dynamic", expression: 'plan = "Pro"' })).id;
      await writing.upsertContacts([{ id: "a", plan: "Pro" }]);
      const first = (await reading.changes({ since: 0 })).next;
      expect(await reading.changes({ since: first })).toEqual({ items: [], next: first }); // reads the newest number
      // The other process commits a change; its seq reaches a consumer of this store (a cursor from a page
      // the other server gave out) before this store has any reason to read the newest number again.
      await writing.upsertContacts([{ id: "b", plan: "Pro" }]);
      const theirs = (await writing.changes({ since: first, segmentId: pro })).next;
      expect(theirs).toBeGreaterThan(first);
      expect(await reading.changes({ since: theirs })).toEqual({ items: [], next: theirs });
      await expect(reading.changes({ since: theirs + 1 })).rejects.toBeInstanceOf(CursorAheadError);
    } finally {
      await writing.close();
      await reading.close();
      await pg.close();
    }
  });
});
