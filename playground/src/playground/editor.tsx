/**
 * The CodeMirror editor of the playground: segql support (`src/codemirror`) on a language service the
 * page shares, plus the generic editor parts (completion popup, lint gutter, bracket matching, folding,
 * history, comment toggling). The schema and theme are swapped through compartments, without losing the
 * text or the undo history.
 */
import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap } from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { foldGutter, foldKeymap, syntaxHighlighting } from "@codemirror/language";
import { lintGutter, lintKeymap } from "@codemirror/lint";
import { Compartment, EditorState, Transaction } from "@codemirror/state";
import { drawSelection, EditorView, highlightActiveLine, highlightSpecialChars, keymap, lineNumbers, placeholder } from "@codemirror/view";
import { forwardRef, useEffect, useImperativeHandle, useRef, useState } from "react";
import { formatSegql, segql, segqlDarkHighlight, segqlLightHighlight } from "../../../src/codemirror/index.js";
import type { LanguageService } from "../../../src/service/index.js";
import type { Schema } from "../../../src/schema/schema.js";
import { boundedParenMatching, longestLineOver, WRAP_LIMIT } from "./long-text.js";

/** What the page can do with the editor. */
export interface EditorHandle {
  format(): boolean;
  select(from: number, to: number): void;
  setText(text: string): void;
  /** Replaces `[from, to)` with `insert` as one undoable change (the cursor stays where it was, mapped). */
  applyChange(change: { from: number; to: number; insert: string }): void;
  focus(): void;
  view(): EditorView | null;
}

export interface EditorProps {
  initialText: string;
  schema: Schema | null;
  service: LanguageService;
  uri: string;
  dark: boolean;
  /**
   * Every change of text, with the time of the keystroke (performance.now()) that made it; `byUser` is
   * true when the user made it (typing, deleting, undo, a fix…), false for `setText` and other programmatic
   * changes (which may come from inside React's effects). `keyAt` is the time of the keydown that made
   * the change (its event's timeStamp, on the performance.now() clock), null when no key did (a paste, a
   * fix, `setText`).
   */
  onChange(text: string, at: number, byUser: boolean, keyAt: number | null): void;
  /** The cursor moved (or the text changed). */
  onCursor(pos: number): void;
  /** The editor's accessible name (default: "Segment expression (segql)"). */
  label?: string;
  /** The id of the element describing the editor (default `editor-help`). */
  describedBy?: string;
  /** Text shown while the editor is empty. */
  placeholder?: string;
}

