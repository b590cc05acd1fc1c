/**
 * A page of the matching contacts, with sortable columns (a click or Enter on a header sorts by it; again
 * reverses) and a "Why?" button per row that explains that contact.
 */
import { memo, useState } from "react";
import type { ColumnInfo } from "../worker/protocol.js";
import { formatCount, formatValue } from "./format-value.js";
import { isolate } from "../segments/format.js";

export interface ContactsTableProps {
  columns: ColumnInfo[];
  keyField: string;
  rows: Record<string, unknown>[];
  count: number;
  page: number;
  pageSize: number;
  sort: { field: string; descending: boolean } | null;
  picked: string | null;
  /** The text no longer evaluates: these rows are for the last text that did. */
  stale: boolean;
  /** The text these rows are for. */
  text: string;
  onSort(sort: { field: string; descending: boolean } | null): void;
  onPage(page: number): void;
  onPick(key: string): void;
}

export const ContactsTable = memo(function ContactsTable(p: ContactsTableProps) {
  const first = p.page * p.pageSize;
  const last = Math.min(first + p.rows.length, p.count);
  const pages = Math.max(1, Math.ceil(p.count / p.pageSize));
  const [turned, setTurned] = useState("");
  const turnTo = (page: number) => {
    p.onPage(page);
    setTurned(`${formatCount(page * p.pageSize + 1)}–${formatCount(Math.min((page + 1) * p.pageSize, p.count))} of ${formatCount(p.count)} (page ${page + 1} of ${formatCount(pages)})`);
  };
  const sortBy = (field: string) => {
    if (p.sort?.field !== field) p.onSort({ field, descending: false });
    else if (!p.sort.descending) p.onSort({ field, descending: true });
    else p.onSort(null);
  };
  return (
    <section className="pane" aria-labelledby="contacts-title">
      <div className="pane-head">
        <h2 id="contacts-title">Matching contacts</h2>
        <nav className="pager" aria-label="Pages of matching contacts">
          <button type="button" onClick={() => turnTo(p.page - 1)} disabled={p.page <= 0}>
            Previous
          </button>
          <span>
            {p.count === 0 ? "none" : `${formatCount(first + 1)}–${formatCount(last)} of ${formatCount(p.count)}`} (page {p.page + 1} of {formatCount(pages)})
          </span>
          {/* Said when Previous or Next turns the page; not as the count changes with each key typed. */}
          <span className="visually-hidden" role="status">
            {turned}
          </span>
          <button type="button" onClick={() => turnTo(p.page + 1)} disabled={p.page + 1 >= pages}>
            Next
          </button>
        </nav>
      </div>
      {p.stale ? <p className="count-muted">For the last condition that checked (the text has errors now).</p> : null}
      <div className={p.stale ? "table-scroll stale" : "table-scroll"} tabIndex={0} role="region" aria-label="Matching contacts table (scrolls sideways)">
        <table className="contacts" data-testid="contacts" data-text={p.text}>
          <thead>
            <tr>
              <th scope="col">Explain</th>
              {p.columns.map((c) => {
                const active = p.sort?.field === c.name;
                const dir = active ? (p.sort!.descending ? "descending" : "ascending") : "none";
                return (
                  <th key={c.name} scope="col" aria-sort={dir}>
                    <button type="button" className="sort" onClick={() => sortBy(c.name)} title={`Sort by ${c.name} (${c.type})`}>
                      {c.name}
                      <span aria-hidden="true">{active ? (p.sort!.descending ? " ▼" : " ▲") : ""}</span>
                    </button>
                  </th>
                );
              })}
            </tr>
          </thead>
          <tbody>
            {p.rows.map((r) => {
              const key = String(r[p.keyField]);
              return (
                <tr key={key} className={key === p.picked ? "picked" : undefined}>
                  <td>
                    <button type="button" className="why-button" onClick={() => p.onPick(key)} aria-label={`Why does ${isolate(key)} match?`}>
                      Why?
                    </button>
                  </td>
                  {p.columns.map((c) => (
                    <td key={c.name} className={c.type === "number" ? "num" : undefined}>
                      {formatValue(r[c.name])}
                    </td>
                  ))}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
});
