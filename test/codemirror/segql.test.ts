/**
 * `segql(config)`, the CodeMirror 6 language support, without a browser: editor states are created in
 * Node and every feature is asked as CodeMirror would ask it (completion contexts, the lint source, the
 * fold service, commands on a `{ state, dispatch }` view). The browser journeys are in test/browser.
 * Cursors are written `|` in the text (STYLE.md, practice 13).
 */
import { CompletionContext, type Completion, type CompletionResult } from "@codemirror/autocomplete";
import { toggleComment } from "@codemirror/commands";
import { ensureSyntaxTree, foldable, highlightingFor, matchBrackets } from "@codemirror/language";
import type { Diagnostic } from "@codemirror/lint";
import { EditorState, type Extension, type Transaction, type TransactionSpec } from "@codemirror/state";
import { classHighlighter, highlightTree, tags } from "@lezer/highlight";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import {
  applyFix,
  completionSource,
  diagnosticsOf,
  formatSegql,
  hoverAt,
  segql,
  segqlSession,
  toCodeMirrorSnippet,
} from "../../src/codemirror/index.js";
import { LanguageService } from "../../src/service/index.js";
import { readSchemaFile } from "../../src/schema/read-schema-file.js";
import type { Schema } from "../../src/schema/schema.js";
import { datasetFile } from "../helpers/datasets.js";

let telco: Schema;
let retail: Schema;
beforeAll(() => {
  telco = readSchemaFile(datasetFile("telco/schema.json"));
  retail = readSchemaFile(datasetFile("online-retail/schema.json"));
});

/** A state holding `text` with the cursor at `|` (removed), with segql over `schema`. */
function stateAt(marked: string, schema: Schema | null = telco, extra: Extension[] = []): { state: EditorState; pos: number } {
  const pos = marked.indexOf("|");
  const doc = pos < 0 ? marked : marked.slice(0, pos) + marked.slice(pos + 1);
  return { state: EditorState.create({ doc, selection: { anchor: Math.max(0, pos) }, extensions: [segql({ schema }), ...extra] }), pos: Math.max(0, pos) };
}

/** A minimal view for commands: applies transactions to its state. */
function fakeView(state: EditorState) {
  const view = {
    state,
    dispatch(spec: TransactionSpec | Transaction) {
      const tr = "startState" in spec ? spec : view.state.update(spec);
      view.state = tr.state;
    },
  };
  return view;
}

function sourceOf(state: EditorState) {
  return completionSource(state.facet(segqlSession)!);
}

function complete(marked: string, schema: Schema | null = telco, explicit = true): CompletionResult | null {
  const { state, pos } = stateAt(marked, schema);
  return sourceOf(state)(new CompletionContext(state, pos, explicit)) as CompletionResult | null;
}

/** Applies a completion as CodeMirror would, returning the new text. */
function accept(marked: string, label: string): string {
  const { state, pos } = stateAt(marked);
  const result = sourceOf(state)(new CompletionContext(state, pos, true)) as CompletionResult;
  const option = result.options.find((o) => o.label === label);
  if (!option) throw new Error(`no option ${label} in ${result.options.map((o) => o.label).join(", ")}`);
  const view = fakeView(state);
  const apply = option.apply;
  if (typeof apply === "function") apply(view as never, option, result.from, result.to ?? pos);
  else view.dispatch({ changes: { from: result.from, to: result.to ?? pos, insert: apply ?? option.label } });
  return view.state.doc.toString();
}

const labels = (r: CompletionResult | null) => (r?.options ?? []).map((o: Completion) => o.label);

