/**
 * Picking the contacts of a static segment: search by any field (the server's contact search), filter
 * by an expression, tick contacts page by page, "Select all N matches" of the filter (kept as the filter:
 * the server adds its matches when the segment is saved, in one statement), and paste or upload a list of
 * keys — keys that are not contacts are listed, never dropped silently.
 */
import { useEffect, useId, useRef, useState, type ChangeEvent } from "react";
import { ApiError, contacts, lookupKeys, MAX_SEARCH, type ApiDiagnostic } from "./api.js";
import { ContactsGrid } from "./contacts-grid.js";
import { formatCount, plural } from "./format.js";
import { ProblemNote, useLoad } from "./ui.js";

/** What the picker has picked: keys, and filters whose every match is in. */
export interface Picks {
  keys: string[];
  filters: string[];
  /** Keys pasted or uploaded that are not contacts. */
  unknown: string[];
}

export interface StaticPickerProps {
  keyField: string;
  picks: Picks;
  onChange(p: Picks): void;
  /** The static segment being edited: keys already its members are said as such, not added again. */
  segmentId?: number;
}

const PAGE = 20;

/** The keys in pasted text or an uploaded CSV / text file: the first cell of each line, a header skipped. */
export function keysOfText(text: string, keyField: string): string[] {
  const out: string[] = [];
  const lines = text.replace(/^\ufeff/, "").split(/\r?\n/);
  for (const [i, line] of lines.entries()) {
    const key = ((line.includes(",") || line.includes("\t") ? splitCsv(line)[0] : line) ?? "").trim();
    if (key === "") continue;
    if (i === 0 && (key.toLowerCase() === keyField.toLowerCase() || key.toLowerCase() === "key")) continue;
    out.push(key);
  }
  return [...new Set(out)];
}

/** The cells of one CSV line (double quotes, doubled inside). */
function splitCsv(line: string): string[] {
  const cells: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === "," || c === "\t") {
      cells.push(cur);
      cur = "";
    } else cur += c;
  }
  cells.push(cur);
  return cells;
}

