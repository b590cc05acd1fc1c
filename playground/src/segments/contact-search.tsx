/**
 * Finding contacts, as the static list's picker and the Contacts page both do: a search of every field
 * (sent when typing pauses; typing on stops the search before, on the server too), a filter expression (applied with Enter or Filter; one with an error is said
 * with its line and column, and not applied), a sort by any field, and pages of the server's answer
 * (`GET /api/contacts`) with its total. A page that failed to load shows no rows (those of the request
 * before are not its answer) but the failure, with Try again. The pages show the rows their own way
 * (checkboxes, links).
 */
import { useEffect, useId, useMemo, useState } from "react";
import { ApiError, contacts, lookupKeys, MAX_SEARCH, type ApiDiagnostic, type Contact } from "./api.js";
import { formatCount, plural } from "./format.js";
import { LoadFailed, Quoted, useLoad, type Loaded } from "./ui.js";

/** A sort by one field. */
export interface ContactSort {
  field: string;
  descending: boolean;
}

/** What is asked of the server: search text, the applied filter and the sort. */
export interface ContactQuery {
  search: string;
  filter: string;
  sort: ContactSort | null;
}

/** The state of a contact search and the page of it on screen. */
export interface ContactPages {
  /** What is typed in the search box, and the search sent (trimmed, once typing paused). */
  search: string;
  setSearch(text: string): void;
  query: string;
  /** What is typed in the filter box, and the filter applied. */
  filterDraft: string;
  setFilterDraft(text: string): void;
  filter: string;
  applyFilter(): void;
  clearFilter(): void;
  sort: ContactSort | null;
  setSort(sort: ContactSort | null): void;
  /** A header's click: sorts by the field, A→Z; again, reversed. */
  toggleSort(field: string): void;
  page: Loaded<ContactPage>;
  /** The page's rows: none when its load failed. */
  rows: Contact[];
  total: number;
  /** Which of the rows are members of the segment `membersOf` names (empty without it). */
  members: ReadonlySet<string>;
  /**
   * Why the page could not be loaded (the server down, a 500): shown in place of the rows, with Try again.
   * Not the filter's error, which is said at the filter while the rows from before it stay.
   */
  failed: unknown;
  /** Asks for the same page again (Try again). */
  retry(): void;
  pageSize: number;
  /** 0 for the first page. */
  pageIndex: number;
  nextPage(): void;
  previousPage(): void;
  /** The filter's first error, when the server refused it: it is not applied. */
  filterProblem: ApiDiagnostic | undefined;
  /** Starts again from another query (the address changed under the page). */
  reset(q: Partial<ContactQuery>): void;
}

/** A page of contacts, and which of them are the segment's members when one is asked about. */
interface ContactPage {
  items: Contact[];
  next: string | null;
  total: number;
  members: string[];
}

const NO_MEMBERS: ReadonlySet<string> = new Set();

/**
 * Searches contacts a page at a time; `initial` is where it starts (a search kept in the address). With
 * `membersOf` (a static segment being edited), each page also says which of its contacts are that segment's
 * members (`POST /api/contacts/lookup` with `segmentId`), loaded with the page: a row is never shown as one
 * to pick before it is known whether it is a member.
 */
export function useContactPages(pageSize: number, initial: Partial<ContactQuery> = {}, membersOf?: { segmentId: number; keyField: string }): ContactPages {
  const [search, setSearch] = useState(initial.search ?? "");
  const [query, setQuery] = useState((initial.search ?? "").trim());
  const [filterDraft, setFilterDraft] = useState(initial.filter ?? "");
  const [filter, setFilter] = useState((initial.filter ?? "").trim());
  const [sort, setSort] = useState<ContactSort | null>(initial.sort ?? null);
  useEffect(() => {
    const t = window.setTimeout(() => setQuery(search.trim()), 250);
    return () => window.clearTimeout(t);
  }, [search]);
  // The pages walked, kept with the list they belong to: a cursor is tied to its search, filter and order
  // (the API refuses it for another order), so a new one starts at the first page in the same render.
  const list = JSON.stringify([query, filter, sort]);
  const [paging, setPaging] = useState<{ list: string; cursors: (string | null)[] }>({ list, cursors: [null] });
  const cursors = paging.list === list ? paging.cursors : [null];
  const setCursors = (change: (c: (string | null)[]) => (string | null)[]) => setPaging({ list, cursors: change(cursors) });
  const cursor = cursors[cursors.length - 1] ?? null;
  // A newer search, filter, order or page, or the page left, stops this one's reads (the server's too).
  const page = useLoad(async (signal): Promise<ContactPage> => {
    const found = await contacts({ search: query || undefined, filter: filter || undefined, orderBy: sort?.field, descending: sort?.descending, limit: pageSize, cursor }, signal);
    if (membersOf === undefined || found.items.length === 0) return { ...found, members: [] };
    const keys = found.items.map((c) => String(c[membersOf.keyField] ?? ""));
    return { ...found, members: (await lookupKeys(keys, membersOf.segmentId, signal)).members };
  }, [query, filter, sort, cursor, pageSize, membersOf?.segmentId, membersOf?.keyField]);
  const filterError = page.error instanceof ApiError && page.error.kind === "invalid-expression" ? page.error : null;
  const filterProblem = (filterError?.problem["diagnostics"] as ApiDiagnostic[] | undefined)?.find((d) => d.severity === "error");
  const failed = page.error && !filterError ? page.error : null;
  const members = useMemo(() => (page.data && page.data.members.length > 0 ? new Set(page.data.members) : NO_MEMBERS), [page.data]);
  return {
    search,
    setSearch,
    query,
    filterDraft,
    setFilterDraft,
    filter,
    applyFilter: () => setFilter(filterDraft.trim()),
    clearFilter: () => {
      setFilter("");
      setFilterDraft("");
    },
    sort,
    setSort,
    toggleSort: (field) => setSort(sort?.field === field ? { field, descending: !sort.descending } : { field, descending: false }),
    page,
    rows: failed ? [] : (page.data?.items ?? []),
    total: failed ? 0 : (page.data?.total ?? 0),
    members,
    failed,
    retry: page.reload,
    pageSize,
    pageIndex: cursors.length - 1,
    nextPage: () => {
      const next = page.data?.next;
      if (next && !failed) setCursors((c) => [...c, next]);
    },
    previousPage: () => setCursors((c) => (c.length > 1 ? c.slice(0, -1) : c)),
    filterProblem,
    reset: (q) => {
      setSearch(q.search ?? "");
      setQuery((q.search ?? "").trim());
      setFilterDraft(q.filter ?? "");
      setFilter((q.filter ?? "").trim());
      setSort(q.sort ?? null);
    },
  };
}

