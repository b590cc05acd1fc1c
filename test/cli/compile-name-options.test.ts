/**
 * --table-alias and --view-schema are names the user writes on the command line: one that the dialect cannot
 * quote (empty, a backtick on BigQuery, U+0000) is a bad option value, exit 2 named by its flag, not an
 * error pointed at the condition (which is fine); one given where it does nothing is said, not ignored.
 */
import { describe, expect, it } from "vitest";
import { SCHEMA, segql, tempDir } from "./helpers.js";

const file = tempDir().file("s.segql", 'segment "Verified" as is_verified\n');

describe("compile's name options", () => {
  it("a name the dialect cannot quote is a usage error named by its flag", async () => {
    const cases: [string[], string][] = [
      [["--table-alias", "", "--form", "where", "is_verified"], "segql compile: --table-alias: an identifier cannot be empty"],
      [["-d", "bigquery", "--table-alias", "a`b", "--form", "where", "is_verified"], 'segql compile: --table-alias: the name "a`b" cannot be quoted for BigQuery'],
      [["-d", "bigquery", "--view-schema", "a`b", "--form", "views", "-f", file], 'segql compile: --view-schema: the name "a`b" cannot be quoted for BigQuery'],
      [["--view-schema", "a.", "--form", "views", "-f", file], "segql compile: --view-schema: an identifier cannot be empty"],
    ];
    for (const [args, message] of cases) {
      const r = await segql(["compile", "-s", SCHEMA, ...args]);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toContain(message);
      expect(r.stderr).not.toMatch(/^1:1: error/);
    }
  });

  it("a name option where it does nothing is a usage error, not silently dropped", async () => {
    const views = await segql(["compile", "-s", SCHEMA, "--view-schema", "analytics", "is_verified"]);
    expect(views.code).toBe(2);
    expect(views.stderr).toBe("segql compile: --view-schema applies to --form views only (the schema to create the views in)");
    const alias = await segql(["compile", "-s", SCHEMA, "--table-alias", "c", "--form", "views", "-f", file]);
    expect(alias.code).toBe(2);
    expect(alias.stderr).toBe("segql compile: --table-alias does not apply to --form views (a view reads the contacts table by its name)");
  });

  it("good names still compile", async () => {
    const r = await segql(["compile", "-s", SCHEMA, "--view-schema", "analytics", "--form", "views", "-f", file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('CREATE OR REPLACE VIEW "analytics"."segment_verified"');
    const w = await segql(["compile", "-s", SCHEMA, "--table-alias", "c", "--form", "where", 'performed "Login"']);
    expect(w.code).toBe(0);
    expect(w.stdout).toContain('"c"');
  });
});
