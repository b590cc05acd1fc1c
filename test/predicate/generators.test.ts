/**
 * The shared generators produce what they promise: valid expressions (the checker accepts every one),
 * engine-representable data, and the same cases for the same seed.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkExpression } from "../../src/index.js";
import { caseArb, exprArb, richSchema, sampleCases } from "../helpers/generators.js";
import { parseSchema } from "../../src/schema/schema.js";
import { readFileSync } from "node:fs";

describe("test generators", () => {
  it("generate only expressions the checker accepts (rich schema, with events and segment references)", () => {
    fc.assert(
      fc.property(caseArb(richSchema, { maxContacts: 0 }), (c) => {
        checkExpression(c.text, c.schema, c.segment ? { segment: c.segment } : {});
      }),
      { numRuns: 400, seed: 1 },
    );
  });

  it("generate valid expressions over another schema (telco, no events)", () => {
    const telco = parseSchema(readFileSync("/work/shared/data/telco/schema.json", "utf8"));
    fc.assert(fc.property(exprArb(telco, "2026-01-01T00:00:00Z"), (text) => void checkExpression(text, telco)), { numRuns: 200, seed: 2 });
  });

  it("are deterministic under a seed", () => {
    expect(JSON.stringify(sampleCases(99, 5))).toBe(JSON.stringify(sampleCases(99, 5)));
  });

  it("generate values every engine can store", () => {
    for (const c of sampleCases(3, 150)) {
      const walk = (v: unknown): void => {
        if (typeof v === "number") expect(Number.isFinite(v)).toBe(true);
        else if (typeof v === "string") {
          expect(v.includes("\0")).toBe(false);
          expect(/\p{Surrogate}/u.test(v)).toBe(false); // no lone surrogates
        } else if (Array.isArray(v)) v.forEach(walk);
        else if (v && typeof v === "object") Object.values(v).forEach(walk);
      };
      walk(c.contacts);
      walk(c.events);
      for (const row of c.events) {
        const year = Number(String(row["occurred_at"]).slice(0, 4));
        expect(year >= 1900 && year < 2200).toBe(true);
      }
      expect(new Set(c.contacts.map((x) => x["id"])).size).toBe(c.contacts.length);
    }
  });
});
