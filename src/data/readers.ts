/**
 * Streaming record readers for JSONL, a JSON array and CSV. Each yields records with the 1-based line
 * they start on, reading the file in chunks (never whole), so files larger than memory work.
 */
import { createReadStream } from "node:fs";
import { PassThrough, type Readable } from "node:stream";
import { createGunzip } from "node:zlib";

/**
 * A problem in a data file, located by file and line (and field, when one is at fault). Line 0 is the
 * whole file (not gzip, no format): said `FILE: why`, without a line.
 */
export class DataError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
    readonly field?: string,
    readonly row?: number,
  ) {
    super(`${file}${line > 0 ? `:${line}` : ""}: ${row !== undefined ? `row ${row}, ` : ""}${field !== undefined ? `field ${JSON.stringify(field)}: ` : ""}${reason}`);
    this.name = "DataError";
  }
}

/** One JSON value (an object for contacts and events) and where it starts. */
export interface JsonRecord {
  value: unknown;
  line: number;
}

/** One CSV record: its cells, in column order, and the line it starts on. */
export interface CsvRecord {
  cells: string[];
  line: number;
}

/** A file's text as a UTF-8 stream; `.gz` files are decompressed on the way (still streamed). */
export function openText(file: string, highWaterMark?: number): Readable {
  const raw = createReadStream(file, highWaterMark ? { highWaterMark } : {});
  if (!file.toLowerCase().endsWith(".gz")) return raw.setEncoding("utf8");
  const gunzip = createGunzip();
  const text = new PassThrough({ encoding: "utf8" });
  raw.on("error", (e) => text.destroy(e));
  // zlib's own messages ("incorrect header check") do not say which file: name it.
  gunzip.on("error", (e) => text.destroy(new DataError(file, 0, `not a readable gzip file (${e.message})`)));
  return raw.pipe(gunzip).pipe(text);
}

/** Lines of a UTF-8 file (LF, CRLF or CR), streamed; the byte-order mark of the first line is dropped. */
async function* lines(file: string): AsyncGenerator<string> {
  for await (const [text] of linesWithEnds(file)) yield text;
}

/**
 * Lines of a UTF-8 file with the break that ends each (`\n`, `\r\n`, `\r`, or "" at the end of the file),
 * so that a CSV field holding line breaks reads back exactly; the byte-order mark of the first line is
 * dropped.
 */
async function* linesWithEnds(file: string): AsyncGenerator<[string, string]> {
  const stream = openText(file);
  let rest = "";
  let first = true;
  const line = (text: string): string => {
    if (!first) return text;
    first = false;
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  };
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      const buf = rest + chunk;
      let at = 0;
      // The next CR is searched again only once passed: most files have none, and a search per line to the
      // chunk's end would read the chunk once per line.
      let cr = buf.indexOf("\r");
      for (;;) {
        const lf = buf.indexOf("\n", at);
        if (cr !== -1 && cr < at) cr = buf.indexOf("\r", at);
        if (lf === -1 && cr === -1) break;
        if (cr !== -1 && (lf === -1 || cr < lf)) {
          // A CR at the end of the chunk may be the first half of a CRLF: wait for the next chunk.
          if (cr === buf.length - 1) break;
          const crlf = buf.charCodeAt(cr + 1) === 10;
          yield [line(buf.slice(at, cr)), crlf ? "\r\n" : "\r"];
          at = cr + (crlf ? 2 : 1);
        } else {
          yield [line(buf.slice(at, lf)), "\n"];
          at = lf + 1;
        }
      }
      rest = buf.slice(at);
    }
    if (rest.endsWith("\r")) yield [line(rest.slice(0, -1)), "\r"];
    else if (rest !== "") yield [line(rest), ""];
  } finally {
    stream.destroy();
  }
}

/** JSON Lines: one JSON value per line; blank lines are skipped. */
export async function* readJsonLines(file: string): AsyncGenerator<JsonRecord> {
  let line = 0;
  let first = true;
  for await (const text of lines(file)) {
    line++;
    if (text.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      // A pretty-printed JSON array (`[` alone on line 1) is the usual mix-up: said, not only the parser's words.
      const array = first && text.trimStart().startsWith("[") ? ": it starts like a JSON array, which is JSON, not JSON Lines (one object per line)" : "";
      throw new DataError(file, line, `not valid JSON (${(e as Error).message})${array}`);
    }
    first = false;
    yield { value, line };
  }
}

/**
 * A file holding one JSON array: its elements, one at a time. The array is scanned in chunks (strings,
 * escapes and nesting tracked) and each element parsed alone, so the whole file is never in memory.
 */
