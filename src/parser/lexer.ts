/**
 * The segql lexer: text → Chevrotain tokens, scanned by hand one character code at a time.
 *
 * Why not Chevrotain's `Lexer`: building it clones every token category (a sizeable part of a one-shot
 * CLI's start-up), and matching ~60 patterns in order, with a longer-alternative check for every keyword,
 * is the larger part of a parse. Here one switch on the first character decides the token, and a word is
 * scanned once and looked up among the keywords' spellings.
 *
 * The token definitions in vocabulary.ts stay the specification: keyword spellings are read from their
 * patterns, and test/parser/lexer.test.ts requires the tokens, comments and errors this produces to equal
 * what Chevrotain's `Lexer` makes of `allTokens` (positions included), on every kind of text.
 */
import type { ILexingError, ILexingResult, IToken, TokenType } from "chevrotain";
import { isIdentStart, scanIdentifier, scanQuotedName, scanStringEnd } from "./scan.js";
import * as T from "./vocabulary.js";

/**
 * The keyword a word is, by its spelling in lower case (words that are no keyword are identifiers).
 *
 * Chevrotain's rule, which this reproduces: patterns are tried in `allTokens` order, the first that matches
 * at the word's start wins, and a keyword (`longer_alt: Identifier`) yields to the identifier when the
 * identifier is longer. So a word is the keyword K only when K's pattern is the first to match there and
 * matches the whole word; a keyword whose pattern matches only a prefix makes the word an identifier.
 */
const KEYWORDS: ReadonlyMap<string, TokenType> = buildKeywordTable();
/** Longest keyword spelling: longer words are identifiers without a lookup. */
const LONGEST_KEYWORD = Math.max(...[...KEYWORDS.keys()].map((k) => k.length));

function buildKeywordTable(): Map<string, TokenType> {
  const keywords = T.allTokens.filter((t) => T.isKeyword(t));
  const spellings = keywords.map((t) => ({ type: t, spellings: spellingsOf(t) }));
  const table = new Map<string, TokenType>();
  for (const { spellings: words } of spellings) {
    for (const word of words) {
      // The first keyword (in lexing order) whose pattern matches at the start of `word`.
      for (const k of spellings) {
        const match = k.spellings.find((s) => word.startsWith(s));
        if (match === undefined) continue;
        if (match.length === word.length) table.set(word, k.type);
        break;
      }
    }
  }
  return table;
}

/**
 * The words a keyword pattern matches, in the order its regular expression tries them. Keyword patterns
 * are alternatives of lower-case words, each optionally ending in `s?` (`/minutes?/i`, `/average|avg/i`);
 * any other form is refused here, so a new kind of keyword pattern cannot be silently misread.
 */
function spellingsOf(type: TokenType): string[] {
  const pattern = type.PATTERN;
  if (!(pattern instanceof RegExp) || pattern.flags !== "i") throw new Error(`keyword ${type.name}: expected a /…/i pattern`);
  return pattern.source.split("|").flatMap((alt) => {
    const optional = /^([a-z]+)([a-z])\?$/.exec(alt);
    if (optional) return [optional[1]! + optional[2]!, optional[1]!];
    if (/^[a-z]+$/.test(alt)) return [alt];
    throw new Error(`keyword ${type.name}: cannot read the pattern /${pattern.source}/`);
  });
}

/** The keyword `word` is (any case), or `Identifier`. */
function keywordOf(word: string): TokenType {
  return KEYWORDS.get(word) ?? (hasUpperCase(word) ? KEYWORDS.get(word.toLowerCase()) : undefined) ?? T.Identifier;
}

function hasUpperCase(word: string): boolean {
  for (let i = 0; i < word.length; i++) {
    const c = word.charCodeAt(i);
    if (c >= 65 && c <= 90) return true;
  }
  return false;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** `[ \t\r\n\f\v\u00a0\ufeff]`, the `WhiteSpace` token's characters. */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0xfeff;
}

