/**
 * The import history: every import that reads rows leaves a record (`listImports`, `getImport`) saying
 * what it read and wrote, who ran it, and, when it wrote nothing, why (its bad rows) or that it was
 * cancelled. A `done` record is written in the rows' own transaction; an import is recorded as `running` as it
 * starts, so one cut short by the process's death shows as `interrupted` after the next open. On every backend.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { CancelledError, InvalidInputError, NotFoundError, openStore, type Store } from "../../src/store/index.js";
import { segql } from "../cli/helpers.js";
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
      expect(Date.parse(record.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(record.startedAt));
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

    // PGlite is one connection: a read waits for the import's transaction to end.
    it.skipIf(backend === "pglite")("shows an import as running while it runs, then as it ended", async () => {
      const store = await fresh();
      const big = file(`running-${backend}.csv`, `id,ltv\n${Array.from({ length: 7_000 }, (_, i) => `r${i},${i}`).join("\n")}\n`);
      const reads: ReturnType<Store["listImports"]>[] = [];
      const report = await store.importContacts(big, { name: "running.csv", by: "cy", onProgress: (done) => void (done >= 5000 && reads.length === 0 && reads.push(store.listImports())) });
      expect(report.inserted).toBe(7_000);
      // Read by another connection while the import's transaction was open: committed as it started.
      expect(reads).toHaveLength(1);
      const during = (await reads[0]!).items;
      expect(during).toHaveLength(1);
      expect(during[0]).toMatchObject({ file: "running.csv", by: "cy", state: "running", finishedAt: null, rows: 0, inserted: 0 });
      const [after] = (await store.listImports()).items;
      expect(after).toMatchObject({ id: during[0]!.id, state: "done", rows: 7_000, inserted: 7_000 });
      expect(after!.finishedAt).not.toBeNull();
    });

    it("records an import that an internal error ended as interrupted, with nothing written", async () => {
      const store = await fresh();
      const big = file(`broken-${backend}.csv`, `id,ltv\n${Array.from({ length: 6_000 }, (_, i) => `b${i},${i}`).join("\n")}\n`);
      const e = await rejection(
        store.importContacts(big, {
          onProgress: () => {
            throw new Error("the disk went away");
          },
        }),
      );
      expect(e.message).toBe("the disk went away");
      const [record] = (await store.listImports()).items;
      expect(record).toMatchObject({ state: "interrupted", finishedAt: null, inserted: 0, updated: 0 });
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

describe("an import cut short by the process's death", () => {
  it("is in the history as interrupted after the next open, and none of its rows are", async () => {
    const db = join(dir, "killed.duckdb");
    const csv = file("killed.csv", `id,ltv\n${Array.from({ length: 12_000 }, (_, i) => `x${i},${i}`).join("\n")}\n`);
    const child = spawnSync(process.execPath, ["--import", "tsx", join(import.meta.dirname, "import-crash.ts"), db, csv], { encoding: "utf8", timeout: 120_000 });
    expect(child.signal, child.stderr).toBe("SIGKILL");
    expect(child.stdout).toContain("killed after 5000 rows");
    const store = await openStore({ db });
    try {
      const { items } = await store.listImports();
      expect(items).toHaveLength(1);
      expect(items[0]).toMatchObject({ file: "leads.csv", by: "dee", state: "interrupted", finishedAt: null, inserted: 0 });
      expect((await store.stats()).contacts).toBe(0);
    } finally {
      await store.close();
    }
    // Marked once: a later open keeps it as it is. `segql import history` says it, under when it began.
    const again = await openStore({ db });
    try {
      expect((await again.listImports()).items.map((r) => r.state)).toEqual(["interrupted"]);
    } finally {
      await again.close();
    }
    const cli = await segql(["import", "history", "--db", db]);
    expect(cli.stdout).toMatch(/^#1 {2}\S+Z {2}contacts {2}leads\.csv {2}interrupted \(the process stopped before it finished\), nothing imported \(by dee\)$/);
  });
});

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
