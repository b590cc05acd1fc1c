/**
 * Issue 10, case 7: an event property named `*` (or holding `.`, `"`, `[`, `$`, `'`, `\`, `~`, `/`, a
 * backtick or any Unicode) is read literally on every executed engine's JSON access: DuckDB by JSON
 * Pointer, SQLite and MariaDB by a quoted key written as a JSON string, PostgreSQL by `->` with the key.
 * Each contact's event holds "hit" under one name and "miss" under all the others, so a path read as a
 * wildcard, a nested path or another key selects the wrong contacts (or fails), where the predicate is
 * the reference. BigQuery, not executed here, refuses the names its paths cannot hold.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkExpression, compileSql, SqlCompileError } from "../../src/index.js";
import { parseSchema } from "../../src/schema/schema.js";
import { formatField } from "../../src/parser/format.js";
import { ENGINE_NAMES, openEngine, unavailable, type Engine } from "../engines/index.js";
import { checkQuery, describeMismatches, predicateKeys, prepareDataset, type PreparedDataset } from "../differential/harness.js";

const NAMES = ["*", "$", "$.x", "a.b", ".", '"', "'", "[", "a[0]", "\\", "~", "/", "~1", "`", " x", "", "é", "日本", "😀", "a*b", "plain"];
const NOW = "2024-06-30T12:00:00.000Z";

const schema = parseSchema(
  JSON.stringify({
    table: "contacts",
    key: "id",
    fields: { id: { type: "string" } },
    events: {
      table: "events",
      contact_key: "contact_id",
      name: "event",
      time: "occurred_at",
      properties: Object.fromEntries([...NAMES.map((n) => [n, { type: "string" }]), ["n*", { type: "number" }]]),
    },
  }),
);

function dataset(): PreparedDataset {
  const contacts = NAMES.map((_, i) => ({ id: `c${String(i).padStart(2, "0")}` }));
  contacts.push({ id: "c-none" });
  const events = NAMES.map((name, i) => ({
    contact_id: `c${String(i).padStart(2, "0")}`,
    event: "Purchase",
    occurred_at: "2024-06-01T00:00:00Z",
    properties: { ...Object.fromEntries(NAMES.map((n) => [n, n === name ? "hit" : "miss"])), "n*": i },
  }));
  return prepareDataset({ schema, contacts, events });
}

/** Conditions on one property name, written as segql (backticks where the name needs them). */
function conditions(name: string): string[] {
  const field = name === "" ? null : formatField({ name });
  if (field === null) return []; // an empty name cannot be written in segql
  return [
    `performed "Purchase" where ${field} = "hit"`,
    `performed "Purchase" where ${field} != "hit"`,
    `performed "Purchase" where ${field} in ("hit", "x")`,
    `performed "Purchase" where ${field} contains "HI"`,
    `performed "Purchase" where ${field} is empty`,
  ];
}

for (const engineName of ENGINE_NAMES) {
  const reason = unavailable(engineName);
  describe.skipIf(reason !== null)(`property names read literally on ${engineName}${reason ? ` (skipped: ${reason})` : ""}`, () => {
    let engine: Engine;
    let ds: PreparedDataset;
    beforeAll(async () => {
      engine = await openEngine(engineName);
      ds = dataset();
      await engine.load(schema, ds.contacts, ds.events);
    });
    afterAll(async () => {
      await engine?.close();
    });

    it("each name selects the contact whose event holds 'hit' under it, as the predicate does", async () => {
      const failures: string[] = [];
      for (const [i, name] of NAMES.entries()) {
        for (const text of conditions(name)) {
          const typed = checkExpression(text, schema);
          const expected = predicateKeys(typed, ds, NOW);
          if (text.endsWith(' = "hit"')) expect(expected, text).toEqual([`c${String(i).padStart(2, "0")}`]);
          const mismatches = await checkQuery(engine, typed, ds, expected, NOW, { modes: ["inline", "params"], prettyModes: [] });
          if (mismatches.length > 0) failures.push(describeMismatches(text, NOW, ds, mismatches));
        }
      }
      expect(failures.slice(0, 2).join("\n\n════\n\n"), `${failures.length} failing`).toBe("");
    });

    it("a number property named with a '*' aggregates literally", async () => {
      const typed = checkExpression('performed "Purchase" with sum of `n*` >= 10', schema);
      const expected = predicateKeys(typed, ds, NOW);
      expect(expected).toHaveLength(NAMES.length - 10);
      expect(await checkQuery(engine, typed, ds, expected, NOW, { modes: ["inline"] })).toEqual([]);
    });
  });
}

describe("BigQuery's JSON paths", () => {
  it("hold *, ., [, $ and ' inside quotes, and refuse \" and \\ with a SqlCompileError naming the property", () => {
    const sql = compileSql(checkExpression('performed "Purchase" where `*` = "hit" and `a.b` = "x"', schema), { dialect: "bigquery", pretty: false }).sql;
    expect(sql).toContain(`'$."*"'`);
    expect(sql).toContain(`'$."a.b"'`);
    const quote = checkExpression('performed "Purchase" where `"` = "hit"', schema);
    expect(() => compileSql(quote, { dialect: "bigquery" })).toThrow(SqlCompileError);
    expect(() => compileSql(quote, { dialect: "bigquery" })).toThrow('the property name "\\"" cannot be written in a bigquery JSON path');
  });
});
