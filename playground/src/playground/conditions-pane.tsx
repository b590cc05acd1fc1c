/**
 * Per-condition counts beside the expression tree: each sub-condition with how many contacts it matches
 * on its own, so the rule that empties a segment stands out. Choosing a row selects its text in the editor.
 */
import { memo } from "react";
import type { ConditionsResponse } from "../worker/protocol.js";
import { formatCount } from "./format-value.js";

export interface ConditionsPaneProps {
  conditions: ConditionsResponse | null;
  total: number;
  /** The text no longer evaluates: these counts are for the last text that did. */
  stale: boolean;
  onSelect(from: number, to: number): void;
}

/** The source text of a node, on one line and cut to a readable length. */
function sourceOf(text: string, from: number, to: number, fallback: string): string {
  if (to > text.length) return fallback;
  const s = text.slice(from, to).replace(/\s+/g, " ").trim();
  return s.length > 90 ? `${s.slice(0, 89)}…` : s || fallback;
}

export const ConditionsPane = memo(function ConditionsPane({ conditions, total, stale, onSelect }: ConditionsPaneProps) {
  const text = conditions?.text ?? "";
  return (
    <section className="pane" aria-labelledby="conditions-title">
      <h2 id="conditions-title">Per-condition counts</h2>
      {stale && conditions ? <p className="count-muted">For the last condition that checked (the text has errors now).</p> : null}
      {!conditions ? (
        <p className="count-muted">Counting each condition…</p>
      ) : (
        <ul className={stale ? "tree stale" : "tree"} data-testid="conditions">
          {conditions.items.map((c) => {
            const pct = total > 0 ? (100 * c.count) / total : 0;
            const compound = c.kind === "and" || c.kind === "or" || c.kind === "not";
            return (
              <li key={c.index} style={{ paddingLeft: `${c.depth * 1.25}rem` }} className={c.count === 0 ? "empty" : undefined}>
                <button type="button" className="node" onClick={() => onSelect(c.span.start, c.span.end)} title="Select in the editor">
                  <span className="node-label">{compound ? <em>{c.kind}</em> : null} {compound ? "" : sourceOf(text, c.span.start, c.span.end, c.label)}</span>
                  <span className="bar" aria-hidden="true">
                    <span style={{ width: `${pct}%` }} />
                  </span>
                  <span className="node-count">
                    {formatCount(c.count)}
                    {c.count === 0 ? " — matches no one" : ""}
                  </span>
                </button>
              </li>
            );
          })}
          {conditions.truncated && <li className="count-muted">Only the first {conditions.items.length} conditions are counted.</li>}
        </ul>
      )}
    </section>
  );
});
