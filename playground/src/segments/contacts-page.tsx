/**
 * The Contacts page (`#/contacts`): every contact, found by a search of any field and/or a filter
 * expression, sorted by any field, a page at a time, with the total; each key opens the contact's page.
 * The search, filter and sort are kept in the address (`#/contacts?search=ann&filter=…&sort=-tenure`), so
 * Back from a contact comes back to the same list and a list can be shared as a link.
 */
import { useEffect, useId } from "react";
import { replaceRoute, type Route } from "../router.js";
import { ContactsGrid } from "./contacts-grid.js";
import { contactCountText, ContactSearchFields, ContactsPager, NoContactRows, useContactPages, type ContactQuery, type ContactSort } from "./contact-search.js";
import { useSchema } from "./schema.js";
import { ProblemNote } from "./ui.js";

/** Contacts on a page of the table. */
const PAGE = 25;

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
          </div>
        )}
        {keyField && found.rows.length > 0 ? (
          <ContactsGrid
            rows={found.rows}
            keyField={keyField}
            caption={`Contacts${query ? ` matching “${query}”` : ""}${filter ? ` and the filter ${filter}` : ""}`}
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
