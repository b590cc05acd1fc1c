/**
 * What a data engineer sees when a file is imported again, or comes from another database's export: contacts
 * equal to what is stored are `unchanged` (were all "updated"); events equal to stored ones are counted as
 * `duplicates` and left out with `skipDuplicates` (were appended again, unsaid); `badCount` counts rows (a
 * row with three bad values counted 3); timestamps with microseconds (PostgreSQL's and BigQuery's exports)
 * are stored cut to the millisecond and counted (were refused). On every backend.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { parseSchema } from "../../src/schema/schema.js";
import { InvalidInputError, type Store } from "../../src/store/index.js";
import { BACKENDS, openTestStore, rejection, type TestStore } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "segql-import-again-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

const CONTACTS = file("contacts.csv", "id,name,plan,ltv,active,birthday,signed_up_at,tags\na,Ann,Pro,10.5,true,1990-05-01,2024-01-01T10:00:00.250Z,vip;eu\nb,Bob,Free,,false,,,\nc,Cy,Team,3,,,,[]\n");
const CONTACTS_ONE_CHANGED = file("contacts-changed.csv", "id,name,plan,ltv,active,birthday,signed_up_at,tags\na,Ann,Pro,10.5,true,1990-05-01,2024-01-01T10:00:00.250Z,vip;eu\nb,Bob,Pro,,false,,,\nc,Cy,Team,3,,,,[]\n");
const EVENTS = [
  '{"contact_id": "a", "event": "purchase", "occurred_at": "2024-02-01T10:00:00Z", "properties": {"amount": 20, "sku": "X1"}}',
  '{"contact_id": "a", "event": "purchase", "occurred_at": "2024-02-01T10:00:00Z", "properties": {"amount": 20, "sku": "X1"}}',
  '{"contact_id": "b", "event": "login", "occurred_at": "2024-02-02T08:00:00Z"}',
].join("\n");

for (const backend of BACKENDS) {
  describe(`importing again on ${backend}`, { timeout: 60_000 }, () => {
    const open: TestStore[] = [];
    const fresh = async (): Promise<Store> => {
      const t = await openTestStore(backend);
      open.push(t);
      return t.store;
    };
    afterEach(async () => {
      for (const t of open.splice(0)) await t.dispose();
    });

    it("contacts equal to what is stored are unchanged, not updated; a changed one is updated; nothing unchanged is refreshed", async () => {
      const store = await fresh();
      expect(await store.importContacts(CONTACTS)).toMatchObject({ rows: 3, inserted: 3, updated: 0, unchanged: 0 });
      await store.createSegment({ name: "Pros", kind: "dynamic", expression: 'plan = "Pro"' });
      const again = await store.importContacts(CONTACTS);
      expect(again).toMatchObject({ rows: 3, inserted: 0, updated: 0, unchanged: 3, refreshed: [] });
      const changed = await store.importContacts(CONTACTS_ONE_CHANGED);
      expect(changed).toMatchObject({ rows: 3, inserted: 0, updated: 1, unchanged: 2 });
      expect(changed.refreshed.find((r) => r.name === "Pros")).toMatchObject({ entered: 1, exited: 0 });
      // The history says the same.
      const [last, previous] = (await store.listImports()).items;
      expect(last).toMatchObject({ inserted: 0, updated: 1 });
      expect(previous).toMatchObject({ inserted: 0, updated: 0 });
    });

    it("a contact row giving fewer fields is unchanged when those equal the stored ones (the others are kept, not compared)", async () => {
      const store = await fresh();
      await store.importContacts(CONTACTS);
      const some = file("some.jsonl", '{"id": "a", "plan": "Pro", "ltv": 10.5}\n{"id": "b", "ltv": null}\n{"id": "c", "ltv": 4}\n{"id": "d"}\n');
      expect(await store.importContacts(some)).toMatchObject({ rows: 4, inserted: 1, updated: 1, unchanged: 2 });
    });

    it("events equal to stored ones are counted as duplicates and appended; skipDuplicates leaves them out", async () => {
      const store = await fresh();
      await store.importContacts(CONTACTS);
      const events = file("events.jsonl", EVENTS);
      // Two equal events in one file are both kept: they are not stored yet.
      expect(await store.importEvents(events)).toMatchObject({ rows: 3, inserted: 3, duplicates: 0 });
      expect(await store.importEvents(events)).toMatchObject({ rows: 3, inserted: 3, duplicates: 3 });
      expect((await store.getContact("a")).eventCount).toBe(4);
      const skipped = await store.importEvents(events, { skipDuplicates: true });
      expect(skipped).toMatchObject({ rows: 3, inserted: 0, duplicates: 3, refreshed: [] });
      expect((await store.getContact("a")).eventCount).toBe(4);
      // An event differing only in a property is no duplicate.
      const other = file("other.jsonl", '{"contact_id": "a", "event": "purchase", "occurred_at": "2024-02-01T10:00:00Z", "properties": {"amount": 21, "sku": "X1"}}\n');
      expect(await store.importEvents(other, { skipDuplicates: true })).toMatchObject({ inserted: 1, duplicates: 0 });
      expect((await store.getContact("a")).eventCount).toBe(5);
    });

    it("many rows (staged, over several batches): two equal events of one file, in different batches, are both kept; a re-import finds every contact unchanged", async () => {
      const store = await fresh();
      const keys = Array.from({ length: 300 }, (_, i) => `k${i}`);
      const many = file("many.csv", `id,plan,ltv,tags\n${keys.map((k, i) => `${k},Pro,${i},a;b`).join("\n")}\n`);
      await store.importContacts(many);
      expect(await store.importContacts(many)).toMatchObject({ rows: 300, inserted: 0, updated: 0, unchanged: 300 });
      const login = (i: number) => `{"contact_id": "k${i % 300}", "event": "login", "occurred_at": "2024-03-01T00:00:00Z"}`;
      // Line 1 and line 5,002 are equal, and 5,000 rows make a batch.
      const lines = Array.from({ length: 5_001 }, (_, i) => `{"contact_id": "k${i % 300}", "event": "view", "occurred_at": "${new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString()}"}`);
      const events = file("many.jsonl", [login(0), ...lines, login(0)].join("\n"));
      expect(await store.importEvents(events)).toMatchObject({ rows: 5_003, inserted: 5_003, duplicates: 0 });
      expect(await store.importEvents(events, { skipDuplicates: true })).toMatchObject({ rows: 5_003, inserted: 0, duplicates: 5_003 });
    });

    it("an event property with a column of its own is compared too, a missing value equal only to a missing one", async () => {
      const schema = parseSchema(readFileSync(join(import.meta.dirname, "..", "fixtures", "crm-schema.json"), "utf8"));
      const t = await openTestStore(backend, { schema });
      open.push(t);
      await t.store.upsertContacts([{ id: "c1" }]);
      const first = file("own.jsonl", '{"contact_id": "c1", "event": "Purchase", "occurred_at": "2024-02-01T10:00:00Z", "properties": {"amount": 20, "sku": "X1"}}\n{"contact_id": "c1", "event": "Purchase", "occurred_at": "2024-02-01T10:00:00Z", "properties": {"amount": 20}}\n');
      expect(await t.store.importEvents(first)).toMatchObject({ inserted: 2, duplicates: 0 });
      const second = file("own-2.jsonl", '{"contact_id": "c1", "event": "Purchase", "occurred_at": "2024-02-01T10:00:00Z", "properties": {"amount": 20, "sku": "X2"}}\n{"contact_id": "c1", "event": "Purchase", "occurred_at": "2024-02-01T10:00:00Z", "properties": {"amount": 20}}\n');
      expect(await t.store.importEvents(second, { skipDuplicates: true })).toMatchObject({ inserted: 1, duplicates: 1 });
    });

    it("badCount counts bad rows, not their problems; the problems are all listed", async () => {
      const store = await fresh();
      const bad = file("bad.csv", "id,plan,ltv,active\nx,Gold,lots,perhaps\ny,Pro,1,true\nz,Pro,2,maybe\n");
      const e = await rejection(store.importContacts(bad));
      expect(e).toBeInstanceOf(InvalidInputError);
      expect((e as InvalidInputError).problems.map((p) => `${p.line} ${p.field}`)).toEqual(["2 plan", "2 ltv", "2 active", "4 active"]);
      const report = await store.importContacts(bad, { skipBad: true });
      expect(report).toMatchObject({ rows: 3, inserted: 1, badCount: 2 });
      expect(report.bad).toHaveLength(4);
      expect((await store.listImports()).items[0]).toMatchObject({ state: "done", badCount: 2 });
    });

    it("timestamps with microseconds are stored cut to the millisecond and counted, the first named; zeros past the millisecond are not counted", async () => {
      const store = await fresh();
      const contacts = file(
        "pg-export.csv",
        "id,signed_up_at\na,2024-01-01 10:00:00.123456+00\nb,2024-01-01 10:00:00.123000+00\nc,2024-12-31 23:59:59.999999+00\nd,2024-01-01T10:00:00Z\n",
      );
      const report = await store.importContacts(contacts);
      expect(report).toMatchObject({ rows: 4, inserted: 4, truncatedTimes: 2, badCount: 0 });
      expect(report.firstTruncatedTime).toEqual({
        path: `${contacts}:2`,
        file: contacts,
        line: 2,
        field: "signed_up_at",
        message: '"2024-01-01 10:00:00.123456+00" stored as 2024-01-01T10:00:00.123Z (segql keeps milliseconds)',
      });
      expect((await store.getContact("a")).values["signed_up_at"]).toBe("2024-01-01T10:00:00.123Z");
      expect((await store.getContact("b")).values["signed_up_at"]).toBe("2024-01-01T10:00:00.123Z");
      // Cut, not rounded: the last microsecond of a year stays in it.
      expect((await store.getContact("c")).values["signed_up_at"]).toBe("2024-12-31T23:59:59.999Z");
      const events = file("pg-events.csv", 'contact_id,event,occurred_at,properties\na,login,2024-03-01 08:00:00.000001+00,\nb,login,2024-03-01 08:00:00.5+00,"{""at"": 1}"\n');
      expect(await store.importEvents(events)).toMatchObject({ inserted: 2, truncatedTimes: 1, firstTruncatedTime: { line: 2, field: "occurred_at" } });
      // Parquet (BigQuery's and Spark's timestamps have microseconds): counted too, where its reader cut them unsaid.
      const parquet = join(dir, `pg-export-${backend}.parquet`);
      const { DuckDBInstance } = await import("@duckdb/node-api");
      const duck = await DuckDBInstance.create(":memory:");
      const con = await duck.connect();
      await con.run(
        `COPY (SELECT * FROM (VALUES ('p1', TIMESTAMP '2024-05-01 10:00:00.123456'), ('p2', TIMESTAMP '2024-05-01 10:00:00.5'), ('p3', TIMESTAMP '1969-12-31 23:59:59.999999')) AS t(id, signed_up_at)) TO '${parquet}' (FORMAT parquet)`,
      );
      const nanos = join(dir, `ns-${backend}.parquet`);
      await con.run(`COPY (SELECT 'p4' AS id, TIMESTAMP_NS '2024-05-01 10:00:00.123000789' AS signed_up_at) TO '${nanos}' (FORMAT parquet)`);
      con.closeSync();
      duck.closeSync();
      expect(await store.importContacts(parquet)).toMatchObject({ inserted: 3, truncatedTimes: 2, firstTruncatedTime: { line: 1, field: "signed_up_at", message: '"2024-05-01T10:00:00.123456Z" stored as 2024-05-01T10:00:00.123Z (segql keeps milliseconds)' } });
      expect((await store.getContact("p3")).values["signed_up_at"]).toBe("1969-12-31T23:59:59.999Z");
      expect((await store.getContact("p2")).values["signed_up_at"]).toBe("2024-05-01T10:00:00.500Z");
      expect(await store.importContacts(nanos)).toMatchObject({ inserted: 1, truncatedTimes: 1, firstTruncatedTime: { message: '"2024-05-01T10:00:00.123000789Z" stored as 2024-05-01T10:00:00.123Z (segql keeps milliseconds)' } });
      // Without microseconds, nothing is said.
      expect(await store.importContacts(file("plain.csv", "id,signed_up_at\ne,2024-01-01T10:00:00Z\n"))).toMatchObject({ truncatedTimes: 0, firstTruncatedTime: null });
    });
  });
}
