/**
 * Dialect table tests (STYLE.md 10): `expectSql('plan_type = "Pro"', { duckdb: "…", mysql: "…" })` compiles
 * the expression (the `where` form, one line, values inlined) for every dialect named in the table and
 * compares. A cell may be `unsupported` (compiling must fail with a SqlCompileError); dialects left out
 * of the table are still compiled, so a crash anywhere fails the test.
 */
import { readFileSync } from "node:fs";
import { expect } from "vitest";
import { checkExpression } from "../../src/index.js";
import { compileSql, DIALECT_NAMES, SqlCompileError, type CompileSqlOptions, type DialectName } from "../../src/compiler/sql/index.js";
import { parseSchema, type Schema } from "../../src/schema/schema.js";

/** test/fixtures/crm-schema.json */
export const crmSchema: Schema = parseSchema(readFileSync(new URL("../fixtures/crm-schema.json", import.meta.url), "utf8"));

export type SqlTable = Partial<Record<DialectName, string | "unsupported">>;

/** Compiles `expr` for each dialect and checks the cells of `table`. */
export function expectSql(
  expr: string,
  table: SqlTable,
  options: Omit<CompileSqlOptions, "dialect"> & { schema?: Schema } = {},
): void {
  const { schema = crmSchema, ...compile } = options;
  const query = checkExpression(expr, schema);
  for (const dialect of DIALECT_NAMES) {
    const want = table[dialect];
    let got: string;
    try {
      got = compileSql(query, { form: "where", pretty: false, ...compile, dialect }).sql;
    } catch (e) {
      if (want === "unsupported" && e instanceof SqlCompileError) continue;
      throw new Error(`${dialect}: ${expr}: ${(e as Error).message}`);
    }
    if (want === undefined) continue;
    expect(got, `${dialect}: ${expr}`).toBe(want);
  }
}
