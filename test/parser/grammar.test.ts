/**
 * The grammar itself, checked by Chevrotain: the shipped parser skips its grammar validations (they only
 * cost start-up), so this test builds one with them on. And the lookahead functions the shipped parser
 * builds on first use (src/parser/lazy-lookahead.ts) take their place in the parser's cache once used.
 */
import { describe, expect, it } from "vitest";
import { parse } from "../../src/parser/index.js";
import { lex } from "../../src/parser/lexer.js";
import { createParser, parser } from "../../src/parser/parser.js";

const TEXTS = [
  'status = "Trial" and (tenure > 12 or not churn)',
  'segment "A" title "T" as plan in ("Pro", "Team") or email ends with "@x.org";\nsegment "B" as in segment "A"',
  'performed "Purchase" at least 3 times within last 30 days where amount between 10 and 20',
  'signed_up_at within next 2 weeks and last_seen before 30 days ago and tags has any ("a", "b")',
  "tenure is not empty and tenure is at least 3 and x is not equal to 4",
  "tenure >", // recovery
  "(a = 1 or", // recovery
];

/** Runs one parser on a text, as `parse` runs the shared one. */
function run(p: ReturnType<typeof createParser>, text: string) {
  const lexed = lex(text);
  const end = { start: text.length, end: text.length, line: lexed.endLine, column: lexed.endColumn };
  const r = p.run(lexed.tokens, lexed.comments, end, Number.POSITIVE_INFINITY);
  return { document: r.document, diagnostics: r.diagnostics, errors: r.errors.map((e) => [e.name, e.message, e.token.startOffset]) };
}

/** The lookahead functions in a parser's cache that are still stand-ins (named `standIn`). */
function standIns(p: unknown): number {
  const cache = (p as { lookAheadFuncsCache: Map<number, { name: string }> }).lookAheadFuncsCache;
  return [...cache.values()].filter((f) => f.name === "standIn").length;
}

describe("the grammar", () => {
  it("passes Chevrotain's grammar validations (no ambiguity, left recursion or empty alternative)", () => {
    const validated = createParser({ validate: true });
    expect((validated as unknown as { definitionErrors: unknown[] }).definitionErrors).toEqual([]);
    // The validated parser is the same grammar: it parses every text as the shipped one does.
    for (const text of TEXTS) expect(run(validated, text), text).toEqual(run(parser, text));
  });

  it("builds a lookahead function when it is first used, and puts it in the parser's cache", () => {
    const fresh = createParser();
    const before = standIns(fresh);
    expect(before).toBeGreaterThan(20);
    run(fresh, TEXTS[0]!);
    const after = standIns(fresh);
    expect(after).toBeLessThan(before);
    expect(after).toBeGreaterThan(0); // a short condition reaches a few of them
    for (const text of TEXTS) run(fresh, text);
    expect(standIns(fresh)).toBeLessThan(after);
    // And the shared parser reads every text the same afterwards.
    for (const text of TEXTS) expect(run(fresh, text), text).toEqual(run(parser, text));
    expect(parse(TEXTS[0]!).diagnostics).toEqual([]);
  });
});
