/**
 * `reparseInsideToken` (src/parser/incremental.ts): after an edit inside one token that keeps its kind, the
 * previous parse moved and re-valued must be exactly `parse(text)` (document, diagnostics, tokens), and
 * it must decline (null) whenever it cannot be sure. Random edits of texts made by the fuzzer's grammar
 * generator, which writes every form of the language (expressions, segment files, comments, odd names).
 */
import { describe, expect, it } from "vitest";
import type { IToken } from "chevrotain";
import { generateInput } from "../../fuzz/generate/index.js";
import { Random } from "../../fuzz/random.js";
import { parse, LIMITS, type ParseResult } from "../../src/parser/index.js";
import { editBetween, reparseInsideToken } from "../../src/parser/incremental.js";

/** A token as plain data (what `parse` makes, without Chevrotain's type object). */
function plainTokens(tokens: readonly IToken[]) {
  return tokens.map((t) => ({ image: t.image, start: t.startOffset, end: t.endOffset, line: t.startLine, endLine: t.endLine, column: t.startColumn, endColumn: t.endColumn, type: t.tokenType.name }));
}

function expectSameParse(fast: ParseResult, scratch: ParseResult, text: string): void {
  expect({ text, document: fast.document, diagnostics: fast.diagnostics }).toEqual({ text, document: scratch.document, diagnostics: scratch.diagnostics });
  expect(plainTokens(fast.tokens)).toEqual(plainTokens(scratch.tokens));
}

const INSERTS = ["1", "0", "9", ".", "e", "a", "Z", "_", "x", " ", '"', "'", "`", "-", "(", ")", "\\", "é", "😀", "T", ":"];

/** Characters that keep a token's kind when typed inside it (a digit in a number, a letter in a name). */
const KEEPS_KIND: Record<string, string[]> = {
  NumberLiteral: ["0", "1", "7", "9"],
  StringLiteral: ["a", "Z", " ", "1", "é", "😀", "-"],
  QuotedIdentifier: ["a", "Z", " ", "1", "é"],
  Identifier: ["a", "z", "_", "1", "Q"],
  DateLiteral: ["1", "2"],
  TimestampLiteral: ["1", "2"],
};

/**
 * An edit in or at the edge of a token of `tokens`: mostly a character that keeps a value's kind typed
 * inside it (what the fast path is for), else any insertion, deletion or replacement.
 */
function randomEdit(rng: Random, text: string, tokens: readonly IToken[]): string {
  const values = tokens.filter((t) => KEEPS_KIND[t.tokenType.name] && t.image.length >= 2);
  if (values.length > 0 && rng.chance(0.7)) {
    const t = values[rng.int(0, values.length - 1)]!;
    const at = rng.int(t.startOffset + 1, t.endOffset!);
    const chars = KEEPS_KIND[t.tokenType.name]!;
    return rng.chance(0.8) ? text.slice(0, at) + rng.pick(chars) + text.slice(at) : text.slice(0, at) + text.slice(at + 1);
  }
  const t = tokens[rng.int(0, tokens.length - 1)]!;
  const at = rng.int(t.startOffset, t.endOffset! + 1);
  switch (rng.int(0, 2)) {
    case 0:
      return text.slice(0, at) + rng.pick(INSERTS) + text.slice(at);
    case 1:
      return at < text.length ? text.slice(0, at) + text.slice(at + 1) : text;
    default:
      return at < text.length ? text.slice(0, at) + rng.pick(INSERTS) + text.slice(at + 1) : text;
  }
}

describe("an edit inside one token reuses the previous parse, exactly", () => {
  it("equals a parse from scratch on random edits of generated texts, and takes the fast path often", () => {
    const rng = new Random(20261207);
    let tried = 0;
    let fast = 0;
    for (let i = 0; i < 600; i++) {
      let text = generateInput(4242, i, "grammar").text;
      let previous = parse(text);
      for (let k = 0; k < 6 && previous.tokens.length > 0; k++) {
        const next = randomEdit(rng, text, previous.tokens);
        const scratch = parse(next);
        const reused = reparseInsideToken(text, previous, next, LIMITS.maxInputBytes);
        tried++;
        if (reused) {
          fast++;
          expectSameParse(reused.result, scratch, next);
        }
        text = next;
        previous = scratch;
      }
    }
    expect(tried).toBeGreaterThan(3000);
    // Most edits of clean texts keep the token's kind (a digit into a number, a letter into a name).
    expect(fast / tried).toBeGreaterThan(0.2);
  });

  it.each([
    ["tenure > 12 and plan_type = \"Pro\"", "tenure > 125 and plan_type = \"Pro\""],
    ["tenure > 12 and plan_type = \"Pro\"", "tenure > 12 and plan_type = \"Prod\""],
    ["tenur > 12 and plan_type = \"Pro\"", "tenure > 12 and plan_type = \"Pro\""],
    ["signed_up_at > 2024-01-01 and is_vip", "signed_up_at > 2024-01-02 and is_vip"],
    ["is_vip and tenure > 1", "is_vipp and tenure > 1"],
    ["tags has \"a\" -- note\nand tenure > 1", "tags has \"ab\" -- note\nand tenure > 1"],
  ])("%s → %s", (before, after) => {
    const reused = reparseInsideToken(before, parse(before), after, LIMITS.maxInputBytes);
    expect(reused).not.toBeNull();
    expectSameParse(reused!.result, parse(after), after);
  });

  it.each([
    ["a syntax error before", "tenure > and x = 1", "tenure > and x = 12"],
    ["a token that changes kind (a keyword)", "tenure > 1 an is_vip", "tenure > 1 and is_vip"],
    ["a number that becomes a date", "signed_up_at > 2024-01-0", "signed_up_at > 2024-01-01"],
    ["an edit between tokens", "tenure > 1", "tenure >  1"],
    ["an edit over two tokens", "tenure > 12", "tenure>12"],
    ["a line break typed", "tenure > 12", "tenure > 1\n2"],
    ["a segment's name, copied into its declaration", 'segment "A" as is_vip', 'segment "AB" as is_vip'],
    ["a bad escape in a string", 'email = "a"', 'email = "a\\q"'],
    ["a comment started", "tenure > 1", "tenure > 1--"],
  ])("declines: %s", (_, before, after) => {
    expect(reparseInsideToken(before, parse(before), after, LIMITS.maxInputBytes)).toBeNull();
  });

  it("finds the one range where two texts differ", () => {
    expect(editBetween("tenure > 12", "tenure > 125")).toEqual({ from: 11, oldTo: 11, newTo: 12 });
    expect(editBetween("aXb", "aYYb")).toEqual({ from: 1, oldTo: 2, newTo: 3 });
    expect(editBetween("same", "same")).toEqual({ from: 4, oldTo: 4, newTo: 4 });
  });
});
