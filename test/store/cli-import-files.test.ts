/**
 * `segql import` of files that cannot be imported as they are: a name that does not say the format is a
 * usage error naming --format (exit 2), a file that is not text is said once (exit 1), a problem of the
 * whole file has no line 0, and --skip-bad is offered only when it would import something.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { segql, tempDir } from "../cli/helpers.js";

const tmp = tempDir();
const schema = tmp.file(
  "schema.json",
  JSON.stringify({ table: "contacts", key: "id", fields: { id: { type: "string" }, plan: { type: "enum", values: ["Free", "Pro"] }, ltv: { type: "number" } } }),
);
const at = (name: string, bytes: Uint8Array) => {
  const path = join(tmp.dir, name);
  writeFileSync(path, bytes);
  return path;
};
const csv = "id,plan,ltv\na,Pro,1200\nb,Free,10\n";

describe("segql import: files", { timeout: 60_000 }, () => {
  const db = `${tmp.dir}/crm.duckdb`;
  const run = (...args: string[]) => segql([...args, "--db", db]);

  it("a name that does not say the format: exit 2, naming --format; with --format it imports", async () => {
    expect((await run("import", "contacts", tmp.file("start.csv", csv), "--schema", schema)).code).toBe(0);
    const dat = tmp.file("contacts.dat", csv);
    expect(await run("import", "contacts", dat)).toEqual({
      code: 2,
      stdout: "",
      stderr: `segql import: ${dat}: cannot tell the format from the extension '.dat': use .csv, .jsonl, .ndjson, .json or .parquet, or give --format`,
    });
    expect(await run("import", "contacts", dat, "--format", "csv")).toMatchObject({ code: 0, stdout: `${dat}: 2 rows; 0 added, 0 updated, 2 unchanged` });
  });

  it("a file that is not text: one line, exit 1, nothing imported (was a header of garbage)", async () => {
    const gzipNamedCsv = at("gz.csv", gzipSync(csv));
    expect(await run("import", "contacts", gzipNamedCsv)).toEqual({ code: 1, stdout: "", stderr: `segql import: ${gzipNamedCsv}: not a text file (gzip data?)` });
    const latin1 = at("latin.csv", Buffer.from("id,plan,ltv\nR\xe9my,Pro,1\n", "latin1"));
    expect(await run("import", "contacts", latin1)).toEqual({
      code: 1,
      stdout: "",
      stderr: `segql import: ${latin1}: not UTF-8 text (line 2 has the byte 0xE9, which UTF-8 does not allow there: Latin-1 or Windows-1252? save it as UTF-8)`,
    });
    const binaryInside = at("blob.csv.gz", gzipSync(Uint8Array.from({ length: 4000 }, (_, i) => (i * 13) % 256)));
    expect(await run("import", "contacts", binaryInside)).toEqual({ code: 1, stdout: "", stderr: `segql import: ${binaryInside}: decompressed, not a text file (binary data: a NUL byte on line 1)` });
    // A real .csv.gz imports.
    expect((await run("import", "contacts", at("real.csv.gz", gzipSync(csv)))).code).toBe(0);
  });

  it("a .gz that is not gzip: the file without a line (was FILE:0:), and no --skip-bad advice", async () => {
    const notGzip = tmp.file("plain.csv.gz", csv);
    expect(await run("import", "contacts", notGzip)).toEqual({ code: 1, stdout: "", stderr: `error: ${notGzip}: not a readable gzip file (incorrect header check)` });
    const json = JSON.parse((await run("import", "contacts", notGzip, "--json")).stdout);
    expect(json.problems).toEqual([{ path: notGzip, file: notGzip, message: "not a readable gzip file (incorrect header check)" }]);
  });

  it("--skip-bad is offered for bad rows, not for a missing key column (no row could be imported)", async () => {
    const badRows = tmp.file("bad.csv", "id,plan,ltv\nc,Pro,5\nd,Gold,6\n");
    expect(await run("import", "contacts", badRows)).toEqual({
      code: 1,
      stdout: "",
      stderr: `error: ${badRows}:3: field "plan": expected one of "Free", "Pro", found "Gold"\nnothing was imported: fix it, or import the good rows and skip the bad ones with --skip-bad`,
    });
    const noKey = tmp.file("nokey.csv", "plan,ltv\nPro,5\n");
    expect(await run("import", "contacts", noKey)).toEqual({ code: 1, stdout: "", stderr: `error: ${noKey}:1: the header has no column "id" (the key); it has "plan", "ltv"` });
    // And the good rows do go in with it.
    expect(await run("import", "contacts", badRows, "--skip-bad")).toMatchObject({ code: 1, stdout: `${badRows}: 2 rows; 1 added, 0 updated, 1 bad (skipped)` });
  });
});
