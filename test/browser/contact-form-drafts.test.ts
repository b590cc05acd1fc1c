/**
 * The contact form's drafts (playground/src/segments/field-drafts.ts), in Node: a field the user has not
 * touched is never a change, whatever it holds (laws over random values of every type); a list's items
 * go back exactly as they were; typed values are sent as the type's values; pasted lines are items.
 * The form in Chromium: segments-contact-form-values.test.ts.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { FieldDef, FieldType } from "../../src/schema/schema.js";
import { draftOf, emptyKind, isChange, pastedItems, sameDraft, valueOf } from "../../playground/src/segments/field-drafts.js";

const def = (type: FieldType, values?: string[]): FieldDef => ({ name: "f", type, column: "f", ...(values ? { values } : {}) });

/** Values a field of each type can hold, as the API answers them (null and `""` included). */
const storedValues: [FieldDef, fc.Arbitrary<unknown>][] = [
  [def("string"), fc.oneof(fc.constant(null), fc.constant(""), fc.constant("  "), fc.string(), fc.string({ unit: "grapheme" }))],
  [def("number"), fc.oneof(fc.constant(null), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(1e21, -0, 5e-324, Number.MAX_VALUE))],
  [def("boolean"), fc.constantFrom(null, true, false)],
  [def("date"), fc.oneof(fc.constant(null), fc.date({ min: new Date("0001-01-01T00:00:00Z"), max: new Date("9999-12-31T00:00:00Z"), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)))],
  [def("timestamp"), fc.oneof(fc.constant(null), fc.date({ noInvalidDate: true, min: new Date("0001-01-01T00:00:00Z"), max: new Date("9999-12-31T23:59:59Z") }).map((d) => d.toISOString()))],
  [def("enum", ["Free", "Pro"]), fc.constantFrom(null, "Free", "Pro", "Legacy")],
  [def("list"), fc.oneof(fc.constant(null), fc.array(fc.oneof(fc.string(), fc.constantFrom("", " x ", "a\nb", "a\r\nb", "\n"))))],
];

describe("contact form drafts", () => {
  it("a field the user has not touched is no change, whatever it holds", () => {
    for (const [d, values] of storedValues) {
      fc.assert(
        fc.property(values, (v) => !isChange(d, draftOf(d, v), v)),
        { numRuns: 300 },
      );
    }
  });

  it("a list's items go back exactly: line breaks, edge spaces and empty items kept", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), fc.constantFrom("", " x ", "a\nb", "\r\n"))), (items) => {
        const sent = valueOf(def("list"), draftOf(def("list"), items));
        expect(sent).toEqual(items.length === 0 ? null : items);
      }),
    );
    // One item more: the others are sent as they were, not split on their line breaks.
    const d = def("list");
    const draft = [...(draftOf(d, ["line one\nline two", " spaced ", ""]) as string[]), "new"];
    expect(isChange(d, draft, ["line one\nline two", " spaced ", ""])).toBe(true);
    expect(valueOf(d, draft)).toEqual(["line one\nline two", " spaced ", "", "new"]);
  });

  it("a typed value is sent as the type's value; an emptied input is no value; a same value typed otherwise is no change", () => {
    expect(valueOf(def("number"), " 1e21 ")).toBe(1e21);
    expect(valueOf(def("number"), "twelve")).toBe("twelve");
    expect(valueOf(def("boolean"), "false")).toBe(false);
    expect(valueOf(def("string"), "")).toBeNull();
    expect(valueOf(def("string"), "   ")).toBeNull();
    expect(valueOf(def("string"), " Ada ")).toBe(" Ada ");
    expect(isChange(def("number"), "5.0", 5)).toBe(false);
    expect(isChange(def("number"), "1e21", 1e21)).toBe(false);
    expect(isChange(def("string"), "", "Ada")).toBe(true);
    // A stored "" typed in and put back: no change (it stays ""); emptied otherwise, no value.
    expect(isChange(def("string"), "", "")).toBe(false);
    expect(emptyKind(def("string"), "", "")).toBe("empty text");
    expect(emptyKind(def("string"), "", null)).toBe("no value");
    expect(emptyKind(def("string"), "", "Ada")).toBe("no value");
    expect(emptyKind(def("string"), "A", "")).toBeNull();
    expect(sameDraft(["a"], ["a"])).toBe(true);
    expect(sameDraft(["a\nb"], ["a", "b"])).toBe(false);
  });

  it("a pasted block is one item per line, blank lines and edge spaces left out", () => {
    expect(pastedItems("e\n\n  f  \r\ng\rh\n")).toEqual(["e", "f", "g", "h"]);
  });
});
