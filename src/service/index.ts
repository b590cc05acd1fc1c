/**
 * The segql language service: one editor-agnostic implementation of diagnostics, completion, hover,
 * formatting, navigation, rename, semantic tokens and folding. Text and offsets in, plain objects out
 * (`./types.ts`); no LSP types and no file system, so it runs in a browser as well as in `src/lsp`.
 *
 *   setDocument(uri, text) ──▶ DocumentAnalysis (incremental parse by declaration, analysis.ts)
 *                                 ├─▶ check(document, schema, { catalog: other files' segments }) ─▶ diagnostics
 *                                 │     └─▶ the static analysis of the typed segments (src/analysis) ─▶ warnings
 *                                 └─▶ completion / hover / symbols / references / semantic tokens / folding
 *
 * The host (the LSP server's workspace, or a web page) says which project each document belongs to: the
 * schema, and which other documents' segments `in segment` may name. Documents that share a project key
 * see each other's segments; files of a project that are not open in the editor are added with
 * `setDocument` too (they are only parsed when needed).
 */
import type { Diagnostic, Severity } from "../diagnostics.js";
import { analysisWarnings } from "../analysis/index.js";
import { check, type CheckResult } from "../checker/index.js";
import { messages } from "../checker/messages.js";
import { resolveMemberLists, type TypedSegment } from "../checker/typed-ast.js";
import type { SegmentDeclaration } from "../parser/ast.js";
import { format } from "../parser/format.js";
import type { ParseOptions } from "../parser/index.js";
import { LIMITS, offsetPastBytes, utf8Length } from "../parser/limits.js";
import { withoutEchoes } from "../parser/recovered.js";
import { quoteString } from "../parser/format.js";
import { parseJsonTree, rangeOfJsonPath, type JsonNode, type JsonPath } from "../schema/json-source.js";
import type { Schema } from "../schema/schema.js";
import { changeBetween, DocumentAnalysis, PieceCache, shiftSpan } from "./analysis.js";
import { DeclarationChecks } from "./declaration-checks.js";
import { complete, lookup, type SegmentSummary } from "./completion.js";
import { hover, type SegmentDefinition } from "./hover.js";
import { pieceFoldingRanges, pieceSemanticTokens } from "./structure.js";
import type {
  CodeAction,
  CompletionResult,
  DocumentSymbol,
  Edit,
  FoldingRange,
  HoverResult,
  Location,
  Range,
  RenameError,
  SemanticToken,
  ServiceDiagnostic,
  WorkspaceEdit,
} from "./types.js";
import { segmentRefs, targetAt } from "./walk.js";

export * from "./types.js";
export type { SegmentSummary } from "./completion.js";
export type { SegmentDefinition } from "./hover.js";
export { OPERATORS, type OperatorInfo } from "./operators.js";

/**
 * A problem with a project's configuration or schema. Each document of the project shows one warning that
 * sums them up (`segql.json:3:15: …`, or `schema.json has 2 problems`), pointing at each located problem.
 */
export interface ProjectProblem {
  /** What is wrong, without the file's name when `location` says where (`fields.a.type: expected …`). */
  message: string;
  /** How bad it is in the file it is in (the summary on segment files is always a warning). */
  severity: Severity;
  /** Where it is, when the host knows: a range in the config or schema file. */
  location?: ProjectLocation;
}

/** A range in a project file that the service does not hold (the config, the schema), with its 1-based start. */
export interface ProjectLocation extends Location {
  line: number;
  column: number;
}

/** What the host knows about the project a document belongs to. */
export interface ProjectInfo {
  /** Documents with the same key see each other's segments. */
  key: string;
  /** The schema fields and events are checked against; null: syntax and segment references only. */
  schema: Schema | null;
  problems?: readonly ProjectProblem[];
  /**
   * The schema's file and text, for going to a field's, property's or event's definition in it; without
   * it, definition finds segments only.
   */
  schemaSource?: { uri: string; text: string };
  /**
   * The project's time zone (segql.json's "timeZone"), for hovers on times and completion details;
   * absent: the schema's `timeZone`, else UTC.
   */
  timeZone?: string;
  /**
   * Names of segments that are hand-picked member lists (a store's static segments), whose documents
   * declare them with a stand-in condition: `in segment` on one is an opaque membership for the static
   * analysis (not its stand-in's meaning, which would give false warnings), and hover says what it is.
   */
  memberLists?: ReadonlySet<string>;
}

