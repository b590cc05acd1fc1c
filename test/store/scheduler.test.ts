/**
 * The refresh scheduler: a run refreshes the segments with relative times (and their readers) against
 * the store's clock, reports what it did, shares one run between overlapping calls, and stops cleanly.
 * The trash's expiry: purges what was deleted longer ago than it keeps, at once and on each run.
 */
import { describe, expect, it } from "vitest";
import { startRefreshScheduler, startTrashExpiry, type DeletedSegment, type RefreshResult } from "../../src/store/index.js";
import { manualClock, openTestStore } from "./helpers.js";

describe("startRefreshScheduler", () => {
  it("refreshes relative-time segments and their readers, not the others", async () => {
    const clock = manualClock(Date.parse("2025-06-03T00:00:00Z"));
    const { store, dispose } = await openTestStore("duckdb", { clock: clock.now });
    try {
      await store.upsertContacts([{ id: "a", signed_up_at: "2025-06-01T00:00:00Z", ltv: 5 }, { id: "b", signed_up_at: "2025-01-01T00:00:00Z" }]);
      const recent = await store.createSegment({ name: "Recent", kind: "dynamic", expression: "signed_up_at within last 7 days" });
      const reader = await store.createSegment({ name: "Recent with LTV", kind: "dynamic", expression: 'in segment "Recent" and ltv > 1' });
      await store.createSegment({ name: "Fixed", kind: "dynamic", expression: "ltv > 1" });
      const seen: RefreshResult[][] = [];
      const scheduler = startRefreshScheduler(store, { everyMs: 3_600_000, onRefresh: (r) => seen.push(r) });
      clock.advance(10 * 86_400_000);
      const [first, second] = await Promise.all([scheduler.runNow(), scheduler.runNow()]);
      expect(first).toBe(second);
      expect(first!.map((r) => [r.segmentId, r.exited])).toEqual([
        [recent.id, 1],
        [reader.id, 1],
      ]);
      expect(seen).toHaveLength(1);
      await scheduler.stop();
      expect((await store.getSegment(reader.id)).memberCount).toBe(0);
    } finally {
      await dispose();
    }
  });
});

describe("startTrashExpiry", () => {
  it("purges at once what expired while nothing ran, then what expires as the clock moves; keeps the rest", async () => {
    const day = 86_400_000;
    const clock = manualClock(Date.parse("2025-06-03T00:00:00Z"));
    const { store, dispose } = await openTestStore("duckdb", { clock: clock.now });
    try {
      const ids: number[] = [];
      for (const name of ["Oldest", "Middle", "Newest"]) {
        const s = await store.createSegment({ name, kind: "static" });
        await store.deleteSegment(s.id);
        ids.push(s.id);
        clock.advance(10 * day);
      }
      // Deleted 30, 20 and 10 days ago; kept for 25 days.
      const purged: DeletedSegment[][] = [];
      const expiry = startTrashExpiry(store, { keepMs: 25 * day, everyMs: 3_600_000, onPurge: (p) => purged.push(p) });
      const trashNames = async () => (await store.listDeletedSegments()).items.map((d) => d.name);
      await expect.poll(trashNames).toEqual(["Newest", "Middle"]);
      expect(purged.map((p) => p.map((d) => d.id))).toEqual([[ids[0]]]);
      expect(await expiry.runNow()).toEqual([]);
      clock.advance(10 * day);
      const [a, b] = await Promise.all([expiry.runNow(), expiry.runNow()]);
      expect(a).toBe(b);
      expect(a!.map((d) => d.name)).toEqual(["Middle"]);
      expect(await trashNames()).toEqual(["Newest"]);
      // A purge with nothing to purge says nothing.
      expect(purged).toHaveLength(2);
      await expiry.stop();
    } finally {
      await dispose();
    }
  });
});
