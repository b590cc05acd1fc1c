/**
 * A saved segment remembers its last refresh attempt: a refresh that cannot run (its expression has errors:
 * it reads a segment deleted with `force`) or that runs past the query time limit leaves the members and
 * `refreshedAt` as they were and records, with the segment, when it was tried and why it failed
 * (`Segment.refresh`); the segments list filters on it (`refresh: "failed"`); the next successful refresh
 * clears it. Every refresh records it: by hand, the scheduler's, the import's. A store made before the
 * columns opens, gains them, and keeps working.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { openStore, startRefreshScheduler, type Store } from "../../src/store/index.js";
import { BACKENDS, createPglite, crmSchema, manualClock, openTestStore, type TestStore } from "./helpers.js";
import { openSeeded } from "./seeded-store.js";
import { wideContains, wideOr } from "./wide-or.js";

const dir = mkdtempSync(join(tmpdir(), "segql-refresh-status-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const T0 = Date.parse("2026-03-02T09:00:00Z");
const at = (ms: number) => new Date(ms).toISOString();

/** "Pro" and "Whales" (reading it) over a few contacts; "Pro" then deleted with force: "Whales" cannot refresh. */
async function brokenReader(store: Store): Promise<void> {
  await store.upsertContacts([
    { id: "a", plan: "Pro", ltv: 500 },
    { id: "b", plan: "Pro", ltv: 5 },
    { id: "c", plan: "Free", ltv: 900 },
  ]);
  await store.createSegment({ name: "Pro", kind: "dynamic", expression: 'plan = "Pro"' }, { by: "ann" });
  await store.createSegment({ name: "Whales", kind: "dynamic", expression: 'in segment "Pro" and ltv > 100' }, { by: "ann" });
  await store.deleteSegment(1, { force: true, by: "ann" });
}

describe.each(BACKENDS)("a saved segment's last refresh on %s", (backend) => {
  let t: TestStore | null = null;
  afterEach(async () => {
    await t?.dispose();
    t = null;
  });

  it("a refresh that cannot run is recorded with the segment (when and why), listed as failed, and cleared by the next one that succeeds", async () => {
    const clock = manualClock(T0);
    t = await openTestStore(backend, { clock: clock.now });
    const { store } = t;
    await brokenReader(store);
    // Refreshed once, when created: nothing failed yet.
    expect((await store.getSegment(2)).refresh).toEqual({ status: "ok", triedAt: at(T0) });
    expect((await store.listSegments({ refresh: "failed" })).items).toEqual([]);

    clock.advance(60_000);
    const [result] = await store.refresh({ by: "ann" });
    expect(result).toMatchObject({ name: "Whales", skipped: 'its expression has errors: unknown segment "Pro"' });
    const stale = await store.getSegment(2);
    expect(stale.refresh).toEqual({ status: "failed", triedAt: at(T0 + 60_000), error: { code: "invalid-expression", message: 'its expression has errors: unknown segment "Pro"' } });
    // Its members are as the last refresh that ran left them, and it says since when.
    expect({ memberCount: stale.memberCount, refreshedAt: stale.refreshedAt }).toEqual({ memberCount: 1, refreshedAt: at(T0) });
    expect((await store.listSegments({ refresh: "failed" })).items.map((s) => s.name)).toEqual(["Whales"]);
    expect((await store.listSegments()).items.map((s) => [s.name, s.refresh?.status])).toEqual([["Whales", "failed"]]);

    // The segment it reads comes back: the restore refreshes it, and the failure is gone.
    clock.advance(60_000);
    await store.restoreSegment(1, { by: "ann" });
    const fresh = await store.getSegment(2);
    expect(fresh.refresh).toEqual({ status: "ok", triedAt: at(T0 + 120_000) });
    expect(fresh.refreshedAt).toBe(at(T0 + 120_000));
    expect((await store.listSegments({ refresh: "failed" })).items).toEqual([]);
  });

  it("the scheduler's and an import's refreshes record it too; a static segment has none", async () => {
    const clock = manualClock(T0);
    t = await openTestStore(backend, { clock: clock.now });
    const { store } = t;
    await store.upsertContacts([{ id: "a", plan: "Pro", signed_up_at: at(T0 - 86_400_000) }]);
    await store.createSegment({ name: "Pro", kind: "dynamic", expression: 'plan = "Pro"' });
    await store.createSegment({ name: "New pros", kind: "dynamic", expression: 'in segment "Pro" and signed_up_at within last 30 days' });
    await store.createSegment({ name: "Picked", kind: "static", members: ["a"] });
    await store.deleteSegment(1, { force: true });

    clock.advance(5 * 60_000);
    const scheduler = startRefreshScheduler(store, { everyMs: 3_600_000 });
    try {
      const results = await scheduler.runNow();
      expect(results.map((r) => r.name)).toEqual(["New pros"]);
    } finally {
      await scheduler.stop();
    }
    expect((await store.getSegment(2)).refresh).toMatchObject({ status: "failed", triedAt: at(T0 + 5 * 60_000), error: { code: "invalid-expression" } });

    clock.advance(5 * 60_000);
    const file = join(dir, `contacts-${backend}.csv`);
    writeFileSync(file, "id,plan\nb,Pro\n");
    await store.importContacts(file, { by: "ann" });
    expect((await store.getSegment(2)).refresh).toMatchObject({ status: "failed", triedAt: at(T0 + 10 * 60_000) });
    expect((await store.getSegment(3)).refresh).toBeNull();
    // Made static: no refresh, nothing stale.
    await store.convertToStatic(2);
    expect((await store.getSegment(2)).refresh).toBeNull();
    expect((await store.listSegments({ refresh: "failed" })).items).toEqual([]);
  });
});