/** Options of the service. */
export interface LanguageServiceOptions {
  /** The project of a document; by default every document is in one project without a schema. */
  project?: (uri: string) => ProjectInfo;
  /**
   * Documents larger than this many UTF-8 bytes get one diagnostic where they pass it, and no other
   * analysis. Default `DEFAULT_MAX_BYTES`, the largest text `parse` accepts (1 MB).
   */
  maxBytes?: number;
  /**
   * Called before a document is parsed and before it is checked, with its URI: a host running the service
   * under a watchdog learns which document an analysis is busy with. An exception thrown here is an
   * internal error of that document's analysis, like one from the parser or the checker.
   */
  beforeAnalysis?: (uri: string) => void;
  /**
   * Called with every internal error the service catches (a bug in the parser, the checker or the service
   * while analysing one document); the document shows it as a diagnostic, the host may log it.
   */
  onInternalError?: (uri: string, error: unknown) => void;
  /** The clock hovers on time values read (default `Date.now`); tests fix it. */
  now?: () => number;
  /**
   * Check and analyse every document whole after each change, instead of again only the declarations a
   * change touched (declaration-checks.ts). Slower on large files; what the tests compare the kept checks to.
   */
  wholeDocumentChecks?: boolean;
}

/** The default largest document analysed: 1,000,000 UTF-8 bytes, as `parse` (`LIMITS.maxInputBytes`). */
export const DEFAULT_MAX_BYTES = LIMITS.maxInputBytes;

interface DocState {
  uri: string;
  text: string;
  /** Increases with every change of text, for cache keys. */
  version: number;
  cache: PieceCache;
  analysis: DocumentAnalysis | null;
  checked: { key: string; schema: Schema | null; result: CheckResult; crash: string | null; elsewhere: ServiceDiagnostic[] } | null;
  /** Where the text passes `maxBytes` (-1: it does not), once measured. */
  pastLimit: number | null;
  /** Why the document is not analysed: an internal error while analysing it, or the host stopped it. */
  failure: string | null;
  /** The host's reason for not analysing the document (`setDocument`'s `stopped`), kept across edits. */
  stopped: string | null;
  /** Its declarations' checks, kept from one version to the next. */
  checks: DeclarationChecks;
  /** The analysis of an earlier version, whose pieces the next analysis reuses where the text is the same. */
  prior: DocumentAnalysis | null;
  /** The text's length in UTF-8 bytes, once known (kept across edits by what they change). */
  bytes: number | null;
}

let nextVersion = 1;

/** Options of `setDocument`. */
export interface SetDocumentOptions {
  /**
   * The host does not want the document analysed (its watchdog stopped an analysis of it that ran too
   * long): the document shows this as its one diagnostic, and its segments are not seen by the project.
   * Null or absent: analysed as usual.
   */
  stopped?: string | null;
}

/** The language service. Cheap to call repeatedly: analyses are cached per document text. */
export class LanguageService {
  private readonly docs = new Map<string, DocState>();
  private readonly projectOf: (uri: string) => ProjectInfo;
  private readonly maxBytes: number;
  private readonly parseOptions: ParseOptions;
  private readonly beforeAnalysis: (uri: string) => void;
  private readonly onInternalError: (uri: string, error: unknown) => void;
  private readonly clock: () => number;
  private readonly wholeDocumentChecks: boolean;

  constructor(options: LanguageServiceOptions = {}) {
    this.clock = options.now ?? Date.now;
    this.wholeDocumentChecks = options.wholeDocumentChecks ?? false;
    const defaultProject: ProjectInfo = { key: "", schema: null };
    this.projectOf = options.project ?? (() => defaultProject);
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    // A declaration is parsed on its own: it may be as large as the whole document.
    this.parseOptions = this.maxBytes === DEFAULT_MAX_BYTES ? {} : { limits: { maxInputBytes: this.maxBytes } };
    this.beforeAnalysis = options.beforeAnalysis ?? (() => undefined);
    this.onInternalError = options.onInternalError ?? (() => undefined);
  }

  // ---- documents ---------------------------------------------------------------------------------

