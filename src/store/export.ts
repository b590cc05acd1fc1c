/**
 * Taking a segment's members out: every member with its contact values, as CSV (for spreadsheets) or JSON
 * Lines (for pipelines), streamed a page at a time (`Store.memberPages`), so memory stays flat however large
 * the segment. The formats are src/data/writers.ts's: what `segql import` reads back.
 */
import { csvRecords, csvStart, jsonLinesRecords } from "../data/writers.js";
import { InvalidInputError } from "./errors.js";
import { contactFieldNames } from "./physical.js";
import type { SegmentId, Store } from "./types.js";

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
}

/** The media type of each format. */
export const MEMBER_EXPORT_TYPES: Record<MemberExportFormat, string> = { csv: "text/csv; charset=utf-8", jsonl: "application/x-ndjson; charset=utf-8" };

/**
 * The text of a segment's members, chunk by chunk: the header (CSV) and then a chunk per page, in key order
 * (what is exported of members that enter or leave meanwhile: `Store.memberPages`). Throws `NotFoundError`
 * before the first chunk for an unknown segment.
 */
export async function* exportMembers(store: Store, id: SegmentId, options: MemberExportOptions = {}): AsyncGenerator<string, void, undefined> {
  const format = options.format ?? "csv";
  if (!(MEMBER_EXPORT_FORMATS as readonly string[]).includes(format)) throw new InvalidInputError([{ path: "format", message: `expected csv or jsonl, found ${JSON.stringify(format)}` }]);
  const columns = contactFieldNames(store.schema);
  let started = false;
  for await (const page of store.memberPages(id, options.pageSize !== undefined ? { pageSize: options.pageSize } : {})) {
    let chunk = format === "csv" ? csvRecords(page, columns, { spreadsheetSafe: options.spreadsheetSafe !== false }) : jsonLinesRecords(page, columns);
    if (!started && format === "csv") chunk = csvStart(columns) + chunk;
    started = true;
    options.onRows?.(page.length);
    yield chunk;
  }
  // A segment without members: the header alone (CSV), nothing (JSON Lines).
  if (!started && format === "csv") yield csvStart(columns);
}
