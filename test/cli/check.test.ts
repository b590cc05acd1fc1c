import { describe, expect, it } from "vitest";
import { SCHEMA, segql, tempDir } from "./helpers.js";

const tmp = tempDir();

describe("segql check", () => {
  it("exits 0 on a valid expression and says what it checked against", async () => {
    const r = await segql(["check", "--schema", SCHEMA, 'status = "Subscribed" and lifetime_value > 1000']);
    expect(r).toEqual({ code: 0, stdout: "", stderr: `ok: 1 input checked against ${SCHEMA}` });
  });

  it("prints line:col: error: message with the source line and a caret, exit 1", async () => {
    const r = await segql(["check", "--schema", SCHEMA, 'tenure > 12 and stauts = "Trial"']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe([
      "1:17: error: unknown field 'stauts'; did you mean \"status\"?",
      '   1 | tenure > 12 and stauts = "Trial"',
      "     |                 ^^^^^^",
      "     = help: use status",
    ].join("\n"));
    expect(r.stderr).toBe(`1 error in 1 of 1 input, checked against ${SCHEMA}`);
  });

  it("reports every error at once, in source order", async () => {
    const r = await segql(["check", "--schema", SCHEMA, 'tenure contains "x" or status = "Nope"']);
    expect(r.code).toBe(1);
    const heads = r.stdout.split("\n").filter((l) => /^\d+:\d+: /.test(l));
    expect(heads).toHaveLength(2);
    expect(heads[0]).toMatch(/^1:8: error: 'contains' takes/);
    expect(heads[1]).toMatch(/^1:33: error: "Nope" is not a value of status/);
  });

  it("checks syntax only without --schema, and says so", async () => {
    const ok = await segql(["check", "no_such_field = 1"]);
    expect(ok).toEqual({ code: 0, stdout: "", stderr: "ok: 1 input checked for syntax only (no --schema given, no segql.json found)" });
    const bad = await segql(["check", "tenure > and x"]);
    expect(bad.code).toBe(1);
    expect(bad.stdout.split("\n")[0]).toBe("1:10: error: expected a value after '>', found 'and'");
    expect(bad.stderr).toContain("for syntax only");
  });

  it("checks files, prefixing each problem with file:line:col (1-based)", async () => {
    const path = tmp.file("segments.segql", [
      "-- Segments for the spring campaign",
      'segment "High value" as lifetime_value > 1000',
      "",
      'segment "Pro" as plan_type = "Pr"',
      "",
    ].join("\n"));
    const r = await segql(["check", "--schema", SCHEMA, "-f", path]);
    expect(r.code).toBe(1);
    expect(r.stdout.split("\n")[0]).toBe(`${path}:4:30: error: "Pr" is not a value of plan_type; did you mean "Pro"?`);
    expect(r.stdout.split("\n")[1]).toBe('   4 | segment "Pro" as plan_type = "Pr"');
    expect(r.stdout.split("\n")[2]).toBe(`     | ${" ".repeat(29)}^^^^`);
  });

  it("takes repeated files, whose segments may refer to each other", async () => {
    const a = tmp.file("a.segql", 'segment "Subscribers" as status = "Subscribed"\n');
    const b = tmp.file("b.segql", 'segment "Rich subscribers" as in segment "Subscribers" and lifetime_value > 1000\n');
    expect((await segql(["check", "--schema", SCHEMA, "-f", a, "--file", b])).code).toBe(0);
    expect((await segql(["check", "--schema", SCHEMA, `--file=${b}`])).stdout).toContain('unknown segment "Subscribers"');
    const r = await segql(["check", "--schema", SCHEMA, "-f", a, "-f", b]);
    expect(r.stderr).toBe(`ok: 2 inputs checked against ${SCHEMA}`);
  });

  it("refuses a segment declared in two of the files checked together: a reference could not tell which is meant", async () => {
    const a = tmp.file("dup-a.segql", 'segment "VIP" as status = "Subscribed"\n');
    const b = tmp.file("dup-b.segql", 'segment "Pro" as plan_type = "Pro"\nsegment "VIP" as lifetime_value > 1000\nsegment "Both" as in segment "VIP" and in segment "Pro"\n');
    const r = await segql(["check", "--schema", SCHEMA, "-f", a, "-f", b]);
    expect(r.code).toBe(1);
    expect(r.stdout.split("\n")[0]).toBe(`${b}:2:9: error: segment "VIP" is already defined in ${a} at line 1`);
    expect(r.stderr).toBe(`1 error in 1 of 2 inputs, checked against ${SCHEMA}`);
    // Each file alone is fine.
    expect((await segql(["check", "--schema", SCHEMA, "-f", b])).code).toBe(0);
  });

  it("reads standard input with -, labelled <stdin>", async () => {
    const ok = await segql(["check", "--schema", SCHEMA, "-"], 'status = "Trial"\n');
    expect(ok.code).toBe(0);
    const bad = await segql(["check", "--schema", SCHEMA, "-"], "\nstatus = Trial\n");
    expect(bad.code).toBe(1);
    expect(bad.stdout.split("\n")[0]).toBe('<stdin>:2:10: error: put "Trial" in quotes: text values are written "like this"');
    expect((await segql(["check", "-f", "-"], "x")).code).toBe(0);
  });

  it("--json prints diagnostics with 1-based line/column and 0-based offsets", async () => {
    const r = await segql(["check", "--schema", SCHEMA, "--json", 'tenure > 1 and\n  stauts = "Trial"']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("");
    const json = JSON.parse(r.stdout);
    expect(json).toEqual({
      ok: false,
      valid: false,
      syntaxOnly: false,
      schema: SCHEMA,
      inputs: [{
        file: null,
        diagnostics: [{
          file: null,
          severity: "error",
          code: "unknown-field",
          message: "unknown field 'stauts'; did you mean \"status\"?",
          line: 2,
          column: 3,
          endLine: 2,
          endColumn: 9,
          start: 17,
          end: 23,
          fix: { title: "use status", edits: [{ start: 17, end: 23, line: 2, column: 3, text: "status" }] },
        }],
      }],
    });
    const ok = JSON.parse((await segql(["check", "--json", "x = 1"])).stdout);
    expect(ok).toEqual({ ok: true, valid: true, syntaxOnly: true, schema: null, inputs: [{ file: null, diagnostics: [] }] });
  });

  it("--json says ok, as POST /api/check does, and valid, its older name, alike (--strict: warnings make both false)", async () => {
    const json = async (...args: string[]) => {
      const r = await segql(["check", "--schema", SCHEMA, "--json", ...args]);
      const body = JSON.parse(r.stdout) as Record<string, unknown>;
      return { code: r.code, ok: body["ok"], valid: body["valid"], first: Object.keys(body)[0] };
    };
    expect(await json("lifetime_value > 10")).toEqual({ code: 0, ok: true, valid: true, first: "ok" });
    expect(await json("lifetime_value > 10 and lifetime_value > 5")).toEqual({ code: 0, ok: true, valid: true, first: "ok" }); // a warning
    expect(await json("--strict", "lifetime_value > 10 and lifetime_value > 5")).toEqual({ code: 1, ok: false, valid: false, first: "ok" });
    expect(await json("lifetime_valu > 10")).toEqual({ code: 1, ok: false, valid: false, first: "ok" });
  });

  it("reports syntax errors without the checker's echoes of them, and other checker errors too", async () => {
    const r = await segql(["check", "--schema", SCHEMA, 'stauts = "Trial" and tags has any "vip"']);
    expect(r.code).toBe(1);
    expect(r.stdout.split("\n").filter((l) => /^\d+:\d+: /.test(l))).toEqual([
      `1:1: error: unknown field 'stauts'; did you mean "status"?`,
      `1:35: error: expected '(' after 'any', found '"vip"': a list is written in parentheses, as in has any ("a", "b")`,
    ]);
  });

  it("says when an 'expression' is really a file name", async () => {
    const path = tmp.file("oops.segql", "tenure > 1\n");
    const r = await segql(["check", "--schema", SCHEMA, path]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`note: '${path}' is a file, checked here as an expression; to check the file, write: segql check -f ${path}`);
    expect((await segql(["check", path])).stderr).toContain("note: ");
  });
});

describe("segql check: usage and input errors exit 2", () => {
  it("prints every schema problem as FILE:LINE:COL: error: PATH: MESSAGE, in the order of the file", async () => {
    const bad = tmp.file("bad-schema.json", JSON.stringify({ table: "contacts", fields: { a: { type: "strin" }, b: { type: "enum" } } }, null, 2));
    const r = await segql(["check", "--schema", bad, "a = 1"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe([
      `segql check: invalid schema ${bad} (3 problems):`,
      `${bad}:1:1: error: key: is required`,
      `${bad}:5:15: error: fields.a.type: expected one of "string", "number", "boolean", "date", "timestamp", "enum", "list", found "strin"`,
      `${bad}:7:5: error: fields.b.values: an enum needs a non-empty array of allowed values`,
    ].join("\n"));
  });

  it("rejects a schema that is not JSON at the place it stops being JSON", async () => {
    const bad = tmp.file("not-json.json", "{\n  table: contacts");
    const r = await segql(["check", "--schema", bad, "a = 1"]);
    expect(r).toEqual({
      code: 2,
      stdout: "",
      stderr: `segql check: invalid schema ${bad}:\n${bad}:2:3: error: not valid JSON: expected a property name in double quotes, found 'table'`,
    });
  });

  it("compile and eval print schema problems the same way", async () => {
    const bad = tmp.file("dup-schema.json", '{ "table": "t", "key": "id",\n  "fields": { "a": { "type": "number" }, "a": { "type": "string" } } }');
    for (const command of ["compile", "eval"]) {
      const r = await segql([command, "--schema", bad, ...(command === "eval" ? ["--data", bad] : []), "a = 1"]);
      expect(r).toEqual({
        code: 2,
        stdout: "",
        stderr: `segql ${command}: invalid schema ${bad}:\n${bad}:2:42: error: fields.a: duplicate key "a" (JSON keeps only the last one)`,
      });
    }
  });

  it.each([
    [["check", "--schema", "/no/such/schema.json", "x"], "segql check: schema file not found: /no/such/schema.json"],
    [["check", "-f", "/no/such/file.segql"], "segql check: file not found: /no/such/file.segql"],
    [["check", "--bogus", "x"], "segql check: unknown option '--bogus' (known: --schema/-s, --json, --strict, --no-analysis, --tz, --file/-f, --max-input-bytes)"],
    [["check", "-x", "x"], "segql check: unknown option '-x' (known: --schema/-s, --json, --strict, --no-analysis, --tz, --file/-f, --max-input-bytes)"],
    [["check", "--schema"], "segql check: option '--schema' needs a value"],
    [["check", "-f"], "segql check: option '-f' needs a file name"],
    [["check"], "segql check: nothing to check: give an expression, -f FILE, or - to read standard input (see segql check --help)"],
    [["check", "-", "-"], "segql check: standard input ('-') can be read only once"],
    [["check", "--json=yes", "x"], "segql check: option '--json' takes no value"],
  ])("%j → %s", async (argv, message) => {
    const r = await segql(argv);
    expect(r).toEqual({ code: 2, stdout: "", stderr: message });
  });

  it("refuses a directory as a file", async () => {
    const r = await segql(["check", "-f", tmp.dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`segql check: file is a directory: ${tmp.dir}`);
  });

  it("--help and -h print the usage and exit 0", async () => {
    for (const flag of ["--help", "-h"]) {
      const r = await segql(["check", flag]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^usage: segql check \[--schema FILE\]/);
      expect(r.stdout).toContain("without one, only the syntax is checked");
    }
  });
});
