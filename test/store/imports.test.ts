/**
 * Imports from files: CSV, JSONL and Parquet; bad rows reported by file, line and field; by default
 * nothing is imported when a row is bad, with skipBad the good rows are; the import refreshes segments.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { CancelledError, InvalidInputError, type Store } from "../../src/store/index.js";
import { BACKENDS, openTestStore, type TestStore, rejection } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "segql-import-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

const CONTACTS_CSV = file(
  "contacts.csv",
  [
    "id,name,plan,ltv,active,tags,signed_up_at",
    'a,"Ann, the first",Pro,1200,true,vip;beta,2025-01-01T10:00:00Z',
    'b,"Bob ""B""",Free,,no,,',
    'c,"multi',
    'line",Team,lots,yes,[],2025-02-01', // line 4: the record started on line 4, the bad value is ltv
    "d,Di,Gold,5,true,,", // line 6: plan not in the enum
    "e,Ed,Pro,7,maybe,,", // line 7: active not a boolean
  ].join("\n") + "\n",
);


for (const backend of BACKENDS) {
  describe(`imports on ${backend}`, { timeout: 60_000 }, () => {
    const open: TestStore[] = [];
    const fresh = async (): Promise<Store> => {
      const t = await openTestStore(backend);
      open.push(t);
      return t.store;
    };
    afterEach(async () => {
      for (const t of open.splice(0)) await t.dispose();
    });

    it("a cancelled import rolls its rows back, whenever it is cancelled before they are committed", async () => {
      const store = await fresh();
      const big = file(`many-${backend}.csv`, `id,ltv\n${Array.from({ length: 12_000 }, (_, i) => `k${i},${i}`).join("\n")}\n`);
      await store.upsertContacts([{ id: "kept", ltv: 1 }]);
      // After the first batch of rows is written (progress is reported after each batch).
      const midway = new AbortController();
      const seen: number[] = [];
      const e = await rejection(store.importContacts(big, { signal: midway.signal, onProgress: (done) => (seen.push(done), done >= 5000 && midway.abort()) }));
      expect(e).toBeInstanceOf(CancelledError);
      expect(e.message).toBe(`the import of ${big} was cancelled; nothing was written`);
      expect(seen[0]).toBe(5000);
      expect((await store.stats()).contacts).toBe(1);
      // Before it starts.
      const before = new AbortController();
      before.abort();
      expect(await rejection(store.importContacts(big, { signal: before.signal }))).toBeInstanceOf(CancelledError);
      // Not cancelled: everything, and onRefreshing once the rows are in.
      let refreshing = 0;
      const report = await store.importContacts(big, { signal: new AbortController().signal, onRefreshing: () => refreshing++ });
      expect(report).toMatchObject({ rows: 12_000, inserted: 12_000 });
      expect((await store.stats()).contacts).toBe(12_001);
      expect(refreshing).toBe(1);
    });

    it("a bad row stops a CSV import: every bad row by file, line and field, nothing imported", async () => {
      const store = await fresh();
      const e = await rejection(store.importContacts(CONTACTS_CSV));
      expect(e).toBeInstanceOf(InvalidInputError);
      const problems = (e as InvalidInputError).problems.map((p) => `${p.line} ${p.field}: ${p.message}`);
      expect(problems).toEqual([
        '4 ltv: expected a number, found "lots"',
        '6 plan: expected one of "Free", "Pro", "Team", found "Gold"',
        '7 active: expected true or false, found "maybe"',
      ]);
      expect((e as InvalidInputError).problems[0]!.path).toBe(`${CONTACTS_CSV}:4`);
      expect((await store.stats()).contacts).toBe(0);
    });

    it("with skipBad the good rows are imported (CSV text converted by type) and the bad ones reported", async () => {
      const store = await fresh();
      const seg = await store.createSegment({ name: "Pros", kind: "dynamic", expression: 'plan = "Pro"' });
      const report = await store.importContacts(CONTACTS_CSV, { skipBad: true });
      expect(report).toMatchObject({ rows: 5, inserted: 2, updated: 0, badCount: 3 });
      expect(report.refreshed.map((r) => [r.segmentId, r.entered])).toEqual([[seg.id, 1]]);
      expect((await store.getContact("a")).values).toMatchObject({ name: "Ann, the first", ltv: 1200, active: true, tags: ["vip", "beta"], signed_up_at: "2025-01-01T10:00:00.000Z" });
      expect((await store.getContact("b")).values).toMatchObject({ name: 'Bob "B"', ltv: null, active: false, tags: null });
      // Importing again writes by key: the same values are unchanged, not updated.
      const again = await store.importContacts(CONTACTS_CSV, { skipBad: true });
      expect([again.inserted, again.updated, again.unchanged]).toEqual([0, 0, 2]);
    });

    it("events from JSONL: unknown contacts and bad values are bad rows; properties checked by type", async () => {
      const store = await fresh();
      await store.upsertContacts([{ id: "a" }, { id: "b" }]);
      const buyers = await store.createSegment({ name: "Buyers", kind: "dynamic", expression: 'performed "Purchase" with sum of amount >= 10' });
      const events = file(
        "events.jsonl",
        [
          '{"contact_id":"a","event":"Purchase","occurred_at":"2026-01-01T10:00:00Z","properties":{"amount":"12.5","sku":"X"}}',
          "",
          '{"contact_id":"ghost","event":"Purchase","occurred_at":"2026-01-01T10:00:00Z"}',
          '{"contact_id":"b","event":"Purchase","occurred_at":"yesterday"}',
          '{"contact_id":"b","event":"Purchase","occurred_at":"2026-01-02T00:00:00Z","properties":{"amount":true}}',
          "[1,2]",
        ].join("\n"),
      );
      const e = await rejection(store.importEvents(events));
      expect((e as InvalidInputError).problems.map((p) => `${p.line} ${p.field ?? "-"}`)).toEqual(["3 contact_id", "4 occurred_at", "5 properties.amount", "6 -"]);
      expect((await store.stats()).events).toBe(0);
      const report = await store.importEvents(events, { skipBad: true });
      expect([report.inserted, report.badCount]).toEqual([1, 4]);
      expect((await store.members(buyers.id)).items.map((c) => c["id"])).toEqual(["a"]);
      expect((await store.getContact("a")).recentEvents[0]).toMatchObject({ properties: { amount: 12.5, sku: "X" } });
    });

    it("Parquet through DuckDB's reader: typed values, bad rows numbered", async () => {
      const store = await fresh();
      const path = join(dir, `contacts-${backend}.parquet`);
      const instance = await DuckDBInstance.create(":memory:");
      const con = await instance.connect();
      await con.run(
        `COPY (SELECT * FROM (VALUES ('p1', 'Pro', 10.5, TIMESTAMPTZ '2025-03-01 10:00:00+00', ['x', 'y']), ('p2', 'Nope', 3, NULL, []), ('p3', NULL, NULL, NULL, NULL))
               AS t(id, plan, ltv, signed_up_at, tags)) TO '${path.replace(/'/g, "''")}' (FORMAT parquet)`,
      );
      con.closeSync();
      instance.closeSync();
      const e = await rejection(store.importContacts(path));
      expect((e as InvalidInputError).problems.map((p) => [p.line, p.field, p.message])).toEqual([[2, "plan", 'row 2: expected one of "Free", "Pro", "Team", found "Nope"']]);
      const report = await store.importContacts(path, { skipBad: true });
      expect(report.inserted).toBe(2);
      expect((await store.getContact("p1")).values).toMatchObject({ plan: "Pro", ltv: 10.5, signed_up_at: "2025-03-01T10:00:00.000Z", tags: ["x", "y"] });
    });

    it("a missing file, an unknown extension or an unreadable file are clear errors", async () => {
      const store = await fresh();
      expect((await rejection(store.importContacts(join(dir, "nope.csv")))).message).toContain("file not found");
      expect((await rejection(store.importContacts(file("x.txt", "id\na\n")))).message).toContain("cannot tell the format");
      const broken = await rejection(store.importContacts(file("broken.jsonl", '{"id":"a"}\n{"id":\n')));
      expect((broken as InvalidInputError).problems[0]).toMatchObject({ line: 2 });
      expect((await rejection(store.importContacts(file("nokey.csv", "name\nx\n")))).message).toContain('no column "id"');
    });
  });
}