  /** Adds or replaces a document's text. */
  setDocument(uri: string, text: string, options: SetDocumentOptions = {}): void {
    const stopped = options.stopped ?? null;
    const existing = this.docs.get(uri);
    if (existing) {
      if (existing.text === text && existing.stopped === stopped) return;
      if (existing.bytes !== null) existing.bytes = utf8LengthAfterChange(existing.text, existing.bytes, text);
      existing.prior = existing.analysis ?? existing.prior;
      existing.text = text;
      existing.version = nextVersion++;
      existing.analysis = null;
      existing.checked = null;
      existing.pastLimit = null;
      existing.failure = null;
      existing.stopped = stopped;
      return;
    }
    this.docs.set(uri, {
      uri, text, version: nextVersion++, cache: new PieceCache(this.parseOptions), analysis: null, checked: null, pastLimit: null, failure: null, stopped,
      checks: new DeclarationChecks(), prior: null, bytes: null,
    });
  }

  /** Forgets a document. */
  removeDocument(uri: string): void {
    this.docs.delete(uri);
  }

  /** True when the service holds the document. */
  hasDocument(uri: string): boolean {
    return this.docs.has(uri);
  }

  /** The URIs of every document held. */
  documents(): string[] {
    return [...this.docs.keys()];
  }

  /** The documents in the same project as `uri` (including it). */
  projectDocuments(uri: string): string[] {
    const key = this.projectOf(uri).key;
    return [...this.docs.keys()].filter((u) => u === uri || this.projectOf(u).key === key);
  }

  private state(uri: string): DocState | null {
    return this.docs.get(uri) ?? null;
  }

  /** Where the document passes the size limit, or -1 (measured once per text). */
  private pastLimit(doc: DocState): number {
    if (doc.pastLimit === null) {
      doc.bytes ??= utf8Length(doc.text);
      doc.pastLimit = doc.bytes <= this.maxBytes ? -1 : offsetPastBytes(doc.text, this.maxBytes);
    }
    return doc.pastLimit;
  }

  /**
   * The document's analysis, or null when it is not analysed: too large, stopped by the host, or its
   * analysis failed. A failure is caught here, once per text, so it stays this document's problem: the
   * other documents of the project go on without its segments.
   */
  private analysis(doc: DocState): DocumentAnalysis | null {
    if (doc.analysis) return doc.analysis;
    if (doc.failure !== null || doc.stopped !== null || this.pastLimit(doc) >= 0) return null;
    try {
      this.beforeAnalysis(doc.uri);
      doc.analysis = new DocumentAnalysis(doc.text, doc.cache, doc.prior);
      doc.prior = null;
    } catch (e) {
      this.fail(doc, e);
      return null;
    }
    return doc.analysis;
  }

  /** Records an internal error of one document's analysis (shown on it, reported to the host). */
  private fail(doc: DocState, e: unknown): void {
    doc.failure = `internal error analysing this document: ${errorMessage(e)} (please report it)`;
    doc.analysis = null;
    doc.prior = null;
    doc.checked = null;
    this.onInternalError(doc.uri, e);
  }

  /** The parsed document (for hosts that need the AST, e.g. a playground compiling it). */
  analysisOf(uri: string): DocumentAnalysis | null {
    const doc = this.state(uri);
    return doc ? this.analysis(doc) : null;
  }

  // ---- diagnostics -------------------------------------------------------------------------------

  /** Parser, checker and project problems of a document, in source order. */
  diagnostics(uri: string): ServiceDiagnostic[] {
    const doc = this.state(uri);
    if (!doc) return [];
    const project = this.projectOf(uri);
    const out: ServiceDiagnostic[] = [];
    const summary = projectSummary(project);
    if (summary) out.push(summary);
    const past = this.pastLimit(doc);
    if (past >= 0) {
      out.push({
        code: "too-large",
        severity: "error",
        from: past,
        to: Math.min(doc.text.length, past + 1),
        message: `this file is larger than ${this.maxBytes.toLocaleString("en-US")} bytes from here on, the most segql reads (${sizeOf(utf8Length(doc.text))} in all); it is not analysed: split it into several files`,
      });
      return out;
    }
    const analysis = this.analysis(doc);
    const checked = analysis ? this.checkResult(doc, project, analysis) : null;
    const failure = doc.stopped ?? doc.failure;
    if (failure !== null || !analysis || !checked) {
      out.push({ code: "internal", severity: "error", from: 0, to: 0, message: failure ?? "this document is not analysed" });
      return out;
    }
    if (checked.crash) out.push({ code: "internal", severity: "error", from: 0, to: 0, message: checked.crash });
    const all = [...analysis.parseDiagnostics, ...checked.result.diagnostics].sort((a, b) => a.span.start - b.span.start);
    const own: ServiceDiagnostic[] = [];
    for (const d of all) {
      const sd: ServiceDiagnostic = { code: d.code, severity: d.severity, from: d.span.start, to: d.span.end, message: d.message };
      if (d.fix) {
        sd.fix = { title: d.fix.title, edits: d.fix.edits.map((e) => ({ from: e.span.start, to: e.span.end, text: e.text })), preferred: true };
      }
      own.push(sd);
    }
    if (checked.elsewhere.length > 0) {
      for (const d of checked.elsewhere) own.push(d);
      own.sort((a, b) => a.from - b.from);
    }
    for (const d of own) out.push(d);
    return out;
  }

