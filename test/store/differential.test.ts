/**
 * The two membership paths agree: contacts and events written through the store (each dynamic segment
 * re-evaluated by the predicate, in this process) give exactly the membership a full SQL refresh computes
 * in the database; and both equal the predicate run here on the data the store accepted.
 *
 * Data and expressions come from the project's differential generators (the rich schema: every field
 * type, Unicode and LIKE metacharacters, boundary numbers and instants, JSON and own-column event
 * properties), with the library segments of test/helpers/generators.ts saved as segments the expression
 * reads. The generators' off-enum values and mistyped properties are turned off (the store checks values
 * against the schema and refuses those, like the loaders); rows it still refuses (PostgreSQL cannot hold
 * U+0000) are left out of the comparison. SEGQL_STORE_DIFF_CASES sets the number of cases per backend.
 */
import { afterAll, describe, expect, it } from "vitest";
import { compilePredicate } from "../../src/compiler/predicate/index.js";
import { checkExpression } from "../../src/index.js";
import type { Store } from "../../src/store/index.js";
import { eventsByKey, RICH_SEGMENTS, richSchema, sampleCases, type Case } from "../helpers/generators.js";
import { BACKENDS, openTestStore, writeAccepted, type TestStore } from "./helpers.js";

const CASES = (backend: string) => Number(process.env["SEGQL_STORE_DIFF_CASES"] ?? (backend === "duckdb" ? 12 : 3));

async function segmentMembers(store: Store): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const s of (await store.listSegments({ limit: 1000 })).items) {
    const keys: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await store.members(s.id, { limit: 1000, cursor });
      keys.push(...page.items.map((c) => String(c["id"])));
      cursor = page.next;
    } while (cursor);
    out.set(s.name, keys.sort());
  }
  return out;
}

async function createSegments(store: Store, c: Case): Promise<void> {
  for (const s of RICH_SEGMENTS) await store.createSegment({ name: s.name, kind: "dynamic", expression: s.text });
  const main = /segment "Main" as ([\s\S]*)\n$/.exec(c.text)?.[1] ?? c.text;
  await store.createSegment({ name: "Main", kind: "dynamic", expression: main });
}

for (const backend of BACKENDS) {
  describe(`predicate path = SQL refresh on ${backend}`, () => {
    const open: TestStore[] = [];
    afterAll(async () => {
      for (const t of open.splice(0)) await t.dispose();
    });
    // Values the store refuses by design (off-enum text, mistyped properties) are left out of the data.
    const cases = sampleCases(20260115 + backend.length, CASES(backend), richSchema, { offEnumValues: false, mistypedProperties: false, maxContacts: 30 });

    cases.forEach((c, i) => {
      it(`case ${i}: ${c.text.split("\n").at(-2)!.slice(0, 90)}`, { timeout: 120_000 }, async () => {
        const now = Date.parse(c.now);
        // Store 1: segments first, then data through the API (predicate re-evaluation).
        const t1 = await openTestStore(backend, { schema: richSchema, clock: () => now });
        open.push(t1);
        await createSegments(t1.store, c);
        const contacts = await writeAccepted((rows) => t1.store.upsertContacts(rows), c.contacts.map((x) => ({ ...x })));
        const keys = new Set(contacts.map((x) => String(x["id"])));
        const events = await writeAccepted((rows) => t1.store.appendEvents(rows), c.events.filter((e) => keys.has(String(e["contact_id"]))));
        const viaPredicate = await segmentMembers(t1.store);
        // The case must exercise the store: most rows accepted.
        expect(contacts.length).toBeGreaterThanOrEqual(Math.floor(c.contacts.length / 2));

        // The SQL refresh finds nothing to change.
        const refreshed = await t1.store.refresh();
        expect(refreshed.map((r) => `${r.name}: +${r.entered} -${r.exited}`)).toEqual(refreshed.map((r) => `${r.name}: +0 -0`));

        // The predicate here, on the accepted data.
        const byKey = eventsByKey(richSchema, events);
        const typed = checkExpression(c.text, richSchema, { segment: "Main" });
        const p = compilePredicate(typed, { now });
        const expected = contacts.filter((x) => p(x, byKey.get(String(x["id"])) ?? [])).map((x) => String(x["id"])).sort();
        expect(viaPredicate.get("Main")).toEqual(expected);

        await t1.dispose();
        open.splice(open.indexOf(t1), 1);
        // Store 2: data first, then segments (their first membership by SQL).
        const t2 = await openTestStore(backend, { schema: richSchema, clock: () => now });
        open.push(t2);
        await t2.store.upsertContacts(contacts);
        if (events.length > 0) await t2.store.appendEvents(events);
        await createSegments(t2.store, c);
        expect(await segmentMembers(t2.store)).toEqual(viaPredicate);
        await t2.dispose();
        open.splice(open.indexOf(t2), 1);
      });
    });
  });
}
