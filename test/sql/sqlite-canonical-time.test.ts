/**
 * SQLite timestamps stored as `"canonical text"` (every value NULL or exactly toISOString's
 * `YYYY-MM-DDTHH:MM:SS.sssZ`): the SQL compares the column as stored, so a plain index on it serves range
 * tests. That membership stays the predicate's is in test/differential/differential.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkExpression } from "../../src/index.js";
import { compileSql } from "../../src/compiler/sql/index.js";
import { CANONICAL_TEXT } from "../../src/compiler/sql/dialects/sqlite.js";
import { parseSchema } from "../../src/schema/schema.js";
import { SqliteEngine } from "../engines/index.js";
import { RICH_SCHEMA_JSON } from "../helpers/generators.js";

const canonical = { storage: { sqlite: CANONICAL_TEXT } };
const json = structuredClone(RICH_SCHEMA_JSON) as unknown as {
  fields: Record<string, { type: string }>;
  events: Record<string, unknown>;
};
for (const [name, def] of Object.entries(json.fields)) if (def.type === "timestamp") json.fields[name] = { ...def, ...canonical };
json.events = { ...json.events, ...canonical };
const schema = parseSchema(JSON.stringify(json), "test/sql/sqlite-canonical-time.test.ts");

describe(`SQLite timestamps stored as "${CANONICAL_TEXT}"`, () => {
  let e: SqliteEngine;
  beforeAll(async () => {
    e = await SqliteEngine.open({ timestampText: "millis" });
  });
  afterAll(async () => {
    await e?.close();
  });

  it("compares the column as stored, so SQLite searches a plain index; the default storage scans", async () => {
    const contacts = Array.from({ length: 50 }, (_, i) => ({ id: `c${i}`, signed_up_at: new Date(Date.UTC(2024, 0, 1 + i)).toISOString() }));
    const plan = async (s: typeof schema, text: string) => {
      await e.load(s, contacts, []);
      await e.exec(`CREATE INDEX contacts_signed_up_at ON contacts (signed_up_at)`);
      const { sql } = compileSql(checkExpression(text, s), { dialect: "sqlite", now: "2024-03-01T00:00:00Z" });
      const rows = await e.rows(`EXPLAIN QUERY PLAN ${sql}`);
      return rows.map((r) => String(r["detail"])).join("; ");
    };
    const defaultSchema = parseSchema(JSON.stringify(RICH_SCHEMA_JSON));
    for (const text of ["signed_up_at > 2024-02-01", "signed_up_at within last 7 days", "signed_up_at between 2024-01-05 and 2024-01-09"]) {
      expect(await plan(schema, text), text).toMatch(/SEARCH contacts USING INDEX contacts_signed_up_at/);
      expect(await plan(defaultSchema, text), text).toMatch(/SCAN contacts/);
    }
  });

  it("an unknown storage is refused with the supported ones", () => {
    const bad = parseSchema(JSON.stringify({ table: "t", key: "id", fields: { id: { type: "string" }, t: { type: "timestamp", storage: { sqlite: "epoch" } } } }));
    expect(() => compileSql(checkExpression("t > 2024-01-01", bad), { dialect: "sqlite" })).toThrow(/unsupported sqlite storage "epoch" for a timestamp \(supported: .*"canonical text"/);
  });
});
