/**
 * `segql schema infer` of a file whose value nests arrays thousands of levels deep proposes a schema (that
 * column typed as string, with the note every object or mixed column gets) instead of an internal error:
 * each value's JSON text, used to tell values apart, recursed out of stack (exit 3).
 */
import { describe, expect, it } from "vitest";
import { segql, tempDir } from "./helpers.js";

const tmp = tempDir();

describe("schema infer of a deeply nested value", () => {
  it("types the column as string with a note, exit 0", async () => {
    const deep = "[".repeat(100_000) + "1" + "]".repeat(100_000);
    const file = tmp.file("deep.jsonl", `{"id":"a","x":${deep}}\n{"id":"b","x":${deep}}\n{"id":"c","x":[[2]]}\n`);
    const r = await segql(["schema", "infer", file]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).fields).toEqual({ id: { type: "string", description: "The key." }, x: { type: "string" } });
    expect(r.stderr).toContain("note: x: ");
  });
});
