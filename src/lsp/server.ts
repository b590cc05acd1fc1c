/**
 * The segql language server: the language service (`src/service`) over the Language Server Protocol.
 * Everything language-specific is in the service; this file maps requests to it (`convert.ts` does the
 * offset ↔ position work), keeps documents in sync (incremental changes), pushes diagnostics, and loads
 * projects from `segql.json` (`workspace.ts`).
 *
 * The service runs in a worker thread under a watchdog (`analysis-client.ts`): a request that runs past
 * its time budget, or an analysis that runs out of memory, is stopped and answered with an error, and the
 * document it was analysing shows one diagnostic saying so, while the main thread keeps serving.
 *
 * Robustness: every handler runs inside `guard`, so a bug answers with an error response instead of
 * ending the process; malformed params get `InvalidParams`; unknown methods get `MethodNotFound` from
 * the JSON-RPC layer. Cancelled requests answer `RequestCancelled`; a request whose document changed
 * while it ran is answered for the text it was asked about.
 */
import { readFileSync, statSync } from "node:fs";
import {
  CodeActionKind,
  DiagnosticSeverity,
  DidChangeWatchedFilesNotification,
  ErrorCodes,
  LSPErrorCodes,
  ResponseError,
  TextDocuments,
  TextDocumentSyncKind,
  type CancellationToken,
  type CodeAction,
  type Connection,
  type Diagnostic,
  type InitializeParams,
  type InitializeResult,
  type Position,
  type TextEdit,
  type WorkspaceEdit,
} from "vscode-languageserver/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import { VERSION } from "../version.js";
import type { ProjectInfo, ServiceDiagnostic } from "../service/index.js";
import { AnalysisClient, AnalysisStopped, CallCancelled } from "./analysis-client.js";
import type { ServiceArgs, ServiceMethod, ServiceResult, TestFaults } from "./analysis-protocol.js";
import { fromRange, SEMANTIC_LEGEND, toCompletionItem, toDiagnostic, toFoldingRange, toRange, toSemanticTokens, type PositionSource } from "./convert.js";
import { DiagnosticsSchedule } from "./diagnostics-schedule.js";
import { CONFIG_NAME, pathToUri, uriToPath, Workspace, type Project } from "../project/workspace.js";

const EMPTY_POSITIONS = TextDocument.create("segql:empty", "json", 0, "");

/** Options of the server (tests and benchmarks tune them). */
export interface ServerOptions {
  /**
   * Diagnostics are published at once after a change when none were published for that document in the
   * last `diagnosticsWindowMs`, else at the end of that window: a single edit gets them immediately, and
   * fast typing at most every window (the last state is always published). Default 50 ms.
   */
  diagnosticsWindowMs?: number;
  /** Disk is checked for changed configs, schemas and segment files at most this often. Default 1000 ms. */
  refreshIntervalMs?: number;
  /** Largest document analysed, in UTF-8 bytes; see `LanguageServiceOptions.maxBytes`. */
  maxBytes?: number;
  /** Longest a request (or a document's analysis for diagnostics) may run, in ms. Default 10,000. */
  budgetMs?: number;
  /** Heap limit of the analysis worker, in MB. Default 2,048. */
  heapMb?: number;
  /** A document stopped by the watchdog is analysed again on a change at most this often (ms). */
  retryAfterMs?: number;
  /** Failures injected into analyses, for tests only (see `TestFaults`). */
  testFaults?: TestFaults;
}

/** What `startServer` returns: a way to stop the analysis worker when the connection ends. */
export interface ServerHandle {
  dispose(): void;
  /** Called on `shutdown` (by the owner of the connection's shutdown handler): requests after it are refused. */
  shutDown(): void;
}

