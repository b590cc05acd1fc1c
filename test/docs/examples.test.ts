/** The example segment files are kept in canonical form and free of errors against their schema. */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { analyze, readSchemaFile } from "../../src/index.js";
import { format } from "../../src/parser/format.js";

const dir = new URL("../../examples/", import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith(".segql"));

describe("examples/", () => {
  it.each(files)("%s is formatted and valid", (file) => {
    const text = readFileSync(new URL(file, dir), "utf8");
    const schema = readSchemaFile(new URL("../../data/online-retail/schema.json", import.meta.url).pathname);
    const r = analyze(text, schema);
    expect(r.diagnostics).toEqual([]);
    expect(format(r.document)).toBe(text);
  });
});
