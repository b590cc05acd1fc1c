/**
 * A time field's one rule in a condition is read off its test by the regions (regions.ts `timeAlone`:
 * a comparison with a bound well inside years 1-9999, `within last/next …`), without resolving its times.
 * These rules, at the ends of the years a time holds and with amounts far past them, must get the warnings
 * the reasoner gives them (which resolves every time, for every `now`): a rule read off as able to hold and
 * fail when it never holds (or always does) would lose a warning.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { analysisWarnings } from "../../src/analysis/index.js";
import { analyze } from "../../src/index.js";
import type { Schema } from "../../src/schema/schema.js";
import { richSchema, zonedSchema } from "./helpers.js";

const RUNS = Number(process.env["SEGQL_ANALYSIS_RUNS"] ?? 150);

/** Dates near the ends of years 1-9999 and in between. */
const dateArb = fc.oneof(
  fc.constantFrom("0001-01-01", "0001-01-02", "0001-01-04", "0001-01-05", "9999-12-31", "9999-12-30", "9999-12-28", "9999-12-27", "2024-07-01", "1970-01-01"),
  fc.date({ min: new Date(Date.UTC(1, 0, 1)), max: new Date(Date.UTC(9999, 11, 31)), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
);
const unitArb = fc.constantFrom("minutes", "hours", "days", "weeks", "months", "years");
/** Amounts from none to far past the years a time holds. */
const amountArb = fc.oneof(fc.nat(40), fc.constantFrom(999, 1000, 1001, 8000, 9999, 10_000, 3_000_000, 10_000_000_000));

const ruleArb = (field: string) =>
  fc.oneof(
    fc.tuple(fc.constantFrom("<", "<=", ">", ">=", "before", "after"), dateArb).map(([op, d]) => `${field} ${op} ${d}`),
    fc.tuple(fc.constantFrom("before", "after", "<", ">="), amountArb, unitArb, fc.constantFrom("ago", "from now")).map(([op, n, u, dir]) =>
      dir === "ago" ? `${field} ${op} ${n} ${u} ago` : `${field} ${op} in ${n} ${u}`,
    ),
    fc.tuple(fc.constantFrom("last", "next"), amountArb, unitArb, fc.boolean()).map(([dir, n, u, not]) => `${field} ${not ? "not " : ""}within ${dir} ${n} ${u}`),
    fc.tuple(fc.constantFrom("before", "after"), fc.constantFrom("now", "today")).map(([op, t]) => `${field} ${op} ${t}`),
  );

/** The condition's checked segments, or null when it does not check (an amount past what the checker takes). */
function segmentsOf(text: string, schema: Schema) {
  const out = analyze(text, schema, { analysis: false });
  return out.diagnostics.some((d) => d.severity === "error") || out.segments.length === 0 ? null : out.segments;
}

const gist = (d: { code: string; span: { start: number; end: number } }) => `${d.code} ${d.span.start}-${d.span.end}`;

describe("a time field's one rule read off its test", () => {
  for (const [name, schema] of [
    ["UTC", richSchema],
    ["Pacific/Kiritimati", zonedSchema("Pacific/Kiritimati")],
    ["America/Santiago", zonedSchema("America/Santiago")],
  ] as const) {
    it(`gets the reasoner's warnings at the ends of the years a time holds (${name})`, () => {
      let checked = 0;
      fc.assert(
        fc.property(fc.constantFrom("signed_up_at", "birthday").chain(ruleArb), fc.integer({ min: 0, max: 3 }), (rule, shape) => {
          const text = [`${rule}`, `${rule} and lifetime_value > 3`, `not (${rule}) or is_vip`, `(${rule} or plan_type = "Pro") and lifetime_value < 9`][shape]!;
          const segments = segmentsOf(text, schema);
          if (!segments) return;
          const byReasoner = analysisWarnings(segments, { text, thorough: true, steps: 100_000 });
          if (byReasoner.some((d) => d.code === "analysis-incomplete")) return;
          checked++;
          expect(analysisWarnings(segments, { text }).map(gist), text).toEqual(byReasoner.map(gist));
        }),
        { numRuns: RUNS * 4 },
      );
      expect(checked).toBeGreaterThan(RUNS);
    });
  }

  it("examples at the edges: what never holds is still said", () => {
    for (const text of ["signed_up_at < 0001-01-01", "birthday before 0001-01-01", "signed_up_at > 9999-12-31T23:59:59.999Z"]) {
      const segments = segmentsOf(text, richSchema);
      if (!segments) continue;
      expect(analysisWarnings(segments, { text }).map(gist), text).toEqual(analysisWarnings(segments, { text, thorough: true }).map(gist));
    }
  });
});
