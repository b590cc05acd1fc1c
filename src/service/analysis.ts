/**
 * Incremental analysis of one document, so an edit in a 500-line segment file re-parses one declaration
 * rather than the whole file.
 *
 * A segment file is a sequence of declarations, and a declaration that starts a line starts a piece: the
 * text from there to the next such line is parsed on its own (`parse(pieceText)`), and a piece's result is
 * reused while its text is unchanged. This is exact, not an approximation, for these reasons:
 * - no token crosses a line break (strings, quoted names and comments end at the line's end), so lexing a
 *   piece gives the same tokens as lexing the whole text;
 * - a piece is accepted only when the parser itself reads its first token as the start of a declaration
 *   (its `document` rule's gate), and when the previous piece ends with a token that can end a declaration
 *   (a value, a name, `)`, `;`, a unit, `ago`, `times`, `empty`). Otherwise the piece is merged into the
 *   previous one, which is then parsed as a whole. A line `segment …` that ends the previous declaration's
 *   expression (a field named `segment`) therefore never splits it;
 * - a text that does not start with a declaration (a bare expression, or something before the first
 *   declaration) is parsed whole, in one piece.
 * For a text without syntax errors the pieces give exactly the AST of `parse(text)`
 * (test/service/analysis.test.ts checks this on generated files). With syntax errors, recovery stays inside
 * the broken declaration, where the whole-text parse may also swallow the next one.
 *
 * A long piece edited inside one token (a digit typed into a number of a 50 KB condition) is not parsed
 * again: its previous parse is moved and given the token's new value (src/parser/incremental.ts), when that
 * is certain to be what the parser would give.
 *
 * Spans of a piece are relative to the piece; `shift` moves them to the document when a whole-document
 * view is needed (the checker, the formatter). Pieces start at the beginning of a line, so only offsets and
 * line numbers move.
 */
import { lineStartsOf, type Diagnostic, type Span } from "../diagnostics.js";
import type { CommentFollows, SegmentDeclaration, SegqlDocument } from "../parser/ast.js";
import { parse, resolveLimits, type ParseOptions, type ParseResult } from "../parser/index.js";
import { reparseInsideToken, type Reparsed } from "../parser/incremental.js";
import { echoZone } from "../parser/recovered.js";
import * as T from "../parser/tokens.js";
import { moveSemanticTokens } from "./structure.js";
import type { IToken, TokenType } from "chevrotain";

/** The parse of one piece's text; immutable and shared by every piece with the same text. */
export interface PieceParse extends ParseResult {
  text: string;
  /** Line starts of the piece text, for converting relative offsets. */
  lineStarts: number[];
  /** The piece's comments (the parser keeps them in the document). */
}

/** One piece of a document: where it starts and its (relative) parse. */
export interface Piece {
  /** Offset of the piece's first character in the document; always the start of a line. */
  start: number;
  /** 1-based line of `start`. */
  line: number;
  /** Offset just past the piece. */
  end: number;
  parse: PieceParse;
}

/**
 * Pieces shorter than this are parsed again whole after an edit (it takes well under a millisecond); longer
 * ones first try the previous parse (`reparseInsideToken`).
 */
const REPARSE_FROM = 2_000;
/** Largest change of length, in UTF-16 units, for which a piece's previous parse is tried. */
const REPARSE_EDIT = 64;

/** Tokens after which a declaration may end, so a following line `segment …` starts a new one. */
const ENDING_TOKENS: ReadonlySet<TokenType> = new Set([
  T.StringLiteral, T.UnterminatedString, T.NumberLiteral, T.DateLiteral, T.TimestampLiteral, T.True, T.False,
  T.QuotedIdentifier, T.Identifier, T.RParen, T.Semicolon, T.Minutes, T.Hours, T.Days, T.Weeks, T.Months,
  T.Years, T.Ago, T.Times, T.Empty, T.Now, T.Today,
]);

/** `segment` as a keyword at the start of a line (after blanks), not the start of `segment_x` or `segment.x`. */
const LINE_STARTS_DECLARATION = /[ \t\f\v\u00a0\ufeff]*segment(?![A-Za-z0-9_]|\.[A-Za-z_])/iy;

/**
 * Parses pieces and remembers them by text. One cache per document is enough: an edit changes one or two
 * pieces, and the cache is rebuilt from the pieces in use after each analysis so it never grows.
 */
