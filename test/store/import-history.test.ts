/**
 * The import history: every import that reads rows leaves a record (`listImports`, `getImport`) saying
 * what it read and wrote, who ran it, and, when it wrote nothing, why (its bad rows) or that it was
 * cancelled. A `done` record is written in the rows' own transaction. On every backend.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { CancelledError, InvalidInputError, NotFoundError, openStore, type Store } from "../../src/store/index.js";
import { BACKENDS, createPglite, crmSchema, openTestStore, rejection, type TestStore } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "segql-import-history-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

const GOOD = file("good.csv", "id,plan,ltv\na,Pro,10\nb,Free,20\nc,Pro,30\n");
const BAD = file("bad.csv", "id,plan,ltv\nx,Pro,1\ny,Gold,2\nz,Pro,lots\n");

for (const backend of BACKENDS) {
  describe(`the import history on ${backend}`, { timeout: 60_000 }, () => {
    const open: TestStore[] = [];
    const fresh = async (): Promise<Store> => {
      const t = await openTestStore(backend);
      open.push(t);
      return t.store;
    };
    afterEach(async () => {
      for (const t of open.splice(0)) await t.dispose();
    });

    it("records a committed import with what it wrote and the memberships its refresh changed", async () => {
      const store = await fresh();
      await store.upsertContacts([{ id: "a", plan: "Free" }]);
      await store.createSegment({ name: "Pros", kind: "dynamic", expression: 'plan = "Pro"' });
      const report = await store.importContacts(GOOD, { by: "ann", name: "leads.csv" });
      expect(report).toMatchObject({ file: "leads.csv", rows: 3, inserted: 2, updated: 1 });
      const { items, next } = await store.listImports();
      expect(next).toBeNull();
      expect(items).toHaveLength(1);
      const record = items[0]!;
      expect(record).toMatchObject({ kind: "contacts", file: "leads.csv", format: "csv", state: "done", by: "ann", rows: 3, inserted: 2, updated: 1, skipBad: false, bad: [], badCount: 0 });
      // a and c entered Pros: the refresh's own count, kept with the record.
      expect(record.entered).toBe(report.refreshed.reduce((n, r) => n + r.entered, 0));
      expect(record.entered).toBe(2);
      expect(record.exited).toBe(0);
      expect(Date.parse(record.finishedAt)).toBeGreaterThanOrEqual(Date.parse(record.startedAt));
      expect(await store.getImport(record.id)).toEqual(record);
    });

    it("records a failed import's bad rows under the file's given name, and nothing else changes", async () => {
      const store = await fresh();
      const e = await rejection(store.importContacts(BAD, { name: "march.csv", by: "bo" }));
      expect(e).toBeInstanceOf(InvalidInputError);
      expect((e as InvalidInputError).problems.map((p) => p.path)).toEqual(["march.csv:3", "march.csv:4"]);
      expect((await store.stats()).contacts).toBe(0);
      const [record] = (await store.listImports()).items;
      expect(record).toMatchObject({ file: "march.csv", state: "failed", by: "bo", rows: 3, inserted: 0, updated: 0, badCount: 2, entered: null, exited: null });
      // The same problems the caller was given, kept: a reload does not lose why it failed.
      expect(record!.bad).toEqual((e as InvalidInputError).problems);
      expect(JSON.stringify(record!.bad)).not.toContain(dir);
    });

    it("records an import that skipped bad rows as done, with them", async () => {
      const store = await fresh();
      const report = await store.importContacts(BAD, { skipBad: true });
      const [record] = (await store.listImports()).items;
      expect(record).toMatchObject({ file: BAD, state: "done", rows: 3, inserted: 1, skipBad: true, badCount: 2 });
      expect(record!.bad).toEqual(report.bad);
    });

    it("records a cancelled import as cancelled, with nothing written", async () => {
      const store = await fresh();
      const big = file(`big-${backend}.csv`, `id,ltv\n${Array.from({ length: 12_000 }, (_, i) => `k${i},${i}`).join("\n")}\n`);
      const stop = new AbortController();
      const e = await rejection(store.importContacts(big, { signal: stop.signal, onProgress: (done) => done >= 5000 && stop.abort() }));
      expect(e).toBeInstanceOf(CancelledError);
      const [record] = (await store.listImports()).items;
      expect(record).toMatchObject({ state: "cancelled", inserted: 0, updated: 0 });
      expect(record!.rows).toBeGreaterThanOrEqual(5000);
      expect((await store.stats()).contacts).toBe(0);
    });

    it("records event imports, and pages the history the latest first", async () => {
      const store = await fresh();
      await store.importContacts(GOOD);
      const events = file("events.jsonl", `${JSON.stringify({ contact_id: "a", event: "Purchase", occurred_at: "2025-01-01T00:00:00Z", properties: { amount: 5 } })}\n`);
      await store.importEvents(events);
      await rejection(store.importContacts(BAD));
      const all = (await store.listImports()).items;
      expect(all.map((r) => [r.kind, r.state])).toEqual([
        ["contacts", "failed"],
        ["events", "done"],
        ["contacts", "done"],
      ]);
      expect(all[1]).toMatchObject({ format: "jsonl", inserted: 1 });
      const first = await store.listImports({ limit: 2 });
      expect(first.items.map((r) => r.id)).toEqual(all.slice(0, 2).map((r) => r.id));
      // An import between two pages does not shift the next one.
      await store.importContacts(GOOD);
      const second = await store.listImports({ limit: 2, cursor: first.next });
      expect(second).toEqual({ items: all.slice(2), next: null });
    });

    it("refuses a cursor it did not give out and an id it does not have, saying which", async () => {
      const store = await fresh();
      const cursor = await rejection(store.listImports({ cursor: "nope" }));
      expect(cursor).toBeInstanceOf(InvalidInputError);
      expect((cursor as InvalidInputError).problems[0]).toMatchObject({ path: "cursor" });
      const missing = await rejection(store.getImport(42));
      expect(missing).toBeInstanceOf(NotFoundError);
      expect(missing.message).toBe("no import #42");
    });
  });
}

describe("a store from before the import history", () => {
  it("gains it when opened; a role that may create no table is told to open it once as one that may", async () => {
    const pg = (await createPglite()) as unknown as { exec(sql: string): Promise<unknown>; close(): Promise<void> };
    try {
      let store = await openStore({ pglite: pg as never, schema: crmSchema });
      await store.close();
      await pg.exec("DROP TABLE segql_imports");
      store = await openStore({ pglite: pg as never });
      await store.importContacts(GOOD);
      expect((await store.listImports()).items).toHaveLength(1);
      await store.close();
      await pg.exec(`DROP TABLE segql_imports;
        REVOKE CREATE ON SCHEMA public FROM PUBLIC;
        CREATE ROLE segql_reader;
        GRANT USAGE ON SCHEMA public TO segql_reader;
        GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO segql_reader;
        SET ROLE segql_reader`);
      const e = await rejection(openStore({ pglite: pg as never }));
      expect(e).toBeInstanceOf(InvalidInputError);
      expect(e.message).toContain("this store was made by an older segql and needs the table segql_imports added: open it once as a role allowed to create tables in its schema");
    } finally {
      await pg.close();
    }
  });
});

describe.skipIf(!process.env["PG_URL"])("the import history of two servers sharing a PostgreSQL database", () => {
  it("records imports committed at the same time under ids of their own", async () => {
    const pgSchema = `segql_history_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    const a = await openStore({ db: process.env["PG_URL"]!, pgSchema, schema: crmSchema });
    const b = await openStore({ db: process.env["PG_URL"]!, pgSchema });
    try {
      const files = Array.from({ length: 6 }, (_, i) => file(`together-${i}.csv`, `id,ltv\nk${i},${i}\n`));
      await Promise.all(files.map((f, i) => (i % 2 === 0 ? a : b).importContacts(f)));
      const ids = (await a.listImports()).items.map((r) => r.id);
      expect(new Set(ids).size).toBe(6);
      expect((await a.stats()).contacts).toBe(6);
    } finally {
      await a.close();
      await b.close();
      const { default: pg } = await import("pg");
      const client = new pg.Client({ connectionString: process.env["PG_URL"]! });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${pgSchema}" CASCADE`);
      await client.end();
    }
  });
});
