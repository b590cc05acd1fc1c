/**
 * Folding from the language service: multi-line segment declarations, parenthesised groups and comment
 * blocks. A group folds inside its parentheses, so the closing one stays visible.
 */
import type { EditorState } from "@codemirror/state";
import { documentOf, type SegqlSession } from "./session.js";

/** A `foldService` function: the range to fold for the line `[lineStart, lineEnd]`, or null. */
export function foldRangeAt(session: SegqlSession) {
  return (state: EditorState, lineStart: number, lineEnd: number): { from: number; to: number } | null => {
    const uri = documentOf(session, state);
    let bestTo = -1;
    for (const r of session.service.foldingRanges(uri)) {
      if (r.from < lineStart || r.from > lineEnd) continue;
      let to = r.to;
      if (state.sliceDoc(to - 1, to) === ")") to--;
      // Only a range that goes past this line hides something; the widest one starting here folds.
      if (to > lineEnd && to > bestTo) bestTo = to;
    }
    return bestTo < 0 ? null : { from: lineEnd, to: bestTo };
  };
}
