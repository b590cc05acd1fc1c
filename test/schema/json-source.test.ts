/**
 * JSON with positions (src/schema/json-source.ts): the parser agrees with JSON.parse, paths map to the
 * ranges editors underline, and syntax errors say where and what was expected.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LineIndex } from "../../src/diagnostics.js";
import { duplicateKeys, formatJsonPath, parseJsonTree, rangeOfJsonPath, type JsonNode, type JsonPath } from "../../src/schema/json-source.js";

/** The value a tree stands for, decoded the way JSON.parse does (the last of duplicate keys wins). */
function valueOf(node: JsonNode, text: string): unknown {
  switch (node.type) {
    case "object": {
      const out: Record<string, unknown> = {};
      for (const p of node.properties) Object.defineProperty(out, p.key, { value: valueOf(p.value, text), enumerable: true, configurable: true, writable: true });
      return out;
    }
    case "array":
      return node.items.map((n) => valueOf(n, text));
    case "string":
      return node.value;
    default:
      return JSON.parse(text.slice(node.from, node.to));
  }
}

function tree(text: string): JsonNode {
  const r = parseJsonTree(text);
  if (!r.root) throw new Error(r.error.message);
  return r.root;
}

/** The text a path's range covers. */
function at(text: string, path: JsonPath, on: "key" | "value" = "value"): string {
  const r = rangeOfJsonPath(tree(text), path, on);
  return text.slice(r.from, r.to);
}

/** A syntax error as `line:col-line:col message` (1-based). */
function syntaxError(text: string): string {
  const r = parseJsonTree(text);
  if (!r.error) return "ok";
  const lines = new LineIndex(text);
  const a = lines.locate(r.error.from);
  const b = lines.locate(r.error.to);
  return `${a.line}:${a.column}-${b.line}:${b.column} ${r.error.message}`;
}

const SCHEMA = `{
  "table": "contacts",
  "fields": {
    "status": { "type": "enum", "values": ["Subscribed", "Trial", 3] },
    "a.b": { "type": "number" }
  },
  "events": {
    "properties": {
      "amount": { "type": "monay" }
    }
  }
}`;

describe("paths map to ranges in the text", () => {
  it("finds values in nested objects and arrays", () => {
    expect(at(SCHEMA, ["fields", "status", "values", 2])).toBe("3");
    expect(at(SCHEMA, ["fields", "status", "values", 0])).toBe('"Subscribed"');
    expect(at(SCHEMA, ["events", "properties", "amount", "type"])).toBe('"monay"');
    expect(at(SCHEMA, ["fields", "status"])).toBe('{ "type": "enum", "values": ["Subscribed", "Trial", 3] }');
    expect(at(SCHEMA, [])).toBe(SCHEMA);
  });

  it("finds keys, including keys with dots, escapes and quotes (a path is keys, not a dotted string)", () => {
    expect(at(SCHEMA, ["fields", "a.b"], "key")).toBe('"a.b"');
    const text = '{ "q\\"x": 1, "\\u0061b": { "c\\\\d": [true] } }';
    expect(at(text, ['q"x'], "key")).toBe('"q\\"x"');
    expect(at(text, ["ab", "c\\d", 0])).toBe("true");
    expect(at(text, ["ab", "c\\d"], "key")).toBe('"c\\\\d"');
  });

  it("a missing key points at the key of the object that lacks it, or its '{' at the top", () => {
    expect(at(SCHEMA, ["fields", "status", "column"])).toBe('"status"');
    expect(at(SCHEMA, ["events", "table"])).toBe('"events"');
    expect(at(SCHEMA, ["key"])).toBe("{");
    expect(at(SCHEMA, ["fields", "status", "values", 9])).toBe('"values"');
    expect(rangeOfJsonPath(tree(SCHEMA), ["key"]).exact).toBe(false);
    expect(rangeOfJsonPath(tree(SCHEMA), ["table"]).exact).toBe(true);
    // An index into an object, or a key into an array, does not exist either.
    expect(at('{ "x": [1, 2] }', ["x", "y"])).toBe('"x"');
  });

  it("a duplicated key resolves to the last occurrence, as JSON.parse keeps it, and the others are listed", () => {
    const text = '{ "a": 1, "b": { "c": 1, "c": 2 }, "a": [3] }';
    expect(at(text, ["a"])).toBe("[3]");
    expect(at(text, ["b", "c"])).toBe("2");
    expect(duplicateKeys(tree(text)).map((d) => `${formatJsonPath(d.path)}@${d.from}`)).toEqual([`b.c@${text.indexOf('"c": 2')}`, `a@${text.lastIndexOf('"a"')}`]);
    expect(duplicateKeys(tree(SCHEMA))).toEqual([]);
  });

  it("formats paths as messages write them", () => {
    expect(formatJsonPath(["fields", "status", "values", 2])).toBe("fields.status.values[2]");
    expect(formatJsonPath([])).toBe("");
    expect(formatJsonPath([0, "a"])).toBe("[0].a");
  });
});

