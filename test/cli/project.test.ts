/**
 * Commands given no --schema use the nearest segql.json (from the working folder up), as the language
 * server does for a file in that folder: its schema, its time zone (under --tz), its problems reported
 * where they are. --schema wins over it; without either, check is syntax only and the others say what
 * they need.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import type { Io } from "../../src/cli/io.js";
import { SCHEMA, tempDir } from "./helpers.js";

/** Runs a command as if started in `cwd`. */
async function segqlIn(cwd: string, argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (t) => out.push(t), err: (t) => err.push(t), readStdin: async () => "", cwd: () => cwd };
  const code = await main(argv, io);
  return { code, stdout: out.join("\n"), stderr: err.join("\n") };
}

describe("the nearest segql.json stands for --schema", () => {
  const project = tempDir();
  project.file("crm.json", readFileSync(SCHEMA, "utf8"));
  project.file("segql.json", JSON.stringify({ schema: "crm.json", timeZone: "Europe/Berlin" }));
  const sub = join(project.dir, "segments", "deep");
  mkdirSync(sub, { recursive: true });
  const empty = tempDir();

  it("check: fields are checked against its schema, from the folder or below; the summary says where the schema came from", async () => {
    for (const cwd of [project.dir, sub]) {
      const bad = await segqlIn(cwd, ["check", "lifetime_valu > 3"]);
      expect(bad.code).toBe(1);
      expect(bad.stdout).toContain("unknown field 'lifetime_valu'");
      const good = await segqlIn(cwd, ["check", "lifetime_value > 3"]);
      expect(good.code).toBe(0);
      expect(good.stderr).toMatch(/checked against \S*crm\.json \(from \S*segql\.json\)/);
    }
    // No segql.json above: syntax only, as before.
    const syntax = await segqlIn(empty.dir, ["check", "lifetime_valu > 3"]);
    expect(syntax.code).toBe(0);
    expect(syntax.stderr).toContain("for syntax only");
  });

  it("compile: its schema and time zone; --tz and --schema win", async () => {
    const zoned = await segqlIn(sub, ["compile", "--dialect", "postgres", "signed_up_at before today"]);
    expect(zoned.code, zoned.stderr).toBe(0);
    expect(zoned.stdout).toContain("Europe/Berlin");
    const utc = await segqlIn(sub, ["compile", "--dialect", "postgres", "--tz", "UTC", "signed_up_at before today"]);
    expect(utc.code, utc.stderr).toBe(0);
    expect(utc.stdout).not.toContain("Europe/Berlin");
    const other = project.file("other.json", JSON.stringify({ table: "people", key: "id", fields: { id: { type: "string" }, age: { type: "number" } } }));
    const explicit = await segqlIn(sub, ["compile", "--schema", other, "age > 3"]);
    expect(explicit.code, explicit.stderr).toBe(0);
    expect(explicit.stdout).toContain('"people"');
    const missing = await segqlIn(empty.dir, ["compile", "age > 3"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--schema FILE is required, or a segql.json naming the schema");
  });

  it("a segql.json with problems is a usage error naming each one at its line and column", async () => {
    const broken = tempDir();
    broken.file("segql.json", '{\n  "schema": "nope.json",\n  "timeZone": "Mars/Olympus"\n}');
    const r = await segqlIn(broken.dir, ["check", "tenure > 1"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/segql\.json:3:15: error: "timeZone": unknown time zone 'Mars\/Olympus'/);
    expect(r.stderr).toMatch(/segql\.json:2:13: error: schema file not found: .*nope\.json/);
    // --schema does not read segql.json at all.
    expect((await segqlIn(broken.dir, ["check", "--schema", SCHEMA, "tenure > 1"])).code).toBe(0);
  });
});
