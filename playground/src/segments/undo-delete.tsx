/**
 * Undo right after a delete: the segments table shows "Deleted “X”." with Undo, which restores it from the
 * trash. A delete made on a segment's own page hands the notice to the table, where that page goes next
 * (`handOverDeleted`), and Undo goes back to the segment's page.
 *
 * The notice stays until it is dismissed or the table is left (no timer: Undo must not run away from
 * someone reading slowly or reaching it with Tab), and takes the focus when it appears, because the row or
 * page whose Delete button had it is gone.
 */
import { useLayoutEffect, useRef, useState } from "react";
import { restoreSegment, type ApiError, type Segment } from "./api.js";
import { isNameTaken, nameHolder, RestoreAsDialog, restoredProblem, restoreFailure } from "./restore-dialog.js";
import { focusPageHeading } from "../page-focus.js";
import { isolateQuoted, ProblemNote, Quoted } from "./ui.js";

/** A segment just deleted; `from` says where: the table (Undo shows it there) or its page (Undo goes back to it). */
export interface JustDeleted {
  id: number;
  name: string;
  from: "table" | "page";
}

// One delete waiting for the table: a module variable, not the URL, so a reload or Back does not show it again.
let handedOver: JustDeleted | null = null;

/** Leaves a delete made on a segment's page for the table to show with Undo. */
export function handOverDeleted(d: JustDeleted): void {
  handedOver = d;
}

/**
 * The delete handed over by a segment's page, if any, for the table's first render. It is forgotten by
 * `forgetHandedOver` once shown (an effect, so React's double render in development does not lose it).
 */
export function handedOverDeleted(): JustDeleted | null {
  return handedOver;
}

/** Forgets the handed-over delete: the table shows it once. */
export function forgetHandedOver(): void {
  handedOver = null;
}

/** "Deleted “X”." with Undo; then "Restored “X”." with a link, or the restore's problem. */
export function UndoDeleteNotice({ deleted, onRestored, onDismiss }: { deleted: JustDeleted; onRestored(restored: Segment): void; onDismiss(): void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [taken, setTaken] = useState<ApiError | null>(null);
  const [asking, setAsking] = useState(false);
  const [restored, setRestored] = useState<Segment | null>(null);
  const box = useRef<HTMLDivElement>(null);
  // On show, and once restored (the Undo button, or the dialog that had the focus, is gone). A layout effect:
  // in the commit that took the button away, before a frame or a screen reader finds the focus on the body.
  useLayoutEffect(() => box.current?.focus(), [deleted.id, restored]);

  const done = (s: Segment) => {
    setTaken(null);
    setAsking(false);
    setRestored(s);
    onRestored(s);
  };
  const undo = async () => {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      done(await restoreSegment(deleted.id));
    } catch (e) {
      if (isNameTaken(e)) {
        setTaken(e);
        setAsking(true);
      } else setError(restoreFailure(e, deleted.name));
    } finally {
      setBusy(false);
    }
  };

  const holder = taken ? nameHolder(taken) : null;
  return (
    <>
      <div ref={box} className="notice undo-notice" role="status" tabIndex={-1} data-testid="undo-notice">
        {restored ? (
          <span>
            Restored <a href={`#/segments/${restored.id}`}><Quoted>{restored.name}</Quoted></a>
            {isolateQuoted(restored.name !== deleted.name ? ` (was “${deleted.name}”)` : "")}.{restoredProblem(restored) !== null && ` ${restoredProblem(restored)}`}
          </span>
        ) : taken ? (
          <>
            <span>
              <Quoted>{deleted.name}</Quoted> is not back: another segment is called that now
              {holder && (
                <>
                  {" "}
                  (<a href={`#/segments/${holder.id}`}>{holder.name}</a>)
                </>
              )}
              .
            </span>
            <button type="button" onClick={() => setAsking(true)} data-testid="restore-renamed">
              Restore under another name
            </button>
          </>
        ) : (
          <>
            <span>Deleted <Quoted>{deleted.name}</Quoted>.</span>
            {/* Busy, not disabled, while it restores: a disabled button drops the focus to the page's body. */}
            <button type="button" onClick={undo} aria-disabled={busy} data-testid="undo-delete">
              {busy ? "Restoring…" : "Undo"}
            </button>
            <span className="muted small">
              It is kept in <a href="#/segments/deleted">Recently deleted</a>.
            </span>
          </>
        )}
        <button
          type="button"
          className="icon-button notice-close"
          onClick={() => {
            // The notice goes with the button that has the focus: the page's heading takes it.
            if (box.current?.contains(document.activeElement)) focusPageHeading();
            onDismiss();
          }}
          aria-label="Dismiss this notice"
        >
          ✕
        </button>
      </div>
      <ProblemNote error={error} />
      {taken && asking && <RestoreAsDialog segment={deleted} taken={taken} onClose={() => {
            setAsking(false);
            box.current?.focus();
          }} onRestored={done} />}
    </>
  );
}
