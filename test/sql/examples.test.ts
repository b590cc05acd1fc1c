/**
 * examples/retail.segql over the real Online Retail data (data/online-retail): compiled for every dialect
 * (views and per-segment statements; BigQuery and Snowflake must parse), and its views created and
 * queried on DuckDB and PostgreSQL (PGlite, and the server when PG_URL is set). Each view holds exactly
 * the contacts the predicate selects, and the same keys as the segment compiled inline (references
 * expanded), so views and inline SQL agree. (test/differential/real-data.test.ts runs the example files
 * on every engine, SQLite and MariaDB included.)
 */
import { readFileSync } from "node:fs";
import nsp from "node-sql-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkDocument } from "../../src/index.js";
import { compilePredicate } from "../../src/compiler/predicate/index.js";
import type { TypedSegment } from "../../src/checker/typed-ast.js";
import { compileSql, compileViews, DIALECT_NAMES, viewName } from "../../src/compiler/sql/index.js";
import { parseSchema } from "../../src/schema/schema.js";
import { datasetFile } from "../helpers/datasets.js";
import { ENGINE_NAMES, openEngine, unavailable, type Engine, type EngineName } from "../engines/index.js";

const { Parser } = nsp as unknown as { Parser: new () => { astify(sql: string, opt: { database: string }): unknown } };
const NOW = "2011-12-10T00:00:00Z";
const schema = parseSchema(readFileSync(datasetFile("online-retail/schema.json"), "utf8"));
const text = readFileSync(new URL("../../examples/retail.segql", import.meta.url), "utf8");
const segments = checkDocument(text, schema) as (TypedSegment & { name: string })[];

const readJsonl = (name: string) =>
  readFileSync(datasetFile(name), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe("examples/retail.segql compiles for every dialect", () => {
  it("has segments with references", () => {
    expect(segments.length).toBeGreaterThan(8);
    expect(segments.some((s) => s.references.length > 0)).toBe(true);
  });

  for (const dialect of DIALECT_NAMES) {
    it(dialect, () => {
      const { sql, views } = compileViews(segments, { dialect });
      expect(views.map((v) => v.segment).sort()).toEqual(segments.map((s) => s.name).sort());
      // Dependency order: every view comes after the views it reads.
      const position = new Map(views.map((v, i) => [v.segment, i]));
      for (const s of segments) for (const r of s.references) expect(position.get(r)!).toBeLessThan(position.get(s.name)!);
      expect(sql).toContain(viewName("Big spenders"));
      for (const segment of segments) {
        for (const params of [false, true]) {
          const compiled = compileSql(segment, { dialect, params });
          if (dialect === "bigquery" || dialect === "snowflake") {
            expect(() => new Parser().astify(compiled.sql, { database: dialect }), `${segment.name}:\n${compiled.sql}`).not.toThrow();
          }
        }
      }
      if (dialect === "bigquery" || dialect === "snowflake") {
        for (const v of views) {
          // node-sql-parser reads CREATE VIEW for both; check the whole statement.
          for (const statement of v.statements) expect(() => new Parser().astify(statement, { database: dialect }), statement).not.toThrow();
        }
      }
    });
  }
});

for (const name of ENGINE_NAMES.filter((n) => n === "duckdb" || n === "pglite" || n === "postgres-server")) {
  const reason = unavailable(name);
  describe.skipIf(reason !== null)(`examples/retail.segql as views on ${name}${reason ? ` (skipped: ${reason})` : ""}`, () => {
    let e: Engine;
    const contacts = readJsonl("online-retail/contacts.jsonl");
    const events = readJsonl("online-retail/events.jsonl");
    beforeAll(async () => {
      e = await openEngine(name as EngineName);
      await e.load(schema, contacts, events);
    });
    afterAll(async () => {
      await e?.close();
    });

    it("each view holds the predicate's contacts, the same as the inline SQL", async () => {
      const { views } = compileViews(segments, { dialect: e.dialect, now: NOW });
      for (const v of views) for (const statement of v.statements) await e.exec(statement);
      const byKey = new Map<string, Record<string, unknown>[]>();
      for (const ev of events) {
        const k = String(ev["customer_id"]);
        byKey.set(k, [...(byKey.get(k) ?? []), ev]);
      }
      const sizes: Record<string, number> = {};
      for (const segment of segments) {
        const predicate = compilePredicate(segment, { now: NOW });
        const want = contacts.filter((c) => predicate(c, byKey.get(String(c["customer_id"])) ?? [])).map((c) => String(c["customer_id"])).sort();
        const view = viewName(segment.name);
        const quote = e.dialect === "mysql" ? "`" : '"';
        const fromView = (await e.keys(`SELECT ${quote}customer_id${quote} FROM ${quote}${view}${quote}`)).sort();
        const inline = compileSql(segment, { dialect: e.dialect, now: NOW, params: true });
        const fromInline = (await e.keys(inline.sql, inline.params as unknown[])).sort();
        expect(fromView, `${segment.name} (view ${view})`).toEqual(want);
        expect(fromInline, `${segment.name} (inline)`).toEqual(want);
        sizes[segment.name] = want.length;
      }
      // The example is not vacuous: most segments select some but not all customers.
      const nonTrivial = Object.values(sizes).filter((n) => n > 0 && n < contacts.length).length;
      expect(nonTrivial, JSON.stringify(sizes)).toBeGreaterThanOrEqual(segments.length - 1);
    });
  });
}
