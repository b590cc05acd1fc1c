/**
 * Contacts by search text and/or a filter expression, paged: what the web app's contact picker needs. The
 * store does the work in SQL (`Store.listContacts`: the search text becomes a segql expression, quoted by
 * the formatter, compiled like any other; LIMIT/OFFSET paging; an exact total); this module checks the
 * filter first (so its diagnostics point into the text the caller wrote) and wraps the store's cursor so a
 * cursor of another order is a clear 400.
 */
import type { Diagnostic } from "../diagnostics.js";
import type { ContactPage, Store } from "../store/index.js";
import { unwrapCursor, wrapCursor } from "./cursor.js";
import { apiDiagnostic, ProblemError } from "./problems.js";

export { searchExpression } from "../store/contacts.js";

/** What `searchContacts` takes. */
export interface ContactSearch {
  search?: string;
  filter?: string;
  orderBy?: string;
  descending?: boolean;
  limit?: number;
  cursor?: string;
}

/** A page of contacts matching a search and/or filter, sorted as asked; `signal` (the client went away) stops the read. */
export async function searchContacts(store: Store, q: ContactSearch, signal?: AbortSignal): Promise<ContactPage> {
  const list = `contacts-${q.orderBy ?? ""}-${q.descending === true ? "desc" : "asc"}`.replace(/[^A-Za-z0-9_-]/g, "_");
  const cursor = unwrapCursor(list, q.cursor);
  const filter = q.filter !== undefined && q.filter.trim() !== "" ? q.filter : undefined;
  if (filter !== undefined) {
    const checked = await store.checkExpression(filter, { analysis: false });
    if (!checked.ok) throw filterProblem(filter, checked.diagnostics);
  }
  const page = await store.listContacts({ search: q.search, filter, orderBy: q.orderBy, descending: q.descending, limit: q.limit ?? 50, cursor, ...(signal ? { signal } : {}) });
  return { items: page.items, total: page.total, next: wrapCursor(list, page.next) };
}

/** The 422 of a contact filter with errors: each error by line and column, and the diagnostics. */
export function filterProblem(filter: string, diagnostics: readonly Diagnostic[]): ProblemError {
  const errors = diagnostics.filter((d) => d.severity === "error");
  return new ProblemError("invalid-expression", `the filter has ${errors.length === 1 ? "an error" : `${errors.length} errors`}: ${errors.map((d) => `${d.span.line}:${d.span.column}: ${d.message}`).join("; ")}`, {
    expression: filter,
    diagnostics: diagnostics.map(apiDiagnostic),
  });
}
