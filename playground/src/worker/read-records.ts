/**
 * Record readers for the browser: JSON Lines, a JSON array and CSV, each record with the 1-based line it
 * starts on, read from a byte stream (a `fetch` body or a dropped `File`). Gzip is recognised by its magic
 * bytes, not by the name, so a server that already decompressed a `.gz` (Content-Encoding) still works.
 */

/** A problem in a data file, at a line (and a field, when one is at fault). */
export class DataFileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
    readonly field?: string,
  ) {
    super(`${file}:${line}: ${field !== undefined ? `field ${JSON.stringify(field)}: ` : ""}${reason}`);
    this.name = "DataFileError";
  }
}

/** A file's format. */
export type FileFormat = "jsonl" | "json" | "csv";

/** The format a file name suggests (`.gz` ignored), or null. */
export function formatOfName(name: string): FileFormat | null {
  const base = name.toLowerCase().replace(/\.gz$/, "");
  if (base.endsWith(".jsonl") || base.endsWith(".ndjson")) return "jsonl";
  if (base.endsWith(".json")) return "json";
  if (base.endsWith(".csv")) return "csv";
  return null;
}

/** One value and the line it starts on. */
export interface JsonRecord {
  value: unknown;
  line: number;
}

/** One CSV record's cells and the line it starts on. */
export interface CsvRecord {
  cells: string[];
  line: number;
}

/** The decoded text of a byte stream, chunk by chunk; `onBytes` gets the count of raw bytes read so far. */
export async function* textChunks(body: ReadableStream<Uint8Array>, onBytes?: (bytes: number) => void): AsyncGenerator<string> {
  const reader = body.getReader();
  const first = await reader.read();
  if (first.done) return;
  let bytes = first.value.byteLength;
  onBytes?.(bytes);
  const gz = first.value.length >= 2 && first.value[0] === 0x1f && first.value[1] === 0x8b;
  const raw = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(first.value);
    },
    async pull(c) {
      const next = await reader.read();
      if (next.done) return c.close();
      bytes += next.value.byteLength;
      onBytes?.(bytes);
      c.enqueue(next.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  // Casts: the DOM typings of pipeThrough disagree about BufferSource generics; the streams are standard.
  const bytesOut = gz ? raw.pipeThrough(new DecompressionStream("gzip") as unknown as ReadableWritablePair<Uint8Array, Uint8Array>) : raw;
  const text = bytesOut.pipeThrough(new TextDecoderStream() as unknown as ReadableWritablePair<string, Uint8Array>);
  const r = text.getReader();
  for (;;) {
    const { done, value } = await r.read();
    if (done) return;
    yield value;
  }
}

/** Lines (LF or CRLF) of a text stream, without their line ends; a leading byte-order mark is dropped. */
export async function* lines(chunks: AsyncIterable<string>): AsyncGenerator<string> {
  let rest = "";
  let first = true;
  for await (const chunk of chunks) {
    rest += chunk;
    let at = 0;
    for (let nl = rest.indexOf("\n", at); nl !== -1; nl = rest.indexOf("\n", at)) {
      let line = rest.slice(at, nl);
      if (line.endsWith("\r")) line = line.slice(0, -1);
      if (first && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
      first = false;
      yield line;
      at = nl + 1;
    }
    rest = rest.slice(at);
  }
  if (rest.endsWith("\r")) rest = rest.slice(0, -1);
  if (first && rest.charCodeAt(0) === 0xfeff) rest = rest.slice(1);
  if (rest.length > 0) yield rest;
}

/** JSON Lines: one JSON value per non-blank line. */
export async function* readJsonLines(file: string, chunks: AsyncIterable<string>): AsyncGenerator<JsonRecord> {
  let line = 0;
  for await (const text of lines(chunks)) {
    line++;
    if (text.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new DataFileError(file, line, `not valid JSON (${(e as Error).message})`);
    }
    yield { value, line };
  }
}

/**
 * A JSON array's elements with the line each starts on: the text is scanned once for the top-level
 * commas (outside strings), and each element is parsed on its own, so an error names its line.
 */
export async function* readJsonArray(file: string, chunks: AsyncIterable<string>): AsyncGenerator<JsonRecord> {
  let text = "";
  for await (const c of chunks) text += c;
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let i = 0;
  let line = 1;
  const skipSpace = () => {
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) line++;
      else if (c !== 32 && c !== 9 && c !== 13) break;
    }
  };
  skipSpace();
  if (text[i] !== "[") throw new DataFileError(file, line, i >= text.length ? "the file is empty: expected a JSON array of objects" : "expected a JSON array of objects ('[' first)");
  i++;
  for (;;) {
    skipSpace();
    if (text[i] === "]") break;
    if (i >= text.length) throw new DataFileError(file, line, "the JSON array is not closed with ']'");
    const start = i;
    const startLine = line;
    let depth = 0;
    let inString = false;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) line++;
      if (inString) {
        if (c === 92) i++;
        else if (c === 34) inString = false;
        continue;
      }
      if (c === 34) inString = true;
      else if (c === 123 || c === 91) depth++;
      else if (c === 125 || c === 93) {
        if (depth === 0) break;
        depth--;
      } else if (c === 44 && depth === 0) break;
    }
    let value: unknown;
    try {
      value = JSON.parse(text.slice(start, i));
    } catch (e) {
      throw new DataFileError(file, startLine, `not valid JSON (${(e as Error).message})`);
    }
    yield { value, line: startLine };
    if (text[i] === ",") i++;
    else if (text[i] !== "]") throw new DataFileError(file, line, "the JSON array is not closed with ']'");
  }
  i++;
  skipSpace();
  if (i < text.length) throw new DataFileError(file, line, "unexpected text after the JSON array");
}

/**
 * RFC 4180 CSV: comma-separated, fields optionally in double quotes (`""` is a quote inside them; quoted
 * fields may hold commas and line breaks). Blank lines between records are skipped.
 */
export async function* readCsv(file: string, chunks: AsyncIterable<string>): AsyncGenerator<CsvRecord> {
  let cells: string[] = [];
  let field = "";
  let inQuotes = false;
  let startLine = 0;
  let lineNo = 0;
  for await (const text of lines(chunks)) {
    lineNo++;
    if (inQuotes) field += "\n";
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
          throw new DataFileError(file, lineNo, `unexpected ${JSON.stringify(text[i])} after a closing quote (a quote inside a quoted field is written "")`);
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
  if (inQuotes) throw new DataFileError(file, startLine, "a quoted field is not closed before the end of the file");
}
