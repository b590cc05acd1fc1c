/**
 * Files that are not what a command reads: gzip data, binary, Latin-1 text, a name that does not say the
 * format. Each is said once, by file, with no made-up line 0 and with the flag that helps (`--format`).
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { SCHEMA, segql, tempDir } from "./helpers.js";

const tmp = tempDir();
const at = (name: string, bytes: Uint8Array) => {
  const path = join(tmp.dir, name);
  writeFileSync(path, bytes);
  return path;
};
// Binary: every byte value, NULs included, repeated.
const binary = at("blob.segql", Uint8Array.from({ length: 5000 }, (_, i) => (i * 7) % 256));
const gzipped = at("rules.segql.gz", gzipSync('status = "Trial"\n'));
const latin1 = at("latin.segql", Buffer.from('country = "R\xe9union"\n', "latin1"));
const contacts = '{"id":"c1","status":"Trial"}\n{"id":"c2","status":"Subscribed"}\n';

describe("files that are not text", () => {
  it("check -f / fmt -f / compile -f: one line saying what the file is, exit 1 (was a page of 'unexpected character' per byte)", async () => {
    expect(await segql(["check", "-f", gzipped])).toEqual({ code: 1, stdout: "", stderr: `segql check: ${gzipped}: not a text file (gzip data?)` });
    expect(await segql(["fmt", "-f", gzipped])).toEqual({ code: 1, stdout: "", stderr: `segql fmt: ${gzipped}: not a text file (gzip data?)` });
    expect(await segql(["check", "-f", binary])).toEqual({ code: 1, stdout: "", stderr: `segql check: ${binary}: not a text file (binary data: a NUL byte on line 1)` });
    expect(await segql(["compile", "--schema", SCHEMA, "-f", latin1])).toEqual({
      code: 1,
      stdout: "",
      stderr: `segql compile: ${latin1}: not UTF-8 text (line 1 has the byte 0xE9, which UTF-8 does not allow there: Latin-1 or Windows-1252? save it as UTF-8)`,
    });
    // UTF-8 text, with a byte-order mark or not, is read as before.
    expect((await segql(["check", "-f", tmp.file("ok.segql", '\uFEFFstatus = "Trünk"\n')])).code).toBe(0);
  });

  it("a schema that is not text is a usage error, as any unreadable schema", async () => {
    const schema = at("schema.json.gz", gzipSync("{}"));
    expect(await segql(["check", "--schema", schema, "a > 1"])).toEqual({ code: 2, stdout: "", stderr: `segql check: ${schema}: not a text file (gzip data?)` });
  });

  it("eval --data: a name that does not say the format names --format (exit 2), and says no line 0", async () => {
    const noFormat = tmp.file("contacts.dat", contacts);
    expect(await segql(["eval", "-s", SCHEMA, "-d", noFormat, 'status = "Trial"'])).toEqual({
      code: 2,
      stdout: "",
      stderr: `segql eval: ${noFormat}: cannot tell the format from the extension '.dat': use .jsonl, .ndjson, .json or .csv, or give --format`,
    });
    const bareGz = at("x.gz", gzipSync(contacts));
    expect((await segql(["eval", "-s", SCHEMA, "-d", bareGz, 'status = "Trial"'])).stderr).toBe(
      `segql eval: ${bareGz}: cannot tell the format from the name: the extension before .gz says it (.jsonl.gz, .ndjson.gz, …), or give --format`,
    );
    // --format says it; the data is read.
    expect(await segql(["eval", "-s", SCHEMA, "-d", noFormat, "--format", "jsonl", 'status = "Trial"'])).toMatchObject({ code: 0, stdout: "c1" });
    expect(await segql(["eval", "-s", SCHEMA, "-d", bareGz, "--format", "jsonl", 'status = "Trial"'])).toMatchObject({ code: 0, stdout: "c1" });
    // A .gz that is not gzip: the file, without a line (was "FILE:0:").
    const notGzip = at("contacts.jsonl.gz", Buffer.from(contacts));
    expect(await segql(["eval", "-s", SCHEMA, "-d", notGzip, 'status = "Trial"'])).toEqual({ code: 2, stdout: "", stderr: `segql eval: ${notGzip}: not a readable gzip file (incorrect header check)` });
  });

  it("eval --data / --events that are not text: said once (was a garbage header or a JSON error per line)", async () => {
    const gzipNamedJsonl = at("gz-inside.jsonl", gzipSync(contacts));
    expect(await segql(["eval", "-s", SCHEMA, "-d", gzipNamedJsonl, 'status = "Trial"'])).toEqual({ code: 2, stdout: "", stderr: `segql eval: ${gzipNamedJsonl}: not a text file (gzip data?)` });
    const data = tmp.file("fine.jsonl", contacts);
    const events = at("events.jsonl", Uint8Array.from({ length: 300 }, (_, i) => i % 256));
    expect(await segql(["eval", "-s", SCHEMA, "-d", data, "-e", events, 'performed "Purchase"'])).toEqual({ code: 2, stdout: "", stderr: `segql eval: ${events}: not a text file (binary data: a NUL byte on line 1)` });
    // Compressed, its decompressed start is looked at.
    const binaryInside = at("inside.csv.gz", gzipSync(Uint8Array.from({ length: 300 }, (_, i) => i % 256)));
    expect((await segql(["eval", "-s", SCHEMA, "-d", binaryInside, 'status = "Trial"'])).stderr).toBe(`segql eval: ${binaryInside}: decompressed, not a text file (binary data: a NUL byte on line 1)`);
  });

  it("schema infer on a folder (named like a data file, compressed or not): one line, exit 2 (was an internal error, or a crash)", async () => {
    const { mkdirSync } = await import("node:fs");
    for (const name of ["folder.csv", "folder.json.gz"]) {
      const path = join(tmp.dir, name);
      mkdirSync(path);
      expect(await segql(["schema", "infer", path])).toEqual({ code: 2, stdout: "", stderr: `segql schema: file is a directory: ${path}` });
    }
  });

  it("standard input that is not UTF-8 text is refused as a file is: one line, exit 1 (was 'unexpected character U+FFFD')", () => {
    const runner = 'import("./src/cli/main.ts").then(async (m) => { process.exitCode = await m.main(process.argv.slice(1)); })';
    const run = (input: Buffer, ...args: string[]) =>
      spawnSync(process.execPath, ["--import", "tsx", "-e", runner, ...args], { cwd: join(import.meta.dirname, "..", ".."), input, encoding: "utf8", timeout: 60_000 });
    const latin = run(Buffer.from('country = "R\xe9union"', "latin1"), "check", "-");
    expect({ status: latin.status, stderr: latin.stderr }).toEqual({ status: 1, stderr: "segql check: <stdin>: not UTF-8 text (line 1 has the byte 0xE9, which UTF-8 does not allow there: Latin-1 or Windows-1252? save it as UTF-8)\n" });
    expect(run(gzipSync("x = 1"), "fmt", "-").stderr).toBe("segql fmt: <stdin>: not a text file (gzip data?)\n");
    expect(run(Buffer.from("\ufeffx = 1"), "check", "-").status).toBe(0);
  }, 60_000);
});
