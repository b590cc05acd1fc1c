/**
 * Restoring a deleted segment, shared by the Undo after a delete and the Recently deleted page: a restore
 * that finds its name taken (another segment was given it meanwhile; names are unique) asks for another
 * name instead of failing, and says which segment holds the old one.
 */
import { useId, useState, type FormEvent } from "react";
import { ApiError, restoreSegment, type Segment, type SegmentSummary } from "./api.js";
import { lengthProblem } from "./format.js";
import { Dialog, ProblemNote, Quoted } from "./ui.js";

/** The segment a name-taken problem names as holding the name, if it says. */
export function nameHolder(e: unknown): SegmentSummary | null {
  if (!(e instanceof ApiError) || e.kind !== "name-taken") return null;
  const existing = e.problem["existing"];
  return existing && typeof existing === "object" && "id" in existing && "name" in existing ? (existing as SegmentSummary) : null;
}

/**
 * A restore's failure as the page says it: a segment no longer in the trash (404: someone restored it or
 * deleted it forever meanwhile) is said in those words rather than "no deleted segment #12".
 */
export function restoreFailure(e: unknown, name: string): unknown {
  if (!(e instanceof ApiError) || e.status !== 404) return e;
  return new ApiError({ ...e.problem, title: "Not restored", detail: `“${name}” is no longer in Recently deleted: someone restored it or deleted it forever meanwhile.` });
}

/** What a restored segment that came back broken says (it reads a segment that is gone), or null. */
export function restoredProblem(s: Segment): string | null {
  return s.problems.length > 0 ? `It needs attention: ${s.problems[0]!.message}.` : null;
}

/** True for the 409 of a restore whose name another segment has now. */
export function isNameTaken(e: unknown): e is ApiError {
  return e instanceof ApiError && e.kind === "name-taken";
}

/** What the name field says about a refused name, or null when the refusal is not about the name. */
function nameProblem(e: unknown, tried: string): string | null {
  if (isNameTaken(e)) {
    const holder = nameHolder(e);
    return `“${tried}” is taken too${holder ? ` (by “${holder.name}”)` : ""}. Try another name.`;
  }
  if (e instanceof ApiError && e.kind === "invalid-input" && Array.isArray(e.problem["problems"]) && (e.problem["problems"] as { path: string }[]).some((p) => p.path === "name")) return e.problem.detail;
  return null;
}

/**
 * Asks for another name for a deleted segment whose own is taken (`taken`: the restore's 409), and restores
 * it under that name. A name taken too is said under the field; the dialog stays until it works or is
 * cancelled.
 */
export function RestoreAsDialog({ segment, taken, onClose, onRestored }: { segment: { id: number; name: string }; taken: ApiError; onClose(): void; onRestored(restored: Segment): void }) {
  const [name, setName] = useState(`${segment.name} (restored)`);
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();
  const holder = nameHolder(taken);
  const submit = async (e?: FormEvent) => {
    e?.preventDefault();
    if (busy) return;
    const wanted = name.trim();
    if (wanted === "") return setFieldError("Type a name for it.");
    // Said, not cut to fit as the field used to (a name no one typed would be restored).
    const tooLong = lengthProblem(wanted, 200, "A name");
    if (tooLong !== null) return setFieldError(tooLong);
    setBusy(true);
    setFieldError(null);
    setError(null);
    try {
      onRestored(await restoreSegment(segment.id, wanted));
    } catch (err) {
      setBusy(false);
      const problem = nameProblem(err, wanted);
      if (problem !== null) setFieldError(problem);
      else setError(restoreFailure(err, segment.name));
    }
  };
  return (
    <Dialog
      title={`Restore “${segment.name}” under another name`}
      onClose={onClose}
      testId="restore-as-dialog"
      actions={
        <>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form={`${id}-form`} className="primary" disabled={busy} data-testid="restore-as">
            {busy ? "Restoring…" : "Restore"}
          </button>
        </>
      }
    >
      <p data-testid="name-taken">
        Another segment is called <Quoted>{segment.name}</Quoted> now
        {holder && (
          <>
            {" "}
            (<a href={`#/segments/${holder.id}`}>{holder.name}</a>)
          </>
        )}
        . Names are unique, so this one comes back under another name; you can rename either later.
      </p>
      <form id={`${id}-form`} onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor={`${id}-name`}>New name</label>
          <input
            id={`${id}-name`}
            type="text"
            value={name}
            onChange={(e) => setName(e.target.value)}
            onFocus={(e) => e.target.select()}
            aria-invalid={fieldError !== null}
            aria-describedby={fieldError !== null ? `${id}-error` : undefined}
            data-autofocus
            data-testid="restore-name"
          />
          {fieldError !== null && (
            <p className="field-error" id={`${id}-error`} role="alert">
              {fieldError}
            </p>
          )}
        </div>
      </form>
      <ProblemNote error={error} />
    </Dialog>
  );
}
