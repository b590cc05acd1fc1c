/**
 * `segql compile -s S x.segql` reads the segment file an argument names; `segql eval` given the same
 * arguments checked the text "x.segql" as an expression ("unknown field 'x.segql'"). A pipeline that
 * compiles and evaluates the same files with the same arguments gets the same segment from both.
 */
import { describe, expect, it } from "vitest";
import { SCHEMA, segql, tempDir } from "./helpers.js";

const tmp = tempDir();
const seg = tmp.file("long.segql", "-- long-standing customers\ntenure > 12\n");
const data = tmp.file("contacts.jsonl", '{"id": "a", "tenure": 24}\n{"id": "b", "tenure": 3}\n');

describe("eval, like compile, reads a .segql file named as the argument", () => {
  it("evaluates the file's condition", async () => {
    const r = await segql(["eval", "-s", SCHEMA, "-d", data, seg]);
    expect(r).toMatchObject({ code: 0, stdout: "a", stderr: "" });
    expect((await segql(["compile", "-s", SCHEMA, "--form", "where", seg])).stdout).toBe('"tenure" > 12');
  });

  it("an argument that is no existing file stays an expression", async () => {
    const r = await segql(["eval", "-s", SCHEMA, "-d", data, "nope.segql"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("1:1: error: unknown field 'nope.segql'");
  });
});
