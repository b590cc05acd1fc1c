/**
 * What each comment follows on its line: the token before it, when one is on the comment's line. The
 * formatter keeps such a comment after the token that one is printed as (see format.ts), so it needs the
 * token's kind and start, and for a parenthesis the text the pair encloses (which node it opens or closes:
 * the AST keeps no parentheses).
 */
import type { IToken } from "chevrotain";
import type { Comment, CommentFollows } from "./ast.js";
import { tokenSpan } from "./literals.js";
import { LParen, RParen } from "./vocabulary.js";

/** `comments` (in text order) as document comments, each with what it follows on its line. */
export function commentsWithFollows(tokens: readonly IToken[], comments: readonly IToken[]): Comment[] {
  const out: Comment[] = [];
  let pairs: Map<number, Enclosed> | null = null;
  let next = 0; // index of the first token after the comment
  for (const c of comments) {
    while (next < tokens.length && tokens[next]!.startOffset < c.startOffset) next++;
    const comment: Comment = { text: c.image, span: tokenSpan(c) };
    const before = tokens[next - 1];
    if (before && (before.endLine ?? before.startLine) === c.startLine) {
      const follows: CommentFollows = {
        token: before.tokenType.name, start: before.startOffset, end: before.endOffset! + 1, ordinal: sameKindBefore(tokens, next - 1),
      };
      if (before.tokenType === LParen || before.tokenType === RParen) {
        pairs ??= enclosedByParens(tokens);
        const inner = pairs.get(before.startOffset);
        if (inner) follows.inner = inner;
      }
      comment.follows = follows;
    }
    out.push(comment);
  }
  return out;
}

/** Kinds of tokens that are a field, value or number: where a run of keywords ends. */
const LEAF_KINDS = new Set(["Identifier", "QuotedIdentifier", "StringLiteral", "UnterminatedString", "NumberLiteral", "DateLiteral", "TimestampLiteral"]);

/**
 * How many tokens of the kind of `tokens[i]` come before it since the last field, value or number: which of
 * two alike keywords between the same two values it is (the first or second `with` of `with first time
 * ends with`).
 */
export function sameKindBefore(tokens: readonly { tokenType: { name: string } }[], i: number): number {
  const kind = tokens[i]!.tokenType.name;
  let n = 0;
  for (let k = i - 1; k >= 0 && !LEAF_KINDS.has(tokens[k]!.tokenType.name); k--) if (tokens[k]!.tokenType.name === kind) n++;
  return n;
}

/**
 * For each matched `(` and `)`, by start offset: where the text the pair encloses starts, past any `(` right
 * inside it, and where it may end: at its last token, or at one of the `)` right before the closing one
 * (`(a and (b or c))`: the AST's node for it ends at `c`; `(x in (1, 2))`: the rule ends at its `)`).
 */
function enclosedByParens(tokens: readonly IToken[]): Map<number, Enclosed> {
  const pairs = new Map<number, Enclosed>();
  const open: number[] = [];
  tokens.forEach((t, j) => {
    if (t.tokenType === LParen) open.push(j);
    else if (t.tokenType === RParen && open.length > 0) {
      const i = open.pop()!;
      let first = i + 1;
      while (first < j && tokens[first]!.tokenType === LParen) first++;
      if (first >= j) return;
      const ends: number[] = [];
      for (let k = j - 1; k >= first; k--) {
        ends.push(tokens[k]!.endOffset! + 1);
        if (tokens[k]!.tokenType !== RParen) break;
      }
      const inner = { start: tokens[first]!.startOffset, ends };
      pairs.set(tokens[i]!.startOffset, inner);
      pairs.set(t.startOffset, inner);
    }
  });
  return pairs;
}

type Enclosed = NonNullable<CommentFollows["inner"]>;
