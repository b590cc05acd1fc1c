/**
 * The segments table: name, description, type, contacts, last updated and actions (Edit, Duplicate,
 * Delete). Search by name and sort by every column, both done by the server; a search that fails shows the
 * failure, with Try again, where the rows were (not the rows of the search before); an empty state that leads to
 * "+ Create segment"; delete asks first and lists the segments that read the one being deleted, then offers
 * Undo (a deleted segment is kept in Recently deleted, linked from here).
 */
import { useEffect, useRef, useState } from "react";
import { navigate } from "../router.js";
import { ApiError, deleteSegment, duplicateSegment, getSegment, latestRead, listSegments, MAX_SEARCH, SEGMENTS_FIRST_SORT, SEGMENTS_PAGE, wasStopped, type Segment, type SegmentSort } from "./api.js";
import { formatCount, plural } from "./format.js";
import { liveText, useLiveChanges } from "./live.js";
import { AgeBy, Dialog, ElsewhereNotice, isolate, isolateQuoted, KindBadge, LoadFailed, ProblemNote, Quoted, useLoad, usePending, useToast } from "./ui.js";
import { RefreshFailedBadge } from "./refresh-status.js";
import { forgetHandedOver, handedOverDeleted, UndoDeleteNotice, type JustDeleted } from "./undo-delete.js";

type Column = "name" | "description" | "kind" | "memberCount" | "updatedAt";

const COLUMNS: { key: Column; label: string; numeric?: boolean }[] = [
  { key: "name", label: "Name" },
  { key: "description", label: "Description" },
  { key: "kind", label: "Type" },
  { key: "memberCount", label: "Contacts", numeric: true },
  { key: "updatedAt", label: "Last updated" },
];

/** How many segments a page of the table asks for. */
const PAGE = SEGMENTS_PAGE;
/** Changes arriving within this long (ms) make one read of the counts they moved. */
const COUNTS_DEBOUNCE_MS = 300;

/** The most segments one listing returns (the API's limit). */
const MAX_LISTING = 1000;

/**
 * A live row read again: its count, whether its last refresh failed (and why) or it has problems, and since
 * the feed tells the segments' lifecycle, its name, description, type and last update (renamed elsewhere).
 */
type LiveRow = Segment;

/**
 * The rows of segments `ids` read again (their member counts, refresh status and problems): from one
 * listing (`listing`, the table's own query over as many rows as it shows) where it holds them, else by one
 * read per segment — a row the listing does not reach (the counts reordered a table sorted by them), or
 * every row when there is no listing. A segment whose read answers 404 was deleted meanwhile (another tab,
 * the API): it is in `gone`, and its row leaves the table.
 */
async function readRows(ids: readonly number[], listing: Parameters<typeof listSegments>[0] | null): Promise<{ rows: Map<number, LiveRow>; gone: Set<number> }> {
  const rows = new Map<number, LiveRow>();
  const gone = new Set<number>();
  const wanted = new Set(ids);
  const keep = (s: Segment) => rows.set(s.id, s);
  if (listing) {
    const page = await listSegments(listing).catch(() => null);
    for (const s of page?.items ?? []) if (wanted.has(s.id)) keep(s);
  }
  const notListed = ids.filter((id) => !rows.has(id));
  const read = await Promise.all(
    notListed.map((id) =>
      getSegment(id).then(
        (r) => r.body,
        (e: unknown) => {
          if (e instanceof ApiError && e.status === 404) gone.add(id);
          return null;
        },
      ),
    ),
  );
  for (const s of read) if (s) keep(s);
  return { rows, gone };
}