/** Wires the language server's handlers to a connection; the caller calls `connection.listen()`. */
export function startServer(connection: Connection, options: ServerOptions = {}): ServerHandle {
  const windowMs = options.diagnosticsWindowMs ?? 50;
  const refreshMs = options.refreshIntervalMs ?? 1000;
  const workspace = new Workspace();
  const documents = new TextDocuments(TextDocument);
  const projectCache = new Map<string, ProjectInfo>();
  const projectOf = (uri: string): ProjectInfo => {
    let info = projectCache.get(uri);
    if (!info) {
      info = workspace.projectOf(uri).info;
      projectCache.set(uri, info);
    }
    return info;
  };
  const log = (message: string) => connection.console.error(`segql: ${message}`);
  const analysis = new AnalysisClient({
    ...(options.budgetMs !== undefined ? { budgetMs: options.budgetMs } : {}),
    ...(options.heapMb !== undefined ? { heapMb: options.heapMb } : {}),
    ...(options.retryAfterMs !== undefined ? { retryAfterMs: options.retryAfterMs } : {}),
    ...(options.maxBytes !== undefined ? { maxBytes: options.maxBytes } : {}),
    ...(options.testFaults ? { testFaults: options.testFaults } : {}),
    log,
    onStopped: (uri) => {
      if (documents.get(uri)) schedule(uri, true);
      scheduleDependents(uri);
    },
  });
  const setDocument = (uri: string, text: string) => analysis.setDocument(uri, text, projectOf(uri));
  /** Segment files of projects that are not open in the editor, by URI (the service holds their text). */
  const background = new Set<string>();
  let snippets = false;
  let hierarchicalSymbols = false;
  let watchFiles = false;
  let lastRefresh = 0;
  let lastRescan = 0;
  let initialized = false;
  let shutDown = false;

  /** Runs a handler; any exception becomes an error response, logged when it is a bug. */
  function guard<P, R>(name: string, handler: (params: P, token?: CancellationToken) => R | Promise<R>) {
    const failed = (e: unknown): ResponseError<void> => {
      if (e instanceof ResponseError) return e as ResponseError<void>;
      if (e instanceof CallCancelled) return new ResponseError(LSPErrorCodes.RequestCancelled, e.message);
      if (e instanceof AnalysisStopped) return new ResponseError(LSPErrorCodes.RequestFailed, e.message);
      log(`${name} failed: ${(e as Error).stack ?? e}`);
      return new ResponseError(ErrorCodes.InternalError, `segql: ${name} failed: ${(e as Error).message}`);
    };
    return async (params: P, token?: CancellationToken): Promise<R | ResponseError<void>> => {
      // LSP: a request before `initialize` is answered ServerNotInitialized (it was answered as if the
      // document were unknown: null or [], which a client cannot tell from "nothing here").
      if (!initialized) return new ResponseError(ErrorCodes.ServerNotInitialized, `segql: ${name} before initialize: send initialize first`);
      // After `shutdown` a client may only send `exit` (LSP): anything else is an invalid request.
      if (shutDown) return new ResponseError(ErrorCodes.InvalidRequest, `segql: ${name} after shutdown: only exit is taken now`);
      if (token?.isCancellationRequested) return new ResponseError(LSPErrorCodes.RequestCancelled, `${name} was cancelled`);
      try {
        maybeRefresh();
        const result = await handler(params, token);
        if (token?.isCancellationRequested) return new ResponseError(LSPErrorCodes.RequestCancelled, `${name} was cancelled`);
        return result;
      } catch (e) {
        return failed(e);
      }
    };
  }

  /** A service call about `doc`, with the text it was asked about (to convert what it returns). */
  async function ask<M extends ServiceMethod>(doc: TextDocument, method: M, args: ServiceArgs<M>, token?: CancellationToken) {
    const text = doc.getText();
    const version = doc.version;
    const result = await analysis.call(method, args, doc.uri, token);
    // Usually still the same text; else convert with the text the call saw.
    const at: TextDocument = doc.version === version ? doc : TextDocument.create(doc.uri, doc.languageId, version, text);
    return { result: result as ServiceResult<M>, at };
  }

  function safely(name: string, f: () => void): void {
    try {
      f();
    } catch (e) {
      log(`${name} failed: ${(e as Error).stack ?? e}`);
    }
  }

  // ---- params ------------------------------------------------------------------------------------

  function requireDoc(params: unknown): TextDocument | null {
    const uri = (params as { textDocument?: { uri?: unknown } } | null)?.textDocument?.uri;
    if (typeof uri !== "string") throw new ResponseError(ErrorCodes.InvalidParams, "expected params.textDocument.uri (a string)");
    return documents.get(uri) ?? null;
  }

  function requirePosition(params: unknown): Position {
    const p = (params as { position?: { line?: unknown; character?: unknown } } | null)?.position;
    if (!p || !Number.isInteger(p.line) || !Number.isInteger(p.character) || (p.line as number) < 0 || (p.character as number) < 0) {
      throw new ResponseError(ErrorCodes.InvalidParams, "expected params.position { line, character } (non-negative integers)");
    }
    return { line: p.line as number, character: p.character as number };
  }

  /**
   * Offsets ↔ positions for any document of the service (the open one, or its text from disk), and for the
   * config and schema files as the workspace read them.
   */
  function positions(uri: string): PositionSource | null {
    const open = documents.get(uri);
    if (open) return open;
    const text = analysis.text(uri);
    if (text !== undefined) return TextDocument.create(uri, "segql", 0, text);
    const file = workspace.fileText(uri);
    if (file === undefined) return null;
    // Reused while the text is the same: each published diagnostic of a project points into these files.
    let cached = jsonDocuments.get(uri);
    if (!cached || cached.getText() !== file) {
      cached = TextDocument.create(uri, "json", 0, file);
      jsonDocuments.set(uri, cached);
    }
    return cached;
  }
  const jsonDocuments = new Map<string, TextDocument>();

  // ---- projects and files on disk ------------------------------------------------------------------

  /** Size and time of each background file when read, so a refresh reads only the files that changed. */
  const backgroundStamps = new Map<string, string>();

  /** Adds (or re-reads, when changed on disk) the segment files of a project that are not open; true if any was. */
  function loadBackground(project: Project): boolean {
    let read = false;
    for (const path of project.segmentFiles) {
      const uri = pathToUri(path);
      if (isOpen(path)) continue;
      try {
        const stat = statSync(path);
        const stamp = `${stat.size}:${stat.mtimeMs}`;
        if (background.has(uri) && backgroundStamps.get(uri) === stamp) continue;
        setDocument(uri, readFileSync(path, "utf8"));
        background.add(uri);
        backgroundStamps.set(uri, stamp);
        read = true;
      } catch {
        // Deleted in between: the next refresh drops it.
      }
    }
    return read;
  }

  function isOpen(path: string): boolean {
    return documents.all().some((d) => uriToPath(d.uri) === path);
  }

  /** The background document for a path, if any (its URI may be spelt differently from the editor's). */
  function backgroundUriOf(path: string): string | undefined {
    return [...background].find((u) => uriToPath(u) === path);
  }

  function maybeRefresh(force = false): void {
    const now = Date.now();
    if (!force && now - lastRefresh < refreshMs) return;
    lastRefresh = now;
    // Walking the projects' folders and stat-ing every segment file is the expensive part: on a file-change
    // notification, else every tenth refresh (editors that do not watch files still catch up).
    const rescan = force || now - lastRescan >= 10 * refreshMs;
    if (rescan) lastRescan = now;
    const changed = workspace.refresh({ rescan });
    // Re-read background files (a project's file list or their text may have changed).
    const wanted = new Set<string>();
    for (const project of workspace.loadedProjects()) for (const p of project.segmentFiles) wanted.add(pathToUri(p));
    let filesChanged = false;
    for (const uri of [...background]) {
      if (!wanted.has(uri)) {
        analysis.removeDocument(uri);
        background.delete(uri);
        backgroundStamps.delete(uri);
        filesChanged = true;
      }
    }
    if (rescan) for (const project of workspace.loadedProjects()) filesChanged = loadBackground(project) || filesChanged;
    else for (const project of changed) filesChanged = loadBackground(project) || filesChanged;
    if (changed.length > 0) {
      projectCache.clear();
      analysis.updateProjects(projectOf);
      publishConfigProblems();
    }
    if (changed.length > 0 || filesChanged) for (const d of documents.all()) schedule(d.uri, true);
  }

  /** The config and schema files that have diagnostics published, with what was sent (to clear them once fixed). */
  const filesWithProblems = new Map<string, string>();
  /**
   * Publishes each project's problems on the files they are in (segql.json, the schema), whether or not the
   * editor shows them, and clears the files whose problems are gone. A schema shared by two projects gets
   * its problems once.
   */
  function publishConfigProblems(): void {
    const byFile = new Map<string, Map<string, Diagnostic>>();
    const byFileSent = new Map<string, string>();
    for (const project of workspace.loadedProjects()) {
      if (!project.configPath) continue;
      const configUri = pathToUri(project.configPath);
      for (const p of project.info.problems ?? []) {
        const uri = p.location?.uri ?? configUri;
        const source = positions(uri);
        const range = p.location && source ? toRange(source, p.location.from, p.location.to) : toRange(EMPTY_POSITIONS, 0, 0);
        const diagnostic: Diagnostic = {
          range,
          severity: p.severity === "error" ? DiagnosticSeverity.Error : p.severity === "warning" ? DiagnosticSeverity.Warning : DiagnosticSeverity.Information,
          code: uri === configUri ? "config" : "schema",
          source: "segql",
          message: p.message,
        };
        const file = byFile.get(uri) ?? new Map<string, Diagnostic>();
        file.set(JSON.stringify(diagnostic), diagnostic);
        byFile.set(uri, file);
      }
    }
    for (const [uri, diagnostics] of byFile) {
      const list = [...diagnostics.values()].sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
      // Called on every open of a segment file: send only what the client does not have yet.
      const sent = JSON.stringify(list);
      if (filesWithProblems.get(uri) !== sent) void connection.sendDiagnostics({ uri, diagnostics: list });
      byFileSent.set(uri, sent);
    }
    for (const uri of filesWithProblems.keys()) if (!byFile.has(uri)) void connection.sendDiagnostics({ uri, diagnostics: [] });
    filesWithProblems.clear();
    for (const [uri, sent] of byFileSent) filesWithProblems.set(uri, sent);
  }

  // ---- diagnostics -----------------------------------------------------------------------------------

  const diagnosticsSchedule = new DiagnosticsSchedule(windowMs, (uri) => publish(uri), (e) => log(`diagnostics failed: ${(e as Error).stack ?? e}`));
  /** Publishes a document's diagnostics now or within its window (see diagnostics-schedule.ts). */
  const schedule = (uri: string, soon = false): void => diagnosticsSchedule.schedule(uri, soon);
  const cancelScheduled = (uri: string): void => diagnosticsSchedule.cancel(uri);

  async function publish(uri: string): Promise<void> {
    const doc = documents.get(uri);
    if (!doc) return;
    const version = doc.version;
    let list: ServiceDiagnostic[];
    try {
      const { value, ms } = await analysis.timedCall("diagnostics", [uri], uri, undefined, true);
      list = value;
      diagnosticsSchedule.published(uri, ms);
    } catch (e) {
      // Stopped by the watchdog: the document now says so, and is published again (onStopped).
      if (e instanceof AnalysisStopped || e instanceof CallCancelled) return;
      throw e;
    }
    // A newer version is on its way (its change scheduled a publication); these are for older text.
    const current = documents.get(uri);
    if (!current || current.version !== version) return;
    void connection.sendDiagnostics({ uri, version, diagnostics: list.map((d) => toDiagnostic(current, d, positions)) });
  }

  /** Other open documents of the project may refer to this one's segments: refresh theirs a little later. */
  function scheduleDependents(uri: string): void {
    const key = projectOf(uri).key;
    for (const d of documents.all()) {
      if (d.uri !== uri && projectOf(d.uri).key === key) setTimeout(() => schedule(d.uri), Math.max(windowMs, 100)).unref?.();
    }
  }

  // ---- lifecycle -------------------------------------------------------------------------------------

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    initialized = true;
    const caps = params.capabilities ?? {};
    snippets = caps.textDocument?.completion?.completionItem?.snippetSupport === true;
    hierarchicalSymbols = caps.textDocument?.documentSymbol?.hierarchicalDocumentSymbolSupport === true;
    watchFiles = caps.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
    return {
      serverInfo: { name: "segql", version: VERSION },
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        completionProvider: { triggerCharacters: [" ", "(", ",", '"'], resolveProvider: false },
        hoverProvider: true,
        documentFormattingProvider: true,
        documentSymbolProvider: true,
        definitionProvider: true,
        referencesProvider: true,
        renameProvider: { prepareProvider: true },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        semanticTokensProvider: { legend: SEMANTIC_LEGEND, full: true, range: false },
        foldingRangeProvider: true,
      },
    };
  });

  connection.onInitialized(() => {
    if (watchFiles) {
      void connection.client.register(DidChangeWatchedFilesNotification.type, {
        watchers: [{ globPattern: `**/${CONFIG_NAME}` }, { globPattern: "**/*.json" }, { globPattern: "**/*.segql" }],
      }).catch(() => undefined);
    }
  });

  connection.onDidChangeWatchedFiles(() => safely("watched files", () => maybeRefresh(true)));

  // ---- documents -------------------------------------------------------------------------------------

  documents.onDidOpen((e) => safely("open", () => {
    const path = uriToPath(e.document.uri);
    const shadowed = path ? backgroundUriOf(path) : undefined;
    if (shadowed && shadowed !== e.document.uri) {
      analysis.removeDocument(shadowed);
      background.delete(shadowed);
      backgroundStamps.delete(shadowed);
    }
    background.delete(e.document.uri);
    backgroundStamps.delete(e.document.uri);
    setDocument(e.document.uri, e.document.getText());
    const project = workspace.projectOf(e.document.uri);
    if (project.configPath) {
      loadBackground(project);
      publishConfigProblems();
    }
  }));
  documents.onDidChangeContent((e) => safely("change", () => {
    setDocument(e.document.uri, e.document.getText());
    schedule(e.document.uri);
    scheduleDependents(e.document.uri);
  }));
  documents.onDidClose((e) => safely("close", () => {
    const uri = e.document.uri;
    cancelScheduled(uri);
    analysis.removeDocument(uri);
    void connection.sendDiagnostics({ uri, diagnostics: [] });
    // A project file closed in the editor is still part of the project: read it back from disk.
    const path = uriToPath(uri);
    const project = workspace.projectOf(uri);
    if (path && project.segmentFiles.includes(path)) loadBackground(project);
    scheduleDependents(uri);
  }));

  // ---- requests ----------------------------------------------------------------------------------------

  connection.onCompletion(guard("completion", async (params, token) => {
    const doc = requireDoc(params);
    const position = requirePosition(params);
    if (!doc) return null;
    const { result, at } = await ask(doc, "complete", [doc.uri, doc.offsetAt(position)], token);
    const range = toRange(at, result.from, result.to);
    return { isIncomplete: false, items: result.items.map((i) => toCompletionItem(i, range, snippets)) };
  }));

  connection.onHover(guard("hover", async (params, token) => {
    const doc = requireDoc(params);
    const position = requirePosition(params);
    if (!doc) return null;
    const { result: h, at } = await ask(doc, "hover", [doc.uri, doc.offsetAt(position)], token);
    return h ? { contents: { kind: "markdown", value: h.markdown }, range: toRange(at, h.from, h.to) } : null;
  }));

  connection.onDocumentFormatting(guard("formatting", async (params, token) => {
    const doc = requireDoc(params);
    if (!doc) return null;
    const { result: edits, at } = await ask(doc, "format", [doc.uri], token);
    if (edits === null) {
      log(`formatting ${doc.uri}: the file has syntax errors; fix them first`);
      return null;
    }
    return edits.map((e): TextEdit => ({ range: toRange(at, e.from, e.to), newText: e.text }));
  }));

  connection.onDocumentSymbol(guard("documentSymbol", async (params, token) => {
    const requested = requireDoc(params);
    if (!requested) return null;
    const { result: symbols, at: doc } = await ask(requested, "symbols", [requested.uri], token);
    const CLASS = 5;
    if (hierarchicalSymbols) {
      return symbols.map((s) => ({
        name: s.name,
        ...(s.detail ? { detail: s.detail } : {}),
        kind: CLASS,
        range: toRange(doc, s.from, s.to),
        selectionRange: toRange(doc, s.nameFrom, s.nameTo),
      }));
    }
    return symbols.map((s) => ({ name: s.name, kind: CLASS, location: { uri: doc.uri, range: toRange(doc, s.from, s.to) } }));
  }));

  const toLocations = (locs: { uri: string; from: number; to: number }[]) =>
    locs.flatMap((l) => {
      const p = positions(l.uri);
      return p ? [{ uri: l.uri, range: toRange(p, l.from, l.to) }] : [];
    });

  connection.onDefinition(guard("definition", async (params, token) => {
    const doc = requireDoc(params);
    const position = requirePosition(params);
    if (!doc) return null;
    return toLocations((await ask(doc, "definition", [doc.uri, doc.offsetAt(position)], token)).result);
  }));

  connection.onReferences(guard("references", async (params, token) => {
    const doc = requireDoc(params);
    const position = requirePosition(params);
    if (!doc) return null;
    const include = (params as { context?: { includeDeclaration?: unknown } }).context?.includeDeclaration !== false;
    return toLocations((await ask(doc, "references", [doc.uri, doc.offsetAt(position), include], token)).result);
  }));

  connection.onPrepareRename(guard("prepareRename", async (params, token) => {
    const doc = requireDoc(params);
    const position = requirePosition(params);
    if (!doc) return null;
    const { result: r, at } = await ask(doc, "prepareRename", [doc.uri, doc.offsetAt(position)], token);
    if ("error" in r) throw new ResponseError(ErrorCodes.InvalidRequest, r.error);
    return { range: toRange(at, r.from, r.to), placeholder: r.placeholder };
  }));

  connection.onRenameRequest(guard("rename", async (params, token) => {
    const doc = requireDoc(params);
    const position = requirePosition(params);
    if (typeof (params as { newName?: unknown }).newName !== "string") throw new ResponseError(ErrorCodes.InvalidParams, "expected params.newName (a string)");
    if (!doc) return null;
    const { result: r } = await ask(doc, "rename", [doc.uri, doc.offsetAt(position), params.newName], token);
    if ("error" in r) throw new ResponseError(ErrorCodes.InvalidRequest, r.error);
    const changes: WorkspaceEdit["changes"] = {};
    for (const [uri, edits] of Object.entries(r.changes)) {
      const p = positions(uri);
      if (p) changes[uri] = edits.map((e) => ({ range: toRange(p, e.from, e.to), newText: e.text }));
    }
    return { changes };
  }));

  connection.onCodeAction(guard("codeAction", async (params, token) => {
    const requested = requireDoc(params);
    if (!requested) return null;
    if (!params.range || typeof params.range !== "object") throw new ResponseError(ErrorCodes.InvalidParams, "expected params.range");
    const { from, to } = fromRange(requested, params.range);
    const { result: diagnostics, at: doc } = await ask(requested, "diagnostics", [requested.uri], token);
    const actions: CodeAction[] = [];
    for (const d of diagnostics) {
      // As the service's `fixTouches`: on the diagnostic, or on what its fix edits (a misspelt keyword
      // noticed on the token after it). Not imported: the service runs in the analysis worker.
      if (!d.fix || ((d.to < from || d.from > to) && !d.fix.edits.some((e) => e.from <= to && from <= e.to))) continue;
      actions.push({
        title: d.fix.title,
        kind: CodeActionKind.QuickFix,
        isPreferred: d.fix.preferred,
        diagnostics: [toDiagnostic(doc, d, positions)],
        edit: { changes: { [doc.uri]: d.fix.edits.map((e) => ({ range: toRange(doc, e.from, e.to), newText: e.text })) } },
      });
    }
    return actions;
  }));

  connection.languages.semanticTokens.on(guard("semanticTokens", async (params, token) => {
    const doc = requireDoc(params);
    if (!doc) return { data: [] };
    const { result, at } = await ask(doc, "semanticTokens", [doc.uri], token);
    return toSemanticTokens(at, result);
  }));

  connection.onFoldingRanges(guard("foldingRange", async (params, token) => {
    const doc = requireDoc(params);
    if (!doc) return null;
    const { result, at } = await ask(doc, "foldingRanges", [doc.uri], token);
    return result.flatMap((r) => {
      const f = toFoldingRange(at, r);
      return f ? [f] : [];
    });
  }));

  documents.listen(connection);
  return {
    dispose: () => analysis.dispose(),
    shutDown: () => {
      shutDown = true;
    },
  };
}
