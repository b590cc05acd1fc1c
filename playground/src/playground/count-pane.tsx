/**
 * The match count: how many contacts the condition selects, live as the text changes. Screen readers are
 * told the count once typing stops (`SettledStatus`): the count region was read out for every key.
 */
import { useLayoutEffect, useRef } from "react";
import type { EvaluateResponse } from "../worker/protocol.js";
import { SettledStatus } from "../settled-status.js";
import { formatCount } from "./format-value.js";

export interface CountPaneProps {
  result: EvaluateResponse | null;
  loading: boolean;
  /** Called once the count of a result is in the DOM (for the keystroke → count timing). */
  onShown(result: EvaluateResponse): void;
}

export function CountPane({ result, loading, onShown }: CountPaneProps) {
  const shown = useRef<EvaluateResponse | null>(null);
  useLayoutEffect(() => {
    if (result && shown.current !== result) {
      shown.current = result;
      onShown(result);
    }
  }, [result, onShown]);
  let body;
  // What a screen reader says: the count (or why there is none) once typing stops, not one per key typed.
  let said = "";
  if (loading || !result) body = <p className="count-muted">Loading data…</p>;
  else if (!result.ok) {
    said = `Cannot evaluate: ${result.message}`;
    body = (
      <p className="count-error" data-testid="count-error" data-text={result.text}>
        Cannot evaluate: {result.message}
      </p>
    );
  } else {
    const pct = result.total > 0 ? (100 * result.count) / result.total : 0;
    said = `${formatCount(result.count)} of ${formatCount(result.total)} contacts match`;
    body = (
      <p className="count-line">
        <span className="count-number" data-testid="count" data-text={result.text}>{formatCount(result.count)}</span>{" "}
        <span>of {formatCount(result.total)} contacts match</span>{" "}
        <span className="count-muted">
          ({pct.toFixed(1)}%{result.segment ? `, segment "${result.segment}"` : ""}; {result.evalMs.toFixed(1)} ms)
        </span>
      </p>
    );
  }
  return (
    <section className="pane count-pane" aria-labelledby="count-title">
      <h2 id="count-title" className="visually-hidden">Match count</h2>
      {body}
      <SettledStatus text={said} testId="count-said" />
    </section>
  );
}