export function SegmentsListPage() {
  const [search, setSearch] = useState("");
  const [query, setQuery] = useState("");
  const [sort, setSort] = useState<SegmentSort>(SEGMENTS_FIRST_SORT);
  // Which kind the table shows: every segment, or only the dynamic ones or only the static lists.
  const [kind, setKind] = useState<"all" | "dynamic" | "static">("all");
  const kindQuery = kind === "all" ? undefined : kind;
  const [extra, setExtra] = useState<{ items: Segment[]; next: string | null }>({ items: [], next: null });
  const [more, setMore] = useState<{ loading: boolean; error: unknown }>({ loading: false, error: null });
  const [deleting, setDeleting] = useState<Segment | null>(null);
  const [fresh, setFresh] = useState<number | null>(null);
  // The last delete, with Undo: made here, or on a segment's page that came back here.
  const [justDeleted, setJustDeleted] = useState<(JustDeleted & { shown: number }) | null>(() => {
    const d = handedOverDeleted();
    return d && { ...d, shown: 0 };
  });
  useEffect(forgetHandedOver, []);
  const toast = useToast();

  // The search is sent when typing pauses.
  useEffect(() => {
    const t = window.setTimeout(() => setQuery(search.trim()), 200);
    return () => window.clearTimeout(t);
  }, [search]);

  const first = useLoad(() => listSegments({ search: query || undefined, kind: kindQuery, sort, limit: PAGE }), [query, kind, sort]);
  // The first page the rows start from: a next page asked for another one (the search or sort changed
  // while it loaded) is dropped.
  const shownFirst = useRef(first.data);
  // Rows read again since the first page loaded (live, below: counts, refresh status), by segment id.
  const [liveRows, setLiveRows] = useState<Map<number, LiveRow>>(() => new Map());
  // Segments deleted elsewhere (another tab, the API) since the first page loaded: the feed logged their
  // members as exited, their read answered 404. Their rows go (with their stale counts); a toast says why.
  const [goneIds, setGoneIds] = useState<ReadonlySet<number>>(() => new Set());
  // Segments created or restored elsewhere since the first page loaded (the feed's lifecycle items): not
  // slipped in among the rows (the order and pages the person is reading stay), but said, with Show them.
  const [addedIds, setAddedIds] = useState<ReadonlySet<number>>(() => new Set());
  // Those this table made (Duplicate, Undo): the feed tells them too, maybe before the answer comes.
  const madeHere = useRef(new Set<number>());
  useEffect(() => {
    shownFirst.current = first.data;
    setExtra({ items: [], next: null });
    setMore({ loading: false, error: null });
    setLiveRows(new Map());
    setGoneIds(new Set());
    setAddedIds(new Set());
  }, [first.data]);
  // After a failed load the rows are those of the search before: none are shown, the failure is.
  const loadedRows = (first.error ? [] : [...(first.data?.items ?? []), ...extra.items]).filter((s) => !goneIds.has(s.id));
  const rows = liveRows.size === 0 ? loadedRows : loadedRows.map((s) => (liveRows.has(s.id) ? { ...s, ...liveRows.get(s.id)! } : s));

  // Live counts: the segments shown that the change feed says moved are read again (a few at once, after
  // a short pause) and their counts replaced in place; the rows, their order and the pages loaded stay.
  // So are those whose refresh failed, or worked again (the feed's refresh-status changes): their
  // "out of date" (or "needs attention") mark comes and goes without a reload.
  const shownIds = useRef(new Set<number>());
  shownIds.current = new Set(rows.map((s) => s.id));
  const loadedRowsRef = useRef(loadedRows);
  loadedRowsRef.current = loadedRows;
  // The segment deleted from this table (its own delete dialog): not "deleted elsewhere" when its read 404s.
  const deletedHere = useRef<number | null>(null);
  const moved = useRef(new Set<number>());
  const backlog = useRef(false);
  const countsTimer = useRef<number | null>(null);
  useEffect(() => () => window.clearTimeout(countsTimer.current ?? undefined), []);
  const readMovedSoon = (ids: Iterable<number>) => {
    for (const id of ids) if (shownIds.current.has(id)) moved.current.add(id);
    if (moved.current.size === 0 || countsTimer.current !== null) return;
    countsTimer.current = window.setTimeout(async () => {
      countsTimer.current = null;
      const ids = [...moved.current];
      moved.current.clear();
      const listing = backlog.current ? { search: query || undefined, kind: kindQuery, sort, limit: Math.min(MAX_LISTING, shownIds.current.size) } : null;
      backlog.current = false;
      const base = shownFirst.current;
      const read = await readRows(ids, listing);
      if (shownFirst.current !== base) return;
      setLiveRows((m) => new Map([...m, ...read.rows]));
      // The one deleted here is already gone (the table loads again); the others were deleted elsewhere.
      const elsewhere = [...read.gone].filter((id) => id !== deletedHere.current && shownIds.current.has(id));
      if (elsewhere.length === 0) return;
      setGoneIds((g) => new Set([...g, ...elsewhere]));
      const names = loadedRowsRef.current.filter((s) => elsewhere.includes(s.id)).map((s) => s.name);
      toast(
        <>
          {names.length === 1 ? (
            <>
              <Quoted>{names[0]}</Quoted> was deleted
            </>
          ) : (
            `${names.length} segments were deleted`
          )}{" "}
          elsewhere: see <a href="#/segments/deleted">Recently deleted</a>
        </>,
      );
    }, COUNTS_DEBOUNCE_MS);
  };
  const liveStatus = useLiveChanges(
    "all",
    (changes, skipped) => {
      // Past a backlog skipped, any row shown may have moved, and every one is read again: the feed has no
      // cheap summary of the segments a span of it touched (docs/api.md), and asking it row by row would cost
      // a request per row, as reading the row's count does. So they are read in one listing with the
      // table's own search, type and sort, not one request per row.
      if (skipped) backlog.current = true;
      readMovedSoon(skipped ? shownIds.current : changes.map((c) => c.segmentId));
    },
    (refreshes) => readMovedSoon(refreshes.map((c) => c.segmentId)),
    (lifecycle) => {
      // A row shown that was changed or deleted elsewhere is read again: renamed in place, or gone with the
      // toast (its read answers 404) — also one nobody was in, of which the membership changes said nothing.
      readMovedSoon(lifecycle.filter((c) => c.change !== "segment-created").map((c) => c.segmentId));
      // Under a search, only those whose name matches it: Show it would not show the others.
      const matches = (name: string) => query === "" || name.toLowerCase().includes(query.toLowerCase());
      const added = lifecycle
        .filter((c) => (c.change === "segment-created" || c.change === "segment-restored") && !shownIds.current.has(c.segmentId) && matches(c.name))
        .map((c) => c.segmentId);
      if (added.length > 0) setAddedIds((a) => new Set([...a, ...added]));
    },
  );
  const addedElsewhere = [...addedIds].filter((id) => !madeHere.current.has(id) && !shownIds.current.has(id) && !goneIds.has(id));
  const next = first.error ? null : extra.items.length > 0 ? extra.next : (first.data?.next ?? null);

  // "Show more segments": a next page still loading when the first page is asked again (a new search, type
  // or sort) or when the page goes is stopped (its request aborted): nobody waits for it, and appended it
  // would mix two lists.
  const nextPage = useRef(latestRead());
  useEffect(() => () => nextPage.current.stop(), []);
  useEffect(() => {
    if (first.loading) nextPage.current.stop();
  }, [first.loading]);
  const loadMore = async () => {
    if (!next) return;
    const base = first.data;
    setMore({ loading: true, error: null });
    try {
      const page = await listSegments({ search: query || undefined, kind: kindQuery, sort, limit: PAGE, cursor: next }, nextPage.current.next());
      if (shownFirst.current !== base) return;
      setExtra((e) => ({ items: [...e.items, ...page.items], next: page.next }));
      setMore({ loading: false, error: null });
    } catch (error) {
      if (wasStopped(error)) setMore((m) => ({ ...m, loading: false }));
      else if (shownFirst.current === base) setMore({ loading: false, error });
    }
  };

  const onSort = (key: Column) => {
    // A first click sorts names A→Z and numbers/dates newest or largest first; a second click reverses.
    const natural: SegmentSort = key === "name" || key === "description" || key === "kind" ? key : `-${key}`;
    setSort(sort === natural ? ((natural.startsWith("-") ? natural.slice(1) : `-${natural}`) as SegmentSort) : natural);
  };

  // One copy per intent: a row's Duplicate waits (disabled) for its answer.
  const duplicating = usePending<number>();
  const onDuplicate = (s: Segment) =>
    duplicating.run(s.id, async () => {
      try {
        const copy = await duplicateSegment(s.id);
        madeHere.current.add(copy.id);
        setFresh(copy.id);
        toast(
          <>
            Duplicated as <a href={`#/segments/${copy.id}`}>{copy.name}</a>
          </>,
        );
        first.reload();
      } catch (e) {
        toast(e instanceof ApiError ? e.problem.detail : String(e), "bad");
      }
    });

  const empty = first.data !== null && rows.length === 0;
  return (
    <div className="page">
      <header className="page-head">
        <div>
          <h1>Segments</h1>
          <p className="muted">Audiences of your contacts: dynamic ones follow their rules, static ones are lists you pick.</p>
        </div>
        <div className="row">
          <a className="button" href="#/import" data-testid="import-link">
            Import contacts
          </a>
          <a className="button" href="#/segments/deleted" data-testid="recently-deleted">
            Recently deleted
          </a>
          <a className="button primary" href="#/segments/new" data-testid="create-segment">
            + Create segment
          </a>
        </div>
      </header>

      {justDeleted && (
        <UndoDeleteNotice
          key={justDeleted.shown}
          deleted={justDeleted}
          onRestored={(s) => {
            // Undone from the segment's own page: back to it. From the table: it shows again here.
            if (justDeleted.from === "page") return navigate(`/segments/${s.id}`);
            madeHere.current.add(s.id);
            setFresh(s.id);
            first.reload();
          }}
          onDismiss={() => setJustDeleted(null)}
        />
      )}

      <ElsewhereNotice count={addedElsewhere.length} what="added" onShow={first.reload} testId="added-elsewhere" />

      <div className="toolbar">
        <label className="search">
          <span className="visually-hidden">Search segments by name</span>
          <input type="search" placeholder="Search by name…" value={search} onChange={(e) => setSearch(e.target.value)} data-testid="segment-search" maxLength={MAX_SEARCH} />
        </label>
        <label className="kind-filter">
          <span className="visually-hidden">Which segments</span>
          <select value={kind} onChange={(e) => setKind(e.target.value as typeof kind)} data-testid="segment-kind">
            <option value="all">All types</option>
            <option value="dynamic">Dynamic</option>
            <option value="static">Static</option>
          </select>
        </label>
        <span className="muted small" aria-live="polite">
          {isolateQuoted(first.error ? "" : first.data ? `${plural(rows.length, kind === "all" ? "segment" : `${kind} segment`)}${query ? ` match “${query}”` : ""}` : first.loading ? "Loading…" : "")}
          {next ? " (more below)" : ""}
        </span>
        <span className="muted small" data-testid="live-status" data-state={liveStatus.state}>
          {liveText(liveStatus)}
        </span>
      </div>

      {first.error ? (
        <LoadFailed what={query ? `The segments matching “${query}”` : "The segments"} error={first.error} onRetry={first.reload} retrying={first.loading} />
      ) : empty && !query && kind === "all" ? (
        <div className="empty-state card" data-testid="empty-state">
          <h2>No segments yet</h2>
          <p className="muted">Build one with rules (“tenure over 12 months and on fiber”) or pick contacts for a list.</p>
          <a className="button primary" href="#/segments/new">
            + Create segment
          </a>
          <p className="muted small">
            Segments you delete wait in <a href="#/segments/deleted">Recently deleted</a>.
          </p>
        </div>
      ) : empty ? (
        <div className="empty-state card" data-testid="empty-state">
          <h2>{isolateQuoted(query ? `No ${kind === "all" ? "" : `${kind} `}segment matches “${query}”` : `No ${kind} segments`)}</h2>
          <p className="muted">{query ? "Try another part of the name, or create it." : "Show all types to see the others, or create one."}</p>
          <div className="row">
            {query && (
              <button type="button" onClick={() => setSearch("")}>
                Clear the search
              </button>
            )}
            {kind !== "all" && (
              <button type="button" onClick={() => setKind("all")}>
                Show all types
              </button>
            )}
            <a className="button primary" href="#/segments/new">
              + Create segment
            </a>
          </div>
        </div>
      ) : (
        <div className="card table-card">
          <table className="data-table segments-table" data-testid="segments-table" aria-busy={first.loading}>
            <caption className="visually-hidden">Segments{query ? ` matching “${isolate(query)}”` : ""}</caption>
            <thead>
              <tr>
                {COLUMNS.map((c) => {
                  const dir = sort === c.key ? "ascending" : sort === `-${c.key}` ? "descending" : undefined;
                  return (
                    <th key={c.key} scope="col" aria-sort={dir ?? "none"} className={c.numeric ? "num" : undefined}>
                      <button type="button" className="sort-button" onClick={() => onSort(c.key)} data-testid={`sort-${c.key}`}>
                        {c.label}
                        <span className="sort-mark" aria-hidden="true">
                          {dir === "ascending" ? "▲" : dir === "descending" ? "▼" : "↕"}
                        </span>
                      </button>
                    </th>
                  );
                })}
                <th scope="col" className="actions-col">
                  Actions
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((s) => (
                <tr key={s.id} className={s.id === fresh ? "fresh" : undefined} data-testid="segment-row" data-name={s.name}>
                  <td className="name-cell">
                    <a href={`#/segments/${s.id}`}>{s.name}</a>
                    {s.problems.length > 0 && (
                      <span className="badge bad" title={s.problems[0]!.message}>
                        needs attention
                      </span>
                    )}
                    {s.problems.length === 0 && <RefreshFailedBadge segment={s} />}
                  </td>
                  <td className="desc-cell">
                    {/* Three lines at most: a long description (up to 10,000 characters) made a row of a screen or more. */}
                    {s.description ? (
                      <span className="clamp-3" title={s.description.length > 120 ? s.description.slice(0, 2000) : undefined}>
                        {s.description}
                      </span>
                    ) : (
                      <span className="muted">—</span>
                    )}
                  </td>
                  <td className="kind-cell">
                    <KindBadge kind={s.kind} />
                  </td>
                  <td className="num count-cell" data-testid="member-count" data-unit={s.memberCount === 1 ? " contact" : " contacts"}>
                    {formatCount(s.memberCount)}
                  </td>
                  <td className="updated-cell">
                    <AgeBy at={s.updatedAt} by={s.updatedBy} />
                  </td>
                  <td className="actions-col">
                    <div className="row-actions">
                      <a className="button small" href={`#/segments/${s.id}/edit`} aria-label={`Edit ${isolate(s.name)}`}>
                        Edit
                      </a>
                      <button type="button" className="small" onClick={() => void onDuplicate(s)} disabled={duplicating.pending(s.id)} aria-label={`Duplicate ${isolate(s.name)}`}>
                        {duplicating.pending(s.id) ? "Duplicating…" : "Duplicate"}
                      </button>
                      <button type="button" className="small danger-text" onClick={() => setDeleting(s)} aria-label={`Delete ${isolate(s.name)}`}>
                        Delete
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
                <LoadFailed what="More segments" error={more.error} onRetry={loadMore} retrying={more.loading} testId="more-failed" />
              ) : (
                <button type="button" onClick={loadMore} disabled={more.loading}>
                  {more.loading ? "Loading…" : "Show more segments"}
                </button>
              )}
            </div>
          )}
        </div>
      )}

      {deleting && (
        <DeleteDialog
          segment={deleting}
          onClose={() => setDeleting(null)}
          onDeleted={() => {
            deletedHere.current = deleting.id;
            setJustDeleted((d) => ({ id: deleting.id, name: deleting.name, from: "table", shown: (d?.shown ?? 0) + 1 }));
            setDeleting(null);
            first.reload();
          }}
        />
      )}
    </div>
  );
}

