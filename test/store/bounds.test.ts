/**
 * No read or write run from a user's expression holds the database for as long as it takes: an export's
 * reads and a refresh's query run under the query time limit, and an export whose reader went away stops.
 * On DuckDB (a file), a PostgreSQL server (PG_URL), and PGlite where it can stop a statement: it runs each
 * to its end (no timer interrupts WebAssembly), so its cases are those stopped between statements.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CancelledError, exportMembers, QueryTimeoutError, type Store } from "../../src/store/index.js";
import { openDuckDb } from "../../src/store/duckdb.js";
import { openPostgres } from "../../src/store/postgres.js";
import type { SqlAdapter } from "../../src/store/adapter.js";
import { BACKENDS, rejection, type Backend, type TestStore } from "./helpers.js";
import { openSeeded } from "./seeded-store.js";
import { wideContains, wideOr } from "./wide-or.js";

const dir = mkdtempSync(join(tmpdir(), "segql-bounds-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CONTACTS = Array.from({ length: 3000 }, (_, i) => ({ id: `c${i}`, name: `n${i}`, ltv: i % 700 }));
/** Members of `ltv > 600` among CONTACTS. */
const RICH = CONTACTS.filter((c) => c.ltv > 600).length;

/** The contacts and `Rich` over them (written with no time limit: `openSeeded`). */
async function seed(store: Store): Promise<void> {
  await store.upsertContacts(CONTACTS);
  await store.createSegment({ name: "Rich", kind: "dynamic", expression: "ltv > 600" }, { by: "test" });
}

/** A store on `backend` (DuckDB: a file, as `serve` opens) seeded, with a time limit of `ms`. */
function open(backend: Backend, ms: number): Promise<TestStore> {
  return openSeeded(backend, dir, ms, seed);
}

/** Reads every page of an export (or fails as it does). */
async function drain(pages: AsyncIterable<unknown[]>): Promise<number> {
  let rows = 0;
  for await (const page of pages) rows += page.length;
  return rows;
}

describe.each(BACKENDS)("exports and refreshes under the time limit on %s", (backend) => {
  // PGlite runs the page's one statement to its end: nothing stops it.
  it.skipIf(backend === "pglite")("a contacts export whose filter runs past the limit is stopped on its first page", async () => {
    const { store, dispose } = await open(backend, 5);
    try {
      const e = await rejection(drain(store.contactPages({ filter: wideOr(300) })));
      expect(e).toBeInstanceOf(QueryTimeoutError);
      expect(e).toMatchObject({ operation: "contacts export", limitMs: 5 });
      expect(e.message).toMatch(/^the contacts export took longer than 5 ms and was stopped: /);
    } finally {
      await dispose();
    }
  });

  it("an export whose signal aborts stops at its next page, and the store goes on", async () => {
    const { store, dispose } = await open(backend, 0);
    try {
      for (const kind of ["members", "contacts"] as const) {
        const controller = new AbortController();
        const pages = kind === "members" ? store.memberPages(1, { pageSize: 10, signal: controller.signal }) : store.contactPages({ filter: "ltv > 600", pageSize: 10, signal: controller.signal });
        let rows = 0;
        const e = await rejection(
          (async () => {
            for await (const page of pages) {
              rows += page.length;
              controller.abort();
            }
          })(),
        );
        expect(e, kind).toBeInstanceOf(CancelledError);
        expect(e.message, kind).toBe(`the ${kind} export was cancelled; nothing was written`);
        expect(rows, kind).toBe(10);
      }
      // The file's text too: no page is written after the abort.
      const controller = new AbortController();
      const chunks: string[] = [];
      const e = await rejection(
        (async () => {
          for await (const chunk of exportMembers(store, 1, { format: "jsonl", pageSize: 10, signal: controller.signal })) {
            chunks.push(chunk);
            controller.abort();
          }
        })(),
      );
      expect(e).toBeInstanceOf(CancelledError);
      expect(chunks.join("").trim().split("\n")).toHaveLength(10);
      expect(await drain(store.memberPages(1))).toBe(RICH);
    } finally {
      await dispose();
    }
  });

  // PGlite cannot stop the refresh's statement; a server and DuckDB can.
  it.skipIf(backend === "pglite")("a create or edit whose refresh runs past the limit is refused with nothing saved, and writes go on", async () => {
    const { store, dispose } = await open(backend, 5);
    try {
      const before = await store.getSegment(1);
      const created = await rejection(store.createSegment({ name: "Wide", kind: "dynamic", expression: wideOr(300) }, { by: "test" }));
      expect(created).toBeInstanceOf(QueryTimeoutError);
      expect(created.message).toMatch(/^the refresh of segment "Wide" took longer than 5 ms and was stopped, and nothing was saved: the condition may be too large/);
      expect((await store.listSegments()).items.map((s) => s.name)).toEqual(["Rich"]);
      const edited = await rejection(store.updateSegment(1, { expression: wideOr(300) }, { by: "test" }));
      expect(edited).toBeInstanceOf(QueryTimeoutError);
      expect(edited.message).toMatch(/^the refresh of segment "Rich" took longer than 5 ms and was stopped, and nothing was saved/);
      const after = await store.getSegment(1);
      expect({ expression: after.expression, version: after.version, memberCount: after.memberCount }).toEqual({ expression: before.expression, version: before.version, memberCount: RICH });
      expect((await store.segmentVersions(1)).length).toBe(1);
      // A freeze of such an expression into a static segment is refused the same way.
      const frozen = await rejection(store.createSegment({ name: "Frozen", kind: "static", freeze: wideOr(300) }, { by: "test" }));
      expect(frozen).toBeInstanceOf(QueryTimeoutError);
      expect(frozen.message).toMatch(/^the freeze took longer than 5 ms and was stopped, and nothing was saved/);
      // The write lock is free: the next writes go through.
      await store.upsertContacts([{ id: "c1", ltv: 650 }]);
      expect((await store.getSegment(1)).memberCount).toBe(RICH + 1);
      expect((await store.createSegment({ name: "Few", kind: "static", members: ["c1"] }, { by: "test" })).memberCount).toBe(1);
    } finally {
      await dispose();
    }
  });
});

