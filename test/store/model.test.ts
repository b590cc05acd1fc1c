/**
 * Model-based test of the membership engine (fast-check): random sequences of contact upserts, event
 * appends, segment creates / edits / renames / deletes, static member edits, clock ticks with the
 * scheduled refresh, and full refreshes. After every step:
 *
 * 1. each dynamic segment's materialised membership equals the predicate's answer on the current data,
 *    computed here from the test's own copy of the contacts and events (not read back from the store),
 *    with static segments standing for their member lists;
 * 2. replaying the change log from empty gives every segment's current members, and the log never
 *    enters a member twice or exits a non-member.
 *
 * Runs on DuckDB and PGlite (and the PostgreSQL server with PG_URL). SEGQL_STORE_RUNS sets the number of
 * runs per backend (default 14 on DuckDB, 5 elsewhere). Each sequence starts with a few segments and
 * contacts, so the random part acts on something.
 */
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { compilePredicate, groupEvents } from "../../src/compiler/predicate/index.js";
import { checkDocument } from "../../src/index.js";
import { quoteString } from "../../src/parser/format.js";
import { StoreError, type Segment, type Store } from "../../src/store/index.js";
import { BACKENDS, crmSchema, manualClock, openTestStore, type TestStore } from "./helpers.js";

/** Runs per backend: DuckDB is fast, PGlite (WASM) several times slower. */
const RUNS = (backend: string) => Number(process.env["SEGQL_STORE_RUNS"] ?? (backend === "duckdb" ? 14 : 5));
const KEYS = ["k1", "k2", "k3", "k4", "k5"];
const NAMES = ["S0", "S1", "S2", "S3"];
const DAY = 86_400_000;
const EXPRESSIONS = [
  "ltv > 100",
  'plan = "Pro"',
  "active",
  'tags has "vip"',
  "signed_up_at within last 10 days",
  'performed "Purchase" at least 2 times',
  'performed "Purchase" with sum of amount > 50 within last 7 days',
  'not performed "Refund"',
  'in segment "S0"',
  'not in segment "S1" and ltv is empty',
  'in segment "S2" or plan in ("Team", "Free")',
  'in segment "S3" and (performed "Purchase" where amount >= 20)',
];

type Command =
  | { kind: "upsert"; key: string; values: Record<string, unknown> }
  | { kind: "event"; key: string; name: string; daysAgo: number; amount: number }
  | { kind: "createDynamic"; name: string; expression: string }
  | { kind: "createStatic"; name: string; members: string[] }
  | { kind: "edit"; name: string; expression: string }
  | { kind: "rename"; from: string; to: string }
  | { kind: "delete"; name: string }
  | { kind: "members"; name: string; add: boolean; keys: string[] }
  | { kind: "tick"; days: number }
  | { kind: "refresh" };

const values = fc.record(
  {
    plan: fc.constantFrom("Free", "Pro", "Team", null),
    ltv: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.constant(null)),
    active: fc.boolean(),
    tags: fc.subarray(["vip", "beta"]),
    signed_up_at: fc.integer({ min: 0, max: 25 }).map((d) => new Date(Date.parse("2026-01-15T00:00:00Z") - d * DAY).toISOString()),
  },
  { requiredKeys: [] },
);

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("upsert" as const), key: fc.constantFrom(...KEYS), values }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("event" as const),
      key: fc.constantFrom(...KEYS),
      name: fc.constantFrom("Purchase", "Purchase", "Refund"),
      daysAgo: fc.integer({ min: 0, max: 12 }),
      amount: fc.integer({ min: 1, max: 40 }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("createDynamic" as const), name: fc.constantFrom(...NAMES), expression: fc.constantFrom(...EXPRESSIONS) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("createStatic" as const), name: fc.constantFrom(...NAMES), members: fc.subarray(KEYS) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("edit" as const), name: fc.constantFrom(...NAMES), expression: fc.constantFrom(...EXPRESSIONS) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("rename" as const), from: fc.constantFrom(...NAMES), to: fc.constantFrom(...NAMES) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("delete" as const), name: fc.constantFrom(...NAMES) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("members" as const), name: fc.constantFrom(...NAMES), add: fc.boolean(), keys: fc.subarray(KEYS, { minLength: 1 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("tick" as const), days: fc.integer({ min: 1, max: 6 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: "refresh" as const }) },
);

/** A few segments and contacts first, then anything. */
const sequence: fc.Arbitrary<Command[]> = fc
  .tuple(
    fc.array(fc.record({ kind: fc.constant("createDynamic" as const), name: fc.constantFrom(...NAMES), expression: fc.constantFrom(...EXPRESSIONS) }), { minLength: 1, maxLength: 3 }),
    fc.array(fc.record({ kind: fc.constant("upsert" as const), key: fc.constantFrom(...KEYS), values }), { minLength: 1, maxLength: 4 }),
    fc.array(command, { minLength: 3, maxLength: 16 }),
  )
  .map(([a, b, c]) => [...a, ...b, ...c]);

/** The test's own copy of the data. */
interface Model {
  contacts: Map<string, Record<string, unknown>>;
  events: Record<string, unknown>[];
}

async function apply(store: Store, model: Model, clock: ReturnType<typeof manualClock>, c: Command): Promise<void> {
  const find = async (name: string): Promise<Segment | null> => store.findSegment(name).catch(() => null);
  try {
    switch (c.kind) {
      case "upsert": {
        await store.upsertContacts([{ id: c.key, ...c.values }]);
        model.contacts.set(c.key, { ...(model.contacts.get(c.key) ?? { id: c.key }), ...c.values });
        return;
      }
      case "event": {
        if (!model.contacts.has(c.key)) return;
        const e = { contact_id: c.key, event: c.name, occurred_at: new Date(clock.now() - c.daysAgo * DAY).toISOString(), properties: { amount: c.amount } };
        await store.appendEvents([e]);
        model.events.push(e);
        return;
      }
      case "createDynamic":
        await store.createSegment({ name: c.name, kind: "dynamic", expression: c.expression });
        return;
      case "createStatic":
        await store.createSegment({ name: c.name, kind: "static", members: c.members }, {});
        return;
      case "edit": {
        const s = await find(c.name);
        if (s) await store.updateSegment(s.id, { expression: c.expression }, { expectedVersion: s.version });
        return;
      }
      case "rename": {
        const s = await find(c.from);
        if (s) await store.updateSegment(s.id, { name: c.to });
        return;
      }
      case "delete": {
        const s = await find(c.name);
        if (s) await store.deleteSegment(s.id);
        return;
      }
      case "members": {
        const s = await find(c.name);
        if (s) await (c.add ? store.addMembers(s.id, c.keys) : store.removeMembers(s.id, c.keys));
        return;
      }
      case "tick":
        clock.advance(c.days * DAY);
        await store.refresh({ relativeOnly: true });
        return;
      case "refresh":
        await store.refresh();
        return;
    }
  } catch (e) {
    // Refusals the store must make (a taken name, a cycle, an unknown segment, a referenced delete,
    // an unknown key, editing a static segment's expression) leave everything as it was.
    if (!(e instanceof StoreError)) throw e;
  }
}

async function allMembers(store: Store, id: number): Promise<string[]> {
  const out: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await store.members(id, { limit: 2, cursor });
    out.push(...page.items.map((c) => String(c["id"])));
    cursor = page.next;
  } while (cursor);
  return out.sort();
}