export function StaticPicker({ keyField, picks, onChange, segmentId }: StaticPickerProps) {
  const [search, setSearch] = useState("");
  const [query, setQuery] = useState("");
  const [filterDraft, setFilterDraft] = useState("");
  const [filter, setFilter] = useState("");
  const [sort, setSort] = useState<{ field: string; descending: boolean } | null>(null);
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const pasteId = useId();
  const uploadId = useId();
  const [paste, setPaste] = useState("");
  const [pasteResult, setPasteResult] = useState<string | null>(null);
  const [pasteError, setPasteError] = useState<unknown>(null);
  const fileInput = useRef<HTMLInputElement>(null);

  useEffect(() => {
    const t = window.setTimeout(() => setQuery(search.trim()), 250);
    return () => window.clearTimeout(t);
  }, [search]);
  useEffect(() => setCursors([null]), [query, filter, sort]);
  const cursor = cursors[cursors.length - 1] ?? null;
  const page = useLoad(
    () => contacts({ search: query || undefined, filter: filter || undefined, orderBy: sort?.field, descending: sort?.descending, limit: PAGE, cursor }),
    [query, filter, sort, cursor],
  );
  const picked = new Set(picks.keys);
  const setKeys = (keys: Iterable<string>) => onChange({ ...picks, keys: [...new Set(keys)] });
  const filterProblem = page.error instanceof ApiError && page.error.kind === "invalid-expression" ? (page.error.problem["diagnostics"] as ApiDiagnostic[] | undefined)?.find((d) => d.severity === "error") : undefined;

  const addKeys = async (text: string, from: string) => {
    const keys = keysOfText(text, keyField);
    setPasteError(null);
    if (keys.length === 0) {
      setPasteResult(`No keys in ${from}.`);
      return;
    }
    try {
      const found = await lookupKeys(keys, segmentId);
      const members = new Set(found.members);
      const before = new Set(picks.keys);
      const added = found.known.filter((k) => !before.has(k) && !members.has(k));
      onChange({ ...picks, keys: [...picks.keys, ...added], unknown: [...new Set([...picks.unknown, ...found.unknown])] });
      const unknown = found.unknown.length === 0 ? "" : found.unknown.length === 1 ? ", 1 key is not a contact" : `, ${formatCount(found.unknown.length)} keys are not contacts`;
      const already = members.size === 0 ? "" : members.size === 1 ? ", 1 is already a member" : `, ${formatCount(members.size)} are already members`;
      setPasteResult(`${from}: ${plural(found.known.length, "contact")} found (${formatCount(added.length)} new${already})${unknown}.`);
      // Only the pasted text was added: an upload leaves what is typed in the box alone.
      if (text === paste) setPaste("");
    } catch (e) {
      setPasteError(e);
    }
  };

  const onFile = async (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    if (!file) return;
    if (file.size > 32 * 1024 * 1024) {
      setPasteError(new Error(`${file.name} is larger than 32 MB; split it`));
      return;
    }
    await addKeys(await file.text(), file.name);
    if (fileInput.current) fileInput.current.value = "";
  };

  const rows = page.data?.items ?? [];
  const pageIndex = cursors.length - 1;
  const total = page.data?.total ?? 0;
  return (
    <div className="picker" data-testid="static-picker">
      <section className="card" aria-labelledby="pick-title">
        <div className="card-head">
          <h2 id="pick-title">Pick contacts</h2>
          <span className="muted small" aria-live="polite" data-testid="picker-count">
            {/* A filter with an error is not applied: the rows below are still those of the last good request. */}
            {filterProblem
              ? `The filter is not applied (it has an error)${page.data ? "; the contacts below are from before it" : ""}`
              : page.data
                ? `${plural(total, "contact")}${query || filter ? " found" : ""}`
                : page.loading
                  ? "Loading…"
                  : ""}
          </span>
        </div>
        <div className="picker-controls">
          <label className="field grow">
            <span>Search any field</span>
            <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} onKeyDown={(e) => e.key === "Enter" && e.preventDefault()} placeholder="name, key, city, tag…" data-testid="picker-search" maxLength={MAX_SEARCH} />
          </label>
          {/* Not a <form>: this sits inside the segment's form, and Enter here must filter, not save. */}
          <div className="field grow filter-form">
            <label htmlFor={`${pasteId}-filter`}>Filter by an expression</label>
            <div className="row">
              <input
                id={`${pasteId}-filter`}
                type="text"
                className="code-input"
                value={filterDraft}
                onChange={(e) => setFilterDraft(e.target.value)}
                onKeyDown={(e) => {
                  if (e.key === "Enter") {
                    e.preventDefault();
                    setFilter(filterDraft.trim());
                  }
                }}
                placeholder='tenure > 24 and contract = "Two year"'
                data-testid="picker-filter"
              />
              <button type="button" onClick={() => setFilter(filterDraft.trim())}>
                Filter
              </button>
              {filter && (
                <button
                  type="button"
                  onClick={() => {
                    setFilter("");
                    setFilterDraft("");
                  }}
                >
                  Clear
                </button>
              )}
            </div>
          </div>
        </div>
        {filterProblem ? (
          <p className="problem" role="alert">
            The filter has an error at {filterProblem.line}:{filterProblem.column}: {filterProblem.message}
          </p>
        ) : (
          !(page.error instanceof ApiError && page.error.kind === "invalid-expression") && <ProblemNote error={page.error} />
        )}
        {filter && page.data && !filterProblem && (
          <div className="select-all">
            <span>
              {plural(total, "contact")} match <code>{filter}</code>
              {query ? " (and the search)" : ""}.
            </span>
            {picks.filters.includes(filter) ? (
              <span className="badge good">all matches selected</span>
            ) : (
              <button type="button" className="primary-outline" onClick={() => onChange({ ...picks, filters: [...picks.filters, filter] })} disabled={total === 0} data-testid="select-all-matches">
                Select all {formatCount(total)} matches
              </button>
            )}
          </div>
        )}
        {rows.length > 0 ? (
          <ContactsGrid
            rows={rows}
            keyField={keyField}
            caption="Contacts to pick from"
            maxColumns={8}
            picked={picked}
            locked={filter && picks.filters.includes(filter) ? "in the selection through the filter" : undefined}
            onPick={(k, on) => setKeys(on ? [...picks.keys, k] : picks.keys.filter((x) => x !== k))}
            onPickPage={(on) => setKeys(on ? [...picks.keys, ...rows.map((r) => String(r[keyField]))] : picks.keys.filter((k) => !rows.some((r) => String(r[keyField]) === k)))}
            sort={sort}
            onSort={(field) => setSort((s) => (s?.field === field ? { field, descending: !s.descending } : { field, descending: false }))}
            testId="picker-table"
          />
        ) : (
          page.data && <p className="muted empty-note">No contact matches{query ? ` “${query}”` : ""}{filter ? " and the filter" : ""}.</p>
        )}
        <div className="pager">
          <button type="button" onClick={() => setCursors((c) => c.slice(0, -1))} disabled={pageIndex === 0}>
            ← Previous
          </button>
          <span className="muted small">
            {rows.length > 0 ? `${formatCount(pageIndex * PAGE + 1)}–${formatCount(pageIndex * PAGE + rows.length)} of ${formatCount(total)}` : ""}
          </span>
          <button type="button" onClick={() => page.data?.next && setCursors((c) => [...c, page.data!.next])} disabled={!page.data?.next} data-testid="picker-next">
            Next →
          </button>
        </div>
      </section>

      <section className="card" aria-labelledby={`${pasteId}-title`}>
        <h2 id={`${pasteId}-title`}>Paste or upload keys</h2>
        <label htmlFor={pasteId} className="muted small">
          One {keyField} per line (or a CSV whose first column is {keyField}).
        </label>
        <textarea id={pasteId} rows={4} value={paste} onChange={(e) => setPaste(e.target.value)} className="code-input" placeholder={"7590-VHVEG\n5575-GNVDE"} data-testid="paste-keys" />
        <div className="row">
          <button type="button" onClick={() => addKeys(paste, "Pasted list")} disabled={paste.trim() === ""} data-testid="add-pasted">
            Add these keys
          </button>
          <label htmlFor={uploadId} className="button">
            Upload a file…
          </label>
          <input id={uploadId} ref={fileInput} type="file" accept=".csv,.txt,.tsv,text/csv,text/plain" className="visually-hidden" onChange={onFile} data-testid="upload-keys" />
        </div>
        {pasteResult && (
          <p className="small" role="status">
            {pasteResult}
          </p>
        )}
        <ProblemNote error={pasteError} />
        {picks.unknown.length > 0 && (
          <div className="warning" data-testid="unknown-keys">
            <p>
              <strong>{picks.unknown.length === 1 ? "1 key is not a contact" : `${formatCount(picks.unknown.length)} keys are not contacts`}</strong>: {picks.unknown.length === 1 ? "it" : "they"} will not be added.
            </p>
            <p className="key-list">{picks.unknown.slice(0, 50).join(", ")}{picks.unknown.length > 50 ? `, and ${formatCount(picks.unknown.length - 50)} more` : ""}</p>
            <button type="button" className="small" onClick={() => onChange({ ...picks, unknown: [] })}>
              Dismiss
            </button>
          </div>
        )}
      </section>
    </div>
  );
}

