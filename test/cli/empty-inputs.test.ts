/**
 * A segment file that came out empty (a failed export, a template never filled in) given to compile or
 * eval: the usage error names the file, so a pipeline compiling many files says which one.
 */
import { describe, expect, it } from "vitest";
import { SCHEMA, segql, tempDir } from "./helpers.js";

const tmp = tempDir();
const empty = tmp.file("empty.segql", "");
const comments = tmp.file("comments.segql", "-- TODO: the churn segments\n\n");
const data = tmp.file("contacts.jsonl", '{"customer_id": "c1"}\n');

describe("an input with no condition", () => {
  it("compile names the file (empty, or only comments)", async () => {
    for (const file of [empty, comments]) {
      const r = await segql(["compile", "-s", SCHEMA, "-f", file]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`segql compile: ${file} holds no condition to compile (it is empty, or only comments)`);
    }
  });

  it("eval names the file; standard input is <stdin>", async () => {
    const f = await segql(["eval", "-s", SCHEMA, "-d", data, "-f", comments]);
    expect(f).toMatchObject({ code: 2, stderr: `segql eval: ${comments} holds no condition to evaluate (it is empty, or only comments)` });
    const stdin = await segql(["compile", "-s", SCHEMA, "-"], "\n");
    expect(stdin).toMatchObject({ code: 2, stderr: "segql compile: <stdin> holds no condition to compile (it is empty, or only comments)" });
  });
});
