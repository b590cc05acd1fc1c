/**
 * Quick fixes for keywords written wrong: a word one edit from a keyword (`adn` → `and`, `ro` → `or`,
 * `nto` → `not`, `dayz` → `days`, `betwen` → `between`), C's `&&`, `||` and `!`, and a keyword left out
 * where the grammar needs it (`at least 3` without `times`, a declaration without `as`).
 *
 * A syntax error is where the parser noticed, which is the misspelt word itself or the token after it
 * (`nto is_verified` fails at `is_verified`). Each candidate edit there is tried by parsing the edited text
 * again: it is kept only when no error is left from the edit to the end of the token after it, and fewer
 * errors from the edit on than before (an error at the very end of an unfinished text aside). The fix is
 * offered only when the candidates kept mean one keyword (`day` and `days` are one; `or` and `to` are two,
 * and then nothing is offered): a guess between two meanings is the user's to make.
 */
import type { IToken } from "chevrotain";
import type { Diagnostic, Fix, Span } from "../diagnostics.js";
import * as T from "./vocabulary.js";

/** A keyword the grammar needs before the error's token, as `describe` found it (`times`, `as`). */
export interface MissingKeyword {
  /** Offset to insert at: the end of the token before the error. */
  at: number;
  keyword: string;
}

/**
 * The keywords a misspelt word may be meant as, grouped by meaning: the spellings of one group are the
 * same keyword to the parser (`day`/`days`), so a word near two of them is not ambiguous.
 */
const KEYWORD_GROUPS: readonly (readonly string[])[] = [
  ["and"], ["or"], ["not"], ["in"], ["is"], ["between"], ["contains"], ["starts"], ["ends"], ["has"], ["before"],
  ["after"], ["within"], ["true"], ["false"], ["performed"],
  ["minutes", "minute"], ["hours", "hour"], ["days", "day"], ["weeks", "week"], ["months", "month"], ["years", "year"],
  ["sum"], ["average", "avg"], ["minimum", "min"], ["maximum", "max"], ["today"], ["now"], ["to"], ["with"], ["empty"],
  ["equal"], ["greater"], ["less"], ["than"], ["at"], ["least"], ["most"], ["any"], ["all"], ["none"], ["last"],
  ["first"], ["ago"], ["next"], ["from"], ["times", "time"], ["exactly"], ["where"], ["of"], ["segment"], ["as"],
  ["title"], ["description"],
];

/** Group of each spelling. */
const GROUP_OF = new Map<string, number>(KEYWORD_GROUPS.flatMap((g, i) => g.map((k) => [k, i] as const)));

/** Groups whose second spelling is the singular (a unit, `time`): written after the amount 1. */
const SINGULAR_AFTER_ONE = new Set(["minute", "hour", "day", "week", "month", "year", "time"]);

/** C's operators, as the lexer refuses them. */
const SYMBOLS: Record<string, string> = { "&&": "and", "&": "and", "||": "or", "|": "or", "!": "not" };

/** At most this many errors of one text get fixes sought (each costs a parse per candidate). */
const MAX_ERRORS = 5;
/** At most this many characters are parsed again for one text's fixes, all candidates together. */
const MAX_REPARSED_CHARS = 500_000;

/** One candidate: replace `[start, end)` with `text`, meaning `keyword`. */
interface Candidate {
  start: number;
  end: number;
  text: string;
  keyword: string;
  /** The word replaced, when it is not the error's own token (the message names it). */
  word: string | null;
}

/**
 * `diagnostics` with a fix (and "did you mean") on each of the first errors where a keyword was plainly
 * meant. `reparse` parses a text without seeking fixes; `missing` holds what `describe` found missing; `spanOf`
 * gives a range's line and column.
 */
export function withKeywordFixes(
  text: string,
  tokens: readonly IToken[],
  diagnostics: Diagnostic[],
  missing: ReadonlyMap<Diagnostic, MissingKeyword>,
  reparse: (text: string) => readonly Diagnostic[],
  spanOf: (start: number, end: number) => Span,
): Diagnostic[] {
  let errors = 0;
  let budget = MAX_REPARSED_CHARS;
  /** Ranges fixed already: a later error that follows from the same word (recovery's echo) gets no second fix. */
  const fixed = new Set<string>();
  return diagnostics.map((d) => {
    if (d.severity !== "error" || d.fix || errors >= MAX_ERRORS) return d;
    errors++;
    const kept: Candidate[] = [];
    for (const c of candidates(text, tokens, d, missing.get(d))) {
      if (budget < text.length) break;
      budget -= text.length;
      if (clean(text, tokens, diagnostics, d, c, reparse)) kept.push(c);
    }
    const groups = new Set(kept.map((c) => GROUP_OF.get(c.keyword)));
    if (kept.length === 0 || groups.size !== 1) return d;
    const chosen = choose(kept, tokens);
    if (fixed.has(`${chosen.start}:${chosen.end}`)) return d;
    fixed.add(`${chosen.start}:${chosen.end}`);
    const insertion = chosen.start === chosen.end;
    const fix: Fix = {
      title: insertion ? `insert '${chosen.keyword}'` : `replace with '${chosen.keyword}'`,
      edits: [{ span: spanOf(chosen.start, chosen.end), text: chosen.text }],
    };
    // (`&&`: the message says what to write already)
    const hint = insertion || d.code === "unexpected-character" ? "" : chosen.word !== null ? `; did you mean '${chosen.keyword}' for '${chosen.word}'?` : `; did you mean '${chosen.keyword}'?`;
    return { ...d, message: d.message + hint, fix };
  });
}

