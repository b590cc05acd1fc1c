/**
 * What the language service returns: plain objects with offsets, no editor or LSP types. Offsets are
 * UTF-16 code units into the document text, ranges half-open `[from, to)`, as everywhere in segql; each
 * editor converts at its edge (`src/lsp/convert.ts` for the LSP, CodeMirror uses them as they are).
 */
import type { DiagnosticCode, Severity } from "../diagnostics.js";

/** A half-open range of offsets in one document. */
export interface Range {
  from: number;
  to: number;
}

/** One replacement in one document. */
export interface Edit {
  from: number;
  to: number;
  text: string;
}

/** A range in a named document (definitions, references). */
export interface Location {
  uri: string;
  from: number;
  to: number;
}

/** A problem to show: from the parser, the checker or the project configuration. */
export interface ServiceDiagnostic {
  /**
   * A segql diagnostic code; `config` for problems with `segql.json` or the schema, `too-large` for a
   * document too long to analyse, `internal` for a bug caught in the service.
   */
  code: DiagnosticCode | "config" | "too-large" | "internal";
  severity: Severity;
  from: number;
  to: number;
  message: string;
  /** The checker's or parser's fix, offered as a code action. */
  fix?: CodeAction;
  /** Places elsewhere that explain it (for `config`: each problem in `segql.json` or the schema). */
  related?: RelatedLocation[];
}

/** A place in another document (which may be a JSON file the service does not hold) and what is there. */
export interface RelatedLocation extends Location {
  message: string;
}

/** A fix the editor can apply: edits to the document the diagnostic belongs to. */
export interface CodeAction {
  title: string;
  edits: Edit[];
  /** True when it is the obvious fix (editors may apply it with one key). */
  preferred: boolean;
}

/** What a completion item stands for; editors map these to their icons. */
export type CompletionKind = "field" | "property" | "operator" | "value" | "event" | "segment" | "keyword" | "unit";

/** One completion proposal. */
export interface CompletionItem {
  label: string;
  kind: CompletionKind;
  /** Short text shown next to the label (a field's type, an operator's reading). */
  detail?: string;
  /** Markdown shown in the documentation pane. */
  documentation?: string;
  /** Text inserted over the result's range; the label when absent. */
  insertText?: string;
  /**
   * The same insertion as an LSP/TextMate snippet (`in ($1)`), for editors that support snippets;
   * `insertText` is the plain fallback.
   */
  snippet?: string;
  /** Text the editor filters on; `insertText ?? label` when absent. */
  filterText?: string;
  /** Order among the proposals (editors sort by it); the list is already in this order. */
  sortText: string;
}

/** Completion proposals and the range they replace (the partial word before the cursor, or the cursor). */
export interface CompletionResult {
  items: CompletionItem[];
  from: number;
  to: number;
}

/** Markdown shown on hover over `[from, to)`. */
export interface HoverResult {
  from: number;
  to: number;
  markdown: string;
}

/** A named segment in a document (outline, breadcrumbs). */
export interface DocumentSymbol {
  name: string;
  /** The segment's title, when it has one. */
  detail?: string;
  kind: "segment";
  /** The whole declaration. */
  from: number;
  to: number;
  /** The segment's name. */
  nameFrom: number;
  nameTo: number;
}

/** Edits to several documents (rename). */
export interface WorkspaceEdit {
  changes: Record<string, Edit[]>;
}

/** Why a rename cannot be done at a place, or with a name. */
export interface RenameError {
  error: string;
}

/** The token classes the service tells editors about. */
export const SEMANTIC_TOKEN_TYPES = [
  "field",
  "property",
  "keyword",
  "string",
  "number",
  "operator",
  "segment",
  "event",
  "comment",
] as const;

export type SemanticTokenType = (typeof SEMANTIC_TOKEN_TYPES)[number];

/** Modifiers: `declaration` marks a segment's name where it is declared. */
export const SEMANTIC_TOKEN_MODIFIERS = ["declaration"] as const;

export type SemanticTokenModifier = (typeof SEMANTIC_TOKEN_MODIFIERS)[number];

/** A classified token; tokens never overlap and come in document order. No token spans a line break. */
export interface SemanticToken {
  from: number;
  to: number;
  type: SemanticTokenType;
  modifiers: SemanticTokenModifier[];
}

/** A foldable region: a multi-line segment declaration, a multi-line parenthesised group, or a comment block. */
export interface FoldingRange {
  from: number;
  to: number;
  kind: "region" | "comment";
}
