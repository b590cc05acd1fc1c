/**
 * The segql tokens: the vocabulary (vocabulary.ts: Chevrotain token types, keyword lists) and the lexer
 * (lexer.ts), under the one name the rest of segql imports them by.
 */
export * from "./vocabulary.js";
export { segqlLexer, tokenize } from "./lexer.js";
