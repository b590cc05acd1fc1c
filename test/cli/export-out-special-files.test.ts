/**
 * `--out` of an export (segments export, contacts export) naming something other than a plain file: a FIFO
 * (a device such as /dev/stdout or /dev/null is the same case) is written to as it is, and a symlink's file
 * is replaced, the link kept. The whole-or-nothing write (a temporary file renamed over FILE) renamed over
 * the path itself: a FIFO became a regular file (its reader waited for ever), `--out /dev/null` as root
 * replaced the machine's /dev/null with a file of members, and a link became a copy. Neither is tried on a
 * real device here: the fault would break the machine the test runs on.
 */
import { spawn } from "node:child_process";
import { execFileSync } from "node:child_process";
import { lstatSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { segql, tempDir } from "./helpers.js";

const tmp = tempDir();
const schema = tmp.file("schema.json", JSON.stringify({ table: "contacts", key: "id", fields: { id: { type: "string" }, ltv: { type: "number" } } }));
const db = join(tmp.dir, "crm.duckdb");
const CSV = "\ufeffid,ltv\r\na,1\r\nb,2\r\n";

/** The exports of the two commands, both of contacts a and b. */
const EXPORTS: [string, string[]][] = [
  ["segments export", ["segments", "export", "All"]],
  ["contacts export", ["contacts", "export"]],
];

describe("an export's --out that is not a plain file", { timeout: 60_000 }, () => {
  it("setup: a store with two contacts and a segment of both", async () => {
    expect((await segql(["import", "contacts", tmp.file("c.csv", "id,ltv\na,1\nb,2\n"), "--db", db, "--schema", schema])).code).toBe(0);
    expect((await segql(["segments", "create", "All", "ltv > 0", "--db", db])).code).toBe(0);
  });

  it.each(EXPORTS)("%s into a FIFO writes into it, and it stays a FIFO", async (_, args) => {
    const fifo = join(tmp.dir, `${args[0]}.fifo`);
    execFileSync("mkfifo", [fifo]);
    const reader = spawn("cat", [fifo], { stdio: ["ignore", "pipe", "ignore"] });
    let read = "";
    reader.stdout.on("data", (b: Buffer) => (read += b.toString("utf8")));
    const ended = new Promise<void>((resolve) => reader.on("close", () => resolve()));
    try {
      const r = await segql([...args, "--out", fifo, "--db", db]);
      expect(r.code, r.stderr).toBe(0);
      expect(lstatSync(fifo).isFIFO()).toBe(true);
      await ended;
      expect(read).toBe(CSV);
    } finally {
      reader.kill();
    }
  });

  it.each(EXPORTS)("%s through a symlink replaces the file it points to, and the link stays", async (_, args) => {
    const target = tmp.file(`${args[0]}-target.csv`, "old\n");
    const link = join(tmp.dir, `${args[0]}-link.csv`);
    symlinkSync(target, link);
    const r = await segql([...args, "--out", link, "--db", db]);
    expect(r.code, r.stderr).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(target);
    expect(readFileSync(target, "utf8")).toBe(CSV);
  });

  it("a plain file is still written whole: replaced at the end, no temporary file left", async () => {
    const file = tmp.file("plain.csv", "old\n");
    expect((await segql(["contacts", "export", "--out", file, "--db", db])).code).toBe(0);
    expect(readFileSync(file, "utf8")).toBe(CSV);
    writeFileSync(file, "kept\n");
    expect((await segql(["contacts", "export", "--filter", "ltv >", "--out", file, "--db", db])).code).toBe(1);
    expect(readFileSync(file, "utf8")).toBe("kept\n");
  });
});
