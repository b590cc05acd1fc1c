/**
 * The segql token vocabulary: Chevrotain token types shared by the parser, the lexer (lexer.ts), the
 * formatter's comment handling, syntax highlighting and completion. The patterns here are the lexer's
 * specification: lexer.ts scans by hand what they describe, and a test holds it to what Chevrotain's own
 * `Lexer` makes of these definitions.
 *
 * Keywords come before `Identifier`, each with `longer_alt: Identifier` so `android` or `in_trial` stay
 * identifiers. Keywords are split in two kinds:
 * - hard keywords can never be field names (they start rules or follow a field as operators);
 * - soft keywords are also in the `Identifier` category, so `count`, `last`, `segment` or `days` remain
 *   usable as field names wherever a field is expected.
 */
import { createToken, Lexer, type CustomPatternMatcherReturn, type TokenType } from "chevrotain";
import { scanIdentifier, scanQuotedName, scanString } from "./scan.js";

const ASCII_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/**
 * A hand-written pattern for Chevrotain, carrying the equivalent regular expression's `source` for tools
 * that need a regular expression (scripts/gen-textmate-grammar.ts builds the editor grammar from it), and
 * serialised as that source, as a regular expression pattern is (grammar/diagrams.html).
 */
function scanned(source: RegExp, exec: (text: string, offset: number) => CustomPatternMatcherReturn | null) {
  return { exec, source: source.source, toJSON: () => source.source };
}

/** A match as Chevrotain takes it from a custom pattern: an array holding the image. */
function matched(text: string, start: number, end: number): CustomPatternMatcherReturn {
  return [text.slice(start, end)] as CustomPatternMatcherReturn;
}

/** Identifiers: `[A-Za-z_][A-Za-z0-9_]*`, optionally dotted (`custom.plan_type`). */
export const Identifier = createToken({
  name: "Identifier",
  pattern: scanned(/[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/, (text, offset) => {
    const end = scanIdentifier(text, offset);
    return end < 0 ? null : matched(text, offset, end);
  }),
  start_chars_hint: [...ASCII_LETTERS, "_"],
  line_breaks: false,
  label: "a field name",
});

const hard = (name: string, pattern: RegExp, label: string): TokenType =>
  createToken({ name, pattern, longer_alt: Identifier, label });
const soft = (name: string, pattern: RegExp, label: string, categories: TokenType[] = []): TokenType =>
  createToken({ name, pattern, longer_alt: Identifier, label, categories: [Identifier, ...categories] });

export const WhiteSpace = createToken({ name: "WhiteSpace", pattern: /[ \t\r\n\f\v\u00a0\ufeff]+/, group: Lexer.SKIPPED });
/** `--` to the end of the line. Kept in a group so the formatter can keep comments. */
export const Comment = createToken({ name: "Comment", pattern: /--[^\r\n]*/, group: "comments" });

// Literals. Timestamps and dates come before numbers, which they start like.
export const TimestampLiteral = createToken({
  name: "TimestampLiteral",
  pattern: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|z|[+-]\d{2}(?::?\d{2})?)?/,
  label: "a timestamp",
});
export const DateLiteral = createToken({ name: "DateLiteral", pattern: /\d{4}-\d{2}-\d{2}/, label: "a date" });
export const NumberLiteral = createToken({
  name: "NumberLiteral",
  pattern: /-?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?/,
  label: "a number",
});
/** Double- or single-quoted strings with backslash escapes; no raw line breaks inside. */
export const StringLiteral = createToken({
  name: "StringLiteral",
  pattern: scanned(/"(?:[^"\\\r\n]|\\[^\r\n])*"|'(?:[^'\\\r\n]|\\[^\r\n])*'/, (text, offset) => {
    const s = scanString(text, offset);
    return s?.terminated ? matched(text, offset, s.end) : null;
  }),
  start_chars_hint: ['"', "'"],
  line_breaks: false,
  label: "a string",
});
/** A string whose closing quote is missing on its line; the parser reports it and reads it as a string. */
export const UnterminatedString = createToken({
  name: "UnterminatedString",
  pattern: scanned(/"(?:[^"\\\r\n]|\\[^\r\n])*\\?|'(?:[^'\\\r\n]|\\[^\r\n])*\\?/, (text, offset) => {
    const s = scanString(text, offset);
    return s && !s.terminated ? matched(text, offset, s.end) : null;
  }),
  start_chars_hint: ['"', "'"],
  line_breaks: false,
  label: "a string",
});
/** `` `Plan Type` ``: any name in backticks; a doubled backtick stands for one. */
export const QuotedIdentifier = createToken({
  name: "QuotedIdentifier",
  pattern: scanned(/`(?:[^`\r\n]|``)*`/, (text, offset) => {
    const end = scanQuotedName(text, offset);
    return end < 0 ? null : matched(text, offset, end);
  }),
  start_chars_hint: ["`"],
  line_breaks: false,
  label: "a field name",
});

