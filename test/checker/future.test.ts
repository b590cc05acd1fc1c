/**
 * Future windows and relative times (issue 15): `within next N unit`, `not within next N unit`,
 * `in N unit`, `N unit from now` parse, format back as written, check to the typed AST every backend reads
 * (negative relative amounts), and are refused where they mean nothing: on events (events are in the
 * past) and on fields that are not dates or timestamps.
 */
import { describe, expect, it } from "vitest";
import { check } from "../../src/checker/index.js";
import type { TypedTest } from "../../src/checker/typed-ast.js";
import { format } from "../../src/parser/format.js";
import { parse } from "../../src/parser/index.js";
import { parseSchema } from "../../src/schema/schema.js";

const schema = parseSchema(JSON.stringify({
  table: "contacts",
  key: "id",
  fields: { id: { type: "string" }, trial_ends_at: { type: "timestamp" }, renewal_on: { type: "date" }, seats: { type: "number" }, next: { type: "number" }, from: { type: "string" } },
  events: { table: "events", contact_key: "contact_id", name: "event", time: "occurred_at", properties: {} },
}));

function typedTest(text: string): TypedTest {
  const r = check(parse(text).document, schema);
  expect(r.diagnostics).toEqual([]);
  const e = r.segments[0]!.expr;
  if (e.kind !== "rule") throw new Error(`not a rule: ${e.kind}`);
  return e.test;
}

function problems(text: string): string[] {
  const p = parse(text);
  return [...p.diagnostics, ...check(p.document, schema).diagnostics].map((d) => `${d.span.column}:${d.code}: ${d.message}`);
}

describe("future forms", () => {
  it("within next N unit is now ≤ t ≤ now + N unit; not within next is its complement", () => {
    expect(typedTest("trial_ends_at within next 7 days")).toEqual({ op: "between", low: { kind: "now" }, high: { kind: "relative", amount: -7, unit: "day" }, negated: false });
    expect(typedTest("renewal_on not within next 1 month")).toEqual({ op: "between", low: { kind: "now" }, high: { kind: "relative", amount: -1, unit: "month" }, negated: true });
  });

  it("in N unit and N unit from now are now + N unit wherever a time value goes", () => {
    expect(typedTest("trial_ends_at < in 3 days")).toEqual({ op: "lt", value: { kind: "relative", amount: -3, unit: "day" }, negated: false });
    expect(typedTest("renewal_on between today and 2 weeks from now")).toEqual({ op: "between", low: { kind: "today" }, high: { kind: "relative", amount: -2, unit: "week" }, negated: false });
    expect(typedTest("trial_ends_at after in 0 hours")).toEqual({ op: "gt", value: { kind: "relative", amount: 0, unit: "hour" }, negated: false });
  });

  it("format back as written, in any case", () => {
    for (const [input, formatted] of [
      ["trial_ends_at WITHIN NEXT 7 Days", "trial_ends_at within next 7 days"],
      ["trial_ends_at not within next 1 year", "trial_ends_at not within next 1 year"],
      ["trial_ends_at < IN 3 weeks", "trial_ends_at < in 3 weeks"],
      ["trial_ends_at >= 90 minutes FROM now", "trial_ends_at >= 90 minutes from now"],
    ]) {
      expect(format(parse(input!).document).trim()).toBe(formatted);
    }
  });

  it("next and from stay usable as field names", () => {
    expect(problems("next > 2 and from = \"x\" and trial_ends_at within next 1 day")).toEqual([]);
  });

  it("an event window cannot look ahead: events are in the past", () => {
    expect(problems('performed "Login" within next 7 days')).toEqual([
      "19:future-event: 'within next 7 days' looks ahead, and events are in the past (an event is recorded when it happens): use 'within last …', or 'between' with past times",
    ]);
  });

  it("only dates and timestamps take them, and the amount is a whole number", () => {
    expect(problems("seats within next 3 days")).toEqual([
      "7:operator-type: 'within next' takes date and timestamp fields; seats is a number field, which takes =, !=, <, <=, >, >=, between, not between, in, not in, is empty, is not empty",
    ]);
    expect(problems("seats > in 3 days")).toEqual(["9:value-type: seats is a number field, so it cannot be compared with the time in 3 days"]);
    expect(problems("trial_ends_at within next 1.5 days")).toEqual(["27:bad-amount: expected a whole number of units, found 1.5"]);
  });

  it("half-typed forms get syntax errors saying what is missing", () => {
    expect(problems("trial_ends_at within next")[0]).toMatch(/expected a number after 'next'/);
    expect(problems("trial_ends_at < in")[0]).toMatch(/expected a number after 'in'/);
    expect(problems("trial_ends_at within 3 days")[0]).toMatch(/expected 'last' or 'next' after 'within', found '3'/);
  });
});
