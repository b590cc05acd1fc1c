/**
 * Generates `syntaxes/segql.tmLanguage.json` (the TextMate grammar VS Code highlights with before the
 * language server's semantic tokens arrive) from the lexer's own token definitions in src/parser/tokens.ts,
 * so the two cannot drift: test/lsp/grammar.test.ts regenerates it and compares.
 *
 *   npx tsx scripts/gen-textmate-grammar.ts      (rewrites the file)
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as T from "../src/parser/tokens.js";

/** A lexer pattern's source, for Oniguruma (the patterns use only syntax both engines share). */
const source = (t: { PATTERN?: unknown }) => (t.PATTERN as RegExp).source;

/** Alternatives longest first, so `minutes` is tried before `min` (TextMate takes the first that matches). */
function alternatives(tokens: readonly { PATTERN?: unknown }[]): string {
  return tokens.map(source).flatMap((s) => s.split("|")).sort((a, b) => b.length - a.length || a.localeCompare(b)).join("|");
}

/** Word boundaries that match the lexer's identifier rule: `android` and `in_trial` are not keywords. */
const word = (body: string) => `(?i)(?<![A-Za-z0-9_.])(?:${body})(?![A-Za-z0-9_]|\\.[A-Za-z_])`;

const OPERATOR_WORDS = [T.And, T.Or, T.Not, T.In, T.Is, T.Between, T.Contains, T.Starts, T.Ends, T.Has, T.Before, T.After, T.Within];
const CONSTANTS = [T.True, T.False, T.Now, T.Today];

/** The grammar as a plain object. */
export function buildGrammar(): Record<string, unknown> {
  const otherKeywords = [...T.hardKeywords, ...T.softKeywords].filter((t) => !OPERATOR_WORDS.includes(t) && !CONSTANTS.includes(t));
  return {
    $schema: "https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json",
    name: "segql",
    scopeName: "source.segql",
    comment: "Generated from src/parser/tokens.ts by scripts/gen-textmate-grammar.ts; do not edit.",
    fileTypes: ["segql"],
    patterns: [
      { include: "#comment" },
      { include: "#string" },
      { include: "#quoted-name" },
      { include: "#timestamp" },
      { include: "#date" },
      { include: "#number" },
      { include: "#operator" },
      { include: "#keyword-operator" },
      { include: "#constant" },
      { include: "#keyword" },
      { include: "#punctuation" },
      { include: "#name" },
    ],
    repository: {
      comment: { name: "comment.line.double-dash.segql", match: source(T.Comment) },
      string: {
        patterns: [
          { name: "string.quoted.double.segql", begin: '"', end: '"|$', patterns: [{ name: "constant.character.escape.segql", match: "\\\\." }] },
          { name: "string.quoted.single.segql", begin: "'", end: "'|$", patterns: [{ name: "constant.character.escape.segql", match: "\\\\." }] },
        ],
      },
      "quoted-name": { name: "variable.other.quoted.segql", match: source(T.QuotedIdentifier) },
      timestamp: { name: "constant.numeric.timestamp.segql", match: source(T.TimestampLiteral) },
      date: { name: "constant.numeric.date.segql", match: source(T.DateLiteral) },
      number: { name: "constant.numeric.segql", match: `(?<![A-Za-z0-9_.])${source(T.NumberLiteral)}` },
      operator: { name: "keyword.operator.comparison.segql", match: [T.LessEqual, T.GreaterEqual, T.NotEqual, T.Equal, T.Less, T.Greater].map(source).join("|") },
      "keyword-operator": { name: "keyword.operator.word.segql", match: word(alternatives(OPERATOR_WORDS)) },
      constant: { name: "constant.language.segql", match: word(alternatives(CONSTANTS)) },
      keyword: { name: "keyword.other.segql", match: word(alternatives(otherKeywords)) },
      punctuation: { patterns: [{ name: "punctuation.paren.segql", match: "[()]" }, { name: "punctuation.separator.segql", match: "[,;]" }] },
      name: { name: "variable.other.field.segql", match: source(T.Identifier) },
    },
  };
}

/** The grammar file's text. */
export function grammarText(): string {
  return `${JSON.stringify(buildGrammar(), null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const target = fileURLToPath(new URL("../editors/vscode/syntaxes/segql.tmLanguage.json", import.meta.url));
  writeFileSync(target, grammarText());
  console.log(`wrote ${target}`);
}
