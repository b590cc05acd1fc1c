/**
 * The fast path (src/parser/fast.ts) against the Chevrotain pipeline (`parseWithRecovery`), the definition
 * of the language: whenever the fast path returns a document, the pipeline must find no problem and build
 * the very same document, spans and comments included; and on valid text the fast path must not give up
 * (or it would be pointless).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fastParse } from "../../src/parser/fast.js";
import { format } from "../../src/parser/format.js";
import { MAX_LIST_VALUES, MAX_NESTING, parse, parseWithRecovery } from "../../src/parser/index.js";
import { segqlLexer } from "../../src/parser/tokens.js";
import { documentArb } from "../helpers/ast-arbitrary.js";
import { exprArb as validTextArb, richSchema, segmentFileText } from "../helpers/generators.js";

const RUNS = Number(process.env["SEGQL_FC_RUNS"] ?? 300);
const LIMITS = { maxNesting: MAX_NESTING, maxListValues: MAX_LIST_VALUES };

/** The law: a fast result is the pipeline's result. Returns whether the fast path answered. */
function agree(text: string): boolean {
  const fast = fastParse(text, LIMITS);
  if (fast === null) return false;
  const slow = parseWithRecovery(text);
  expect(slow.diagnostics, `the fast path accepted text the parser rejects: ${JSON.stringify(text)}`).toEqual([]);
  expect(fast, `different document for ${JSON.stringify(text)}`).toEqual(slow.document);
  return true;
}

/** Valid texts written in odd ways: keyword case, whitespace, line breaks, comments, semicolons. */
function scramble(text: string, seed: number[]): string {
  const tokens = segqlLexer.tokenize(text).tokens;
  let out = "";
  let last = 0;
  tokens.forEach((t, i) => {
    const r = seed[i % seed.length]!;
    const gap = text.slice(last, t.startOffset);
    const spaces = ["", " ", "  ", "\n", "\r\n", "\t", " -- note\n", "\r", "\u00a0"];
    out += gap.length > 0 ? (spaces[r % spaces.length] || " ") : gap;
    const image = t.image;
    const keyword = /^[a-z]+$/i.test(image) && t.tokenType.name !== "Identifier";
    out += keyword && r % 3 === 0 ? image.toUpperCase() : keyword && r % 3 === 1 ? image[0]!.toUpperCase() + image.slice(1) : image;
    last = t.endOffset! + 1;
  });
  return out + text.slice(last);
}

