/**
 * Per-piece views of a document's structure: semantic tokens (from the lexer's tokens, refined by the AST so a
 * soft keyword used as a field name is a field) and folding ranges. Both are computed once per piece text and
 * moved to the piece's place in the document.
 */
import type { Comment } from "../parser/ast.js";
import * as T from "../parser/tokens.js";
import type { PieceParse } from "./analysis.js";
import { isKeywordType, matchesType } from "./tokens.js";
import type { FoldingRange, SemanticToken, SemanticTokenType } from "./types.js";
import { forEachScoped } from "./walk.js";

const semanticCache = new WeakMap<PieceParse, SemanticToken[]>();
const foldingCache = new WeakMap<PieceParse, FoldingRange[]>();

/** Classified tokens of a piece, with piece-relative offsets, in order. */
export function pieceSemanticTokens(p: PieceParse): SemanticToken[] {
  let cached = semanticCache.get(p);
  if (cached) return cached;
  const roles = new Map<number, { type: SemanticTokenType; declaration?: boolean }>();
  const doc = p.document;
  for (const d of doc.segments) {
    if (d.nameSpan && !doc.bare) roles.set(d.nameSpan.start, { type: "segment", declaration: true });
  }
  forEachScoped(doc.segments, (e, scope) => {
    switch (e.kind) {
      case "rule":
        roles.set(e.field.span.start, { type: scope.kind === "event" ? "property" : "field" });
        break;
      case "segmentRef":
        roles.set(e.nameSpan.start, { type: "segment" });
        break;
      case "event":
        if (e.name.kind === "string") roles.set(e.name.span.start, { type: "event" });
        if (e.measure?.kind === "aggregate") roles.set(e.measure.property.span.start, { type: "property" });
        break;
      default:
        break;
    }
  });
  const out: SemanticToken[] = [];
  const comments: Comment[] = doc.comments;
  let ci = 0;
  const pushComment = (c: Comment) => out.push({ from: c.span.start, to: c.span.end, type: "comment", modifiers: [] });
  for (const t of p.tokens) {
    while (ci < comments.length && comments[ci]!.span.start < t.startOffset) pushComment(comments[ci++]!);
    const role = roles.get(t.startOffset);
    let type: SemanticTokenType | null = role?.type ?? null;
    if (!type) {
      const tt = t.tokenType;
      if (tt === T.StringLiteral || tt === T.UnterminatedString) type = "string";
      else if (tt === T.NumberLiteral || tt === T.DateLiteral || tt === T.TimestampLiteral) type = "number";
      else if (matchesType(tt, T.CompareOp)) type = "operator";
      else if (isKeywordType(tt)) type = "keyword";
    }
    if (type) out.push({ from: t.startOffset, to: t.endOffset! + 1, type, modifiers: role?.declaration ? ["declaration"] : [] });
  }
  while (ci < comments.length) pushComment(comments[ci++]!);
  semanticCache.set(p, out);
  return out;
}

/**
 * Gives `to`, a parse of `from` moved by an edit inside one token (src/parser/incremental.ts), the semantic
 * tokens of `from` moved the same way, when they were made: the same tree gives the same classes, so only
 * offsets from `moved.end` on change (the objects before it are shared).
 */
export function moveSemanticTokens(from: PieceParse, to: PieceParse, moved: { end: number; delta: number }): void {
  const previous = semanticCache.get(from);
  if (!previous) return;
  const { end, delta } = moved;
  const out = new Array<SemanticToken>(previous.length);
  for (let i = 0; i < previous.length; i++) {
    const t = previous[i]!;
    out[i] = t.to < end ? t : { from: t.from >= end ? t.from + delta : t.from, to: t.to + delta, type: t.type, modifiers: t.modifiers };
  }
  semanticCache.set(to, out);
}

/**
 * Foldable regions of a piece: declarations and parenthesised groups over several lines, and runs of two or
 * more comment lines. Offsets are piece-relative; a range ends where its last line ends.
 */
export function pieceFoldingRanges(p: PieceParse): FoldingRange[] {
  let cached = foldingCache.get(p);
  if (cached) return cached;
  const out: FoldingRange[] = [];
  const lineOf = (offset: number) => lineIndexOf(p.lineStarts, offset);
  if (!p.document.bare) {
    for (const d of p.document.segments) {
      if (lineOf(d.span.start) < lineOf(Math.max(d.span.start, d.span.end - 1))) out.push({ from: d.span.start, to: d.span.end, kind: "region" });
    }
  }
  const open: number[] = [];
  for (const t of p.tokens) {
    if (t.tokenType === T.LParen) open.push(t.startOffset);
    else if (t.tokenType === T.RParen) {
      const start = open.pop();
      if (start !== undefined && lineOf(start) < lineOf(t.startOffset)) out.push({ from: start, to: t.endOffset! + 1, kind: "region" });
    }
  }
  const comments = p.document.comments;
  for (let i = 0; i < comments.length;) {
    let j = i;
    while (j + 1 < comments.length && lineOf(comments[j + 1]!.span.start) === lineOf(comments[j]!.span.start) + 1 &&
      onlyCommentOnLine(p, comments[j + 1]!)) j++;
    if (j > i) out.push({ from: comments[i]!.span.start, to: comments[j]!.span.end, kind: "comment" });
    i = j + 1;
  }
  out.sort((a, b) => a.from - b.from || b.to - a.to);
  foldingCache.set(p, out);
  return out;
}

function onlyCommentOnLine(p: PieceParse, c: Comment): boolean {
  const line = lineIndexOf(p.lineStarts, c.span.start);
  return p.text.slice(p.lineStarts[line]!, c.span.start).trim() === "";
}

/** 0-based index of the line holding `offset`. */
export function lineIndexOf(lineStarts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lineStarts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