function themeFor(dark: boolean) {
  return [
    EditorView.theme(
      {
        "&": { backgroundColor: "var(--editor-bg)", color: "var(--fg)", fontSize: "15px", border: "1px solid var(--border)", borderRadius: "6px" },
        "&.cm-focused": { outline: "2px solid var(--focus)", outlineOffset: "1px" },
        ".cm-content": { fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace", caretColor: "var(--fg)", minHeight: "6.5em" },
        ".cm-gutters": { backgroundColor: "var(--panel)", color: "var(--muted)", borderRight: "1px solid var(--border)" },
        ".cm-activeLine": { backgroundColor: "var(--active-line)" },
        ".cm-activeLineGutter": { backgroundColor: "var(--active-line)" },
        // CodeMirror's own grey (#888) is 3.2:1 on the active line; the theme's muted text is above 4.5:1 in both themes.
        ".cm-placeholder": { color: "var(--muted)" },
        ".cm-tooltip": { backgroundColor: "var(--panel)", color: "var(--fg)", border: "1px solid var(--border)" },
        ".cm-tooltip-autocomplete ul li[aria-selected]": { backgroundColor: "var(--accent)", color: "var(--accent-fg)" },
        ".cm-diagnosticAction": { backgroundColor: "var(--accent)", color: "var(--accent-fg)" },
      },
      { dark },
    ),
    syntaxHighlighting(dark ? segqlDarkHighlight : segqlLightHighlight),
  ];
}

/** Wrapping for a text: on, unless a line is longer than WRAP_LIMIT (long-text.ts says why). */
function wrapFor(text: string) {
  return longestLineOver(EditorState.create({ doc: text }), WRAP_LIMIT) === 0 ? EditorView.lineWrapping : [];
}

export const Editor = forwardRef<EditorHandle, EditorProps>(function Editor(props, ref) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const language = useRef(new Compartment());
  const theme = useRef(new Compartment());
  const wrapping = useRef(new Compartment());
  /** Whether the lines wrap (not when one is too long: the note under the editor says so). */
  const [wraps, setWraps] = useState(true);
  /** The last keydown not yet followed by a change of text (for the keystroke timing). */
  const keydownAt = useRef<number | null>(null);
  const callbacks = useRef(props);
  callbacks.current = props;

  useEffect(() => {
    const v = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: props.initialText,
        extensions: [
          lineNumbers(),
          foldGutter(),
          lintGutter(),
          highlightSpecialChars(),
          history(),
          drawSelection(),
          highlightActiveLine(),
          boundedParenMatching(),
          closeBrackets(),
          autocompletion({ icons: true, activateOnTyping: true }),
          wrapping.current.of(wrapFor(props.initialText)),
          // A change that makes a line longer than WRAP_LIMIT (or the last such line shorter) switches wrapping in the same transaction.
          EditorState.transactionExtender.of((tr) => {
            if (!tr.docChanged) return null;
            const wrap = longestLineOver(tr.state, WRAP_LIMIT) === 0;
            return wrap === (wrapping.current.get(tr.startState) === EditorView.lineWrapping) ? null : { effects: wrapping.current.reconfigure(wrap ? EditorView.lineWrapping : []) };
          }),
          ...(props.placeholder ? [placeholder(props.placeholder)] : []),
          keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...historyKeymap, ...foldKeymap, ...completionKeymap, ...lintKeymap]),
          language.current.of(segql({ schema: props.schema, service: props.service, uri: props.uri, highlight: false, lintDelay: 120 })),
          theme.current.of(themeFor(props.dark)),
          EditorView.contentAttributes.of({ "aria-label": props.label ?? "Segment expression (segql)", "aria-describedby": props.describedBy ?? "editor-help" }),
          EditorView.domEventHandlers({
            keydown: (e) => {
              keydownAt.current = e.timeStamp;
              return false;
            },
          }),
          EditorView.updateListener.of((u) => {
            if (u.docChanged) {
              const byUser = u.transactions.some((tr) => tr.annotation(Transaction.userEvent) !== undefined);
              const keyAt = byUser ? keydownAt.current : null;
              keydownAt.current = null;
              callbacks.current.onChange(u.state.doc.toString(), performance.now(), byUser, keyAt);
            }
            if (u.docChanged || u.selectionSet) callbacks.current.onCursor(u.state.selection.main.head);
            if (u.transactions.some((tr) => tr.reconfigured)) setWraps(wrapping.current.get(u.state) === EditorView.lineWrapping);
          }),
        ],
      }),
    });
    view.current = v;
    setWraps(wrapping.current.get(v.state) === EditorView.lineWrapping);
    return () => {
      v.destroy();
      view.current = null;
    };
    // The editor is created once; later prop changes go through the compartments below.
  }, []);

  useEffect(() => {
    view.current?.dispatch({ effects: language.current.reconfigure(segql({ schema: props.schema, service: props.service, uri: props.uri, highlight: false, lintDelay: 120 })) });
  }, [props.schema, props.service, props.uri]);

  useEffect(() => {
    view.current?.dispatch({ effects: theme.current.reconfigure(themeFor(props.dark)) });
  }, [props.dark]);

  useImperativeHandle(ref, () => ({
    format: () => (view.current ? formatSegql(view.current) : false),
    select(from, to) {
      const v = view.current;
      if (!v) return;
      const len = v.state.doc.length;
      v.dispatch({ selection: { anchor: Math.min(from, len), head: Math.min(to, len) }, scrollIntoView: true });
      v.focus();
    },
    setText(text) {
      const v = view.current;
      if (v && v.state.doc.toString() !== text) v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: text } });
    },
    applyChange(change) {
      const v = view.current;
      if (!v) return;
      const len = v.state.doc.length;
      if (change.from < 0 || change.to > len || change.from > change.to) return;
      v.dispatch({ changes: change, userEvent: "input.builder" });
    },
    focus: () => view.current?.focus(),
    view: () => view.current,
  }));

  return (
    <>
      <div ref={host} className="editor" data-testid="editor" />
      {!wraps && (
        <p className="muted small editor-note" data-testid="editor-unwrapped">
          A line longer than {WRAP_LIMIT.toLocaleString("en-US")} characters scrolls sideways rather than wrapping, so typing stays quick; Format breaks it into lines.
        </p>
      )}
    </>
  );
});