export class PieceCache {
  private entries = new Map<string, PieceParse>();
  /** The parses `get` gave since the last `retain`: the pieces of the document being split. */
  private handedOut = new Set<PieceParse>();

  private readonly maxInputBytes: number;

  /** `options` are `parse`'s (limits other than the defaults). */
  constructor(private readonly options: ParseOptions = {}) {
    this.maxInputBytes = resolveLimits(options.limits).maxInputBytes;
  }

  get(text: string): PieceParse {
    let p = this.entries.get(text);
    if (!p) {
      const reused = this.reparsed(text);
      p = { ...(reused?.result ?? parse(text, this.options)), text, lineStarts: lineStartsOf(text) };
      // The highlighting moves with the parse, when the previous text's was made.
      if (reused) moveSemanticTokens(reused.previous, p, reused.moved);
      this.entries.set(text, p);
    }
    this.handedOut.add(p);
    return p;
  }

  /**
   * A long piece edited inside one token (a digit typed into a number of a 50 KB condition) from the parse
   * of the piece it was (`reparseInsideToken`): the one retained piece of about its length whose text
   * differs from it in one short range. Null when there is none, or the parser must run.
   */
  private reparsed(text: string): (Reparsed & { previous: PieceParse }) | null {
    if (text.length < REPARSE_FROM) return null;
    for (const [before, previous] of this.entries) {
      // A parse another piece of this document uses would share nodes with this one (see incremental.ts).
      if (Math.abs(before.length - text.length) > REPARSE_EDIT || this.handedOut.has(previous)) continue;
      const reused = reparseInsideToken(before, previous, text, this.maxInputBytes);
      if (reused) return { ...reused, previous };
    }
    return null;
  }

  /** Marks a parse as used by a piece of the document being split, though `get` did not give it. */
  keep(p: PieceParse): void {
    this.handedOut.add(p);
  }

  /** Keeps only the entries used by `pieces`. */
  retain(pieces: readonly Piece[]): void {
    const next = new Map<string, PieceParse>();
    for (const piece of pieces) next.set(piece.parse.text, piece.parse);
    this.entries = next;
    this.handedOut = new Set();
  }
}


/**
 * Splits a text into independently parsed pieces (see the module comment for why this is exact). With the
 * previous version of the text and its pieces, only the pieces around the change are made again
 * (`resplit`); the result is the same.
 */
export function splitIntoPieces(text: string, cache: PieceCache, previous?: { text: string; pieces: readonly Piece[] }): Piece[] {
  if (previous) {
    const again = resplit(text, cache, previous.text, previous.pieces);
    if (again) return again;
  }
  const lineStarts = lineStartsOf(text);
  const candidates: { start: number; line: number }[] = [];
  for (let i = 0; i < lineStarts.length; i++) {
    const at = lineStarts[i]!;
    LINE_STARTS_DECLARATION.lastIndex = at;
    if (LINE_STARTS_DECLARATION.test(text)) candidates.push({ start: at, line: i + 1 });
  }
  const whole = (): Piece[] => [{ start: 0, line: 1, end: text.length, parse: cache.get(text) }];
  if (candidates.length === 0) return whole();

  const pieces: Piece[] = [];
  // Text before the first candidate: kept as its own piece only when it holds nothing but comments.
  const first = candidates[0]!;
  if (first.start > 0) {
    const head = cache.get(text.slice(0, first.start));
    if (head.tokens.length > 0 || head.diagnostics.length > 0) return whole();
    pieces.push({ start: 0, line: 1, end: first.start, parse: head });
  }
  let current: { start: number; line: number } = first;
  let currentEnd = candidates[1]?.start ?? text.length;
  let currentParse = cache.get(text.slice(current.start, currentEnd));
  if (currentParse.document.bare) return whole();
  for (let k = 1; k < candidates.length; k++) {
    const next = candidates[k]!;
    const nextEnd = candidates[k + 1]?.start ?? text.length;
    const nextParse = cache.get(text.slice(next.start, nextEnd));
    const last: IToken | undefined = currentParse.tokens[currentParse.tokens.length - 1];
    const separate = !nextParse.document.bare && (last === undefined || ENDING_TOKENS.has(last.tokenType));
    if (separate) {
      pieces.push({ ...current, end: currentEnd, parse: currentParse });
      current = next;
      currentParse = nextParse;
    } else {
      currentParse = cache.get(text.slice(current.start, nextEnd));
    }
    currentEnd = nextEnd;
  }
  pieces.push({ ...current, end: currentEnd, parse: currentParse });
  return pieces;
}

