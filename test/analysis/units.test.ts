/**
 * The analysis's building blocks: the set algebra laws (fast-check, with membership as the reference),
 * doubles one step apart, month spans against the calendar, the fixes' edits on awkward texts, and
 * robustness: random valid conditions of the shared generators, nesting at the limit, long value lists,
 * chains of segments: the analysis ends, never throws, and stays within its budget.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { analyze, checkDocument, LIMITS, type Span } from "../../src/index.js";
import { analysisWarnings, diffSegments, MAX_ANALYSED_RULES, MAX_RELATED_RULES, relate } from "../../src/analysis/index.js";
import { removalRange } from "../../src/analysis/edits.js";
import { DOUBLES, integers, nextDown, nextUp, OrderedSets, type OrderedSet } from "../../src/analysis/ordered-set.js";
import { monthSpan } from "../../src/analysis/time-graph.js";
import { TEXT, type TextSet } from "../../src/analysis/value-sets.js";
import { subtractUnits } from "../../src/checker/time.js";
import { exprArb, nowArb, richSchema, segmentFileText } from "../helpers/generators.js";

const DAY = 86_400_000;

describe("ordered sets", () => {
  const lines = [
    { name: "doubles", ops: new OrderedSets(DOUBLES), value: fc.oneof(fc.constantFrom(-Infinity, Infinity, 0, 1, -1, 1.5, Number.MAX_VALUE, Number.MIN_VALUE), fc.double({ noNaN: true })) },
    { name: "integers 0-100", ops: new OrderedSets(integers(0, 100)), value: fc.integer({ min: -5, max: 105 }) },
  ];
  for (const { name, ops, value } of lines) {
    const bound = fc.tuple(fc.constantFrom("ge", "gt", "le", "lt" as const), value);
    // Sets built the way the analysis builds them: comparisons, complements, unions, intersections, empty value.
    const setArb: fc.Arbitrary<OrderedSet> = fc.letrec<{ s: OrderedSet }>((tie) => ({
      s: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        bound.map(([op, v]) => ops.compare(op as "ge", v)),
        fc.constantFrom(ops.full, ops.none, ops.onlyEmpty, ops.present),
        fc.tuple(tie("s"), tie("s")).map(([a, b]) => ops.union(a, b)),
        fc.tuple(tie("s"), tie("s")).map(([a, b]) => ops.intersect(a, b)),
        tie("s").map((a) => ops.complement(a)),
      ),
    })).s;
    const has = (s: OrderedSet, x: number | null) => (x === null ? s.empty : s.intervals.some((iv) => iv.lo <= x && x <= iv.hi));
    const points = fc.oneof(fc.constant(null), value);

    it(`${name}: membership of union, intersection, complement; subset and equality agree with it`, () => {
      fc.assert(
        fc.property(setArb, setArb, fc.array(points, { minLength: 1, maxLength: 20 }), (a, b, xs) => {
          const probe = [...xs, ...a.intervals.flatMap((iv) => [iv.lo, iv.hi]), ...b.intervals.flatMap((iv) => [iv.lo, iv.hi])];
          for (const x of probe) {
            if (x !== null && (x < ops.line.min || x > ops.line.max)) continue;
            expect(has(ops.union(a, b), x)).toBe(has(a, x) || has(b, x));
            expect(has(ops.intersect(a, b), x)).toBe(has(a, x) && has(b, x));
            expect(has(ops.complement(a), x)).toBe(!has(a, x));
          }
          expect(ops.equal(ops.complement(ops.complement(a)), a)).toBe(true);
          expect(ops.equal(ops.complement(ops.union(a, b)), ops.intersect(ops.complement(a), ops.complement(b)))).toBe(true);
          expect(ops.subset(ops.intersect(a, b), a)).toBe(true);
          expect(ops.subset(a, ops.union(a, b))).toBe(true);
          expect(ops.isEmpty(ops.intersect(a, ops.complement(a)))).toBe(true);
          expect(ops.isFull(ops.union(a, ops.complement(a)))).toBe(true);
          // Intervals stay sorted, disjoint and not adjacent (the canonical form equality relies on).
          a.intervals.forEach((iv, i) => {
            expect(iv.lo <= iv.hi).toBe(true);
            if (i > 0) expect(ops.line.next(a.intervals[i - 1]!.hi) < iv.lo).toBe(true);
          });
        }),
        { numRuns: 300 },
      );
    });
  }

  it("doubles: an open bound is the next double, so some open intervals hold nothing", () => {
    const ops = new OrderedSets(DOUBLES);
    expect(ops.isEmpty(ops.intersect(ops.compare("gt", 1), ops.compare("lt", nextUp(1))))).toBe(true);
    expect(ops.isEmpty(ops.intersect(ops.compare("gt", 1), ops.compare("lt", nextUp(nextUp(1)))))).toBe(false);
    expect(nextUp(-Number.MIN_VALUE)).toBe(0);
    expect(Object.is(nextUp(-Number.MIN_VALUE), -0)).toBe(false);
    expect(nextDown(0)).toBe(-Number.MIN_VALUE);
    expect(nextUp(Number.MAX_VALUE)).toBe(Infinity);
    expect(nextUp(-Infinity)).toBe(-Number.MAX_VALUE);
  });

  it("text sets: finite or all-but-finite, with the empty value", () => {
    const arb: fc.Arbitrary<TextSet> = fc.record({ empty: fc.boolean(), finite: fc.boolean(), values: fc.uniqueArray(fc.constantFrom("a", "b", "c"), { maxLength: 3 }).map((xs) => new Set(xs)) });
    const has = (s: TextSet, x: string | null) => (x === null ? s.empty : s.finite === s.values.has(x));
    fc.assert(
      fc.property(arb, arb, (a, b) => {
        for (const x of [null, "a", "b", "c", "z"]) {
          expect(has(TEXT.union(a, b), x)).toBe(has(a, x) || has(b, x));
          expect(has(TEXT.intersect(a, b), x)).toBe(has(a, x) && has(b, x));
          expect(has(TEXT.complement(a), x)).toBe(!has(a, x));
        }
        expect(TEXT.subset(TEXT.intersect(a, b), a)).toBe(true);
      }),
    );
  });
});

describe("month spans", () => {
  it("bound now − (now − k months) for every day of 400 years, for several k", () => {
    for (const k of [1, 2, 3, 11, 12, 13, 25, 4800]) {
      const { lo, hi } = monthSpan(k);
      let min = Infinity;
      let max = -Infinity;
      for (let t = Date.UTC(2000, 0, 1, 12); t < Date.UTC(2400, 0, 1); t += DAY) {
        const d = t - subtractUnits(t, k, "month");
        if (d < min) min = d;
        if (d > max) max = d;
      }
      expect([lo, hi], `k = ${k}`).toEqual([min, max]);
    }
  });
});

describe("fixes: removing one operand", () => {
  const spansOf = (text: string, parts: string[]): Span[] => {
    let from = 0;
    return parts.map((p) => {
      const start = text.indexOf(p, from);
      from = start + p.length;
      return { start, end: start + p.length, line: 1, column: start + 1 };
    });
  };
  const remove = (text: string, parts: string[], i: number, connector: "and" | "or") => {
    const r = removalRange(text, spansOf(text, parts), i, connector);
    return r ? text.slice(0, r.start) + text.slice(r.end) : null;
  };
  it("first, middle and last operands, with their parentheses, around flattened groups", () => {
    expect(remove("a = 1 and b = 2 and c = 3", ["a = 1", "b = 2", "c = 3"], 0, "and")).toBe("b = 2 and c = 3");
    expect(remove("a = 1 and b = 2 and c = 3", ["a = 1", "b = 2", "c = 3"], 1, "and")).toBe("a = 1 and c = 3");
    expect(remove("a = 1 and b = 2 and c = 3", ["a = 1", "b = 2", "c = 3"], 2, "and")).toBe("a = 1 and b = 2");
    expect(remove("(a = 1) and ((b = 2))", ["a = 1", "b = 2"], 1, "and")).toBe("(a = 1)");
    expect(remove("a = 1 and (b = 2 and c = 3)", ["a = 1", "b = 2", "c = 3"], 1, "and")).toBe("a = 1 and (c = 3)");
    expect(remove("(a = 1 and b = 2) and c = 3", ["a = 1", "b = 2", "c = 3"], 1, "and")).toBe("(a = 1) and c = 3");
    expect(remove("(a = 1 and b = 2) and (c = 3 and d = 4)", ["a = 1", "b = 2", "c = 3", "d = 4"], 2, "and")).toBe("(a = 1 and b = 2) and (d = 4)");
    expect(remove("a = 1 OR b = 2", ["a = 1", "b = 2"], 1, "or")).toBe("a = 1");
  });
  it("skips strings, quoted names and comments when counting parentheses; gives up when unsure", () => {
    expect(remove('a = ")" and b = "("', ['a = ")"', 'b = "("'], 0, "and")).toBe('b = "("');
    expect(remove("`x)` = 1 and b = 2", ["`x)` = 1", "b = 2"], 1, "and")).toBe("`x)` = 1");
    expect(remove("a = 1 -- one\n  and b = 2", ["a = 1", "b = 2"], 1, "and")).toBe("a = 1 -- one");
    // A comment after the removed operand on its line goes with it; the kept operand's stays.
    expect(remove("a = 1 -- one\n  and b = 2 -- two\n", ["a = 1", "b = 2"], 1, "and")).toBe("a = 1 -- one\n");
    expect(remove("(a = 1 -- one\n  and b = 2 -- two\n) and c = 3", ["a = 1", "b = 2", "c = 3"], 1, "and")).toBe("(a = 1 -- one\n) and c = 3");
    expect(remove("-- note (\n(a = 1) and b = 2", ["a = 1", "b = 2"], 0, "and")).toBe("-- note (\nb = 2");
    expect(remove("a = 1 and b = 2", ["a = 1", "b = 2"], 1, "or")).toBeNull();
  });
});

describe("robustness", () => {
  it("random valid conditions of the shared generators (segments, events, every operator): no throw, spans inside the text", () => {
    fc.assert(
      fc.property(nowArb.chain((now) => exprArb(richSchema, now, { segments: ["Paying", "VIP"] })), (expr) => {
        const text = segmentFileText(expr);
        const segments = checkDocument(text, richSchema);
        for (const d of analysisWarnings(segments, { text })) {
          expect(d.span.start >= 0 && d.span.end <= text.length && d.span.start <= d.span.end).toBe(true);
          for (const e of d.fix?.edits ?? []) expect(e.span.start >= 0 && e.span.end <= text.length).toBe(true);
        }
      }),
      { numRuns: 150 },
    );
  });

  it("nesting at the limit, a long value list, 30 chained segments: ends, and within its budget", () => {
    // Each 'not' and each '(' opens a level: LIMITS.nesting / 2 of 'not (' is the deepest condition allowed.
    const pairs = Math.floor(LIMITS.nesting / 2);
    const deep = (n: number) => `${"not (".repeat(n)}score > 1${")".repeat(n)}`;
    expect(analyze(deep(pairs), richSchema).diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(analyze(deep(pairs + 1), richSchema).diagnostics.map((d) => d.code)).toEqual(["too-deep"]);
    const nested = `${"(score > 1 and (".repeat(20)}score > 0${"))".repeat(20)}`;
    expect(analyze(nested, richSchema).diagnostics.map((d) => d.code)).toContain("redundant");
    const values = Array.from({ length: 5000 }, (_, i) => String(i)).join(", ");
    const list = `score in (${values}) and score not in (${values})`;
    expect(analyze(list, richSchema).diagnostics.map((d) => d.code)).toEqual(["never-matches"]);
    const chain = Array.from({ length: 30 }, (_, i) => `segment "S${i}" as score > ${i} and in segment "S${i + 1}"`).join("\n") + '\nsegment "S30" as score > 100';
    expect(analyze(chain, richSchema).diagnostics.filter((d) => d.code === "redundant")).toHaveLength(30);
  });

  it("long conditions: a warning names the one part that implies it; past MAX_ANALYSED_RULES, a note instead of warnings", () => {
    // 41 thresholds: each but the last adds nothing, and the last alone says why (no list of 40 parts).
    const rising = (n: number) => Array.from({ length: n }, (_, i) => `score > ${i}`).join(" and ");
    const warnings = analyze(rising(41), richSchema).diagnostics;
    expect(warnings).toHaveLength(40);
    for (const w of warnings) expect(w).toMatchObject({ code: "redundant", message: "this adds nothing: 'score > 40' already implies it" });
    // A contained branch of a long or (decided on its regions' masks): likewise.
    const branches = Array.from({ length: 20 }, (_, i) => `(score > ${i} and email = "${i}")`).join(" or ");
    const contained = analyze(`${branches} or score > 0`, richSchema).diagnostics;
    expect(contained.map((d) => d.message)).toEqual(Array.from({ length: 20 }, () => "this branch adds nothing: every contact it matches is also matched by 'score > 0'"));
    // At the limit the analysis runs; past it, one note on the condition and nothing else, whatever its size.
    expect(analyze(rising(MAX_ANALYSED_RULES), richSchema).diagnostics).toHaveLength(MAX_ANALYSED_RULES - 1);
    for (const n of [MAX_ANALYSED_RULES + 1, 20_000]) {
      const text = rising(n);
      expect(analyze(text, richSchema).diagnostics).toEqual([
        { code: "analysis-incomplete", severity: "info", span: { start: 0, end: text.length, line: 1, column: 1 }, message: `static analysis skipped: this condition holds more than ${MAX_ANALYSED_RULES} rules (counting the segments it reads), so warnings about it are not shown` },
      ]);
    }
    // The segments a condition reads count: a small condition over a large segment is past it too.
    const big = `segment "Big" as ${rising(MAX_ANALYSED_RULES)}\nsegment "Small" as in segment "Big" and email = "a"`;
    expect(analyze(big, richSchema).diagnostics.filter((d) => d.code === "analysis-incomplete").map((d) => big.slice(d.span.start, d.span.end))).toEqual(['in segment "Big" and email = "a"']);
  });

  it("relate and diff past MAX_RELATED_RULES: undecided, the plain difference, and a note saying why", () => {
    const rising = (n: number) => checkDocument(Array.from({ length: n }, (_, i) => `score > ${i}`).join(" and "), richSchema)[0]!;
    const [a, b] = [rising(MAX_RELATED_RULES / 2), rising(MAX_RELATED_RULES / 2 + 1)];
    const r = relate(a, b);
    expect(r).toMatchObject({ relation: "unknown", aInB: "unknown", bInA: "unknown", overlap: "unknown", witnesses: [] });
    expect(r.notes).toEqual([`not reasoned about: the two conditions hold more than ${MAX_RELATED_RULES.toLocaleString("en-US")} rules together (counting the segments they read)`]);
    const d = diffSegments(a, b);
    expect(d).toMatchObject({ same: false, enters: { nobody: false, simplified: false }, leaves: { nobody: false, simplified: false }, notes: r.notes });
    expect(d.enters.condition).toMatch(new RegExp(`^score > 0 and .* and score > ${MAX_RELATED_RULES / 2} and not \\(score > 0 and .* and score > ${MAX_RELATED_RULES / 2 - 1}\\)$`));
    // Below it, both reason: one more threshold is a subset, and who leaves is exactly those at the old bound.
    const [c, e] = [rising(50), rising(51)];
    expect(relate(e, c).relation).toBe("subset");
    expect(diffSegments(c, e).leaves.condition).toBe("score > 49 and score <= 50");
  });

  it("an or of many two-way choices: the warning pass stays within its budget and says so", () => {
    const parts = Array.from({ length: 40 }, (_, i) => `(score > ${i} or lifetime_value < ${i} or email = "${i}")`);
    const text = parts.join(" and ");
    const a = analyze(text, richSchema);
    expect(a.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });

  it("kept warnings: the same condition at another place, or in another text, is reported there", () => {
    const one = 'segment "A" as score > 12 and score > 6';
    const two = `${one}\nsegment "B" as score > 12 and score > 6`;
    const spans = (text: string) => analysisWarnings(checkDocument(text, richSchema), { text, share: true }).map((d) => [d.span.start, d.span.line, d.fix?.edits[0]?.span.start]);
    const fresh = (text: string) => analysisWarnings(checkDocument(text, richSchema), { text, share: false }).map((d) => [d.span.start, d.span.line, d.fix?.edits[0]?.span.start]);
    for (const text of [one, two, one, ` ${two}`, two]) expect(spans(text)).toEqual(fresh(text));
    expect(spans(two)).toHaveLength(2);
  });

  it("relate: a condition that matches no contact overlaps nothing (and is in every other)", () => {
    const [empty, other] = ["score > 12 and score < 6", 'email = "a" or score > 1'].map((t) => checkDocument(t, richSchema)[0]!);
    for (const [a, b] of [[empty!, other!], [other!, empty!]] as const) {
      const r = relate(a, b);
      expect(r.overlap).toBe("no");
      expect(r.notes.some((n) => n.endsWith("matches no contact"))).toBe(true);
    }
    expect(relate(empty!, other!).relation).toBe("subset");
    expect(relate(other!, empty!).relation).toBe("superset");
  });

  it("relate and diff on conditions with events, lists and texts never throw and answer one of their values", () => {
    fc.assert(
      fc.property(nowArb.chain((now) => fc.tuple(exprArb(richSchema, now, { depth: 2 }), exprArb(richSchema, now, { depth: 2 }))), ([a, b]) => {
        const A = checkDocument(a, richSchema)[0]!;
        const B = checkDocument(b, richSchema)[0]!;
        const r = relate(A, B, { steps: 5_000 });
        expect(["equal", "subset", "superset", "disjoint", "overlapping", "unknown"]).toContain(r.relation);
        const d = diffSegments(A, B, { steps: 5_000 });
        for (const side of [d.enters, d.leaves]) expect(side.nobody || side.everybody || typeof side.condition === "string").toBe(true);
      }),
      { numRuns: 40 },
    );
  });
});
