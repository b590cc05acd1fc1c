/**
 * Taking contacts out: a segment's members (`exportMembers`) or what a search and/or filter finds
 * (`exportContacts`), with their contact values, as CSV (for spreadsheets) or JSON Lines (for pipelines),
 * streamed a page at a time (`Store.memberPages`, `Store.contactPages`), so memory stays flat however many. The formats are src/data/writers.ts's: what `segql import` reads back.
 */
import { csvRecords, csvStart, jsonLinesRecords } from "../data/writers.js";
import { CancelledError, InvalidInputError } from "./errors.js";
import { contactFieldNames } from "./physical.js";
import type { ContactValues, SegmentId, Store } from "./types.js";

/** The formats of an export. */
export const MEMBER_EXPORT_FORMATS = ["csv", "jsonl"] as const;
export type MemberExportFormat = (typeof MEMBER_EXPORT_FORMATS)[number];

/** Options of `exportMembers`. */
export interface MemberExportOptions {
  /** Default csv. */
  format?: MemberExportFormat;
  /** CSV: write text that a spreadsheet would run as a formula with a `'` before it (default true; see writers.ts). */
  spreadsheetSafe?: boolean;
  /** Members read per page (default 1,000). */
  pageSize?: number;
  /** Called with each page's number of members, as it is written (progress, counts). */
  onRows?: (count: number) => void;
  /**
   * Stops the export (`CancelledError`): the read running is stopped, and no page is written after the
   * abort. The API passes its client's: an export nobody reads any more does not go on reading.
   */
  signal?: AbortSignal;
}

/** The media type of each format. */
export const MEMBER_EXPORT_TYPES: Record<MemberExportFormat, string> = { csv: "text/csv; charset=utf-8", jsonl: "application/x-ndjson; charset=utf-8" };

/**
 * The text of a segment's members, chunk by chunk: the header (CSV) and then a chunk per page, in key order
 * (what is exported of members that enter or leave meanwhile: `Store.memberPages`). Throws `NotFoundError`
 * before the first chunk for an unknown segment.
 */
export async function* exportMembers(store: Store, id: SegmentId, options: MemberExportOptions = {}): AsyncGenerator<string, void, undefined> {
  const format = exportFormat(options.format);
  const pages = store.memberPages(id, { ...(options.pageSize !== undefined ? { pageSize: options.pageSize } : {}), ...(options.signal ? { signal: options.signal } : {}) });
  yield* writePages(store, pages, format, options, "members export");
}

/** Options of `exportContacts`: which contacts (a search and/or a filter, as the Contacts page finds them), and the file's options. */
export interface ContactExportOptions extends MemberExportOptions {
  /** Text to look for in every field (as `Store.listContacts`). */
  search?: string;
  /** A segql expression the contacts match. */
  filter?: string;
}

/**
 * The text of the contacts a search and/or filter finds (every contact without either), chunk by chunk as
 * `exportMembers` writes a segment's: the same columns and formats, in key order (`Store.contactPages`:
 * keyset paging, a contact written meanwhile may or may not be in it). A filter with errors throws
 * `InvalidExpressionError` with its diagnostics before the first chunk.
 */
export async function* exportContacts(store: Store, options: ContactExportOptions = {}): AsyncGenerator<string, void, undefined> {
  const format = exportFormat(options.format);
  const pages = store.contactPages({
    ...(options.search !== undefined ? { search: options.search } : {}),
    ...(options.filter !== undefined ? { filter: options.filter } : {}),
    ...(options.pageSize !== undefined ? { pageSize: options.pageSize } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  yield* writePages(store, pages, format, options, "contacts export");
}

/** The format asked for, or `InvalidInputError` (said as the option `format`). */
function exportFormat(format: unknown): MemberExportFormat {
  const f = format ?? "csv";
  if (!(MEMBER_EXPORT_FORMATS as readonly unknown[]).includes(f)) throw new InvalidInputError([{ path: "format", message: `expected csv or jsonl, found ${JSON.stringify(f)}` }]);
  return f as MemberExportFormat;
}

/** Pages of contacts as the text of a file: the CSV header before the first page (alone when there are none). */
async function* writePages(store: Store, pages: AsyncIterable<readonly ContactValues[]>, format: MemberExportFormat, options: MemberExportOptions, what: string): AsyncGenerator<string, void, undefined> {
  const columns = contactFieldNames(store.schema);
  let started = false;
  for await (const page of pages) {
    // A page read before the abort (DuckDB hands rows over in chunks of 2,048) is not written after it.
    if (options.signal?.aborted) throw new CancelledError(`the ${what}`);
    let chunk = format === "csv" ? csvRecords(page, columns, { spreadsheetSafe: options.spreadsheetSafe !== false }) : jsonLinesRecords(page, columns);
    if (!started && format === "csv") chunk = csvStart(columns) + chunk;
    started = true;
    options.onRows?.(page.length);
    yield chunk;
  }
  // No contacts: the header alone (CSV), nothing (JSON Lines).
  if (!started && format === "csv") yield csvStart(columns);
}