describe("highlighting from the service's tokens", () => {
  it("classifies every token and both parentheses", () => {
    const text = 'segment "A" as (contract = "One year" and tenure > 12) -- note\nsegment b as in segment "A" or performed "x"';
    const { state } = stateAt(text, telco);
    const tree = ensureSyntaxTree(state, state.doc.length, 5000)!;
    const spans: string[] = [];
    highlightTree(tree, classHighlighter, (from, to, cls) => spans.push(`${text.slice(from, to)}:${cls}`));
    expect(spans).toEqual([
      "segment:tok-keyword",
      '"A":tok-labelName',
      "as:tok-keyword",
      "(:tok-punctuation",
      "contract:tok-variableName",
      "=:tok-operator",
      '"One year":tok-string',
      "and:tok-keyword",
      "tenure:tok-variableName",
      ">:tok-operator",
      "12:tok-number",
      "):tok-punctuation",
      "-- note:tok-comment",
      "segment:tok-keyword",
      "b:tok-labelName",
      "as:tok-keyword",
      "in:tok-keyword",
      "segment:tok-keyword",
      '"A":tok-labelName',
      "or:tok-keyword",
      "performed:tok-keyword",
      '"x":tok-string2',
    ]);
  });

  it("a segment's declared name is its own node (highlighted as a definition)", () => {
    const { state } = stateAt('segment "A" as churn\nsegment b as in segment "A"', telco);
    const names: string[] = [];
    ensureSyntaxTree(state, state.doc.length, 5000)!.iterate({ enter: (n) => { if (n.name.startsWith("Segment")) names.push(`${n.name}:${state.sliceDoc(n.from, n.to)}`); } });
    expect(names).toEqual(['SegmentDeclaration:"A"', "SegmentDeclaration:b", 'Segment:"A"']);
  });

  it("event properties are told apart from contact fields", () => {
    const text = 'performed "Purchase" with sum of amount > 5 where country = "France"';
    const { state } = stateAt(text, retail);
    const spans: string[] = [];
    highlightTree(ensureSyntaxTree(state, state.doc.length, 5000)!, classHighlighter, (from, to, cls) => spans.push(`${text.slice(from, to)}:${cls}`));
    expect(spans).toContain("amount:tok-propertyName");
    expect(spans).toContain("country:tok-propertyName");
  });

  it("the built-in style colours the tags (fallback)", () => {
    const { state } = stateAt("tenure > 1");
    expect(highlightingFor(state, [tags.keyword])).toMatch(/\S/);
  });

  it("any text gives a tree covering it, tokens in order and never overlapping", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(..."ab (\")'`-\n=>1segmnt".split("")), maxLength: 60 }), (text) => {
        const { state } = stateAt(text, telco);
        const tree = ensureSyntaxTree(state, state.doc.length, 5000)!;
        expect(tree.length).toBe(text.length);
        let at = 0;
        tree.iterate({
          enter: (n) => {
            if (n.name === "Document") return;
            expect(n.from).toBeGreaterThanOrEqual(at);
            expect(n.to).toBeGreaterThan(n.from);
            at = n.to;
          },
        });
      }),
      { numRuns: 200, seed: 3 },
    );
  });
});

describe("completion", () => {
  it("offers contract after con, and accepting it inserts it", () => {
    expect(labels(complete("con|"))).toEqual(["contract"]);
    expect(accept("con|", "contract")).toBe("contract");
    expect(accept("tenure > 1 and con|", "contract")).toBe("tenure > 1 and contract");
  });

  it("keeps the service's order (its ranking) through boosts", () => {
    const r = complete("tenure |")!;
    expect(labels(r).slice(0, 6)).toEqual(["=", "!=", "<", "<=", ">", ">="]);
    const boosts = r.options.map((o) => o.boost ?? 0);
    expect([...boosts].sort((a, b) => b - a)).toEqual(boosts);
    expect(r.filter).toBe(false);
  });

  it("enum values, event names and properties, segment names", () => {
    expect(labels(complete("contract = |"))).toEqual(['"Month-to-month"', '"One year"', '"Two year"']);
    expect(labels(complete("performed |", retail))).toEqual(expect.arrayContaining(['"Purchase"', '"Refund"']));
    expect(labels(complete('performed "Purchase" where |', retail))).toEqual(expect.arrayContaining(["amount", "quantity", "stock_code"]));
    expect(labels(complete('segment "High value" as tenure > 60\nsegment b as in segment |'))).toContain('"High value"');
  });

  it("list operators insert a snippet with the cursor inside the parentheses", () => {
    expect(toCodeMirrorSnippet("in ($1)")).toBe("in (${1})");
    expect(toCodeMirrorSnippet("a {b} $0")).toBe("a \\{b\\} ${}");
    const { state, pos } = stateAt("contract |");
    const result = sourceOf(state)(new CompletionContext(state, pos, true)) as CompletionResult;
    const option = result.options.find((o) => o.label === "in")!;
    expect(typeof option.apply).toBe("function");
  });

  it("does not pop up unasked in the middle of nothing, but does when asked", () => {
    expect(complete("tenure > 12|", telco, false)).toBeNull();
    expect(complete("|", telco, true)).not.toBeNull();
  });
});

