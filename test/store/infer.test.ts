/**
 * `inferSchema`: types from values, enums for repeated low-cardinality text, lists, dates and timestamps,
 * the key, notes on guesses; the proposal is a valid schema. Also on the vendored Telco file.
 */
import { describe, expect, it } from "vitest";
import { convertValue } from "../../src/data/convert.js";
import { readJsonLines } from "../../src/data/readers.js";
import { inferSchema } from "../../src/schema/infer.js";
import { validateSchema } from "../../src/schema/schema.js";
import { readSchemaFile as readSchema } from "../../src/schema/read-schema-file.js";

const rows = Array.from({ length: 30 }, (_, i) => ({
  customer_id: `c${i}`,
  plan: ["Free", "Pro", "Team"][i % 3],
  email: `user${i}@example.com`,
  ltv: i * 10.5,
  vip: i % 2 === 0,
  birthday: `19${50 + i}-01-0${(i % 9) + 1}`,
  seen_at: i % 5 === 0 ? null : `2025-01-${String((i % 28) + 1).padStart(2, "0")}T10:00:00Z`,
  tags: i % 4 === 0 ? [] : ["a", "b"],
  mixed: i % 2 === 0 ? 1 : "one",
  nested: { a: i },
}));

describe("inferSchema", () => {
  it("types every column, proposes enums and the key, and notes its guesses", () => {
    const { schema, notes } = inferSchema(rows);
    expect(schema.key).toBe("customer_id");
    expect(Object.fromEntries(Object.entries(schema.fields).map(([k, v]) => [k, v.type]))).toEqual({
      customer_id: "string",
      plan: "enum",
      email: "string",
      ltv: "number",
      vip: "boolean",
      birthday: "date",
      seen_at: "timestamp",
      tags: "list",
      mixed: "string",
      nested: "string",
    });
    expect(schema.fields["plan"]!.values).toEqual(["Free", "Pro", "Team"]);
    expect(notes.some((n) => n.startsWith("mixed: mixed values"))).toBe(true);
    expect(notes.some((n) => n.startsWith("nested: holds objects"))).toBe(true);
    expect(validateSchema(schema).problems).toEqual([]);
  });

  it("reads CSV text as numbers, booleans and dates when every value says so", () => {
    const csv = Array.from({ length: 12 }, (_, i) => ({ id: String(i), n: String(i * 2), flag: i % 2 ? "yes" : "no", day: "2024-02-29", name: `x${i}` }));
    const { schema } = inferSchema(csv, { text: true });
    expect(Object.fromEntries(Object.entries(schema.fields).map(([k, v]) => [k, v.type]))).toEqual({ id: "string", n: "number", flag: "boolean", day: "date", name: "string" });
    expect(schema.key).toBe("id");
  });

  it("a CSV cell holding a JSON array, as segql's export writes a list, is proposed as a list (was text)", () => {
    const tags = [`["vip","beta"]`, `[]`, "", ` ["a \\"quoted\\" tag", "ünï"] `, `["x"]`];
    const csv = Array.from({ length: 12 }, (_, i) => ({ id: String(i), tags: tags[i % tags.length]!, note: i % 2 ? `[draft ${i}` : `[${i}, {}]` }));
    const { schema, notes } = inferSchema(csv, { text: true });
    expect(schema.fields["tags"]).toEqual({ type: "list" });
    // Text that only starts like an array (not JSON, or an array holding objects) stays text.
    expect(schema.fields["note"]).toEqual({ type: "string" });
    // Each proposed list reads back through the import's own conversion of a CSV cell.
    for (const row of csv) expect(() => convertValue(row.tags, { name: "tags", column: "tags", type: "list" }, true)).not.toThrow();
  });

  it("CSV words that only look like booleans or numbers beside others are an enum of those words (was a string: mixed values)", () => {
    // The Telco CSV's MultipleLines: Yes, No, No phone service; a rating: 1..3 or N/A.
    const csv = Array.from({ length: 30 }, (_, i) => ({ id: String(i), lines: ["Yes", "No", "No phone service"][i % 3]!, rating: i % 4 === 0 ? "N/A" : String((i % 3) + 1), invoice: i % 2 ? String(536000 + i) : `C${536000 + i}` }));
    const { schema, notes } = inferSchema(csv, { text: true });
    expect(schema.fields["lines"]).toEqual({ type: "enum", values: ["No", "No phone service", "Yes"] });
    expect(schema.fields["rating"]).toEqual({ type: "enum", values: ["1", "2", "3", "N/A"] });
    expect(notes).toContain("lines: 3 distinct values in 30 rows; proposed as an enum");
    // Many distinct values mixed: text, with the note, as before.
    expect(schema.fields["invoice"]).toEqual({ type: "string" });
    expect(notes).toContain("invoice: mixed values (number, string); typed as string");
    // JSON's true beside "x" is a real mix, not words: still a string.
    expect(inferSchema(Array.from({ length: 30 }, (_, i) => ({ id: `k${i}`, v: i % 2 ? true : "x" }))).schema.fields["v"]).toEqual({ type: "string" });
  });

  it("says when no key can be found, and checks a key given by hand", () => {
    const dup = [{ a: "x" }, { a: "x" }];
    expect(inferSchema(dup).notes).toContain('key: no column is present and unique in every row; set "key" by hand');
    expect(inferSchema(dup, { key: "a" }).notes[0]).toContain("missing or repeated");
    expect(inferSchema([{ n: 1 }, { n: 2 }]).notes.some((n) => n.includes("holds numbers"))).toBe(true);
    expect(inferSchema(rows, { maxEnumValues: 0 }).schema.fields["plan"]!.type).toBe("string");
  });

  it("on the Telco file it proposes the vendored schema's types", async () => {
    const sample: Record<string, unknown>[] = [];
    for await (const { value } of readJsonLines("data/telco/contacts.jsonl.gz")) {
      sample.push(value as Record<string, unknown>);
      if (sample.length === 3000) break;
    }
    const { schema } = inferSchema(sample);
    const vendored = readSchema("data/telco/schema.json");
    for (const [name, def] of Object.entries(vendored.fields)) expect(`${name}: ${schema.fields[name]?.type}`).toBe(`${name}: ${def.type}`);
    expect(schema.key).toBe("customer_id");
  });
});
