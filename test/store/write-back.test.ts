/**
 * The DuckDB store's write-back path (src/store/write-back.ts): contact upserts acknowledged from a journal
 * and applied to the database shortly after.
 *
 * - Differential (fast-check): the same random upserts (odd text, unicode, -0, fractions, lists with
 *   commas and quotes, dates, instants, nulls), event appends and member edits on two stores, one with
 *   the write-back path and one writing every upsert in its own transaction, give the same contacts,
 *   memberships, member counts and change log, read both before and after the journal is applied.
 * - Crash: a process acknowledges upserts and is killed with SIGKILL before they reach the database; the
 *   next open applies them, with the sequence numbers the feed had shown. A torn record at the journal's
 *   end (a crash inside a write) is dropped, the records before it kept.
 */
import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { openStore, type Store } from "../../src/store/index.js";
import { crmSchema, manualClock } from "./helpers.js";

const KEYS = ["k1", "k2", "k3", "k4", "ключ", "k \"q\" ,;"];
const SEGMENTS: [string, string][] = [
  ["Big", "ltv > 100"],
  ["Pro active", 'plan = "Pro" and active'],
  ["Commas", 'tags has "a,b" or tags has "\\"q\\""'],
  ["Odd name", 'name = "Zoë \\"z\\"" or name is empty'],
  ["Born", "birthday before 2000-01-01"],
  ["Recent", "signed_up_at within last 10 days"],
  ["Buyers", 'performed "Purchase" at least 2 times'],
  // An update of its tags needs the contact's events: that upsert takes the ordinary path.
  ["VIP buyers", 'tags has "vip" and performed "Purchase"'],
  ["Reader", 'in segment "Hand-picked" or in segment "Big"'],
];

const text = fc.oneof(fc.constantFrom("", " ", "Zoë \"z\"", "a,b", "\"q\"", "[x]", "\\", "é\u0301", "😀", "\u0000nul"), fc.string({ maxLength: 6 }));
const values = fc.record(
  {
    name: fc.oneof(text, fc.constant(null)),
    plan: fc.constantFrom("Free", "Pro", "Team", null),
    ltv: fc.oneof(fc.integer({ min: -5, max: 300 }), fc.constantFrom(-0, 0.1, 100.5, 1e21, null)),
    active: fc.oneof(fc.boolean(), fc.constant(null)),
    birthday: fc.constantFrom("1999-12-31", "2000-01-01", "0001-01-01", null),
    signed_up_at: fc.constantFrom("2026-01-10T00:00:00Z", "2026-01-05T12:00:00.123Z", "1970-01-01T00:00:00Z", null),
    tags: fc.oneof(fc.array(fc.oneof(text, fc.constantFrom("a,b", "\"q\"", "vip")), { maxLength: 3 }), fc.constant(null)),
  },
  { requiredKeys: [] },
);
type Step =
  | { kind: "upsert"; rows: { key: string; values: Record<string, unknown> }[] }
  | { kind: "event"; key: string }
  | { kind: "pick"; key: string; add: boolean }
  | { kind: "read" };
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant("upsert" as const), rows: fc.array(fc.record({ key: fc.constantFrom(...KEYS), values }), { minLength: 1, maxLength: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("event" as const), key: fc.constantFrom(...KEYS) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("pick" as const), key: fc.constantFrom(...KEYS), add: fc.boolean() }) },
  { weight: 2, arbitrary: fc.constant({ kind: "read" as const }) },
);

async function setUp(writeBack: boolean, clock: () => number): Promise<{ store: Store; picked: number }> {
  const store = await openStore({ db: ":memory:", schema: crmSchema, clock, writeBack });
  const picked = (await store.createSegment({ name: "Hand-picked", kind: "static" })).id;
  for (const [name, expression] of SEGMENTS) await store.createSegment({ name, kind: "dynamic", expression });
  return { store, picked };
}

/** What a user can observe: the feed (with segment ids, keys, versions), members, counts, contacts. */
async function observe(store: Store, fromMemory: boolean): Promise<unknown> {
  const feed = (await store.changes({ since: 0, limit: 10_000 })).items.map((c) => [c.segmentId, c.key, c.change, c.segmentVersion, c.at]);
  const segments = [];
  for (const s of (await store.listSegments({ limit: 100 })).items) {
    segments.push([s.name, s.memberCount, (await store.members(s.id, { limit: 1000 })).items.map((m) => String(m["id"])).sort()]);
  }
  const contacts = [];
  for (const key of KEYS) contacts.push(await store.getContact(key).then((c) => c.values, () => null));
  return { feed, segments, contacts, fromMemory: fromMemory ? "memory" : "database" };
}