/** Confirms a delete; lists the segments that read this one, and says so again if the server refuses. */
export function DeleteDialog({ segment, onClose, onDeleted }: { segment: Segment; onClose(): void; onDeleted(): void }) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [force, setForce] = useState(false);
  const readers = error instanceof ApiError && Array.isArray(error.problem["referencedBy"]) ? (error.problem["referencedBy"] as { id: number; name: string }[]) : segment.referencedBy;
  const cancel = useRef<HTMLButtonElement>(null);
  const run = async () => {
    setBusy(true);
    try {
      await deleteSegment(segment.id, force);
      onDeleted();
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };
  return (
    <Dialog
      title={`Delete “${segment.name}”?`}
      onClose={onClose}
      testId="delete-dialog"
      actions={
        <>
          <button ref={cancel} type="button" onClick={onClose} data-autofocus>
            Cancel
          </button>
          <button type="button" className="danger" onClick={run} disabled={busy || (readers.length > 0 && !force)} data-testid="confirm-delete">
            {busy ? "Deleting…" : force ? "Delete anyway" : "Delete segment"}
          </button>
        </>
      }
    >
      <p>
        It moves to <strong>Recently deleted</strong> with {segment.kind === "static" ? `its list of ${plural(segment.memberCount, "member")}` : "its rules"} and its version
        history, until you restore it or delete it forever{segment.kind === "dynamic" ? " (restored, its members are found again from the data of that day)" : ""}. Meanwhile the entered / exited feed logs each member as exited.
      </p>
      {readers.length > 0 && (
        <div className="warning" data-testid="referenced-by">
          <p>
            <strong>{readers.length === 1 ? "Another segment reads this one" : `${readers.length} segments read this one`}</strong> through <code>in segment</code>:
          </p>
          <ul>
            {readers.map((r) => (
              <li key={r.id}>
                <a href={`#/segments/${r.id}`}>{r.name}</a>
              </li>
            ))}
          </ul>
          <p className="small">{readers.length === 1 ? "Edit it first, or delete anyway: it then stops updating and says which segment it misses." : "Edit them first, or delete anyway: they then stop updating and say which segment they miss."}</p>
          <label className="check">
            <input type="checkbox" checked={force} onChange={(e) => setForce(e.target.checked)} data-testid="force-delete" /> Delete anyway
          </label>
        </div>
      )}
      {error instanceof ApiError && error.kind === "referenced" ? (
        <p className="problem" role="alert" data-testid="delete-refused">
          <strong>Not deleted.</strong> Since this page was loaded, {readers.length === 1 ? "another segment started" : "other segments started"} reading it (listed above).
          Edit {readers.length === 1 ? "it" : "them"} first, or delete anyway.
        </p>
      ) : (
        <ProblemNote error={error} />
      )}
    </Dialog>
  );
}
