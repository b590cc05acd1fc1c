/**
 * Preview's counts = the predicate's: on the project's random expressions and data (every field type,
 * empty values, negations, events, references to saved segments), the count of each sub-condition that
 * `preview` computes in one scan equals the number of contacts that sub-condition's predicate accepts,
 * and the first page holds only matching contacts, as many as the page allows. Also: the counts of a
 * deeply nested expression (the bottom-up combination is a loop, not recursion). DuckDB and PGlite.
 * SEGQL_STORE_PREVIEW_CASES sets the number of cases per backend.
 */
import { afterAll, describe, expect, it } from "vitest";
import { compilePredicate } from "../../src/compiler/predicate/index.js";
import { subConditions } from "../../src/compiler/predicate/explain.js";
import { checkExpression, parse } from "../../src/index.js";
import { eventsByKey, RICH_SEGMENTS, richSchema, sampleCases } from "../helpers/generators.js";
import { BACKENDS, openTestStore, writeAccepted, type TestStore } from "./helpers.js";

const CASES = (backend: string) => Number(process.env["SEGQL_STORE_PREVIEW_CASES"] ?? (backend === "duckdb" ? 12 : 4));

for (const backend of BACKENDS) {
  describe(`preview counts = predicate on ${backend}`, () => {
    const open: TestStore[] = [];
    afterAll(async () => {
      for (const t of open.splice(0)) await t.dispose();
    });
    const cases = sampleCases(20261206 + backend.length, CASES(backend), richSchema, { offEnumValues: false, mistypedProperties: false, maxContacts: 30 });

    cases.forEach((c, i) => {
      it(`case ${i}: ${c.text.split("\n").at(-2)!.slice(0, 90)}`, { timeout: 120_000 }, async () => {
        const now = Date.parse(c.now);
        const t = await openTestStore(backend, { schema: richSchema, clock: () => now });
        open.push(t);
        for (const s of RICH_SEGMENTS) await t.store.createSegment({ name: s.name, kind: "dynamic", expression: s.text });
        const contacts = await writeAccepted((rows) => t.store.upsertContacts(rows), c.contacts.map((x) => ({ ...x })));
        const keys = new Set(contacts.map((x) => String(x["id"])));
        const events = await writeAccepted((rows) => t.store.appendEvents(rows), c.events.filter((e) => keys.has(String(e["contact_id"]))));
        const main = /segment "Main" as ([\s\S]*)\n$/.exec(c.text)?.[1] ?? c.text;

        const p = await t.store.preview(main, { limit: 5 });
        const typed = checkExpression(c.text, richSchema, { segment: "Main" });
        const byKey = eventsByKey(richSchema, events);
        const subs = subConditions(typed.expr);
        const expected = subs.map((s) => {
          const pred = compilePredicate({ schema: richSchema, expr: s.node }, { now });
          return contacts.filter((x) => pred(x, byKey.get(String(x["id"])) ?? [])).length;
        });
        expect(p.conditions.map((x) => [x.kind, x.count])).toEqual(subs.map((s, j) => [s.kind, expected[j]]));
        expect(p.count).toBe(expected[0]);
        // Each condition's text is as written, a condition of its own (a group's parentheses included).
        for (const x of p.conditions) expect(parse(x.text).diagnostics.filter((d) => d.severity === "error"), x.text).toEqual([]);
        // Without the per-condition counts, the count is one WHERE scan: the same number.
        const bare = await t.store.preview(main, { limit: 5, conditionCounts: false });
        expect([bare.count, bare.conditions]).toEqual([expected[0], []]);
        const root = compilePredicate(typed, { now });
        const matching = new Set(contacts.filter((x) => root(x, byKey.get(String(x["id"])) ?? [])).map((x) => String(x["id"])));
        expect(p.contacts.length).toBe(Math.min(5, matching.size));
        for (const x of p.contacts) expect(matching.has(String(x["id"]))).toBe(true);
        await t.dispose();
        open.splice(open.indexOf(t), 1);
      });
    });

    it("counts a condition of more sub-conditions than a PostgreSQL SELECT may list (1,664)", { timeout: 120_000 }, async () => {
      const t = await openTestStore(backend, { schema: richSchema, clock: () => Date.parse("2026-01-15T12:00:00Z") });
      open.push(t);
      const rows = [{ id: "a", score: 5 }, { id: "b", score: 50 }, { id: "c", score: 599 }, { id: "d" }];
      await t.store.upsertContacts(rows.map((r) => ({ ...r })));
      // 600 `and`s of two rules: 1,801 sub-conditions (the `or`, the `and`s, the rules), 1,200 leaves.
      const text = Array.from({ length: 600 }, (_, i) => `(score = ${i} and score < 100)`).join(" or ");
      const p = await t.store.preview(text, { limit: 10 });
      const typed = checkExpression(text, richSchema);
      const subs = subConditions(typed.expr);
      expect(subs.length).toBeGreaterThan(1_664);
      expect(p.conditions.map((x) => x.count)).toEqual(subs.map((s) => rows.filter((r) => compilePredicate({ schema: richSchema, expr: s.node })(r)).length));
      expect([p.count, p.contacts.map((x) => x["id"])]).toEqual([2, ["a", "b"]]);
      await t.dispose();
      open.splice(open.indexOf(t), 1);
    });

    it("counts a deeply nested expression", { timeout: 120_000 }, async () => {
      const t = await openTestStore(backend, { schema: richSchema, clock: () => Date.parse("2026-01-15T12:00:00Z") });
      open.push(t);
      await t.store.upsertContacts([{ id: "a", score: 5 }, { id: "b", score: 50 }, { id: "c" }]);
      // 24 levels of not (score > 10 or …) (48 of the checker's 64 levels of nesting): an even number keeps the innermost meaning.
      let text = "score > 10";
      for (let d = 0; d < 24; d++) text = d % 2 === 0 ? `not (${text} or score = 1000)` : `not (${text})`;
      const p = await t.store.preview(text, { limit: 10 });
      expect(p.count).toBe(1);
      expect(p.contacts.map((x) => x["id"])).toEqual(["b"]);
      // Every node's count: nots alternate between b alone and everyone else; `score = 1000` is nobody.
      const typed = checkExpression(text, richSchema);
      const rows = [{ id: "a", score: 5 }, { id: "b", score: 50 }, { id: "c" }];
      expect(p.conditions.map((x) => x.count)).toEqual(subConditions(typed.expr).map((s) => rows.filter((r) => compilePredicate({ schema: richSchema, expr: s.node })(r)).length));
      await t.dispose();
      open.splice(open.indexOf(t), 1);
    });
  });
}
