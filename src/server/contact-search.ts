/**
 * Contacts by search text and/or a filter expression, paged: what the web app's contact picker needs.
 *
 * The store has no contact listing of its own yet, so this is built on `store.preview`, the one store
 * operation that returns matching contacts sorted by any field: the search text becomes an expression
 * (printed with the formatter's quoting, never pasted), combined with the filter. Preview returns a first
 * page of at most 1,000 contacts, so the pages this module can serve stop at the 1,000th match (a clear
 * 422 beyond it, asking to narrow the search); the count is always exact. A store method with real
 * keyset paging would lift that limit (asked for in the report of this change).
 */
import { formatField, quoteString } from "../parser/format.js";
import type { Schema } from "../schema/schema.js";
import type { ContactValues, Store } from "../store/index.js";
import { offsetCursor, readOffsetCursor } from "./cursor.js";
import { apiDiagnostic, ProblemError } from "./problems.js";

/** The deepest a contact list pages (the store's preview returns at most this many contacts). */
export const CONTACT_PAGE_WINDOW = 1000;

/** What `searchContacts` takes. */
export interface ContactSearch {
  search?: string;
  filter?: string;
  orderBy?: string;
  descending?: boolean;
  limit?: number;
  cursor?: string;
}

/** A page of contacts and the number matching in all. */
export interface ContactPage {
  items: ContactValues[];
  next: string | null;
  total: number;
}

/**
 * The expression matching contacts where `text` appears in some field: `contains` on text fields (ASCII
 * case folded, as the language defines it), the enum values containing it, an exact tag on lists, equality
 * on numbers when the text is a number. Null when no field can hold it (then nothing matches).
 */
export function searchExpression(schema: Schema, text: string): string | null {
  const needle = text.trim();
  if (needle === "") return null;
  const folded = asciiLower(needle);
  const number = /^-?\d{1,15}(\.\d{1,15})?$/.test(needle) ? needle : null;
  const parts: string[] = [];
  for (const f of Object.values(schema.fields)) {
    const field = formatField(f);
    switch (f.type) {
      case "string":
        parts.push(`${field} contains ${quoteString(needle)}`);
        break;
      case "enum": {
        const values = (f.values ?? []).filter((v) => asciiLower(v).includes(folded));
        if (values.length > 0) parts.push(`${field} in (${values.map(quoteString).join(", ")})`);
        break;
      }
      case "list":
        parts.push(`${field} has ${quoteString(needle)}`);
        break;
      case "number":
        if (number !== null) parts.push(`${field} = ${number}`);
        break;
      default:
        break; // dates, timestamps and booleans are found with a filter, not free text
    }
  }
  return parts.length > 0 ? parts.join(" or ") : null;
}

/** An expression every contact matches (a field is empty or not: exact complements, so always true). */
function everyContact(schema: Schema): string {
  const first = Object.values(schema.fields)[0];
  if (!first) throw new Error("the schema has no fields");
  const f = formatField(first);
  return `${f} is empty or ${f} is not empty`;
}

function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}

/** A page of contacts matching a search and/or filter, sorted as asked. */
export async function searchContacts(store: Store, q: ContactSearch): Promise<ContactPage> {
  const limit = q.limit ?? 50;
  const offset = readOffsetCursor("contacts", q.cursor);
  if (offset >= CONTACT_PAGE_WINDOW) {
    throw new ProblemError("invalid-input", `contact lists page through the first ${CONTACT_PAGE_WINDOW} matches; narrow the search or filter`, {
      problems: [{ path: "cursor", message: `beyond the first ${CONTACT_PAGE_WINDOW} matches` }],
      total: 1,
    });
  }
  const filter = q.filter !== undefined && q.filter.trim() !== "" ? q.filter : null;
  if (filter !== null) {
    // Check the filter alone first, so its diagnostics point into the text the caller wrote.
    const checked = await store.checkExpression(filter);
    if (!checked.ok) {
      const errors = checked.diagnostics.filter((d) => d.severity === "error");
      throw new ProblemError("invalid-expression", `the filter has ${errors.length === 1 ? "an error" : `${errors.length} errors`}: ${errors.map((d) => `${d.span.line}:${d.span.column}: ${d.message}`).join("; ")}`, {
        expression: filter,
        diagnostics: checked.diagnostics.map(apiDiagnostic),
      });
    }
  }
  const search = q.search !== undefined ? q.search.trim() : "";
  let expression: string;
  if (search !== "") {
    const found = searchExpression(store.schema, search);
    if (found === null) return { items: [], next: null, total: 0 };
    // The filter goes on lines of its own so a trailing `--` comment in it cannot swallow the parenthesis.
    expression = filter !== null ? `(\n${filter}\n) and (${found})` : found;
  } else expression = filter ?? everyContact(store.schema);
  const want = Math.min(offset + limit, CONTACT_PAGE_WINDOW);
  const preview = await store.preview(expression, {
    limit: want,
    orderBy: q.orderBy,
    descending: q.descending,
    conditionCounts: false,
  });
  const items = preview.contacts.slice(offset, want);
  const end = offset + items.length;
  const next = end < preview.count && end < CONTACT_PAGE_WINDOW && items.length > 0 ? offsetCursor("contacts", end) : null;
  return { items, next, total: preview.count };
}