/** `-?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?` at `i`: the end offset, or -1. */
function scanNumber(text: string, i: number): number {
  let j = i;
  if (text.charCodeAt(j) === 45) j++;
  if (isDigit(text.charCodeAt(j))) {
    j++;
    while (isDigit(text.charCodeAt(j))) j++;
    if (text.charCodeAt(j) === 46 && isDigit(text.charCodeAt(j + 1))) {
      j += 2;
      while (isDigit(text.charCodeAt(j))) j++;
    }
  } else if (text.charCodeAt(j) === 46 && isDigit(text.charCodeAt(j + 1))) {
    j += 2;
    while (isDigit(text.charCodeAt(j))) j++;
  } else return -1;
  const e = text.charCodeAt(j);
  if (e === 101 || e === 69) {
    let k = j + 1;
    const sign = text.charCodeAt(k);
    if (sign === 43 || sign === 45) k++;
    if (isDigit(text.charCodeAt(k))) {
      k++;
      while (isDigit(text.charCodeAt(k))) k++;
      j = k;
    }
  }
  return j;
}

/** Two digits at `i`. */
function twoDigits(text: string, i: number): boolean {
  return isDigit(text.charCodeAt(i)) && isDigit(text.charCodeAt(i + 1));
}

/** `\d{4}-\d{2}-\d{2}` at `i`. */
function isDate(text: string, i: number): boolean {
  return twoDigits(text, i) && twoDigits(text, i + 2) && text.charCodeAt(i + 4) === 45 && twoDigits(text, i + 5) &&
    text.charCodeAt(i + 7) === 45 && twoDigits(text, i + 8);
}

/**
 * After a date at `i`: `T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|z|[+-]\d{2}(?::?\d{2})?)?`, the end of the
 * timestamp, or -1.
 */
function scanTimeOfDay(text: string, i: number): number {
  if (text.charCodeAt(i) !== 84 || !twoDigits(text, i + 1) || text.charCodeAt(i + 3) !== 58 || !twoDigits(text, i + 4)) return -1;
  let j = i + 6;
  if (text.charCodeAt(j) === 58 && twoDigits(text, j + 1)) {
    j += 3;
    if (text.charCodeAt(j) === 46 && isDigit(text.charCodeAt(j + 1))) {
      j += 2;
      while (isDigit(text.charCodeAt(j))) j++;
    }
  }
  const z = text.charCodeAt(j);
  if (z === 90 || z === 122) return j + 1;
  if ((z === 43 || z === 45) && twoDigits(text, j + 1)) {
    const k = j + 3;
    if (text.charCodeAt(k) === 58 && twoDigits(text, k + 1)) return k + 3;
    if (twoDigits(text, k)) return k + 2;
    return k;
  }
  return j;
}

/** End offset of the last match (set by `match`), so a match returns its type without an allocation. */
let matchEnd = 0;

/**
 * The token at `i` (not whitespace), its end in `matchEnd`; null when no token starts there. The cases
 * follow `allTokens`' order where patterns compete for a first character (`--` is a comment before it is
 * a number; a timestamp before a date before a number; `<=` and `<>` before `<`).
 */
function match(text: string, i: number): TokenType | null {
  const c = text.charCodeAt(i);
  switch (c) {
    case 40: matchEnd = i + 1; return T.LParen;
    case 41: matchEnd = i + 1; return T.RParen;
    case 44: matchEnd = i + 1; return T.Comma;
    case 59: matchEnd = i + 1; return T.Semicolon;
    case 61: matchEnd = text.charCodeAt(i + 1) === 61 ? i + 2 : i + 1; return T.Equal;
    case 60: {
      const next = text.charCodeAt(i + 1);
      if (next === 61) { matchEnd = i + 2; return T.LessEqual; }
      if (next === 62) { matchEnd = i + 2; return T.NotEqual; }
      matchEnd = i + 1;
      return T.Less;
    }
    case 62:
      if (text.charCodeAt(i + 1) === 61) { matchEnd = i + 2; return T.GreaterEqual; }
      matchEnd = i + 1;
      return T.Greater;
    case 33:
      if (text.charCodeAt(i + 1) === 61) { matchEnd = i + 2; return T.NotEqual; }
      return null;
    case 34:
    case 39: {
      const end = scanStringEnd(text, i);
      matchEnd = end > 0 ? end : -end;
      return end > 0 ? T.StringLiteral : T.UnterminatedString;
    }
    case 96: {
      const end = scanQuotedName(text, i);
      if (end < 0) return null;
      matchEnd = end;
      return T.QuotedIdentifier;
    }
    case 45: {
      if (text.charCodeAt(i + 1) === 45) {
        let j = i + 2;
        for (let d = text.charCodeAt(j); j < text.length && d !== 10 && d !== 13; d = text.charCodeAt(++j));
        matchEnd = j;
        return T.Comment;
      }
      const end = scanNumber(text, i);
      if (end < 0) return null;
      matchEnd = end;
      return T.NumberLiteral;
    }
    case 46: {
      const end = scanNumber(text, i);
      if (end < 0) return null;
      matchEnd = end;
      return T.NumberLiteral;
    }
    default:
      break;
  }
  if (isDigit(c)) {
    if (isDate(text, i)) {
      const end = scanTimeOfDay(text, i + 10);
      if (end >= 0) { matchEnd = end; return T.TimestampLiteral; }
      matchEnd = i + 10;
      return T.DateLiteral;
    }
    matchEnd = scanNumber(text, i);
    return T.NumberLiteral;
  }
  if (isIdentStart(c)) {
    const end = scanIdentifier(text, i);
    matchEnd = end;
    return end - i > LONGEST_KEYWORD ? T.Identifier : keywordOf(text.slice(i, end));
  }
  if (isSpace(c)) {
    let j = i + 1;
    while (j < text.length && isSpace(text.charCodeAt(j))) j++;
    matchEnd = j;
    return T.WhiteSpace;
  }
  return null;
}

