/**
 * A write-back journal record the database refuses (src/store/write-back.ts, JournalApplyError):
 *
 * - at open (a hand-written journal: a record naming a column the contacts do not have, or a value DuckDB
 *   cannot convert): `openStore` refuses with the journal's path, the record's number and line, the
 *   reason and what to do; the records before it are applied, the journal is left as it was; the CLI
 *   prints the same message (exit 2, no stack); moving the journal aside opens the store without them;
 * - while running (the database changed under the store between an upsert's append and its apply): the
 *   batch is retried record by record, the records before the bad one are applied, writes are refused
 *   with the same error, reads go on; after fixing the cause, reopening applies every acknowledged upsert
 *   with the sequence numbers the feed showed; upserts sent at once while the refusal is found are each
 *   either acknowledged (and there after the fix) or refused, none lost and none left waiting;
 * - with --json, the CLI says a refusal at open in JSON;
 * - a failure that does not come back (the first attempt only) loses nothing and stops nothing.
 */
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, describe, expect, it } from "vitest";
import { JournalApplyError, NotFoundError, openStore, type Store } from "../../src/store/index.js";
import { withStore } from "../../src/cli/commands/segments.js";
import { segql } from "../cli/helpers.js";
import { crmSchema, manualClock, rejection } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "segql-journal-errors-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** One journal line as the format says: crc32 of the JSON in 8 hex digits, a space, the JSON. */
function line(record: { n: number; writes: [string, [string, string | null][]][] }): string {
  const json = JSON.stringify({ n: record.n, writes: record.writes, inserted: record.writes.map(([k]) => k), changes: [], members: [] });
  return `${crc32(json).toString(16).padStart(8, "0")} ${json}\n`;
}


/** The store's write-back internals the tests reach into (the raw adapter: writes that bypass the journal). */
function internals(store: Store) {
  return (store as unknown as { writeBack: { drainDelayMs: number; taken: number; raw: { exec(sql: string): Promise<void>; write: (fn: unknown) => Promise<unknown> } } }).writeBack;
}

/** A fresh DuckDB file with the CRM schema and a segment "Big" (ltv > 100). */
async function freshDatabase(name: string): Promise<{ db: string; journal: string }> {
  const db = join(dir, `${name}.duckdb`);
  const store = await openStore({ db, schema: crmSchema });
  await store.createSegment({ name: "Big", kind: "dynamic", expression: "ltv > 100" });
  await store.close();
  return { db, journal: `${db}.segql-journal` };
}

async function renameColumn(db: string, from: string, to: string): Promise<void> {
  const instance = await DuckDBInstance.create(db);
  const con = await instance.connect();
  await con.run(`ALTER TABLE contacts RENAME COLUMN ${from} TO ${to}`);
  con.closeSync();
  instance.closeSync();
}

