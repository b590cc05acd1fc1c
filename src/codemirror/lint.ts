/**
 * Lint from the language service: the parser's and checker's diagnostics, each fix offered as an action
 * (the lint tooltip's button, and the lint panel's, reachable from the keyboard).
 */
import type { EditorView } from "@codemirror/view";
import type { EditorState } from "@codemirror/state";
import type { Diagnostic } from "@codemirror/lint";
import type { CodeAction, ServiceDiagnostic } from "../service/index.js";
import { documentOf, type SegqlSession } from "./session.js";

/** The service's diagnostics as CodeMirror's, clamped to the document. */
export function diagnosticsOf(session: SegqlSession, state: EditorState): Diagnostic[] {
  const uri = documentOf(session, state);
  const length = state.doc.length;
  return session.service.diagnostics(uri).map((d) => toDiagnostic(d, length));
}

/** One service diagnostic; a fix becomes an action applying its edits in one transaction. */
export function toDiagnostic(d: ServiceDiagnostic, length: number): Diagnostic {
  const from = Math.min(Math.max(0, d.from), length);
  const to = Math.min(Math.max(from, d.to), length);
  const out: Diagnostic = { from, to, severity: d.severity, message: d.message, source: `segql ${d.code}` };
  if (d.fix) out.actions = [{ name: d.fix.title, apply: (view: EditorView) => applyFix(view, d.fix!) }];
  return out;
}

/** Applies a fix's edits (offsets into the current text; they never overlap). */
export function applyFix(view: Pick<EditorView, "state" | "dispatch">, fix: CodeAction): void {
  const length = view.state.doc.length;
  const changes = fix.edits
    .filter((e) => e.from >= 0 && e.to <= length && e.from <= e.to)
    .map((e) => ({ from: e.from, to: e.to, insert: e.text }));
  view.dispatch({ changes, userEvent: "input.fix", scrollIntoView: true });
}