/** A token as Chevrotain's lexer makes it with full position tracking (same fields, same order). */
function token(text: string, start: number, end: number, type: TokenType, line: number, column: number): IToken {
  return {
    image: text.slice(start, end),
    startOffset: start,
    endOffset: end - 1,
    startLine: line,
    endLine: line,
    startColumn: column,
    endColumn: column + end - start - 1,
    tokenTypeIdx: type.tokenTypeIdx!,
    tokenType: type,
  };
}

/** What `lex` finds: tokens, comments, errors, and the line and column just past the end of the text. */
export interface Lexed {
  tokens: IToken[];
  comments: IToken[];
  errors: ILexingError[];
  endLine: number;
  endColumn: number;
}

/**
 * Tokenizes `text` as Chevrotain's `Lexer` over `allTokens` does (full position tracking): significant
 * tokens, `--` comments in `groups.comments`, and one error per run of characters where no token starts.
 */
export function tokenize(text: string): ILexingResult {
  const { tokens, comments, errors } = lex(text);
  return { tokens, groups: { comments }, errors };
}

/** `tokenize`, with comments apart and the position of the end of the text. */
export function lex(text: string): Lexed {
  const tokens: IToken[] = [];
  const comments: IToken[] = [];
  const errors: ILexingError[] = [];
  const n = text.length;
  let line = 1;
  let lineStart = 0;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) {
      // Line breaks are \n, \r\n and \r, as Chevrotain counts them; only whitespace holds them.
      do {
        const d = text.charCodeAt(i);
        if (d === 10 || d === 13) {
          if (d === 13 && text.charCodeAt(i + 1) === 10) i++;
          line++;
          lineStart = i + 1;
        }
        i++;
      } while (i < n && isSpace(text.charCodeAt(i)));
      continue;
    }
    if (isIdentStart(c)) {
      // The commonest token, inlined: the image is sliced once and serves as the keyword lookup's key.
      const end = scanIdentifier(text, i);
      const image = text.slice(i, end);
      const type = end - i > LONGEST_KEYWORD ? T.Identifier : keywordOf(image);
      const column = i - lineStart + 1;
      tokens.push({
        image,
        startOffset: i,
        endOffset: end - 1,
        startLine: line,
        endLine: line,
        startColumn: column,
        endColumn: column + end - i - 1,
        tokenTypeIdx: type.tokenTypeIdx!,
        tokenType: type,
      });
      i = end;
      continue;
    }
    const type = match(text, i);
    if (type !== null) {
      const t = token(text, i, matchEnd, type, line, i - lineStart + 1);
      if (type === T.Comment) comments.push(t);
      else tokens.push(t);
      i = matchEnd;
      continue;
    }
    // No token starts here: skip to the next character where one does (whitespace included).
    const start = i;
    do i++;
    while (i < n && !isSpace(text.charCodeAt(i)) && match(text, i) === null);
    errors.push({
      offset: start,
      line,
      column: start - lineStart + 1,
      length: i - start,
      message: `unexpected character: ->${text.charAt(start)}<- at offset: ${start}, skipped ${i - start} characters.`,
    });
  }
  return { tokens, comments, errors, endLine: line, endColumn: n - lineStart + 1 };
}

/** The lexer, with the interface of a Chevrotain `Lexer` (`segqlLexer.tokenize(text)`). */
export const segqlLexer = { tokenize };
