/**
 * The import history keeps what the import's report says besides added and updated: `unchanged` contacts,
 * `duplicates` of stored events (and whether `skipDuplicates` left them out), `truncatedTimes`; so a file
 * imported again reads "0 added, 0 updated, 3 unchanged" in `segql import history`, not "0 added, 0
 * updated". A store from before these columns gains them on open (its older rows read null: not recorded);
 * a PostgreSQL role that may not alter the table is told to open it once as one that may.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { InvalidInputError, openStore, type Store } from "../../src/store/index.js";
import { segql } from "../cli/helpers.js";
import { BACKENDS, createPglite, crmSchema, openTestStore, rejection, type TestStore } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "segql-import-counts-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

const CONTACTS = file("contacts.csv", "id,plan,signed_up_at\na,Pro,2024-01-01 10:00:00.123456+00\nb,Free,2024-01-02 10:00:00+00\nc,Pro,\n");
const EVENTS = file("events.jsonl", '{"contact_id": "a", "event": "buy", "occurred_at": "2024-02-01T10:00:00Z", "properties": {"amount": 20}}\n{"contact_id": "b", "event": "buy", "occurred_at": "2024-02-02T10:00:00Z", "properties": {"amount": 5}}\n');
const COLUMNS = ["unchanged", "duplicates", "truncated_times", "skip_duplicates"];

describe.each(BACKENDS)("the import history's counts (%s)", (backend) => {
  let t: TestStore | null = null;
  afterEach(async () => {
    await t?.dispose();
    t = null;
  });

  it("records unchanged contacts, duplicate events (left out or not) and cut times, as the report says them", async () => {
    t = await openTestStore(backend);
    const store = t.store;
    expect(await store.importContacts(CONTACTS)).toMatchObject({ inserted: 3, unchanged: 0, truncatedTimes: 1 });
    expect(await store.importContacts(CONTACTS)).toMatchObject({ inserted: 0, updated: 0, unchanged: 3, truncatedTimes: 1 });
    expect(await store.importEvents(EVENTS)).toMatchObject({ inserted: 2, duplicates: 0 });
    expect(await store.importEvents(EVENTS)).toMatchObject({ inserted: 2, duplicates: 2 });
    expect(await store.importEvents(EVENTS, { skipDuplicates: true })).toMatchObject({ inserted: 0, duplicates: 2 });
    await rejection(store.importContacts(file("bad.csv", "id,plan\nz,Gold\n")));
    const counts = (await store.listImports()).items.map((r) => [r.kind, r.state, r.inserted, r.updated, r.unchanged, r.duplicates, r.truncatedTimes, r.skipDuplicates]);
    expect(counts).toEqual([
      ["contacts", "failed", 0, 0, 0, 0, 0, false],
      ["events", "done", 0, 0, 0, 2, 0, true],
      ["events", "done", 2, 0, 0, 2, 0, false],
      ["events", "done", 2, 0, 0, 0, 0, false],
      ["contacts", "done", 0, 0, 3, 0, 1, false],
      ["contacts", "done", 3, 0, 0, 0, 1, false],
    ]);
  });
});

describe("segql import history", () => {
  it("says a re-import's unchanged contacts, duplicate events and cut times", async () => {
    const db = join(dir, "cli.duckdb");
    const schema = file("schema.json", JSON.stringify({ table: "contacts", key: "id", fields: { id: { type: "string" }, plan: { type: "string" }, signed_up_at: { type: "timestamp" } }, events: { table: "events", contact_key: "contact_id", name: "event", time: "occurred_at", properties: { amount: { type: "number" } } } }));
    for (const args of [["contacts", CONTACTS, "--schema", schema], ["contacts", CONTACTS], ["events", EVENTS], ["events", EVENTS], ["events", EVENTS, "--skip-duplicates"]]) {
      expect((await segql(["import", ...args, "--db", db])).code).toBe(0);
    }
    const lines = (await segql(["import", "history", "--db", db])).stdout.split("\n").map((l) => l.replace(/^(#\d+)  \S+Z  /, "$1  "));
    expect(lines.map((l) => l.replace(/; segments .*$/, ""))).toEqual([
      `#5  events  ${EVENTS}  done: 2 rows, 0 added, 0 updated, 2 duplicates of stored events left out`,
      `#4  events  ${EVENTS}  done: 2 rows, 2 added (2 of them duplicate stored events), 0 updated`,
      `#3  events  ${EVENTS}  done: 2 rows, 2 added, 0 updated`,
      `#2  contacts  ${CONTACTS}  done: 3 rows, 0 added, 0 updated, 3 unchanged, 1 time cut to the millisecond`,
      `#1  contacts  ${CONTACTS}  done: 3 rows, 3 added, 0 updated, 1 time cut to the millisecond`,
    ]);
    const json = JSON.parse((await segql(["import", "history", "#2", "--db", db, "--json"])).stdout);
    expect(json).toMatchObject({ unchanged: 3, duplicates: 0, truncatedTimes: 1, skipDuplicates: false });
  });
});

describe("a store from before the import history's counts", () => {
  it("gains the columns on open (DuckDB); its older rows read null and say nothing of them", async () => {
    const db = join(dir, "older.duckdb");
    let store: Store = await openStore({ db, schema: crmSchema });
    await store.importContacts(CONTACTS);
    await store.close();
    const instance = await DuckDBInstance.create(db);
    const con = await instance.connect();
    for (const c of COLUMNS) await con.run(`ALTER TABLE segql_imports DROP COLUMN ${c}`);
    con.closeSync();
    instance.closeSync();
    store = await openStore({ db });
    try {
      await store.importContacts(CONTACTS);
      const [again, older] = (await store.listImports()).items;
      expect(again).toMatchObject({ unchanged: 3, duplicates: 0, truncatedTimes: 1, skipDuplicates: false });
      expect(older).toMatchObject({ inserted: 3, unchanged: null, duplicates: null, truncatedTimes: null, skipDuplicates: null });
    } finally {
      await store.close();
    }
    expect((await segql(["import", "history", "#1", "--db", db])).stdout).toMatch(/done: 3 rows, 3 added, 0 updated; segments \+0 -0$/);
  });

  it("gains the columns on open (PostgreSQL); a role that may not alter the table is told to open it once as one that may", async () => {
    const pg = (await createPglite()) as unknown as { exec(sql: string): Promise<unknown>; close(): Promise<void> };
    const dropColumns = `ALTER TABLE segql_imports ${COLUMNS.map((c) => `DROP COLUMN ${c}`).join(", ")}`;
    try {
      let store = await openStore({ pglite: pg as never, schema: crmSchema });
      await store.importContacts(CONTACTS);
      await store.close();
      await pg.exec(dropColumns);
      store = await openStore({ pglite: pg as never });
      await store.importContacts(CONTACTS);
      expect((await store.listImports()).items.map((r) => r.unchanged)).toEqual([3, null]);
      await store.close();
      await pg.exec(`${dropColumns};
        CREATE ROLE segql_writer;
        GRANT USAGE ON SCHEMA public TO segql_writer;
        GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO segql_writer;
        GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO segql_writer;
        SET ROLE segql_writer`);
      const e = await rejection(openStore({ pglite: pg as never }));
      expect(e).toBeInstanceOf(InvalidInputError);
      expect(e.message).toContain("this store was made by an older segql and needs the column segql_imports.unchanged added: open it once as a role allowed to alter its tables (the tables' owner)");
    } finally {
      await pg.close();
    }
  });
});
