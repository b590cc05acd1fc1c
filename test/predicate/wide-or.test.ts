/**
 * A wide `or` of equalities on one field (`customer_id = "a" or customer_id = "b" or …`, as generated
 * segments write 20,000 of them) is one membership test: one read of the field and one Set lookup per
 * contact, not one comparison per clause. Likewise an `and` of `!=` on one field. The merge must not change
 * an answer: each law below compares the merged form with the same clauses wrapped in `not (not (…))`,
 * which the compiler does not merge, in both back ends (through `both`).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkExpression } from "../../src/index.js";
import { predicateSource } from "../../src/compiler/predicate/index.js";
import { quoteString } from "../../src/parser/format.js";
import { NUMBER_POOL, richSchema, STRING_POOL } from "../helpers/generators.js";
import { both, NOW } from "./helpers.js";

const source = (text: string) => predicateSource(checkExpression(text, richSchema), { now: NOW });
const reads = (code: string, field: string) => code.split(`c[${JSON.stringify(field)}]`).length - 1;

describe("a wide or of equalities on one field is one membership test", () => {
  it("20,000 `email = …` clauses read email once and look it up in one Set", () => {
    const text = Array.from({ length: 20_000 }, (_, i) => `email = "u${i}@x.com"`).join(" or ");
    const code = source(text);
    expect(reads(code, "email")).toBe(1);
    expect(code).toContain(".has(v)");
    const p = both(text);
    expect(p({ email: "u19999@x.com" })).toBe(true);
    expect(p({ email: "u20000@x.com" })).toBe(false);
  });

  it("an and of 1,000 `!=` (and `not in`) on one field reads it once", () => {
    const text = [...Array.from({ length: 1_000 }, (_, i) => `lifetime_value != ${i}`), "lifetime_value not in (-1, -2)"].join(" and ");
    const code = source(text);
    expect(reads(code, "lifetime_value")).toBe(1);
    const p = both(text);
    expect(p({ lifetime_value: 999 })).toBe(false);
    expect(p({ lifetime_value: -2 })).toBe(false);
    expect(p({ lifetime_value: 1000 })).toBe(true);
    expect(p({})).toBe(true); // `!=` holds on an empty field
  });

  it("merges per field and value type, and leaves other operands where they are", () => {
    const code = source('email = "a" or plan_type = "Pro" or email in ("b", "c") or is_vip or plan_type = "Free" or email != "d"');
    expect(reads(code, "email")).toBe(2); // "a", "b", "c" as one test; the `!=` is not part of an `or`'s union
    expect(reads(code, "plan")).toBe(0); // plan_type is read by its field name
    expect(reads(code, "plan_type")).toBe(1);
    expect(reads(code, "is_vip")).toBe(1);
  });

  it.each<[string, Record<string, unknown>, boolean]>([
    ['email = "a" or email = "b" or email = "c"', { email: "b" }, true],
    ['email = "a" or email = "b" or email = "c"', { email: "B" }, false],
    ['email = "a" or email = "b" or email = ""', { email: "" }, false], // "" is empty: never equal
    ['email = "a" or email = "b"', {}, false],
    ['email = "5" or email = "6"', { email: 5 }, false], // a number in a string field is empty
    ['email = "a" or email != "b"', { email: "b" }, false],
    ['email = "a" or email != "b"', {}, true],
    ['email != "a" and email != "b"', { email: "" }, true],
    ['email != "a" and email != "b"', { email: null }, true],
    ['email != "a" and email != "b"', { email: "a" }, false],
    ["score = 0 or score = 1 or score = 2 or score = 3 or score = 4 or score = 5 or score = 6 or score = 7 or score = 8", { score: -0 }, true],
    ["score = -0 or score = 9", { score: 0 }, true],
    ["score = 1 or score = 2", { score: "1" }, false],
    ['plan_type = "Pro" or plan_type = "Free"', { plan_type: "pro" }, false],
    ['performed "Purchase" where channel = "web" or channel = "app"', {}, false],
  ])("%s on %j → %s", (text, contact, expected) => {
    expect(both(text)(contact)).toBe(expected);
    expect(both(`not (${text})`)(contact)).toBe(!expected);
  });

  it("an event filter's or of equalities is merged and means the same", () => {
    const text = 'performed "Purchase" where channel = "web" or channel = "app" or channel = "store" and amount > 5';
    const events = [{ contact_id: "c1", event: "Purchase", occurred_at: "2024-03-01T00:00:00Z", properties: { channel: "app" } }];
    expect(both(text)({ id: "c1" }, events)).toBe(true);
    expect(both(text)({ id: "c1" }, [{ ...events[0]!, properties: { channel: "store", amount: 5 } }])).toBe(false);
  });
});

/** A clause on one field: `= value` or `in (values)`, negated as `!= value` or `not in (values)`. */
type Clause = { values: (string | number)[]; list: boolean };

function clauseText(c: Clause, negated: boolean): string {
  const text = (v: string | number) => (typeof v === "string" ? quoteString(v) : Object.is(v, -0) ? "-0" : String(v));
  if (c.list) return `${negated ? "not in" : "in"} (${c.values.map(text).join(", ")})`;
  return `${negated ? "!=" : "="} ${text(c.values[0]!)}`;
}

/** The clauses on `field` joined by `op`, as written and with each clause in `not (not (…))` (which is never merged). */
function forms(field: string, clauses: Clause[], op: "or" | "and"): [string, string] {
  const negated = op === "and";
  return [
    clauses.map((c) => `${field} ${clauseText(c, negated)}`).join(` ${op} `),
    clauses.map((c) => `not (not (${field} ${clauseText(c, negated)}))`).join(` ${op} `),
  ];
}

function clauseArb<T extends string | number>(pool: readonly T[]) {
  return fc.oneof(
    fc.constantFrom(...pool).map((v): Clause => ({ values: [v], list: false })),
    fc.array(fc.constantFrom(...pool), { minLength: 1, maxLength: 12 }).map((values): Clause => ({ values, list: true })),
  );
}

/** A field's value: of its type or not, empty in every way. */
const anyValue = fc.oneof(fc.constantFrom(...STRING_POOL), fc.constantFrom(...NUMBER_POOL), fc.constantFrom(null, undefined, true, [], {}));

describe("merged and unmerged forms agree (codegen and closures alike)", () => {
  for (const [field, pool] of [["email", STRING_POOL], ["score", NUMBER_POOL]] as const) {
    for (const op of ["or", "and"] as const) {
      it(`an ${op} of ${op === "or" ? "= and in" : "!= and not in"} on ${field}`, () => {
        fc.assert(
          fc.property(fc.array(clauseArb<string | number>(pool), { minLength: 2, maxLength: 30 }), fc.array(anyValue, { maxLength: 8 }), (clauses, others) => {
            const [merged, reference] = forms(field, clauses, op);
            const a = both(merged);
            const b = both(reference);
            // The clauses' own values (which hit) and others (which mostly miss).
            for (const v of [...clauses.flatMap((c) => c.values), ...others]) {
              expect(a({ [field]: v }), `${merged} on ${JSON.stringify(v)}`).toBe(b({ [field]: v }));
            }
          }),
          { numRuns: 150, seed: op === "or" ? 7 : 8 },
        );
      });
    }
  }
});
