/**
 * What keeps typing in a long text quick in the editor (both the playground's and the segment form's):
 *
 * - **Bracket matching with a bounded scan.** segql's parentheses are syntax nodes (src/codemirror/tree.ts),
 *   and CodeMirror's `bracketMatching` looks for the partner of such a node by walking its siblings with no
 *   limit (its `maxScanDistance` only bounds the scan over plain characters, and only between lines), so a
 *   cursor beside the outer parenthesis of 10,000 nested ones walked 20,000 nodes on every move. This one
 *   walks at most `BRACKET_SCAN_CHARS` characters away, as CodeMirror does for plain brackets: a partner
 *   further away is not highlighted (neither as a match nor as a mismatch), which a user of such a text
 *   loses; any pair closer than that (every pair of a text written by hand) is highlighted as before.
 * - **No wrapping of a very long line.** A wrapped line is laid out whole on every keystroke (a line of
 *   20 KB took 300-500 ms per key in Chromium); a line that is not wrapped is drawn only where it is
 *   visible. So a text with a line over `WRAP_LIMIT` characters scrolls sideways instead, and the editor
 *   says so (Format breaks such a line into lines).
 */
import { syntaxTree } from "@codemirror/language";
import { type EditorState, type Extension, type Range } from "@codemirror/state";
import { Decoration, EditorView, ViewPlugin, type DecorationSet, type ViewUpdate } from "@codemirror/view";
import type { SyntaxNode } from "@lezer/common";

/** How far (in characters) the bracket matching looks for a parenthesis's partner: CodeMirror's own default for plain brackets. */
export const BRACKET_SCAN_CHARS = 10_000;

/** The longest line that wraps; a text with a longer one scrolls sideways. About 25 rows of the editor at its usual width. */
export const WRAP_LIMIT = 2_000;

const OPEN = "OpenParen";
const CLOSE = "CloseParen";

/** A parenthesis and its partner (null when it has none: unbalanced). */
export interface BracketMatch {
  start: { from: number; to: number };
  end: { from: number; to: number } | null;
}

/**
 * The partner of the parenthesis node `paren`, walking its siblings towards it for at most `maxChars`
 * characters; undefined when the walk stopped at that distance before finding out.
 */
function partnerOf(paren: SyntaxNode, maxChars: number): BracketMatch | undefined {
  const forward = paren.name === OPEN;
  const start = { from: paren.from, to: paren.to };
  let depth = 0;
  for (let n = forward ? paren.nextSibling : paren.prevSibling; n; n = forward ? n.nextSibling : n.prevSibling) {
    if ((forward ? n.from - paren.to : paren.from - n.to) > maxChars) return undefined;
    if (n.name === paren.name) depth++;
    else if (n.name === (forward ? CLOSE : OPEN)) {
      if (depth === 0) return { start, end: { from: n.from, to: n.to } };
      depth--;
    }
  }
  return { start, end: null };
}

/**
 * The parenthesis at the cursor `pos` (the one before it first, then the one after, as CodeMirror does) and
 * its partner; null when no parenthesis touches the cursor or the partner is further than `maxChars`.
 */
export function matchParenAt(state: EditorState, pos: number, maxChars = BRACKET_SCAN_CHARS): BracketMatch | null {
  const tree = syntaxTree(state);
  for (const side of [-1, 1] as const) {
    const node = tree.resolveInner(pos, side);
    const touches = side < 0 ? node.to === pos : node.from === pos;
    if (!touches || (node.name !== OPEN && node.name !== CLOSE)) continue;
    return partnerOf(node, maxChars) ?? null;
  }
  return null;
}

const matching = Decoration.mark({ class: "cm-matchingBracket" });
const nonmatching = Decoration.mark({ class: "cm-nonmatchingBracket" });

function bracketDecorations(state: EditorState): DecorationSet {
  const marks: Range<Decoration>[] = [];
  for (const range of state.selection.ranges) {
    if (!range.empty) continue;
    const match = matchParenAt(state, range.head);
    if (!match) continue;
    const mark = match.end ? matching : nonmatching;
    marks.push(mark.range(match.start.from, match.start.to));
    if (match.end) marks.push(mark.range(match.end.from, match.end.to));
  }
  return Decoration.set(marks, true);
}

/**
 * Highlights the parenthesis beside the cursor and its partner (`cm-matchingBracket`), or an unbalanced one
 * (`cm-nonmatchingBracket`), looking at most `BRACKET_SCAN_CHARS` away. Replaces `bracketMatching()`.
 */
export function boundedParenMatching(): Extension {
  return [
    ViewPlugin.fromClass(
      class {
        decorations: DecorationSet;
        constructor(view: EditorView) {
          this.decorations = bracketDecorations(view.state);
        }
        update(u: ViewUpdate) {
          // The tree changes after the text (the parse may finish later): look again then too.
          if (u.docChanged || u.selectionSet || syntaxTree(u.startState) !== syntaxTree(u.state)) this.decorations = bracketDecorations(u.state);
        }
      },
      { decorations: (v) => v.decorations },
    ),
    // CodeMirror's colours for the same classes (its bracketMatching's base theme).
    EditorView.baseTheme({
      "&.cm-focused .cm-matchingBracket": { backgroundColor: "#328c8252" },
      "&.cm-focused .cm-nonmatchingBracket": { backgroundColor: "#bb555544" },
    }),
  ];
}

/** The length of the text's longest line, or 0 when no line can exceed `limit` (the text is shorter than it). */
export function longestLineOver(state: EditorState, limit: number): number {
  const doc = state.doc;
  if (doc.length <= limit) return 0;
  let longest = 0;
  for (let i = 1; i <= doc.lines; i++) {
    const line = doc.line(i);
    if (line.length > longest) longest = line.length;
  }
  return longest > limit ? longest : 0;
}