describe("lint with quick fixes", () => {
  it("a typo gets an error whose fix repairs it", () => {
    const { state } = stateAt("tenur > 12 and contract = 'Month to month'");
    const session = state.facet(segqlSession)!;
    const diags: Diagnostic[] = diagnosticsOf(session, state);
    expect(diags.map((d) => [state.sliceDoc(d.from, d.to), d.severity, d.actions?.map((a) => a.name)])).toEqual([
      ["tenur", "error", ["use tenure"]],
      ["'Month to month'", "error", ['use "Month-to-month"']],
    ]);
    let view = fakeView(state);
    diags[0]!.actions![0]!.apply(view as never, diags[0]!.from, diags[0]!.to);
    expect(view.state.doc.toString()).toBe("tenure > 12 and contract = 'Month to month'");
    const again = diagnosticsOf(session, view.state);
    expect(again).toHaveLength(1);
    view = fakeView(view.state);
    again[0]!.actions![0]!.apply(view as never, again[0]!.from, again[0]!.to);
    expect(view.state.doc.toString()).toBe('tenure > 12 and contract = "Month-to-month"');
    expect(diagnosticsOf(session, view.state)).toEqual([]);
  });

  it("ranges stay inside the document and messages are the checker's", () => {
    const { state } = stateAt("tenure >");
    const [d] = diagnosticsOf(state.facet(segqlSession)!, state);
    expect(d!.from).toBeLessThanOrEqual(state.doc.length);
    expect(d!.to).toBeLessThanOrEqual(state.doc.length);
    expect(d!.message).toMatch(/expected a value/);
  });

  it("applyFix ignores edits outside the document", () => {
    const view = fakeView(EditorState.create({ doc: "abc" }));
    applyFix(view as never, { title: "x", preferred: true, edits: [{ from: 0, to: 1, text: "z" }, { from: 5, to: 9, text: "nope" }] });
    expect(view.state.doc.toString()).toBe("zbc");
  });
});

describe("hover, format, folding, comments, brackets", () => {
  it("hover explains a field", () => {
    const { state } = stateAt("tenure > 12");
    const tip = hoverAt(state.facet(segqlSession)!, { state }, 2)!;
    expect([tip.pos, tip.end]).toEqual([0, 6]);
    expect(hoverAt(state.facet(segqlSession)!, { state }, 9)).toBeNull();
  });

  it("Shift-Alt-F formats to the canonical text and leaves broken text alone", () => {
    const view = fakeView(stateAt("TENURE>12   AND   not churn").state);
    expect(formatSegql(view as never)).toBe(true);
    expect(view.state.doc.toString()).toBe("TENURE > 12 and not churn\n");
    const broken = fakeView(stateAt("tenure > (").state);
    expect(formatSegql(broken as never)).toBe(false);
    expect(broken.state.doc.toString()).toBe("tenure > (");
    // Without segql in the editor, the command declines.
    expect(formatSegql(fakeView(EditorState.create({ doc: "x" })) as never)).toBe(false);
  });

  it("folds segment declarations and parenthesised groups, keeping the closing parenthesis", () => {
    const text = 'segment "a" as\n  tenure > 1\n  and churn\nsegment "b" as (\n  churn\n  or tenure > 3\n)\n';
    const { state } = stateAt(text);
    const line = (n: number) => state.doc.line(n);
    const first = foldable(state, line(1).from, line(1).to)!;
    expect(first.from).toBe(line(1).to);
    expect(state.sliceDoc(first.to - 9, first.to)).toBe("and churn");
    const group = foldable(state, line(4).from, line(4).to)!;
    expect(state.sliceDoc(group.to, group.to + 1)).toBe(")");
    expect(foldable(state, line(2).from, line(2).to)).toBeNull();
  });

  it("toggles -- comments", () => {
    const view = fakeView(stateAt("|tenure > 1").state);
    expect(toggleComment(view)).toBe(true);
    expect(view.state.doc.toString()).toBe("-- tenure > 1");
    toggleComment(view);
    expect(view.state.doc.toString()).toBe("tenure > 1");
  });

  it("matches parentheses, not ones inside strings", () => {
    const text = '(tenure > 1 and (name = ")" or churn))';
    const { state } = stateAt(text, null);
    ensureSyntaxTree(state, state.doc.length, 5000);
    const m = matchBrackets(state, 0, 1)!;
    expect(m.matched).toBe(true);
    expect(m.end!.from).toBe(text.length - 1);
    const inner = matchBrackets(state, 16, 1)!;
    expect(inner.end!.from).toBe(text.length - 2);
  });

  it("editors sharing one service see each other's segments", () => {
    const service = new LanguageService({ project: () => ({ key: "p", schema: telco }) });
    service.setDocument("lib.segql", 'segment "Loyal" as tenure > 48');
    const state = EditorState.create({ doc: "in segment ", extensions: [segql({ service, uri: "main.segql" })] });
    const r = sourceOf(state)(new CompletionContext(state, state.doc.length, true)) as CompletionResult;
    expect(labels(r)).toContain('"Loyal"');
    expect(diagnosticsOf(state.facet(segqlSession)!, state.update({ changes: { from: 11, insert: '"Loyal"' } }).state)).toEqual([]);
  });
});