describe("a journal record that cannot be applied when the store opens", { timeout: 60_000 }, () => {
  it("refuses to open, saying where and why; the records before it are applied; moving the journal aside opens", async () => {
    const { db, journal } = await freshDatabase("unknown-column");
    const text = line({ n: 1, writes: [["k0", [["ltv", "5"]]]] }) + line({ n: 2, writes: [["k1", [["nope", "x"]]]] }) + line({ n: 3, writes: [["k2", [["ltv", "7"]]]] });
    writeFileSync(journal, text);
    for (let attempt = 0; attempt < 2; attempt++) {
      const e = await rejection(openStore({ db }));
      expect(e).toBeInstanceOf(JournalApplyError);
      const f = (e as JournalApplyError).failure;
      expect(f).toMatchObject({ database: db, journal, record: 2, line: 2, pending: 2, lastRecord: 3, atOpen: true });
      expect((e as JournalApplyError).code).toBe("journal-apply-failed");
      expect(f.reason).toContain('"nope"');
      expect(e.message).toContain(`cannot open ${db}: record 2 (line 2) of the write-back journal ${journal} cannot be applied`);
      expect(e.message).toContain("2 acknowledged upserts not yet applied (records 2-3)");
      expect(e.message).toContain(`move ${journal} aside`);
      // Refusing changes nothing: the journal is as it was, and the next attempt says the same.
      expect(readFileSync(journal, "utf8")).toBe(text);
    }
    // The CLI prints the message and exits 2 (a start-up problem), without a stack trace.
    const cli = await segql(["segments", "list", "--db", db]);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain(`record 2 (line 2) of the write-back journal ${journal}`);
    expect(cli.stderr).toContain('"nope"');
    expect(cli.stderr).not.toMatch(/\n\s+at /);
    expect(cli.stdout).toBe("");
    // With --json it is said in JSON on stdout, as any refusal of a command is.
    const json = await segql(["segments", "list", "--db", db, "--json"]);
    expect(json.code).toBe(2);
    expect(json.stderr).toBe("");
    expect(JSON.parse(json.stdout)).toMatchObject({ error: "journal-apply-failed", failure: { journal, record: 2, line: 2, pending: 2 } });
    // Moved aside, the store opens without records 2 and 3; record 1 was applied before the refusal.
    renameSync(journal, `${journal}.aside`);
    const store = await openStore({ db });
    try {
      expect((await store.getContact("k0")).values["ltv"]).toBe(5);
      expect(await rejection(store.getContact("k1"))).toBeInstanceOf(NotFoundError);
      expect(await rejection(store.getContact("k2"))).toBeInstanceOf(NotFoundError);
      // And writes work again (the new journal numbers on from the database's mark).
      await store.upsertContacts([{ id: "k9", ltv: 900 }]);
      expect(internals(store).taken).toBe(1);
    } finally {
      await store.close();
    }
    const again = await openStore({ db });
    try {
      expect((await again.getContact("k9")).values["ltv"]).toBe(900);
    } finally {
      await again.close();
    }
  });

  it("gives DuckDB's own reason for a value it cannot store", async () => {
    const { db, journal } = await freshDatabase("bad-value");
    writeFileSync(journal, line({ n: 1, writes: [["k1", [["ltv", "not a number"]]]] }));
    const e = await rejection(openStore({ db }));
    expect(e).toBeInstanceOf(JournalApplyError);
    expect((e as JournalApplyError).failure).toMatchObject({ record: 1, line: 1, pending: 1, lastRecord: 1 });
    expect(e.message).toMatch(/record 1 \(line 1\) .* cannot be applied to the database: .*not a number.*1 acknowledged upsert not yet applied \(record 1\)/);
    expect((e as JournalApplyError).failure.reason).toBe("Conversion Error: Could not convert string 'not a number' to DOUBLE");
    expect(e.message).toContain(`Fix the cause and open again to apply it, or move ${journal} aside to open without it (it is then lost)`);
    expect(e.message).not.toContain("\n");
  });
});

