/**
 * The 412 of a save: someone else saved the segment since this form opened it. Both versions side by
 * side (what changed in theirs, what this form would save), and three ways on: save mine over theirs,
 * take theirs (mine stays available to copy), or keep editing with theirs as the new base. Nothing typed
 * is lost in any of them.
 */
import type { Problem, Segment } from "./api.js";
import { formatInstant } from "./format.js";
import { lineDiff } from "./line-diff.js";
import { Dialog, Quoted } from "./ui.js";

/** What the form would save. */
export interface Mine {
  name: string;
  description: string;
  expression: string | null;
}

export interface ConflictDialogProps {
  problem: Problem;
  mine: Mine;
  onOverwrite(current: Segment): void;
  onTakeTheirs(current: Segment): void;
  onKeepEditing(current: Segment): void;
}

export function ConflictDialog({ problem, mine, onOverwrite, onTakeTheirs, onKeepEditing }: ConflictDialogProps) {
  const current = problem["current"] as Segment;
  const yours = problem["yours"] as { version: number; segment: { name: string; description: string; expression: string | null } | null } | undefined;
  const base = yours?.segment ?? null;
  const rows: { label: string; base: string; theirs: string; mine: string }[] = [
    { label: "Name", base: base?.name ?? "", theirs: current.name, mine: mine.name },
    { label: "Description", base: base?.description ?? "", theirs: current.description, mine: mine.description },
  ];
  if (current.kind === "dynamic" || mine.expression !== null) rows.push({ label: "Expression", base: base?.expression ?? "", theirs: current.expression ?? "", mine: mine.expression ?? "" });
  return (
    <Dialog
      title="Changed by someone else since you opened it"
      onClose={() => onKeepEditing(current)}
      wide
      testId="conflict-dialog"
      actions={
        <>
          <button type="button" onClick={() => onKeepEditing(current)} data-autofocus>
            Keep editing
          </button>
          <button type="button" onClick={() => onTakeTheirs(current)} data-testid="take-theirs">
            Use their version
          </button>
          <button type="button" className="primary" onClick={() => onOverwrite(current)} data-testid="overwrite">
            Save my changes on theirs
          </button>
        </>
      }
    >
      <p>
        You opened version {yours?.version ?? "?"}; <Quoted>{current.name}</Quoted> is now at version {current.version}, saved {formatInstant(current.updatedAt)}
        {current.updatedBy ? ` by ${current.updatedBy}` : ""}. Nothing was saved. Review both versions:
      </p>
      <div className="conflict-grid">
        <div className="conflict-head">Field</div>
        <div className="conflict-head">Theirs (saved)</div>
        <div className="conflict-head">Yours (not saved)</div>
        {rows.map((r) => (
          <ConflictRow key={r.label} {...r} />
        ))}
      </div>
      <p className="muted small">
        “Save my changes on theirs” writes the fields you changed ({changedByMe(base, mine, current).join(", ") || "none"}) over their version; their other changes stay.
        “Keep editing” leaves your changes in the form, based on their version now. Your unsaved draft is kept in this browser tab until you save or discard it.
      </p>
    </Dialog>
  );
}

/** The fields this form changed from the version it opened (what saving on theirs writes). */
function changedByMe(base: { name: string; description: string; expression: string | null } | null, mine: Mine, current: Segment): string[] {
  const from = base ?? current;
  const out: string[] = [];
  if (mine.name !== from.name) out.push("name");
  if (mine.description !== from.description) out.push("description");
  if (mine.expression !== null && mine.expression !== from.expression) out.push("expression");
  return out;
}

function ConflictRow({ label, base, theirs, mine }: { label: string; base: string; theirs: string; mine: string }) {
  return (
    <>
      <div className="conflict-label">
        {label}
        {theirs === mine && <span className="muted small"> (same)</span>}
      </div>
      <Changed before={base} after={theirs} testId={`theirs-${label.toLowerCase()}`} />
      <Changed before={base} after={mine} testId={`mine-${label.toLowerCase()}`} />
    </>
  );
}

/** A value with the lines changed since the version both started from marked. */
function Changed({ before, after, testId }: { before: string; after: string; testId: string }) {
  const diff = lineDiff(before, after);
  return (
    <pre className="diff small-diff" data-testid={testId}>
      {diff.length === 0 ? (
        <span className="muted">(empty)</span>
      ) : (
        diff.map((l, i) => (
          <span key={i} className={`diff-line ${l.kind}`}>
            {/* A label on a plain span is not read (ARIA prohibits it there): the mark is hidden and the word said. */}
            <span className="diff-mark" aria-hidden="true">
              {l.kind === "added" ? "+" : l.kind === "removed" ? "−" : " "}
            </span>
            {l.kind !== "same" && <span className="visually-hidden">{l.kind}: </span>}
            {l.text || " "}
            {"\n"}
          </span>
        ))
      )}
    </pre>
  );
}
