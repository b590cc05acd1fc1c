/**
 * The limits (src/parser/limits.ts): each is refused with one positioned error, before the stage it
 * protects does its work, and each can be changed through the `limits` option (the CLI: --max-input-bytes).
 * No timing assertions: a refusal that returns at all on these inputs is the point.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { analyze, check, checkDocument, LIMITS, parse, parseSchema, resolveLimits, SegqlError } from "../../src/index.js";
import { MAX_NESTING_LIMIT } from "../../src/parser/limits.js";
import { segql, SCHEMA } from "../cli/helpers.js";

const schema = parseSchema(readFileSync(SCHEMA, "utf8"));
const where = (text: string, options = {}) => parse(text, options).diagnostics.map((d) => `${d.span.line}:${d.span.column} ${d.code}`);

describe("input size (maxInputBytes, default 1 MB)", () => {
  it("a text of one byte more than the limit is refused at that byte; one of exactly the limit is read", () => {
    const fits = `a = 1 or ${"b".repeat(LIMITS.maxInputBytes - 9)}`;
    expect(fits.length).toBe(LIMITS.maxInputBytes);
    expect(where(fits)).toEqual([]);
    expect(where(`${fits}x`)).toEqual([`1:${LIMITS.maxInputBytes + 1} too-large`]);
  });

  it("counts UTF-8 bytes, and the position is the character that passes the limit (line and column)", () => {
    // é is 2 bytes, 😀 is 4 (one surrogate pair, never split).
    // `a = "` is 5 bytes: three é fit in 12, the fourth (column 9) does not.
    expect(where(`a = "${"é".repeat(6)}"`, { limits: { maxInputBytes: 12 } })).toEqual(["1:9 too-large"]);
    expect(where(`a = "${"é".repeat(6)}"`, { limits: { maxInputBytes: 11 } })).toEqual(["1:9 too-large"]);
    expect(where(`a = "${"é".repeat(6)}"`, { limits: { maxInputBytes: 10 } })).toEqual(["1:8 too-large"]);
    // One 😀 fits in 9; the second starts at column 8 (columns count UTF-16 units).
    expect(where(`a = "😀😀"`, { limits: { maxInputBytes: 9 } })).toEqual(["1:8 too-large"]);
    expect(where(`a = "😀😀"`, { limits: { maxInputBytes: 8 } })).toEqual(["1:6 too-large"]);
    expect(where(`a = 1\nor b = 2\nor c = 3`, { limits: { maxInputBytes: 12 } })).toEqual(["2:7 too-large"]);
  });

  it("a 30 MB text is refused without being read further, and the document is empty", () => {
    const r = parse("x".repeat(30_000_000));
    expect(r.diagnostics.map((d) => d.code)).toEqual(["too-large"]);
    expect(r.tokens).toEqual([]);
    expect(r.document.segments).toEqual([]);
  });

  it("analyze, check and checkDocument take the option", () => {
    const limits = { maxInputBytes: 8 };
    expect(analyze("tenure > 12", schema, { limits }).diagnostics.map((d) => d.code)).toEqual(["too-large"]);
    expect(() => checkDocument("tenure > 12", schema, { limits })).toThrow(SegqlError);
    expect(analyze("tenure > 12", schema).diagnostics).toEqual([]);
  });

  it("segql check, fmt, compile and eval take --max-input-bytes", async () => {
    const check = await segql(["check", "--max-input-bytes", "8", "tenure > 12"]);
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/^1:9: error: the text is 11 bytes, more than the limit of 8 bytes \(passed here\)/);
    expect((await segql(["fmt", "--max-input-bytes=8", "tenure > 12"])).code).toBe(1);
    expect((await segql(["compile", "-s", SCHEMA, "--max-input-bytes", "8", "tenure > 12"])).code).toBe(1);
    expect((await segql(["check", "--max-input-bytes", "11", "tenure > 12"])).code).toBe(0);
    expect(await segql(["check", "--max-input-bytes", "1e3", "a"])).toEqual({
      code: 2,
      stdout: "",
      stderr: "segql check: --max-input-bytes takes a whole number of bytes of at least 1, found '1e3'",
    });
  });
});

describe("formatting within the size limit", () => {
  it("segql fmt refuses output over the limit (checking it would fail), saying how large it would be", async () => {
    const text = `${"a=1 or ".repeat(140_000)}b`; // 980,001 bytes; formatted with spaces and line breaks: 1,260,002
    expect(await segql(["fmt", "-"], text)).toEqual({
      code: 1,
      stdout: "",
      stderr: "segql fmt: <stdin>: formatted, it would be 1,260,002 bytes, more than the limit of 1,000,000; not formatted (raise the limit with --max-input-bytes)",
    });
    expect((await segql(["fmt", "--max-input-bytes", "2000000", "-"], text)).code).toBe(0);
  });
});

describe("nesting, lists, segments and reference chains", () => {
  it("nesting: the first token past the limit", () => {
    expect(where("((((a))))", { limits: { nesting: 3 } })).toEqual(["1:4 too-deep"]);
    expect(where("not not not a", { limits: { nesting: 2 } })).toEqual(["1:9 too-deep"]);
    expect(where('performed "A" where performed "B" where x', { limits: { nesting: 1 } })).toEqual(["1:35 too-deep"]);
    expect(where("((((a))))", { limits: { nesting: 4 } })).toEqual([]);
  });

  it(`nesting can be raised to ${MAX_NESTING_LIMIT} at most (the parser's stack)`, () => {
    expect(where(`${"(".repeat(MAX_NESTING_LIMIT)}a${")".repeat(MAX_NESTING_LIMIT)}`, { limits: { nesting: MAX_NESTING_LIMIT } })).toEqual([]);
    expect(() => parse("a", { limits: { nesting: MAX_NESTING_LIMIT + 1 } })).toThrow(
      `limits.nesting can be at most ${MAX_NESTING_LIMIT} (each level takes ~4 KB of stack in the parser), found ${MAX_NESTING_LIMIT + 1}`,
    );
  });

  it("list length: the list from its '(' to the first comma past the limit", () => {
    const r = parse("tenure in (1, 2, 3, 4)", { limits: { listValues: 3 } });
    expect(r.diagnostics.map((d) => `${d.span.start}-${d.span.end} ${d.message}`)).toEqual([
      "10-19 a list holds at most 3 values; put long lists in a field or a segment",
    ]);
    expect(where(`tenure in (${Array.from({ length: LIMITS.listValues }, (_, i) => i).join(", ")})`)).toEqual([]);
  });

  it("segments: the declaration past the limit, and the document is empty", () => {
    const text = 'segment "a" as x\nsegment "b" as y\nsegment "c" as z';
    const r = parse(text, { limits: { segments: 2 } });
    expect(r.diagnostics.map((d) => `${d.span.line}:${d.span.column} ${d.message}`)).toEqual([
      "3:1 a text holds at most 2 segments, and this is one more; split the segments into several files",
    ]);
    expect(r.document.segments).toEqual([]);
    expect(where(text, { limits: { segments: 3 } })).toEqual([]);
    // `in segment` and a field named `segment` are not declarations.
    expect(where('segment "a" as in segment "b" or segment = 1', { limits: { segments: 1 } })).toEqual([]);
  });

  it("reference chains: at the reference that makes the chain too long", () => {
    const text = 'segment "a" as in segment "b"\nsegment "b" as in segment "c"\nsegment "c" as tenure > 1';
    const r = check(parse(text).document, schema, { limits: { referenceDepth: 1 } });
    expect(r.diagnostics.map((d) => `${d.span.line}:${d.span.column} ${d.message}`)).toEqual([
      `1:27 "b" starts a chain of 1 'in segment' references, so this one makes 2, more than the limit of 1; refer to a segment lower in the chain, or write its condition here`,
    ]);
    // Only the segments below the error are typed; "a" is broken by its reference, silently.
    expect(r.segments.map((s) => s.name)).toEqual(["b", "c"]);
    expect(check(parse(text).document, schema, { limits: { referenceDepth: 2 } }).diagnostics).toEqual([]);
  });

  it("nesting counts through references, reported at the reference", () => {
    const text = 'segment "a" as not (in segment "b" and tenure > 1)\nsegment "b" as not (tenure > 2 and not is_verified)';
    // "b" nests 3 levels (not, its parentheses, not); in "a" it is used under not and parentheses, and the
    // reference itself counts one: 2 + 1 + 3 = 6.
    expect(analyze(text, schema, { limits: { nesting: 6 } }).diagnostics).toEqual([]);
    expect(analyze(text, schema, { limits: { nesting: 5 } }).diagnostics.map((d) => `${d.span.line}:${d.span.column} ${d.message}`)).toEqual([
      `1:32 with the segments it refers to, this condition nests 6 levels here, more than the limit of 5 ("b" nests 3 levels and is used 3 levels deep); use it less deeply nested, or simplify "b"`,
    ]);
  });

  it("syntax errors: the first ones, then one saying more follow; parsing stops at ten times as many", () => {
    const text = "x = and ".repeat(200);
    const r = parse(text, { limits: { syntaxErrors: 3 } });
    expect(r.diagnostics.map((d) => `${d.span.column} ${d.code}`)).toEqual(["5 expected-value", "13 expected-value", "21 expected-value", "29 too-many-errors"]);
    expect(r.diagnostics[3]!.message).toBe("more syntax errors from here on are not reported (the first 3 are); fix those first");
    // Stopped: what recovery would make of the rest is not built.
    expect(r.document.segments).toEqual([{ kind: "segment", name: null, nameSpan: null, title: null, description: null, expr: null, span: r.document.span }]);
    // A megabyte of one character per error: a hundred errors and the notice.
    const garbage = parse("& ".repeat(400_000)).diagnostics;
    expect(garbage).toHaveLength(LIMITS.syntaxErrors + 1);
    expect(garbage.at(-1)!.code).toBe("too-many-errors");
  });

  it("limits must be whole numbers of at least 1", () => {
    for (const bad of [0, -1, 1.5, Number.NaN, "10"]) {
      expect(() => resolveLimits({ listValues: bad as number })).toThrow(`limits.listValues must be a whole number of at least 1, found ${String(bad)}`);
    }
    expect(resolveLimits({ segments: 5 })).toEqual({ ...LIMITS, segments: 5 });
    expect(resolveLimits(undefined)).toBe(LIMITS);
  });
});
