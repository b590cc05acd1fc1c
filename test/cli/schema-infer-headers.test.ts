/**
 * `segql schema infer` reads a CSV header as `segql import` does: a column named twice is refused by file and
 * line (it proposed one field, whose values were the last column's), and a column without a name is left out
 * with a note (it proposed a field named "").
 */
import { describe, expect, it } from "vitest";
import { segql, tempDir } from "./helpers.js";

const tmp = tempDir();

describe("segql schema infer: CSV headers", () => {
  it("a column named twice: refused, naming both columns (exit 2)", async () => {
    const file = tmp.file("twice.csv", "id,name,name\na,Ann,Anna\nb,Bo,Bob\n");
    expect(await segql(["schema", "infer", file])).toEqual({
      code: 2,
      stdout: "",
      stderr: `segql schema: ${file}:1: the header names the column "name" more than once (columns 2 and 3): which one holds its values? rename or remove the others`,
    });
  });

  it("a column without a name: left out, with a note", async () => {
    const file = tmp.file("blank.csv", "id,,ltv\na,x,1\nb,y,2\n");
    const r = await segql(["schema", "infer", file]);
    expect(r.code).toBe(0);
    expect(Object.keys(JSON.parse(r.stdout).fields)).toEqual(["id", "ltv"]);
    expect(r.stderr.split("\n")[0]).toBe("note: column 2 of the header has no name; left out (name it to have it in the schema)");
  });
});
