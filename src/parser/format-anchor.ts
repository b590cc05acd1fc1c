/**
 * The tokens of an anchor (a rule, a segment reference, an event's head) as the formatter prints it, each
 * with the start of the source token it stands for where the AST keeps one (a field, a value, a number):
 * what the formatter needs to keep a comment after the token it follows inside an anchor
 * (`tenure between -- from\n 1 and 5`).
 *
 * The printed text is parsed again and its leaves (fields, values, amounts, names) are paired with the
 * source node's leaves in the same order, so the printed tokens and the source ones meet at the leaves;
 * a keyword between two leaves is found by its kind among the printed keywords between the same two
 * leaves (`is greater than` prints as `>`: a comment after `greater` goes after `>`, the only keyword
 * there).
 */
import type { IToken } from "chevrotain";
import * as A from "./ast.js";
import { sameKindBefore } from "./comment-follows.js";
import { lex } from "./lexer.js";
import { parseTokens } from "./parser.js";

/** One token of an anchor's printed text. */
export interface PrintedToken {
  /** Token kind (Chevrotain token type name). */
  kind: string;
  /** Offsets in the printed text (end exclusive). */
  start: number;
  end: number;
  /** Start of the source token it prints, for a leaf (field, value, number, name); else null. */
  src: number | null;
  /** How many tokens of its kind come before it since the last field, value or number (`sameKindBefore`). */
  ordinal: number;
}

/** An anchor's printed tokens, and where its list's values (in list order) start and end, if it has a list. */
export interface AnchorTokens {
  tokens: PrintedToken[];
  /** Index of each value's first token. */
  valueStarts: number[];
  /** Index of each value's last token (`ago` of `30 days ago`). */
  valueEnds: number[];
}

/**
 * The printed tokens of `node` (a rule, segment reference or event without its filter) printed as `text`;
 * null if `text` does not parse to a node of the same shape (it always should).
 */
export function anchorTokens(node: A.Expr, text: string, listValues: (e: A.Expr) => A.Value[]): AnchorTokens | null {
  const lexed = lex(text);
  const end = { start: text.length, end: text.length, line: 1, column: text.length + 1 };
  const parsed = parseTokens(lexed.tokens, [], end);
  const printed = parsed.document.segments[0]?.expr;
  if (parsed.errors.length > 0 || !printed || printed.kind !== node.kind) return null;
  const from = leafStarts(node);
  const to = leafStarts(printed);
  if (from.length !== to.length) return null;
  const srcAt = new Map<number, number>();
  to.forEach((p, i) => srcAt.set(p, from[i]!));
  const tokens = lexed.tokens.map((t: IToken, i): PrintedToken => ({
    kind: t.tokenType.name, start: t.startOffset, end: t.endOffset! + 1, src: srcAt.get(t.startOffset) ?? null,
    ordinal: sameKindBefore(lexed.tokens, i),
  }));
  const starts = new Map(tokens.map((t, i) => [t.start, i]));
  const ends = new Map(tokens.map((t, i) => [t.end, i]));
  const values = listValues(printed);
  return { tokens, valueStarts: values.map((v) => starts.get(v.span.start) ?? -1), valueEnds: values.map((v) => ends.get(v.span.end) ?? -1) };
}

/**
 * The printed token a comment follows: the leaf printed from the source token it follows; else, among
 * the printed tokens between the same two leaves, the one of the same kind (the same one of two alike), or
 * the last there.
 */
export function tokenFollowed(tokens: PrintedToken[], follows: A.CommentFollows): number {
  const exact = tokens.findIndex((t) => t.src === follows.start);
  if (exact >= 0) return exact;
  // The leaf that comes last before the followed token in the source (leaves may be printed in another order).
  let leaf = -1;
  tokens.forEach((t, i) => {
    if (t.src !== null && t.src < follows.start && (leaf < 0 || t.src > tokens[leaf]!.src!)) leaf = i;
  });
  let last = -1;
  let sameKind = -1;
  for (let i = leaf + 1; i < tokens.length && tokens[i]!.src === null; i++) {
    last = i;
    if (tokens[i]!.kind === follows.token && (sameKind < 0 || tokens[sameKind]!.ordinal !== follows.ordinal)) sameKind = i;
  }
  if (sameKind >= 0) return sameKind;
  if (last >= 0) return last;
  return Math.max(leaf, 0);
}

/** The start offsets of a node's leaves, in an order that depends only on its shape. */
function leafStarts(e: A.Expr): number[] {
  const out: number[] = [];
  const value = (v: A.Value) => out.push(v.kind === "relative" ? v.amount.span.start : v.span.start);
  const test = (t: A.Test) => A.valuesOf(t).forEach(value);
  if (e.kind === "rule") {
    out.push(e.field.span.start);
    test(e.test);
  } else if (e.kind === "segmentRef") {
    out.push(e.nameSpan.start);
  } else if (e.kind === "event") {
    value(e.name);
    const m = e.measure;
    if (m?.kind === "count") out.push(m.count.span.start);
    else if (m?.kind === "aggregate") {
      out.push(m.property.span.start);
      test(m.test);
    } else if (m) test(m.test);
    const w = e.window;
    if (w?.kind === "within") out.push(w.amount.span.start);
    else if (w) {
      value(w.low);
      value(w.high);
    }
  }
  return out;
}
