/**
 * relate names its operands under the verdict ("  A: …", "  B: …"). An operand read from standard input
 * ends with the newline `echo` adds, and one written over several lines has more: the names stay one block
 * each, with no blank line, continuation lines indented under the first.
 */
import { describe, expect, it } from "vitest";
import { SCHEMA, segql } from "./helpers.js";

describe("relate's operand names", () => {
  it("standard input's trailing newline leaves no blank line", async () => {
    const r = await segql(["relate", "-s", SCHEMA, "-", "tenure > 6"], "tenure > 12\n");
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n").slice(0, 3)).toEqual(["A ⊆ B: every contact A matches, B matches too (not the other way)", "  A: tenure > 12", "  B: tenure > 6"]);
  });

  it("a condition over several lines is indented under its name", async () => {
    const r = await segql(["relate", "-s", SCHEMA, "tenure > 12\r\n  and is_verified", "tenure > 6"]);
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n").slice(1, 4)).toEqual(["  A: tenure > 12", "       and is_verified", "  B: tenure > 6"]);
  });
});
