/**
 * Contact keys from an uploaded list: CSV (`text/csv`) or JSON Lines (`application/x-ndjson`,
 * `application/jsonl`), for adding or removing static members. Every problem names its line, and nothing is
 * guessed silently: a line that is not a key is an error, not skipped.
 *
 * CSV (RFC 4180: quotes, doubled quotes, CRLF): the key is the column named like the schema's key (or
 * `key`) when the first row is a header, else the first column. The first row is a header when it says
 * so (`header=true`), or by default when one of its cells names the key column (`header=false` reads a
 * first row that happens to hold a key named like the column as data). JSON Lines: each line is a
 * string, a number, or an object holding the key under the schema's key name (or `key`).
 */
import { wellFormed } from "../store/index.js";
import { MAX_KEY_LENGTH, MAX_KEYS } from "./schemas.js";

/** A problem of an uploaded list, by 1-based line. */
export interface KeyListProblem {
  line: number;
  message: string;
}

/** The keys read, or the problems (the first 100). */
export type KeyListResult = { ok: true; keys: string[] } | { ok: false; problems: KeyListProblem[]; total: number };

/** The upload formats, by media type. */
export type KeyListFormat = "csv" | "jsonl";

/** The format of a `Content-Type`, or null when it is not a key list. */
export function keyListFormat(contentType: string | undefined): KeyListFormat | null {
  const essence = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  if (essence === "text/csv") return "csv";
  if (essence === "application/x-ndjson" || essence === "application/jsonl" || essence === "application/x-jsonlines" || essence === "application/jsonlines") return "jsonl";
  return null;
}

const MAX_PROBLEMS = 100;

/** The problems of one upload: the first MAX_PROBLEMS, and how many in all. */
export class Problems {
  readonly list: KeyListProblem[] = [];
  total = 0;
  add(line: number, message: string): void {
    this.total++;
    if (this.list.length < MAX_PROBLEMS) this.list.push({ line, message });
  }
}

/** Reads the keys of an uploaded list. `keyName` is the schema's key column. */
export function readKeyList(text: string, format: KeyListFormat, keyName: string, header: boolean | undefined): KeyListResult {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const problems = new Problems();
  const keys: string[] = [];
  const accept = (line: number, key: string): void => {
    if (key === "") problems.add(line, "the key is empty");
    else if (key.includes("\u0000")) problems.add(line, "the key contains U+0000 (PostgreSQL cannot store it)");
    // JSON Lines may spell one (`"\ud800"`): no contact can have such a key, so it is said, not looked up.
    else if (!wellFormed(key)) problems.add(line, "the key holds a lone UTF-16 surrogate (\\ud800-\\udfff without its pair): it is not Unicode");
    else if (key.length > MAX_KEY_LENGTH) problems.add(line, `the key is longer than ${MAX_KEY_LENGTH} characters`);
    else if (keys.length >= MAX_KEYS) problems.add(line, `more than ${MAX_KEYS} keys in one upload; split the list`);
    else keys.push(key);
  };
  if (format === "csv") readCsv(body, keyName, header, accept, problems);
  else readJsonLines(body, keyName, accept, problems);
  if (problems.total > 0) return { ok: false, problems: problems.list, total: problems.total };
  return { ok: true, keys };
}

function isKeyName(cell: string, keyName: string): boolean {
  const c = cell.trim().toLowerCase();
  return c === keyName.toLowerCase() || c === "key";
}

function readCsv(text: string, keyName: string, header: boolean | undefined, accept: (line: number, key: string) => void, problems: Problems): void {
  let column = 0;
  let first = true;
  for (const row of csvRows(text, problems)) {
    if (row.cells.length === 1 && row.cells[0] === "") continue; // blank line
    if (first) {
      first = false;
      const isHeader = header ?? row.cells.some((c) => isKeyName(c, keyName));
      if (isHeader) {
        const named = row.cells.findIndex((c) => isKeyName(c, keyName));
        if (named < 0) {
          problems.add(row.line, `the header has no column named ${JSON.stringify(keyName)} (or "key")`);
          return;
        }
        column = named;
        continue;
      }
    }
    const cell = row.cells[column];
    if (cell === undefined) problems.add(row.line, `the row has no column ${column + 1}`);
    else accept(row.line, cell);
  }
}

/** The end of an unquoted cell. */
const CELL_END = /[,\r\n]/g;

/**
 * Splits CSV text into rows of cells (RFC 4180), each with the line it starts on. Cells are sliced out of
 * the text, not built a character at a time: a 12 MB upload took 2.4 s that way (32 MB, the bulk limit,
 * about 6 s of the server's one thread).
 */
export function* csvRows(text: string, problems: Problems): Generator<{ line: number; cells: string[] }> {
  let i = 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    const start = line;
    const cells: string[] = [];
    for (;;) {
      let cell: string;
      if (text.charCodeAt(i) === 0x22) {
        // A quoted cell: up to the closing quote; "" is a quote.
        const parts: string[] = [];
        let j = i + 1;
        let closed = false;
        for (;;) {
          const quote = text.indexOf('"', j);
          if (quote < 0) break;
          parts.push(text.slice(j, quote));
          if (text.charCodeAt(quote + 1) === 0x22) {
            parts.push('"');
            j = quote + 2;
            continue;
          }
          j = quote + 1;
          closed = true;
          break;
        }
        if (!closed) {
          problems.add(start, "a quoted cell is not closed");
          return;
        }
        for (let k = text.indexOf("\n", i); k >= 0 && k < j; k = text.indexOf("\n", k + 1)) line++;
        cell = parts.join("");
        i = j;
        if (i < n && text[i] !== "," && text[i] !== "\n" && text[i] !== "\r") {
          problems.add(line, "text after a closing quote (a quote inside a cell is written twice: \"\")");
          return;
        }
      } else {
        CELL_END.lastIndex = i;
        const end = CELL_END.exec(text)?.index ?? n;
        cell = text.slice(i, end);
        i = end;
      }
      const ch = text[i];
      if (ch === undefined) {
        cells.push(cell);
        break;
      }
      cells.push(cell);
      if (ch === ",") {
        i++;
        continue;
      }
      i += ch === "\r" && text[i + 1] === "\n" ? 2 : 1;
      line++;
      break;
    }
    yield { line: start, cells };
  }
}

function readJsonLines(text: string, keyName: string, accept: (line: number, key: string) => void, problems: Problems): void {
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    if (raw.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (e) {
      problems.add(i + 1, `not JSON: ${(e as Error).message}`);
      continue;
    }
    if (typeof value === "string") accept(i + 1, value);
    else if (typeof value === "number" && Number.isFinite(value)) accept(i + 1, String(value));
    else if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      const obj = value as Record<string, unknown>;
      const k = Object.hasOwn(obj, keyName) ? obj[keyName] : Object.hasOwn(obj, "key") ? obj["key"] : undefined;
      if (typeof k === "string") accept(i + 1, k);
      else if (typeof k === "number" && Number.isFinite(k)) accept(i + 1, String(k));
      else problems.add(i + 1, `expected the key under ${JSON.stringify(keyName)} (or "key") as a string`);
    } else problems.add(i + 1, "expected a key: a string, a number or an object holding the key");
  }
}
