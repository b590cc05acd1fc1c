/**
 * A restore, like a create, refreshes the segments reading the restored one after its own write has
 * committed, each in a transaction of its own under the query time limit: a reader that runs past the limit
 * keeps its members and records why (`refresh` failed, `query-timeout`), and the restore stands. Before, the
 * readers were refreshed inside the restore's write, and a slow one refused the whole restore.
 * DuckDB, and the PostgreSQL server with PG_URL; PGlite runs a statement to its end (no timer interrupts
 * WebAssembly, test/store/bounds.test.ts), so there only the readers' refresh after the restore is checked.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type Store } from "../../src/store/index.js";
import { BACKENDS, manualClock, openTestStore } from "./helpers.js";
import { openSeeded } from "./seeded-store.js";
import { wideContains, wideOr } from "./wide-or.js";

const dir = mkdtempSync(join(tmpdir(), "segql-restore-slow-reader-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** As test/store/refresh-status.test.ts: contacts enough for the wide condition to run well past 250 ms. */
const MANY: Record<"duckdb" | "postgres-server", number> = { duckdb: 3000, "postgres-server": 30_000 };

describe.each(BACKENDS.filter((b): b is "duckdb" | "postgres-server" => b !== "pglite"))("a restore whose reader runs past the time limit on %s", (backend) => {
  it("is restored; the reader keeps its members and is failed with query-timeout; a fast reader is refreshed", async () => {
    const contacts = Array.from({ length: MANY[backend] }, (_, i) => ({ id: `c${i}`, name: `n${i}`, ltv: i % 700 }));
    const wide = backend === "duckdb" ? wideOr(1000) : wideContains(1000);
    const { store, dispose } = await openSeeded(backend, dir, 250, async (s) => {
      for (let i = 0; i < contacts.length; i += 10_000) await s.upsertContacts(contacts.slice(i, i + 10_000));
      await s.createSegment({ name: "Rich", kind: "dynamic", expression: "ltv > 600" });
      await s.createSegment({ name: "Wide rich", kind: "dynamic", expression: `in segment "Rich" and (${wide})` });
      await s.createSegment({ name: "Very rich", kind: "dynamic", expression: 'in segment "Rich" and ltv > 650' });
      await s.deleteSegment(1, { force: true });
    });
    try {
      const slowBefore = await store.getSegment(2);
      const restored = await store.restoreSegment(1, { by: "ann" });
      expect({ name: restored.name, version: restored.version }).toEqual({ name: "Rich", version: 3 });
      expect(restored.referencedBy.map((s) => s.name).sort()).toEqual(["Very rich", "Wide rich"]);
      expect((await store.listDeletedSegments()).items).toEqual([]);

      const slow = await store.getSegment(2);
      expect(slow.refresh).toMatchObject({ status: "failed", error: { code: "query-timeout", message: "it took longer than the query time limit (250 ms) and was stopped", limitMs: 250 } });
      expect({ memberCount: slow.memberCount, refreshedAt: slow.refreshedAt }).toEqual({ memberCount: slowBefore.memberCount, refreshedAt: slowBefore.refreshedAt });
      const fast = await store.getSegment(3);
      expect(fast.refresh?.status).toBe("ok");
      expect(fast.memberCount).toBe(contacts.filter((c) => c.ltv > 650).length);
      expect((await store.listSegments({ refresh: "failed" })).items.map((s) => s.name)).toEqual(["Wide rich"]);
    } finally {
      await dispose();
    }
  });
});

const T0 = Date.parse("2026-03-02T09:00:00Z");

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

describe.each(BACKENDS)("a restore's readers on %s", (backend) => {
  it("are refreshed after it, and those reading them, each logged in the feed as ok again", async () => {
    const clock = manualClock(T0);
    const t = await openTestStore(backend, { clock: clock.now });
    try {
      const { store } = t;
      await brokenReaders(store);
      clock.advance(60_000);
      await store.refresh();
      const since = (await store.changes({ include: ["refresh"] })).next;
      clock.advance(60_000);
      const restored = await store.restoreSegment(1);
      // The segment returned is read after its readers' refresh.
      expect(restored.referencedBy.map((s) => s.name)).toEqual(["Whales"]);
      for (const id of [2, 3]) expect((await store.getSegment(id)).refresh).toEqual({ status: "ok", triedAt: new Date(T0 + 120_000).toISOString() });
      const items = (await store.changes({ since, include: ["refresh"] })).items.filter((i) => !("key" in i));
      expect(items.map((i) => [i.segmentId, i.change])).toEqual([
        [2, "refresh-ok"],
        [3, "refresh-ok"],
      ]);
    } finally {
      await t.dispose();
    }
  });
});
