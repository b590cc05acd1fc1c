/**
 * Finding contacts, as the static list's picker and the Contacts page both do: a search of every field
 * (sent when typing pauses), a filter expression (applied with Enter or Filter; one with an error is said
 * with its line and column, and not applied), a sort by any field, and pages of the server's answer
 * (`GET /api/contacts`) with its total. The pages show the rows their own way (checkboxes, links).
 */
import { useEffect, useId, useState } from "react";
import { ApiError, contacts, MAX_SEARCH, type ApiDiagnostic, type Contact } from "./api.js";
import { formatCount, plural } from "./format.js";
import { ProblemNote, useLoad, type Loaded } from "./ui.js";

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
  page: Loaded<{ items: Contact[]; next: string | null; total: number }>;
  rows: Contact[];
  total: number;
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

/** Searches contacts a page at a time; `initial` is where it starts (a search kept in the address). */
export function useContactPages(pageSize: number, initial: Partial<ContactQuery> = {}): ContactPages {
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
  const page = useLoad(
    () => contacts({ search: query || undefined, filter: filter || undefined, orderBy: sort?.field, descending: sort?.descending, limit: pageSize, cursor }),
    [query, filter, sort, cursor, pageSize],
  );
  const filterProblem = page.error instanceof ApiError && page.error.kind === "invalid-expression" ? (page.error.problem["diagnostics"] as ApiDiagnostic[] | undefined)?.find((d) => d.severity === "error") : undefined;
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
    rows: page.data?.items ?? [],
    total: page.data?.total ?? 0,
    pageSize,
    pageIndex: cursors.length - 1,
    nextPage: () => {
      const next = page.data?.next;
      if (next) setCursors((c) => [...c, next]);
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
  if (p.page.data) return `${plural(p.total, "contact")}${p.query || p.filter ? " found" : ""}`;
  return p.page.loading ? "Loading…" : "";
}

/**
 * The search box and the filter box, then the filter's error (or the request's problem). Not a <form>: the
 * picker sits inside the segment's form, and Enter in the filter must filter, not save.
 */
export function ContactSearchFields({ pages: p, testIdPrefix }: { pages: ContactPages; testIdPrefix: string }) {
  const filterId = useId();
  return (
    <>
      <div className="picker-controls">
        <label className="field grow">
          <span>Search any field</span>
          <input type="search" value={p.search} onChange={(e) => p.setSearch(e.target.value)} onKeyDown={(e) => e.key === "Enter" && e.preventDefault()} placeholder="name, key, city, tag…" data-testid={`${testIdPrefix}-search`} maxLength={MAX_SEARCH} />
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
      {p.filterProblem ? (
        <p className="problem" role="alert">
          The filter has an error at {p.filterProblem.line}:{p.filterProblem.column}: {p.filterProblem.message}
        </p>
      ) : (
        !(p.page.error instanceof ApiError && p.page.error.kind === "invalid-expression") && <ProblemNote error={p.page.error} />
      )}
    </>
  );
}

/** "No contact matches …" under a search that found nobody. */
export function NoContactMatches({ pages: p }: { pages: ContactPages }) {
  if (!p.page.data || p.rows.length > 0) return null;
  return (
    <p className="muted empty-note">
      No contact matches{p.query ? ` “${p.query}”` : ""}
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
      <button type="button" onClick={p.nextPage} disabled={!p.page.data?.next} data-testid={`${testIdPrefix}-next`}>
        Next →
      </button>
    </div>
  );
}
