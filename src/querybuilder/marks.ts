/**
 * Diagnostics → builder rows: which rule or group of the builder a problem in the text belongs to, so the
 * builder can mark that row with the same message the text editor underlines.
 *
 * A span goes to the deepest node whose text holds it whole (`BuilderView.sources`): a rule when it lies
 * inside one rule (a value, a field, a part of a "Condition as text"), else the nearest group around it
 * (a warning that spans several conditions: a group that always holds, `a and b` that never match), else
 * the root. Spans are the text's half-open UTF-16 offsets, as everywhere in segql.
 */
import { ROOT_ID, type BuilderView, type Range } from "./from-text.js";
import { isGroup, type BuilderGroup, type BuilderNode } from "./types.js";

/** Anything with a half-open span in the text (a service diagnostic, a checker one mapped to offsets). */
export interface Spanned {
  from: number;
  to: number;
}

/** True when `range` holds `[from, to)`; an empty span holds where its offset is, ends included. */
function holds(range: Range, from: number, to: number): boolean {
  return from < to ? range[0] <= from && to <= range[1] : range[0] <= from && from <= range[1];
}

/**
 * The id of the builder node a span of the view's text belongs to: the deepest rule or group whose text
 * holds it whole, the root when none does (a span across groups, or outside the expression: a comment).
 */
export function nodeOfSpan(view: BuilderView, from: number, to: number): string {
  // A loop, not recursion: the depth of groups is the text's.
  let node: BuilderGroup = view.query;
  for (;;) {
    let next: BuilderNode | undefined;
    for (const child of node.rules) {
      const range = view.sources.get(child.id)?.range;
      if (range && holds(range, from, to)) {
        next = child;
        break;
      }
    }
    if (!next) return node.id;
    if (!isGroup(next)) return next.id;
    node = next;
  }
}

/**
 * Each diagnostic placed on its builder node (`nodeOfSpan`): node id → its diagnostics, in the order given.
 * A diagnostic whose span lies beyond the text goes on the root.
 */
export function placeDiagnostics<D extends Spanned>(view: BuilderView, diagnostics: readonly D[]): Map<string, D[]> {
  const out = new Map<string, D[]>();
  for (const d of diagnostics) {
    const inside = d.from >= 0 && d.to <= view.text.length && d.from <= d.to;
    const id = inside ? nodeOfSpan(view, d.from, d.to) : ROOT_ID;
    const list = out.get(id);
    if (list) list.push(d);
    else out.set(id, [d]);
  }
  return out;
}