// Punctuation and comparison operators. `CompareOp` is the family the parser consumes.
export const CompareOp = createToken({ name: "CompareOp", pattern: Lexer.NA, label: "a comparison operator" });
export const LessEqual = createToken({ name: "LessEqual", pattern: /<=/, categories: CompareOp, label: "'<='" });
export const GreaterEqual = createToken({ name: "GreaterEqual", pattern: />=/, categories: CompareOp, label: "'>='" });
export const NotEqual = createToken({ name: "NotEqual", pattern: /!=|<>/, categories: CompareOp, label: "'!='" });
export const Equal = createToken({ name: "Equal", pattern: /==?/, categories: CompareOp, label: "'='" });
export const Less = createToken({ name: "Less", pattern: /</, categories: CompareOp, label: "'<'" });
export const Greater = createToken({ name: "Greater", pattern: />/, categories: CompareOp, label: "'>'" });
export const LParen = createToken({ name: "LParen", pattern: /\(/, label: "'('" });
export const RParen = createToken({ name: "RParen", pattern: /\)/, label: "')'" });
export const Comma = createToken({ name: "Comma", pattern: /,/, label: "','" });
export const Semicolon = createToken({ name: "Semicolon", pattern: /;/, label: "';'" });

// Hard keywords.
export const And = hard("And", /and/i, "'and'");
export const Or = hard("Or", /or/i, "'or'");
export const Not = hard("Not", /not/i, "'not'");
export const In = hard("In", /in/i, "'in'");
export const Is = hard("Is", /is/i, "'is'");
export const Between = hard("Between", /between/i, "'between'");
export const Contains = hard("Contains", /contains/i, "'contains'");
export const Starts = hard("Starts", /starts/i, "'starts'");
export const Ends = hard("Ends", /ends/i, "'ends'");
export const Has = hard("Has", /has/i, "'has'");
export const Before = hard("Before", /before/i, "'before'");
export const After = hard("After", /after/i, "'after'");
export const Within = hard("Within", /within/i, "'within'");
export const True = hard("True", /true/i, "'true'");
export const False = hard("False", /false/i, "'false'");
export const Performed = hard("Performed", /performed/i, "'performed'");

// Time units: a category, so the parser takes any of them where a unit is expected.
export const Unit = createToken({ name: "Unit", pattern: Lexer.NA, label: "a time unit" });
export const Minutes = soft("Minutes", /minutes?/i, "'minutes'", [Unit]);
export const Hours = soft("Hours", /hours?/i, "'hours'", [Unit]);
export const Days = soft("Days", /days?/i, "'days'", [Unit]);
export const Weeks = soft("Weeks", /weeks?/i, "'weeks'", [Unit]);
export const Months = soft("Months", /months?/i, "'months'", [Unit]);
export const Years = soft("Years", /years?/i, "'years'", [Unit]);

/** `within last …` / `within next …`: a category, so one token is expected there and named in messages. */
export const Direction = createToken({ name: "Direction", pattern: Lexer.NA, label: "'last' or 'next'" });

