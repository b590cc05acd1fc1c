/**
 * Event conditions and segment references on the predicate: counts, windows, `where` filters, aggregates,
 * first/last time, and `in segment`, each with its edge (no events, window ends, missing and mistyped
 * properties). Every check also runs `not (…)` and compares code generation with closures.
 */
import { describe, expect, it } from "vitest";
import { both, NOW } from "./helpers.js";

/** An event row in the rich schema's events table shape. */
function ev(event: string, at: string, properties: Record<string, unknown> = {}, sku?: unknown): Record<string, unknown> {
  return { contact_id: "c1", event, occurred_at: at, properties, ...(sku !== undefined ? { sku } : {}) };
}

function check(text: string, events: Record<string, unknown>[] | undefined, expected: boolean, contact: Record<string, unknown> = { id: "c1" }) {
  expect(both(text)(contact, events), text).toBe(expected);
  expect(both(`not (${text})`)(contact, events), `not (${text})`).toBe(!expected);
}

const P = (at: string, props: Record<string, unknown> = {}) => ev("Purchase", at, props);

describe("counts", () => {
  const three = [P("2024-03-01T00:00:00Z"), P("2024-03-02T00:00:00Z"), P("2024-03-03T00:00:00Z"), ev("Login", "2024-03-03T00:00:00Z")];
  it("performed is at least once; names match exactly", () => {
    check('performed "Purchase"', three, true);
    check('performed "Refund"', three, false);
    check('performed "Page View"', [ev("page view", NOW)], false);
    check('performed "Purchase"', [], false);
    check('performed "Purchase"', undefined, false); // no events given: none
  });
  it("at least / at most / exactly", () => {
    check('performed "Purchase" at least 3 times', three, true);
    check('performed "Purchase" at least 4 times', three, false);
    check('performed "Purchase" at most 3 times', three, true);
    check('performed "Purchase" at most 2 times', three, false);
    check('performed "Purchase" exactly 3 times', three, true);
    check('performed "Purchase" exactly 2 times', three, false);
  });
  it("a count over no events is 0", () => {
    check('performed "Purchase" at least 0 times', [], true);
    check('performed "Purchase" at most 2 times', [], true);
    check('performed "Purchase" exactly 0 times', [], true);
    check('performed "Purchase" exactly 0 times', three, false);
    check('performed "Refund" at most 0 times', three, true);
  });
  it("ignores rows that are not objects", () => {
    check('performed "Purchase" exactly 1 time', [null as never, 5 as never, P(NOW)], true);
  });
});

describe("windows (now = 2024-03-31T12:00:00Z): both ends included, calendar months", () => {
  it("within last N unit", () => {
    check('performed "Purchase" within last 30 days', [P("2024-03-01T12:00:00.000Z")], true);
    check('performed "Purchase" within last 30 days', [P("2024-03-01T11:59:59.999Z")], false);
    check('performed "Purchase" within last 30 days', [P(NOW)], true);
    check('performed "Purchase" within last 30 days', [P("2024-03-31T12:00:00.001Z")], false);
    check('performed "Purchase" within last 1 month', [P("2024-02-29T12:00:00Z")], true);
    check('performed "Purchase" within last 1 month', [P("2024-02-29T11:59:59Z")], false);
    check('performed "Purchase"', [P("2999-01-01T00:00:00Z")], true); // no window: every event counts
  });
  it("between A and B", () => {
    const es = [P("2024-01-01T00:00:00Z"), P("2024-01-31T23:59:59.999Z"), P("2024-02-01T00:00:00Z")];
    check('performed "Purchase" exactly 3 times between 2024-01-01 and 2024-02-01', es, true);
    check('performed "Purchase" exactly 1 time between 2024-01-31T23:59:59.999Z and 2024-02-01T00:00:00Z', es, false);
    check('performed "Purchase" exactly 2 times between 2024-01-31T23:59:59.999Z and 2024-02-01T00:00:00Z', es, true);
    check('performed "Purchase" between 2024-02-02 and 2024-02-01', es, false);
  });
  it("an event without a valid time is outside every window, but counts without one", () => {
    const es = [P("not a time"), ev("Purchase", null as never)];
    check('performed "Purchase" within last 100 years', es, false);
    check('performed "Purchase" exactly 2 times', es, true);
  });
  it("times may be Dates, epoch ms or offsets", () => {
    check('performed "Purchase" exactly 3 times within last 1 day', [
      { contact_id: "c1", event: "Purchase", occurred_at: new Date("2024-03-31T00:00:00Z"), properties: {} },
      { contact_id: "c1", event: "Purchase", occurred_at: Date.UTC(2024, 2, 31), properties: {} },
      P("2024-03-31T13:00:00+02:00"),
    ], true);
  });
});