/**
 * Contacts enough for 1,000 clauses to take each engine well past 250 ms and `ltv > 600` well within it:
 * DuckDB takes seconds to plan `wideOr`'s clauses whatever the rows; a PostgreSQL server answers those
 * within 250 ms (135 ms here), so it gets `wideContains`: 1,000 substring tests of each of 30,000 names
 * take it about 2.4 s.
 */
const MANY: Record<"duckdb" | "postgres-server", number> = { duckdb: 3000, "postgres-server": 30_000 };

describe.each(BACKENDS.filter((b): b is "duckdb" | "postgres-server" => b !== "pglite"))("a refresh of a saved segment past the limit on %s", (backend) => {
  it("keeps its members as they were, says so in its result, and the other segments are refreshed", async () => {
    const contacts = Array.from({ length: MANY[backend] }, (_, i) => ({ id: `c${i}`, name: `n${i}`, ltv: i % 700 }));
    // Saved where there was no limit (a CLI, or an earlier server), then refreshed by a server with one.
    const { store, dispose } = await openSeeded(backend, dir, 250, async (s) => {
      await s.createSegment({ name: "Rich", kind: "dynamic", expression: "ltv > 600" }, { by: "test" });
      for (let i = 0; i < contacts.length; i += 10_000) await s.upsertContacts(contacts.slice(i, i + 10_000));
      await s.createSegment({ name: "Wide", kind: "dynamic", expression: backend === "duckdb" ? wideOr(1000) : wideContains(1000) }, { by: "test" });
    });
    try {
      // c2 enters Rich as it is written (not Wide: its clause for 650 wants another name).
      await store.upsertContacts([{ id: "c2", ltv: 650, name: "n650" }]);
      const rich = contacts.filter((c) => c.ltv > 600).length + 1;
      const wide = await store.getSegment(2);
      const results = await store.refresh({ by: "test" });
      const byName = Object.fromEntries(results.map((r) => [r.name, r]));
      expect(byName["Rich"]).toMatchObject({ memberCount: rich });
      expect(byName["Rich"]!.skipped).toBeUndefined();
      expect(byName["Wide"]).toMatchObject({ segmentId: 2, entered: 0, exited: 0, memberCount: wide.memberCount });
      expect(byName["Wide"]!.skipped).toBe(
        "its refresh took longer than the query time limit (250 ms) and was stopped: its members are as its last refresh left them, and the next refresh tries again; simplify its expression or raise the limit (segql serve --query-timeout)",
      );
      const after = await store.getSegment(2);
      expect({ memberCount: after.memberCount, refreshedAt: after.refreshedAt }).toEqual({ memberCount: wide.memberCount, refreshedAt: wide.refreshedAt });
      expect((await store.members(2)).total).toBe(wide.memberCount);
      expect((await store.getSegment(1)).refreshedAt).not.toBe(wide.refreshedAt);
    } finally {
      await dispose();
    }
  });
});

