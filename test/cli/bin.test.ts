/**
 * The installed CLI: runs `node bin/segql.js` (compiled JavaScript in dist/). Skipped when dist/ has not
 * been built (`npm run build`); CI builds first.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
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
