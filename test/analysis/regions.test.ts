/**
 * The regions (src/analysis/regions.ts): the cheap engine of the warnings.
 *
 * - soundness (fast-check, checked by the predicate on boundary data, helpers.ts): a part the regions
 *   claim never holds matches no contact, one claimed always to hold matches every one, and an operand of
 *   an `and` claimed implied by its siblings holds wherever they do; at `now`s where the calendar bites;
 * - as strong as the reasoner: what the reasoner proves of a part (never / always, searched without a cap),
 *   the regions prove too, on random conditions over few fields (contradictions, repeats and relative
 *   times common);
 * - the warnings: by the regions they are those of the reasoner searched without a cap (`thorough`), up
 *   to the wording of a repeat (the reasoner merges `x and x` into `x`; the regions only the same rules);
 * - examples: what is modelled, what is left to the reasoner, the step budget.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { analyze, checkExpression } from "../../src/index.js";
import type { TypedExpr, TypedQuery } from "../../src/checker/typed-ast.js";
import { analysisWarnings } from "../../src/analysis/index.js";
import { Formulas } from "../../src/analysis/formula.js";
import { Reasoner } from "../../src/analysis/reasoner.js";
import { buildRegions, RegionsGaveUp } from "../../src/analysis/regions.js";
import { conditionWarnings } from "../../src/analysis/warnings.js";
import type { Oracle } from "../../src/analysis/oracle.js";
import { zoneOf } from "../../src/checker/zone.js";
import { boundaryData, caseNowArb, conflictExprArb, predicateOf, richSchema, typed, zonedSchema, type DataSet } from "./helpers.js";

const RUNS = Number(process.env["SEGQL_ANALYSIS_RUNS"] ?? 150);

function valuesOn(q: TypedQuery, data: DataSet): boolean[] {
  const p = predicateOf(q, data);
  return data.contacts.map((c) => p(c, data.events.get(String(c[q.schema.key]))));
}

const noEvents = conflictExprArb({ events: false });

describe("claims of the regions hold on boundary data", () => {
  for (const [name, schema] of [
    ["UTC", richSchema],
    ["Europe/Berlin", zonedSchema("Europe/Berlin")],
  ] as const) {
    it(`never / always / implied, for every part of random conditions (${name})`, () => {
      let claims = 0;
      fc.assert(
        fc.property(noEvents, caseNowArb, fc.integer(), (text, now, seed) => {
          const q = typed(text, schema);
          const o = buildRegions(q.expr, schema, zoneOf(schema.timeZone), text);
          if (!o) return;
          const data = boundaryData([q], now, seed);
          const sub = (expr: TypedExpr): TypedQuery => ({ schema, expr });
          // Handles by walking the parts with the oracle (as the warnings' walk does).
          const stack: { e: TypedExpr; h: number }[] = [{ e: q.expr, h: o.of(q.expr) }];
          while (stack.length > 0) {
            const { e, h } = stack.pop()!;
            const never = o.never(h);
            const always = o.always(h);
            if (never || always) {
              claims++;
              const values = valuesOn(sub(e), data);
              expect(values.every((v) => v === !never), `${never ? "never" : "always"}: ${text} (part ${JSON.stringify(e.span)}) at ${now}`).toBe(true);
            }
            if (e.kind === "and" || e.kind === "or" || e.kind === "not") {
              const hs = o.parts(h, e);
              const ops = e.kind === "not" ? [e.operand] : e.operands;
              ops.forEach((x, i) => stack.push({ e: x, h: hs[i]! }));
              if (e.kind === "and") {
                for (let i = 0; i < ops.length; i++) {
                  const others = hs.filter((_, j) => j !== i);
                  if (others.length === 0 || !o.impliesAny(others, [hs[i]!])) continue;
                  claims++;
                  const premises = ops.filter((_, j) => j !== i).map((x) => valuesOn(sub(x), data));
                  const conclusion = valuesOn(sub(ops[i]!), data);
                  conclusion.forEach((v, c) => {
                    if (premises.every((p) => p[c])) expect(v, `implied operand ${i} of ${text} at ${now}`).toBe(true);
                  });
                }
              }
            }
          }
        }),
        { numRuns: RUNS },
      );
      expect(claims).toBeGreaterThan(RUNS / 2); // the property is not vacuous
    });
  }
});

describe("the regions prove what the reasoner proves", () => {
  it("never / always of every part of random conditions", () => {
    let proved = 0;
    fc.assert(
      fc.property(noEvents, (text) => {
        const q = typed(text);
        const o = buildRegions(q.expr, richSchema, zoneOf(richSchema.timeZone), text);
        if (!o) return;
        const r = new Reasoner(new Formulas({ zone: zoneOf(richSchema.timeZone) }));
        r.budget.limit = 100_000;
        const stack: { e: TypedExpr; h: number }[] = [{ e: q.expr, h: o.of(q.expr) }];
        while (stack.length > 0) {
          const { e, h } = stack.pop()!;
          const node = r.f.fromTyped(e);
          if (r.never(node)) {
            proved++;
            expect(o.never(h), `the reasoner proves this never holds: ${text} (part ${JSON.stringify(e.span)})`).toBe(true);
          }
          if (r.always(node)) {
            proved++;
            expect(o.always(h), `the reasoner proves this always holds: ${text} (part ${JSON.stringify(e.span)})`).toBe(true);
          }
          if (e.kind === "and" || e.kind === "or" || e.kind === "not") {
            const hs = o.parts(h, e);
            (e.kind === "not" ? [e.operand] : e.operands).forEach((x, i) => stack.push({ e: x, h: hs[i]! }));
          }
        }
      }),
      { numRuns: RUNS },
    );
    expect(proved).toBeGreaterThan(RUNS / 4);
  });

  it("the warnings are the reasoner's searched without a cap (thorough), up to the wording of a repeat", () => {
    let warned = 0;
    const gist = (d: { code: string; span: { start: number; end: number } }) => `${d.code} ${d.span.start}-${d.span.end}`;
    fc.assert(
      fc.property(noEvents, (text) => {
        const segments = analyze(text, richSchema, { analysis: false }).segments;
        if (!buildRegions(segments[0]!.expr, richSchema, zoneOf(richSchema.timeZone), text)) return;
        const byRegions = analysisWarnings(segments, { text });
        const byReasoner = analysisWarnings(segments, { text, thorough: true, steps: 100_000 });
        if (byReasoner.some((d) => d.code === "analysis-incomplete")) return;
        warned += byRegions.length > 0 ? 1 : 0;
        expect(byRegions.map(gist), text).toEqual(byReasoner.map(gist));
      }),
      { numRuns: RUNS },
    );
    expect(warned).toBeGreaterThan(RUNS / 4);
  });
});

describe("combinations as bits answer as the search does", () => {
  it("never-all, always-any and implies-any over parts apart from each other, on random conditions", () => {
    let asked = 0;
    let bitsUsed = 0;
    fc.assert(
      fc.property(noEvents, fc.infiniteStream(fc.nat()), (text, picks) => {
        const q = typed(text);
        const o = buildRegions(q.expr, richSchema, zoneOf(richSchema.timeZone), text);
        if (!o) return;
        if (o.bits) bitsUsed++;
        // Every part with the handles of its ancestors' other operands (what the walk asks about together).
        const groups: number[][] = [];
        const stack: { e: TypedExpr; h: number; around: number[] }[] = [{ e: q.expr, h: o.of(q.expr), around: [] }];
        while (stack.length > 0) {
          const { e, h, around } = stack.pop()!;
          groups.push([h, ...around]);
          if (e.kind === "and" || e.kind === "or" || e.kind === "not") {
            const hs = o.parts(h, e);
            (e.kind === "not" ? [e.operand] : e.operands).forEach((x, i) => stack.push({ e: x, h: hs[i]!, around: [...around, ...hs.filter((_, j) => j !== i)] }));
          }
        }
        const it = picks[Symbol.iterator]();
        for (const group of groups) {
          // A random split of the group into parts that hold and parts that fail.
          const split = it.next().value as number;
          const hold = group.filter((_, i) => (split >> i) & 1);
          const fail = group.filter((_, i) => !((split >> i) & 1));
          const searched = !o.sat([...hold.map((x) => (x << 1) | 1), ...fail.map((x) => x << 1)]);
          asked++;
          if (fail.length === 0) expect(o.neverAll(hold), text).toBe(searched);
          else if (hold.length === 0) expect(o.alwaysAny(fail), text).toBe(searched);
          else expect(o.impliesAny(hold, fail), text).toBe(searched);
          expect(o.never(group[0]!), text).toBe(!o.sat([(group[0]! << 1) | 1]));
          expect(o.always(group[0]!), text).toBe(!o.sat([group[0]! << 1]));
        }
      }),
      { numRuns: RUNS },
    );
    expect(asked).toBeGreaterThan(RUNS);
    expect(bitsUsed).toBeGreaterThan(RUNS / 4); // most conditions here take the bits
  });
});

describe("the walk on masks", () => {
  it("gives the warnings, messages and fixes of the walk that asks the oracle's questions", () => {
    let masked = 0;
    let multiWord = 0; // masks of more than 32 combinations (a word each)
    let warned = 0;
    fc.assert(
      fc.property(noEvents, (text) => {
        const q = typed(text);
        const o = buildRegions(q.expr, richSchema, zoneOf(richSchema.timeZone), text);
        if (!o || !o.masks()) return;
        masked++;
        if (o.words > 1) multiWord++;
        const onMasks = conditionWarnings(q.expr, o, { text });
        // The same oracle without its masks: every decision is asked as a question.
        const asking: Oracle<number> = {
          of: (e) => o.of(e),
          parts: (x, e) => o.parts(x, e),
          never: (x) => o.never(x),
          always: (x) => o.always(x),
          neverAll: (xs) => o.neverAll(xs),
          alwaysAny: (xs) => o.alwaysAny(xs),
          impliesAny: (ps, xs) => o.impliesAny(ps, xs),
          same: (a, b) => o.same(a, b),
          shares: (x, y) => o.shares(x, y),
          settled: (x) => o.settled(x),
          eventNever: (e) => o.eventNever(e),
        };
        const byQuestions = conditionWarnings(q.expr, asking, { text });
        warned += onMasks.length > 0 ? 1 : 0;
        expect(onMasks, text).toEqual(byQuestions);
      }),
      { numRuns: RUNS },
    );
    expect(masked).toBeGreaterThan(RUNS / 4);
    expect(multiWord).toBeGreaterThan(0);
    expect(warned).toBeGreaterThan(RUNS / 8);
  });
});

describe("what the regions model", () => {
  const zone = zoneOf(richSchema.timeZone);
  const regionsOf = (text: string) => {
    const q = typed(text);
    const o = buildRegions(q.expr, richSchema, zone, text);
    return o && { o, root: o.of(q.expr) };
  };

  it("rules on contact fields of every type, relative times and text patterns included", () => {
    const text = 'score > 3 and (status = "Pending" or email contains "@x" and email starts with "a") and signed_up_at within last 3 months and tags has any ("a", "b") and is_vip';
    const r = regionsOf(text);
    expect(r).not.toBeNull();
    expect(r!.o.never(r!.root)).toBe(false);
    expect(r!.o.always(r!.root)).toBe(false);
  });

  it("leaves event conditions and segment references to the reasoner", () => {
    expect(regionsOf('performed "Purchase" at least 2 times and score > 3')).toBeNull();
    const file = 'segment "A" as score > 3\nsegment "B" as in segment "A" and score < 2';
    const b = analyze(file, richSchema, { analysis: false }).segments[1]!;
    expect(buildRegions(b.expr, richSchema, zone, file)).toBeNull();
    // …which still decides them.
    expect(analyze(file, richSchema).diagnostics.map((d) => d.code)).toContain("never-matches");
  });

  it("times relative to now: proved for every now, not only at one", () => {
    // Nested windows: within 3 months implies within 6, whatever `now` is.
    const nested = analyze("signed_up_at within last 3 months and signed_up_at within last 6 months", richSchema).diagnostics;
    expect(nested.map((d) => d.code)).toEqual(["redundant"]);
    // A window and a date: at some `now` one holds without the other, so nothing to say.
    expect(analyze("signed_up_at within last 3 months and signed_up_at after 2024-03-01", richSchema).diagnostics).toEqual([]);
  });

  it("a search past its steps gives up (the reasoner then decides, with its own budget)", () => {
    // Three fields of about 10 regions each: more combinations than masks are made for, so it is searched.
    const parts8 = Array.from({ length: 8 }, (_, i) => `(score > ${i} or lifetime_value > ${i} or count > ${i})`);
    const text = `${parts8.join(" and ")} and score < 0 and lifetime_value < 0 and count < 0`;
    const { o, root } = regionsOf(text)!;
    o.limit = 1; // the first part searched takes more
    expect(() => o.never(root)).toThrow(RegionsGaveUp);
  });
});

describe("the checker's parts (TypedSegment.parts)", () => {
  it("are the condition's nodes in post-order, and the regions read from them give the warnings the tree gives", () => {
    fc.assert(
      fc.property(conflictExprArb({ events: true }), (text) => {
        const q = checkExpression(text, richSchema);
        // Post-order: operands (an event's filter) first, each node after them, the condition last.
        const expected: TypedExpr[] = [];
        const visit = (e: TypedExpr): void => {
          if (e.kind === "and" || e.kind === "or") e.operands.forEach(visit);
          else if (e.kind === "not") visit(e.operand);
          else if (e.kind === "event" && e.filter) visit(e.filter);
          expected.push(e);
        };
        visit(q.expr);
        expect(q.parts?.length, text).toBe(expected.length);
        expect(q.parts!.every((p, i) => p === expected[i]), text).toBe(true);
        // Without the list, buildRegions walks the tree: the same warnings, messages and fixes.
        const { parts: _, ...walked } = q;
        expect(analysisWarnings([q], { text }), text).toEqual(analysisWarnings([walked], { text }));
      }),
      { numRuns: RUNS },
    );
  });
});
