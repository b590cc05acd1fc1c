/**
 * Soundness of the static analysis, checked by the predicate on data sets built to hit every boundary of
 * the conditions (helpers.ts): whatever the analysis claims must hold on every contact of those data.
 *
 * - a sub-condition claimed to never match matches no contact; one claimed to always hold matches every one;
 *   an implication claimed between operands holds on every contact;
 * - a warning's fix (removing a part) leaves a condition that matches exactly the same contacts;
 * - `relate`: every claimed inclusion holds, disjointness too, and every witness is in the conditions it is
 *   said to be in (checked with `compilePredicate`, independently of the analysis);
 * - `diffSegments`: "who enters" matches exactly NEW and not OLD, "who leaves" OLD and not NEW.
 * The claims are about every `now`, so the data's `now` is drawn from dates where the calendar bites.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { analyze } from "../../src/index.js";
import type { TypedExpr, TypedQuery } from "../../src/checker/typed-ast.js";
import { compilePredicate } from "../../src/compiler/predicate/index.js";
import { analysisWarnings, diffSegments, relate } from "../../src/analysis/index.js";
import { Formulas } from "../../src/analysis/formula.js";
import { Reasoner } from "../../src/analysis/reasoner.js";
import { zoneOf } from "../../src/checker/zone.js";
import { exprArb, nowArb } from "../helpers/generators.js";
import { boundaryData, caseNowArb, conflictExprArb, leafArb, matching, predicateOf, richSchema, typed, zonedSchema, ZONE_NOWS, type DataSet } from "./helpers.js";

const RUNS = Number(process.env["SEGQL_ANALYSIS_RUNS"] ?? 150);

/** Every node of a condition outside event filters (the typed nodes a warning may be about), parents first. */
function contactNodes(root: TypedExpr): TypedExpr[] {
  const out: TypedExpr[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const e = stack.pop()!;
    out.push(e);
    if (e.kind === "and" || e.kind === "or") stack.push(...e.operands);
    else if (e.kind === "not") stack.push(e.operand);
  }
  return out;
}

function valuesOn(q: TypedQuery, data: DataSet): boolean[] {
  const p = predicateOf(q, data);
  return data.contacts.map((c) => p(c, data.events.get(String(c[q.schema.key]))));
}

const describeCase = (text: string, data: DataSet) => `${text}\n  at now=${data.now}`;

describe("claims of the reasoner hold on boundary data", () => {
  it("never / always / implies, for every sub-condition of random conditions", () => {
    let claims = 0;
    fc.assert(
      fc.property(conflictExprArb(), caseNowArb, fc.integer(), (text, now, seed) => {
        const q = typed(text);
        const f = new Formulas();
        const r = new Reasoner(f);
        const data = boundaryData([q], now, seed);
        const sub = (expr: TypedExpr): TypedQuery => ({ schema: q.schema, expr });
        for (const n of contactNodes(q.expr)) {
          const node = f.fromTyped(n);
          const never = r.never(node);
          const always = r.always(node);
          if (never || always) {
            claims++;
            const values = valuesOn(sub(n), data);
            expect(values.every((v) => v === !never), `${never ? "never" : "always"} claimed for a part of ${describeCase(text, data)}`).toBe(true);
          }
          if (n.kind === "and" || n.kind === "or") {
            const values = n.operands.map((o) => valuesOn(sub(o), data));
            n.operands.forEach((o, i) => {
              const others = n.operands.filter((_, j) => j !== i).map((x) => f.fromTyped(x));
              const mine = f.fromTyped(o);
              // and: the others imply it; or: it implies the others' union.
              const claim = n.kind === "and" ? r.implies(others, mine) : r.implies([mine], f.or(others));
              if (!claim) return;
              claims++;
              data.contacts.forEach((_, c) => {
                const rest = values.filter((_, j) => j !== i).map((v) => v[c]!);
                if (n.kind === "and" && rest.every(Boolean)) expect(values[i]![c], `implied operand ${i} of ${describeCase(text, data)}`).toBe(true);
                if (n.kind === "or" && values[i]![c]) expect(rest.some(Boolean), `contained branch ${i} of ${describeCase(text, data)}`).toBe(true);
              });
            });
          }
          if (n.kind === "event" && n.filter) {
            // A filter claimed to never hold: the event condition counts no event.
            const filterNode = f.fromTyped(n.filter);
            if (r.never(filterNode)) {
              claims++;
              const anyEvent: TypedExpr = { kind: "event", name: n.name, window: null, filter: n.filter, measure: { kind: "count", cmp: ">=", count: 1 }, span: n.span };
              expect(valuesOn(sub(anyEvent), data).some(Boolean), `filter never holds in ${describeCase(text, data)}`).toBe(false);
            }
          }
        }
      }),
      { numRuns: RUNS * 2 },
    );
    expect(claims).toBeGreaterThan(RUNS); // the property is not vacuous
  });
});

