/**
 * The VS Code TextMate grammar is generated from the lexer's tokens; this test regenerates it and compares,
 * and checks that it classifies a sample the way the lexer does, so highlighting cannot drift from parsing.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buildGrammar, grammarText } from "../../scripts/gen-textmate-grammar.js";
import * as T from "../../src/parser/tokens.js";

const FILE = new URL("../../editors/vscode/syntaxes/segql.tmLanguage.json", import.meta.url);

type Rule = { name?: string; match?: string; patterns?: Rule[]; begin?: string };

/** An Oniguruma pattern as a sticky JavaScript one (`(?i)` becomes the `i` flag). */
function js(pattern: string): RegExp {
  const insensitive = pattern.startsWith("(?i)");
  return new RegExp(insensitive ? pattern.slice(4) : pattern, insensitive ? "iy" : "y");
}

/** The scope the grammar gives the text at `offset`, trying top-level patterns in order. */
function scopeAt(text: string, offset: number): { scope: string; length: number } | null {
  const grammar = buildGrammar() as { patterns: { include: string }[]; repository: Record<string, Rule> };
  for (const { include } of grammar.patterns) {
    const rule = grammar.repository[include.slice(1)]!;
    for (const r of rule.patterns ?? [rule]) {
      if (r.begin !== undefined) {
        if (text.startsWith(r.begin, offset)) return { scope: r.name!, length: -1 };
        continue;
      }
      const re = js(r.match!);
      re.lastIndex = offset;
      const m = re.exec(text);
      if (m && m[0].length > 0) return { scope: r.name!, length: m[0].length };
    }
  }
  return null;
}

describe("the TextMate grammar", () => {
  it("is the generated one (run: npx tsx scripts/gen-textmate-grammar.ts)", () => {
    expect(readFileSync(FILE, "utf8")).toBe(grammarText());
  });

  it("colours every token of a sample as the lexer reads it: keywords as keywords, names as names", () => {
    const sample = [
      "-- all the words",
      'segment "A" title "t" description \'d\' as',
      "  (android = true or in_trial or nullable != false or `Plan Type` starts with \"x\")",
      "  and not status in (\"a\", 'b') and tenure between 1 and 2.5e3 and tags has any (\"v\")",
      "  and signed_up_at within last 30 days and birthday before 2024-01-01 and seen_at after 2024-01-01T10:00:00Z",
      '  and performed "Purchase" at least 3 times where amount >= 5 and ts > 3 weeks ago',
      '  and (performed "P" with sum of amount > 1) and (performed "P" with average of amount <= 2 within last 1 year)',
      "  and (performed 'P' with min of x < 1) and (performed 'P' with max of x <> 1) and (performed 'P' with first time after today)",
      "  and (performed 'P' with last time before now) and (performed 'P' exactly 0 times) and (performed 'P' at most 2 times)",
      "  and x is greater than 1 and x is less than 2 and x is at least 3 and x is at most 4 and x is not equal to 5",
      "  and x is empty and x ends with 'y' and tags has none ('z') and tags has all ('z') and x contains 'q'",
      "  and d within last 5 minutes and d within last 6 hours and d within last 2 months and not in segment \"B\"",
      "  and d within next 3 days and d < in 2 weeks and d > 4 years from now;",
    ].join("\n");
    const lexed = T.segqlLexer.tokenize(sample);
    expect(lexed.errors).toEqual([]);
    const tokens = [...lexed.tokens, ...((lexed.groups["comments"] ?? []) as typeof lexed.tokens)];
    const seen = new Set<string>();
    for (const t of tokens) {
      const got = scopeAt(sample, t.startOffset);
      const expected =
        t.tokenType === T.Comment ? "comment" :
        t.tokenType === T.StringLiteral ? "string" :
        t.tokenType === T.QuotedIdentifier ? "variable.other.quoted" :
        t.tokenType === T.NumberLiteral || t.tokenType === T.DateLiteral || t.tokenType === T.TimestampLiteral ? "constant.numeric" :
        (t.tokenType.CATEGORIES ?? []).includes(T.CompareOp) ? "keyword.operator.comparison" :
        [T.True, T.False, T.Now, T.Today].includes(t.tokenType) ? "constant.language" :
        T.hardKeywords.includes(t.tokenType) ? "keyword" :
        T.softKeywords.includes(t.tokenType) ? "keyword.other" :
        t.tokenType === T.Identifier ? "variable.other.field" :
        "punctuation";
      expect(got?.scope, `${t.image} at ${t.startOffset}`).toMatch(new RegExp(`^${expected.replace(/\./g, "\\.")}`));
      if (got!.length >= 0) expect(got!.length, t.image).toBe(t.image.length);
      seen.add(t.tokenType.name);
    }
    // The sample uses every keyword the lexer has, so none can be missing from the grammar.
    for (const k of [...T.hardKeywords, ...T.softKeywords]) expect(seen.has(k.name), k.name).toBe(true);
  });
});
