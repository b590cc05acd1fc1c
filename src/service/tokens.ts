/**
 * Small questions about lexer tokens that several features ask: is it a word, a name, a keyword, and how is
 * it spelt canonically. Everything comes from the token definitions in `src/parser/tokens.ts`.
 */
import type { IToken, TokenType } from "chevrotain";
import * as T from "../parser/tokens.js";

const KEYWORDS: ReadonlySet<TokenType> = new Set([...T.hardKeywords, ...T.softKeywords]);

/** True for keyword tokens, hard or soft. */
export function isKeywordType(type: TokenType): boolean {
  return KEYWORDS.has(type);
}

/** True for a token that can be a field name: an identifier, a soft keyword, or a name in backticks. */
export function isNameToken(t: IToken): boolean {
  const type = t.tokenType;
  return type === T.Identifier || type === T.QuotedIdentifier || (type.CATEGORIES ?? []).includes(T.Identifier);
}

/** True for tokens a partial word can be: identifiers and keywords. */
export function isWordToken(t: IToken): boolean {
  return t.tokenType === T.Identifier || isKeywordType(t.tokenType);
}

/** True for string tokens (terminated or not). */
export function isStringToken(t: IToken): boolean {
  return t.tokenType === T.StringLiteral || t.tokenType === T.UnterminatedString;
}

/** The canonical spelling of a keyword or operator token type: `'>='` → `>=`, `'minutes'` → `minutes`. */
export function canonicalWord(type: TokenType): string {
  const label = typeof type.LABEL === "string" ? type.LABEL : type.name;
  return label.replace(/^'(.*)'$/, "$1").toLowerCase();
}

/** The canonical word of a token, for matching typed words against phrases (`<>` → `!=`, `avg` → `average`). */
export function tokenWord(t: IToken): string {
  const type = t.tokenType;
  if (isKeywordType(type) || (type.CATEGORIES ?? []).includes(T.CompareOp)) return canonicalWord(type);
  return t.image.toLowerCase();
}

/** The token type spelt by a canonical word (`>=` → GreaterEqual, `with` → With), if any. */
export function tokenTypeOfWord(word: string): TokenType | undefined {
  return WORD_TYPES.get(word);
}

const WORD_TYPES: ReadonlyMap<string, TokenType> = new Map(
  [...KEYWORDS, T.Equal, T.NotEqual, T.Less, T.LessEqual, T.Greater, T.GreaterEqual].map((t) => [canonicalWord(t), t]),
);

/** True when `type` is `target` or one of its categories is. */
export function matchesType(type: TokenType, target: TokenType): boolean {
  return type === target || (type.CATEGORIES ?? []).includes(target);
}

/** Decodes a name token: backticks removed (a doubled backtick is one) or the identifier as written. */
export function nameOf(t: IToken): string {
  return t.tokenType === T.QuotedIdentifier ? t.image.slice(1, -1).replace(/``/g, "`") : t.image;
}

/** Index of the last token starting before `offset` (binary search); -1 when none. */
export function lastTokenBefore(tokens: readonly IToken[], offset: number): number {
  let lo = 0;
  let hi = tokens.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (tokens[mid]!.startOffset < offset) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** Index of the token covering `offset` (`start <= offset < end`), or -1. */
export function tokenAt(tokens: readonly IToken[], offset: number): number {
  const i = lastTokenBefore(tokens, offset + 1);
  if (i < 0) return -1;
  const t = tokens[i]!;
  return offset < t.endOffset! + 1 ? i : -1;
}