  private checkResult(doc: DocState, project: ProjectInfo, analysis: DocumentAnalysis): NonNullable<DocState["checked"]> {
    const others = [...this.docs.values()].filter((d) => d !== doc && this.projectOf(d.uri).key === project.key);
    // Another document's analysis that fails, or is not done, leaves its segments out (it says so itself).
    const catalog: SegmentDeclaration[] = [];
    const parts: string[] = [];
    const before: { uri: string; analysis: DocumentAnalysis }[] = [];
    for (const d of others) {
      const other = this.analysis(d);
      parts.push(other ? `${d.version}` : `${d.version}!`);
      if (other) for (const info of other.declarations) catalog.push(info.declaration);
      if (other && d.uri < doc.uri) before.push({ uri: d.uri, analysis: other });
    }
    // The project's time zone decides the DST warnings (the schema's is the checker's default).
    const timeZone = project.timeZone;
    const lists = project.memberLists;
    const asMemberLists = (segments: readonly TypedSegment[]) => {
      if (lists && lists.size > 0) resolveMemberLists(segments.map((s) => s.expr), (name) => (lists.has(name) ? name : null));
    };
    const key = `${parts.join(",")}@${timeZone ?? ""}${lists && lists.size > 0 ? `#${[...lists].sort().join("\u0001")}` : ""}`;
    if (doc.checked && doc.checked.key === key && doc.checked.schema === project.schema) return doc.checked;
    const elsewhere = definedElsewhere(doc.uri, analysis, before);
    let result: CheckResult = { segments: [], diagnostics: [] };
    let crash: string | null = null;
    try {
      this.beforeAnalysis(doc.uri);
      if (this.wholeDocumentChecks) {
        // The whole document with document spans, checked and analysed from scratch.
        const full = check(analysis.document, project.schema, { catalog, ...(timeZone !== undefined ? { timeZone } : {}) });
        asMemberLists(full.segments);
        result = { segments: [], diagnostics: [...withoutEchoes(full.diagnostics, analysis.echoZones), ...analysisWarnings(full.segments, { text: analysis.text, share: true })] };
      } else {
        // Typed segments are unused here, but their static analysis's warnings are diagnostics too.
        const context = { schema: project.schema, catalog, ...(timeZone !== undefined ? { timeZone } : {}), ...(lists ? { memberLists: lists } : {}) };
        result = { segments: [], diagnostics: doc.checks.check(analysis, context).diagnostics };
      }
    } catch (e) {
      // A checker bug must not take the editor down: say so where the user looks.
      crash = `internal error analysing this document: ${errorMessage(e)} (please report it)`;
      this.onInternalError(doc.uri, e);
    }
    doc.checked = { key, schema: project.schema, result, crash, elsewhere };
    return doc.checked;
  }

  /** Fixes offered for the diagnostics overlapping `[from, to]` (see `fixTouches`). */
  codeActions(uri: string, from: number, to: number): CodeAction[] {
    return this.diagnostics(uri)
      .filter((d) => fixTouches(d, from, to))
      .map((d) => d.fix!);
  }

  // ---- completion and hover ------------------------------------------------------------------------

  /** Completion proposals at `offset`. */
  complete(uri: string, offset: number): CompletionResult {
    const doc = this.state(uri);
    const analysis = doc ? this.analysis(doc) : null;
    if (!analysis) return { items: [], from: offset, to: offset };
    const project = this.projectOf(uri);
    const timeZone = project.timeZone ?? project.schema?.timeZone;
    return complete(analysis, offset, { schema: project.schema, segments: this.segmentSummaries(uri), ...(timeZone !== undefined ? { timeZone } : {}) });
  }

