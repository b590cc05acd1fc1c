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

  /** Keeps only the entries used by `pieces`. */
  retain(pieces: readonly Piece[]): void {
    const next = new Map<string, PieceParse>();
    for (const piece of pieces) next.set(piece.parse.text, piece.parse);
    this.entries = next;
    this.handedOut = new Set();
  }
}


/** Splits a text into independently parsed pieces (see the module comment for why this is exact). */
export function splitIntoPieces(text: string, cache: PieceCache): Piece[] {
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

const spanSets = new WeakMap<PieceParse, Set<Span>>();

/** Every span object in a piece's declarations (computed once per piece text). */
function spansOf(p: PieceParse): Set<Span> {
  let set = spanSets.get(p);
  if (set) return set;
  set = new Set();
  const stack: unknown[] = [p.document.segments];
  while (stack.length) {
    const v = stack.pop();
    if (v === null || typeof v !== "object") continue;
    if (Array.isArray(v)) {
      for (const x of v) stack.push(x);
      continue;
    }
    const o = v as Record<string, unknown>;
    if (isSpan(o)) set.add(o as unknown as Span);
    else for (const key in o) stack.push(o[key]);
  }
  spanSets.set(p, set);
  return set;
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

  constructor(
    readonly text: string,
    cache: PieceCache,
  ) {
    this.pieces = splitIntoPieces(text, cache);
    cache.retain(this.pieces);
  }

  /** The piece holding `offset` (the last piece for the end of the text). */
  pieceAt(offset: number): Piece {
    const pieces = this.pieces;
    let lo = 0;
    let hi = pieces.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (pieces[mid]!.start <= offset) lo = mid;
      else hi = mid - 1;
    }
    return pieces[lo]!;
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
   * The document for the checker, without copying the trees: each declaration is a shallow copy with its
   * own spans moved to the document, and its condition shared with the piece (spans relative to it).
   * `placeDiagnostic` moves what the checker reports inside a condition to the document. A text that is
   * one piece is its own document (its spans are already the document's).
   */
  get checkerDocument(): SegqlDocument {
    if (this.pieces.length === 1 && this.pieces[0]!.start === 0) return this.pieces[0]!.parse.document;
    const segments: SegmentDeclaration[] = [];
    for (const p of this.pieces) {
      if (p.parse.document.bare) continue;
      for (const d of p.parse.document.segments) {
        segments.push({ ...d, span: shiftSpan(d.span, p), nameSpan: d.nameSpan && shiftSpan(d.nameSpan, p) });
      }
    }
    return { kind: "document", segments, bare: false, comments: [], span: { start: 0, end: this.text.length, line: 1, column: 1 } };
  }

  /**
   * A checker diagnostic about `checkerDocument`, with document spans: spans the checker took from a
   * declaration are already moved; spans from inside a condition are found by identity in their piece.
   * Null when a span cannot be placed (the caller then checks the fully moved `document` instead).
   */
  placeDiagnostic(d: Diagnostic, declarationSpans: ReadonlySet<Span>): Diagnostic | null {
    if (this.pieces.length === 1 && this.pieces[0]!.start === 0) return d;
    const place = (span: Span): Span | null => {
      if (declarationSpans.has(span)) return span;
      for (const p of this.pieces) if (spansOf(p.parse).has(span)) return shiftSpan(span, p);
      return null;
    };
    const span = place(d.span);
    if (!span) return null;
    const out: Diagnostic = { ...d, span };
    if (d.fix) {
      const edits = d.fix.edits.map((e) => ({ ...e, span: place(e.span) }));
      if (edits.some((e) => e.span === null)) return null;
      out.fix = { ...d.fix, edits: edits as { span: Span; text: string }[] };
    }
    return out;
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