describe("syntax errors say where and what was expected", () => {
  it.each([
    ['{ "a": 1,\n}', "2:1-2:2 a trailing comma is not allowed in JSON"],
    ["[1, 2,]", "1:7-1:8 a trailing comma is not allowed in JSON"],
    ["{ schema: 1 }", "1:3-1:9 expected a property name in double quotes, found 'schema'"],
    ["{ 'a': 1 }", "1:3-1:4 expected a property name in double quotes, found a single quote (JSON strings and names use double quotes)"],
    ['{ "a" 1 }', "1:7-1:8 expected ':' after the property name \"a\", found '1'"],
    ['{ "a": 1 "b": 2 }', "1:10-1:13 expected ',' or '}' after a property value, found \"b\""],
    ['{ "a": [1 2] }', "1:11-1:12 expected ',' or ']' after an array element, found '2'"],
    ['{ "a": }', "1:8-1:9 expected a value (an object, array, string, number, true, false or null), found '}'"],
    ['{ "a": tru }', "1:8-1:11 expected a value (an object, array, string, number, true, false or null), found 'tru'"],
    ['{ "a": 01 }', "1:8-1:10 invalid number '01' (JSON numbers look like 12, -3.5 or 1e6: no leading zeros, '+', or bare '.')"],
    ['{ "a": .5 }', "1:8-1:10 invalid number '.5' (JSON numbers look like 12, -3.5 or 1e6: no leading zeros, '+', or bare '.')"],
    ['{ "a": "x\n" }', "1:10-2:1 unterminated string: a '\"' is missing before the end of the line"],
    ['{ "a": "\\x" }', "1:9-1:11 invalid escape '\\x' (JSON has \\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX)"],
    ['{ "a": "x', "1:8-1:10 unterminated string: a '\"' is missing"],
    ['{ "a": 1 } // note', "1:12-1:14 comments are not allowed in JSON"],
    ['{ "a": 1 } x', "1:12-1:13 unexpected text after the JSON value, found 'x'"],
    ['{ "a": [', "1:9-1:9 expected a value (an object, array, string, number, true, false or null), found the end of the text"],
    ["", "1:1-1:1 expected a value (an object, array, string, number, true, false or null), found the end of the text"],
    ["\uFEFF[]", "ok"],
  ])("%j", (text, expected) => {
    expect(syntaxError(text)).toBe(expected);
  });

  it("deep nesting is an error, not a stack overflow", () => {
    expect(syntaxError("[".repeat(100_000))).toMatch(/^1:1001-1:1002 nested more than 1000 levels deep$/);
  });
});

describe("the parser agrees with JSON.parse", () => {
  it("on any JSON value, written compactly or indented", () => {
    fc.assert(fc.property(fc.jsonValue(), fc.boolean(), (value, indent) => {
      const text = JSON.stringify(value, null, indent ? 2 : undefined);
      expect(valueOf(tree(text), text)).toEqual(JSON.parse(text));
    }), { numRuns: 300 });
  });

  it("on whether a text is JSON at all (texts near JSON: one character changed, added or removed)", () => {
    const nearJson = fc.tuple(fc.json(), fc.nat(), fc.constantFrom("", " ", ",", "}", "]", "{", "[", '"', "\\", ":", "0", "-", ".", "e", "\n", "'", "/", "t"), fc.constantFrom(0, 1))
      .map(([json, n, c, remove]) => {
        const k = json.length === 0 ? 0 : n % json.length;
        return json.slice(0, k) + c + json.slice(k + remove);
      });
    fc.assert(fc.property(nearJson, (text) => {
      let ok = true;
      try {
        JSON.parse(text);
      } catch {
        ok = false;
      }
      expect(parseJsonTree(text).error === null, text).toBe(ok);
    }), { numRuns: 2000 });
  });
});
