/**
 * `segql relate` and `segql diff` as a user meets them when an operand is wrong: which operand the error
 * is in, and what to type when a segment's name was given where a condition goes.
 */
import { describe, expect, it } from "vitest";
import { SCHEMA, segql, tempDir } from "./helpers.js";

const tmp = tempDir();
const SEGMENTS = tmp.file("segments.segql", 'segment "VIP" as lifetime_value > 1000\nsegment "Big spenders" as lifetime_value > 5000\n');

describe("errors in the operands of relate and diff", () => {
  it("name the operand they are in (A, B; OLD, NEW): two inline conditions would both print as 1:1", async () => {
    const r = await segql(["relate", "-s", SCHEMA, "tenur > 1", "statu = 2"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("A:1:1: error: unknown field 'tenur'");
    expect(r.stderr).toContain("B:1:1: error: unknown field 'statu'");
    const d = await segql(["diff", "-s", SCHEMA, "tenure > 1", "statu = 2"]);
    expect(d.code).toBe(1);
    expect(d.stderr).toContain("NEW:1:1: error: unknown field 'statu'");
    const withSegment = await segql(["relate", "-s", SCHEMA, "-f", SEGMENTS, "--segment", "VIP", "statu = 2"]);
    expect(withSegment.stderr).toContain("B:1:1: error: unknown field 'statu'");
  });

  it("a segment's name given as an operand gets a hint: --segment NAME", async () => {
    const r = await segql(["relate", "-s", SCHEMA, "-f", SEGMENTS, "VIP", '"Big spenders"']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`hint: A is read as a condition; for the segment "VIP" of the files, give --segment "VIP" (or write 'in segment "VIP"')`);
    expect(r.stderr).toContain(`hint: B is read as a condition; for the segment "Big spenders" of the files, give --segment "Big spenders"`);
    const ok = await segql(["relate", "-s", SCHEMA, "-f", SEGMENTS, "--segment", "VIP", "--segment", "Big spenders"]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain("A ⊇ B");
  });
});