describe("claims on the shared generators' conditions", () => {
  it("never / always of every part, and the fixes, on conditions of every operator (test/helpers/generators.ts)", () => {
    let claims = 0;
    fc.assert(
      fc.property(nowArb.chain((now) => fc.tuple(exprArb(richSchema, now), fc.constant(now))), fc.integer(), ([text, now], seed) => {
        const q = typed(text);
        const f = new Formulas();
        const r = new Reasoner(f);
        const data = boundaryData([q], now, seed);
        for (const n of contactNodes(q.expr)) {
          const node = f.fromTyped(n);
          const never = r.never(node);
          const always = !never && r.always(node);
          if (!never && !always) continue;
          claims++;
          const values = valuesOn({ schema: q.schema, expr: n }, data);
          expect(values.every((v) => v === !never), `${never ? "never" : "always"} claimed for a part of ${describeCase(text, data)}`).toBe(true);
        }
        for (const w of analysisWarnings(analyze(text, richSchema, { analysis: false }).segments, { text })) {
          if (!w.fix) continue;
          claims++;
          const edit = w.fix.edits[0]!;
          const fixed = typed(text.slice(0, edit.span.start) + edit.text + text.slice(edit.span.end));
          expect(valuesOn(fixed, data), `fix of "${w.message}" in ${describeCase(text, data)}`).toEqual(valuesOn(q, data));
        }
      }),
      { numRuns: Math.ceil(RUNS / 3) },
    );
    // Some parts of random conditions are decided (a generated rule that never or always holds, a repeat).
    expect(claims).toBeGreaterThan(5);
  });
});

