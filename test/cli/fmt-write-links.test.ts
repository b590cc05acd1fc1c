/**
 * `segql fmt --write` on a segment file reached through a symlink formats the file the link points to and
 * keeps the link: the write (a temporary file renamed over the path) replaced the link with a formatted
 * copy, leaving the file it pointed to unformatted (a repository that links shared segment files).
 */
import { lstatSync, readFileSync, readlinkSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { segql, tempDir } from "./helpers.js";

const tmp = tempDir();

describe("fmt --write through a symlink", () => {
  it("formats the linked file, and the link stays a link", async () => {
    const target = tmp.file("shared.segql", "plan_type   =   \"Pro\"\n");
    const link = join(tmp.dir, "linked.segql");
    symlinkSync(target, link);
    const r = await segql(["fmt", "--write", "-f", link]);
    expect(r.code, r.stderr).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(target);
    expect(readFileSync(target, "utf8")).toBe('plan_type = "Pro"\n');
  });
});

describe("fmt --write of a FIFO", () => {
  it("is a usage error (exit 2), and the FIFO stays: it was read once and cannot be rewritten", async () => {
    const { execFileSync, spawn } = await import("node:child_process");
    const fifo = join(tmp.dir, "in.fifo");
    execFileSync("mkfifo", [fifo]);
    // A writer for the read; it ends once the text is taken.
    const writer = spawn("sh", ["-c", `printf 'plan_type   =   "Pro"\\n' > '${fifo}'`]);
    try {
      const r = await segql(["fmt", "--write", "-f", fifo]);
      expect(r).toEqual({ code: 2, stdout: "", stderr: `segql fmt: --write rewrites files; ${fifo} is not a plain file (standard input or a device can only be printed)` });
      expect(lstatSync(fifo).isFIFO()).toBe(true);
    } finally {
      writer.kill();
    }
  });
});
