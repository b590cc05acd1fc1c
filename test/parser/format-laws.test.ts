/**
 * The formatter's laws, over generated ASTs and generated valid texts:
 * - round trip: `parse(format(ast))` has no diagnostics and equals `ast` up to spans;
 * - idempotence: `format(parse(format(ast)))` is `format(ast)`;
 * - comments: comments inserted anywhere between tokens survive formatting (each exactly once), do not
 *   change the AST, and the result is again a fixed point.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { format, formatExpr } from "../../src/parser/format.js";
import { parse } from "../../src/parser/index.js";
import { segqlLexer } from "../../src/parser/tokens.js";
import { documentArb, exprArb, stripSpans } from "../helpers/ast-arbitrary.js";
import { exprArb as validTextArb, richSchema, segmentFileText } from "../helpers/generators.js";

/** Runs per property; raise with SEGQL_FC_RUNS=5000 for a deeper search. */
const RUNS = Number(process.env["SEGQL_FC_RUNS"] ?? 300);

function reparse(text: string) {
  const result = parse(text);
  if (result.diagnostics.length > 0) {
    throw new Error(`formatted text does not parse:\n${text}\n${result.diagnostics.map((d) => `${d.span.line}:${d.span.column} ${d.message}`).join("\n")}`);
  }
  return result.document;
}

describe("format round trip over generated ASTs", () => {
  for (const width of [80, 30]) {
    it(`parse(format(ast)) equals ast up to spans (width ${width})`, () => {
      fc.assert(
        fc.property(documentArb, (doc) => {
          const text = format(doc, { width });
          expect(stripSpans(reparse(text))).toEqual(stripSpans(doc));
        }),
        { numRuns: RUNS },
      );
    });

    it(`format is idempotent (width ${width})`, () => {
      fc.assert(
        fc.property(documentArb, (doc) => {
          const text = format(doc, { width });
          expect(format(reparse(text), { width })).toBe(text);
        }),
        { numRuns: RUNS },
      );
    });
  }

  it("formatExpr of an expression parses back to it", () => {
    fc.assert(
      fc.property(exprArb, (expr) => {
        const text = formatExpr(expr);
        const doc = reparse(text);
        expect(stripSpans(doc.segments[0]!.expr)).toEqual(stripSpans(expr));
      }),
      { numRuns: RUNS },
    );
  });
});

describe("format over generated valid texts", () => {
  it("formatting keeps the AST of valid expressions and segment files", () => {
    const now = "2024-06-15T12:00:00.000Z";
    fc.assert(
      fc.property(validTextArb(richSchema, now), fc.boolean(), (expr, asFile) => {
        const text = asFile ? segmentFileText(expr) : expr;
        const before = reparse(text);
        const formatted = format(before);
        expect(stripSpans(reparse(formatted))).toEqual(stripSpans(before));
        expect(format(reparse(formatted))).toBe(formatted);
      }),
      { numRuns: 150 },
    );
  });
});

/** Inserts `-- cN` comments (each ending its line) after some of the tokens of `text`. */
function withComments(text: string, picks: number[]): { text: string; comments: string[] } {
  const tokens = segqlLexer.tokenize(text).tokens;
  if (tokens.length === 0) return { text, comments: [] };
  const ends = [...new Set(picks.map((p) => tokens[p % tokens.length]!.endOffset! + 1))].sort((a, b) => b - a);
  let out = text;
  const comments: string[] = [];
  ends.forEach((end, i) => {
    const comment = `-- c${i}${i % 3 === 0 ? " and (x or" : ""}`;
    comments.push(comment);
    out = `${out.slice(0, end)} ${comment}\n${out.slice(end)}`;
  });
  return { text: out, comments };
}

describe("comments survive formatting", () => {
  it("every comment is printed exactly once, the AST is unchanged and the result is a fixed point", () => {
    fc.assert(
      fc.property(documentArb, fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), fc.constantFrom(80, 30), (doc, picks, width) => {
        const plain = format(doc, { width });
        const { text, comments } = withComments(plain, picks);
        const parsed = reparse(text);
        expect(stripSpans(parsed)).toEqual(stripSpans(reparse(plain)));
        const formatted = format(parsed, { width });
        for (const c of comments) expect(formatted.split(c).length - 1, `${c} in:\n${formatted}`).toBe(1);
        const again = reparse(formatted);
        expect(stripSpans(again)).toEqual(stripSpans(parsed));
        expect(again.comments.map((c) => c.text).sort()).toEqual([...comments].sort());
        expect(format(again, { width })).toBe(formatted);
      }),
      { numRuns: RUNS },
    );
  });
});
