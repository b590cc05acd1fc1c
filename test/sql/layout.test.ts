/**
 * The SQL layout (src/compiler/sql/layout.ts), which replaced sql-formatter for `pretty` output: it moves
 * only whitespace between tokens, on every dialect, for random conditions (fast-check); it lays out what
 * the golden files show (they hold the layout itself); and it costs time in proportion to the text.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkExpression } from "../../src/index.js";
import { compileSql, DIALECT_NAMES } from "../../src/compiler/sql/index.js";
import { GROUP_WIDTH, layoutSql } from "../../src/compiler/sql/layout.js";
import { exprArb, richSchema } from "../helpers/generators.js";

/**
 * The text with whitespace runs made one space and no space just inside parentheses: what layout may
 * change. (Applied to both sides, so literals holding such whitespace compare alike.)
 */
function tokensOf(sql: string): string {
  return sql.replace(/\s+/g, " ").replace(/\( /g, "(").replace(/ \)/g, ")").trim();
}

/**
 * Every quoted piece ('…', "…", `…`) of a one-line SQL, as the dialect writes them: `\` escapes in
 * BigQuery's and Snowflake's strings and in PostgreSQL's E'…', doubled quotes everywhere.
 */
function quotedPieces(sql: string, dialect: string): string[] {
  const backslash = dialect === "bigquery" || dialect === "snowflake";
  const strings = backslash ? String.raw`'(?:[^'\\]|''|\\.)*'` : String.raw`E'(?:[^'\\]|''|\\.)*'|'(?:[^']|'')*'`;
  return sql.match(new RegExp(`${strings}|"(?:[^"]|"")*"|\`(?:[^\`]|\`\`)*\``, "g")) ?? [];
}

describe("SQL layout", () => {
  it("moves only whitespace, and keeps every literal and quoted name verbatim, on every dialect (fast-check)", () => {
    const now = "2024-06-15T12:00:00Z";
    fc.assert(
      fc.property(exprArb(richSchema, now), fc.constantFrom(...DIALECT_NAMES), fc.boolean(), (text, dialect, params) => {
        let query;
        try {
          query = checkExpression(text, richSchema);
        } catch {
          return; // not every generated text checks; those are the checker's tests
        }
        let flat: string;
        try {
          flat = compileSql(query, { dialect, params, pretty: false }).sql;
        } catch {
          return; // refused by the dialect (e.g. a time zone on SQLite)
        }
        const laidOut = compileSql(query, { dialect, params }).sql;
        expect(tokensOf(laidOut)).toBe(tokensOf(flat));
        for (const piece of quotedPieces(flat, dialect)) expect(laidOut).toContain(piece);
        // Every line is indented by whole steps, and no line ends in whitespace.
        for (const line of laidOut.split("\n")) {
          expect(/^( {2})*\S/.test(line) || line === "", line).toBe(true);
          expect(line).toBe(line.trimEnd());
        }
      }),
      { numRuns: 300 },
    );
  });

  it("puts each clause on its own line, splits a WHERE at top-level AND/OR, not BETWEEN's AND", () => {
    const sql = layoutSql(`SELECT "id" FROM "contacts" WHERE "a" BETWEEN 1 AND 2 AND ("b" = 1 OR "c" = 2) OR "d"`, { backslashEscapes: false });
    expect(sql).toBe(`SELECT\n  "id"\nFROM\n  "contacts"\nWHERE\n  "a" BETWEEN 1 AND 2\n  AND ("b" = 1 OR "c" = 2)\n  OR "d"`);
  });

  it("breaks a subquery and a group wider than GROUP_WIDTH, keeps a short group on its line", () => {
    const long = `"x" IN ('${"a".repeat(GROUP_WIDTH)}', 'b')`;
    const sql = layoutSql(`"k" IN (SELECT "k" FROM "t" WHERE ${long}) AND f("a", "b")`, { backslashEscapes: false });
    expect(sql).toBe(`"k" IN (\n  SELECT\n    "k"\n  FROM\n    "t"\n  WHERE\n    "x" IN (\n      '${"a".repeat(GROUP_WIDTH)}',\n      'b'\n    )\n)\nAND f("a", "b")`);
  });

  it("reads quotes as each dialect writes them: doubled quotes, backslash escapes where the dialect has them", () => {
    // With backslash escapes, \' does not end the string, so the AND inside it is no operator.
    // (A condition alone, the `where` form: split before its top-level AND/OR.)
    expect(layoutSql(`"a" = 'it\\' AND x' AND "b"`, { backslashEscapes: true })).toBe(`"a" = 'it\\' AND x'\nAND "b"`);
    expect(layoutSql(`"a" = 'it'' AND x' AND "b"`, { backslashEscapes: false })).toBe(`"a" = 'it'' AND x'\nAND "b"`);
    expect(layoutSql(`"a" = E'\\' AND x' AND "b"`, { backslashEscapes: false })).toBe(`"a" = E'\\' AND x'\nAND "b"`);
    expect(layoutSql('"a ""AND"" b" = 1 AND `c` = 2', { backslashEscapes: false })).toBe('"a ""AND"" b" = 1\nAND `c` = 2');
    // Without backslash escapes, \' ends the string: what follows is read as SQL.
    expect(layoutSql(`"a" = 'it\\' AND "b"`, { backslashEscapes: false })).toBe(`"a" = 'it\\'\nAND "b"`);
  });

  it("returns what it cannot read safely as it came: comments, open quotes, unbalanced parentheses", () => {
    for (const sql of [`SELECT 1 -- x AND y`, `SELECT 'open AND`, `SELECT (1 AND 2`, `SELECT 1) AND (2`]) {
      expect(layoutSql(sql, { backslashEscapes: false })).toBe(sql);
    }
  });

  it("takes time in proportion to the text: 64 nested groups and a long list lay out", () => {
    const nested = `${"(".repeat(64)}"a" = 1${" OR \"b\" = 2)".repeat(64)}`;
    const out = layoutSql(`SELECT "id" FROM "t" WHERE ${nested}`, { backslashEscapes: false });
    expect(tokensOf(out)).toBe(tokensOf(`SELECT "id" FROM "t" WHERE ${nested}`));
    const list = `SELECT "id" FROM "t" WHERE "x" IN (${Array.from({ length: 20_000 }, (_, i) => `'v${i}'`).join(", ")})`;
    expect(layoutSql(list, { backslashEscapes: false }).split("\n")).toHaveLength(20_000 + 7);
  });
});
