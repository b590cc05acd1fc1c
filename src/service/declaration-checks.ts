/**
 * The checker's diagnostics and the static analysis's warnings of one document, kept from one version of
 * the text to the next by declaration: after an edit in a large segment file, only the declarations the
 * edit changed, and those whose inputs it changed (the segments that refer to a changed one, a name that
 * comes or goes for an unknown reference's suggestions, a cycle or a limit passed), are checked and
 * analysed again. What the others gave is taken as it was, moved to where their piece now is.
 *
 * - Checking: `check` with `reuse` (src/checker/reuse.ts says what a declaration's check reads, and why
 *   keeping its result while that is unchanged gives what a new check gives). The checker still walks
 *   every declaration's references (names, cycles, duplicates across declarations), which costs a few
 *   property reads per declaration; the conditions themselves are checked only when their inputs changed.
 * - The static analysis of a typed segment reads its typed condition (the same object while its check is
 *   reused: it holds the typed conditions of the segments it refers to, which a new check of one of those
 *   replaces), its piece's text and the line its piece starts at (messages name lines).
 *
 * Diagnostics are placed by the declaration they were reported for, never by the identity of their spans:
 * two pieces of the same text share one parse (the piece cache), and a diagnostic of the second would be
 * found in the first.
 */
import { analysisWarnings } from "../analysis/index.js";
import { error, type Diagnostic, type Span } from "../diagnostics.js";
import { check, type CheckResult } from "../checker/index.js";
import { messages } from "../checker/messages.js";
import { KeptChecks, type CheckedDeclaration, type DeclarationReuse } from "../checker/reuse.js";
import { resolveMemberLists, type TypedExpr, type TypedSegment } from "../checker/typed-ast.js";
import type { SegmentDeclaration } from "../parser/ast.js";
import { withoutEchoes } from "../parser/recovered.js";
import type { Schema } from "../schema/schema.js";
import { shiftSpan, type DocumentAnalysis, type Piece } from "./analysis.js";

/** What a document's check reads besides the document. */
export interface CheckContext {
  schema: Schema | null;
  /** Other documents' segments `in segment` may name. */
  catalog: readonly SegmentDeclaration[];
  timeZone?: string;
  /** Segments that are hand-picked member lists (`ProjectInfo.memberLists`). */
  memberLists?: ReadonlySet<string>;
}

/** The checker's diagnostics (echoes of syntax errors left out) and the static analysis's warnings. */
export type CheckedDocument = Pick<CheckResult, "diagnostics">;

/** The checks of one document's declarations, kept across its versions. */
export class DeclarationChecks {
  private kept = new KeptChecks();
  /** The member lists the kept results were made with: resolving them rewrites typed trees in place. */
  private keptLists = "";
  private warnings = new WeakMap<TypedExpr, { text: string; line: number; warnings: Diagnostic[] }>();

  /** How many declarations were checked again and how many kept, since this object was made. */
  get counts(): { checked: number; reused: number } {
    return this.kept.counts;
  }

  /** The check of `analysis`, reusing what earlier versions' checks gave for unchanged declarations. */
  check(analysis: DocumentAnalysis, context: CheckContext): CheckedDocument {
    const lists = context.memberLists;
    const listsKey = lists && lists.size > 0 ? [...lists].sort().join("\u0001") : "";
    if (listsKey !== this.keptLists) {
      const counts = this.kept.counts;
      this.kept = new KeptChecks();
      Object.assign(this.kept.counts, counts);
      this.warnings = new WeakMap();
      this.keptLists = listsKey;
    }
    const { document, pieces } = analysis.checkerView;
    // What each declaration's check gave in this run, reused or new.
    const results = new Map<SegmentDeclaration, CheckedDeclaration>();
    const kept = this.kept;
    const reuse: DeclarationReuse = {
      get: (d, inputs) => {
        const r = kept.get(d, inputs);
        if (r) results.set(d, r);
        return r;
      },
      set: (d, inputs, r) => {
        kept.set(d, inputs, r);
        results.set(d, r);
      },
    };
    const checked = check(document, context.schema, {
      catalog: context.catalog, reuse, ...(context.timeZone !== undefined ? { timeZone: context.timeZone } : {}),
    });
    if (listsKey !== "") resolveMemberLists(checked.segments.map((s) => s.expr), (name) => (lists!.has(name) ? name : null));

    const out: Diagnostic[] = [];
    // What the checker reports across declarations is a name defined twice, on spans relative to a piece
    // (and naming the line of the first one there): said again here with the document's.
    const first = new Map<string, number>();
    for (let i = 0; i < document.segments.length; i++) {
      const d = document.segments[i]!;
      const piece = pieces[i]!;
      if (d.name !== null) {
        const line = first.get(d.name);
        if (line === undefined) first.set(d.name, d.span.line + piece.line - 1);
        else out.push(error("duplicate-segment", shiftSpan(d.nameSpan ?? d.span, piece), messages.duplicateSegment(d.name, line)));
      }
      const r = results.get(d);
      if (r) for (const x of r.diagnostics) out.push(placed(x, piece));
    }
    return { diagnostics: [...withoutEchoes(out, analysis.echoZones), ...this.staticWarnings(analysis, document.segments, pieces, checked.segments)] };
  }

  /**
   * The static analysis's warnings of the typed segments, each kept while its inputs are the same. A typed
   * segment is made from a declaration of `declarations` (in their order), whose span it holds.
   */
  private staticWarnings(analysis: DocumentAnalysis, declarations: readonly SegmentDeclaration[], pieces: readonly Piece[], segments: readonly TypedSegment[]): Diagnostic[] {
    const whole = analysis.pieces.length === 1;
    const out: Diagnostic[] = [];
    let i = 0;
    for (const segment of segments) {
      while (declarations[i]!.span !== segment.span) i++;
      const piece = pieces[i]!;
      const text = whole ? analysis.text : piece.parse.text;
      const line = whole ? 1 : piece.line;
      const k = this.warnings.get(segment.expr);
      let found: Diagnostic[];
      if (k && k.line === line && k.text === text) found = k.warnings;
      else {
        found = analysisWarnings([segment], { text, firstLine: line, share: true });
        this.warnings.set(segment.expr, { text, line, warnings: found });
      }
      if (whole) for (const d of found) out.push(d);
      else for (const d of found) out.push(placed(d, piece));
    }
    return out;
  }
}

/** A diagnostic about a piece's text (its span and its fix's), moved to the piece's place in the document. */
function placed(d: Diagnostic, piece: Pick<Piece, "start" | "line">): Diagnostic {
  if (piece.start === 0 && piece.line === 1) return d;
  const out: Diagnostic = { ...d, span: shiftSpan(d.span, piece) };
  if (d.fix) out.fix = { ...d.fix, edits: d.fix.edits.map((e) => ({ ...e, span: shiftSpan(e.span, piece) as Span })) };
  return out;
}