/** The edits worth trying for one error: its token and the word before it respelt, a symbol, a missing keyword. */
function* candidates(text: string, tokens: readonly IToken[], d: Diagnostic, missing: MissingKeyword | undefined): Generator<Candidate> {
  if (d.code === "unexpected-character") {
    const run = text.slice(d.span.start, d.span.end);
    const keyword = SYMBOLS[run];
    // `!` before `=` is half of `!=` written apart (`! =`): not a `not`.
    if (keyword && !(run === "!" && /^\s*=/.test(text.slice(d.span.end)))) {
      yield { start: d.span.start, end: d.span.end, text: padded(text, d.span.start, d.span.end, keyword), keyword, word: null };
    }
    return;
  }
  if (missing) {
    yield { start: missing.at, end: missing.at, text: ` ${missing.keyword}`, keyword: missing.keyword, word: null };
  }
  const i = tokens.findIndex((t) => t.startOffset === d.span.start);
  const at = i >= 0 ? [i, i - 1] : [tokenBefore(tokens, d.span.start)];
  for (const j of at) {
    const t = tokens[j];
    if (!t || !isPlainWord(t)) continue;
    for (const keyword of GROUP_OF.keys()) {
      if (oneEditApart(t.image.toLowerCase(), keyword)) {
        yield { start: t.startOffset, end: t.endOffset! + 1, text: likeCase(t.image, keyword), keyword, word: j === i ? null : t.image };
      }
    }
  }
}

/**
 * Whether the edited text parses with no error from the edit to the end of the token after the error, and
 * with fewer errors from the edit on.
 */
function clean(text: string, tokens: readonly IToken[], original: readonly Diagnostic[], d: Diagnostic, c: Candidate, reparse: (text: string) => readonly Diagnostic[]): boolean {
  const edited = text.slice(0, c.start) + c.text + text.slice(c.end);
  const shift = c.text.length - (c.end - c.start);
  const from = Math.min(c.start, d.span.start);
  // The token after the error's (or after the edit) must read too: an edit that only moves the error one
  // token on is no fix.
  const last = Math.max(c.end, d.span.end);
  const next = tokens.find((t) => t.startOffset >= last);
  const to = (next ? next.endOffset! + 1 : text.length) + shift;
  const before = errorsFrom(original, from, text.length);
  const after = reparse(edited).filter((e) => e.severity === "error");
  if (after.some((e) => e.span.start >= from && e.span.start < Math.max(to, from + 1))) return false;
  // Fewer errors from the edit on: one that turns up further on instead (`email and with "x"` for
  // `email end with "x"`) is no fix. An error at the very end (the text is unfinished: `a > 1 adn`) counts
  // on neither side.
  return errorsFrom(after, from, edited.length) < Math.max(before, 1);
}

/** Errors starting at or after `from`, but not at `end`. */
function errorsFrom(ds: readonly Diagnostic[], from: number, end: number): number {
  let n = 0;
  for (const d of ds) if (d.severity === "error" && d.span.start >= from && d.span.start < end) n++;
  return n;
}

/** Of candidates of one group, the spelling that fits: the singular of a unit or `time` after the amount 1. */
function choose(kept: readonly Candidate[], tokens: readonly IToken[]): Candidate {
  if (kept.length === 1) return kept[0]!;
  const before = tokenBefore(tokens, kept[0]!.start);
  const one = before >= 0 && tokens[before]!.tokenType === T.NumberLiteral && Number(tokens[before]!.image) === 1;
  const singular = kept.find((c) => SINGULAR_AFTER_ONE.has(c.keyword));
  if (one && singular) return singular;
  return kept.find((c) => !SINGULAR_AFTER_ONE.has(c.keyword)) ?? kept[0]!;
}

/** A word that is no keyword: letters only, two or more (a misspelt keyword lexes as a field name). */
function isPlainWord(t: IToken): boolean {
  return t.tokenType === T.Identifier && t.startOffset >= 0 && /^[A-Za-z]{2,}$/.test(t.image);
}

/** Index of the last token ending at or before `offset`, or -1. */
function tokenBefore(tokens: readonly IToken[], offset: number): number {
  let found = -1;
  for (let i = 0; i < tokens.length && tokens[i]!.endOffset! + 1 <= offset; i++) found = i;
  return found;
}

/** Whether `a` becomes `b` by one insertion, deletion, substitution or swap of neighbours. */
export function oneEditApart(a: string, b: string): boolean {
  if (a === b) return false;
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  if (a.length === b.length) {
    if (a.slice(i + 1) === b.slice(i + 1)) return true; // substitution
    return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2); // swap
  }
  return a.length > b.length ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}

/** `keyword` in upper case when the word was written so (`ADN` → `AND`). */
function likeCase(word: string, keyword: string): string {
  return word.length > 1 && word === word.toUpperCase() ? keyword.toUpperCase() : keyword;
}

/** `keyword` with a space on each side that touches something (`a&&b` → `a and b`). */
function padded(text: string, start: number, end: number, keyword: string): string {
  const before = start > 0 && !/\s/.test(text[start - 1]!) ? " " : "";
  const after = end < text.length && !/\s/.test(text[end]!) ? " " : "";
  return `${before}${keyword}${after}`;
}
