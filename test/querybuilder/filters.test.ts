/**
 * An event's `where` filter as builder rows (fast-check): a filter of property tests joined by `and` is
 * rows, one per test, that write back the filter the parser reads from the text (any spelling, layout and
 * comments); any other filter (an `or`, a `not`, a test of no property) has no rows.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse } from "../../src/parser/index.js";
import { filterRules, filterText, sameExpr } from "../../src/querybuilder/index.js";
import { richSchema, ruleArb } from "../helpers/generators.js";
import { NOW } from "./arbitraries.js";

const runs = Number(process.env["SEGQL_QB_RUNS"] ?? 300);
const events = richSchema.events!;
const properties = Object.values(events.properties);

function exprOf(text: string) {
  const parsed = parse(text);
  expect(parsed.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return parsed.document.segments[0]?.expr ?? null;
}

/** A test of one property, as people write them (any operator spelling, case); `not gift` is a NOT, not a test. */
const test = fc
  .constantFrom(...properties)
  .chain((p) => ruleArb(p, Date.parse(NOW)))
  .filter((t) => !/^not\b/i.test(t));
const joiner = fc.constantFrom(" and ", " AND ", "\n  and ", " and -- why\n ");

describe("event filters as builder rows", () => {
  it("a filter of property tests joined by `and` is rows, one per test, that write back the same filter", () => {
    fc.assert(
      fc.property(fc.array(test, { minLength: 1, maxLength: 4 }), fc.array(joiner, { minLength: 3, maxLength: 3 }), fc.boolean(), (tests, joiners, paren) => {
        const body = tests.map((t, i) => (i === 0 ? t : `${joiners[i - 1]}${t}`)).join("");
        const where = paren ? `(${body})` : body;
        const rows = filterRules(where, events);
        expect(rows).not.toBeNull();
        expect(rows!.map((r) => r.field.toLowerCase())).toEqual(tests.map((t) => /^`?([A-Za-z_]+)/.exec(t)![1]!.toLowerCase()));
        expect(sameExpr(exprOf(filterText(rows!, events)), exprOf(where))).toBe(true);
      }),
      { numRuns: runs },
    );
  });

  it("a row whose property is also a contact field puts the filter in parentheses (whose `country`?), and they read back", () => {
    const contacts = { ...richSchema, fields: { ...richSchema.fields, channel: { name: "channel", type: "string" as const, column: "channel" } } };
    const rows = filterRules('amount > 5 and channel = "web"', events)!;
    expect(filterText(rows, events, contacts)).toBe('(amount > 5 and channel = "web")');
    expect(filterText(rows, events, richSchema)).toBe('amount > 5 and channel = "web"');
    // The same rows (their ids are paths, one level deeper inside the parentheses).
    const again = filterRules(filterText(rows, events, contacts), events)!;
    expect(again.map(({ id: _, ...r }) => r)).toEqual(rows.map(({ id: _, ...r }) => r));
  });

  it("an `or`, a `not`, a nested group or a test of no property has no rows", () => {
    for (const where of ["amount > 5 or gift", "not gift", "amount > 5 and (gift or quantity > 1)", "tenure > 3", "amount >"]) {
      expect(filterRules(where, events)).toBeNull();
    }
    expect(filterRules("(amount > 5)", events)).toHaveLength(1);
  });
});