/** How many contacts the search found, or why it shows none: for a live region beside the title. */
export function contactCountText(p: ContactPages): string {
  // A filter with an error is not applied: the rows below are still those of the last good request.
  if (p.filterProblem) return `The filter is not applied (it has an error)${p.page.data ? "; the contacts below are from before it" : ""}`;
  // A failed load is said where the rows were; a count of the rows from before would describe another search.
  if (p.failed) return "";
  if (p.page.data) return `${plural(p.total, "contact")}${p.query || p.filter ? " found" : ""}`;
  return p.page.loading ? "Loading…" : "";
}

/**
 * The search box and the filter box, then the filter's error (a failed request is said where the rows
 * were: `NoContactRows`). Not a <form>: the picker sits inside the segment's form, and Enter in the filter
 * must filter, not save.
 */
export function ContactSearchFields({ pages: p, testIdPrefix }: { pages: ContactPages; testIdPrefix: string }) {
  const filterId = useId();
  return (
    <>
      <div className="picker-controls">
        <label className="field grow">
          <span>Search any field</span>
          <input type="search" value={p.search} onChange={(e) => p.setSearch(e.target.value)} onKeyDown={(e) => e.key === "Enter" && e.preventDefault()} placeholder="a key, any value, or part of one…" data-testid={`${testIdPrefix}-search`} maxLength={MAX_SEARCH} />
        </label>
        <div className="field grow filter-form">
          <label htmlFor={filterId}>Filter by an expression</label>
          <div className="row">
            <input
              id={filterId}
              type="text"
              className="code-input"
              value={p.filterDraft}
              onChange={(e) => p.setFilterDraft(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === "Enter") {
                  e.preventDefault();
                  p.applyFilter();
                }
              }}
              placeholder='tenure > 24 and contract = "Two year"'
              aria-invalid={p.filterProblem ? true : undefined}
              data-testid={`${testIdPrefix}-filter`}
            />
            <button type="button" onClick={p.applyFilter}>
              Filter
            </button>
            {p.filter && (
              <button type="button" onClick={p.clearFilter}>
                Clear
              </button>
            )}
          </div>
        </div>
      </div>
      {p.filterProblem && (
        <p className="problem" role="alert">
          The filter has an error at {p.filterProblem.line}:{p.filterProblem.column}: {p.filterProblem.message}
        </p>
      )}
    </>
  );
}

/**
 * What is shown where no rows are: that the page could not be loaded (with Try again), or "No contact
 * matches …" under a search that found nobody.
 */
export function NoContactRows({ pages: p }: { pages: ContactPages }) {
  if (p.failed) return <LoadFailed what="The contacts" error={p.failed} onRetry={p.retry} retrying={p.page.loading} />;
  if (!p.page.data || p.rows.length > 0) return null;
  return (
    <p className="muted empty-note">
      No contact matches{p.query ? <> <Quoted>{p.query}</Quoted></> : ""}
      {p.filter ? " and the filter" : ""}.
    </p>
  );
}

/** ← Previous, "21–40 of 8,127", Next →. */
export function ContactsPager({ pages: p, testIdPrefix }: { pages: ContactPages; testIdPrefix: string }) {
  const first = p.pageIndex * p.pageSize;
  return (
    <div className="pager">
      <button type="button" onClick={p.previousPage} disabled={p.pageIndex === 0} data-testid={`${testIdPrefix}-previous`}>
        ← Previous
      </button>
      <span className="muted small" data-testid={`${testIdPrefix}-range`}>
        {p.rows.length > 0 ? `${formatCount(first + 1)}–${formatCount(first + p.rows.length)} of ${formatCount(p.total)}` : ""}
      </span>
      <button type="button" onClick={p.nextPage} disabled={!p.page.data?.next || Boolean(p.failed)} data-testid={`${testIdPrefix}-next`}>
        Next →
      </button>
    </div>
  );
}
