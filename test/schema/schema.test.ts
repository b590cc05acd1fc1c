import { describe, expect, it } from "vitest";
import { analyze, findField, parseSchema, SchemaError, validateSchema } from "../../src/index.js";

function problems(json: unknown): string[] {
  const r = validateSchema(json);
  return r.problems.map((p) => `${p.path}: ${p.message}`);
}

describe("schema validation names the JSON path of every problem", () => {
  it.each([
    [[], [": expected an object with \"table\", \"key\" and \"fields\""]],
    [{ key: "id", fields: {} }, ["table: is required"]],
    [{ table: "t", key: "", fields: {} }, ["key: expected a non-empty string"]],
    [{ table: "t", key: "id", fields: [] }, ["fields: expected an object mapping field names to { \"type\": … }"]],
    [{ table: "t", key: "id", fields: { a: { type: "text" } } }, ["fields.a.type: expected one of \"string\", \"number\", \"boolean\", \"date\", \"timestamp\", \"enum\", \"list\", found \"text\""]],
    [{ table: "t", key: "id", fields: { a: { type: "enum" } } }, ["fields.a.values: an enum needs a non-empty array of allowed values"]],
    [{ table: "t", key: "id", fields: { a: { type: "enum", values: ["x", 3, "x"] } } }, ["fields.a.values[1]: expected a string, found 3", "fields.a.values[2]: duplicate value \"x\""]],
    [{ table: "t", key: "id", fields: { a: { type: "number", values: ["x"] } } }, ["fields.a.values: only enum fields take \"values\" (this field is number)"]],
    [{ table: "t", key: "id", fields: { a: { type: "number", colum: "x" } } }, ["fields.a.colum: unknown property; did you mean \"column\"?"]],
    [{ table: "t", key: "id", fields: { a: { type: "number" }, A: { type: "string" } } }, ["fields.A: duplicates field \"a\" (field names are case-insensitive)"]],
    [{ table: "t", key: "id", fields: {}, events: { table: "e", name: "n", time: "t" } }, ["events.contact_key: is required"]],
    [{ table: "t", key: "id", fields: {}, events: { table: "e", contact_key: "k", name: "n", time: "t", names: ["a", ""] } }, ["events.names[1]: expected a non-empty string"]],
  ])("%j", (json, expected) => {
    expect(problems(json)).toEqual(expected);
  });

  it("parseSchema throws one SchemaError listing every problem", () => {
    expect(() => parseSchema("{", "s.json")).toThrow(SchemaError);
    try {
      parseSchema(JSON.stringify({ table: 1, fields: { a: {} } }), "s.json");
    } catch (e) {
      expect((e as SchemaError).problems.map((p) => p.path)).toEqual(["table", "key", "fields.a.type"]);
      expect((e as Error).message).toContain("invalid schema s.json:");
    }
  });

  it("a field named __proto__ or constructor is an ordinary field", () => {
    const schema = parseSchema('{"table":"t","key":"id","fields":{"__proto__":{"type":"number"},"constructor":{"type":"string"}}}');
    expect(findField(schema, "__proto__")?.type).toBe("number");
    expect(findField(schema, "constructor")?.type).toBe("string");
    expect(findField(schema, "toString")).toBeUndefined();
    expect(analyze("`__proto__` > 1 and constructor = \"x\"", schema).diagnostics).toEqual([]);
    expect(analyze("toString = 1", schema).diagnostics.map((d) => d.code)).toEqual(["unknown-field"]);
  });
});