/** Where `segment` at the start of the line at `at` ends (what the declaration test read, but two characters), or -1. */
function declarationKeywordEnd(text: string, at: number): number {
  LINE_STARTS_DECLARATION.lastIndex = at;
  return LINE_STARTS_DECLARATION.test(text) ? LINE_STARTS_DECLARATION.lastIndex : -1;
}

/** Line breaks as `lineStartsOf` counts them. */
const LINE_BREAK = /\r\n?|\n/g;

/**
 * The pieces of `text` made from those of the previous version `before`: the fold of `splitIntoPieces`
 * (each candidate line merged into the piece before it or starting a new one) run again from a piece that
 * starts before the change, up to the first piece after the change that starts where an old piece started
 * (moved by the change): from there on, the fold reads the same text as before, so it gives the old pieces
 * again, moved. Null when the previous split cannot be resumed (few pieces, a change near the start).
 *
 * Why resuming is exact: the fold's decision at a candidate line reads the piece before it and the text up
 * to the next candidate; the state after a piece is pushed is the new piece's start. The restart piece is
 * chosen so that everything the fold read before it (including the test of its own first line, which reads
 * two characters past `segment`) lies before the change.
 */
function resplit(text: string, cache: PieceCache, before: string, pieces: readonly Piece[]): Piece[] | null {
  if (pieces.length < 3) return null;
  const change = changeBetween(before, text);
  if (change.from === before.length && change.beforeEnd === before.length && text.length === before.length) return [...pieces];
  // A first piece that is not a declaration is the text before the first one (comments only).
  const head = declarationKeywordEnd(before, 0) < 0 ? 1 : 0;
  let r = pieceIndexAt(pieces, change.from);
  while (r > head && declarationKeywordEnd(before, pieces[r]!.start) + 2 > change.from) r--;
  if (r < head + 1) return null;
  // The parses of pieces the change does not touch stay in use: not for `PieceCache.reparsed`.
  for (const p of pieces) if (p.end < change.from || p.start > change.beforeEnd) cache.keep(p.parse);

  const delta = change.afterEnd - change.beforeEnd;
  const out: Piece[] = pieces.slice(0, r - 1);
  const previous = pieces[r - 1]!;
  let current: { start: number; line: number } = { start: previous.start, line: previous.line };
  let currentParse = previous.parse;
  let currentEnd = pieces[r]!.start;
  // The candidate lines from the restart piece's first line on, each with the next one.
  let line = pieces[r]!.line;
  let at = pieces[r]!.start;
  const nextCandidate = (): { start: number; line: number } | null => {
    while (at >= 0) {
      const start = at;
      const startLine = line;
      const isCandidate = declarationKeywordEnd(text, start) >= 0;
      LINE_BREAK.lastIndex = start;
      const m = LINE_BREAK.exec(text);
      if (m) {
        at = m.index + m[0].length;
        line++;
      } else at = -1;
      if (isCandidate) return { start, line: startLine };
    }
    return null;
  };
  let next = nextCandidate();
  while (next) {
    const after = nextCandidate();
    const nextEnd = after ? after.start : text.length;
    const nextParse = cache.get(text.slice(next.start, nextEnd));
    const last: IToken | undefined = currentParse.tokens[currentParse.tokens.length - 1];
    const separate = !nextParse.document.bare && (last === undefined || ENDING_TOKENS.has(last.tokenType));
    if (separate) {
      out.push({ ...current, end: currentEnd, parse: currentParse });
      if (next.start >= change.afterEnd) {
        const k = pieceIndexAt(pieces, next.start - delta);
        if (pieces[k]!.start === next.start - delta && k > r) {
          const lines = next.line - pieces[k]!.line;
          for (let j = k; j < pieces.length; j++) {
            const p = pieces[j]!;
            out.push({ start: p.start + delta, line: p.line + lines, end: p.end + delta, parse: p.parse });
          }
          return out;
        }
      }
      current = next;
      currentParse = nextParse;
    } else {
      currentParse = cache.get(text.slice(current.start, nextEnd));
    }
    currentEnd = nextEnd;
    next = after;
  }
  out.push({ ...current, end: currentEnd, parse: currentParse });
  return out;
}

