import { describe, expect, it } from "vitest";
import { MAX_NESTING, parse } from "../../src/parser/index.js";

describe("nesting limits count per declaration", () => {
  it("many declarations with event filters are not 'too deep'", () => {
    const text = Array.from({ length: MAX_NESTING + 5 }, (_, i) => `segment "S${i}" as performed "P" where amount > 5`).join("\n");
    const r = parse(text);
    expect(r.diagnostics).toEqual([]);
    expect(r.document.segments).toHaveLength(MAX_NESTING + 5);
  });

  it("a chain of filters inside one condition still hits the limit", () => {
    const text = Array.from({ length: MAX_NESTING + 5 }, () => `performed "P" where`).join(" ") + " amount > 5";
    expect(parse(text).diagnostics.map((d) => d.code)).toEqual(["too-deep"]);
  });

  it("'in segment' does not reset the count", () => {
    const text = `${"(".repeat(MAX_NESTING)}in segment "x"${")".repeat(MAX_NESTING)}`;
    expect(parse(text).diagnostics).toEqual([]);
  });
});
