/**
 * Hostile text is data: field names, event and property names, segment names and values that look like
 * code, quotes, comment ends, template syntax, line separators, and names of `Object.prototype` members
 * all behave as ordinary names and values, in both back ends. Nothing from `Object.prototype` counts.
 */
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { compilePredicate, predicateSource } from "../../src/compiler/predicate/index.js";
import { checkExpression } from "../../src/index.js";
import type { FieldDef, Schema } from "../../src/schema/schema.js";
import { fieldText, quoteString } from "../helpers/generators.js";

/** Strings that would break naive code generation. */
const CORPUS = [
  '"); process.exit(1); ("',
  "'); globalThis.__pwned = true; ('",
  '"]; globalThis.__pwned = true; //',
  "` + (globalThis.__pwned = true) + `",
  "${globalThis.__pwned = true}",
  "*/ globalThis.__pwned = true; /*",
  "\u2028globalThis.__pwned = true;\u2029",
  "\\",
  "\\u0022",
  "</script>",
  "__proto__",
  "constructor",
  "toString",
  "hasOwnProperty",
  "valueOf",
  "__defineGetter__",
  "prototype",
  "a\nb",
  "\u0000",
];

declare global {
  // eslint-disable-next-line no-var
  var __pwned: boolean | undefined;
}

function field(name: string, type: FieldDef["type"] = "string"): FieldDef {
  return { name, type, column: name };
}

/** A schema with every corpus string as a field name (built by hand: the schema loader's JSON objects would drop `__proto__`). */
function hostileSchema(): Schema {
  const fields: Record<string, FieldDef> = Object.create(null);
  for (const name of CORPUS) fields[name] = field(name);
  fields["n"] = field("n", "number");
  const properties: Record<string, FieldDef> = Object.create(null);
  for (const name of CORPUS) properties[name] = { ...field(name), ownColumn: false };
  return {
    table: "contacts",
    key: "n",
    fields,
    events: { table: "events", contactKey: "constructor", name: "__proto__", time: "toString", propertiesColumn: "valueOf", properties },
  };
}

const MODES = ["codegen", "closure"] as const;

afterEach(() => {
  delete globalThis.__pwned;
});

