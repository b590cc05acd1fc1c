import { describe, expect, it } from "vitest";
import { analyze } from "../../src/index.js";
import { FIELD_TYPES, type FieldType } from "../../src/schema/schema.js";
import { OPERATORS, type OperatorInfo } from "../../src/service/operators.js";
import { schema } from "./helpers.js";

/** A field of each type in the fixture schema, and a value of that type. */
const SAMPLE: Record<FieldType, { field: string; one: string; other: string }> = {
  string: { field: "email", one: '"a"', other: '"b"' },
  enum: { field: "status", one: '"Trial"', other: '"Inactive"' },
  number: { field: "tenure", one: "1", other: "2" },
  boolean: { field: "is_verified", one: "true", other: "false" },
  date: { field: "birthday", one: "2024-01-01", other: "2024-02-01" },
  timestamp: { field: "signed_up_at", one: "2024-01-01T00:00:00Z", other: "2024-02-01T00:00:00Z" },
  list: { field: "tags", one: '"a"', other: '"b"' },
};

function operand(o: OperatorInfo, type: FieldType): string {
  const s = SAMPLE[type];
  switch (o.operand) {
    case "value": return ` ${s.one}`;
    case "list": return ` (${s.one}, ${s.other})`;
    case "range": return ` ${s.one} and ${s.other}`;
    case "duration": return " 30 days";
    case "none": return "";
  }
}

const errorsOf = (text: string) => analyze(text, schema).diagnostics.filter((d) => d.severity === "error");

describe("the operator table agrees with the parser and the checker", () => {
  it.each(FIELD_TYPES.map((t) => [t]))("a %s field takes exactly the operators the table lists for it", (type) => {
    const accepted: string[] = [];
    for (const o of OPERATORS) {
      const text = `${SAMPLE[type].field} ${o.phrase}${operand(o, type)}`;
      const errors = errorsOf(text);
      // Every spelling parses, whatever the type: only the checker refuses a type.
      expect(errors.filter((e) => !["operator-type", "value-type"].includes(e.code)), text).toEqual([]);
      if (errors.length === 0) accepted.push(o.phrase);
    }
    expect(accepted).toEqual(OPERATORS.filter((o) => o.types.includes(type)).map((o) => o.phrase));
  });

  it("an aggregate takes exactly the positive operators of a number", () => {
    const accepted = OPERATORS.filter((o) => errorsOf(`performed "Purchase" with sum of amount ${o.phrase}${operand(o, "number")}`).length === 0);
    const expected = OPERATORS.filter((o) => o.types.includes("number") && !o.negative && o.operand !== "none");
    expect(accepted.map((o) => o.phrase)).toEqual(expected.map((o) => o.phrase));
  });

  it("first/last time takes exactly the positive operators of a timestamp", () => {
    const accepted = OPERATORS.filter((o) => errorsOf(`performed "Purchase" with last time ${o.phrase}${operand(o, "timestamp")}`).length === 0);
    const expected = OPERATORS.filter((o) => o.types.includes("timestamp") && !o.negative && o.operand !== "none");
    expect(accepted.map((o) => o.phrase)).toEqual(expected.map((o) => o.phrase));
  });

  it("every operator has a description saying how it treats an empty field", () => {
    for (const o of OPERATORS) {
      expect(o.doc.length, o.phrase).toBeGreaterThan(20);
      if (o.phrase !== "is empty" && o.phrase !== "is not empty") expect(o.doc, o.phrase).toMatch(/empty/);
    }
  });
});
