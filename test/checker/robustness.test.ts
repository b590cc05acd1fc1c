import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { analyze, parseSchema } from "../../src/index.js";

const schema = parseSchema(readFileSync(new URL("../fixtures/crm-schema.json", import.meta.url), "utf8"));

// Fragments that make half-valid input far more often than random characters do.
const fragment = fc.constantFrom(
  "status", "tenure", "tags", "signed_up_at", "is_verified", "lifetime_value", "nope", "`Plan Type`",
  "=", "!=", ">", ">=", "is", "not", "empty", "in", "(", ")", ",", "and", "or", "between", "contains",
  "starts", "with", "has", "any", "within", "last", "30", "days", "ago", "now", "today", '"Pro"', "'x",
  '"Subscribed"', "2024-02-30", "2024-01-01T10:00:00Z", "-3.5", "performed", '"Purchase"', "at", "least",
  "times", "where", "amount", "sum", "of", "segment", '"a"', "as", "--c\n", "\n", "@", "\\",
);

describe("the front end never throws and reports in-range spans", () => {
  it("on arbitrary token soup", () => {
    fc.assert(
      fc.property(fc.array(fragment, { maxLength: 30 }), (parts) => {
        const text = parts.join(" ");
        const r = analyze(text, schema);
        for (const d of r.diagnostics) {
          expect(d.span.start).toBeGreaterThanOrEqual(0);
          expect(d.span.end).toBeLessThanOrEqual(text.length);
          expect(d.span.start).toBeLessThanOrEqual(d.span.end);
          expect(d.message).not.toMatch(/-->|<--|Expecting|token of type/);
        }
        // An input with no errors yields a typed segment for every declaration.
        if (!r.diagnostics.some((d) => d.severity === "error")) {
          expect(r.segments.length).toBe(r.document.segments.filter((s) => s.expr !== null).length);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it("on arbitrary unicode", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 60 }), (text) => {
        const r = analyze(text, schema);
        expect(Array.isArray(r.diagnostics)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});