describe("a journal record that cannot be applied while the store runs", { timeout: 60_000 }, () => {
  it("refuses writes with a clear error, serves reads, keeps the records, and applies them once the cause is fixed", async () => {
    const { db, journal } = await freshDatabase("running");
    const clock = manualClock();
    const store = await openStore({ db, clock: clock.now });
    const wb = internals(store);
    wb.drainDelayMs = 60_000;
    let refusal: JournalApplyError;
    let shown: { seq: number; segmentId: number; key: string; change: string }[];
    try {
      await store.upsertContacts([{ id: "a", name: "x" }]);
      shown = (await store.upsertContacts([{ id: "b", ltv: 500 }])).changes;
      await store.upsertContacts([{ id: "c", name: "y" }]);
      expect(wb.taken).toBe(3);
      expect(shown.map((c) => c.change)).toEqual(["entered"]);
      // The database changes under the store (its own connection, past the journal): record 2 writes ltv.
      await wb.raw.exec("ALTER TABLE contacts RENAME COLUMN ltv TO ltv_gone");
      // Reads go on: the one below applies record 1 (retried alone) and stops at record 2.
      const big = (await store.listSegments()).items.find((s) => s.name === "Big")!;
      expect(big.memberCount).toBe(0);
      expect((await store.getContact("a")).values["name"]).toBe("x");
      expect(await rejection(store.getContact("b"))).toBeInstanceOf(NotFoundError);
      // The feed comes from the database now: b's change is not shown as if it were there.
      expect((await store.changes({ since: 0 })).items).toEqual([]);
      // Writes are refused, every kind, with the same error.
      for (const write of [() => store.upsertContacts([{ id: "d", name: "z" }]), () => store.createSegment({ name: "Other", kind: "static" }), () => store.refresh()]) {
        const e = await rejection(write());
        expect(e).toBeInstanceOf(JournalApplyError);
        refusal = e as JournalApplyError;
        expect(refusal.failure).toMatchObject({ journal, record: 2, line: 2, pending: 2, lastRecord: 3, atOpen: false });
        expect(refusal.failure.reason).toMatch(/ltv/);
        expect(e.message).toMatch(/^writes are refused: record 2 \(line 2\) of the write-back journal .* could not be applied to the database: .*reads work but do not show the 2 acknowledged upserts not yet applied \(records 2-3\)/);
      }
    } finally {
      await store.close();
    }
    expect(existsSync(journal)).toBe(true);
    // Reopening tries again: the cause is still there, so it refuses, naming the same record and line.
    const e = await rejection(openStore({ db }));
    expect((e as JournalApplyError).failure).toMatchObject({ record: 2, line: 2, pending: 2, atOpen: true });
    const cli = await segql(["segments", "list", "--db", db]);
    expect(cli).toMatchObject({ code: 2, stdout: "" });
    expect(cli.stderr).toContain("record 2 (line 2)");
    // Fixed, the store opens and every acknowledged upsert is there, as the feed showed it.
    await renameColumn(db, "ltv_gone", "ltv");
    const fixed = await openStore({ db });
    try {
      expect((await fixed.getContact("b")).values["ltv"]).toBe(500);
      expect((await fixed.getContact("c")).values["name"]).toBe("y");
      expect(await rejection(fixed.getContact("d"))).toBeInstanceOf(NotFoundError);
      const feed = (await fixed.changes({ since: 0 })).items;
      expect(feed.map((c) => [c.seq, c.segmentId, c.key, c.change])).toEqual(shown!.map((c) => [c.seq, c.segmentId, c.key, c.change]));
      const big = (await fixed.listSegments()).items.find((s) => s.name === "Big")!;
      expect(big.memberCount).toBe(1);
      expect((await fixed.members(big.id)).items.map((m) => m["id"])).toEqual(["b"]);
    } finally {
      await fixed.close();
    }
    expect(existsSync(journal)).toBe(false);
  });

  it("reports a refusal found while closing, closes anyway, and keeps the record for the next open", async () => {
    const { db, journal } = await freshDatabase("closing");
    const store = await openStore({ db });
    const wb = internals(store);
    wb.drainDelayMs = 60_000;
    await store.upsertContacts([{ id: "z", ltv: 300 }]);
    await wb.raw.exec("ALTER TABLE contacts RENAME COLUMN ltv TO ltv_gone");
    const e = await rejection(store.close());
    expect((e as JournalApplyError).failure).toMatchObject({ record: 1, line: 1, pending: 1, atOpen: false });
    // Closed: the file is free for the next open, which refuses while the cause is there.
    expect(readFileSync(journal, "utf8").split("\n")).toHaveLength(2);
    expect(((await rejection(openStore({ db }))) as JournalApplyError).failure).toMatchObject({ record: 1, atOpen: true });
    await renameColumn(db, "ltv_gone", "ltv");
    const fixed = await openStore({ db });
    try {
      expect((await fixed.getContact("z")).values["ltv"]).toBe(300);
    } finally {
      await fixed.close();
    }
  });

  it("upserts sent while the refusal is found are each acknowledged and kept, or refused; none is lost or hangs", async () => {
    const { db } = await freshDatabase("race");
    const store = await openStore({ db });
    const wb = internals(store);
    wb.drainDelayMs = 60_000;
    const sent = ["r1", "r2", "r3", "r4", "r5", "r6"];
    let outcomes: PromiseSettledResult<unknown>[];
    try {
      await store.upsertContacts([{ id: "r0", ltv: 150 }]);
      await wb.raw.exec("ALTER TABLE contacts RENAME COLUMN ltv TO ltv_gone");
      // Sent at once, with a read in the middle that applies the journal and meets the refusal: the
      // upserts before it may be acknowledged, the ones after it wait for it.
      const reads: Promise<unknown>[] = [];
      const calls = sent.map((id, i) => {
        if (i === 3) reads.push(store.listSegments());
        return store.upsertContacts([{ id, ltv: 200 + i }]);
      });
      outcomes = await Promise.allSettled(calls);
      await Promise.all(reads); // reads go on
    } finally {
      await store.close(); // the refusal is known already: closing keeps the journal
    }
    for (const o of outcomes) if (o.status === "rejected") expect(o.reason).toBeInstanceOf(JournalApplyError);
    // Sent after the record that fails, at least the last ones meet the refusal.
    expect(outcomes.filter((o) => o.status === "rejected").length).toBeGreaterThan(0);
    // Every upsert the store acknowledged is there once the cause is fixed; every one it refused is not.
    await renameColumn(db, "ltv_gone", "ltv");
    const fixed = await openStore({ db });
    try {
      expect((await fixed.getContact("r0")).values["ltv"]).toBe(150);
      for (const [i, id] of sent.entries()) {
        if (outcomes[i]!.status === "fulfilled") expect((await fixed.getContact(id)).values["ltv"], id).toBe(200 + i);
        else expect(await rejection(fixed.getContact(id)), id).toBeInstanceOf(NotFoundError);
      }
    } finally {
      await fixed.close();
    }
  });

  it("says an in-memory store's records are lost when it closes", async () => {
    const store = await openStore({ db: ":memory:", schema: crmSchema });
    const wb = internals(store);
    wb.drainDelayMs = 60_000;
    try {
      await store.upsertContacts([{ id: "m", ltv: 3 }]);
      await wb.raw.exec("ALTER TABLE contacts RENAME COLUMN ltv TO ltv_gone");
      // A read applies the journal, which fails, and goes on.
      expect((await store.listSegments()).items).toEqual([]);
      const e = await rejection(store.upsertContacts([{ id: "n", name: "q" }]));
      expect((e as JournalApplyError).failure).toMatchObject({ journal: null, record: 1, line: null, pending: 1 });
      expect(e.message).toMatch(/^writes are refused: record 1 of the write-back journal could not be applied .*\. It is lost when the store closes \(an in-memory database\)$/);
    } finally {
      await store.close();
    }
  });

  it("loses and stops nothing when applying fails once and then succeeds (record by record)", async () => {
    const { db } = await freshDatabase("transient");
    const store = await openStore({ db });
    const wb = internals(store);
    wb.drainDelayMs = 60_000;
    try {
      for (const [id, ltv] of [["t1", 1], ["t2", 200], ["t3", 3]] as const) await store.upsertContacts([{ id, ltv }]);
      const write = wb.raw.write;
      let failures = 0;
      wb.raw.write = (fn) => (failures++ === 0 ? Promise.reject(new Error("disk hiccup")) : write.call(wb.raw, fn));
      expect((await store.listSegments()).items[0]!.memberCount).toBe(1);
      wb.raw.write = write;
      // The batch failed once, then each of its three records went through alone.
      expect(failures).toBe(4);
      await store.upsertContacts([{ id: "t4", ltv: 400 }]);
      expect(wb.taken).toBe(4);
      expect((await store.listSegments()).items[0]!.memberCount).toBe(2);
    } finally {
      await store.close();
    }
  });

  it("a CLI command whose store is refused at close says so (exit 2), and the file is closed", async () => {
    const { db, journal } = await freshDatabase("cli-close");
    const printed: string[] = [];
    const io = { out: (t: string) => printed.push(t), err: (t: string) => printed.push(t), readStdin: async () => "" };
    const status = await withStore({ db }, io, async (store) => {
      const wb = internals(store);
      wb.drainDelayMs = 60_000;
      await store.upsertContacts([{ id: "c", ltv: 300 }]);
      await wb.raw.exec("ALTER TABLE contacts RENAME COLUMN ltv TO ltv_gone");
      return 0;
    });
    expect(status).toBe(2);
    expect(printed.join("\n")).toMatch(/^error: writes are refused: record 1 \(line 1\) of the write-back journal /);
    // Closed (the file opens again, and refuses while the cause is there); the journal keeps the record.
    expect(existsSync(journal)).toBe(true);
    expect(((await rejection(openStore({ db }))) as JournalApplyError).failure).toMatchObject({ record: 1, atOpen: true });
  });
});
