/**
 * One segment: its members (paged, searchable, sortable), its expression and the SQL of it for each
 * dialect, why / why not for a member or any contact, the version history with diffs, and its activity —
 * a chart of the member count over time and the entered / exited feed, both from the membership change
 * log.
 */
import { useEffect, useId, useLayoutEffect, useRef, useState, type KeyboardEvent, type ReactNode } from "react";
import { navigate, type Route } from "../router.js";
import {
  ApiError,
  convertToStatic,
  downloadExport,
  exportUrl,
  savedToken,
  type ExportFormat,
  duplicateSegment,
  getSegment,
  memberCounts,
  restoreSegment,
  MAX_SEARCH,
  members as listMembers,
  preview as runPreview,
  rulesDiff,
  segmentChanges,
  segmentVersions,
  whySegment,
  type MemberCountPoint,
  type MembershipChange,
  type Segment,
  type SegmentVersion,
} from "./api.js";
import { CompareTab } from "./compare-tab.js";
import { contactHref, ContactsGrid } from "./contacts-grid.js";
import { formatAge, formatCount, formatDay, formatInstant, plural } from "./format.js";
import { lineDiff } from "./line-diff.js";
import { RulesDiffView } from "./rules-diff.js";
import { fieldsRulesFirst } from "./rule-fields.js";
import { DeleteDialog } from "./list-page.js";
import { liveText, useLiveChanges } from "./live.js";
import { useSchema } from "./schema.js";
import { Dialog, isolate, isolateQuoted, KindBadge, LoadFailed, ProblemNote, useLoad, usePageTitle, usePending, useToast } from "./ui.js";
import { isNameTaken, RestoreAsDialog, restoreFailure } from "./restore-dialog.js";
import { failedRefresh, RefreshStatusNote, StaleSince } from "./refresh-status.js";
import { handOverDeleted } from "./undo-delete.js";
import { WhyResult } from "./why-view.js";

const TABS = [
  { id: "members", label: "Members" },
  { id: "definition", label: "Expression & SQL" },
  { id: "why", label: "Why / why not" },
  { id: "history", label: "History" },
  { id: "activity", label: "Activity" },
  { id: "compare", label: "Compare" },
] as const;
type Tab = (typeof TABS)[number]["id"];

/** Changes arriving within this long (ms) make one read of the segment and its first page of members. */
const LIVE_REFRESH_MS = 250;

const DIALECTS = [
  { id: "duckdb", label: "DuckDB" },
  { id: "postgres", label: "PostgreSQL" },
  { id: "sqlite", label: "SQLite" },
  { id: "mysql", label: "MySQL" },
  { id: "bigquery", label: "BigQuery" },
  { id: "snowflake", label: "Snowflake" },
];