describe("the write-back path of a DuckDB store", () => {
  it("gives what writing each upsert in its own transaction gives (fast-check)", async () => {
    let taken = 0;
    let upserts = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), async (steps) => {
        const clock = manualClock(Date.parse("2026-01-15T12:00:00Z"));
        // The two stores share nothing (each its own in-memory database), so each step runs on both at
        // once: DuckDB works outside JavaScript's thread, and the property took 37 s one store after the other.
        const [quick, plain] = await Promise.all([setUp(true, clock.now), setUp(false, clock.now)]);
        try {
          for (const s of steps) {
            const answers = await Promise.all(
              [quick, plain].map(async ({ store, picked }): Promise<unknown> => {
                if (s.kind === "upsert") {
                  const rows = s.rows.map((r) => ({ id: r.key, ...r.values }));
                  return store.upsertContacts(rows).then((r) => ({ inserted: r.inserted, updated: r.updated, changes: r.changes.map((c) => [c.segmentId, c.key, c.change]) }), (e: Error) => e.message);
                } else if (s.kind === "event") {
                  await store.appendEvents([{ contact_id: s.key, event: "Purchase", occurred_at: "2026-01-14T00:00:00Z", properties: { amount: 10 } }]).catch(() => undefined);
                } else if (s.kind === "pick") {
                  await (s.add ? store.addMembers(picked, [s.key]) : store.removeMembers(picked, [s.key])).catch(() => undefined);
                }
                return undefined;
              }),
            );
            // Both stores answered an upsert alike (the same changes, in the same order).
            if (s.kind === "upsert") expect(answers[0]).toEqual(answers[1]);
            if (s.kind === "upsert") upserts++;
            if (s.kind === "read") {
              const [q, p] = await Promise.all([observe(quick.store, true), observe(plain.store, true)]);
              expect(q).toEqual(p);
            }
          }
          taken += (quick.store as unknown as { writeBack: { taken: number } }).writeBack.taken;
          const [q, p] = await Promise.all([observe(quick.store, false), observe(plain.store, false)]);
          expect(q).toEqual(p);
        } finally {
          await Promise.all([quick.store.close(), plain.store.close()]);
        }
      }),
      { numRuns: Number(process.env["SEGQL_STORE_RUNS"] ?? 25), seed: Number(process.env["SEGQL_SEED"] ?? 20261206) },
    );
    // The property is about the write-back path: many upserts must have taken it (those writing tags of
    // an existing contact cannot: "VIP buyers" reads its events; nor those the store refuses).
    expect(taken).toBeGreaterThan(upserts / 4);
  }, 240_000);

  it("shows an upsert's changes in the feed at once, with the sequence numbers the database keeps", async () => {
    const clock = manualClock();
    const { store } = await setUp(true, clock.now);
    try {
      const before = (await store.changes({ since: 0, limit: 10_000 })).next;
      const r = await store.upsertContacts([{ id: "n1", ltv: 500 }]);
      expect(r.changes.map((c) => c.segmentId).length).toBeGreaterThan(0);
      const wb = (store as unknown as { writeBack: { taken: number } }).writeBack;
      expect(wb.taken).toBe(1);
      const memory = await store.changes({ since: before });
      expect(memory.items).toEqual(r.changes);
      // Another write applies the journal first: the database then holds the same rows, same numbers.
      await store.appendEvents([{ contact_id: "n1", event: "Login", occurred_at: "2026-01-14T00:00:00Z" }]);
      const database = await store.changes({ since: before });
      expect(database.items.slice(0, r.changes.length)).toEqual(r.changes);
      expect(database.next).toBeGreaterThanOrEqual(memory.next);
    } finally {
      await store.close();
    }
  });

  it("keeps other contacts cached across an event append, and re-reads the contact it touched", async () => {
    const clock = manualClock();
    const { store } = await setUp(true, clock.now);
    const wb = (store as unknown as { writeBack: { taken: number } }).writeBack;
    try {
      await store.upsertContacts([{ id: "a", ltv: 5 }]);
      await store.upsertContacts([{ id: "b", ltv: 5 }]);
      await store.appendEvents([{ contact_id: "a", event: "Purchase", occurred_at: "2026-01-14T00:00:00Z" }]);
      await store.appendEvents([{ contact_id: "a", event: "Purchase", occurred_at: "2026-01-14T01:00:00Z" }]);
      // "VIP buyers" reads a's events: an update of a's tags is evaluated on its events (ordinary path) …
      const a = await store.upsertContacts([{ id: "a", tags: ["vip"] }]);
      expect(a.changes.map((c) => c.change)).toEqual(["entered"]);
      expect(wb.taken).toBe(2);
      // … while b, untouched by those writes, stays on the write-back path.
      const b = await store.upsertContacts([{ id: "b", ltv: 500 }]);
      expect(wb.taken).toBe(3);
      expect(b.changes.length).toBeGreaterThan(0);
      expect((await store.changes({ since: b.changes[0]!.seq - 1 })).items).toEqual(b.changes);
    } finally {
      await store.close();
    }
  });
});