/** A query that would run for hours: a cross join of two million-row series. */
const ENDLESS: Record<"duckdb" | "postgres-server", string> = {
  duckdb: "SELECT count(*) AS n FROM range(1000000) a, range(1000000) b WHERE a.range + b.range = 7",
  "postgres-server": "SELECT count(*) AS n FROM generate_series(1, 1000000) a, generate_series(1, 1000000) b WHERE a + b = 7",
};

/** Statements of the PostgreSQL server still running `ENDLESS` (another connection's view). */
async function runningOnServer(): Promise<number> {
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: process.env["PG_URL"]! });
  await client.connect();
  try {
    const rows = (await client.query("SELECT count(*) AS n FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%generate_series(1, 1000000) a, generate_series%' AND pid <> pg_backend_pid()")).rows;
    return Number(rows[0].n);
  } finally {
    await client.end();
  }
}

describe.each(BACKENDS.filter((b): b is "duckdb" | "postgres-server" => b !== "pglite"))("a stream (the members export's read), or a read, on %s", (backend) => {
  const connect = (): Promise<SqlAdapter> => (backend === "duckdb" ? openDuckDb(join(dir, `s${Math.random().toString(36).slice(2)}.duckdb`)) : openPostgres(process.env["PG_URL"]!));

  it("stops a step that runs past the limit", async () => {
    const db = await connect();
    try {
      const e = await rejection(drain(db.stream!(ENDLESS[backend], [], { ms: 200, what: "members export" })));
      expect(e).toBeInstanceOf(QueryTimeoutError);
      expect(e.message).toMatch(/^the members export took longer than 200 ms and was stopped/);
      expect(await db.query("SELECT 1 AS one")).toEqual([{ one: 1 }]);
    } finally {
      await db.close();
    }
  });

  it("stops the statement running when its signal aborts (its reader went away): none is left running", async () => {
    const db = await connect();
    try {
      const controller = new AbortController();
      const reading = rejection(drain(db.stream!(ENDLESS[backend], [], { ms: 0, what: "members export", signal: controller.signal })));
      setTimeout(() => controller.abort(), 200);
      const e = await reading;
      expect(e).toBeInstanceOf(CancelledError);
      if (backend === "postgres-server") {
        // The server's backend may take a moment to end the cancelled statement: it goes without a timer here.
        while ((await runningOnServer()) > 0) await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      // DuckDB: close waits for a stream's step in flight; it returns because the statement was interrupted.
      await db.close();
    }
  });

  it("a read whose signal aborts (a preview's, a why's) stops its statement too: none is left running", async () => {
    const db = await connect();
    try {
      const controller = new AbortController();
      const reading = rejection(db.read((tx) => tx.query(ENDLESS[backend]), { ms: 0, what: "preview", signal: controller.signal }));
      setTimeout(() => controller.abort(), 200);
      expect(await reading).toBeInstanceOf(CancelledError);
      // A PostgreSQL server's statement is cancelled (not left to run to its statement_timeout, here none).
      if (backend === "postgres-server") while ((await runningOnServer()) > 0) await new Promise((r) => setTimeout(r, 50));
      expect(await db.query("SELECT 1 AS one")).toEqual([{ one: 1 }]);
    } finally {
      await db.close();
    }
  });
});
