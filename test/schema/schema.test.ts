import { describe, expect, it } from "vitest";
import { analyze, findField, parseSchema, SchemaError, validateSchema } from "../../src/index.js";
import { formatSchemaProblem } from "../../src/schema/schema.js";

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

  it("parseSchema throws one SchemaError listing every problem, in the order of the text", () => {
    expect(() => parseSchema("{", "s.json")).toThrow(SchemaError);
    let error: SchemaError | null = null;
    try {
      parseSchema(JSON.stringify({ table: 1, fields: { a: {} } }), "s.json");
    } catch (e) {
      error = e as SchemaError;
    }
    // `key` is missing from the whole document: it is shown at its '{', before `table`'s value.
    expect(error!.problems.map((p) => p.path)).toEqual(["key", "table", "fields.a.type"]);
    expect(error!.message).toBe([
      "invalid schema s.json (3 problems):",
      "s.json:1:1: error: key: is required",
      "s.json:1:10: error: table: expected a non-empty string",
      's.json:1:22: error: fields.a.type: expected one of "string", "number", "boolean", "date", "timestamp", "enum", "list" (missing)',
    ].join("\n"));
  });

  it("each problem carries its range in the text: the value, the key, or the object that lacks a key", () => {
    const text = '{\n  "table": "t",\n  "key": "id",\n  "fields": {\n    "a": { "type": "enum", "values": ["x", 3] },\n    "b": { "typ": "number" }\n  }\n}';
    let error: SchemaError | null = null;
    try {
      parseSchema(text, "s.json");
    } catch (e) {
      error = e as SchemaError;
    }
    expect(error!.problems.map((p) => `${p.span!.line}:${p.span!.column} ${text.slice(p.span!.start, p.span!.end)} ${p.path}`)).toEqual([
      "5:44 3 fields.a.values[1]",
      '6:5 "b" fields.b.type',
      '6:12 "typ" fields.b.typ',
    ]);
    expect(error!.problems.map((p) => formatSchemaProblem(p, "s.json"))).toEqual([
      "s.json:5:44: error: fields.a.values[1]: expected a string, found 3",
      's.json:6:5: error: fields.b.type: expected one of "string", "number", "boolean", "date", "timestamp", "enum", "list" (missing)',
      's.json:6:12: error: fields.b.typ: unknown property; did you mean "type"?',
    ]);
  });

  it("a syntax error is one problem at its place; a key written twice is a problem, not a silent override", () => {
    expect(() => parseSchema('{ "table": "t",\n  key: "id" }', "s.json")).toThrow(
      "invalid schema s.json:\ns.json:2:3: error: not valid JSON: expected a property name in double quotes, found 'key'",
    );
    expect(() => parseSchema('{ "table": "t", "key": "id", "fields": {},\n  "table": "u" }', "s.json")).toThrow(
      'invalid schema s.json:\ns.json:2:3: error: table: duplicate key "table" (JSON keeps only the last one)',
    );
    // A byte order mark (some Windows editors write one) is not an error.
    expect(parseSchema('\uFEFF{ "table": "t", "key": "id", "fields": {} }').table).toBe("t");
    // … and columns count from the first character an editor shows, after the mark.
    expect(() => parseSchema('\uFEFF{ "table": 1, "key": "id", "fields": {} }', "s.json")).toThrow("s.json:1:12: error: table: expected a non-empty string");
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
