/**
 * A wide `or` of branches that each require one field to equal a value (`tenure = 3 and customer_id =
 * "…" or …`, as generated segments write thousands of them) is evaluated by a table lookup on that field
 * (src/compiler/predicate/dispatch.ts). The lookup must not change an answer: each law compares the text
 * with the same branches wrapped in `not (not (…))`, which the compiler neither merges nor dispatches, in
 * both back ends (through `both`).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkExpression } from "../../src/index.js";
import { predicateSource } from "../../src/compiler/predicate/index.js";
import { DISPATCH_THRESHOLD } from "../../src/compiler/predicate/dispatch.js";
import { quoteString } from "../../src/parser/format.js";
import type { Contact } from "../../src/compiler/predicate/index.js";
import { richSchema } from "../helpers/generators.js";
import { both, NOW } from "./helpers.js";

const source = (text: string) => predicateSource(checkExpression(text, richSchema), { now: NOW });
const lit = (v: string | number) => (typeof v === "string" ? quoteString(v) : Object.is(v, -0) ? "-0" : String(v));
/** The same branches, each in `not (not (…))`: never merged, never dispatched. */
const reference = (branches: string[]) => branches.map((b) => `not (not (${b}))`).join(" or ");

describe("a wide or keyed on one field is one table lookup", () => {
  const branches = Array.from({ length: 5_000 }, (_, i) => `score = ${i % 40} and email = ${lit(`u${i}@x.com`)}`);
  const text = branches.join(" or ");

  it("the generated code looks the contact's value up once, on the most selective field", () => {
    const code = source(text);
    expect(code).toContain(".get(t)");
    expect(code).toContain("function d0(c, E, i)");
    // email has 5,000 distinct values, score 40: the table is keyed on email, so each case tests score.
    expect(code.split('c["email"]').length - 1).toBe(1);
    expect(code).toContain("case 4999:");
  });

  it("answers as the branches tried one by one", () => {
    const p = both(text);
    const r = both(reference(branches));
    const contacts: Contact[] = [
      { score: 7, email: "u7@x.com" },
      { score: 8, email: "u7@x.com" }, // the right key, the rest fails
      { score: 39, email: "u4999@x.com" },
      { score: 0, email: "u5000@x.com" }, // a key not in the table
      { score: 7, email: "U7@X.COM" }, // `=` on text is exact
      { score: 7 },
      { email: "u7@x.com" },
      { score: "7", email: "u7@x.com" },
      { score: 7, email: ["u7@x.com"] },
    ];
    for (const c of contacts) expect(p(c), JSON.stringify(c)).toBe(r(c));
    expect(p(contacts[0]!)).toBe(true);
    expect(p(contacts[1]!)).toBe(false);
  });

  it(`an or of fewer than ${DISPATCH_THRESHOLD} such branches is left as written`, () => {
    const few = branches.slice(0, DISPATCH_THRESHOLD - 1).join(" or ");
    expect(source(few)).not.toContain("function d0");
    expect(source(branches.slice(0, DISPATCH_THRESHOLD).join(" or "))).toContain("function d0");
  });

  it("a branch keyed by `in` is found under each of its values; a branch with no key is still tried", () => {
    const keyed = Array.from({ length: 20 }, (_, i) => `email in (${lit(`a${i}`)}, ${lit(`b${i}`)}) and score > ${i}`);
    const all = [...keyed, "is_vip", `email = "a3"`, `tags has any ("vip")`];
    const p = both(all.join(" or "));
    const r = both(reference(all));
    for (const c of [{ email: "b5", score: 6 }, { email: "b5", score: 5 }, { email: "a3", score: 0 }, { email: "zz", is_vip: true }, { tags: ["vip"] }, {}]) {
      expect(p(c), JSON.stringify(c)).toBe(r(c));
    }
    expect(p({ email: "b5", score: 6 })).toBe(true);
    expect(p({ email: "a3", score: 0 })).toBe(true);
  });

  it("inside an event filter the branches are tried as written (they read the event being scanned)", () => {
    const filter = Array.from({ length: 20 }, (_, i) => `amount = ${i} and currency = ${lit(`C${i}`)}`).join(" or ");
    const text = `performed "Purchase" where ${filter}`;
    expect(source(text)).not.toContain("function d0");
    const event = { contact_id: "c1", event: "Purchase", occurred_at: "2024-03-01T00:00:00Z", properties: { amount: 4, currency: "C4" } };
    expect(both(text)({ id: "c1" }, [event])).toBe(true);
    expect(both(text)({ id: "c1" }, [{ ...event, properties: { amount: 4, currency: "C5" } }])).toBe(false);
  });
});

/** Few values, so that contacts often hold a branch's key (odd ones included: "", "__proto__", -0). */
const STRINGS = ["", "a", "A", "é", "__proto__", "constructor", "line\nbreak", "😀", "ß"];
const NUMBERS = [0, -0, 1, 0.1, 1e308, 99.99];

/** A rule keyed on email or score (`=` / `in`), which the lookup can use. */
const keyArb = fc.oneof(
  fc.constantFrom(...STRINGS).map((v) => `email = ${lit(v)}`),
  fc.array(fc.constantFrom(...STRINGS), { minLength: 1, maxLength: 3 }).map((vs) => `email in (${vs.map(lit).join(", ")})`),
  fc.constantFrom(...NUMBERS).map((v) => `score = ${lit(v)}`),
  fc.array(fc.constantFrom(...NUMBERS), { minLength: 1, maxLength: 3 }).map((vs) => `score in (${vs.map(lit).join(", ")})`),
);
/** Any other rule (what a branch requires besides its key). */
const otherArb = fc.oneof(
  fc.constantFrom(...NUMBERS).map((v) => `score > ${lit(v)}`),
  fc.constantFrom("Free", "Pro", "Enterprise").map((v) => `plan_type = ${lit(v)}`),
  fc.constantFrom(...STRINGS).map((v) => `email != ${lit(v)}`),
  fc.constant("is_vip"),
  fc.constant("email is empty"),
);
/** Mostly a key and up to two other rules; sometimes other rules alone. */
const branchArb = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(keyArb, fc.array(fc.oneof(keyArb, otherArb), { maxLength: 2 })).map(([k, rest]) => [k, ...rest].join(" and ")) },
  { weight: 1, arbitrary: fc.array(otherArb, { minLength: 1, maxLength: 2 }).map((rules) => rules.join(" and ")) },
);
const contactArb = fc.record(
  {
    email: fc.oneof(fc.constantFrom(...STRINGS), fc.constantFrom(null, 5, true, ["a"])),
    score: fc.oneof(fc.constantFrom(...NUMBERS), fc.constantFrom(null, "1", false)),
    plan_type: fc.constantFrom("Free", "Pro", "Enterprise", "pro", null),
    is_vip: fc.constantFrom(true, false, null),
  },
  { requiredKeys: [] },
);

describe("dispatched and tried-one-by-one forms agree (codegen and closures alike)", () => {
  it("random wide ors of keyed and unkeyed branches", () => {
    fc.assert(
      fc.property(fc.array(branchArb, { minLength: DISPATCH_THRESHOLD, maxLength: 60 }), fc.array(contactArb, { minLength: 4, maxLength: 16 }), (branches, contacts) => {
        const p = both(branches.join(" or "));
        const r = both(reference(branches));
        for (const c of contacts) expect(p(c), `${branches.join(" or ")} on ${JSON.stringify(c)}`).toBe(r(c));
      }),
      { numRuns: 150, seed: 16 },
    );
  });
});