describe("where filters apply to the same event as the window", () => {
  it("window and filter on one event", () => {
    const es = [P("2024-03-30T00:00:00Z", { amount: 10 }), P("2023-01-01T00:00:00Z", { amount: 100 })];
    check('performed "Purchase" within last 30 days where amount > 50', es, false);
    check('performed "Purchase" within last 30 days where amount > 5', es, true);
    check('performed "Purchase" where amount > 50', es, true);
  });
  it("missing, null and mistyped properties follow the empty-field rules", () => {
    const es = [P(NOW, {}), P(NOW, { currency: null }), P(NOW, { currency: 5 }), P(NOW, { amount: "60" })];
    check('performed "Purchase" where currency = "EUR"', es, false);
    check('performed "Purchase" exactly 4 times where currency != "EUR"', es, true);
    check('performed "Purchase" exactly 4 times where currency is empty', es, true);
    check('performed "Purchase" where amount > 50', es, false);
    check('performed "Purchase" exactly 4 times where not amount > 50', es, true);
  });
  it("JSON times: epoch ms floored, instants outside years 1-9999 and impossible days empty", () => {
    const at = (v: unknown) => [P(NOW, { shipped_at: v })];
    check('performed "Purchase" where shipped_at = 1970-01-01T00:00:00.001Z', at(1.5), true);
    check('performed "Purchase" where shipped_at before 1970-01-01', at(-0.5), true);
    check('performed "Purchase" where shipped_at = 1969-12-31T23:59:59.999Z', at(-0.5), true);
    check('performed "Purchase" where shipped_at = 9999-12-31T23:59:59.999Z', at(253_402_300_799_999.9), true);
    for (const empty of [1e20, -1e20, 253_402_300_800_000, "0000-01-01T00:00:00Z", "0001-01-01T00:30:00+01:00", "2023-02-29T10:00:00Z", "2024-01-01T24:00:00Z"]) {
      check('performed "Purchase" where shipped_at is empty', at(empty), true);
      check('performed "Purchase" where shipped_at after 1900-01-01', at(empty), false);
    }
    check('performed "Purchase" where shipped_at = 2024-01-01T10:00:00Z', at("2024-01-02T04:59:00+18:59"), true);
  });
  it("a properties value that is not an object means no properties", () => {
    const es = [{ contact_id: "c1", event: "Purchase", occurred_at: NOW, properties: "{\"amount\": 60}" }, { contact_id: "c1", event: "Purchase", occurred_at: NOW }];
    check('performed "Purchase" where amount > 50', es, false);
    check('performed "Purchase" exactly 2 times where amount is empty', es, true);
  });
  it("own-column properties are read from the row", () => {
    check('performed "Purchase" where sku starts with "ab"', [ev("Purchase", NOW, { sku: "abc" })], false);
    check('performed "Purchase" where sku starts with "ab"', [ev("Purchase", NOW, {}, "ABC")], true);
  });
  it("filters on every property type", () => {
    const e = ev("Purchase", NOW, { channel: "web", gift: true, shipped_at: "2024-03-30T00:00:00Z", currency: "EUR", quantity: 2 });
    check('performed "Purchase" where channel in ("web", "app") and gift and shipped_at within last 2 days', [e], true);
    check('performed "Purchase" where (currency = "EUR" or currency = "USD") and not quantity between 3 and 5', [e], true);
    check('performed "Purchase" where gift = false', [e], false);
  });
});

