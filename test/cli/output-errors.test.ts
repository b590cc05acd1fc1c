/**
 * Standard output that cannot be written (a full disk: `segql compile … > views.sql` in a pipeline) is a
 * problem of the environment, said as one line that names it, exit 2: not "internal error … please report"
 * (exit 3), which sends the user to the bug tracker for a full disk. Runs the built CLI on /dev/full.
 */
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, openSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SCHEMA } from "./helpers.js";

const root = join(import.meta.dirname, "..", "..");
const built = existsSync(join(root, "dist", "cli", "segql.js"));

describe.skipIf(!built || !existsSync("/dev/full"))("standard output that cannot be written", () => {
  for (const args of [["compile", "--schema", SCHEMA, "tenure > 12"], ["fmt", "tenure>12"]]) {
    it(`segql ${args[0]} > /dev/full`, () => {
      const full = openSync("/dev/full", "w");
      try {
        const r = spawnSync(process.execPath, [join(root, "bin", "segql.js"), ...args], { stdio: ["ignore", full, "pipe"], encoding: "utf8", timeout: 60_000 });
        expect(r.status).toBe(2);
        expect(r.stderr).toBe("segql: cannot write to standard output: ENOSPC: no space left on device, write\n");
      } finally {
        closeSync(full);
      }
    });
  }
});
