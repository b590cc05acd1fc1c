/**
 * `segql compile`, run in-process through `main(argv, io)`: every form, parameters, --now, --json,
 * segment files and views, and the three exit codes with their messages.
 */
import { describe, expect, it } from "vitest";
import { SCHEMA, segql, tempDir } from "./helpers.js";

const tmp = tempDir();
const file = tmp.file(
  "segments.segql",
  [
    "-- CRM segments",
    'segment "High value" as lifetime_value > 1000;',
    'segment "Buyers" as performed "Purchase" at least 2 times within last 30 days;',
    'segment "VIP" as in segment "High value" and in segment "Buyers";',
    'segment "Unrelated" as tenure > 12;',
  ].join("\n"),
);

describe("segql compile", () => {
  it("prints one runnable statement (select form by default)", async () => {
    const r = await segql(["compile", "--schema", SCHEMA, "--dialect", "postgres", 'plan_type = "Pro" and lifetime_value > 1000']);
    expect(r).toEqual({ code: 0, stdout: `SELECT\n  "id"\nFROM\n  "contacts"\nWHERE\n  "plan" = 'Pro'\n  AND "lifetime_value" > 1000;`, stderr: "" });
  });

  it("--form where / count", async () => {
    expect(await segql(["compile", "-s", SCHEMA, "-d", "sqlite", "--form", "where", "tenure > 3"])).toMatchObject({ code: 0, stdout: `"tenure" > 3` });
    expect(await segql(["compile", "-s", SCHEMA, "-d", "mysql", "--form", "count", "tenure > 3"])).toMatchObject({ code: 0, stdout: "SELECT\n  COUNT(*)\nFROM\n  `contacts`\nWHERE\n  `tenure` > 3;" });
  });

  it("--params prints the values as a comment; --json prints { sql, params }", async () => {
    const r = await segql(["compile", "-s", SCHEMA, "-d", "duckdb", "--form", "where", "--params", 'email = "x\'y" and tenure > 3']);
    expect(r).toMatchObject({ code: 0, stdout: `"email" = $1\nAND "tenure" > $2\n-- params: ["x'y",3]` });
    const j = await segql(["compile", "-s", SCHEMA, "-d", "bigquery", "--params", "--json", "tenure > 3"]);
    expect(JSON.parse(j.stdout)).toEqual({ sql: "SELECT\n  `id`\nFROM\n  `contacts`\nWHERE\n  `tenure` > @p1", params: { p1: 3 } });
  });

  it("--now writes the instant; without it the SQL reads the database clock", async () => {
    const withNow = await segql(["compile", "-s", SCHEMA, "-d", "postgres", "--form", "where", "--now", "2024-03-31T12:00:00Z", "signed_up_at within last 1 month"]);
    expect(withNow.stdout).toBe(`"signed_up_at" BETWEEN TIMESTAMPTZ '2024-02-29 12:00:00.000+00' AND TIMESTAMPTZ '2024-03-31 12:00:00.000+00'`);
    const clock = await segql(["compile", "-s", SCHEMA, "-d", "mysql", "--form", "where", "signed_up_at within last 1 month"]);
    expect(clock.stdout).toBe("`signed_up_at` BETWEEN (UTC_TIMESTAMP(3) - INTERVAL 1 MONTH) AND UTC_TIMESTAMP(3)");
  });

  it("segment files: --segment picks one, references compile inline", async () => {
    const r = await segql(["compile", "-s", SCHEMA, "-d", "sqlite", "--form", "where", "--segment", "VIP", "-f", file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`"lifetime_value" > 1000`);
    expect(r.stdout).toContain(`GROUP BY`);
    // A path argument ending in .segql is read as the file.
    expect((await segql(["compile", "-s", SCHEMA, "-d", "sqlite", "--form", "where", "--segment", "High value", file])).stdout).toBe(`"lifetime_value" > 1000`);
  });

  it("--form views: CREATE VIEW per segment in dependency order; --segment keeps it and what it reads", async () => {
    const r = await segql(["compile", "-s", SCHEMA, "-d", "duckdb", "--form", "views", "-f", file]);
    expect(r.code).toBe(0);
    const names = [...r.stdout.matchAll(/CREATE OR REPLACE VIEW "(\w+)"/g)].map((m) => m[1]);
    expect(names).toEqual(["segment_high_value", "segment_buyers", "segment_vip", "segment_unrelated"]);
    expect(r.stdout).toContain(`WHERE\n  "contacts"."id" IN (\n    SELECT\n      "id"\n    FROM\n      "segment_high_value"\n  )`);
    const one = await segql(["compile", "-s", SCHEMA, "-d", "sqlite", "--form", "views", "--segment", "VIP", "-f", file]);
    expect([...one.stdout.matchAll(/CREATE VIEW "(\w+)"/g)].map((m) => m[1])).toEqual(["segment_high_value", "segment_buyers", "segment_vip"]);
    expect(one.stdout).toContain(`DROP VIEW IF EXISTS "segment_vip";`);
    const bq = await segql(["compile", "-s", SCHEMA, "-d", "bigquery", "--form", "views", "--view-schema", "crm", "--segment", "VIP", "-f", file]);
    expect(bq.stdout).toContain("CREATE OR REPLACE VIEW `crm`.`segment_vip` AS");
    expect(bq.stdout).toContain("FROM\n      `crm`.`segment_high_value`");
  });

  it("errors in the input print like segql check and exit 1", async () => {
    const r = await segql(["compile", "-s", SCHEMA, "-d", "duckdb", 'plan_type = "Prro"']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(`1:13: error: "Prro" is not a value of plan_type; did you mean "Pro"?\n   1 | plan_type = "Prro"\n     |             ^^^^^^\n     = help: use "Pro"\n1 error: nothing compiled`);
  });

  it("what the dialect cannot express exits 1 with the reason", async () => {
    const schema = tmp.file("s.json", JSON.stringify({ table: "t", key: "id", fields: { id: { type: "string" }, at: { type: "timestamp", storage: { postgres: "bigint" } } } }));
    const r = await segql(["compile", "-s", schema, "-d", "postgres", "at before 2024-01-01"]);
    expect(r.code).toBe(1);
    // At the rule that reads the field, like any other problem of the input.
    expect(r.stderr).toBe('1:1: error: field "at": unsupported postgres storage "bigint" for a timestamp (supported: timestamptz (default), timestamp (holding UTC))\n   1 | at before 2024-01-01\n     | ^^^^^^^^^^^^^^^^^^^^\n1 error: nothing compiled');
  });

  it("defaults to DuckDB, the embedded engine", async () => {
    const r = await segql(["compile", "-s", SCHEMA, "tenure > 1"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe((await segql(["compile", "-s", SCHEMA, "-d", "duckdb", "tenure > 1"])).stdout);
  });

  it("usage errors exit 2", async () => {
    const cases: [string[], string][] = [
      [["compile", "-d", "duckdb", "x > 1"], "--schema FILE is required"],
      [["compile", "-s", SCHEMA, "-d", "oracle", "tenure > 1"], "unknown dialect 'oracle'"],
      [["compile", "-s", SCHEMA, "-d", "duckdb", "--form", "delete", "tenure > 1"], "--form must be select, where, count or views, not 'delete'"],
      [["compile", "-s", SCHEMA, "-d", "duckdb", "--form", "views", "--params", "-f", file], "--params does not apply to --form views"],
      [["compile", "-s", SCHEMA, "-d", "duckdb", "--now", "yesterday", "tenure > 1"], "--now: 'yesterday' is not an instant"],
      [["compile", "-s", SCHEMA, "-d", "duckdb"], "no condition"],
      [["compile", "-s", SCHEMA, "-d", "duckdb", "-f", file], "the file defines 4 segments: pick one with --segment NAME, or use --form views"],
      [["compile", "-s", SCHEMA, "-d", "duckdb", "--segment", "Nope", "-f", file], 'no segment named "Nope"'],
      [["compile", "-s", SCHEMA, "-d", "duckdb", "--form", "views", "tenure > 1"], "views are made from named segments"],
    ];
    for (const [argv, message] of cases) {
      const r = await segql(argv);
      expect(r.stderr, argv.join(" ")).toContain(message);
      expect(r.code, argv.join(" ")).toBe(message.startsWith("views are made") ? 1 : 2);
    }
  });
});