/** As test/store/bounds.test.ts: contacts enough for the wide condition to run well past 250 ms. */
const MANY: Record<"duckdb" | "postgres-server", number> = { duckdb: 3000, "postgres-server": 30_000 };

describe.each(BACKENDS.filter((b): b is "duckdb" | "postgres-server" => b !== "pglite"))("a refresh past the query time limit on %s", (backend) => {
  it("is recorded as failed with the limit, the members and refreshedAt as they were", async () => {
    const contacts = Array.from({ length: MANY[backend] }, (_, i) => ({ id: `c${i}`, name: `n${i}`, ltv: i % 700 }));
    const { store, dispose } = await openSeeded(backend, dir, 250, async (s) => {
      for (let i = 0; i < contacts.length; i += 10_000) await s.upsertContacts(contacts.slice(i, i + 10_000));
      await s.createSegment({ name: "Rich", kind: "dynamic", expression: "ltv > 600" });
      await s.createSegment({ name: "Wide", kind: "dynamic", expression: backend === "duckdb" ? wideOr(1000) : wideContains(1000) });
    });
    try {
      const before = await store.getSegment(2);
      expect(before.refresh).toEqual({ status: "ok", triedAt: before.refreshedAt });
      const started = Date.now();
      await store.refresh();
      const after = await store.getSegment(2);
      expect(after.refresh).toMatchObject({ status: "failed", error: { code: "query-timeout", message: "it took longer than the query time limit (250 ms) and was stopped", limitMs: 250 } });
      expect(Date.parse(after.refresh!.triedAt)).toBeGreaterThanOrEqual(started);
      expect({ memberCount: after.memberCount, refreshedAt: after.refreshedAt }).toEqual({ memberCount: before.memberCount, refreshedAt: before.refreshedAt });
      expect((await store.getSegment(1)).refresh?.status).toBe("ok");
      expect((await store.listSegments({ refresh: "failed" })).items.map((s) => s.name)).toEqual(["Wide"]);
    } finally {
      await dispose();
    }
  });
});

describe("a store made before the refresh status", () => {
  const COLUMNS = ["refresh_failed_at", "refresh_error"];

  it("opens (DuckDB), gains the columns, reads its segments as refreshed, and records failures from then on", async () => {
    const db = join(dir, "older.duckdb");
    let store = await openStore({ db, schema: crmSchema });
    await brokenReader(store);
    await store.close();
    const instance = await DuckDBInstance.create(db);
    const con = await instance.connect();
    for (const c of COLUMNS) await con.run(`ALTER TABLE segql_segments DROP COLUMN ${c}`);
    con.closeSync();
    instance.closeSync();
    store = await openStore({ db });
    try {
      const older = await store.getSegment(2);
      expect(older.refresh).toEqual({ status: "ok", triedAt: older.refreshedAt });
      await store.refresh();
      expect((await store.getSegment(2)).refresh).toMatchObject({ status: "failed", error: { code: "invalid-expression" } });
    } finally {
      await store.close();
    }
    // An older segql's successful refresh sets refreshed_at and knows nothing of the failure's columns:
    // its refresh, newer than the failure, still counts.
    const again = await DuckDBInstance.create(db);
    const raw = await again.connect();
    await raw.run("UPDATE segql_segments SET refreshed_at = refresh_failed_at + 1 WHERE id = 2");
    raw.closeSync();
    again.closeSync();
    store = await openStore({ db });
    try {
      const s = await store.getSegment(2);
      expect(s.refresh).toEqual({ status: "ok", triedAt: s.refreshedAt });
    } finally {
      await store.close();
    }
  });

  it("opens (PostgreSQL), gains the columns, and records failures from then on", async () => {
    const pg = (await createPglite()) as unknown as { exec(sql: string): Promise<unknown>; close(): Promise<void> };
    try {
      let store = await openStore({ pglite: pg as never, schema: crmSchema });
      await brokenReader(store);
      await store.close();
      await pg.exec(`ALTER TABLE segql_segments ${COLUMNS.map((c) => `DROP COLUMN ${c}`).join(", ")}`);
      store = await openStore({ pglite: pg as never });
      expect((await store.getSegment(2)).refresh?.status).toBe("ok");
      await store.refresh();
      expect((await store.listSegments({ refresh: "failed" })).items.map((s) => s.name)).toEqual(["Whales"]);
      await store.close();
    } finally {
      await pg.close();
    }
  });
});
