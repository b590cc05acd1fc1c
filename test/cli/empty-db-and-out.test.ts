/**
 * An empty `--db` or `--out` (a variable unset in a script) said as the slip it is. Before, `--db ""` said
 * "no database at : give a schema…" (a message that reads cut short) or, for serve, opened something and
 * said it had no store; `--out ""` said "cannot write : ENOENT … rename '.1234.tmp' -> ''" after making a
 * temporary file in the current folder.
 */
import { describe, expect, it } from "vitest";
import { SCHEMA, segql, tempDir } from "./helpers.js";

const tmp = tempDir();
const DB_EMPTY = "--db: an empty name (is a variable unset?): give a DuckDB file, :memory: or a postgres:// URL";

describe("an empty --db", () => {
  it.each([
    ["segments", ["segments", "list"]],
    ["import", ["import", "contacts", tmp.file("x.csv", "id\nk1\n")]],
    ["contacts", ["contacts", "show", "k1"]],
    ["serve", ["serve", "--port", "0"]],
  ])("%s: exit 2, saying the name is empty", async (command, args) => {
    expect(await segql([...args, "--db", ""])).toEqual({ code: 2, stdout: "", stderr: `segql ${command}: ${DB_EMPTY}` });
    // With a schema too: it must not make a store somewhere.
    expect(await segql([...args, "--db", "", "--schema", SCHEMA])).toEqual({ code: 2, stdout: "", stderr: `segql ${command}: ${DB_EMPTY}` });
  });
});

describe("an empty --out", () => {
  it.each([["segments", ["segments", "export", "All"]], ["contacts", ["contacts", "export"]]])("%s export: exit 2, saying the name is empty", async (command, args) => {
    const db = `${tmp.dir}/crm.duckdb`;
    if (command === "segments") {
      expect((await segql(["segments", "create", "All", "lifetime_value > 0", "--db", db, "--schema", SCHEMA])).code).toBe(0);
    }
    expect(await segql([...args, "--out", "", "--db", db])).toEqual({ code: 2, stdout: "", stderr: `segql ${command}: --out: an empty file name (is a variable unset?)` });
  });
});
