/**
 * Recently deleted (`#/segments/deleted`): the segments in the trash, the most recently deleted first, each
 * with Restore (a name taken meanwhile asks for another) and Delete forever (after a confirmation naming it).
 * What was done is said in a notice on the page, with a link to a restored segment, and takes the focus
 * (the row whose button had it is gone). A search (or a next page) that fails shows the failure, with Try
 * again, in place of the rows, not the rows of the search before. Each row says when the server deletes it
 * for good (`purgesAt`, `segql serve --keep-deleted`); Empty the trash deletes them all, after a confirmation.
 * It follows the feed's lifecycle items (live.ts): a segment restored elsewhere leaves the table; one deleted
 * elsewhere is announced ("A segment was deleted elsewhere. Show it"), not slipped in among the rows being read.
 */
import { useEffect, useRef, useState } from "react";
import { ApiError, emptyTrash, listDeletedSegments, MAX_SEARCH, purgeDeletedSegment, restoreSegment, type DeletedSegment, type Segment } from "./api.js";
import { formatCount, formatDay, formatInstant, plural } from "./format.js";
import { isNameTaken, RestoreAsDialog, restoredProblem, restoreFailure } from "./restore-dialog.js";
import { AgeBy, Dialog, ElsewhereNotice, isolate, isolateQuoted, KindBadge, LoadFailed, ProblemNote, Quoted } from "./ui.js";
import { useLiveChanges } from "./live.js";
import { usePagedList } from "./paged-list.js";

/** How many deleted segments a page of the table asks for. */
const PAGE = 50;

/** What the last action did, said above the table. */
type Outcome = { kind: "restored"; segment: Segment; was: string } | { kind: "purged"; name: string } | { kind: "emptied"; count: number };

/** How long the server keeps a deleted segment, in whole days, from a row (null: until deleted by hand). */
function keptDays(d: DeletedSegment | undefined): number | null {
  if (!d?.purgesAt) return null;
  return Math.round((Date.parse(d.purgesAt) - Date.parse(d.deletedAt)) / 86_400_000);
}

