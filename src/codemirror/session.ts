/**
 * What every segql editor feature shares: the language service and the name of the editor's document in
 * it. Each feature syncs the editor's text into the service before asking (a no-op when it is unchanged).
 */
import { Facet, type EditorState, type Text } from "@codemirror/state";
import type { LanguageService } from "../service/index.js";

/** A language service and the document an editor edits in it. */
export interface SegqlSession {
  service: LanguageService;
  uri: string;
}

/** The last text given to the service per session (texts are immutable, so identity says "unchanged"). */
const synced = new WeakMap<SegqlSession, Text>();

/** Gives the service the state's text (when it changed) and returns the document's URI. */
export function documentOf(session: SegqlSession, state: EditorState): string {
  if (synced.get(session) !== state.doc) {
    session.service.setDocument(session.uri, state.doc.toString());
    synced.set(session, state.doc);
  }
  return session.uri;
}

/** The session of an editor, for commands (format) that only get the view. */
export const segqlSession = Facet.define<SegqlSession, SegqlSession | null>({
  combine: (values) => values[values.length - 1] ?? null,
});
