/**
 * The pieces inputs are made of: real tokens of the language (every keyword, operator, literal form and
 * field name of the fuzz schemas), interesting characters, and a tokenizer for mutation and shrinking.
 *
 * The tokenizer here is deliberately independent of src/parser/tokens.ts: the fuzzer must not inherit the
 * lexer's bugs. It splits text into strings, backticked names, comments, whitespace, words, numbers and
 * timestamps, operators and single characters; joining the pieces gives the text back exactly.
 */
import type { Random } from "../random.js";

/** Every keyword of the language (hard and soft), lower-case. */
export const KEYWORDS: readonly string[] = [
  "and", "or", "not", "in", "is", "between", "contains", "starts", "ends", "has", "before", "after", "within",
  "true", "false", "performed", "minute", "minutes", "hour", "hours", "day", "days", "week", "weeks", "month",
  "months", "year", "years", "sum", "average", "avg", "min", "minimum", "max", "maximum", "today", "now", "to",
  "with", "empty", "equal", "greater", "less", "than", "at", "least", "most", "any", "all", "none", "last",
  "first", "ago", "time", "times", "exactly", "where", "of", "segment", "as", "title", "description",
];

/** Operators and punctuation. */
export const PUNCTUATION: readonly string[] = ["=", "==", "!=", "<>", "<", "<=", ">", ">=", "(", ")", ",", ";"];

/** Multi-word operators as written. */
export const PHRASES: readonly string[] = [
  "is not", "is equal to", "is greater than", "is less than", "is at least", "is at most", "not in", "not between",
  "not contains", "starts with", "ends with", "not starts with", "not ends with", "is empty", "is not empty",
  "has any", "has all", "has none", "not before", "not after", "within last", "not within last", "in segment",
  "not in segment", "performed", "not performed", "at least", "at most", "exactly", "with sum of", "with average of",
  "with min of", "with max of", "with first time", "with last time", "days ago", "where",
];

/** Field and property names of the fuzz schemas, as written (backticked where needed), plus unknown ones. */
export const FIELDS: readonly string[] = [
  "id", "email", "name", "status", "plan_type", "lifetime_value", "score", "is_vip", "opted_in", "birthday",
  "signed_up_at", "last_seen_at", "tags", "`Home City`", "count", "amount", "quantity", "currency", "channel",
  "gift", "shipped_at", "sku", "`*`", "`$`", "`a.b`", "`[0]`", "`it's`", "`with space`", "json_tags", "local_ts",
  "constructor", "`select`", "`quote\"d`", "unknown_field", "custom.plan", "a.b.c", "`and`", "`Ünïcödé name`",
  "`semi;colon`", "`back\\slash`", "`dq\"uote`", "ship_date", "labels", "plan", "churn", "tenure",
];

/** String literal contents (quoted by `quote`). */
export const STRINGS: readonly string[] = [
  "", "Subscribed", "Pro", "Purchase", "Refund", "Login", "Page View", "Won't say", "web", "vip", "EUR", "a",
  "%", "_", "\\", "it's", "say \"hi\"", "😀", "é", "e\u0301", "\u202eevil", "\u0000", "\ufeff", "日本語",
  "' OR '1'='1", "\"); drop table contacts; --", "$.*", "${x}", "__proto__", "\u2028",
];

/** Number literals, ordinary and extreme. */
export const NUMBERS: readonly string[] = [
  "0", "1", "-1", "2", "3", "7", "30", "90", "365", "1000", "0.5", "-0", ".5", "1e3", "2.5E-4", "1e308", "1e400",
  "-1e400", "1e-400", "9007199254740993", "12345678901234567890", "1202412024", "-5", "007", "1e+10",
];

