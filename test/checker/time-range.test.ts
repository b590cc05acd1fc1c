/**
 * Times hold the years 0001-9999 (UTC), as every SQL engine's timestamp and the store do: a date or
 * timestamp literal outside them, and an amount of units longer than the 9,999 years they span (which
 * reaches outside them from any `now`), are the checker's errors, positioned on the literal or the amount,
 * so the predicate and every SQL dialect refuse the same texts. Amounts within the span check; what they
 * reach from a given `now` is the compiler's to refuse.
 */
import { describe, expect, it } from "vitest";
import { check } from "../../src/checker/index.js";
import { parse } from "../../src/parser/index.js";
import { parseSchema } from "../../src/schema/schema.js";

const schema = parseSchema(JSON.stringify({
  table: "contacts",
  key: "id",
  fields: { id: { type: "string" }, seen_at: { type: "timestamp" }, born_on: { type: "date" } },
  events: { table: "events", contact_key: "contact_id", name: "event", time: "occurred_at", properties: { at: { type: "timestamp" } } },
}));

function problems(text: string): string[] {
  const r = check(parse(text).document, schema);
  return r.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.span.start}:${d.code}: ${d.message}`);
}

describe("times outside the years 0001-9999", () => {
  it("a literal outside them is an error on the literal, in rules, event windows and filters", () => {
    expect(problems("seen_at before 0000-01-01")).toEqual(["15:bad-date: 0000-01-01 is outside the years 0001-9999 that times hold"]);
    expect(problems("born_on > 0000-12-31T23:59:59Z")).toEqual(["10:bad-timestamp: 0000-12-31T23:59:59Z is outside the years 0001-9999 that times hold"]);
    // An offset moves a time written in the year 0001 out of it: said with the instant in UTC.
    expect(problems("seen_at after 0001-01-01T00:30:00+01:00")).toEqual([
      "14:bad-timestamp: 0001-01-01T00:30:00+01:00 (0000-12-31T23:30:00.000Z in UTC) is outside the years 0001-9999 that times hold",
    ]);
    expect(problems('performed "Login" between 0000-06-01 and 2020-01-01')).toEqual(["26:bad-date: 0000-06-01 is outside the years 0001-9999 that times hold"]);
    expect(problems('performed "Login" where at < 0000-06-01')).toEqual(["29:bad-date: 0000-06-01 is outside the years 0001-9999 that times hold"]);
    // The bounds themselves are times.
    expect(problems("seen_at between 0001-01-01 and 9999-12-31T23:59:59.999Z")).toEqual([]);
  });

  it("an amount longer than 9,999 years is an error on the amount, in every form that takes one", () => {
    expect(problems("seen_at within last 99999 years")).toEqual(["20:bad-amount: 99999 years is longer than the 9,999 years that times span"]);
    expect(problems("seen_at > 120000 months ago")).toEqual(["10:bad-amount: 120000 months is longer than the 9,999 years that times span"]);
    expect(problems("seen_at < in 4000000 days")).toEqual(["13:bad-amount: 4000000 days is longer than the 9,999 years that times span"]);
    expect(problems('performed "Login" within last 10000 years')).toEqual(["30:bad-amount: 10000 years is longer than the 9,999 years that times span"]);
    // The bounds: 9,999 years, 119,988 months; in days, the range of times holds 3,652,058 whole days.
    expect(problems("seen_at within last 9999 years and seen_at > 119988 months ago and seen_at > 3652058 days ago")).toEqual([]);
    expect(problems("seen_at > 3652059 days ago")).toEqual(["10:bad-amount: 3652059 days is longer than the 9,999 years that times span"]);
  });
});
