/**
 * Who enters and who leaves between two versions of a segment's rules, by the rules alone (POST /api/diff:
 * true of any contact, whatever the data), as the edit page's preview and the version history show it.
 */
import type { RulesDiff, RulesDiffSide } from "./api.js";

export function RulesDiffView({ diff }: { diff: RulesDiff }) {
  return (
    <div className="rules-diff" data-testid="rules-diff">
      <h3>By the rules, for any contact</h3>
      {diff.same ? (
        <p>The rules match exactly the same contacts before and after, whatever the data.</p>
      ) : (
        <dl>
          <dt className="enter">Who enters</dt>
          <dd data-testid="rules-enter">{sideText(diff.enters)}</dd>
          <dt className="leave">Who leaves</dt>
          <dd data-testid="rules-leave">{sideText(diff.leaves)}</dd>
        </dl>
      )}
      {diff.notes.map((n) => (
        <p key={n} className="muted">
          {n}
        </p>
      ))}
    </div>
  );
}

/** One side: nobody, every contact, or its condition as segql text. */
function sideText(side: RulesDiffSide) {
  if (side.nobody) return <span className="muted">nobody</span>;
  if (side.everybody) return <strong>every contact</strong>;
  return <code className="rule-text">{side.condition}</code>;
}