/** Date and timestamp literals, valid and not. */
export const TIMES: readonly string[] = [
  "2024-01-01", "2024-02-29", "2023-02-29", "2024-13-01", "0000-01-01", "9999-12-31", "1900-01-01",
  "2024-01-01T10:00:00Z", "2024-01-01T10:00Z", "2024-01-01T10:00:00.123456789+05:30", "2024-01-01T24:00:00Z",
  "2024-01-01T10:00:00-0800", "2024-01-01T10:00:00+14", "9999-12-31T23:59:59.999Z", "0001-01-01T00:00:00Z",
];

/** Characters that stress lexers, line tables and terminals. */
export const ODD_CHARS: readonly string[] = [
  "\u0000", "\ufeff", "\u202e", "\u200f", "\u061c", "\u200b", "\u200d", "\u0301", "\u0336", "\u2028", "\u2029",
  "\r", "\r\n", "\n", "\t", "\v", "\f", "\u00a0", "\u3000", "\ud800", "\udfff", "\ud83d", "😀", "👩‍👩‍👧", "Ａ",
  "ß", "İ", "\u212a", "\\", "\"", "'", "`", "-", "&", "|", "!", "$", "{", "}", "[", "]", "#", "@", "*", "/",
  "\u0085", "\u007f", "\u001b",
];

/** A double- or single-quoted string literal of `s`, escaping what the lexer needs escaped. */
export function quote(s: string, q: '"' | "'" = '"'): string {
  let out = q;
  for (const ch of s) {
    if (ch === q || ch === "\\") out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else out += ch;
  }
  return out + q;
}

/** A keyword in random case (lower, upper, capitalised, or mixed). */
export function keywordCase(rng: Random, word: string): string {
  switch (rng.int(0, 5)) {
    case 0:
      return word.toUpperCase();
    case 1:
      return word.charAt(0).toUpperCase() + word.slice(1);
    case 2:
      return [...word].map((c) => (rng.chance(0.5) ? c.toUpperCase() : c)).join("");
    default:
      return word;
  }
}

/** One real token (or short phrase) of the language, as text. */
export function randomToken(rng: Random): string {
  switch (rng.int(0, 11)) {
    case 0:
    case 1:
      return keywordCase(rng, rng.pick(KEYWORDS));
    case 2:
      return keywordCase(rng, rng.pick(PHRASES));
    case 3:
    case 4:
      return rng.pick(PUNCTUATION);
    case 5:
    case 6:
      return rng.pick(FIELDS);
    case 7:
      return quote(rng.pick(STRINGS), rng.chance(0.8) ? '"' : "'");
    case 8:
      return rng.pick(NUMBERS);
    case 9:
      return rng.pick(TIMES);
    case 10:
      return rng.chance(0.5) ? `-- ${rng.pick(STRINGS)}\n` : rng.pick(["`", "\"", "'", "--", "``", "\"unterminated", "`open"]);
    default:
      return rng.pick(ODD_CHARS);
  }
}

/** Whitespace between tokens: usually a space, sometimes nothing, a line break or a run of blanks. */
export function separator(rng: Random): string {
  return rng.weighted<string>([[12, " "], [2, "\n"], [1, ""], [1, "  \t"], [1, "\r\n"], [1, "\n\n  "]]);
}

const TOKEN = /"(?:[^"\\\r\n]|\\[^\r\n])*"?|'(?:[^'\\\r\n]|\\[^\r\n])*'?|`(?:[^`\r\n]|``)*`?|--[^\r\n]*|\s+|[A-Za-z_][A-Za-z0-9_.]*|\d{4}-\d{2}-\d{2}(?:T[\d:.]+(?:[Zz]|[+-][\d:]+)?)?|-?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?|[<>!=]=|<>|[\s\S]/gu;

/** Splits text into tokens whose concatenation is the text (whitespace and comments are tokens too). */
export function splitTokens(text: string): string[] {
  return text.match(TOKEN) ?? [];
}

/** True for a whitespace token. */
export function isBlank(token: string): boolean {
  return /^\s+$/.test(token);
}
