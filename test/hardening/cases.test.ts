/**
 * Issue 10's table, cases 1-8 (case 12, the CLI's exit codes, is test/cli/bin.test.ts and exit-codes.test.ts;
 * case 7 on real engines is json-property-names.test.ts): each input that broke now ends in a result or a
 * clear, positioned error.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  analyze,
  checkExpression,
  compilePredicate,
  compileSql,
  DIALECT_NAMES,
  format,
  LIMITS,
  parse,
  parseSchema,
  SqlCompileError,
  type Expr,
  type SegqlDocument,
} from "../../src/index.js";
import { sameDocument } from "../../src/parser/format.js";
import { segql, SCHEMA } from "../cli/helpers.js";

const schema = parseSchema(readFileSync(SCHEMA, "utf8"));
const at = (text: string, options = {}) =>
  analyze(text, schema, options).diagnostics.map((d) => `${d.span.line}:${d.span.column} ${d.severity} ${d.code}`);

describe("case 1: backticks a name does not need", () => {
  it("fmt drops backticks a name does not need", async () => {
    const parsed = parse('`status` = "Subscribed" and `Plan Type` = "Pro" and plan_type = `Pro`');
    const printed = format(parsed.document);
    // A field that needs none loses them; one with a space keeps them; a bare word as a value keeps its quoting.
    expect(printed).toBe('status = "Subscribed" and `Plan Type` = "Pro" and plan_type = `Pro`\n');
    expect(sameDocument(parse(printed).document, parsed.document)).toBe(true);
    expect(await segql(["fmt", "`status` = \"S\""])).toEqual({ code: 0, stdout: 'status = "S"', stderr: "" });
    expect(await segql(["fmt", 'performed "Purchase" with sum of `amount` > 1 where `currency` = "EUR"'])).toMatchObject({
      code: 0,
      stdout: 'performed "Purchase" with sum of amount > 1 where currency = "EUR"',
    });
  });
});

describe("formatting at the nesting limit", () => {
  it("fmt of a condition at the limit parses back: no grouping parentheses past the limit", async () => {
    const long = Array.from({ length: 8 }, (_, i) => `some_long_field_name_${i} > ${i}`).join(" and ");
    // 63 nots and a parenthesis: 64 levels; broken over lines, the `and` inside the `or` would get
    // parentheses of its own, a 65th level.
    const text = `${"not ".repeat(LIMITS.nesting - 1)}(is_verified or ${long})`;
    const parsed = parse(text);
    expect(parsed.diagnostics).toEqual([]);
    const printed = format(parsed.document);
    expect(printed.split("\n")[1]).toBe("  is_verified");
    expect(printed.split("\n")[2]).toBe("  or some_long_field_name_0 > 0");
    expect(parse(printed).diagnostics).toEqual([]);
    expect(sameDocument(parse(printed).document, parsed.document)).toBe(true);
    expect((await segql(["fmt", "-"], text)).code).toBe(0);
    // Shallow enough, the grouping parentheses stay.
    expect(format(parse(`is_verified or ${long}`).document).split("\n")[1]).toBe("or (");
  });
});

describe("case 2: deep unclosed parentheses", () => {
  it("150 unclosed parentheses give a positioned error", () => {
    const text = `${"(".repeat(150)}churn`;
    expect(at(text)).toEqual([`1:${LIMITS.nesting + 1} error too-deep`]);
    expect(parse(text).diagnostics[0]!.message).toContain(`nested more than ${LIMITS.nesting} levels deep here`);
  });

  it("unclosed parentheses as deep as the limit can be raised recover to the missing ')'", () => {
    // Chevrotain's follow-set walk for single-token insertion recursed ~850 bytes a rule and overflowed at
    // ~106 unclosed parentheses; past 100 rules the parser re-synchronises instead (which halves the stack
    // needed: stack.test.ts runs 64 unclosed parentheses on a 400 KB stack, which needed 620 KB before).
    const text = `${"(".repeat(100)}churn`;
    const r = parse(text, { limits: { nesting: 100 } });
    expect(r.diagnostics.map((d) => `${d.span.line}:${d.span.column} ${d.code} ${d.message}`)).toEqual([
      "1:106 missing-close-paren missing ')' to close '(' at 1:100",
    ]);
    expect(r.document.segments[0]!.expr).toMatchObject({ kind: "rule", field: { name: "churn" } });
  });

  it("ordinary broken text keeps its partial tree and errors", () => {
    const r = parse('(status = "Subscribed" and (plan_type = "Pro" or tenure >');
    expect(r.diagnostics.map((d) => `${d.span.column} ${d.code}`)).toEqual(["58 expected-value"]);
    expect(r.document.segments[0]!.expr).toMatchObject({ kind: "and", operands: [{ kind: "rule" }, { kind: "or" }] });
  });
});

describe("cases 3 and 4: long reference chains and cycles", () => {
  const chain = (n: number, body: (i: number) => string) =>
    `${Array.from({ length: n }, (_, i) => `segment "S${i}" as ${body(i)}in segment "S${i + 1}"`).join("\n")}\nsegment "S${n}" as tenure > 1`;

  it("2,400 segments each referring to the next: one error, where the chain passes the limit", () => {
    const text = chain(2400, () => "");
    // Checked from the end of the chain: segment S(2400 - limit - 1) is the first whose chain is too long.
    const line = 2400 - LIMITS.referenceDepth;
    expect(at(text, { limits: { segments: 3000 } })).toEqual([`${line}:${`segment "S${line - 1}" as in segment `.length + 1} error references-too-deep`]);
    expect(analyze(text, null, { limits: { segments: 3000 } }).diagnostics.map((d) => d.code)).toEqual(["references-too-deep"]);
  });

  it("1,000 segments with rules and a schema: checked, and every segment below the limit is typed", () => {
    const text = chain(1000, (i) => `tenure > ${i} and `);
    const r = analyze(text, schema);
    // Errors only: the static analysis rightly warns that each `tenure > i` adds nothing to S(i+1)'s `tenure > i+1`.
    expect(r.diagnostics.filter((d) => d.severity === "error").map((d) => d.code)).toEqual(["references-too-deep"]);
    // The segments whose chains fit are typed; those above the failing one are not (their error is below).
    expect(r.segments.length).toBe(LIMITS.referenceDepth + 1);
  });

  it("a reference cycle through 1,900 segments is reported as a cycle, its names elided", () => {
    const text = Array.from({ length: 1900 }, (_, i) => `segment "S${i}" as in segment "S${(i + 1) % 1900}"`).join("\n");
    const cycle = analyze(text, schema).diagnostics.find((d) => d.code === "segment-cycle");
    expect(cycle).toBeDefined();
    expect(`${cycle!.span.line}:${cycle!.span.column}`).toBe("1900:31");
    expect(cycle!.message).toBe(
      `segments refer to each other in a cycle: ${Array.from({ length: 10 }, (_, i) => `"S${i}"`).join(" → ")} → … (1,890 more) → "S0"`,
    );
  });

  it("a short cycle is named whole, at the reference that closes it", () => {
    expect(analyze('segment "a" as in segment "b"\nsegment "b" as in segment "a"', schema).diagnostics.map((d) => d.message)).toEqual([
      'segments refer to each other in a cycle: "a" → "b" → "a"',
    ]);
  });
});

describe("case 5: one 8 MiB string literal", () => {
  const text = `email = "${"x".repeat(8 * 1024 * 1024)}"`;

  it("is refused by the default size limit, at the byte that passes it", () => {
    const r = parse(text);
    expect(r.diagnostics.map((d) => `${d.span.line}:${d.span.column} ${d.code}`)).toEqual([`1:${LIMITS.maxInputBytes + 1} too-large`]);
    expect(r.diagnostics[0]!.message).toBe(
      `the text is ${text.length.toLocaleString("en-US")} bytes, more than the limit of 1,000,000 bytes (passed here); ` +
        "split it into several files, or raise the limit (maxInputBytes, --max-input-bytes)",
    );
  });

  it("segql check prints the error with a window of the megabyte-long line, not the line", async () => {
    const r = await segql(["check", "-"], text);
    expect(r.code).toBe(1);
    const [message, source, carets] = r.stdout.split("\n");
    expect(message).toMatch(/^<stdin>:1:1000001: error: the text is 8,388,618 bytes, more than the limit of 1,000,000 bytes/);
    expect(source).toBe(`   1 | …${"x".repeat(120)}…`);
    expect(carets).toBe(`     | ${" ".repeat(41)}^`);
  });

  it("lexes when the limit allows it, also made of escapes (no regular-expression backtracking)", () => {
    const limits = { maxInputBytes: 20_000_000 };
    const r = parse(text, { limits });
    expect(r.diagnostics).toEqual([]);
    const escapes = `email = "${"\\n".repeat(4 * 1024 * 1024)}" or email = \`${"``".repeat(2 * 1024 * 1024)}\` or ${"a.".repeat(2 * 1024 * 1024)}b`;
    const e = parse(escapes, { limits });
    expect(e.diagnostics).toEqual([]);
    expect(e.document.segments[0]!.expr).toMatchObject({ kind: "or", operands: [{ kind: "rule" }, { kind: "rule" }, { kind: "rule" }] });
  });
});

describe("case 6: a condition of 150,000 'or' terms", () => {
  it("formats (no spread of huge arrays) and prints every term", () => {
    const span = { start: 0, end: 0, line: 1, column: 1 };
    const operands: Expr[] = Array.from({ length: 150_000 }, (_, i) => ({
      kind: "rule",
      field: { name: `f${i % 7}`, quoted: false, span },
      test: { op: "compare", cmp: "=", value: { kind: "number", value: i, raw: String(i), span }, span },
      span,
    }));
    const document: SegqlDocument = { kind: "document", bare: true, comments: [], span, segments: [{ kind: "segment", name: null, nameSpan: null, title: null, description: null, expr: { kind: "or", operands, span }, span }] };
    const lines = format(document).split("\n");
    expect(lines).toHaveLength(150_001); // one term a line, and the final newline
    expect(lines[0]).toBe("f0 = 0");
    expect(lines[149_999]).toBe(`or f${149_999 % 7} = 149999`);
  });
});

describe("case 8: huge relative times", () => {
  /** A checked condition whose amount is then set past what the checker takes (a typed AST made by hand). */
  function withAmount(text: string, amount: number) {
    const q = checkExpression(text, schema);
    const e = q.expr as { test: { low?: { amount: number }; value?: { amount: number } } };
    const rel = e.test.low ?? e.test.value!;
    rel.amount = amount;
    return q;
  }

  it("the checker refuses an amount longer than the 9,999 years times span, on the amount", () => {
    for (const [text, at] of [
      ["signed_up_at within last 1202412024 days", 25],
      ["signed_up_at within last 9007199254740991 years", 25],
      ["signed_up_at after 9007199254740991 months ago", 19],
    ] as const) {
      expect(() => checkExpression(text, schema), text).toThrow(new RegExp(`^1:${at + 1}: error: \\d+ \\w+ is longer than the 9,999 years that times span`));
    }
  });

  it("compileSql of a hand-made typed AST with such an amount gives SqlCompileError, with or without 'now', in every dialect (never RangeError)", () => {
    const q = withAmount("signed_up_at within last 1 days", 1202412024);
    for (const dialect of DIALECT_NAMES) {
      for (const now of [undefined, "2024-01-01T00:00:00Z"]) {
        expect(() => compileSql(q, { dialect, ...(now ? { now } : {}) })).toThrow(SqlCompileError);
        expect(() => compileSql(q, { dialect, ...(now ? { now } : {}) })).toThrow(
          "1202412024 days ago reaches back further than the 9,999 years SQL timestamps hold",
        );
      }
    }
  });

  it("an instant out of SQL's years, from a smaller amount and 'now', names both", () => {
    const q2 = checkExpression("signed_up_at > 3000 years ago", schema);
    expect(() => compileSql(q2, { dialect: "duckdb", now: "2024-01-01T00:00:00Z" })).toThrow(
      "3000 years ago (-000976-01-01T00:00:00.000Z) is outside the years 0001-9999 that SQL timestamps hold",
    );
    expect(() => compileSql(q2, { dialect: "duckdb", now: 1e20 })).toThrow("'now' (after +275760-09-13) is outside the years 0001-9999");
  });

  it("the predicate of a hand-made typed AST gives the arithmetic's answer (no RangeError): every present instant is within the last 1,202,412,024 days", () => {
    for (const [text, amount] of [["signed_up_at within last 1 days", 1202412024], ["signed_up_at within last 1 years", 9007199254740991], ["signed_up_at after 1 months ago", 9007199254740991]] as const) {
      const p = withAmount(text, amount);
      for (const mode of ["codegen", "closure"] as const) {
        const predicate = compilePredicate(p, { now: "2024-01-01T00:00:00Z", mode });
        expect(predicate({ signed_up_at: "1900-01-01T00:00:00Z" }), `${text} ${mode}`).toBe(true);
        expect(predicate({ signed_up_at: null }), `${text} ${mode}`).toBe(false);
      }
    }
  });

  it("segql compile exits 1 with the checker's error, where, not a stack", async () => {
    const r = await segql(["compile", "-s", SCHEMA, "--now", "2024-01-01T00:00:00Z", "signed_up_at within last 1202412024 days"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/1:26: error: 1202412024 days is longer than the 9,999 years that times span/);
  });
});
