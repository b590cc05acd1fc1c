/**
 * The throwing API promises `SegqlError` (with diagnostics) for every problem of the text, including a
 * segment name that is not in it and a text that holds several segments.
 */
import { describe, expect, it } from "vitest";
import { checkExpression, parseSchema, SegqlError } from "../../src/index.js";

const schema = parseSchema(JSON.stringify({ table: "contacts", key: "id", fields: { ltv: { type: "number" } } }));
const file = 'segment "High value" as ltv > 1000\nsegment "Low value" as ltv < 10';

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error("expected a throw");
}

describe("checkExpression", () => {
  it("picks a segment of a file by name", () => {
    expect(checkExpression(file, schema, { segment: "Low value" }).name).toBe("Low value");
  });

  it("a segment name not in the text is a SegqlError with the closest name", () => {
    const e = thrown(() => checkExpression(file, schema, { segment: "High valu" }));
    expect(e).toBeInstanceOf(SegqlError);
    expect((e as SegqlError).diagnostics[0]).toMatchObject({ code: "unknown-segment", severity: "error" });
    expect((e as SegqlError).message).toContain('did you mean "High value"');
  });

  it("a text of several segments without a name is a SegqlError", () => {
    const e = thrown(() => checkExpression(file, schema));
    expect(e).toBeInstanceOf(SegqlError);
    expect((e as SegqlError).diagnostics[0]).toMatchObject({ code: "several-segments" });
  });

  it("errors in the text are a SegqlError", () => {
    expect(thrown(() => checkExpression("ltv >", schema))).toBeInstanceOf(SegqlError);
  });
});
