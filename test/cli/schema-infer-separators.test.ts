/**
 * `segql schema infer` of a CSV saved with semicolons or tabs (a spreadsheet where the decimal mark is a
 * comma saves `;`) says why its header is one column: before, the schema came out with one field named by
 * the whole header line, `"id;name"`, proposed as the key, and nothing said what went wrong.
 */
import { describe, expect, it } from "vitest";
import { segql, tempDir } from "./helpers.js";

const tmp = tempDir();

describe("schema infer of a CSV not separated by commas", () => {
  it.each([
    ["semicolons", "id;name;ltv\n1;Ann;10,5\n", '"id;name;ltv"', "';'"],
    ["tabs", "id\tname\n1\tAnn\n", '"id\\tname"', "tabs"],
  ])("%s: a note says the header is one column and to save it with commas", async (_, text, shown, what) => {
    const file = tmp.file(`${what.replace(/\W/g, "")}.csv`, text);
    const r = await segql(["schema", "infer", file]);
    expect(r.code).toBe(0);
    expect(r.stderr.split("\n")).toContain(`note: the header is one column, ${shown}, holding ${what}: segql reads CSV separated by commas; save the file with commas (a spreadsheet's "CSV UTF-8 (comma delimited)")`);
  });

  it("a comma-separated file with a ';' in a column name gets no such note", async () => {
    const r = await segql(["schema", "infer", tmp.file("fine.csv", "id,a;b\n1,2\n")]);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain("separated by commas");
  });
});
