/**
 * segql for CodeMirror 6, built on the language service (`src/service`), with no grammar of its own:
 *
 *   segql({ schema }) ─▶ LanguageSupport
 *     language  tree of the service's semantic tokens (tree.ts) ─▶ highlighting, bracket matching, `--` comments
 *     support   completion (the service's ranking), lint with fixes as actions, hover, folding, Shift-Alt-F format
 *
 * ```ts
 * import { EditorView, basicSetup } from "codemirror";
 * import { segql } from "segql/codemirror";
 * new EditorView({ doc: "tenure > 12", extensions: [basicSetup, segql({ schema })], parent });
 * ```
 * The host adds the generic editor parts it wants (`autocompletion()`, `bracketMatching()`, `foldGutter()`,
 * keymaps); segql provides the language-specific answers they ask for.
 */
import { defineLanguageFacet, foldService, Language, LanguageSupport, syntaxHighlighting } from "@codemirror/language";
import { linter, type Diagnostic } from "@codemirror/lint";
import { Prec } from "@codemirror/state";
import { keymap } from "@codemirror/view";
import { LanguageService, type ProjectInfo } from "../service/index.js";
import type { Schema } from "../schema/schema.js";
import { completionSource } from "./completion.js";
import { foldRangeAt } from "./fold.js";
import { formatKeymap } from "./format.js";
import { segqlHover } from "./hover.js";
import { diagnosticsOf } from "./lint.js";
import { segqlSession, type SegqlSession } from "./session.js";
import { segqlBaseTheme, segqlLightHighlight } from "./theme.js";
import { nodeSet, ServiceTokenParser } from "./tree.js";

export { formatSegql, formatKeymap } from "./format.js";
export { applyFix, diagnosticsOf, toDiagnostic } from "./lint.js";
export { hoverAt } from "./hover.js";
export { completionSource, toCodeMirrorSnippet, toCompletion } from "./completion.js";
export { foldRangeAt } from "./fold.js";
export { renderMarkdown } from "./markdown.js";
export { documentOf, segqlSession, type SegqlSession } from "./session.js";
export { segqlBaseTheme, segqlDarkHighlight, segqlLightHighlight } from "./theme.js";
export { buildTree, NODE_NAMES, type NodeName } from "./tree.js";

/** Options of `segql`. */
export interface SegqlConfig {
  /** The schema fields and events are checked and completed against; null: syntax only. */
  schema?: Schema | null;
  /**
   * A language service to share with other editors or code (segments of other documents in the same
   * project are then known to `in segment`). Default: a new one holding only this editor's document.
   */
  service?: LanguageService;
  /** The document's name in the service. Default `segql://editor`. */
  uri?: string;
  /** Milliseconds after the last change before lint runs. Default 150. */
  lintDelay?: number;
  /** Include the built-in light highlight style as a fallback (used when the host sets none). Default true. */
  highlight?: boolean;
}

/**
 * segql language support for a CodeMirror 6 editor: the language (highlighting, brackets, comments) and
 * completion, lint with quick fixes, hover, folding and formatting, all answered by the language service.
 */
export function segql(config: SegqlConfig = {}): LanguageSupport {
  const schema = config.schema ?? null;
  const project: ProjectInfo = { key: "segql", schema };
  const service = config.service ?? new LanguageService({ project: () => project });
  const session: SegqlSession = { service, uri: config.uri ?? "segql://editor" };
  const language = segqlLanguage(session);
  const support = [
    segqlSession.of(session),
    language.data.of({ autocomplete: completionSource(session) }),
    linter((view): Diagnostic[] => diagnosticsOf(session, view.state), { delay: config.lintDelay ?? 150 }),
    segqlHover(session),
    foldService.of(foldRangeAt(session)),
    Prec.high(keymap.of(formatKeymap)),
    segqlBaseTheme,
  ];
  if (config.highlight ?? true) support.push(syntaxHighlighting(segqlLightHighlight, { fallback: true }));
  return new LanguageSupport(language, support);
}

/**
 * The language alone (tree, highlighting tags, comment and bracket data) for a session: what `segql`
 * wraps. Each session gets its own, since the parser asks that session's service.
 */
export function segqlLanguage(session: SegqlSession): Language {
  const data = defineLanguageFacet({
    commentTokens: { line: "--" },
    closeBrackets: { brackets: ["(", '"', "'", "`"] },
    wordChars: "_.",
  });
  return new Language(data, new ServiceTokenParser(session.service, session.uri, nodeSet(data)), [], "segql");
}