  /** Hover at `offset`. */
  hover(uri: string, offset: number): HoverResult | null {
    const doc = this.state(uri);
    const analysis = doc ? this.analysis(doc) : null;
    if (!analysis) return null;
    const project = this.projectOf(uri);
    const timeZone = project.timeZone ?? project.schema?.timeZone;
    return hover(analysis, offset, {
      schema: project.schema,
      segment: (name) => this.segmentDefinition(uri, name),
      now: this.clock(),
      ...(timeZone !== undefined ? { timeZone } : {}),
    });
  }

  private segmentSummaries(uri: string): SegmentSummary[] {
    const out: SegmentSummary[] = [];
    for (const u of [uri, ...this.projectDocuments(uri).filter((x) => x !== uri)]) {
      const analysis = this.analysisOf(u);
      if (!analysis) continue;
      for (const d of analysis.declarations) {
        out.push({
          name: d.name,
          title: d.declaration.title?.value ?? null,
          description: d.declaration.description?.value ?? null,
          file: u === uri ? null : fileName(u),
        });
      }
    }
    return out;
  }

  private segmentDefinition(uri: string, name: string): SegmentDefinition | null {
    const found = this.findDeclaration(uri, name);
    if (!found) return null;
    const { info, uri: where } = found;
    const text = this.docs.get(where)!.text;
    return {
      name,
      title: info.declaration.title?.value ?? null,
      description: info.declaration.description?.value ?? null,
      source: text.slice(info.span.start, info.span.end),
      file: where === uri ? null : fileName(where),
      ...(this.projectOf(uri).memberLists?.has(name) ? { memberList: true } : {}),
    };
  }

  /** The declaration of a segment: in the document itself first, then in the project's other documents. */
  private findDeclaration(uri: string, name: string) {
    const order = [uri, ...this.projectDocuments(uri).filter((u) => u !== uri)];
    for (const u of order) {
      const analysis = this.analysisOf(u);
      const info = analysis?.declarations.find((d) => d.name === name);
      if (info) return { uri: u, info };
    }
    return null;
  }

  // ---- formatting --------------------------------------------------------------------------------

  /**
   * Edits that turn the document into its canonical form; `[]` when it already is. Null when it cannot be
   * formatted (syntax errors: printing a partial tree would drop text).
   */
  format(uri: string): Edit[] | null {
    const doc = this.state(uri);
    const analysis = doc ? this.analysis(doc) : null;
    if (!analysis || !analysis.syntaxOk) return null;
    let formatted: string;
    try {
      formatted = format(analysis.document);
    } catch {
      return null;
    }
    return minimalEdit(analysis.text, inLineEndsOf(analysis.text, formatted));
  }

  // ---- symbols and navigation ------------------------------------------------------------------------

  /** The named segments of a document. */
  symbols(uri: string): DocumentSymbol[] {
    const analysis = this.analysisOf(uri);
    if (!analysis) return [];
    return analysis.declarations.map((d) => {
      const s: DocumentSymbol = { name: d.name, kind: "segment", from: d.span.start, to: d.span.end, nameFrom: d.nameSpan.start, nameTo: d.nameSpan.end };
      if (d.declaration.title) s.detail = d.declaration.title.value;
      return s;
    });
  }

  /** The segment name at `offset` (a declaration's or a reference's), with its range. */
  private segmentNameAt(uri: string, offset: number): { name: string; from: number; to: number } | null {
    const analysis = this.analysisOf(uri);
    if (!analysis || offset < 0 || offset > analysis.text.length) return null;
    for (const at of offset > 0 ? [offset, offset - 1] : [offset]) {
      const piece = analysis.pieceAt(at);
      const target = targetAt(piece.parse.document.segments, at - piece.start);
      if (target?.kind === "declaration" && target.declaration.name !== null) {
        const span = shiftSpan(target.declaration.nameSpan!, piece);
        return { name: target.declaration.name, from: span.start, to: span.end };
      }
      if (target?.kind === "segmentRef") {
        const span = shiftSpan(target.ref.nameSpan, piece);
        if (span.start <= at && at < span.end) return { name: target.ref.name, from: span.start, to: span.end };
      }
    }
    return null;
  }

