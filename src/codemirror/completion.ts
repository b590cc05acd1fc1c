/// <reference lib="dom" />
/**
 * Completion from the language service: fields, properties, operators, values, event and segment names,
 * in the service's order (its ranking), with snippets for operators that take a list.
 */
import { snippet, type Completion, type CompletionContext, type CompletionResult } from "@codemirror/autocomplete";
import type { CompletionItem, CompletionKind } from "../service/index.js";
import { documentOf, type SegqlSession } from "./session.js";
import { renderMarkdown } from "./markdown.js";

/** CodeMirror's icon classes for each kind of item. */
const TYPE_OF: Record<CompletionKind, string> = {
  field: "variable",
  property: "property",
  operator: "keyword",
  value: "constant",
  event: "class",
  segment: "namespace",
  keyword: "keyword",
  unit: "enum",
};

/** An LSP/TextMate snippet (`in ($1)`) in CodeMirror's syntax (`in (${1})`); `$0` is the final cursor. */
export function toCodeMirrorSnippet(text: string): string {
  return text.replace(/[{}]/g, "\\$&").replace(/\$(\d+)/g, (_m, n: string) => (n === "0" ? "${}" : `\${${n}}`));
}

/** One service item as a CodeMirror completion; `rank` keeps the service's order. */
export function toCompletion(item: CompletionItem, rank: number, count: number): Completion {
  const c: Completion = { label: item.label, type: TYPE_OF[item.kind], boost: count > 1 ? 99 - Math.round((198 * rank) / (count - 1)) : 0 };
  if (item.detail) c.detail = item.detail;
  if (item.documentation) {
    const md = item.documentation;
    c.info = () => renderMarkdown(md, document);
  }
  if (item.snippet) c.apply = snippet(toCodeMirrorSnippet(item.snippet));
  else if (item.insertText !== undefined && item.insertText !== item.label) c.apply = item.insertText;
  return c;
}

/**
 * The completion source of a session. The service has already filtered by the word before the cursor,
 * so CodeMirror is told not to filter again (`filter: false`), and asks again as the word grows.
 */
export function completionSource(session: SegqlSession) {
  return (context: CompletionContext): CompletionResult | null => {
    const uri = documentOf(session, context.state);
    const result = session.service.complete(uri, context.pos);
    if (result.items.length === 0) return null;
    // Only pop up unasked after a word, a space, a quote or an opening parenthesis.
    if (!context.explicit && result.from === result.to && !/[\s("'=<>!,]$/.test(context.state.sliceDoc(Math.max(0, context.pos - 1), context.pos))) return null;
    const n = result.items.length;
    return { from: result.from, to: result.to, options: result.items.map((item, i) => toCompletion(item, i, n)), filter: false };
  };
}
