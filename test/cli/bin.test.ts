/**
 * The installed CLI: runs `node bin/segql.js` (compiled JavaScript in dist/). Skipped when dist/ has not
 * been built (`npm run build`); CI builds first.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SCHEMA } from "./helpers.js";

const root = join(import.meta.dirname, "..", "..");
const built = existsSync(join(root, "dist", "cli", "commands", "check.js")) && existsSync(join(root, "dist", "cli", "commands", "fmt.js"));

function bin(args: string[], input = "") {
  const r = spawnSync(process.execPath, [join(root, "bin", "segql.js"), ...args], { input, encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(!built)("bin/segql.js (built)", () => {
  it("check: exit 0 on a valid expression, 1 with caret diagnostics, 2 on usage errors", () => {
    expect(bin(["check", "--schema", SCHEMA, 'status = "Trial"']).code).toBe(0);
    const bad = bin(["check", "--schema", SCHEMA, "tenure >"]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe("1:9: error: expected a value after '>'\n   1 | tenure >\n     |         ^\n");
    const usage = bin(["check", "--nope"]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^segql check: unknown option '--nope'/);
  });

  it("fmt: formats standard input", () => {
    expect(bin(["fmt", "-"], "A=1 AND (B OR C)")).toEqual({ code: 0, stdout: "A = 1 and (B or C)\n", stderr: "" });
  });
});

describe.skipIf(!built)("bin/segql.js exit codes (built)", () => {
  it("0 ok, 1 problems in the input, 2 usage errors, for every command", () => {
    const tmp = mkdtempSync(join(tmpdir(), "segql-bin-"));
    try {
      const contacts = join(tmp, "contacts.jsonl");
      writeFileSync(contacts, '{"id": "c1", "tenure": 20}\n');
      expect(bin(["fmt", "-"], "a = 1").code).toBe(0);
      expect(bin(["fmt", "-"], "a = ").code).toBe(1);
      expect(bin(["compile", "-s", SCHEMA, "tenure > 1"]).code).toBe(0);
      expect(bin(["compile", "-s", SCHEMA, "tenure > 'x'"]).code).toBe(1);
      expect(bin(["compile", "-s", SCHEMA, "-d", "oracle", "tenure > 1"]).code).toBe(2);
      expect(bin(["eval", "-s", SCHEMA, "-d", contacts, "tenure > 12"])).toMatchObject({ code: 0, stdout: "c1\n" });
      expect(bin(["eval", "-s", SCHEMA, "-d", contacts, 'not performed "Login"']).code).toBe(2);
      expect(bin(["nope"]).code).toBe(2);
      expect(bin([]).code).toBe(2);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it("the deep and huge inputs of issue 10 give diagnostics and exit 1, never a stack", () => {
    for (const input of [`${"(".repeat(150)}churn`, `a = "${"x".repeat(1_100_000)}"`, 'segment "a" as in segment "a"']) {
      const r = bin(["check", "-"], input);
      expect(r.code, input.slice(0, 40)).toBe(1);
      expect(r.stderr + r.stdout).not.toMatch(/\n\s+at /);
    }
  });
});

/**
 * An internal error through the real launcher: bin/segql.js copied next to a stand-in dist/cli/main.js
 * that fails as a bug would (no input reaches one any more), and a package.json naming where to report.
 */
describe("bin/segql.js on an internal error", () => {
  function launcher(main: string | null): { run(env?: Record<string, string>): { code: number | null; stdout: string; stderr: string }; done(): void } {
    const dir = mkdtempSync(join(tmpdir(), "segql-launcher-"));
    mkdirSync(join(dir, "bin"));
    copyFileSync(join(root, "bin", "segql.js"), join(dir, "bin", "segql.js"));
    writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module", bugs: { url: "https://example.org/segql/issues" } }));
    if (main !== null) {
      mkdirSync(join(dir, "dist", "cli"), { recursive: true });
      writeFileSync(join(dir, "dist", "cli", "main.js"), main);
    }
    return {
      run: (env = {}) => {
        const r = spawnSync(process.execPath, [join(dir, "bin", "segql.js"), "check", "x"], { encoding: "utf8", timeout: 60_000, env: { ...process.env, SEGQL_DEBUG: "", ...env } });
        return { code: r.status, stdout: r.stdout, stderr: r.stderr };
      },
      done: () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const line = (message: string) => `segql: internal error: ${message} — please report this at https://example.org/segql/issues, with the command and its input\n`;

  it("an error thrown while loading the CLI: one line, exit 3; SEGQL_DEBUG=1 adds the stack", () => {
    const l = launcher('throw new Error("loading failed\\nsecond line");\nexport const main = () => 0;\n');
    try {
      expect(l.run()).toEqual({ code: 3, stdout: "", stderr: line("loading failed") });
      const debug = l.run({ SEGQL_DEBUG: "1" });
      expect(debug.code).toBe(3);
      expect(debug.stderr.startsWith(line("loading failed"))).toBe(true);
      expect(debug.stderr).toMatch(/\n\s+at .*main\.js/);
    } finally {
      l.done();
    }
  });

  it("an error escaping main, or a rejection nobody awaited: one line, exit 3", () => {
    const thrown = launcher('export async function main() { throw new TypeError("x is not a function"); }\n');
    const rejected = launcher('export async function main() { Promise.reject(new RangeError("late")); return 0; }\n');
    try {
      expect(thrown.run()).toEqual({ code: 3, stdout: "", stderr: line("x is not a function") });
      expect(rejected.run()).toEqual({ code: 3, stdout: "", stderr: line("late") });
    } finally {
      thrown.done();
      rejected.done();
    }
  });

  it("without the compiled CLI: says to build it, exit 3", () => {
    const l = launcher(null);
    try {
      expect(l.run()).toEqual({ code: 3, stdout: "", stderr: line("the compiled CLI (dist/cli/main.js) is missing: run `npm run build` in the segql package") });
    } finally {
      l.done();
    }
  });
});
