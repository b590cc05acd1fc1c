/**
 * PostgreSQL's planner statistics after a bulk membership change: the store analyses the member table
 * itself when a change is a good part of it (a new segment of thousands of members), so the next refresh
 * is not planned for a near-empty table (bench/segments measured such a refresh 3x slower, a nested loop
 * on a one-row estimate, until autovacuum caught up). Small changes leave it to autovacuum.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SqlAdapter } from "../../src/store/adapter.js";
import { BACKENDS, openTestStore, type TestStore } from "./helpers.js";

const POSTGRES = BACKENDS.filter((b) => b !== "duckdb");

describe.each(POSTGRES)("planner statistics of the member tables on %s", (backend) => {
  let s: TestStore;
  beforeEach(async () => {
    s = await openTestStore(backend);
  });
  afterEach(() => s.dispose());

  const counted = async (table: string) => {
    const db = (s.store as unknown as { ctx: { adapter: SqlAdapter } }).ctx.adapter;
    const rows = await db.read((tx) => tx.query("SELECT reltuples FROM pg_class WHERE oid = to_regclass($1)", [table]));
    return Number(rows[0]!["reltuples"]);
  };

  it("a new dynamic segment of thousands of members is analysed at once; a small change is not", async () => {
    await s.store.upsertContacts(Array.from({ length: 6000 }, (_, i) => ({ id: `k${i}`, ltv: i })));
    const before = await counted("segql_memberships");
    expect(before).toBeLessThanOrEqual(0);
    await s.store.createSegment({ name: "Most", kind: "dynamic", expression: "ltv >= 100" });
    expect(await counted("segql_memberships")).toBe(5900);
    await s.store.createSegment({ name: "Few", kind: "dynamic", expression: "ltv < 10" });
    expect(await counted("segql_memberships")).toBe(5900);
  });

  it("a static list of thousands of keys likewise", async () => {
    await s.store.upsertContacts(Array.from({ length: 5500 }, (_, i) => ({ id: `k${i}` })));
    await s.store.createSegment({ name: "Picked", kind: "static", members: Array.from({ length: 5500 }, (_, i) => `k${i}`) });
    expect(await counted("segql_static_members")).toBe(5500);
  });
});