  /**
   * Where the thing named at `offset` is defined: a segment's declaration; a field's or an event property's
   * key in the schema file, or an event's entry in the schema's `names` (when the host gave `schemaSource`).
   */
  definition(uri: string, offset: number): Location[] {
    const at = this.segmentNameAt(uri, offset);
    if (!at) return this.schemaDefinition(uri, offset);
    const found = this.findDeclaration(uri, at.name);
    return found ? [{ uri: found.uri, from: found.info.nameSpan.start, to: found.info.nameSpan.end }] : [];
  }

  /** The parse of the last schema text asked for (the schema changes rarely; documents ask often). */
  private schemaTree: { text: string; root: JsonNode | null } | null = null;

  private schemaDefinition(uri: string, offset: number): Location[] {
    const project = this.projectOf(uri);
    const { schema, schemaSource: source } = project;
    const analysis = this.analysisOf(uri);
    if (!schema || !source || !analysis || offset < 0 || offset > analysis.text.length) return [];
    // The cursor may be just after a name (where editors put it after a double-click or typing).
    for (const at of offset > 0 ? [offset, offset - 1] : [offset]) {
      const piece = analysis.pieceAt(at);
      const target = targetAt(piece.parse.document.segments, at - piece.start);
      let path: JsonPath | null = null;
      let on: "key" | "value" = "key";
      if (target?.kind === "field") {
        if (target.scope.kind === "contact") {
          const def = lookup(schema.fields, target.field.name);
          if (def) path = ["fields", def.name];
        } else if (schema.events) {
          const def = lookup(schema.events.properties, target.field.name);
          if (def) path = ["events", "properties", def.name];
        }
      } else if (target?.kind === "event" && target.event.name.kind === "string") {
        const index = schema.events?.names?.indexOf(target.event.name.value) ?? -1;
        if (index >= 0) {
          path = ["events", "names", index];
          on = "value";
        }
      }
      if (!path) continue;
      if (this.schemaTree?.text !== source.text) this.schemaTree = { text: source.text, root: parseJsonTree(source.text).root };
      const root = this.schemaTree.root;
      if (!root) return [];
      const range = rangeOfJsonPath(root, path, on);
      return range.exact ? [{ uri: source.uri, from: range.from, to: range.to }] : [];
    }
    return [];
  }

  /** Every place the segment named at `offset` is referred to (and declared, when asked), across the project. */
  references(uri: string, offset: number, includeDeclaration = true): Location[] {
    const at = this.segmentNameAt(uri, offset);
    return at ? this.occurrences(uri, at.name, includeDeclaration) : [];
  }

  private occurrences(uri: string, name: string, includeDeclaration: boolean): Location[] {
    const out: Location[] = [];
    for (const u of this.projectDocuments(uri)) {
      const analysis = this.analysisOf(u);
      if (!analysis) continue;
      for (const piece of analysis.pieces) {
        const doc = piece.parse.document;
        if (includeDeclaration && !doc.bare) {
          for (const d of doc.segments) {
            if (d.name === name && d.nameSpan) {
              const s = shiftSpan(d.nameSpan, piece);
              out.push({ uri: u, from: s.start, to: s.end });
            }
          }
        }
        for (const ref of segmentRefs(doc.segments)) {
          if (ref.name === name) {
            const s = shiftSpan(ref.nameSpan, piece);
            out.push({ uri: u, from: s.start, to: s.end });
          }
        }
      }
    }
    return out.sort((a, b) => (a.uri === b.uri ? a.from - b.from : a.uri < b.uri ? -1 : 1));
  }

  /** The range and current name a rename at `offset` would change, or why there is none. */
  prepareRename(uri: string, offset: number): (Range & { placeholder: string }) | RenameError {
    const at = this.segmentNameAt(uri, offset);
    if (!at) return { error: "only segment names can be renamed: put the cursor on a segment's name or on an 'in segment' reference" };
    return { from: at.from, to: at.to, placeholder: at.name };
  }

  /** Renames the segment named at `offset` everywhere in the project. */
  rename(uri: string, offset: number, newName: string): WorkspaceEdit | RenameError {
    const at = this.segmentNameAt(uri, offset);
    if (!at) return { error: "only segment names can be renamed" };
    if (newName.trim() === "") return { error: "a segment name cannot be empty" };
    if (/[\r\n]/.test(newName)) return { error: "a segment name cannot contain a line break" };
    if (newName === at.name) return { changes: {} };
    if (this.findDeclaration(uri, newName)) return { error: `a segment named ${quoteString(newName)} already exists` };
    const text = quoteString(newName);
    const changes: Record<string, Edit[]> = {};
    for (const loc of this.occurrences(uri, at.name, true)) {
      (changes[loc.uri] ??= []).push({ from: loc.from, to: loc.to, text });
    }
    return { changes };
  }

