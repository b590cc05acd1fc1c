/**
 * Is this file text? The commands read segql, CSV and JSON as UTF-8 text; given a gzip file, a
 * spreadsheet or a Latin-1 export, the readers would decode the bytes into replacement characters and
 * report each of them (pages of "unexpected character", or a CSV header of garbage). One look at the
 * bytes says what the file is instead, once.
 */
import { createReadStream } from "node:fs";
// The API's check of upload bodies: one definition of well-formed UTF-8 (RFC 3629: no surrogates, no
// overlong forms, nothing past U+10FFFF) for the server and the CLI.
import { Utf8Check } from "../server/utf8.js";

/** How much of a data file (which may be gigabytes) is looked at. */
const SNIFFED_BYTES = 64 * 1024;

/**
 * Why `bytes` is not UTF-8 text, or null when it is: `not a text file (gzip data?)`, `not UTF-8 text
 * (line 3 has the byte 0xE9 …)`. `partial`: the bytes are the start of a longer file, so a character cut
 * at their end is not a fault.
 */
export function notTextReason(bytes: Uint8Array, partial = false): string | null {
  // Magic numbers first: each names a file a user may well pass by mistake.
  const starts = (...magic: number[]) => magic.every((b, i) => bytes[i] === b);
  if (starts(0x1f, 0x8b)) return "not a text file (gzip data?)";
  if (starts(0x50, 0x4b, 0x03, 0x04)) return "not a text file (zip data: a spreadsheet? save it as CSV)";
  if (starts(0x50, 0x41, 0x52, 0x31)) return "not a text file (Parquet data?)";
  // UTF-16 text is text, but not what the readers read (and its NUL bytes would say "binary").
  if (starts(0xff, 0xfe) || starts(0xfe, 0xff)) return "not UTF-8 text (UTF-16: save it as UTF-8)";
  const nul = bytes.indexOf(0);
  if (nul >= 0) return `not a text file (binary data: a NUL byte on line ${lineAt(bytes, nul)})`;
  // A character cut by the end of a file's first part (`partial`) is carried, not a fault.
  const check = new Utf8Check();
  const fault = check.push(bytes) ?? (partial ? null : check.end());
  if (fault === null) return null;
  const byte = fault.byte.toString(16).toUpperCase().padStart(2, "0");
  return `not UTF-8 text (line ${fault.line} has the byte 0x${byte}, which UTF-8 does not allow there: Latin-1 or Windows-1252? save it as UTF-8)`;
}

/**
 * `notTextReason` of the start of a data file; a `.gz` file's decompressed start. Null when it looks like
 * text, or when it cannot be read here (the reader then says why, with its own message).
 */
export async function dataFileNotText(path: string): Promise<string | null> {
  const gz = path.toLowerCase().endsWith(".gz");
  // Loaded here: every command reads a text file, few a compressed one.
  const { createGunzip } = await import("node:zlib");
  const raw = createReadStream(path, { end: gz ? undefined : SNIFFED_BYTES - 1 });
  const stream = gz ? raw.pipe(createGunzip()) : raw;
  // pipe() does not pass the file's own error (a folder, a vanished file) on: unhandled, it ended the process.
  if (gz) raw.on("error", (e) => stream.destroy(e));
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= SNIFFED_BYTES) break;
    }
  } catch {
    return null;
  } finally {
    raw.destroy();
    stream.destroy();
  }
  const bytes = Buffer.concat(chunks).subarray(0, SNIFFED_BYTES);
  const reason = notTextReason(bytes, size >= SNIFFED_BYTES);
  return reason && gz ? reason.replace("not a text file", "decompressed, not a text file").replace("not UTF-8 text", "decompressed, not UTF-8 text") : reason;
}

/** The 1-based line of a byte offset. */
function lineAt(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
  return line;
}