async function checkInvariants(store: Store, model: Model, now: number): Promise<void> {
  const segments = (await store.listSegments({ limit: 1000 })).items;
  const members = new Map<number, string[]>();
  for (const s of segments) members.set(s.id, await allMembers(store, s.id));
  // 1. The predicate's answer on the model's data, static segments as their lists.
  const text = segments
    .map((s) => {
      const list = members.get(s.id)!;
      const expr = s.kind === "dynamic" ? s.expression! : list.length > 0 ? `id in (${list.map(quoteString).join(", ")})` : "id is empty";
      return `segment ${quoteString(s.name)} as ${expr};`;
    })
    .join("\n");
  const typed = segments.length > 0 ? checkDocument(text, crmSchema) : [];
  const events = groupEvents(model.events, "contact_id");
  for (const s of segments) {
    if (s.kind !== "dynamic") continue;
    expect(s.problems).toEqual([]);
    const predicate = compilePredicate(typed.find((t) => t.name === s.name)!, { now });
    const expected = [...model.contacts.values()].filter((c) => predicate(c, events.get(String(c["id"])) ?? [])).map((c) => String(c["id"])).sort();
    expect(members.get(s.id), `${s.name}: ${s.expression}`).toEqual(expected);
    expect(s.memberCount).toBe(expected.length);
  }
  // 2. Replaying the log.
  const replay = new Map<number, Set<string>>();
  let since = 0;
  for (;;) {
    const page = await store.changes({ since, limit: 50 });
    for (const ch of page.items) {
      const set = replay.get(ch.segmentId) ?? new Set<string>();
      replay.set(ch.segmentId, set);
      if (ch.change === "entered") {
        expect(set.has(ch.key), `entered twice: ${ch.key} in #${ch.segmentId}`).toBe(false);
        set.add(ch.key);
      } else {
        expect(set.has(ch.key), `exited without being in: ${ch.key} in #${ch.segmentId}`).toBe(true);
        set.delete(ch.key);
      }
    }
    if (page.items.length === 0) break;
    since = page.next;
  }
  for (const s of segments) expect([...(replay.get(s.id) ?? [])].sort()).toEqual(members.get(s.id));
  // Deleted segments: everyone exited.
  for (const [id, set] of replay) if (!members.has(id)) expect(set.size).toBe(0);
}

for (const backend of BACKENDS) {
  describe(`membership model on ${backend}`, () => {
    const open: TestStore[] = [];
    afterAll(async () => {
      for (const t of open.splice(0)) await t.dispose();
    });

    it(
      "materialised membership = predicate on current data; change log replays to it",
      async () => {
        await fc.assert(
          fc.asyncProperty(sequence, async (commands) => {
            const clock = manualClock(Date.parse("2026-01-15T00:00:00Z"));
            const t = await openTestStore(backend, { clock: clock.now });
            try {
              const model: Model = { contacts: new Map(), events: [] };
              for (const c of commands) {
                await apply(t.store, model, clock, c);
                await checkInvariants(t.store, model, clock.now());
              }
            } finally {
              await t.dispose();
            }
          }),
          { numRuns: RUNS(backend) },
        );
      },
      600_000,
    );
  });
}