  // ---- highlighting and folding ----------------------------------------------------------------------

  /** Classified tokens of a document, in order. */
  semanticTokens(uri: string): SemanticToken[] {
    const analysis = this.analysisOf(uri);
    if (!analysis) return [];
    const out: SemanticToken[] = [];
    const pieces = analysis.pieces;
    // One piece at the start is the whole document: its tokens as they are (nobody changes them).
    if (pieces.length === 1 && pieces[0]!.start === 0) return [...pieceSemanticTokens(pieces[0]!.parse)];
    for (const piece of pieces) {
      for (const t of pieceSemanticTokens(piece.parse)) out.push({ ...t, from: t.from + piece.start, to: t.to + piece.start });
    }
    return out;
  }

  /** Foldable regions of a document. */
  foldingRanges(uri: string): FoldingRange[] {
    const analysis = this.analysisOf(uri);
    if (!analysis) return [];
    return analysis.pieces.flatMap((piece) =>
      pieceFoldingRanges(piece.parse).map((r) => ({ ...r, from: r.from + piece.start, to: r.to + piece.start })));
  }
}

/** Most related locations attached to a project summary (each is one problem in segql.json or the schema). */
const MAX_RELATED = 50;

/**
 * The one warning a project's documents show for its problems: the problem itself with its place when
 * there is one (`segql.json:3:15: unknown key …`), else how many each file has, with every located problem
 * as related information.
 */
export function projectSummary(project: ProjectInfo): ServiceDiagnostic | null {
  const problems = project.problems ?? [];
  if (problems.length === 0) return null;
  const where = (p: ProjectProblem) => (p.location ? `${fileName(p.location.uri)}:${p.location.line}:${p.location.column}: ` : "");
  let message: string;
  if (problems.length === 1) message = `${where(problems[0]!)}${problems[0]!.message}`;
  else {
    const byFile = new Map<string, number>();
    for (const p of problems) {
      const name = p.location ? fileName(p.location.uri) : "the project";
      byFile.set(name, (byFile.get(name) ?? 0) + 1);
    }
    message = [...byFile].map(([name, n]) => `${name} has ${n} ${n === 1 ? "problem" : "problems"}`).join(", ");
  }
  if (project.schema === null) message += "; checking syntax only";
  const related = problems
    .filter((p) => p.location)
    .slice(0, MAX_RELATED)
    .map((p) => ({ uri: p.location!.uri, from: p.location!.from, to: p.location!.to, message: p.message }));
  return { code: "config", severity: "warning", from: 0, to: 0, message, ...(related.length ? { related } : {}) };
}

/** The message of an exception, whatever was thrown. */
function errorMessage(e: unknown): string {
  if (e instanceof Error) return `${e.name === "Error" ? "" : `${e.name}: `}${e.message}`;
  try {
    return String(e);
  } catch {
    return "an exception";
  }
}

/** The UTF-8 length of `after`, from that of `before` (`beforeBytes`) and what differs between them. */
function utf8LengthAfterChange(before: string, beforeBytes: number, after: string): number {
  let { from, beforeEnd, afterEnd } = changeBetween(before, after);
  // A surrogate pair counts 4 bytes, each half alone 3: never cut one.
  if (from > 0 && isHighSurrogate(before.charCodeAt(from - 1))) from--;
  if (beforeEnd < before.length && isLowSurrogate(before.charCodeAt(beforeEnd))) {
    beforeEnd++;
    afterEnd++;
  }
  return beforeBytes - utf8Length(before.slice(from, beforeEnd)) + utf8Length(after.slice(from, afterEnd));
}

/** `1.2 MB`, `840 KB`, `12 bytes`: a size for messages. */
function sizeOf(bytes: number): string {
  if (bytes >= 1_000_000) return `${(bytes / 1_000_000).toFixed(1)} MB`;
  return bytes >= 1000 ? `${Math.ceil(bytes / 1000)} KB` : `${bytes} bytes`;
}

