/**
 * The edge between the language service (offsets, plain objects) and the LSP (line/character positions in
 * UTF-16 code units, protocol types). Offsets are UTF-16 code units too, so `positionAt`/`offsetAt` of the
 * `TextDocument` convert exactly, astral characters included.
 */
import {
  CompletionItemKind,
  DiagnosticSeverity,
  InsertTextFormat,
  MarkupKind,
  SemanticTokensBuilder,
  type CompletionItem,
  type Diagnostic,
  type FoldingRange,
  type Range,
} from "vscode-languageserver/node";
import type { TextDocument } from "vscode-languageserver-textdocument";
import type { Severity } from "../diagnostics.js";
import {
  SEMANTIC_TOKEN_MODIFIERS,
  SEMANTIC_TOKEN_TYPES,
  type CompletionItem as ServiceItem,
  type CompletionKind,
  type FoldingRange as ServiceFolding,
  type SemanticToken,
  type SemanticTokenType,
  type ServiceDiagnostic,
} from "../service/types.js";

/** Anything that converts offsets to positions: an open `TextDocument`, or one made for a file on disk. */
export type PositionSource = Pick<TextDocument, "positionAt" | "offsetAt">;

/** A service range `[from, to)` as an LSP range. */
export function toRange(doc: PositionSource, from: number, to: number): Range {
  return { start: doc.positionAt(from), end: doc.positionAt(to) };
}

/** An LSP range as offsets (positions past a line's end clamp to it, as `offsetAt` does). */
export function fromRange(doc: PositionSource, range: Range): { from: number; to: number } {
  const from = doc.offsetAt(range.start);
  const to = doc.offsetAt(range.end);
  return from <= to ? { from, to } : { from: to, to: from };
}

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
};

/**
 * A service diagnostic as an LSP diagnostic (source `segql`, code kept), with its related locations in the
 * files `positionsOf` can convert offsets for (others are left out).
 */
export function toDiagnostic(doc: PositionSource, d: ServiceDiagnostic, positionsOf?: (uri: string) => PositionSource | null): Diagnostic {
  const out: Diagnostic = { range: toRange(doc, d.from, d.to), severity: SEVERITY[d.severity], code: d.code, source: "segql", message: d.message };
  if (d.related && positionsOf) {
    const related = d.related.flatMap((r) => {
      const p = positionsOf(r.uri);
      return p ? [{ location: { uri: r.uri, range: toRange(p, r.from, r.to) }, message: r.message }] : [];
    });
    if (related.length) out.relatedInformation = related;
  }
  return out;
}

const KINDS: Record<CompletionKind, CompletionItemKind> = {
  field: CompletionItemKind.Field,
  property: CompletionItemKind.Property,
  operator: CompletionItemKind.Operator,
  value: CompletionItemKind.EnumMember,
  event: CompletionItemKind.Event,
  segment: CompletionItemKind.Reference,
  keyword: CompletionItemKind.Keyword,
  unit: CompletionItemKind.Unit,
};

/** A completion item replacing `range`, as a snippet when the client takes snippets and the item has one. */
export function toCompletionItem(item: ServiceItem, range: Range, snippets: boolean): CompletionItem {
  const useSnippet = snippets && item.snippet !== undefined;
  const out: CompletionItem = {
    label: item.label,
    kind: KINDS[item.kind],
    sortText: item.sortText,
    filterText: item.filterText ?? item.insertText ?? item.label,
    textEdit: { range, newText: useSnippet ? item.snippet! : item.insertText ?? item.label },
    insertTextFormat: useSnippet ? InsertTextFormat.Snippet : InsertTextFormat.PlainText,
  };
  if (item.detail) out.detail = item.detail;
  if (item.documentation) out.documentation = { kind: MarkupKind.Markdown, value: item.documentation };
  return out;
}

/** Standard LSP token types for the service's classes, so every theme colours them. */
const LSP_TOKEN_TYPE: Record<SemanticTokenType, string> = {
  field: "variable",
  property: "property",
  keyword: "keyword",
  string: "string",
  number: "number",
  operator: "operator",
  segment: "class",
  event: "event",
  comment: "comment",
};

/** The semantic token legend: indexes follow `SEMANTIC_TOKEN_TYPES`. */
export const SEMANTIC_LEGEND = {
  tokenTypes: SEMANTIC_TOKEN_TYPES.map((t) => LSP_TOKEN_TYPE[t]),
  tokenModifiers: [...SEMANTIC_TOKEN_MODIFIERS],
};

/** Encodes classified tokens (in order, single-line) as LSP semantic token data. */
export function toSemanticTokens(doc: PositionSource, tokens: readonly SemanticToken[]): { data: number[] } {
  const builder = new SemanticTokensBuilder();
  for (const t of tokens) {
    const start = doc.positionAt(t.from);
    const type = SEMANTIC_TOKEN_TYPES.indexOf(t.type);
    let modifiers = 0;
    for (const m of t.modifiers) modifiers |= 1 << SEMANTIC_TOKEN_MODIFIERS.indexOf(m);
    builder.push(start.line, start.character, t.to - t.from, type, modifiers);
  }
  return builder.build();
}

/** A folding range over lines; null when it does not span two lines. */
export function toFoldingRange(doc: PositionSource, r: ServiceFolding): FoldingRange | null {
  const startLine = doc.positionAt(r.from).line;
  const endLine = doc.positionAt(Math.max(r.from, r.to - 1)).line;
  if (endLine <= startLine) return null;
  return { startLine, endLine, kind: r.kind };
}