/** The index of the piece holding `offset` (the last piece for the end of the text). */
function pieceIndexAt(pieces: readonly Piece[], offset: number): number {
  let lo = 0;
  let hi = pieces.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (pieces[mid]!.start <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Where two versions of a text differ: `[from, beforeEnd)` of the first became `[from, afterEnd)` of the second. */
export interface TextChange {
  from: number;
  beforeEnd: number;
  afterEnd: number;
}

/** Compared a block at a time first (a string comparison runs as a memory comparison), then by character. */
const COMPARE_BLOCK = 1024;

/** The one range where `before` and `after` differ (their common start and end left out). */
export function changeBetween(before: string, after: string): TextChange {
  const max = Math.min(before.length, after.length);
  let from = 0;
  while (from + COMPARE_BLOCK <= max && before.slice(from, from + COMPARE_BLOCK) === after.slice(from, from + COMPARE_BLOCK)) from += COMPARE_BLOCK;
  while (from < max && before.charCodeAt(from) === after.charCodeAt(from)) from++;
  // The common end, not overlapping the common start.
  const room = max - from;
  let same = 0;
  while (same + COMPARE_BLOCK <= room && before.slice(before.length - same - COMPARE_BLOCK, before.length - same) === after.slice(after.length - same - COMPARE_BLOCK, after.length - same)) same += COMPARE_BLOCK;
  while (same < room && before.charCodeAt(before.length - same - 1) === after.charCodeAt(after.length - same - 1)) same++;
  return { from, beforeEnd: before.length - same, afterEnd: after.length - same };
}

// ---- moving spans ------------------------------------------------------------------------------------

/** Moves a piece-relative span to the document. */
export function shiftSpan(span: Span, piece: Pick<Piece, "start" | "line">): Span {
  return { start: span.start + piece.start, end: span.end + piece.start, line: span.line + piece.line - 1, column: span.column };
}

function isSpan(v: Record<string, unknown>): boolean {
  return typeof v["start"] === "number" && typeof v["end"] === "number" && typeof v["line"] === "number" &&
    typeof v["column"] === "number";
}

/** A copy of an AST node (or diagnostic) with every span moved by the piece's position. */
export function shift<N>(node: N, piece: Pick<Piece, "start" | "line">): N {
  if (piece.start === 0 && piece.line === 1) return node;
  const visit = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(visit);
    if (v === null || typeof v !== "object") return v;
    const o = v as Record<string, unknown>;
    if (isSpan(o)) return shiftSpan(o as unknown as Span, piece);
    const out: Record<string, unknown> = {};
    for (const key in o) out[key] = key === "follows" ? shiftFollows(o[key] as CommentFollows, piece.start) : visit(o[key]);
    return out;
  };
  return visit(node) as N;
}

/** What a comment follows (offsets, no span: the formatter places the comment by them), moved by `by`. */
function shiftFollows(f: CommentFollows, by: number): CommentFollows {
  const out: CommentFollows = { ...f, start: f.start + by, end: f.end + by };
  if (f.inner) out.inner = { start: f.inner.start + by, ends: f.inner.ends.map((e) => e + by) };
  return out;
}

/**
 * A piece's syntax error moved to the document, with the line its message names (`missing ')' to close '('
 * at 2:54`: where the '(' is) moved too: the piece was parsed from its own first line.
 */
function shiftParseDiagnostic(d: Diagnostic, piece: Pick<Piece, "start" | "line">): Diagnostic {
  const moved = shift(d, piece);
  if (d.code !== "missing-close-paren" || piece.line === 1) return moved;
  return { ...moved, message: d.message.replace(/^(missing '\)' to close '\(' at )(\d+)(?=:)/, (_, head: string, line: string) => `${head}${Number(line) + piece.line - 1}`) };
}

// ---- the document view ---------------------------------------------------------------------------------

/** A declaration with its place in the document. */
export interface DeclarationInfo {
  /** The declaration as parsed, with spans relative to its piece. */
  declaration: SegmentDeclaration;
  piece: Piece;
  name: string;
  /** Absolute spans. */
  nameSpan: Span;
  span: Span;
}

/** Everything parsed about one version of one document. */
export class DocumentAnalysis {
  readonly pieces: Piece[];
  private absoluteDocument: SegqlDocument | null = null;
  private absoluteDiagnostics: Diagnostic[] | null = null;
  private declarationList: DeclarationInfo[] | null = null;
  private zones: { start: number; end: number }[] | null = null;
  private checkerCopies: { document: SegqlDocument; pieces: Piece[] } | null = null;

  /** `previous`: the analysis of the document's previous version, whose pieces the change did not touch are reused. */
  constructor(
    readonly text: string,
    cache: PieceCache,
    previous?: DocumentAnalysis | null,
  ) {
    this.pieces = splitIntoPieces(text, cache, previous ?? undefined);
    cache.retain(this.pieces);
  }

  /** The piece holding `offset` (the last piece for the end of the text). */
  pieceAt(offset: number): Piece {
    return this.pieces[pieceIndexAt(this.pieces, offset)]!;
  }

  /** The parser's diagnostics, with document spans. */
  get parseDiagnostics(): Diagnostic[] {
    if (!this.absoluteDiagnostics) {
      this.absoluteDiagnostics = this.pieces.flatMap((p) => p.parse.diagnostics.map((d) => shiftParseDiagnostic(d, p)));
    }
    return this.absoluteDiagnostics;
  }

  /** The whole document with document spans, as `parse(text).document` would give it. */
  get document(): SegqlDocument {
    if (!this.absoluteDocument) {
      if (this.pieces.length === 1) {
        this.absoluteDocument = shift(this.pieces[0]!.parse.document, this.pieces[0]!);
      } else {
        const segments: SegmentDeclaration[] = [];
        const comments: SegqlDocument["comments"] = [];
        for (const p of this.pieces) {
          for (const s of p.parse.document.segments) if (!p.parse.document.bare) segments.push(shift(s, p));
          for (const c of p.parse.document.comments) comments.push(shift(c, p));
        }
        this.absoluteDocument = {
          kind: "document",
          segments,
          bare: false,
          comments,
          span: { start: 0, end: this.text.length, line: 1, column: 1 },
        };
      }
    }
    return this.absoluteDocument;
  }

  /** The declarations that have names, in document order. */
  get declarations(): DeclarationInfo[] {
    if (!this.declarationList) {
      const list: DeclarationInfo[] = [];
      for (const piece of this.pieces) {
        if (piece.parse.document.bare) continue;
        for (const d of piece.parse.document.segments) {
          if (d.name === null || d.nameSpan === null) continue;
          list.push({ declaration: d, piece, name: d.name, nameSpan: shiftSpan(d.nameSpan, piece), span: shiftSpan(d.span, piece) });
        }
      }
      this.declarationList = list;
    }
    return this.declarationList;
  }

  /**
   * The document for the checker, without copying the trees: the pieces' declarations as they are, with
   * spans relative to their piece (`checkerView.pieces` says which), so the checker's results for one stay
   * valid wherever its piece moves. What the checker reports across declarations (a name defined twice)
   * must be placed by the caller. A piece whose text (hence parse) is also an earlier piece's gets copies of
   * its declarations: the checker tells nodes apart by identity (a cycle's reference, a duplicate).
   */
  get checkerView(): { document: SegqlDocument; pieces: Piece[] } {
    if (this.checkerCopies) return this.checkerCopies;
    const segments: SegmentDeclaration[] = [];
    const pieces: Piece[] = [];
    const seen = new Set<PieceParse>();
    for (const p of this.pieces) {
      if (p.parse.document.bare && this.pieces.length > 1) continue;
      const again = seen.has(p.parse);
      seen.add(p.parse);
      for (const d of p.parse.document.segments) {
        segments.push(again ? structuredClone(d) : d);
        pieces.push(p);
      }
    }
    const document: SegqlDocument = { kind: "document", segments, bare: this.pieces.length === 1 && this.pieces[0]!.parse.document.bare, comments: [], span: { start: 0, end: this.text.length, line: 1, column: 1 } };
    return (this.checkerCopies = { document, pieces });
  }

  /**
   * Where a checker diagnostic would only echo a syntax error (`echoZone`), in document offsets: each
   * piece's errors with the piece's own tokens.
   */
  get echoZones(): { start: number; end: number }[] {
    if (!this.zones) {
      this.zones = [];
      for (const p of this.pieces) for (const d of p.parse.diagnostics) this.zones.push(echoZone(shiftSpan(d.span, p), p.parse.tokens, p.start));
    }
    return this.zones;
  }

  /** True when the parser found no syntax error. */
  get syntaxOk(): boolean {
    return this.pieces.every((p) => p.parse.diagnostics.length === 0);
  }
}
