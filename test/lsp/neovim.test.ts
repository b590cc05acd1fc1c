/**
 * Neovim as a real LSP client (headless; skipped when `nvim` is not installed — .ci/run installs it).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, SERVER_ARGS } from "./client.js";

const hasNvim = spawnSync("nvim", ["--version"], { stdio: "ignore" }).status === 0;

describe("Neovim", () => {
  it.skipIf(!hasNvim)("gets diagnostics, completion and hover from segql lsp --stdio", () => {
    const dir = mkdtempSync(join(tmpdir(), "segql-nvim-"));
    try {
      writeFileSync(join(dir, "schema.json"), readFileSync(join(ROOT, "test/fixtures/crm-schema.json")));
      writeFileSync(join(dir, "segql.json"), '{ "schema": "schema.json" }');
      const output = execFileSync("nvim", ["--headless", "-i", "NONE", "-u", join(ROOT, "test/lsp/nvim-check.lua")], {
        cwd: ROOT,
        input: "",
        timeout: 110_000,
        encoding: "utf8",
        env: {
          ...process.env,
          SEGQL_LSP_CMD: JSON.stringify([process.execPath, ...SERVER_ARGS]),
          SEGQL_FILE: join(dir, "a.segql"),
          SEGQL_CWD: ROOT,
        },
      });
      const lines = output.trim().split("\n");
      expect(lines).toContain('diagnostic 0:9 severity=1 "trial" is not a value of status; did you mean "Trial"?');
      expect(lines).toContain("completion \"Trial\" (status value)");
      expect(lines).toContain("hover **tenure**: number field");
      expect(lines[lines.length - 1]).toMatch(/^OK nvim \d+\.\d+\.\d+$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