// Aggregates of an event property.
export const Aggregate = createToken({ name: "Aggregate", pattern: Lexer.NA, label: "an aggregate" });
export const Sum = soft("Sum", /sum/i, "'sum'", [Aggregate]);
export const Average = soft("Average", /average|avg/i, "'average'", [Aggregate]);
export const Minimum = soft("Minimum", /minimum|min/i, "'min'", [Aggregate]);
export const Maximum = soft("Maximum", /maximum|max/i, "'max'", [Aggregate]);

// Soft keywords: keywords in their place, field names elsewhere.
export const Today = soft("Today", /today/i, "'today'");
export const Now = soft("Now", /now/i, "'now'");
export const To = soft("To", /to/i, "'to'");
export const With = soft("With", /with/i, "'with'");
export const Empty = soft("Empty", /empty/i, "'empty'");
export const EqualKw = soft("EqualKw", /equal/i, "'equal'");
export const GreaterKw = soft("GreaterKw", /greater/i, "'greater'");
export const LessKw = soft("LessKw", /less/i, "'less'");
export const Than = soft("Than", /than/i, "'than'");
export const At = soft("At", /at/i, "'at'");
export const Least = soft("Least", /least/i, "'least'");
export const Most = soft("Most", /most/i, "'most'");
export const Any = soft("Any", /any/i, "'any'");
export const All = soft("All", /all/i, "'all'");
export const None = soft("None", /none/i, "'none'");
export const Last = soft("Last", /last/i, "'last'", [Direction]);
export const First = soft("First", /first/i, "'first'");
export const Ago = soft("Ago", /ago/i, "'ago'");
export const Next = soft("Next", /next/i, "'next'", [Direction]);
export const From = soft("From", /from/i, "'from'");
export const Times = soft("Times", /times?/i, "'times'");
export const Exactly = soft("Exactly", /exactly/i, "'exactly'");
export const Where = soft("Where", /where/i, "'where'");
export const Of = soft("Of", /of/i, "'of'");
export const Segment = soft("Segment", /segment/i, "'segment'");
export const As = soft("As", /as/i, "'as'");
export const Title = soft("Title", /title/i, "'title'");
export const Description = soft("Description", /description/i, "'description'");

/** Keyword tokens, hard and soft, for highlighting and completion. */
export const hardKeywords: readonly TokenType[] = [
  And, Or, Not, In, Is, Between, Contains, Starts, Ends, Has, Before, After, Within, True, False, Performed,
];
export const softKeywords: readonly TokenType[] = [
  Minutes, Hours, Days, Weeks, Months, Years, Sum, Average, Minimum, Maximum, Today, Now, To, With, Empty,
  EqualKw, GreaterKw, LessKw, Than, At, Least, Most, Any, All, None, Last, First, Ago, Next, From, Times, Exactly,
  Where, Of, Segment, As, Title, Description,
];

/**
 * Lexing order. First match wins, so a keyword that is a prefix of another comes after it (`today`
 * before `to`, `minutes` before `min`); `longer_alt` turns `android` into one identifier.
 */
export const allTokens: TokenType[] = [
  WhiteSpace,
  Comment,
  TimestampLiteral,
  DateLiteral,
  NumberLiteral,
  StringLiteral,
  UnterminatedString,
  QuotedIdentifier,
  LessEqual,
  GreaterEqual,
  NotEqual,
  Equal,
  Less,
  Greater,
  LParen,
  RParen,
  Comma,
  Semicolon,
  CompareOp,
  Unit,
  Aggregate,
  Direction,
  ...hardKeywords,
  Minutes,
  Hours,
  Days,
  Weeks,
  Months,
  Years,
  Sum,
  Average,
  Minimum,
  Maximum,
  Today,
  Now,
  To,
  With,
  Empty,
  EqualKw,
  GreaterKw,
  LessKw,
  Than,
  At,
  Least,
  Most,
  Any,
  All,
  None,
  Last,
  First,
  Ago,
  Next,
  From,
  Times,
  Exactly,
  Where,
  Of,
  Segment,
  As,
  Title,
  Description,
  Identifier,
];

/** True when `token` is a keyword of either kind (for highlighting). */
export function isKeyword(type: TokenType): boolean {
  return hardKeywords.includes(type) || softKeywords.includes(type);
}