describe("injection corpus", () => {
  const schema = hostileSchema();

  // A name holding a line break cannot be written in backticks (names stay on one line), so it is tested as a value only.
  it.each(CORPUS.filter((n) => !n.includes("\n")))("field name %j with every corpus value behaves as data", (name) => {
    for (const value of CORPUS) {
      const q = checkExpression(`${fieldText(name)} = ${quoteString(value)}`, schema);
      const contains = checkExpression(`${fieldText(name)} contains ${quoteString(value)}`, schema);
      const empty = checkExpression(`${fieldText(name)} is empty`, schema);
      for (const mode of MODES) {
        const eq = compilePredicate(q, { mode, now: 0 });
        const has = compilePredicate(contains, { mode, now: 0 });
        const isEmpty = compilePredicate(empty, { mode, now: 0 });
        // Contacts as JSON.parse builds them: `__proto__` is then an own data property.
        const match = JSON.parse(JSON.stringify({ [name]: value })) as Record<string, unknown>;
        const other = JSON.parse(JSON.stringify({ [name]: `${value}!` })) as Record<string, unknown>;
        const expectEq = value !== "";
        expect(eq(match), `${mode} ${name} = ${value}`).toBe(expectEq);
        expect(eq(other)).toBe(false);
        expect(eq({})).toBe(false);
        expect(has(match)).toBe(true);
        expect(has(other)).toBe(true);
        expect(has({})).toBe(false);
        expect(isEmpty({})).toBe(true); // `constructor`, `toString`, `__proto__` of a plain object are not its fields
        expect(isEmpty(match)).toBe(false);
      }
    }
    expect(globalThis.__pwned).toBeUndefined();
  });

  it("event, property and segment names behave as data", () => {
    for (const name of CORPUS.filter((n) => !n.includes("\n"))) {
      const text = `segment ${quoteString(name)} as performed ${quoteString(name)} where ${fieldText(name)} = ${quoteString(name)};\n` +
        `segment "main" as in segment ${quoteString(name)}`;
      const q = checkExpression(text, schema, { segment: "main" });
      for (const mode of MODES) {
        const p = compilePredicate(q, { mode, now: 0 });
        // JSON text, so `__proto__` is an own column (an object literal would set the prototype instead).
        const row = JSON.parse(`{"__proto__": ${JSON.stringify(name)}, "toString": "2020-01-01T00:00:00Z", "valueOf": ${JSON.stringify({ [name]: name })}}`) as Record<string, unknown>;
        expect(p({}, [row]), `${mode} ${JSON.stringify(name)}`).toBe(true);
        expect(p({}, [{ ...row, valueOf: {} }])).toBe(false);
        expect(p({}, [{}])).toBe(false); // a row without own columns: no name, no properties
      }
    }
    expect(globalThis.__pwned).toBeUndefined();
  });

  it("random strings as values never escape into code", () => {
    const s = checkExpression(`\`constructor\` = "x"`, schema); // warm the schema cache
    expect(s).toBeTruthy();
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 12 }), (value) => {
        const q = checkExpression(`n = 1 or ${fieldText("toString")} in (${quoteString(value)}, "b") or ${fieldText("valueOf")} starts with ${quoteString(value)}`, schema);
        const source = predicateSource(q, { now: 0 });
        const p = compilePredicate(q, { now: 0 });
        expect(p({ toString: value })).toBe(value !== "");
        expect(p({ valueOf: `${value}z` })).toBe(true);
        expect(p({})).toBe(false);
        // The value appears in the source only inside a JSON string literal (or not at all: needles are constants).
        if (value.length > 3 && /[^\w]/.test(value)) expect(source.includes(value) ? source.includes(JSON.stringify(value)) : true).toBe(true);
      }),
      { numRuns: 300, seed: 21 },
    );
    expect(globalThis.__pwned).toBeUndefined();
  });
});

describe("Object.prototype never counts", () => {
  const names = ["email", "constructor", "toString", "__proto__"];
  const schema: Schema = { table: "t", key: "email", fields: Object.fromEntries(names.map((n) => [n, field(n)])) };
  Object.defineProperty(schema.fields, "__proto__", { value: field("__proto__"), enumerable: true });

  it("inherited members are not fields", () => {
    for (const name of names) {
      for (const mode of MODES) {
        const present = compilePredicate(checkExpression(`${fieldText(name)} is not empty`, schema), { mode, now: 0 });
        const eqObject = compilePredicate(checkExpression(`${fieldText(name)} != "x"`, schema), { mode, now: 0 });
        expect(present({}), `${mode} ${name}`).toBe(false);
        expect(present(Object.create({ [name]: "inherited" }))).toBe(name === "email"); // a non-Object.prototype prototype is the contact's own business
        expect(eqObject({})).toBe(true);
      }
    }
  });

  it("a polluted Object.prototype changes nothing", () => {
    const proto = Object.prototype as Record<string, unknown>;
    proto["email"] = "polluted@example.com";
    try {
      for (const mode of MODES) {
        const eq = compilePredicate(checkExpression('email = "polluted@example.com"', schema), { mode, now: 0 });
        const empty = compilePredicate(checkExpression("email is empty", schema), { mode, now: 0 });
        const contains = compilePredicate(checkExpression('email contains "polluted"', schema), { mode, now: 0 });
        expect(eq({})).toBe(false);
        expect(empty({})).toBe(true);
        expect(contains({})).toBe(false);
        expect(eq({ email: "polluted@example.com" })).toBe(true); // the same value, own: counts
      }
    } finally {
      delete proto["email"];
    }
  });
});
