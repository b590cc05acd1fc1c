/**
 * The warnings' fast path (src/analysis/warning-free.ts): a condition it proves warning-free gets no
 * warning from the full walk either, and turning it on changes no warning.
 *
 * - soundness (fast-check): on random conditions (over few fields, so repeats and contradictions are
 *   common, and over distinct fields, so the fast path is taken often), wherever the fast path says "no
 *   warning possible", the walk (`fastPath: false`) finds none, in UTC and in a zone with DST; and the
 *   warnings with the fast path equal those without it;
 * - examples: where it answers yes and where it must fall back to the walk.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { analyze, type Schema } from "../../src/index.js";
import { analysisWarnings } from "../../src/analysis/index.js";
import { provablyWarningFree } from "../../src/analysis/warning-free.js";
import { zoneOf } from "../../src/checker/zone.js";
import { conflictExprArb, fieldLeafArbs, richSchema, zonedSchema } from "./helpers.js";

const RUNS = Number(process.env["SEGQL_ANALYSIS_RUNS"] ?? 150);

/** Conditions whose rules are each on a different field (or event), joined by random `and`/`or`/`not`. */
const distinctFieldsArb: fc.Arbitrary<string> = fc
  .shuffledSubarray(fieldLeafArbs(), { minLength: 1 })
  .chain((arbs) =>
    fc.tuple(
      fc.tuple(...arbs),
      fc.array(fc.constantFrom(" and ", " or ", " and not ", " or not "), { minLength: arbs.length, maxLength: arbs.length }),
      fc.array(fc.boolean(), { minLength: arbs.length, maxLength: arbs.length }),
    ),
  )
  .map(([leaves, joins, nest]) => {
    let text = `(${leaves[0]!})`;
    for (let i = 1; i < leaves.length; i++) text = nest[i] ? `(${text})${joins[i]!}(${leaves[i]!})` : `(${leaves[i]!})${joins[i]!}(${text})`;
    return text;
  });

const claims = (text: string, schema: Schema) => {
  const a = analyze(text, schema, { analysis: false });
  const segment = a.segments[0]!;
  return { a, quiet: provablyWarningFree(segment.expr, schema, zoneOf(schema.timeZone), text) };
};

// The fast path serves the reasoner's walk (the regions, the default engine, do not need it): compared there.
const walked = (text: string, schema: Schema, fastPath: boolean) =>
  analysisWarnings(analyze(text, schema, { analysis: false }).segments, { text, fastPath, regions: false }).filter((d) => d.code !== "analysis-incomplete");

describe("the fast path claims no warning only where the walk finds none", () => {
  for (const [name, schema] of [
    ["UTC", richSchema],
    ["Europe/Berlin", zonedSchema("Europe/Berlin")],
  ] as const) {
    it(`random conditions (${name})`, () => {
      let quiet = 0;
      let total = 0;
      fc.assert(
        fc.property(fc.oneof(conflictExprArb(), distinctFieldsArb), (text) => {
          total++;
          const c = claims(text, schema);
          if (c.quiet) {
            quiet++;
            expect(walked(text, schema, false), `the fast path called this warning-free: ${text}`).toEqual([]);
          }
          expect(walked(text, schema, true), `warnings with and without the fast path: ${text}`).toEqual(walked(text, schema, false));
        }),
        { numRuns: RUNS },
      );
      // The property is not vacuous: the fast path is taken on a fair share of the cases.
      expect(quiet).toBeGreaterThan(total / 10);
    });
  }
});

describe("examples", () => {
  const quiet = (text: string) => claims(text, richSchema).quiet;

  it("rules on different fields, none constant on its own: warning-free", () => {
    expect(quiet('score > 5 and status = "Pending"')).toBe(true);
    expect(quiet('not (score > 5 or email contains "a") and tags has any ("a", "b")')).toBe(true);
    expect(quiet('(performed "Purchase" at least 2 times) or signed_up_at within last 30 days')).toBe(true);
  });

  it("rules on one field whose every combination is possible: warning-free", () => {
    expect(quiet("score > 5 and score < 10")).toBe(true);
    expect(quiet('(score > 5 and is_vip) or (score < 10 and email contains "a")')).toBe(true);
    expect(quiet('status in ("Pending", "Subscribed") and status in ("Subscribed", "Unsubscribed")')).toBe(true);
  });

  it("two rules that never hold together, meeting at an `or` with no `not` between: warning-free", () => {
    expect(quiet('(status = "Pending" and is_vip) or (status = "Subscribed" and score > 1)')).toBe(true);
    expect(quiet("score < 8 or (score >= 45 and is_vip) or score between 20 and 30")).toBe(true);
    // Meeting at an `and`, or with a `not` between; or every combination allowed but none empty: the walk decides.
    expect(quiet('status = "Pending" and (status = "Subscribed" or is_vip)')).toBe(false);
    expect(quiet('status = "Pending" or not (status = "Subscribed" or is_vip)')).toBe(false);
    expect(quiet("score < 8 or score >= 45 or score is empty or score between 8 and 45")).toBe(false);
  });

  it("a combination that cannot happen: the walk decides", () => {
    expect(quiet("score > 12 and score > 6")).toBe(false);
    expect(quiet("score > 12 and score < 6")).toBe(false);
    expect(quiet("is_vip or is_vip != true")).toBe(false);
    expect(quiet("(score > 5 and is_vip) or (score < 10 and not is_vip)")).toBe(false); // no warning, but not shown
  });

  it("a rule constant on its own: the walk decides", () => {
    expect(quiet("score between 10 and 5")).toBe(false);
    expect(quiet('email = ""')).toBe(false);
    expect(quiet('email != "" and score > 1')).toBe(false);
    expect(quiet('performed "Purchase" at least 0 times')).toBe(false);
  });

  it("references, filters and repeated events: the walk decides", () => {
    expect(quiet('performed "Purchase" where amount > 5')).toBe(false);
    expect(quiet('(performed "Purchase" at least 2 times) and (performed "Purchase" at most 1 times)')).toBe(false);
    const file = 'segment "A" as score > 5\nsegment "B" as in segment "A" and is_vip';
    const b = analyze(file, richSchema, { analysis: false }).segments[1]!;
    expect(provablyWarningFree(b.expr, richSchema, zoneOf(undefined), file)).toBe(false);
  });

  it("the warnings of a warning-free condition are none, with or without the fast path", () => {
    for (const text of ["score > 5 and score < 10", 'status = "Pending" and score > 1']) {
      expect(analyze(text, richSchema).diagnostics).toEqual([]);
      expect(walked(text, richSchema, false)).toEqual([]);
    }
  });
});
