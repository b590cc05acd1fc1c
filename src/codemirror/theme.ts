/**
 * Colours for segql's highlighting tags (light and dark) and the base styles of its tooltips. Hosts may
 * use their own `HighlightStyle` instead: the tree carries standard `@lezer/highlight` tags.
 */
import { HighlightStyle } from "@codemirror/language";
import { EditorView } from "@codemirror/view";
import { tags as t } from "@lezer/highlight";

/** Highlighting on a light background (contrast ≥ 4.5:1 on white). */
export const segqlLightHighlight = HighlightStyle.define([
  { tag: t.keyword, color: "#7a1fa2", fontWeight: "600" },
  { tag: t.variableName, color: "#0b5394" },
  { tag: t.propertyName, color: "#00695c" },
  { tag: t.string, color: "#a31515" },
  { tag: t.special(t.string), color: "#8a4b00" },
  { tag: t.number, color: "#116644" },
  { tag: t.compareOperator, color: "#37474f", fontWeight: "600" },
  { tag: t.labelName, color: "#5b3cc4" },
  { tag: t.definition(t.labelName), color: "#5b3cc4", fontWeight: "700" },
  { tag: t.lineComment, color: "#5f6b6d", fontStyle: "italic" },
  { tag: t.paren, color: "#37474f" },
]);

/** Highlighting on a dark background (contrast ≥ 4.5:1 on #1e1e1e). */
export const segqlDarkHighlight = HighlightStyle.define(
  [
    { tag: t.keyword, color: "#d7a8ff", fontWeight: "600" },
    { tag: t.variableName, color: "#8cc8ff" },
    { tag: t.propertyName, color: "#7fdbca" },
    { tag: t.string, color: "#f2a27a" },
    { tag: t.special(t.string), color: "#ffcb6b" },
    { tag: t.number, color: "#b5e8a0" },
    { tag: t.compareOperator, color: "#d4d4d4", fontWeight: "600" },
    { tag: t.labelName, color: "#c3b5ff" },
    { tag: t.definition(t.labelName), color: "#c3b5ff", fontWeight: "700" },
    { tag: t.lineComment, color: "#9aa5a8", fontStyle: "italic" },
    { tag: t.paren, color: "#d4d4d4" },
  ],
  { themeType: "dark" },
);

/** Tooltip content styles (hover and completion documentation), for light and dark editors. */
export const segqlBaseTheme = EditorView.baseTheme({
  ".cm-segql-doc": { maxWidth: "28rem", padding: "2px 6px", fontFamily: "system-ui, sans-serif", fontSize: "0.9em" },
  ".cm-segql-doc p": { margin: "4px 0" },
  ".cm-segql-doc pre": { margin: "4px 0", padding: "4px", whiteSpace: "pre-wrap", fontFamily: "ui-monospace, monospace" },
  "&light .cm-segql-doc pre": { background: "#f3f3f3" },
  "&dark .cm-segql-doc pre": { background: "#2a2a2a" },
  ".cm-segql-doc code": { fontFamily: "ui-monospace, monospace" },
});