export function SegmentPage({ id, route }: { id: number; route: Route }) {
  const loaded = useLoad(() => getSegment(id), [id]);
  usePageTitle(loaded.data ? isolate(loaded.data.body.name) : null);
  const { schema } = useSchema();
  const toast = useToast();
  const [deleting, setDeleting] = useState(false);
  const [converting, setConverting] = useState(false);
  // One copy per intent: Duplicate waits (disabled) for its answer.
  const duplicating = usePending<"segment">();
  const tab = (TABS.find((t) => t.id === route.params.get("tab"))?.id ?? "members") as Tab;
  const [whyKey, setWhyKey] = useState<string | null>(null);
  const setTab = (t: Tab) => navigate(`/segments/${id}${t === "members" ? "" : `?tab=${t}`}`, true);
  // On a narrow screen the tabs scroll sideways: the selected one is brought into view (opened from an
  // address with ?tab=, or reached with the arrow keys), without scrolling the page.
  const strip = useRef<HTMLDivElement>(null);
  const ready = loaded.data !== null;
  // Live: the feed's new changes (newest first) for the Activity tab at once; then, once per burst of
  // changes, a tick for the members' first page and the segment (its count) read again, except under an
  // open dialog: then when it closes.
  // `epoch` counts backlogs skipped (an import's thousands of changes): the Activity tab then reads afresh.
  const [live, setLive] = useState<{ id: number; changes: MembershipChange[]; tick: number; epoch: number }>({ id, changes: [], tick: 0, epoch: 0 });
  const liveNow = live.id === id ? live : { id, changes: [], tick: 0, epoch: 0 };
  const dialogOpen = deleting || converting;
  const dialogOpenNow = useRef(dialogOpen);
  dialogOpenNow.current = dialogOpen;
  const reloadAfterDialog = useRef(false);
  const refreshTimer = useRef<number | null>(null);
  useEffect(() => () => window.clearTimeout(refreshTimer.current ?? undefined), []);
  const readAgainSoon = () => {
    if (refreshTimer.current !== null) return;
    refreshTimer.current = window.setTimeout(() => {
      refreshTimer.current = null;
      setLive((l) => (l.id === id ? { ...l, tick: l.tick + 1 } : l));
      if (dialogOpenNow.current) reloadAfterDialog.current = true;
      else loaded.reload();
    }, LIVE_REFRESH_MS);
  };
  const liveStatus = useLiveChanges(
    ready ? id : null,
    (changes, skipped) => {
      setLive((l) => {
        const base = l.id === id ? l : { id, changes: [], tick: 0, epoch: 0 };
        return skipped ? { ...base, changes: [], epoch: base.epoch + 1 } : { ...base, changes: [...[...changes].reverse(), ...base.changes].slice(0, 500) };
      });
      readAgainSoon();
    },
    // A refresh of it failed (a scheduled or import one too), or worked again: the segment read again shows
    // or drops "These members may be out of date" (and the rest it says), with the burst's other changes.
    () => readAgainSoon(),
    // It was renamed, edited or deleted elsewhere (another tab, the API): read again, it shows its new name
    // and rules, or that it is in Recently deleted, with Restore (it had no members to leave: nothing else said so).
    () => readAgainSoon(),
  );
  useEffect(() => {
    if (dialogOpen || !reloadAfterDialog.current) return;
    reloadAfterDialog.current = false;
    loaded.reload();
  }, [dialogOpen]);
  useEffect(() => {
    const box = strip.current;
    const selected = box?.querySelector<HTMLElement>('[aria-selected="true"]');
    if (!box || !selected) return;
    const b = box.getBoundingClientRect();
    const r = selected.getBoundingClientRect();
    if (r.left < b.left) box.scrollLeft -= b.left - r.left;
    else if (r.right > b.right) box.scrollLeft += r.right - b.right;
  }, [tab, ready]);

  // In the trash: also when it was shown and then read again live (deleted elsewhere, the feed said so),
  // where a failed read keeps the segment as it was.
  const deleted = deletedOf(loaded.error);
  if (deleted) return <DeletedSegmentNote deleted={deleted} onRestored={() => loaded.reload()} />;
  if (loaded.error && !loaded.data) {
    return (
      <div className="page">
        <ProblemNote error={loaded.error}>
          {loaded.error instanceof ApiError && loaded.error.status === 404 ? (
            <span>
              If it was deleted, it may be in <a href="#/segments/deleted">Recently deleted</a>. <a href="#/segments">Back to the segments</a>
            </span>
          ) : (
            <a href="#/segments">Back to the segments</a>
          )}
        </ProblemNote>
      </div>
    );
  }
  const s = loaded.data?.body;
  if (!s) return <p className="page muted">Loading…</p>;
  const keyField = schema?.key ?? "id";

  const onDuplicate = () =>
    duplicating.run("segment", async () => {
      try {
        const copy = await duplicateSegment(s.id);
        navigate(`/segments/${copy.id}`);
        // After the navigation: the toast is about the copy's page.
        toast(`Duplicated as “${copy.name}”`);
      } catch (e) {
        toast(e instanceof ApiError ? e.problem.detail : String(e), "bad");
      }
    });

  return (
    <div className="page">
      <header className="page-head">
        <div>
          <p className="crumbs">
            <a href="#/segments">Segments</a>
          </p>
          <h1 className="with-badge">
            {s.name} <KindBadge kind={s.kind} />
          </h1>
          {s.description && <Description text={s.description} />}
        </div>
        <div className="row">
          <a className="button primary" href={`#/segments/${s.id}/edit`}>
            Edit
          </a>
          <button type="button" onClick={() => void onDuplicate()} disabled={duplicating.pending("segment")} data-testid="duplicate">
            {duplicating.pending("segment") ? "Duplicating…" : "Duplicate"}
          </button>
          {s.kind === "dynamic" && (
            <button type="button" onClick={() => setConverting(true)} data-testid="convert">
              Make static
            </button>
          )}
          <button type="button" className="danger-text" onClick={() => setDeleting(true)}>
            Delete
          </button>
        </div>
      </header>

      <dl className="stats">
        <div>
          <dt>Contacts</dt>
          <dd className="big-number" data-testid="segment-member-count" aria-live="polite">
            {formatCount(s.memberCount)}
          </dd>
          <dd className="muted small" data-testid="live-status" data-state={liveStatus.state}>
            {liveText(liveStatus)}
          </dd>
        </div>
        <div>
          <dt>Last updated</dt>
          <dd title={formatInstant(s.updatedAt)}>
            {formatAge(s.updatedAt)}
            {s.updatedBy ? ` by ${s.updatedBy}` : ""}
          </dd>
        </div>
        <div>
          <dt>Version</dt>
          <dd>{s.version}</dd>
        </div>
        <div>
          <dt>{s.kind === "dynamic" ? "Recomputed" : "Created"}</dt>
          <dd>{s.kind === "dynamic" ? (s.refreshedAt ? formatAge(s.refreshedAt) : "never") : formatDay(s.createdAt)}{s.relativeTime ? " · refreshed on a schedule (relative times)" : ""}</dd>
        </div>
        {(s.references.length > 0 || s.referencedBy.length > 0) && (
          <div>
            <dt>Linked segments</dt>
            <dd>
              {s.references.length > 0 && <>reads {links(s.references)}</>}
              {s.references.length > 0 && s.referencedBy.length > 0 && "; "}
              {s.referencedBy.length > 0 && <>read by {links(s.referencedBy)}</>}
            </dd>
          </div>
        )}
      </dl>
      {s.problems.length > 0 && (
        <div className="problem" role="alert">
          <strong>This segment stopped updating.</strong>
          {/* One line of text: the box lays out its children as rows, so the message, its link and its stop must be one child. */}
          <span data-testid="segment-problem">
            {s.problems[0]!.message} — <a href={`#/segments/${s.id}/edit`}>edit it</a>
            {s.problems[0]!.code === "unknown-segment" ? (
              <>
                , or restore the segment it reads from <a href="#/segments/deleted">Recently deleted</a> if it was deleted
              </>
            ) : null}
            .
          </span>
          {/* Its refreshes fail for this problem: when, and since when its members date, said here rather than in a second box. */}
          {failedRefresh(s) && <StaleSince segment={s} failed={failedRefresh(s)!} />}
        </div>
      )}
      {s.problems.length === 0 && <RefreshStatusNote segment={s} onRefreshed={() => loaded.reload()} />}

      <div ref={strip} className="tabs" role="tablist" aria-label="About this segment" onKeyDown={(e) => tabKeys(e, tab, setTab)}>
        {TABS.map((t) => (
          <button key={t.id} type="button" role="tab" id={`tab-${t.id}`} aria-selected={tab === t.id} aria-controls={`panel-${t.id}`} tabIndex={tab === t.id ? 0 : -1} onClick={() => setTab(t.id)} data-testid={`tab-${t.id}`}>
            {t.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`} className="tab-panel">
        {tab === "members" && (
          <MembersTab
            segment={s}
            keyField={keyField}
            liveTick={liveNow.tick}
            onWhy={(k) => {
              setWhyKey(k);
              setTab("why");
            }}
          />
        )}
        {tab === "definition" && <DefinitionTab segment={s} />}
        {tab === "why" && <WhyTab segment={s} initialKey={whyKey} />}
        {tab === "history" && <HistoryTab segment={s} />}
        {tab === "activity" && <ActivityTab key={liveNow.epoch} segment={s} live={liveNow.changes} />}
        {tab === "compare" && <CompareTab segment={s} route={route} />}
      </div>

      {converting && (
        <ConvertDialog
          segment={s}
          etag={loaded.data?.etag ?? null}
          onClose={() => setConverting(false)}
          onConverted={() => {
            setConverting(false);
            toast(`“${s.name}” is now a static list`);
            loaded.reload();
          }}
          onStale={() => {
            setConverting(false);
            loaded.reload();
          }}
        />
      )}
      {deleting && (
        <DeleteDialog
          segment={s}
          onClose={() => setDeleting(false)}
          onDeleted={() => {
            // The table says so, with Undo (which comes back here).
            handOverDeleted({ id: s.id, name: s.name, from: "page" });
            // Replaced, not pushed: Back would open the deleted segment's page ("not found").
            navigate("/segments", true);
          }}
        />
      )}
    </div>
  );
}

/**
 * Confirms turning a dynamic segment into a static list (its members now; the rules stay in the history).
 * Sent with the ETag the page loaded, so a segment changed meanwhile is not converted unseen.
 */
function ConvertDialog({ segment, etag, onClose, onConverted, onStale }: { segment: Segment; etag: string | null; onClose(): void; onConverted(): void; onStale(): void }) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true);
    try {
      await convertToStatic(segment.id, etag);
      onConverted();
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };
  const stale = error instanceof ApiError && error.kind === "stale-version";
  return (
    <Dialog
      title={`Make “${segment.name}” a static list?`}
      onClose={onClose}
      testId="convert-dialog"
      actions={
        stale ? (
          <button type="button" className="primary" onClick={onStale} data-autofocus>
            Reload the segment
          </button>
        ) : (
          <>
            <button type="button" onClick={onClose} data-autofocus>
              Cancel
            </button>
            <button type="button" className="primary" onClick={run} disabled={busy} data-testid="confirm-convert">
              {busy ? "Converting…" : "Make static"}
            </button>
          </>
        )
      }
    >
      <p>
        Its {plural(segment.memberCount, "member")} now become a fixed list: contacts no longer join or leave by the rules, and members are
        added and removed by hand. The rules stay in the version history. This cannot be undone.
      </p>
      {segment.referencedBy.length > 0 && (
        <p className="small">Segments that read it ({links(segment.referencedBy)}) then read the list.</p>
      )}
      {stale ? (
        <p className="problem" role="alert" data-testid="convert-stale">
          <strong>Not converted: changed by someone else since you opened it.</strong> Reload to see their version first.
        </p>
      ) : (
        <ProblemNote error={error} />
      )}
    </Dialog>
  );
}

function links(list: { id: number; name: string }[]): ReactNode {
  return list.map((r, i) => (
    <span key={r.id}>
      {i > 0 && ", "}
      <a href={`#/segments/${r.id}`}>{r.name}</a>
    </span>
  ));
}

/** Arrow keys move between tabs (the WAI-ARIA tabs pattern). */
function tabKeys(e: KeyboardEvent, tab: Tab, setTab: (t: Tab) => void) {
  const i = TABS.findIndex((t) => t.id === tab);
  const to = e.key === "ArrowRight" ? (i + 1) % TABS.length : e.key === "ArrowLeft" ? (i - 1 + TABS.length) % TABS.length : e.key === "Home" ? 0 : e.key === "End" ? TABS.length - 1 : -1;
  if (to < 0) return;
  e.preventDefault();
  setTab(TABS[to]!.id);
  window.setTimeout(() => document.getElementById(`tab-${TABS[to]!.id}`)?.focus(), 0);
}

// ---- members ----------------------------------------------------------------------------------------------

function MembersTab({ segment, keyField, liveTick, onWhy }: { segment: Segment; keyField: string; liveTick: number; onWhy(key: string): void }) {
  const [search, setSearch] = useState("");
  const [query, setQuery] = useState("");
  const [sort, setSort] = useState<{ field: string; descending: boolean } | null>(null);
  useEffect(() => {
    const t = window.setTimeout(() => setQuery(search.trim()), 250);
    return () => window.clearTimeout(t);
  }, [search]);
  // The pages walked, kept with the list they belong to: a cursor is tied to its search and order (the API
  // refuses it for another), so a new search or order starts at the first page in the same render, rather
  // than one request with the old cursor first.
  const list = JSON.stringify([query, sort]);
  const [paging, setPaging] = useState<{ list: string; cursors: (string | null)[] }>({ list, cursors: [null] });
  const cursors = paging.list === list ? paging.cursors : [null];
  const setCursors = (change: (c: (string | null)[]) => (string | null)[]) => setPaging({ list, cursors: change(cursors) });
  const cursor = cursors[cursors.length - 1] ?? null;
  const index = cursors.length - 1;
  // The first page follows live changes (same search and order); a later page stays as it was read, so
  // rows do not shift under someone reading them.
  const page = useLoad(
    () => listMembers(segment.id, { search: query || undefined, orderBy: sort?.field, descending: sort?.descending, limit: 25, cursor }),
    [segment.id, query, sort, cursor, index === 0 ? liveTick : 0],
  );
  // After a failed load the rows are those of the search or page before: the failure is shown instead.
  const rows = page.error ? [] : (page.data?.items ?? []);
  // The fields the rules test come first: the table shows nine columns, and the schema's first nine often
  // leave out the very fields the segment is about.
  const columns = fieldsRulesFirst(segment.kind === "dynamic" ? (segment.expression ?? "") : "", Object.keys(rows[0] ?? {}));
  return (
    <section className="card" aria-label="Members">
      <div className="toolbar">
        <label className="search">
          <span className="visually-hidden">Search the members</span>
          <input type="search" placeholder="Search members by any field…" value={search} onChange={(e) => setSearch(e.target.value)} data-testid="member-search" maxLength={MAX_SEARCH} />
        </label>
        <span className="muted small" aria-live="polite" data-testid="members-total">
          {isolateQuoted(page.error ? "" : page.data ? `${plural(page.data.total, "member")}${query ? ` match “${query}”` : ""}` : "Loading…")}
        </span>
        <ExportLinks segment={segment} />
      </div>
      {page.error ? (
        <LoadFailed what={query ? `The members matching “${query}”` : "The members"} error={page.error} onRetry={page.reload} retrying={page.loading} />
      ) : rows.length > 0 ? (
        <ContactsGrid
          rows={rows}
          keyField={keyField}
          caption={`Members of ${isolate(segment.name)}`}
          columns={columns}
          maxColumns={9}
          keyLinks="same-tab"
          sort={sort}
          onSort={(field) => setSort((s) => (s?.field === field ? { field, descending: !s.descending } : { field, descending: false }))}
          action={(r) => (
            <button type="button" className="small" onClick={() => onWhy(String(r[keyField]))} aria-label={`Why is ${isolate(String(r[keyField]))} in ${isolate(segment.name)}?`}>
              Why?
            </button>
          )}
          testId="members-table"
        />
      ) : (
        page.data && (
          <p className="muted empty-note" data-testid="members-empty">
            {query ? (
              isolateQuoted(`No member matches “${query}”.`)
            ) : segment.kind === "dynamic" ? (
              <>
                No contact matches these rules now; contacts join as soon as they do. <a href={`#/segments/${segment.id}/edit`}>Edit the rules</a> to see
                how many contacts each condition matches, or ask <em>Why / why not</em> about a contact.
              </>
            ) : (
              <>
                No members yet: this is a list you pick. <a href={`#/segments/${segment.id}/edit`}>Add contacts to it</a>.
              </>
            )}
          </p>
        )
      )}
      <div className="pager">
        <button type="button" onClick={() => setCursors((c) => c.slice(0, -1))} disabled={index === 0}>
          ← Previous
        </button>
        <span className="muted small">{rows.length > 0 && page.data ? `${formatCount(index * 25 + 1)}–${formatCount(index * 25 + rows.length)} of ${formatCount(page.data.total)}` : ""}</span>
        <button type="button" onClick={() => page.data?.next && setCursors((c) => [...c, page.data!.next])} disabled={!page.data?.next || Boolean(page.error)} data-testid="members-next">
          Next →
        </button>
      </div>
    </section>
  );
}

/**
 * Every member with its fields as a file: CSV for a spreadsheet or the tool that sends the message, JSON
 * Lines for a pipeline. All members, whatever the search above shows (the search narrows the table only).
 */
function ExportLinks({ segment }: { segment: Segment }) {
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  const formats: { format: ExportFormat; label: string; title: string }[] = [
    { format: "csv", label: "CSV", title: `All ${plural(segment.memberCount, "member")} with their fields, as a CSV file (opens in a spreadsheet)` },
    { format: "jsonl", label: "JSON Lines", title: `All ${plural(segment.memberCount, "member")} with their fields, one JSON object per line` },
  ];
  const save = (format: ExportFormat) => {
    setBusy(true);
    downloadExport(segment.id, format, `${segment.name}.${format}`).then(
      () => setBusy(false),
      (e: unknown) => {
        setBusy(false);
        toast(e instanceof ApiError ? e.problem.detail : String(e), "bad");
      },
    );
  };
  return (
    <span className="export-links" role="group" aria-label={`Export all ${plural(segment.memberCount, "member")}`}>
      <span className="muted small" aria-hidden="true">
        Export all:
      </span>
      {formats.map(({ format, label, title }) =>
        // Without a token a plain link: the browser streams the file to disk, whatever its size.
        savedToken() === null ? (
          <a key={format} className="button small" href={exportUrl(segment.id, format)} download title={title} data-testid={`export-${format}`}>
            {label}
          </a>
        ) : (
          <button key={format} type="button" className="small" onClick={() => save(format)} disabled={busy} title={title} data-testid={`export-${format}`}>
            {label}
          </button>
        ),
      )}
    </span>
  );
}

// ---- expression and SQL ----------------------------------------------------------------------------------

function DefinitionTab({ segment }: { segment: Segment }) {
  const [dialect, setDialect] = useState("duckdb");
  const [copied, setCopied] = useState(false);
  const selectId = useId();
  const sql = useLoad(
    async () => (segment.kind === "dynamic" && segment.expression !== null ? (await runPreview({ expression: segment.expression, limit: 0, conditionCounts: false, dialect })).sql.text : null),
    [segment.id, segment.version, dialect],
  );
  if (segment.kind === "static") {
    return (
      <section className="card">
        <h2>A static list</h2>
        <p className="muted">Its members are the contacts picked for it; they change only when someone adds or removes them. In SQL it is a read of its member table.</p>
      </section>
    );
  }
  return (
    <div className="two-col">
      <section className="card" aria-labelledby="expr-title">
        <h2 id="expr-title">Expression</h2>
        <pre className="code" data-testid="segment-expression">
          {segment.expression}
        </pre>
      </section>
      <section className="card" aria-labelledby="sql-title">
        <div className="card-head">
          <h2 id="sql-title">SQL</h2>
          <div className="row">
            <label htmlFor={selectId} className="small muted">
              Dialect
            </label>
            <select id={selectId} value={dialect} onChange={(e) => setDialect(e.target.value)} data-testid="dialect">
              {DIALECTS.map((d) => (
                <option key={d.id} value={d.id}>
                  {d.label}
                </option>
              ))}
            </select>
            <button
              type="button"
              className="small"
              disabled={!sql.data}
              onClick={() => {
                void navigator.clipboard?.writeText(sql.data ?? "").then(() => {
                  setCopied(true);
                  window.setTimeout(() => setCopied(false), 1500);
                });
              }}
            >
              {copied ? "Copied" : "Copy"}
            </button>
          </div>
        </div>
        <ProblemNote error={sql.error} />
        {/* Focusable: on a phone its long lines scroll sideways, which the keyboard must reach; a named region (a
            bare pre may not carry a name). */}
        <pre
          className={`code sql${sql.loading ? " stale" : ""}`}
          data-testid="segment-sql"
          data-dialect={dialect}
          tabIndex={0}
          role="region"
          aria-label={`${DIALECTS.find((d) => d.id === dialect)?.label ?? dialect} SQL`}
        >
          {sql.data ?? ""}
        </pre>
      </section>
    </div>
  );
}

// ---- why / why not ----------------------------------------------------------------------------------------

function WhyTab({ segment, initialKey }: { segment: Segment; initialKey: string | null }) {
  const [key, setKey] = useState(initialKey ?? "");
  const [asked, setAsked] = useState<string | null>(initialKey);
  const inputId = useId();
  const why = useLoad(async () => (asked ? whySegment(segment.id, asked) : null), [segment.id, asked]);
  return (
    <section className="card" aria-labelledby="why-title">
      <h2 id="why-title">Why is a contact in this segment, or not?</h2>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          setAsked(key.trim() || null);
        }}
      >
        <label htmlFor={inputId}>Contact key</label>
        <input id={inputId} type="text" value={key} onChange={(e) => setKey(e.target.value)} placeholder="e.g. 7590-VHVEG" data-testid="why-key" />
        <button type="submit" className="primary-outline">
          Explain
        </button>
      </form>
      <p className="muted small">Pick a member with “Why?” in the members table, or type any contact's key.</p>
      <ProblemNote error={why.error} />
      {why.data && <WhyResult why={why.data} segmentName={segment.name} />}
    </section>
  );
}

/**
 * A segment's description under its name: a long one (up to 10,000 characters) shows its first lines and
 * "Show all", so the members are not pushed a screen or more down the page.
 */
function Description({ text }: { text: string }) {
  const [all, setAll] = useState(false);
  const long = text.length > 300 || text.split("\n").length > 4;
  return (
    <div className="description" data-testid="segment-description-text">
      <p className={`muted lead${long && !all ? " clamp-4" : ""}`}>{text}</p>
      {long && (
        <button type="button" className="link-button small" onClick={() => setAll(!all)} aria-expanded={all}>
          {all ? "Show less" : "Show all"}
        </button>
      )}
    </div>
  );
}

// ---- history --------------------------------------------------------------------------------------------

function HistoryTab({ segment }: { segment: Segment }) {
  const versions = useLoad(() => segmentVersions(segment.id), [segment.id, segment.version]);
  const [open, setOpen] = useState<number | null>(segment.version);
  const list = [...(versions.data ?? [])].reverse();
  return (
    <section className="card" aria-labelledby="history-title">
      <h2 id="history-title">Version history</h2>
      <ProblemNote error={versions.error} />
      <ol className="versions" data-testid="versions">
        {list.map((v) => {
          const before = versions.data?.find((x) => x.version === v.version - 1) ?? null;
          const expanded = open === v.version;
          return (
            <li key={v.version} className="version">
              <button type="button" className="version-head" aria-expanded={expanded} onClick={() => setOpen(expanded ? null : v.version)}>
                <span className="version-number">v{v.version}</span>
                <span>{describeChange(v)}</span>
                <span className="muted small">
                  {formatInstant(v.at)}
                  {v.by ? ` · ${v.by}` : ""}
                </span>
              </button>
              {expanded && <VersionDiff before={before} after={v} />}
            </li>
          );
        })}
      </ol>
    </section>
  );
}

function describeChange(v: SegmentVersion): string {
  if (v.changed.includes("created")) return v.copiedFrom ? `Created as a copy of “${v.copiedFrom.name}” (version ${v.copiedFrom.version})` : "Created";
  const words: Record<string, string> = {
    name: "renamed",
    description: "description changed",
    expression: "rules changed",
    kind: "converted to a static list",
    deleted: "deleted (moved to Recently deleted)",
    restored: "restored from Recently deleted",
  };
  const text = v.changed.map((c) => words[c] ?? c).join(", ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function VersionDiff({ before, after }: { before: SegmentVersion | null; after: SegmentVersion }) {
  // Rules changed: who enters and leaves by them (the old text is checked against today's segments).
  const rulesChanged = before !== null && before.expression !== null && after.expression !== null && before.expression !== after.expression;
  const byRules = useLoad(
    () => (rulesChanged ? rulesDiff({ expression: before.expression! }, { expression: after.expression! }) : Promise.resolve(null)),
    [rulesChanged, before?.expression, after.expression],
  );
  // A field empty on both sides (a static list's expression, no description) is left out, not shown as an empty box.
  const fields: { label: string; a: string; b: string }[] = [
    { label: "Name", a: before?.name ?? "", b: after.name },
    { label: "Description", a: before?.description ?? "", b: after.description },
    { label: "Expression", a: before?.expression ?? "", b: after.expression ?? "" },
  ].filter((f) => (f.a !== "" || f.b !== "") && (!before || f.a !== f.b));
  // A delete or a restore changes no field (a restore under another name changes the name, shown above).
  const trashMove = after.changed.includes("deleted") ? "deleted" : after.changed.includes("restored") ? "restored" : null;
  return (
    <div className="version-body" data-testid="version-diff">
      {trashMove && fields.length === 0 && (
        <p className="muted small">
          {trashMove === "deleted"
            ? `Its name, description and ${after.kind === "static" ? "list of members" : "rules"} were kept, to come back as they were on a restore.`
            : `Back with the name, description and ${after.kind === "static" ? "list of members" : "rules"} it had when it was deleted.`}
        </p>
      )}
      {fields.map((f) => (
        <div key={f.label}>
          <h3>{f.label}</h3>
          <pre className="diff">
            {lineDiff(f.a, f.b).map((l, i) => (
              <span key={i} className={`diff-line ${l.kind}`}>
                <span className="diff-mark">{l.kind === "added" ? "+" : l.kind === "removed" ? "−" : " "}</span>
                {l.text || " "}
                {"\n"}
              </span>
            ))}
          </pre>
        </div>
      ))}
      {byRules.data && <RulesDiffView diff={byRules.data} />}
      {rulesChanged && byRules.error !== null && (
        <p className="muted small" data-testid="rules-diff-unavailable">
          Who enters and leaves by the rules cannot be said here: {byRules.error instanceof ApiError ? byRules.error.problem.detail : String(byRules.error)}
        </p>
      )}
    </div>
  );
}

// ---- activity ---------------------------------------------------------------------------------------------

function ActivityTab({ segment, live }: { segment: Segment; live: MembershipChange[] }) {
  const points = useLoad(() => memberCounts(segment.id), [segment.id, segment.version, segment.memberCount]);
  const [feed, setFeed] = useState<{ items: MembershipChange[]; next: number | null } | null>(null);
  const [feedError, setFeedError] = useState<unknown>(null);
  useEffect(() => {
    segmentChanges(segment.id, null).then(setFeed, setFeedError);
  }, [segment.id]);
  // Changes that arrived live since the feed was read go on top (the older pages loaded stay below).
  const newestRead = feed?.items[0]?.seq ?? 0;
  const items = feed ? [...live.filter((c) => c.seq > newestRead), ...feed.items] : [];
  const older = async () => {
    if (!feed?.next) return;
    try {
      const page = await segmentChanges(segment.id, feed.next);
      setFeed({ items: [...feed.items, ...page.items], next: page.next });
    } catch (e) {
      setFeedError(e);
    }
  };
  return (
    <div className="two-col activity">
      <section className="card" aria-labelledby="chart-title">
        <h2 id="chart-title">Members over time</h2>
        <ProblemNote error={points.error} />
        {points.data && <CountChart points={points.data} />}
      </section>
      <section className="card" aria-labelledby="feed-title">
        <h2 id="feed-title">Entered and exited</h2>
        <ProblemNote error={feedError} />
        {feed && items.length === 0 && <p className="muted">No one has entered or left yet.</p>}
        {/* It scrolls inside its card: focusable, so a keyboard can scroll it too (WCAG 2.1.1). */}
        <ul className="feed" tabIndex={0} aria-labelledby="feed-title" data-testid="feed">
          {items.map((c) => (
            <li key={c.seq}>
              <span className={`badge ${c.change === "entered" ? "good" : "bad"}`}>{c.change}</span> {c.key === "" ? <span className="key-cell muted erased-key" title="This contact was erased: its key is no longer kept">erased contact</span> : (
                <a className="key-cell" href={contactHref(c.key)}>
                  {c.key}
                </a>
              )}
              <time className="muted small" dateTime={c.at} title={formatInstant(c.at)}>
                {formatAge(c.at)}
              </time>
            </li>
          ))}
        </ul>
        {feed?.next && (
          <button type="button" onClick={older}>
            Older changes
          </button>
        )}
      </section>
    </div>
  );
}

/** The smallest 1, 2, 2.5 or 5 × 10ⁿ at or above `n` (≥ 2), so the axis reads 0, 100, 200 rather than 0, 99, 197. */
function niceCeiling(n: number): number {
  const power = 10 ** Math.floor(Math.log10(n));
  const step = [1, 2, 2.5, 5, 10].find((m) => m * power >= n)! * power;
  return Math.max(2, step);
}

/** A step chart of the member count (SVG), with a table of the same numbers for screen readers. */
function CountChart({ points }: { points: MemberCountPoint[] }) {
  if (points.length === 0) return <p className="muted">No changes logged yet.</p>;
  const W = 560;
  const H = 200;
  const pad = { l: 48, r: 12, t: 12, b: 28 };
  const t0 = Date.parse(points[0]!.at);
  const t1 = Math.max(Date.parse(points[points.length - 1]!.at), Date.now());
  const max = niceCeiling(Math.max(1, ...points.map((p) => p.count)));
  const x = (iso: string | number) => pad.l + ((typeof iso === "number" ? iso : Date.parse(iso)) - t0) / Math.max(1, t1 - t0) * (W - pad.l - pad.r);
  const y = (n: number) => H - pad.b - (n / max) * (H - pad.t - pad.b);
  let d = `M ${x(points[0]!.at)} ${y(0)}`;
  for (const p of points) d += ` V ${y(p.count)} H ${x(p.at)}`;
  d += ` H ${x(t1)}`;
  const area = `${d} V ${y(0)} Z`;
  const ticks = [0, Math.round(max / 2), max];
  // A short history is labelled by the time of day (UTC), a long one by the day.
  const axis = (ms: number) => (t1 - t0 < 2 * 86_400_000 ? `${new Date(ms).toISOString().slice(11, 19)} UTC` : formatDay(new Date(ms).toISOString()));
  return (
    <figure className="chart" data-testid="count-chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`Member count from ${formatCount(points[0]!.count)} to ${formatCount(points[points.length - 1]!.count)} between ${formatDay(points[0]!.at)} and now`}>
        {ticks.map((t) => (
          <g key={t}>
            <line x1={pad.l} x2={W - pad.r} y1={y(t)} y2={y(t)} className="grid" />
            <text x={pad.l - 6} y={y(t) + 4} textAnchor="end" className="axis">
              {formatCount(t)}
            </text>
          </g>
        ))}
        <path d={area} className="area" />
        <path d={d} className="line" />
        <text x={pad.l} y={H - 8} className="axis">
          {axis(t0)}
        </text>
        <text x={W - pad.r} y={H - 8} textAnchor="end" className="axis">
          now
        </text>
      </svg>
      <figcaption className="muted small">
        {plural(points[points.length - 1]!.count, "member")} now; {plural(points.reduce((n, p) => n + p.entered, 0), "entry", "entries")} and {plural(points.reduce((n, p) => n + p.exited, 0), "exit")} logged.
      </figcaption>
    </figure>
  );
}

/** A segment in the trash, as a 404 of the API names it (`deleted`: docs/api.md). */
interface DeletedInfo {
  id: number;
  name: string;
  deletedAt: string;
}

/** The deleted segment a 404 names, or null for a segment that never was or was deleted forever. */
function deletedOf(e: unknown): DeletedInfo | null {
  if (!(e instanceof ApiError) || e.status !== 404) return null;
  const d = e.problem["deleted"];
  if (!d || typeof d !== "object") return null;
  const { id, name, deletedAt } = d as Record<string, unknown>;
  return typeof id === "number" && typeof name === "string" && typeof deletedAt === "string" ? { id, name, deletedAt } : null;
}

/**
 * The page of a segment that is in Recently deleted (a link or bookmark to it, another tab): says so in a
 * person's words, with Restore right here (the API's answer names the route to call, which is for
 * programs), rather than "Not found".
 */
function DeletedSegmentNote({ deleted, onRestored }: { deleted: DeletedInfo; onRestored(): void }) {
  const [restoring, setRestoring] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [taken, setTaken] = useState<ApiError | null>(null);
  // Shown in place of the segment's page when it is deleted elsewhere (the feed said so), the element that
  // had the focus (a tab, Edit) is gone with the page: the note takes it, in the same commit, rather than
  // leaving it on <body>, where a screen reader reads from the top.
  const note = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    if (document.activeElement === null || document.activeElement === document.body) note.current?.focus();
  }, []);
  const restore = async () => {
    setRestoring(true);
    setError(null);
    try {
      await restoreSegment(deleted.id);
      onRestored();
    } catch (e) {
      if (isNameTaken(e)) setTaken(e);
      else setError(restoreFailure(e, deleted.name));
    } finally {
      setRestoring(false);
    }
  };
  return (
    <div className="page">
      <div className="problem" role="alert" ref={note} tabIndex={-1} data-testid="segment-deleted">
        <strong>In Recently deleted</strong>
        <span>
          {isolateQuoted(`“${deleted.name}”`)} was deleted {formatInstant(deleted.deletedAt)}. Restore it to use it again, with its rules or members and its history.
        </span>
        <span className="row">
          <button type="button" onClick={() => void restore()} disabled={restoring} data-testid="restore-deleted-segment">
            {restoring ? "Restoring…" : "Restore"}
          </button>
          <a href="#/segments/deleted">Recently deleted</a>
          <a href="#/segments">Back to the segments</a>
        </span>
      </div>
      <ProblemNote error={error} />
      {taken && <RestoreAsDialog segment={deleted} taken={taken} onClose={() => setTaken(null)} onRestored={() => (setTaken(null), onRestored())} />}
    </div>
  );
}