/** The last path segment of a URI or path, for "defined in …". */
/**
 * Whether a diagnostic has a fix to offer for `[from, to]`: the range touches the diagnostic or what its fix
 * edits. A misspelt keyword is often noticed on the token after it (`nto is_verified` fails at
 * `is_verified`): its fix is offered with the cursor on the word it replaces too.
 */
export function fixTouches(d: ServiceDiagnostic, from: number, to: number): boolean {
  if (!d.fix) return false;
  if (d.from <= to && from <= d.to) return true;
  return d.fix.edits.some((e) => e.from <= to && from <= e.to);
}

/**
 * A segment name this document declares that a document of the project before it (by URI, so every
 * document agrees which is later) declares too: an error on this document's first declaration of it,
 * naming the other file, as `segql check -f a.segql -f b.segql` reports it (an `in segment` could not
 * tell which is meant). A name repeated within this document is the checker's `duplicate-segment` already.
 */
function definedElsewhere(uri: string, analysis: DocumentAnalysis, before: readonly { uri: string; analysis: DocumentAnalysis }[]): ServiceDiagnostic[] {
  if (before.length === 0 || analysis.declarations.length === 0) return [];
  const first = new Map<string, { uri: string; nameSpan: { start: number; end: number; line: number } }>();
  for (const b of [...before].sort((x, y) => (x.uri < y.uri ? -1 : 1))) {
    for (const info of b.analysis.declarations) if (!first.has(info.name)) first.set(info.name, { uri: b.uri, nameSpan: info.nameSpan });
  }
  const out: ServiceDiagnostic[] = [];
  const seen = new Set<string>();
  for (const info of analysis.declarations) {
    if (seen.has(info.name)) continue;
    seen.add(info.name);
    const other = first.get(info.name);
    if (!other) continue;
    // Two files of one name in different folders: the other's whole path says which.
    const file = fileName(other.uri) === fileName(uri) ? filePath(other.uri) : fileName(other.uri);
    const message = messages.duplicateSegmentIn(info.name, file, other.nameSpan.line);
    out.push({
      code: "duplicate-segment", severity: "error", from: info.nameSpan.start, to: info.nameSpan.end, message,
      related: [{ uri: other.uri, from: other.nameSpan.start, to: other.nameSpan.end, message: `segment "${info.name}" is first defined here` }],
    });
  }
  return out;
}

/** A URI's path, decoded (a message's name for a file). */
function filePath(uri: string): string {
  const clean = uri.replace(/[?#].*$/, "").replace(/^file:\/\//, "");
  try {
    return decodeURIComponent(clean);
  } catch {
    return clean;
  }
}

function fileName(uri: string): string {
  const clean = uri.replace(/[?#].*$/, "");
  try {
    return decodeURIComponent(clean.slice(clean.lastIndexOf("/") + 1));
  } catch {
    return clean.slice(clean.lastIndexOf("/") + 1);
  }
}

/** One edit replacing only what differs between two texts (common prefix and suffix kept). */
/**
 * The formatter's text (LF, no BOM) with the document's line ends and BOM: an editor that inserts an edit's
 * text as it is (most but VS Code) would otherwise leave a CRLF file with mixed line ends, or drop its BOM.
 */
export function inLineEndsOf(document: string, formatted: string): string {
  const firstBreak = document.indexOf("\n");
  const crlf = firstBreak > 0 && document.charCodeAt(firstBreak - 1) === 13;
  const text = crlf ? formatted.replace(/\n/g, "\r\n") : formatted;
  return document.startsWith("\uFEFF") && !text.startsWith("\uFEFF") ? `\uFEFF${text}` : text;
}

export function minimalEdit(before: string, after: string): Edit[] {
  if (before === after) return [];
  let start = 0;
  const max = Math.min(before.length, after.length);
  while (start < max && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let endBefore = before.length;
  let endAfter = after.length;
  while (endBefore > start && endAfter > start && before.charCodeAt(endBefore - 1) === after.charCodeAt(endAfter - 1)) {
    endBefore--;
    endAfter--;
  }
  // Do not split a surrogate pair.
  if (start > 0 && isHighSurrogate(before.charCodeAt(start - 1))) start--;
  if (endBefore < before.length && isLowSurrogate(before.charCodeAt(endBefore))) {
    endBefore++;
    endAfter++;
  }
  return [{ from: start, to: endBefore, text: after.slice(start, endAfter) }];
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}
