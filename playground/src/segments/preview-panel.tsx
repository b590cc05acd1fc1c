/**
 * "Preview matching contacts": the server's preview of the expression being edited (POST /api/preview):
 * how many contacts match, the first rows, how many each condition matches on its own (so the rule that
 * empties a segment shows), and for an edit of a saved segment who would enter and leave: counted on today's
 * contacts, and said as conditions by the rules alone (POST /api/diff: true of any contact, whatever the data).
 */
import type { Preview, RulesDiff } from "./api.js";
import { formatCount, plural } from "./format.js";
import { ContactsGrid } from "./contacts-grid.js";
import { fieldsRulesFirst } from "./rule-fields.js";
import { RulesDiffView } from "./rules-diff.js";

export interface PreviewPanelProps {
  preview: Preview | null;
  /** For an edit of a saved segment's rules: who enters and leaves by the rules (null: not an edit, or not decided). */
  rulesDiff?: RulesDiff | null;
  /** The text the preview is for; it is marked out of date when the expression changed since. */
  forText: string | null;
  current: string;
  keyField: string;
  loading: boolean;
  onSelect(from: number, to: number): void;
}

export function PreviewPanel({ preview, rulesDiff, forText, current, keyField, loading, onSelect }: PreviewPanelProps) {
  if (!preview) return null;
  const stale = forText !== current;
  const top = preview.conditions[0]?.count ?? preview.count;
  // The fields the rules test come first, as in a saved segment's members table: the grid shows seven
  // columns, and the schema's first seven (source, gender…) left out the very fields being previewed.
  const columns = fieldsRulesFirst(forText ?? current, Object.keys(preview.contacts[0] ?? {}));
  return (
    <section className={`card preview${stale ? " stale" : ""}`} aria-labelledby="preview-title" data-testid="preview" aria-busy={loading}>
      <div className="card-head">
        <h2 id="preview-title">
          <span className="big-number" data-testid="preview-count">
            {formatCount(preview.count)}
          </span>{" "}
          matching {preview.count === 1 ? "contact" : "contacts"}
        </h2>
        {stale && <span className="badge warn">the expression changed since: preview again</span>}
      </div>
      {preview.impact && (
        <div className="impact" data-testid="impact">
          <div className="impact-cell enter">
            <span className="big-number">+{formatCount(preview.impact.entering)}</span>
            <span>would enter</span>
            {preview.impact.enteringKeys.length > 0 && <span className="keys">{preview.impact.enteringKeys.slice(0, 8).join(", ")}{preview.impact.entering > 8 ? ", …" : ""}</span>}
          </div>
          <div className="impact-cell leave">
            <span className="big-number">−{formatCount(preview.impact.leaving)}</span>
            <span>would leave</span>
            {preview.impact.leavingKeys.length > 0 && <span className="keys">{preview.impact.leavingKeys.slice(0, 8).join(", ")}{preview.impact.leaving > 8 ? ", …" : ""}</span>}
          </div>
          <div className="impact-cell">
            <span className="big-number">{formatCount(preview.impact.before)} → {formatCount(preview.impact.after)}</span>
            <span>members now → after saving</span>
          </div>
        </div>
      )}
      {rulesDiff && <RulesDiffView diff={rulesDiff} />}
      {preview.conditions.length > 1 && (
        <div className="conditions">
          <h3>Each condition on its own</h3>
          <ul className="condition-list" data-testid="condition-counts">
            {preview.conditions.map((c) => (
              <li key={c.index} style={{ paddingLeft: `${c.depth * 1.1}rem` }} className={c.count === 0 ? "empty" : undefined}>
                <button type="button" className="condition" onClick={() => onSelect(c.span.start, c.span.end)} title="Select it in the text">
                  <span className="condition-label">{c.kind === "and" || c.kind === "or" ? (c.kind === "and" ? "all of" : "any of") : c.label}</span>
                  <span className="condition-count" data-testid="condition-count">{formatCount(c.count)}</span>
                  <span className="bar" aria-hidden="true">
                    <span style={{ width: `${top === 0 ? 0 : Math.min(100, (100 * c.count) / Math.max(top, ...preview.conditions.map((x) => x.count)))}%` }} />
                  </span>
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
      {preview.contacts.length > 0 && (
        <>
          <h3>First {plural(preview.contacts.length, "contact")}</h3>
          <ContactsGrid rows={preview.contacts} keyField={keyField} caption="The first matching contacts" columns={columns} maxColumns={7} />
        </>
      )}
    </section>
  );
}
