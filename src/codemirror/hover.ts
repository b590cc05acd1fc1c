/// <reference lib="dom" />
/**
 * Hover from the language service: what a field, operator, value, event or segment is, as rendered
 * Markdown in a tooltip.
 */
import { hoverTooltip, type EditorView, type Tooltip } from "@codemirror/view";
import { documentOf, type SegqlSession } from "./session.js";
import { renderMarkdown } from "./markdown.js";

/** The hover tooltip at `pos`, or null. Exposed for tests and for hosts that show hovers elsewhere. */
export function hoverAt(session: SegqlSession, view: Pick<EditorView, "state">, pos: number): Tooltip | null {
  const uri = documentOf(session, view.state);
  const h = session.service.hover(uri, pos);
  if (!h) return null;
  return {
    pos: h.from,
    end: h.to,
    above: true,
    create: (v) => ({ dom: renderMarkdown(h.markdown, v.dom.ownerDocument) }),
  };
}

/** The hover extension of a session. */
export function segqlHover(session: SegqlSession) {
  return hoverTooltip((view, pos) => hoverAt(session, view, pos), { hoverTime: 300 });
}