describe("warnings", () => {
  it("a fix leaves a condition that matches the same contacts", () => {
    let fixes = 0;
    fc.assert(
      fc.property(conflictExprArb(), caseNowArb, fc.integer(), (text, now, seed) => {
        const a = analyze(text, richSchema);
        const warnings = analysisWarnings(a.segments, { text });
        for (const w of warnings) {
          if (!w.fix) continue;
          fixes++;
          const edit = w.fix.edits[0]!;
          const fixed = text.slice(0, edit.span.start) + edit.text + text.slice(edit.span.end);
          const after = analyze(fixed, richSchema);
          expect(after.diagnostics.filter((d) => d.severity === "error"), `the fix of "${w.message}" in ${text} gives ${fixed}`).toEqual([]);
          const data = boundaryData([a.segments[0]!, after.segments[0]!], now, seed);
          expect([...matching(after.segments[0]!, data)], `fix "${w.fix.title}" of "${w.message}": ${text} → ${fixed}`).toEqual([...matching(a.segments[0]!, data)]);
        }
      }),
      { numRuns: RUNS * 2 },
    );
    expect(fixes).toBeGreaterThan(RUNS / 10);
  });

  it("a condition warned to never match (as a whole) matches no contact; one warned to always hold matches all", () => {
    fc.assert(
      fc.property(conflictExprArb(), caseNowArb, fc.integer(), (text, now, seed) => {
        const a = analyze(text, richSchema);
        const q = a.segments[0]!;
        const whole = analysisWarnings(a.segments, { text }).filter((w) => w.span.start === q.expr.span.start && w.span.end === q.expr.span.end && !w.fix);
        const data = boundaryData([q], now, seed);
        for (const w of whole) {
          const values = valuesOn(q, data);
          if (w.code === "never-matches") expect(values.some(Boolean), describeCase(text, data)).toBe(false);
          if (w.code === "always-true" && w.message.includes("every contact")) expect(values.every(Boolean), describeCase(text, data)).toBe(true);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

/** Pairs of conditions: unrelated, or one built from the other so inclusions are common. */
const pairArb = fc.oneof(
  fc.tuple(conflictExprArb({ depth: 2 }), conflictExprArb({ depth: 2 })),
  fc.tuple(conflictExprArb({ depth: 2 }), leafArb()).map(([a, l]) => [a, `(${a}) and (${l})`] as [string, string]),
  fc.tuple(conflictExprArb({ depth: 2 }), leafArb()).map(([a, l]) => [`(${a}) or (${l})`, a] as [string, string]),
  fc.tuple(conflictExprArb({ depth: 2 }), leafArb()).map(([a, l]) => [a, `not (${a}) and (${l})`] as [string, string]),
  fc.tuple(leafArb({ events: false }), leafArb({ events: false })),
);

describe("relate", () => {
  it("claimed inclusions and disjointness hold on boundary data; witnesses separate A and B", () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(pairArb, caseNowArb, fc.integer(), fc.boolean(), ([ta, tb], now, seed, fixNow) => {
        const A = typed(ta);
        const B = typed(tb);
        const result = relate(A, B, fixNow ? { now, steps: 20_000 } : { steps: 20_000 });
        seen.add(result.relation);
        // Witnesses: the predicate (codegen, independent of the analysis) puts each where it is said to be.
        for (const w of result.witnesses) {
          const inA = compilePredicate(A, { now: w.now })(w.contact, w.events);
          const inB = compilePredicate(B, { now: w.now })(w.contact, w.events);
          expect([inA, inB], `witness ${JSON.stringify(w)} of ${ta} vs ${tb}`).toEqual([w.matches.includes("A"), w.matches.includes("B")]);
          if (fixNow) expect(Date.parse(w.now)).toBe(Date.parse(now));
        }
        const data = boundaryData([A, B], now, seed, 40, result.witnesses.map((w) => ({ contact: w.contact, events: w.events })));
        const inA = matching(A, data);
        const inB = matching(B, data);
        const where = `${ta}  vs  ${tb}  (${result.symbol}) at now=${now}`;
        if (result.aInB === "yes") for (const k of inA) expect(inB.has(k), `A ⊆ B claimed: ${where}, contact ${k}`).toBe(true);
        if (result.bInA === "yes") for (const k of inB) expect(inA.has(k), `B ⊆ A claimed: ${where}, contact ${k}`).toBe(true);
        if (result.overlap === "no") for (const k of inA) expect(inB.has(k), `disjoint claimed: ${where}, contact ${k}`).toBe(false);
        // The relation says what the facts say.
        const expected = { equal: ["yes", "yes"], subset: ["yes", "no"], superset: ["no", "yes"], disjoint: ["no", "no"], overlapping: ["no", "no"] } as const;
        if (result.relation !== "unknown") expect([result.aInB, result.bInA]).toEqual(expected[result.relation]);
        if (result.relation !== "equal" && result.relation !== "unknown") expect(result.witnesses.length).toBeGreaterThan(0);
      }),
      { numRuns: RUNS },
    );
    // Every kind of answer came up.
    for (const r of ["equal", "subset", "superset", "disjoint", "overlapping"]) expect(seen, `relation ${r} never came up`).toContain(r);
  });
});

describe("diff", () => {
  it("who enters is exactly NEW and not OLD; who leaves, OLD and not NEW", () => {
    fc.assert(
      fc.property(pairArb, caseNowArb, fc.integer(), ([told, tnew], now, seed) => {
        const O = typed(told);
        const N = typed(tnew);
        const d = diffSegments(O, N, { steps: 20_000 });
        const data = boundaryData([O, N], now, seed);
        const inO = matching(O, data);
        const inN = matching(N, data);
        const check = (side: typeof d.enters, from: Set<string>, to: Set<string>, label: string) => {
          const expected = [...to].filter((k) => !from.has(k)).sort();
          if (side.nobody) return expect(expected, `${label}: nobody claimed for ${told} → ${tnew}`).toEqual([]);
          if (side.everybody) return expect(expected.length, `${label}: everybody claimed for ${told} → ${tnew}`).toBe(data.contacts.length);
          const q = typed(side.condition!);
          expect([...matching(q, data)].sort(), `${label} of ${told} → ${tnew} written ${side.condition}`).toEqual(expected);
        };
        check(d.enters, inO, inN, "enters");
        check(d.leaves, inN, inO, "leaves");
      }),
      { numRuns: RUNS },
    );
  });
});

describe("in time zones (wall-clock days, DST changes, a skipped day)", () => {
  const zones = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Pacific/Apia"];
  const nowArb = fc.oneof(caseNowArb, fc.constantFrom(...ZONE_NOWS));
  for (const zone of zones) {
    it(`${zone}: never / always claims and relate's inclusions hold, witnesses are where they are said to be`, () => {
      const schema = zonedSchema(zone);
      fc.assert(
        fc.property(conflictExprArb({ depth: 2 }), conflictExprArb({ depth: 2 }), nowArb, fc.integer(), (ta, tb, now, seed) => {
          const A = typed(ta, schema);
          const B = typed(`(${ta}) and (${tb})`, schema);
          const f = new Formulas({ zone: zoneOf(zone) });
          const r = new Reasoner(f);
          const data = boundaryData([A, B], now, seed);
          for (const n of contactNodes(A.expr)) {
            const node = f.fromTyped(n);
            const never = r.never(node);
            const always = r.always(node);
            if (!never && !always) continue;
            const values = valuesOn({ schema, expr: n }, data);
            expect(values.every((v) => v === !never), `${never ? "never" : "always"} in ${zone}: ${describeCase(ta, data)}`).toBe(true);
          }
          const result = relate(A, B, { steps: 20_000 });
          for (const w of result.witnesses) {
            const inA = compilePredicate(A, { now: w.now })(w.contact, w.events);
            const inB = compilePredicate(B, { now: w.now })(w.contact, w.events);
            expect([inA, inB], `witness in ${zone} ${JSON.stringify(w)}`).toEqual([w.matches.includes("A"), w.matches.includes("B")]);
          }
          const inA = matching(A, data);
          const inB = matching(B, data);
          if (result.aInB === "yes") for (const k of inA) expect(inB.has(k), `A ⊆ B in ${zone}: ${ta} / ${tb} at ${now}`).toBe(true);
          if (result.bInA === "yes") for (const k of inB) expect(inA.has(k), `B ⊆ A in ${zone}: ${ta} / ${tb} at ${now}`).toBe(true);
        }),
        { numRuns: Math.ceil(RUNS / 2) },
      );
    });
  }
});
