/**
 * Golden files (STYLE.md 11): each test/fixtures/sql/<name>.segql compiles to the generic SQL (see
 * test/helpers/generic-dialect.ts) plus, per dialect, a diff against it; the whole is compared with
 * test/fixtures/sql/<name>.snap, so a review of a change shows only what moved. Every BigQuery and
 * Snowflake statement (select form, literals and parameters) must parse with node-sql-parser.
 *
 * Directives in a fixture's leading comments: `-- now: ISO` (compile with --now), `-- params` (bind
 * values), `-- segment: NAME` (the segment of a segment file to compile), `-- tz: ZONE` (the time zone).
 * A dialect that refuses the fixture (SQLite and MySQL have no time zone functions) shows its message as
 * the cell, `-- sqlite: refused: …`; when the generic dialect refuses, every dialect's SQL is shown whole.
 * Run `npx vitest run test/sql/golden.test.ts -u` after an intended change, and review the .snap diffs.
 */
import { readdirSync, readFileSync } from "node:fs";
import nsp from "node-sql-parser";
import { describe, expect, it } from "vitest";
import { checkExpression } from "../../src/index.js";
import { compileSql, DIALECT_NAMES, SqlCompileError, type CompileSqlOptions } from "../../src/compiler/sql/index.js";
import { parseSchema } from "../../src/schema/schema.js";
import { generic } from "../helpers/generic-dialect.js";
import { lineDiff } from "../helpers/line-diff.js";

const { Parser } = nsp as unknown as { Parser: new () => { astify(sql: string, opt: { database: string }): unknown } };
const dir = new URL("../fixtures/sql/", import.meta.url);
const schema = parseSchema(readFileSync(new URL("schema.json", dir), "utf8"), "test/fixtures/sql/schema.json");
const fixtures = readdirSync(dir).filter((f) => f.endsWith(".segql")).sort();

function directives(text: string): { now?: string; params: boolean; segment?: string; tz?: string } {
  const out: { now?: string; params: boolean; segment?: string; tz?: string } = { params: false };
  for (const line of text.split("\n")) {
    const m = /^--\s*(now|params|segment|tz)(?::\s*(.*))?$/.exec(line.trim());
    if (!m) continue;
    if (m[1] === "now") out.now = m[2]!.trim();
    else if (m[1] === "params") out.params = true;
    else if (m[1] === "tz") out.tz = m[2]!.trim();
    else out.segment = m[2]!.trim();
  }
  return out;
}

/** The compiled SQL, or the SqlCompileError's message when the dialect refuses (a legal cell). */
function compileOrRefuse(compile: () => { sql: string; params: unknown }, show: (r: { sql: string; params: unknown }) => string): { sql: string } | { refused: string } {
  try {
    return { sql: show(compile()) };
  } catch (e) {
    if (e instanceof SqlCompileError) return { refused: e.message };
    throw e;
  }
}

describe("golden SQL", () => {
  it("has fixtures", () => expect(fixtures.length).toBeGreaterThan(30));

  for (const file of fixtures) {
    it(file, async () => {
      const text = readFileSync(new URL(file, dir), "utf8");
      const d = directives(text);
      const query = checkExpression(text, schema, d.segment ? { segment: d.segment } : {});
      const base: Omit<CompileSqlOptions, "dialect"> = { params: d.params, ...(d.now ? { now: d.now } : {}), ...(d.tz ? { timeZone: d.tz } : {}) };
      const show = (r: { sql: string; params: unknown }) => (d.params ? `${r.sql}\n-- params: ${JSON.stringify(r.params)}` : r.sql);
      const genericOut = compileOrRefuse(() => compileSql(query, { ...base, dialect: generic }), show);
      const parts = "sql" in genericOut ? [`-- ${file}: generic SQL`, genericOut.sql] : [`-- ${file}: generic SQL refused: ${genericOut.refused}`];
      const refused = new Set<string>();
      for (const dialect of DIALECT_NAMES) {
        const out = compileOrRefuse(() => compileSql(query, { ...base, dialect }), show);
        if ("refused" in out) {
          refused.add(dialect);
          parts.push(`-- ${dialect}: refused: ${out.refused}`);
          continue;
        }
        if (!("sql" in genericOut)) {
          parts.push(`-- ${dialect}:\n${out.sql}`);
          continue;
        }
        const diff = lineDiff(genericOut.sql, out.sql);
        parts.push(diff === null ? `-- ${dialect}: same as generic` : `-- ${dialect}: diff against generic\n${diff}`);
      }
      await expect(`${parts.join("\n\n")}\n`).toMatchFileSnapshot(`../fixtures/sql/${file.replace(/\.segql$/, ".snap")}`);

      // BigQuery and Snowflake are not executed here: every statement must at least parse.
      const parser = new Parser();
      for (const dialect of ["bigquery", "snowflake"] as const) {
        if (refused.has(dialect)) continue;
        for (const params of [false, true]) {
          const { sql } = compileSql(query, { ...base, params, dialect });
          expect(() => parser.astify(sql, { database: dialect }), `${dialect}${params ? " (params)" : ""}:\n${sql}`).not.toThrow();
        }
      }
    });
  }
});