describe("aggregates: over no events they are empty, so any test is false", () => {
  const es = [P(NOW, { amount: 10 }), P(NOW, { amount: 30 }), P(NOW, { amount: "100" }), P(NOW, {}), ev("Refund", NOW, { amount: 1000 })];
  it("sum, average, min, max over the matching events' numeric values", () => {
    check('performed "Purchase" with sum of amount = 40', es, true);
    check('performed "Purchase" with average of amount = 20', es, true); // mistyped and missing amounts are skipped
    check('performed "Purchase" with min of amount = 10', es, true);
    check('performed "Purchase" with max of amount = 30', es, true);
    check('performed "Purchase" with max of amount > 30', es, false);
    check('performed "Purchase" with sum of amount between 39 and 41 where amount < 20', es, false);
    check('performed "Purchase" with sum of amount = 10 where amount < 20', es, true);
    check('performed "Purchase" with average of amount in (20, 21)', es, true);
  });
  it("the sum of nothing is not 0", () => {
    check('performed "Purchase" with sum of amount = 0', [], false);
    check('performed "Purchase" with sum of amount < 1', [], false);
    check('performed "Purchase" with sum of amount <= 0', [P(NOW, {})], false); // events, but no amounts
    check('performed "Purchase" with min of amount < 1000 within last 1 day', [P("2020-01-01T00:00:00Z", { amount: 1 })], false);
    check('performed "Purchase" with sum of amount = 0', [P(NOW, { amount: 0 })], true);
  });
});

describe("first and last time", () => {
  const es = [P("2024-01-10T00:00:00Z"), P("2024-03-01T00:00:00Z"), P("garbage"), ev("Login", "2024-03-30T00:00:00Z")];
  it("compare like timestamps", () => {
    check('performed "Purchase" with first time = 2024-01-10', es, true);
    check('performed "Purchase" with first time before 2024-01-10', es, false);
    check('performed "Purchase" with last time = 2024-03-01', es, true);
    check('performed "Purchase" with last time within last 31 days', es, true);
    check('performed "Purchase" with last time within last 30 days', es, false);
    check('performed "Purchase" with last time before 2024-02-01 between 2024-01-01 and 2024-02-01', es, true); // within the window
  });
  it("are empty without events", () => {
    check('performed "Purchase" with first time before 3000-01-01', [], false);
    check('performed "Purchase" with last time after 1900-01-01', [P("garbage")], false);
  });
});

describe("segment references", () => {
  const file = `
    segment "Paying" as plan_type in ("Pro", "Enterprise");
    segment "Active" as performed "Login" within last 7 days;
    segment "Core" as in segment "Paying" and in segment "Active";
    segment "Main" as in segment "Core" or (in segment "Paying" and not in segment "Active")
  `;
  it("compile to the referenced condition, each segment once", () => {
    const p = both(file, { segment: "Main" });
    expect(p({ plan_type: "Pro" }, [])).toBe(true);
    expect(p({ plan_type: "Free" }, [ev("Login", NOW)])).toBe(false);
    expect(p({ plan_type: "Enterprise" }, [ev("Login", NOW)])).toBe(true);
    const core = both(file, { segment: "Core" });
    expect(core({ plan_type: "Pro" }, [])).toBe(false);
    expect(core({ plan_type: "Pro" }, [ev("Login", NOW)])).toBe(true);
    const notActive = both(`${file}; segment "X" as not in segment "Active"`, { segment: "X" });
    expect(notActive({}, [])).toBe(true);
  });
});