describe("concurrent upserts on the write-back path", () => {
  it("lose nothing: the feed replays to the members, and a full refresh changes nothing (fast-check)", async () => {
    const write = fc.array(fc.record({ key: fc.constantFrom(...KEYS), ltv: fc.integer({ min: 0, max: 200 }), tags: fc.constantFrom([], ["vip"], ["a,b"]) }), { minLength: 1, maxLength: 3 });
    await fc.assert(
      fc.asyncProperty(fc.array(write, { minLength: 5, maxLength: 20 }), fc.array(fc.constantFrom(...KEYS), { maxLength: 3 }), async (writes, eventKeys) => {
        const clock = manualClock();
        const { store } = await setUp(true, clock.now);
        try {
          // Everything at once: upserts interleave at their awaits (cache reads, sequence reservations),
          // and event appends take the ordinary path among them.
          const results = await Promise.all([
            ...writes.map((rows) => store.upsertContacts(rows.map((r) => ({ id: r.key, ltv: r.ltv, tags: r.tags })))),
            ...eventKeys.map((k) => store.upsertContacts([{ id: k }]).then(() => store.appendEvents([{ contact_id: k, event: "Purchase", occurred_at: "2026-01-14T00:00:00Z" }]))),
          ]);
          const acknowledged = results.flatMap((r) => r.changes.map((c) => c.seq));
          const feed = (await store.changes({ since: 0, limit: 10_000 })).items;
          // Every acknowledged change is in the feed, under its number, in increasing order.
          const seqs = feed.map((c) => c.seq);
          expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
          for (const seq of acknowledged) expect(seqs).toContain(seq);
          // Replaying the feed gives each segment's members.
          const replayed = new Map<number, Set<string>>();
          for (const c of feed) {
            const set = replayed.get(c.segmentId) ?? new Set<string>();
            if (c.change === "entered") set.add(c.key);
            else set.delete(c.key);
            replayed.set(c.segmentId, set);
          }
          for (const seg of (await store.listSegments({ kind: "dynamic", limit: 100 })).items) {
            const members = (await store.members(seg.id, { limit: 1000 })).items.map((m) => String(m["id"])).sort();
            expect(members).toEqual([...(replayed.get(seg.id) ?? [])].sort());
            expect(seg.memberCount).toBe(members.length);
          }
          for (const r of await store.refresh()) expect([r.name, r.entered, r.exited]).toEqual([r.name, 0, 0]);
        } finally {
          await store.close();
        }
      }),
      { numRuns: Number(process.env["SEGQL_STORE_RUNS"] ?? 15), seed: Number(process.env["SEGQL_SEED"] ?? 20261206) },
    );
  }, 240_000);
});

describe("a crash before the journal is applied", () => {
  const dir = mkdtempSync(join(tmpdir(), "segql-write-back-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const crash = (db: string, rows: number) => {
    const child = spawnSync(process.execPath, ["--import", "tsx", join(import.meta.dirname, "write-back-crash.ts"), db, String(rows)], { encoding: "utf8", timeout: 120_000 });
    expect(child.signal, child.stderr).toBe("SIGKILL");
    return JSON.parse(child.stdout.trim().split("\n").at(-1)!) as { key: string; ltv: number; changes: { seq: number; segmentId: number; key: string; change: string }[] }[];
  };

  it("applies the acknowledged upserts on the next open, as the feed showed them", async () => {
    const db = join(dir, "crash.duckdb");
    const acked = crash(db, 5);
    expect(statSync(`${db}.segql-journal`).size).toBeGreaterThan(0);
    const store = await openStore({ db });
    try {
      for (const a of acked) expect((await store.getContact(a.key)).values["ltv"]).toBe(a.ltv);
      const shown = acked.flatMap((a) => a.changes);
      expect(shown.length).toBeGreaterThan(0);
      const feed = (await store.changes({ since: shown[0]!.seq - 1, limit: 10_000 })).items;
      expect(feed.map((c) => [c.seq, c.segmentId, c.key, c.change])).toEqual(shown.map((c) => [c.seq, c.segmentId, c.key, c.change]));
      const big = (await store.listSegments()).items.find((s) => s.name === "Big")!;
      const members = (await store.members(big.id, { limit: 1000 })).items.map((m) => String(m["id"])).sort();
      expect(members).toEqual(acked.filter((a) => a.ltv > 100).map((a) => a.key).sort());
      expect(big.memberCount).toBe(members.length);
    } finally {
      await store.close();
    }
    // Applied and closed: the journal is gone.
    expect(existsSync(`${db}.segql-journal`)).toBe(false);
  }, 180_000);

  it("drops a torn record at the journal's end and keeps the ones before it", async () => {
    const db = join(dir, "torn.duckdb");
    const acked = crash(db, 3);
    const journal = `${db}.segql-journal`;
    const whole = readFileSync(journal, "utf8");
    appendFileSync(journal, whole.split("\n")[0]!.slice(0, 40));
    const store = await openStore({ db });
    try {
      for (const a of acked) expect((await store.getContact(a.key)).values["ltv"]).toBe(a.ltv);
      // New writes after the recovery land normally.
      await store.upsertContacts([{ id: "after", ltv: 1000 }]);
    } finally {
      await store.close();
    }
    const again = await openStore({ db });
    try {
      expect((await again.getContact("after")).values["ltv"]).toBe(1000);
    } finally {
      await again.close();
    }
  }, 180_000);
});