export function DeletedSegmentsPage() {
  const [search, setSearch] = useState("");
  const [query, setQuery] = useState("");
  // The search is sent when typing pauses.
  useEffect(() => {
    const t = window.setTimeout(() => setQuery(search.trim()), 200);
    return () => window.clearTimeout(t);
  }, [search]);
  // A next page asked for another search (the search changed while it loaded), or still loading when the
  // page goes, is stopped (paged-list.ts gives the signal; a next page is asked after an await, outside
  // useLoad's own, so it is passed here).
  // The API pages by when a segment was deleted: rows restored or deleted forever here do not shift the
  // next page.
  const list = usePagedList((cursor, signal) => listDeletedSegments({ search: query || undefined, limit: PAGE, cursor }, signal), (d) => d.id, [query]);
  const { first, rows, next, more, loadMore } = list;
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [actionError, setActionError] = useState<{ name: string; error: unknown } | null>(null);
  const [restoring, setRestoring] = useState<number | null>(null);
  const [renaming, setRenaming] = useState<{ segment: DeletedSegment; taken: ApiError } | null>(null);
  const [purging, setPurging] = useState<DeletedSegment | null>(null);
  const [emptying, setEmptying] = useState(false);
  const notice = useRef<HTMLDivElement>(null);
  useEffect(() => notice.current?.focus(), [outcome]);

  const gone = (id: number) => list.remove(id);
  // Segments deleted elsewhere since the first page loaded (under a search, those whose name matches it).
  const [deletedElsewhere, setDeletedElsewhere] = useState<ReadonlySet<number>>(() => new Set());
  useEffect(() => setDeletedElsewhere(new Set()), [first.data]);
  useLiveChanges(
    "all",
    () => undefined,
    undefined,
    (lifecycle) => {
      for (const c of lifecycle) if (c.change === "segment-restored") gone(c.segmentId);
      const matches = (name: string) => query === "" || name.toLowerCase().includes(query.toLowerCase());
      const deleted = lifecycle.filter((c) => c.change === "segment-deleted" && matches(c.name)).map((c) => c.segmentId);
      if (deleted.length > 0) setDeletedElsewhere((d) => new Set([...d, ...deleted]));
    },
  );
  const newlyDeleted = [...deletedElsewhere].filter((id) => !rows?.some((d) => d.id === id));
  const restored = (d: DeletedSegment, segment: Segment) => {
    setRenaming(null);
    gone(d.id);
    setOutcome({ kind: "restored", segment, was: d.name });
  };
  const onRestore = async (d: DeletedSegment) => {
    setRestoring(d.id);
    setActionError(null);
    try {
      restored(d, await restoreSegment(d.id));
    } catch (e) {
      if (isNameTaken(e)) setRenaming({ segment: d, taken: e });
      else {
        // Gone from the trash meanwhile: its row goes too.
        if (e instanceof ApiError && e.status === 404) gone(d.id);
        setActionError({ name: d.name, error: restoreFailure(e, d.name) });
      }
    } finally {
      setRestoring(null);
    }
  };

  return (
    <div className="page">
      <header className="page-head">
        <div>
          <p className="crumbs">
            <a href="#/segments">Segments</a>
          </p>
          <h1>Recently deleted</h1>
          <p className="muted" data-testid="trash-intro">
            Deleted segments wait here, with their rules or member lists and their history, until you restore them or delete them forever
            {keptDays(rows?.[0]) !== null ? `; each is deleted forever ${plural(keptDays(rows?.[0])!, "day")} after it was deleted` : ""}.
          </p>
        </div>
        {rows !== null && rows.length > 0 && !query && !first.error && (
          <div className="row">
            <button type="button" className="danger-text" onClick={() => setEmptying(true)} data-testid="empty-trash">
              Empty the trash
            </button>
          </div>
        )}
      </header>

      {outcome && (
        <div ref={notice} className="notice trash-notice" role="status" tabIndex={-1} data-testid="trash-notice">
          {outcome.kind === "restored" ? (
            <span>
              Restored <a href={`#/segments/${outcome.segment.id}`}><Quoted>{outcome.segment.name}</Quoted></a>
              {isolateQuoted(outcome.segment.name !== outcome.was ? ` (was “${outcome.was}”)` : "")} with {plural(outcome.segment.memberCount, "member")}.{restoredProblem(outcome.segment) !== null && ` ${restoredProblem(outcome.segment)}`}
            </span>
          ) : outcome.kind === "purged" ? (
            <span>Deleted <Quoted>{outcome.name}</Quoted> forever.</span>
          ) : (
            <span>Emptied the trash: {plural(outcome.count, "segment")} deleted forever.</span>
          )}
          <button type="button" className="icon-button notice-close" onClick={() => setOutcome(null)} aria-label="Dismiss this notice">
            ✕
          </button>
        </div>
      )}
      <ProblemNote error={actionError?.error} />
      <ElsewhereNotice count={newlyDeleted.length} what="deleted" onShow={first.reload} testId="deleted-elsewhere" />

      {(rows === null || rows.length > 0 || next || query) && (
        <div className="toolbar">
          <label className="search">
            <span className="visually-hidden">Search deleted segments by name</span>
            <input type="search" placeholder="Search by name…" value={search} onChange={(e) => setSearch(e.target.value)} data-testid="trash-search" maxLength={MAX_SEARCH} />
          </label>
          <span className="muted small" aria-live="polite">
            {/* After a failed load the rows are those of the search before: no count for them. */}
            {isolateQuoted(first.error ? "" : rows !== null ? (query ? `${plural(rows.length, "deleted segment")} match “${query}”` : plural(rows.length, "deleted segment")) : "")}
            {next && !first.error ? " (more below)" : ""}
          </span>
        </div>
      )}

      {first.error ? (
        <LoadFailed what={query ? `The deleted segments matching “${query}”` : "The deleted segments"} error={first.error} onRetry={first.reload} retrying={first.loading} />
      ) : rows !== null && rows.length === 0 && !next && query ? (
        <div className="empty-state card" data-testid="trash-no-match">
          <h2>No deleted segment matches <Quoted>{query}</Quoted></h2>
          <button type="button" onClick={() => setSearch("")}>
            Clear the search
          </button>
        </div>
      ) : rows !== null && rows.length === 0 && !next ? (
        <div className="empty-state card" data-testid="trash-empty">
          <h2>Nothing deleted</h2>
          <p className="muted">
            When you delete a segment, it comes here with its rules or member list and its history, so a delete can be undone: restore it, or delete it forever.
          </p>
          <a className="button" href="#/segments">
            Back to the segments
          </a>
        </div>
      ) : rows !== null ? (
        <div className="card table-card">
          <table className="data-table segments-table trash-table" data-testid="trash-table">
            <caption className="visually-hidden">Deleted segments, the most recently deleted first</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Type</th>
                <th scope="col" className="num">
                  Members when deleted
                </th>
                <th scope="col">Deleted</th>
                <th scope="col" className="actions-col">
                  Actions
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((d) => (
                <tr key={d.id} data-testid="trash-row" data-name={d.name}>
                  <td className="name-cell">
                    <strong>{d.name}</strong>
                    {d.description && <span className="clamp-3 muted small trash-description">{d.description}</span>}
                  </td>
                  <td>
                    <KindBadge kind={d.kind} />
                  </td>
                  <td className="num" data-testid="trash-member-count" data-unit={d.memberCount === 1 ? " member when deleted" : " members when deleted"}>
                    {formatCount(d.memberCount)}
                  </td>
                  <td>
                    <AgeBy at={d.deletedAt} by={d.deletedBy} />
                    {d.purgesAt && (
                      <span className="muted small trash-purges" data-testid="trash-purges-at">
                        {" "}
                        · goes for good <time dateTime={d.purgesAt} title={formatInstant(d.purgesAt)}>{formatDay(d.purgesAt)}</time>
                      </span>
                    )}
                  </td>
                  <td className="actions-col">
                    <div className="row-actions">
                      {/* Busy, not disabled: a disabled button loses the focus, and the dialog that may follow (a name taken) could not give it back. */}
                      <button type="button" className="small" onClick={() => restoring !== d.id && void onRestore(d)} aria-disabled={restoring === d.id} aria-label={`Restore ${isolate(d.name)}`}>
                        {restoring === d.id ? "Restoring…" : "Restore"}
                      </button>
                      {/* The name starts with the words shown (WCAG 2.5.3, label in name), then says which segment. */}
                      <button type="button" className="small danger-text" onClick={() => setPurging(d)} aria-label={`Delete forever ${isolate(d.name)}`}>
                        Delete forever
                      </button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {next && (
            <div className="table-foot">
              {more.error ? (
                <LoadFailed what="More deleted segments" error={more.error} onRetry={loadMore} retrying={more.loading} testId="more-failed" />
              ) : (
                <button type="button" onClick={loadMore} disabled={more.loading} data-testid="trash-more">
                  {more.loading ? "Loading…" : "Load more"}
                </button>
              )}
            </div>
          )}
        </div>
      ) : (
        <p className="muted">Loading…</p>
      )}

      {renaming && <RestoreAsDialog segment={renaming.segment} taken={renaming.taken} onClose={() => setRenaming(null)} onRestored={(s) => restored(renaming.segment, s)} />}
      {purging && (
        <PurgeDialog
          segment={purging}
          onClose={() => setPurging(null)}
          onPurged={() => {
            gone(purging.id);
            setPurging(null);
            setOutcome({ kind: "purged", name: purging.name });
          }}
        />
      )}
      {emptying && rows && (
        <EmptyTrashDialog
          shown={rows.length}
          more={next !== null}
          onClose={() => setEmptying(false)}
          onEmptied={(count) => {
            list.clear();
            setEmptying(false);
            setOutcome({ kind: "emptied", count });
          }}
        />
      )}
    </div>
  );
}

/** Confirms deleting a segment for good, naming it; a segment already gone from the trash (404) counts as done. */
function PurgeDialog({ segment, onClose, onPurged }: { segment: DeletedSegment; onClose(): void; onPurged(): void }) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true);
    try {
      await purgeDeletedSegment(segment.id);
      onPurged();
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };
  const goneMeanwhile = error instanceof ApiError && error.status === 404;
  return (
    <Dialog
      title={`Delete “${segment.name}” forever?`}
      onClose={onClose}
      testId="purge-dialog"
      actions={
        <>
          <button type="button" onClick={onClose} data-autofocus>
            {goneMeanwhile ? "Close" : "Cancel"}
          </button>
          {!goneMeanwhile && (
            <button type="button" className="danger" onClick={run} disabled={busy} data-testid="confirm-purge">
              {busy ? "Deleting…" : "Delete forever"}
            </button>
          )}
        </>
      }
    >
      <p>
        Its {segment.kind === "static" ? `list of ${plural(segment.memberCount, "member")}` : "rules"}, its description and its version history go for good: it
        cannot be restored after this.
      </p>
      {goneMeanwhile ? (
        <p className="problem" role="alert">
          <strong>It is no longer here:</strong> someone restored it or deleted it forever since this page was loaded. Reload the page to see the trash as it is now.
        </p>
      ) : (
        <ProblemNote error={error} />
      )}
    </Dialog>
  );
}

/** Confirms emptying the whole trash (every deleted segment, those not loaded yet included). */
function EmptyTrashDialog({ shown, more, onClose, onEmptied }: { shown: number; more: boolean; onClose(): void; onEmptied(count: number): void }) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true);
    try {
      onEmptied(await emptyTrash());
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };
  return (
    <Dialog
      title="Empty the trash?"
      onClose={onClose}
      testId="empty-trash-dialog"
      actions={
        <>
          <button type="button" onClick={onClose} data-autofocus>
            Cancel
          </button>
          <button type="button" className="danger" onClick={run} disabled={busy} data-testid="confirm-empty-trash">
            {busy ? "Deleting…" : "Delete all forever"}
          </button>
        </>
      }
    >
      <p>
        {more
          ? `Every deleted segment, the ${formatCount(shown)} listed and those further down, goes for good with its rules or member list and its version history: none can be restored after this.`
          : shown === 1
            ? "The deleted segment goes for good with its rules or member list and its version history: it cannot be restored after this."
            : `All ${formatCount(shown)} deleted segments go for good with their rules or member lists and their version history: none can be restored after this.`}
      </p>
      <ProblemNote error={error} />
    </Dialog>
  );
}