describe("fast path = Chevrotain pipeline", () => {
  it("on formatted generated documents (and always answers)", () => {
    fc.assert(
      fc.property(documentArb, fc.constantFrom(80, 30), (doc, width) => {
        expect(agree(format(doc, { width }))).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it("on generated valid expressions and segment files, scrambled (and always answers)", () => {
    fc.assert(
      fc.property(validTextArb(richSchema, "2024-06-15T12:00:00.000Z"), fc.boolean(), fc.array(fc.nat(), { minLength: 1, maxLength: 20 }), (expr, asFile, seed) => {
        const text = asFile ? segmentFileText(expr) : expr;
        expect(agree(text)).toBe(true);
        expect(agree(scramble(text, seed))).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it("on mutated texts (deleted, repeated and swapped tokens): agrees whenever it answers", () => {
    let answered = 0;
    fc.assert(
      fc.property(documentArb, fc.array(fc.tuple(fc.nat(), fc.nat(), fc.constantFrom("delete", "repeat", "swap", "insert")), { minLength: 1, maxLength: 3 }), fc.constantFrom(...VOCABULARY), (doc, edits, word) => {
        const text = format(doc);
        const tokens = segqlLexer.tokenize(text).tokens.map((t) => t.image);
        if (tokens.length === 0) return;
        for (const [i, j, op] of edits) {
          const a = i % tokens.length;
          const b = j % tokens.length;
          if (op === "delete") tokens.splice(a, 1);
          else if (op === "repeat") tokens.splice(a, 0, tokens[a]!);
          else if (op === "insert") tokens.splice(a, 0, word);
          else [tokens[a], tokens[b]] = [tokens[b]!, tokens[a]!];
          if (tokens.length === 0) return;
        }
        if (agree(tokens.join(" "))) answered++;
      }),
      { numRuns: RUNS * 2 },
    );
    // Some mutations stay valid (a repeated `not`, a swapped operand): the law was exercised.
    expect(answered).toBeGreaterThan(0);
  });

  it("on token soup: agrees whenever it answers", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...VOCABULARY), { minLength: 1, maxLength: 14 }), fc.constantFrom(" ", "\n", "  "), (words, sep) => {
        agree(words.join(sep));
      }),
      { numRuns: RUNS * 3 },
    );
  });

  it("on raw character soup: agrees whenever it answers", () => {
    const chars = fc.constantFrom(..."ab(),;=<>!-. \n\r\t\"'`\\0123456789TZ:+eE_xNOTandorisin".split(""));
    fc.assert(
      fc.property(fc.array(chars, { maxLength: 30 }).map((cs) => cs.join("")), (text) => {
        agree(text);
      }),
      { numRuns: RUNS * 3 },
    );
  });

  it.each([
    ["empty text", ""],
    ["only a comment", "-- nothing here\n"],
    ["CRLF and CR line breaks", "a = 1\r\nand b = 2\rand c = 3"],
    ["keywords in odd case", "NOT a IS NOT EMPTY AnD b Is Greater Than 3 oR c IN ('x')"],
    ["dotted names and keyword prefixes", "custom.plan_type = 'x' and android and in_trial and nullable and and.x = 1"],
    ["soft keywords as fields", "count > 1 and last = 2 and segment = 3 and days and where and as and title"],
    ["numbers glued to words", "a=1and b=2or c"],
    ["numbers of every form", "a in (1, -3.5, 1000.25, 1e3, .5, -.5, 2.5E-4)"],
    ["dates and timestamps", "a between 2024-01-01 and 2024-01-01T10:00:00.123+02:00 and b after 2024-01-01T10:00z"],
    ["escapes", String.raw`a = "q\"\\\/\n\t\r\u00e9" and b = 'it\'s'`],
    ["backticks", "`Plan Type` = `Fiber ``optic``` and `and` is empty"],
    ["events with every clause", 'performed "Purchase" with sum of amount between 1 and 5 between 30 days ago and now where currency = "EUR" or (gift and not x)'],
    ["events with first/last and counts", 'performed "A" exactly 0 times within last 3 weeks and performed "B" with last time within last 2 days and performed c at most 1 time'],
    ["segment files", 'segment "A" title "t" description "d" as a = 1;\nsegment b as in segment "A" and not in segment `A`\nsegment title as x'],
    ["keyword words read as bare values", "a is equal and b is greater or c is at and tags has any and d = days and e is empty_ish and f has all"],
    ["`is` forms", "a is 1 and a is not 2 and a is equal to 3 and a is not equal to 4 and a is greater than 5 and a is less than 6 and a is at least 7 and a is at most 8"],
    ["many declarations with where filters (the nesting count restarts per declaration)",
      Array.from({ length: 250 }, (_, i) => `segment "s${i}" as performed "X" where amount > ${i}`).join("\n")],
    ["nesting at the limit", `${"(".repeat(MAX_NESTING)}a${")".repeat(MAX_NESTING)}`],
  ])("%s", (_name, text) => {
    expect(agree(text)).toBe(true);
  });

  it.each([
    ["nesting past the limit", `${"(".repeat(MAX_NESTING + 1)}a${")".repeat(MAX_NESTING + 1)}`],
    ["an unknown escape", 'a = "\\q"'],
    ["a short \\u escape", 'a = "\\u12"'],
    ["an unterminated string", 'a = "abc'],
    ["an empty backtick name", "`` = 1"],
    ["two counts", 'performed "A" at least 1 times exactly 2 times'],
    ["a non-ASCII letter", "prénom = 'x'"],
    ["a partial rule", 'status = "Subscribed" and pla and'],
  ])("gives way on %s (the pipeline reports it)", (_name, text) => {
    expect(fastParse(text, LIMITS)).toBeNull();
    expect(parse(text).diagnostics.length).toBeGreaterThan(0);
  });

  it("computes tokens lazily, the same as the lexer's", () => {
    const text = "a = 1 -- c\nand b";
    const result = parse(text);
    expect(result.tokens.map((t) => t.image)).toEqual(["a", "=", "1", "and", "b"]);
  });
});

/** Words the soup and the mutations draw from: every keyword, punctuation, literals of each kind. */
const VOCABULARY = [
  "and", "or", "not", "in", "is", "between", "contains", "starts", "ends", "with", "has", "before", "after", "within",
  "last", "first", "true", "false", "performed", "at", "least", "most", "exactly", "times", "time", "where", "sum",
  "avg", "of", "segment", "as", "title", "description", "empty", "equal", "to", "greater", "less", "than", "any",
  "all", "none", "ago", "days", "month", "now", "today", "(", ")", ",", ";", "=", "!=", "<", "<=", ">", ">=", "<>",
  "==", "a", "b", "count", '"x"', "'y'", "`Plan Type`", "3", "-1.5", "2024-01-01", "2024-01-01T10:00Z", "-- c\n",
];
