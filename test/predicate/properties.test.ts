/**
 * Laws of the predicate, for random valid expressions over the rich schema (every operator, nesting, event
 * conditions with every clause, segment references) and random contacts and event tables (nulls, missing
 * keys, "", Unicode case pairs, quotes, %, _, \, boundary numbers, month ends, leap days, window edges):
 * - code generation and the closure evaluator give the same answer, and the answer of a naive reference
 *   evaluator written from the semantics (test/helpers/reference-eval.ts);
 * - `E` and `not E` partition the contacts;
 * - the runtime's fast paths agree with their plain definitions.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseTimestamp } from "../../src/checker/time.js";
import { compilePredicate, groupEvents } from "../../src/compiler/predicate/index.js";
import { containsFold, endsFold, foldAscii, parseInstant, startsFold } from "../../src/compiler/predicate/runtime.js";
import { checkExpression } from "../../src/index.js";
import { referenceEval } from "../helpers/reference-eval.js";
import { caseArb, isoWithOffset, isoZ, richSchema, stringValueArb, type Case } from "../helpers/generators.js";

function compileCase(c: Case, text = c.text) {
  const query = checkExpression(text, c.schema, c.segment ? { segment: c.segment } : {});
  return {
    gen: compilePredicate(query, { now: c.now, mode: "codegen" }),
    clo: compilePredicate(query, { now: c.now, mode: "closure" }),
  };
}

describe("predicate laws", () => {
  it("code generation and closures agree", () => {
    let evaluated = 0;
    let matched = 0;
    fc.assert(
      fc.property(caseArb(richSchema), (c) => {
        const { gen, clo } = compileCase(c);
        const byKey = groupEvents(c.events, "contact_id");
        for (const contact of c.contacts) {
          const events = byKey.get(String(contact["id"])) ?? [];
          const a = gen(contact, events);
          expect(clo(contact, events)).toBe(a);
          evaluated++;
          if (a) matched++;
        }
      }),
      { numRuns: 300, seed: 11 },
    );
    // The generators must produce both answers often, or the law says little.
    expect(matched).toBeGreaterThan(evaluated * 0.1);
    expect(matched).toBeLessThan(evaluated * 0.9);
  });

  it("both agree with the naive reference evaluator of the semantics", () => {
    fc.assert(
      fc.property(caseArb(richSchema), (c) => {
        const query = checkExpression(c.text, c.schema, { segment: "Main" });
        const gen = compilePredicate(query, { now: c.now });
        const byKey = groupEvents(c.events, "contact_id");
        for (const contact of c.contacts) {
          const events = byKey.get(String(contact["id"])) ?? [];
          expect(gen(contact, events)).toBe(referenceEval(query, contact, events, Date.parse(c.now)));
        }
      }),
      { numRuns: 1000, seed: 15 },
    );
  });

  it("E and not E partition the contacts", () => {
    fc.assert(
      fc.property(caseArb(richSchema), (c) => {
        const expr = c.text.split('segment "Main" as ')[1]!;
        const notText = `${c.text}\nsegment "Not main" as not (${expr.trim()})\n`;
        const e = compileCase(c).gen;
        const query = checkExpression(notText, c.schema, { segment: "Not main" });
        const notE = compilePredicate(query, { now: c.now });
        const notEClosure = compilePredicate(query, { now: c.now, mode: "closure" });
        const byKey = groupEvents(c.events, "contact_id");
        for (const contact of c.contacts) {
          const events = byKey.get(String(contact["id"]));
          expect(notE(contact, events)).toBe(!e(contact, events));
          expect(notEClosure(contact, events)).toBe(!e(contact, events));
        }
      }),
      { numRuns: 200, seed: 12 },
    );
  });
});

describe("runtime fast paths", () => {
  it("parseInstant agrees with the checker's timestamp parser", () => {
    const instant = fc.integer({ min: Date.UTC(1, 0, 1), max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) });
    const text = fc.oneof(
      instant.map(isoZ),
      instant.map((ms) => isoZ(ms - (ms % 1000)).replace(".000Z", "Z")),
      fc.tuple(instant, fc.integer({ min: -1080, max: 1080 })).map(([ms, off]) => isoWithOffset(ms, off)),
      instant.map((ms) => isoZ(ms).slice(0, 16)),
      // near-misses: digits out of range, wrong separators
      fc.constantFrom("2024-02-30T00:00:00Z", "2023-02-29T00:00:00.000Z", "2024-13-01T00:00:00Z", "2024-01-01T24:00:00Z",
        "2024-01-01T23:60:00Z", "2024-01-01T23:59:60Z", "2024-01-01 00:00:00Z", "2024-01-0aT00:00:00Z", "2024-01-01T00:00:00.0a0Z",
        "2024/01/01T00:00:00Z", "2100-02-29T00:00:00Z", "2000-02-29T00:00:00Z", "0000-01-01T00:00:00Z", "2024-01-01T00:00:00.1234Z"),
    );
    fc.assert(
      fc.property(text, (s) => {
        const slow = parseTimestamp(s);
        const expected = "ms" in slow ? slow.ms : NaN;
        expect(parseInstant(s)).toBe(expected);
      }),
      { numRuns: 3000, seed: 13 },
    );
  });

  it("ASCII folding text tests agree with their definition", () => {
    const str = fc.oneof(stringValueArb(), fc.string({ unit: fc.constantFrom("a", "A", "b", "B", "é", "É", "ß", "\u212A", "k", "K") }));
    fc.assert(
      fc.property(str, str, (h, n) => {
        const fh = foldAscii(h);
        const fn = foldAscii(n);
        expect(containsFold(h, fn)).toBe(fh.includes(fn));
        expect(startsFold(h, fn)).toBe(fh.startsWith(fn));
        expect(endsFold(h, fn)).toBe(fh.endsWith(fn));
        // folding touches A-Z only
        expect([...fh].length).toBe([...h].length);
        for (let i = 0; i < h.length; i++) {
          const c = h.charCodeAt(i);
          expect(fh.charCodeAt(i)).toBe(c >= 65 && c <= 90 ? c + 32 : c);
        }
      }),
      { numRuns: 2000, seed: 14 },
    );
  });
});
