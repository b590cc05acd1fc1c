/**
 * The refresh scheduler: a run refreshes the segments with relative times (and their readers) against
 * the store's clock, reports what it did, shares one run between overlapping calls, and stops cleanly.
 */
import { describe, expect, it } from "vitest";
import { startRefreshScheduler, type RefreshResult } from "../../src/store/index.js";
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
