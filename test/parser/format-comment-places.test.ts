/**
 * A comment stays after the token it follows. The generator takes formatted texts (documents from
 * helpers/ast-arbitrary.ts, valid expressions and segment files from helpers/generators.ts), puts `-- cN`
 * after some of their tokens (each ending its line), formats that and requires:
 * - every comment printed once, in the same order;
 * - each after the same token (counted among the tokens that are not parentheses, and of the same
 *   spelling), or after that token and `,`/`)` that close there (`"a", -- c`; `(a or b) -- c`);
 * - the formatted text parses to the same AST, and formatting it again changes nothing.
 * The formatter used to move a comment after `not`, `(`, `where`, `in`, `and`, … (any token but a rule's
 * last) to the line before.
 */
import fc from "fast-check";
import type { IToken } from "chevrotain";
import { describe, expect, it } from "vitest";
import type * as A from "../../src/parser/ast.js";
import { format } from "../../src/parser/format.js";
import { parse } from "../../src/parser/index.js";
import { segqlLexer } from "../../src/parser/tokens.js";
import { documentArb, stripSpans } from "../helpers/ast-arbitrary.js";
import { exprArb as validTextArb, richSchema, segmentFileText } from "../helpers/generators.js";

const RUNS = Number(process.env["SEGQL_FC_RUNS"] ?? 300);

function reparse(text: string): A.SegqlDocument {
  const result = parse(text);
  if (result.diagnostics.length > 0) {
    throw new Error(`does not parse:\n${text}\n${result.diagnostics.map((d) => `${d.span.line}:${d.span.column} ${d.message}`).join("\n")}`);
  }
  return result.document;
}

/** A token as the property tells tokens apart: its spelling and how many non-parenthesis tokens come before it. */
function identity(tokens: IToken[], i: number): string {
  const nonParens = tokens.slice(0, i).filter((t) => t.image !== "(" && t.image !== ")").length;
  return `${nonParens}:${tokens[i]!.image.toLowerCase()}`;
}

/** For each `-- cN` comment of `text`, in text order: its name and the identity of the token it follows. */
function followed(text: string): { name: string; after: string; closers: string[] }[] {
  const lexed = segqlLexer.tokenize(text);
  const tokens = lexed.tokens;
  return (lexed.groups["comments"] ?? []).filter((c) => /^-- c\d+$/.test(c.image.trim())).map((c) => {
    let i = tokens.findIndex((t) => t.startOffset > c.startOffset);
    if (i < 0) i = tokens.length;
    i--;
    // `,` and `)` that come between the token and the comment, as printed.
    const closers: string[] = [];
    while (i > 0 && (tokens[i]!.image === ")" || tokens[i]!.image === ",")) {
      closers.push(identity(tokens, i));
      i--;
    }
    return { name: c.image.trim(), after: i < 0 ? "start" : identity(tokens, i), closers };
  });
}

/** `text` with `-- cN` after the tokens at `picks` (indexes modulo the number of tokens). */
function withComments(text: string, picks: number[]): { text: string; expected: Map<string, string> } {
  const tokens = segqlLexer.tokenize(text).tokens;
  const at = [...new Set(picks.map((p) => p % tokens.length))].sort((a, b) => b - a);
  let out = text;
  const expected = new Map<string, string>();
  at.forEach((i, n) => {
    const end = tokens[i]!.endOffset! + 1;
    const name = `-- c${at.length - 1 - n}`;
    expected.set(name, identity(tokens, i));
    out = `${out.slice(0, end)} ${name}\n${out.slice(end)}`;
  });
  return { text: out, expected };
}

function checkComments(plain: string, picks: number[], width: number): void {
  if (segqlLexer.tokenize(plain).tokens.length === 0) return;
  const { text, expected } = withComments(plain, picks);
  const parsed = reparse(text);
  const formatted = format(parsed, { width });
  const where = `${text}\n→\n${formatted}`;
  const places = followed(formatted);
  expect(places.map((p) => p.name), where).toEqual([...expected.keys()].sort((a, b) => Number(a.slice(4)) - Number(b.slice(4))));
  for (const p of places) {
    const want = expected.get(p.name)!;
    // After the same token, or after that token and the `,`/`)` printed right after it.
    if (p.closers.includes(want)) expect(p.closers[0], `${p.name} in:\n${where}`).toBe(want);
    else expect(p.after, `${p.name} in:\n${where}`).toBe(want);
  }
  const again = reparse(formatted);
  expect(stripSpans(again), where).toEqual(stripSpans(parsed));
  expect(format(again, { width }), where).toBe(formatted);
}

describe("a comment stays after the token it follows", () => {
  it("in generated documents, at widths 80, 40 and 20", () => {
    fc.assert(
      fc.property(documentArb, fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), fc.constantFrom(80, 40, 20), (doc, picks, width) => {
        checkComments(format(doc, { width }), picks, width);
      }),
      { numRuns: RUNS },
    );
  });

  it("in generated valid expressions and segment files", () => {
    const now = "2024-06-15T12:00:00.000Z";
    fc.assert(
      fc.property(validTextArb(richSchema, now), fc.boolean(), fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), (expr, asFile, picks) => {
        const text = asFile ? segmentFileText(expr) : expr;
        checkComments(format(reparse(text)), picks, 80);
      }),
      { numRuns: 150 },
    );
  });

  it("after every token of sample texts", () => {
    const samples = [
      'status = "Subscribed" and not is_verified',
      "a and (b or c) and not (d and e)",
      'performed "Purchase" at least 3 times within last 30 days where amount > 50 and sku in ("A", "B")',
      'plan_type in ("Pro", "Enterprise") and tenure between 1 and 5',
      'in segment "VIP" or email ends with "@x.com"',
      'performed "Open" with sum of amount >= 10 within last 7 days or performed "Buy" with first time in ("x")',
      'signup_at before 30 days ago and tags has any ("a", "b") and email is not empty and x after in 3 days',
      'segment "A" title "t" description "d" as a and b\n\nsegment "B" as in segment "A"',
      "(a and b) or (c and d) or not (e or f)",
      'performed "X" where (a or b) and c',
    ];
    for (const sample of samples) {
      const plain = format(reparse(sample));
      const n = segqlLexer.tokenize(plain).tokens.length;
      for (let i = 0; i < n; i++) checkComments(plain, [i], 80);
    }
  });

  it("examples: after not, (, where, in, and, as, title", () => {
    const cases: [string, string][] = [
      ["a and not -- never\n  b", "a\nand not -- never\n  b\n"],
      ["a and ( -- either\n  b or c)", "a\nand ( -- either\n  b or c\n)\n"],
      ['performed "X" where -- only big\n  amount > 5', 'performed "X"\n  where -- only big\n    amount > 5\n'],
      ['plan in -- paid\n ("Pro", "Team")', 'plan in -- paid\n  ("Pro", "Team")\n'],
      ["a and -- also\n b", "a\nand -- also\n  b\n"],
      ['segment "A" title "t" as -- why\n a', 'segment "A"\n  title "t"\nas -- why\n  a\n'],
      ['segment "A" title -- shown\n "t" as a', 'segment "A"\n  title -- shown\n    "t"\nas a\n'],
      ["tenure between -- from\n 1 and 5", "tenure between -- from\n  1 and 5\n"],
    ];
    for (const [input, output] of cases) {
      expect(format(reparse(input))).toBe(output);
      expect(format(reparse(output))).toBe(output);
    }
  });
});