export async function* readJsonArray(file: string): AsyncGenerator<JsonRecord> {
  const stream = openText(file, 1 << 16);
  let line = 1;
  let state: "before" | "between" | "element" | "after" = "before";
  let depth = 0;
  let inString = false;
  let escaped = false;
  let parts: string[] = [];
  let elementLine = 1;
  let first = true;
  const emit = (): JsonRecord => {
    const text = parts.join("");
    parts = [];
    try {
      return { value: JSON.parse(text), line: elementLine };
    } catch (e) {
      throw new DataError(file, elementLine, `not valid JSON (${(e as Error).message})`);
    }
  };
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      let s = chunk;
      if (first && s.charCodeAt(0) === 0xfeff) s = s.slice(1);
      first = false;
      let start = state === "element" ? 0 : -1; // where the current element's text starts in this chunk
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c === 10) line++;
        if (state === "element") {
          if (inString) {
            if (escaped) escaped = false;
            else if (c === 92) escaped = true;
            else if (c === 34) inString = false;
            continue;
          }
          if (c === 34) inString = true;
          else if (c === 123 || c === 91) depth++;
          else if (c === 125 || c === 93) {
            if (depth === 0) {
              // `]` closing the array
              parts.push(s.slice(start, i));
              yield emit();
              state = "after";
              continue;
            }
            depth--;
          } else if (c === 44 && depth === 0) {
            parts.push(s.slice(start, i));
            yield emit();
            state = "between";
          }
          continue;
        }
        if (c === 32 || c === 9 || c === 10 || c === 13) continue;
        if (state === "before") {
          if (c !== 91) throw new DataError(file, line, `expected a JSON array of objects ('[' … ']')${c === 123 ? ", found '{': JSON Lines (one object per line)?" : ""}`);
          state = "between";
        } else if (state === "between") {
          if (c === 93 && parts.length === 0) {
            state = "after"; // `[]`, or a trailing `]`
            continue;
          }
          state = "element";
          elementLine = line;
          start = i;
          depth = 0;
          i--; // rescan this character as part of the element
        } else {
          throw new DataError(file, line, "unexpected text after the JSON array");
        }
      }
      if (state === "element") parts.push(s.slice(start));
    }
  } finally {
    stream.destroy();
  }
  if ((state as string) === "before") throw new DataError(file, line, "expected a JSON array of objects, found an empty file");
  if ((state as string) !== "after") throw new DataError(file, elementLine, "the JSON array is not closed with ']'");
}

/**
 * RFC 4180 CSV: comma-separated, fields optionally in double quotes (`""` inside quotes is one quote;
 * quoted fields may hold commas and line breaks), CRLF, LF or CR line ends. Blank lines between records are
 * skipped. A line break inside a quoted field is read as written (`\r\n` stays `\r\n`).
 */
export async function* readCsv(file: string): AsyncGenerator<CsvRecord> {
  let cells: string[] = [];
  let field = "";
  let inQuotes = false;
  let startLine = 0;
  let lineNo = 0;
  let lastEnd = "";
  for await (const [text, end] of linesWithEnds(file)) {
    lineNo++;
    // The break before this line, when it falls inside a quoted field, is part of the field.
    const breakBefore = lastEnd;
    lastEnd = end;
    if (inQuotes) field += breakBefore;
    else {
      if (text === "") continue;
      startLine = lineNo;
      cells = [];
      field = "";
    }
    let i = 0;
    let atFieldStart = !inQuotes;
    while (i < text.length) {
      if (inQuotes) {
        const q = text.indexOf('"', i);
        if (q === -1) {
          field += text.slice(i);
          i = text.length;
          break;
        }
        field += text.slice(i, q);
        if (text.charCodeAt(q + 1) === 34) {
          field += '"';
          i = q + 2;
          continue;
        }
        inQuotes = false;
        i = q + 1;
        if (i < text.length && text.charCodeAt(i) !== 44) {
          throw new DataError(file, lineNo, `unexpected ${JSON.stringify(text[i])} after a closing quote (a quote inside a quoted field is written "")`);
        }
        continue;
      }
      const c = text.charCodeAt(i);
      if (c === 44) {
        cells.push(field);
        field = "";
        atFieldStart = true;
        i++;
        continue;
      }
      if (c === 34 && atFieldStart) {
        inQuotes = true;
        atFieldStart = false;
        i++;
        continue;
      }
      atFieldStart = false;
      const comma = text.indexOf(",", i);
      const end = comma === -1 ? text.length : comma;
      field += text.slice(i, end);
      i = end;
    }
    if (!inQuotes) {
      cells.push(field);
      yield { cells, line: startLine };
    }
  }
  if (inQuotes) throw new DataError(file, startLine, "a quoted field is not closed before the end of the file");
}
