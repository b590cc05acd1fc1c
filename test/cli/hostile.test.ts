/**
 * What a hostile QA pass of the CLI found: a crash is a bug (exit 3), so input SQL cannot hold, a folder
 * given as --out, a mistyped --db, a file full of terminal escape sequences and a closed standard error
 * must each end in a clear message and the documented status. Each case failed before its fix.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parseDuration } from "../../src/cli/commands/serve.js";
import { printable } from "../../src/cli/inputs.js";
import { SCHEMA, segql, tempDir } from "./helpers.js";

const tmp = tempDir();
const schema = tmp.file(
  "schema.json",
  JSON.stringify({ table: "contacts", key: "id", fields: { id: { type: "string" }, ltv: { type: "number" }, signed_up_at: { type: "timestamp" } } }),
);
const contacts = tmp.file("contacts.csv", "id,ltv,signed_up_at\na,1200,2024-01-01T00:00:00Z\nb,10,\n");

describe("segql segments on hostile input", { timeout: 60_000 }, () => {
  const db = join(tmp.dir, "crm.duckdb");
  const run = (...args: string[]) => segql([...args, "--db", db]);
  beforeAll(async () => {
    expect((await run("import", "contacts", contacts, "--schema", schema)).code).toBe(0);
    expect((await run("segments", "create", "Big", "ltv > 100")).code).toBe(0);
  });

  it("an expression SQL cannot hold is an input problem (exit 1, saying why), not an internal error (exit 3)", async () => {
    // Each span fits in 9,999 years (the checker takes it); from today's `now` it reaches before the year 0001.
    for (const args of [
      ["segments", "preview", "signed_up_at within last 5000 years"],
      ["segments", "preview", "signed_up_at before 3000 years ago"],
      ["segments", "create", "Ancient", "signed_up_at within last 5000 years"],
      ["segments", "edit", "Big", "signed_up_at within last 5000 years"],
    ]) {
      const r = await run(...args);
      expect(r, args.join(" ")).toMatchObject({ code: 1 });
      expect(r.stderr).toMatch(/^error: the expression cannot be run in SQL: (5000|3000) years ago .* is outside the years 0001-9999/);
      expect(r.stderr).not.toMatch(/internal error/);
    }
    // Outside the years 0001-9999 whatever `now` is: the checker's error, with where.
    const checked = await run("segments", "preview", "signed_up_at before 0000-01-01");
    expect(checked.code).toBe(1);
    expect(checked.stderr).toMatch(/1:21: error: 0000-01-01 is outside the years 0001-9999 that times hold/);
    const json = await run("segments", "preview", "signed_up_at within last 5000 years", "--json");
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: "sql-compile" });
    // Nothing was saved or changed.
    const list = JSON.parse((await run("segments", "list", "--json")).stdout);
    expect(list.map((s: { name: string; expression: string }) => [s.name, s.expression])).toEqual([["Big", "ltv > 100"]]);
  });

  it("export --out a folder says so (exit 2) and leaves nothing beside it", async () => {
    const folder = join(tmp.dir, "exports");
    mkdirSync(folder);
    const r = await run("segments", "export", "Big", "--out", folder);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`segql segments: --out: ${folder} is a folder; name a file in it`);
    expect(readdirSync(tmp.dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("import of a missing file or a folder is a usage error (exit 2), as every command's missing file", async () => {
    for (const [file, message] of [[join(tmp.dir, "nope.csv"), "file not found"], [tmp.dir, "file is a directory"]] as const) {
      for (const what of ["contacts", "events"]) {
        const r = await run("import", what, file);
        expect(r, `${what} ${file}`).toMatchObject({ code: 2, stderr: `segql import: ${message}: ${file}` });
      }
    }
  });

  it("a --db file that does not exist, without --schema, is a usage error that creates no file", async () => {
    const missing = join(tmp.dir, "typo.duckdb");
    for (const args of [["segments", "list"], ["segments", "export", "Big"], ["import", "contacts", contacts]]) {
      const r = await segql([...args, "--db", missing]);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(/no database at .*typo\.duckdb: give a schema \(--schema FILE\)/);
      expect(existsSync(missing)).toBe(false);
    }
  });
});

describe("terminal escape sequences in the input", () => {
  it("are shown as visible characters in diagnostics, never sent to the terminal, and carets stay aligned", async () => {
    const file = tmp.file("escape.segql", 'tenure > 1 and\u001b[2J\u001b]0;pwned\u0007 churn');
    const r = await segql(["check", "--schema", SCHEMA, "-f", file]);
    expect(r.code).toBe(1);
    const printed = r.stdout + r.stderr;
    expect(printed).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(printed).toContain("\u241b[2J");
    // The caret sits under the escape character, one column per character as before.
    const lines = r.stdout.split("\n");
    const source = lines.findIndex((l) => l.includes("\u241b[2J"));
    expect(lines[source + 1]!.indexOf("^")).toBe(lines[source]!.indexOf("\u241b"));
    for (const args of [["compile", "--schema", SCHEMA, "-f", file], ["fmt", "-f", file]]) {
      const o = await segql(args);
      expect(o.code).toBe(1);
      expect(o.stdout + o.stderr).not.toMatch(/\u001b/);
    }
  });

  it("printable keeps line feeds and tabs and maps each control character to one character", () => {
    expect(printable("a\tb\nc\u0000\u001b\u007f\u0085\r")).toBe("a\tb\nc\u2400\u241b\u2421\ufffd\u240d");
  });
});

describe("standard error closed by its reader", () => {
  it("is not an internal error: the command ends with its own status", async () => {
    const file = tmp.file("bad.segql", "tenure >");
    // As bin/segql.js runs a command: an error nobody handles is exit 3.
    const runner = 'process.on("uncaughtException", () => process.exit(3)); import("./src/cli/main.ts").then(async (m) => { process.exitCode = await m.main(process.argv.slice(1)); })';
    const child = spawn(process.execPath, ["--import", "tsx", "-e", runner, "check", "--schema", SCHEMA, "-f", file], {
      cwd: join(import.meta.dirname, "..", ".."),
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stderr.destroy(); // the reader is gone before the summary line is written there
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    const code = await new Promise((resolve) => child.on("exit", resolve));
    expect(stdout).toContain("error: expected a value after '>'");
    expect(code).toBe(1);
  }, 60_000);
});

const built = existsSync(join(import.meta.dirname, "..", "..", "dist", "cli", "segql.js"));

describe.skipIf(!built)("segql lsp with a bad option (built: bin/segql.js starts the analysis worker first)", () => {
  it("prints the usage error and exits 2, instead of staying up on the worker started for it", async () => {
    for (const args of [["--bogus"], ["--time-budget", "abc"], ["--stdio", "extra"]]) {
      const child = spawn(process.execPath, [join(import.meta.dirname, "..", "..", "bin", "segql.js"), "lsp", ...args], { stdio: ["ignore", "pipe", "pipe"] });
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise((resolve) => child.on("exit", resolve));
      expect(code, args.join(" ")).toBe(2);
      expect(stderr).toMatch(/^segql lsp: (unknown option '--bogus'|--time-budget must be|unexpected argument 'extra')/);
    }
  }, 60_000);
});

describe("serve --refresh-every", () => {
  it("refuses a period longer than a Node timer holds (it became a refresh every millisecond)", () => {
    expect(parseDuration("596h")).toBe(596 * 3_600_000);
    for (const text of ["597h", "99999999h", "999999999m"]) expect(() => parseDuration(text), text).toThrow(/at most 596h \(24 days\)/);
    expect(parseDuration("off")).toBeNull();
  });
});