/** What is selected so far, with a way to undo parts of it. */
export function PickSummary({ picks, onChange, title = "Selected" }: { picks: Picks; onChange(p: Picks): void; title?: string }) {
  return (
    <section className="card summary" aria-labelledby="summary-title" data-testid="pick-summary">
      <h2 id="summary-title">{title}</h2>
      <p className="summary-line">
        <strong data-testid="picked-count">{plural(picks.keys.length, "contact")}</strong> picked
        {picks.filters.length > 0 && <>, plus every match of {plural(picks.filters.length, "filter")}</>}
      </p>
      {picks.filters.length > 0 && (
        <ul className="chips-list">
          {picks.filters.map((f) => (
            <li key={f} className="chip">
              <code>{f}</code>
              <button type="button" className="chip-remove" aria-label={`Remove the filter ${f}`} onClick={() => onChange({ ...picks, filters: picks.filters.filter((x) => x !== f) })}>
                ✕
              </button>
            </li>
          ))}
        </ul>
      )}
      {picks.keys.length > 0 && (
        <>
          <ul className="chips-list">
            {picks.keys.slice(0, 30).map((k) => (
              <li key={k} className="chip">
                {k}
                <button type="button" className="chip-remove" aria-label={`Remove ${k}`} onClick={() => onChange({ ...picks, keys: picks.keys.filter((x) => x !== k) })}>
                  ✕
                </button>
              </li>
            ))}
            {picks.keys.length > 30 && <li className="muted small">and {formatCount(picks.keys.length - 30)} more</li>}
          </ul>
          <button type="button" className="small" onClick={() => onChange({ ...picks, keys: [] })}>
            Clear the picked contacts
          </button>
        </>
      )}
    </section>
  );
}
