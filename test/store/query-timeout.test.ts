/**
 * A read made from a user's expression has a time limit (`queryTimeoutMs`): past it the read is stopped
 * with a `QueryTimeoutError` saying what to do, and the store's connections go on working. On each backend:
 * a DuckDB file (the query interrupted), PGlite, and the PostgreSQL server when PG_URL is set
 * (statement_timeout). Each store is seeded with no limit and opened again with one (`openSeeded`).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CancelledError, InvalidInputError, openStore, QueryTimeoutError, type Store } from "../../src/store/index.js";
import { BACKENDS, crmSchema, rejection } from "./helpers.js";
import { openSeeded } from "./seeded-store.js";
import { wideOr } from "./wide-or.js";

const dir = mkdtempSync(join(tmpdir(), "segql-timeout-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Clauses of the wide `or`: slow enough on every backend, and within PostgreSQL's 1,664 columns of a select
 * list (the preview's counts query has one per condition).
 */
const CLAUSES = 300;

/** 3,000 contacts and a segment over them, written with no time limit (its refresh runs under the limit too). */
async function seed(store: Store): Promise<void> {
  await store.upsertContacts(Array.from({ length: 3000 }, (_, i) => ({ id: `c${i}`, name: `n${i}`, ltv: i % 700 })));
  await store.createSegment({ name: "Rich", kind: "dynamic", expression: "ltv > 600" }, { by: "test" });
}

describe.each(BACKENDS)("the query time limit on %s", (backend) => {
  it("stops a preview that runs past it, says why and what to do, and the store goes on", { timeout: 120_000 }, async () => {
    const { store, dispose } = await openSeeded(backend, dir, 5, seed);
    try {
      const e = await rejection(store.preview(wideOr(CLAUSES)));
      expect(e).toBeInstanceOf(QueryTimeoutError);
      expect(e).toMatchObject({ code: "query-timeout", operation: "preview", limitMs: 5 });
      expect(e.message).toBe(
        "the preview took longer than 5 ms and was stopped: the condition may be too large for the database to plan quickly; simplify it (an `in (…)` list instead of many `=` clauses) or raise the time limit (segql serve --query-timeout)",
      );
      // Every connection reads and writes afterwards (DuckDB: the interrupted one is the next one lent).
      const reads = await Promise.all([store.listSegments(), store.members(1), store.getContact("c1"), store.stats()]);
      expect(reads[0].items.map((s) => s.name)).toEqual(["Rich"]);
      expect(reads[1].total).toBe(Array.from({ length: 3000 }, (_, i) => i % 700).filter((v) => v > 600).length);
      expect(reads[2].values["name"]).toBe("n1");
      await store.upsertContacts([{ id: "c1", ltv: 650 }]);
      expect((await store.members(1)).total).toBe(reads[1].total + 1);
    } finally {
      await dispose();
    }
  });

  it("stops a contact list filtered by an expression too", { timeout: 120_000 }, async () => {
    const { store, dispose } = await openSeeded(backend, dir, 5, seed);
    try {
      const e = await rejection(store.listContacts({ filter: wideOr(CLAUSES) }));
      expect(e).toBeInstanceOf(QueryTimeoutError);
      expect(e.message).toMatch(/^the contact list took longer than 5 ms and was stopped/);
      expect((await store.listContacts({ limit: 1 })).total).toBe(3000);
    } finally {
      await dispose();
    }
  });

  // Not on PGlite: its statements run without giving the event loop a turn, so the abort comes after them.
  it.skipIf(backend === "pglite")("a preview whose signal aborts (its HTTP client went away) stops with CancelledError, and the store goes on", { timeout: 120_000 }, async () => {
    const { store, dispose } = await openSeeded(backend, dir, 0, seed);
    try {
      const controller = new AbortController();
      const stopped = rejection(store.preview(wideOr(CLAUSES), { signal: controller.signal }));
      setImmediate(() => controller.abort());
      const e = await stopped;
      expect(e).toBeInstanceOf(CancelledError);
      expect(e.message).toBe("the preview was cancelled; nothing was written");
      expect((await store.listSegments()).items.map((s) => s.name)).toEqual(["Rich"]);
      expect((await store.preview("ltv > 600")).count).toBe((await store.members(1)).total);
    } finally {
      await dispose();
    }
  });

  it("with 0, no limit: the same preview completes", { timeout: 120_000 }, async () => {
    const { store, dispose } = await openSeeded(backend, dir, 0, seed);
    try {
      expect((await store.preview(wideOr(CLAUSES))).count).toBeGreaterThan(0);
    } finally {
      await dispose();
    }
  });
});

describe("queryTimeoutMs", () => {
  it("is a whole number of ms from 0", async () => {
    for (const bad of [-1, 1.5, Number.NaN]) {
      const e = await rejection(openStore({ db: ":memory:", schema: crmSchema, queryTimeoutMs: bad }));
      expect(e).toBeInstanceOf(InvalidInputError);
      expect(e.message).toContain("queryTimeoutMs: expected a whole number of milliseconds from 0 (no limit)");
    }
  });
});
