/**
 * The Contacts page (`#/contacts`): every contact, found by a search of any field and/or a filter
 * expression, sorted by any field, a page at a time, with the total; each key opens the contact's page.
 * The search, filter and sort are kept in the address (`#/contacts?search=ann&filter=…&sort=-tenure`), so
 * Back from a contact comes back to the same list and a list can be shared as a link. Export CSV / JSON Lines
 * download every contact the list finds (not only the page shown), as a segment's export does.
 */
import { useEffect, useId, useState } from "react";
import { replaceRoute, type Route } from "../router.js";
import { ApiError, CONTACTS_PAGE, contactsExportUrl, downloadFile, savedToken, type ExportFormat } from "./api.js";
import { ContactsGrid } from "./contacts-grid.js";
import { contactCountText, ContactSearchFields, ContactsPager, NoContactRows, useContactPages, type ContactPages, type ContactQuery, type ContactSort } from "./contact-search.js";
import { plural } from "./format.js";
import { useSchema } from "./schema.js";
import { isolate, ProblemNote, useToast } from "./ui.js";

/** Contacts on a page of the table. */
const PAGE = CONTACTS_PAGE;

/** `sort=-tenure` → tenure, descending; `sort=tenure` → ascending. */
function sortOf(text: string | null): ContactSort | null {
  if (!text || text === "-") return null;
  return text.startsWith("-") ? { field: text.slice(1), descending: true } : { field: text, descending: false };
}

/** What the address asks for. */
function queryOf(route: Route): Partial<ContactQuery> {
  return { search: route.params.get("search") ?? "", filter: route.params.get("filter") ?? "", sort: sortOf(route.params.get("sort")) };
}

export function ContactsPage({ route }: { route: Route }) {
  const { schema, error: schemaError } = useSchema();
  const found = useContactPages(PAGE, queryOf(route));
  const sortId = useId();
  const orderId = useId();
  const { query, filter, sort } = found;

  // Another address for this page (the nav's Contacts, Back to a list kept in the address): what it asks.
  useEffect(() => {
    const asked = queryOf(route);
    if (asked.search !== query || asked.filter !== filter || JSON.stringify(asked.sort) !== JSON.stringify(sort)) found.reset(asked);
    // Only when the address changes; the state's own changes are written to it below.
  }, [route]);

  // The address follows what is asked (replaced, not pushed: Back leaves the page rather than undoing a letter).
  useEffect(() => {
    const params = new URLSearchParams();
    if (query) params.set("search", query);
    if (filter) params.set("filter", filter);
    if (sort) params.set("sort", `${sort.descending ? "-" : ""}${sort.field}`);
    replaceRoute({ path: "/contacts", params });
  }, [query, filter, sort]);

  const keyField = schema?.key ?? null;
  const fields = schema ? [schema.key, ...Object.keys(schema.fields).filter((f) => f !== schema.key)] : [];
  return (
    <div className="page contacts-page">
      <header className="page-head">
        <div>
          <h1>Contacts</h1>
          <p className="muted">Look a contact up: its values, the segments it is in, what it did lately, and why it is not in a segment.</p>
        </div>
        <a className="button" href="#/new-contact" data-testid="new-contact">
          Add a contact
        </a>
      </header>
      <ProblemNote error={schemaError} />
      <section className="card" aria-labelledby="contacts-title">
        <div className="card-head">
          <h2 id="contacts-title">Find contacts</h2>
          <span className="muted small" aria-live="polite" data-testid="contacts-count">
            {contactCountText(found)}
          </span>
        </div>
        <ContactSearchFields pages={found} testIdPrefix="contacts" />
        {fields.length > 0 && (
          <div className="row contacts-sort">
            <label htmlFor={sortId}>Sort by</label>
            <select id={sortId} value={sort?.field ?? ""} onChange={(e) => found.setSort(e.target.value === "" ? null : { field: e.target.value, descending: sort?.descending ?? false })} data-testid="contacts-sort">
              <option value="">{keyField} (default)</option>
              {fields.map((f) => (
                <option key={f} value={f}>
                  {f}
                </option>
              ))}
            </select>
            <label htmlFor={orderId} className="visually-hidden">
              Order
            </label>
            <select
              id={orderId}
              value={sort?.descending ? "descending" : "ascending"}
              onChange={(e) => found.setSort({ field: sort?.field ?? keyField ?? "", descending: e.target.value === "descending" })}
              data-testid="contacts-order"
            >
              <option value="ascending">ascending (A→Z, smallest first)</option>
              <option value="descending">descending (Z→A, largest first)</option>
            </select>
            <ContactExportLinks pages={found} />
          </div>
        )}
        {keyField && found.rows.length > 0 ? (
          <ContactsGrid
            rows={found.rows}
            keyField={keyField}
            caption={`Contacts${query ? ` matching “${isolate(query)}”` : ""}${filter ? ` and the filter ${isolate(filter)}` : ""}`}
            columns={fields}
            maxColumns={fields.length}
            sort={sort}
            onSort={found.toggleSort}
            keyLinks="same-tab"
            testId="contacts-table"
          />
        ) : (
          <NoContactRows pages={found} />
        )}
        <ContactsPager pages={found} testIdPrefix="contacts" />
      </section>
    </div>
  );
}

/**
 * Every contact the search and filter find as a file (`GET /api/contacts/export`), with how many that is.
 * The applied search and filter, as the count says: not a filter still being typed. Disabled while the
 * count is not that of the file: a filter with an error (not applied), a load failed or under way.
 */
function ContactExportLinks({ pages: p }: { pages: ContactPages }) {
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  const q = { search: p.query, filter: p.filter };
  const ready = p.page.data !== null && !p.page.loading && !p.failed && !p.filterProblem;
  const count = ready ? `${plural(p.total, "contact")}${p.query || p.filter ? " found" : ""}` : null;
  const why = p.filterProblem ? "Fix the filter first: it has an error" : p.failed ? "The contacts could not be loaded" : "Loading…";
  const formats: { format: ExportFormat; label: string; title: string }[] = [
    { format: "csv", label: "Export CSV", title: `${count ?? "The contacts"} with their fields, as a CSV file (opens in a spreadsheet)` },
    { format: "jsonl", label: "JSON Lines", title: `${count ?? "The contacts"} with their fields, one JSON object per line` },
  ];
  const save = (format: ExportFormat) => {
    setBusy(true);
    downloadFile(contactsExportUrl(q, format), `contacts.${format}`).then(
      () => setBusy(false),
      (e: unknown) => {
        setBusy(false);
        toast(e instanceof ApiError ? e.problem.detail : String(e), "bad");
      },
    );
  };
  return (
    <span className="export-links" role="group" aria-label={count ? `Export ${count}` : "Export the contacts"} data-testid="contacts-export">
      <span className="muted small" data-testid="contacts-export-count">
        {count ? `Export ${count}:` : p.filterProblem ? "Export: fix the filter first" : "Export:"}
      </span>
      {formats.map(({ format, label, title }) =>
        // Without a token a plain link: the browser streams the file to disk, whatever its size.
        ready && savedToken() === null ? (
          <a key={format} className="button small" href={contactsExportUrl(q, format)} download title={title} data-testid={`contacts-export-${format}`}>
            {label}
          </a>
        ) : (
          <button key={format} type="button" className="small" onClick={() => save(format)} disabled={!ready || busy} title={ready ? title : why} data-testid={`contacts-export-${format}`}>
            {label}
          </button>
        ),
      )}
    </span>
  );
}
