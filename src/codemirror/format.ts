/**
 * Formatting: the service's canonical layout applied as one minimal edit (Shift-Alt-F, as in VS Code).
 * A text with syntax errors is left alone (formatting a partial tree would drop text).
 */
import type { EditorView, KeyBinding } from "@codemirror/view";
import { segqlSession } from "./session.js";
import { documentOf } from "./session.js";

/**
 * Formats the editor's document. Returns false (so other key bindings may run) when the editor has no
 * segql language or the text cannot be formatted; true when it was formatted or already was.
 */
export function formatSegql(view: Pick<EditorView, "state" | "dispatch">): boolean {
  const session = view.state.facet(segqlSession);
  if (!session) return false;
  const edits = session.service.format(documentOf(session, view.state));
  if (edits === null) return false;
  if (edits.length > 0) {
    view.dispatch({ changes: edits.map((e) => ({ from: e.from, to: e.to, insert: e.text })), userEvent: "format", scrollIntoView: true });
  }
  return true;
}

/** Shift-Alt-F formats. */
export const formatKeymap: KeyBinding[] = [{ key: "Shift-Alt-f", run: formatSegql }];
