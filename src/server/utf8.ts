/**
 * Where a body stops being UTF-8. Every text body the API reads (JSON, CSV, JSON Lines) is decoded as UTF-8,
 * and a decoder puts U+FFFD for each byte that is not: a Latin-1 or Windows-1252 file (`é` as the single
 * byte 0xE9, what many spreadsheets still save as "CSV") would be stored with its accented letters replaced,
 * without a word. So the bytes are checked first, and the first bad one is said with its line.
 *
 * `Utf8Check` takes the body in chunks (an upload unpacked from gzip arrives so); a character split across
 * two chunks is carried over, so only real faults are found.
 */
import { isUtf8 } from "node:buffer";

/** The first byte that is not part of a UTF-8 character. */
export interface Utf8Fault {
  /** 0-based offset in the whole body. */
  offset: number;
  /** The byte's value. */
  byte: number;
  /** 1-based line (lines end at LF). */
  line: number;
}

const EMPTY = new Uint8Array(0);
const LF = 0x0a;

/** Checks a body chunk by chunk: `push` each, then `end`; each returns the first fault, or null. */
export class Utf8Check {
  /** Bytes of a character cut by the chunk's end, waiting for the rest. */
  private carry: Uint8Array = EMPTY;
  /** Offset of `carry`'s first byte in the body. */
  private offset = 0;
  /** Line of that byte. */
  private line = 1;

  push(chunk: Uint8Array): Utf8Fault | null {
    const data = this.carry.length === 0 ? chunk : concat(this.carry, chunk);
    const whole = completeLength(data);
    const checked = data.subarray(0, whole);
    if (!isUtf8(checked)) {
      const at = firstFault(checked);
      return { offset: this.offset + at, byte: checked[at]!, line: this.line + countLines(checked.subarray(0, at)) };
    }
    this.line += countLines(checked);
    this.offset += whole;
    this.carry = data.slice(whole);
    return null;
  }

  /** A character begun at the body's end and never finished is a fault too. */
  end(): Utf8Fault | null {
    return this.carry.length === 0 ? null : { offset: this.offset, byte: this.carry[0]!, line: this.line };
  }
}

/** The first fault of a whole body, or null. */
export function utf8Fault(bytes: Uint8Array): Utf8Fault | null {
  const check = new Utf8Check();
  return check.push(bytes) ?? check.end();
}

/** The fault said for people: where, which byte, and the likely cause. */
export function describeUtf8Fault(fault: Utf8Fault): string {
  const hex = `0x${fault.byte.toString(16).toUpperCase().padStart(2, "0")}`;
  return `line ${fault.line} has the byte ${hex} (byte ${fault.offset + 1}), which is not UTF-8 (text saved as Latin-1 or Windows-1252?)`;
}

/** `data`'s length without a character its end cuts off (at most 3 bytes of a started sequence). */
function completeLength(data: Uint8Array): number {
  for (let back = 1; back <= Math.min(3, data.length); back++) {
    const b = data[data.length - back]!;
    if (b >= 0x80 && b < 0xc0) continue; // a continuation byte: look further back for its lead
    const needs = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return needs > back ? data.length - back : data.length;
  }
  return data.length;
}

/** Index of the first byte of `bytes` that does not begin a well-formed UTF-8 character (RFC 3629). */
function firstFault(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    // Lead bytes and the range their second byte may take (no overlongs, no surrogates, nothing past U+10FFFF).
    let extra: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) extra = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      extra = 2;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      extra = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return i;
    for (let j = 1; j <= extra; j++) {
      const c = bytes[i + j];
      if (c === undefined || c < (j === 1 ? lo : 0x80) || c > (j === 1 ? hi : 0xbf)) return i;
    }
    i += extra + 1;
  }
  return bytes.length;
}

function countLines(bytes: Uint8Array): number {
  let n = 0;
  for (let at = bytes.indexOf(LF); at !== -1; at = bytes.indexOf(LF, at + 1)) n++;
  return n;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
