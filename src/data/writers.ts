/**
 * Writers of contact records, the other way of readers.ts, for the two ways people take contacts out:
 * CSV for spreadsheets and JSON Lines for pipelines. Each function returns the text of a batch of records,
 * so a caller can stream any number of them.
 *
 * What reads back: JSON Lines exactly (each value as the store gives it); CSV as `segql import` reads CSV
 * (blank = empty, lists as JSON arrays, timestamps ISO-8601), except text cells made spreadsheet-safe.
 */

/** Options of the CSV writer. */
export interface CsvWriteOptions {
  /**
   * Spreadsheets run a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return as a formula
   * (CSV injection: a contact's name `=HYPERLINK(…)` would run in whoever opens the export). With this
   * (default true), such a text cell is written with a `'` before it, which spreadsheets show as text; a
   * sign followed only by digits and number punctuation (a phone number, `+44 20 7946 0958`) is left as it
   * is, as are numbers. False writes every text as it is (for a file read back by a program).
   */
  spreadsheetSafe?: boolean;
}

/**
 * The start of a CSV file: a byte-order mark (so that spreadsheets read it as UTF-8, not the locale's code
 * page; segql's readers skip it) and the header line.
 */
export function csvStart(columns: readonly string[]): string {
  return `\uFEFF${csvLine(columns)}`;
}

/** CSV lines (RFC 4180, CRLF ends) of records, their values in the order of `columns`. */
export function csvRecords(records: readonly Record<string, unknown>[], columns: readonly string[], options: CsvWriteOptions = {}): string {
  const safe = options.spreadsheetSafe !== false;
  let out = "";
  for (const r of records) out += csvLine(columns.map((c) => csvCell(r[c], safe)));
  return out;
}

/** JSON Lines of records, each with `columns` in that order (null for a missing value). */
export function jsonLinesRecords(records: readonly Record<string, unknown>[], columns: readonly string[]): string {
  let out = "";
  for (const r of records) {
    const ordered: Record<string, unknown> = {};
    for (const c of columns) ordered[c] = r[c] ?? null;
    out += `${JSON.stringify(ordered)}\n`;
  }
  return out;
}

/** Characters that make a spreadsheet read a cell as a formula when it starts with one. */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * A sign followed by digits and number punctuation only (`+44 20 7946 0958`, `-12.5`): no function or cell
 * reference can hide in it, so it is left as it is (a phone number keeps its `+` in the tool it goes to).
 */
const SIGNED_NUMBER = /^[+-][0-9 .,()\-/]*$/;

/** Characters that oblige a CSV cell to be quoted. */
const NEEDS_QUOTES = /[",\r\n]/;

function csvLine(cells: readonly string[]): string {
  return `${cells.map((c) => (NEEDS_QUOTES.test(c) ? `"${c.replaceAll('"', '""')}"` : c)).join(",")}\r\n`;
}

/** One value as CSV text: empty as blank, lists as JSON arrays, dates as ISO-8601. */
function csvCell(v: unknown, safe: boolean): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "string") return safe && FORMULA_START.test(v) && !SIGNED_NUMBER.test(v) ? `'${v}` : v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v) && v.length === 0) return "";
  return JSON.stringify(v);
}
