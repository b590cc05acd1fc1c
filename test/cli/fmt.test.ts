import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { segql, tempDir } from "./helpers.js";

const tmp = tempDir();

const MESSY = `-- Segments for the spring campaign

SEGMENT high_value TITLE 'High value' AS lifetime_value IS GREATER THAN 1000 AND (Plan_Type = "Pro" OR plan_type = 'Enterprise') -- big spenders
segment "Lapsed" as not (performed "Purchase" within last 90 days) and status Is Not Empty;
`;

const TIDY = `-- Segments for the spring campaign

segment "high_value"
  title "High value"
as
  lifetime_value > 1000
  and (Plan_Type = "Pro" or plan_type = "Enterprise") -- big spenders

segment "Lapsed" as
  not performed "Purchase" within last 90 days and status is not empty
`;

describe("segql fmt", () => {
  it("prints an expression in canonical form", async () => {
    const r = await segql(["fmt", 'STATUS IS "Subscribed" AND (plan_type Is Greater Than 3 Or x is at least 2)']);
    expect(r).toEqual({ code: 0, stdout: 'STATUS = "Subscribed" and (plan_type > 3 or x >= 2)', stderr: "" });
  });

  it("prints a file in canonical form, keeping its comments", async () => {
    const path = tmp.file("messy.segql", MESSY);
    const r = await segql(["fmt", "-f", path]);
    expect(r.code).toBe(0);
    expect(`${r.stdout}\n`).toBe(TIDY);
  });

  it("breaks long expressions at the width", async () => {
    const expr = 'status = "Subscribed" and lifetime_value > 1000 and country in ("DE", "FR")';
    expect((await segql(["fmt", expr])).stdout).toBe(expr);
    expect((await segql(["fmt", "--width", "40", expr])).stdout).toBe(
      ['status = "Subscribed"', "and lifetime_value > 1000", 'and country in ("DE", "FR")'].join("\n"),
    );
  });

  it("--write rewrites only files that change, and a second run changes nothing", async () => {
    const path = tmp.file("write.segql", MESSY);
    const tidy = tmp.file("tidy.segql", TIDY);
    const first = await segql(["fmt", "--write", "-f", path, "-f", tidy]);
    expect(first).toEqual({ code: 0, stdout: `formatted ${path}`, stderr: "1 file rewritten, 1 already formatted" });
    expect(readFileSync(path, "utf8")).toBe(TIDY);
    const second = await segql(["fmt", "-w", "-f", path]);
    expect(second).toEqual({ code: 0, stdout: "", stderr: "0 files rewritten, 1 already formatted" });
  });

  it("--check lists unformatted inputs and exits 1", async () => {
    const messy = tmp.file("check-messy.segql", MESSY);
    const tidy = tmp.file("check-tidy.segql", TIDY);
    expect(await segql(["fmt", "--check", "-f", messy, "-f", tidy])).toEqual({
      code: 1,
      stdout: `${messy}: not formatted`,
      stderr: "1 input not formatted",
    });
    expect(await segql(["fmt", "--check", "-f", tidy])).toEqual({ code: 0, stdout: "", stderr: "ok: 1 input formatted" });
    expect((await segql(["fmt", "--check", "a = 1"])).code).toBe(0);
    expect((await segql(["fmt", "--check", "a  =  1"])).stdout).toBe("expression: not formatted");
    expect((await segql(["fmt", "-c", "-"], "a = 1\n")).code).toBe(0);
  });

  it("refuses text with syntax errors: prints them, exits 1 and leaves the file untouched", async () => {
    const broken = 'segment "A" as status = "Subscribed" and (plan = "Pro"\n';
    const path = tmp.file("broken.segql", broken);
    const r = await segql(["fmt", "--write", "-f", path]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr.split("\n")[0]).toBe(`${path}:1:55: error: missing ')' to close '(' at 1:42`);
    expect(r.stderr).toContain(`segql fmt: ${path} has 1 syntax error; not formatted`);
    expect(readFileSync(path, "utf8")).toBe(broken);
    const inline = await segql(["fmt", "tenure >"]);
    expect(inline.code).toBe(1);
    expect(inline.stdout).toBe("");
    expect(inline.stderr.split("\n")[0]).toBe("1:9: error: expected a value after '>'");
  });

  it("formats standard input", async () => {
    expect(await segql(["fmt", "-"], "a=1 OR b\n")).toEqual({ code: 0, stdout: "a = 1 or b", stderr: "" });
  });

  it("prints nothing for an empty text, and keeps a file that is only comments", async () => {
    expect(await segql(["fmt", "-"], "")).toEqual({ code: 0, stdout: "", stderr: "" });
    expect((await segql(["fmt", "-"], "-- only a comment   \n")).stdout).toBe("-- only a comment");
  });
});

describe("segql fmt: usage errors exit 2", () => {
  it.each([
    [["fmt", "--write", "a = 1"], "segql fmt: --write rewrites files; give them with -f FILE (an expression or standard input can only be printed)"],
    [["fmt", "--write", "--check", "a = 1"], "segql fmt: --write and --check cannot be used together"],
    [["fmt", "--width", "abc", "a = 1"], "segql fmt: --width takes a whole number from 20 to 1000, found 'abc'"],
    [["fmt", "--width", "5", "a = 1"], "segql fmt: --width takes a whole number from 20 to 1000, found '5'"],
    [["fmt", "--schema", "s.json", "a = 1"], "segql fmt: unknown option '--schema' (known: --write/-w, --check/-c, --width, --file/-f, --max-input-bytes)"],
    [["fmt", "-f", "/no/such/file.segql"], "segql fmt: file not found: /no/such/file.segql"],
    [["fmt"], "segql fmt: nothing to format: give an expression, -f FILE, or - to read standard input (see segql fmt --help)"],
  ])("%j → %s", async (argv, message) => {
    expect(await segql(argv)).toEqual({ code: 2, stdout: "", stderr: message });
  });

  it("--help prints the usage and exits 0", async () => {
    const r = await segql(["fmt", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: segql fmt \[--write \| --check\]/);
  });
});
