/**
 * Converting one raw value (from JSON or a CSV cell) to what a schema type holds, or saying why it cannot.
 * docs/predicate.md "Loaders" is the table of accepted spellings.
 */
import { parseDate, parseTimestamp } from "../checker/time.js";
import { clip } from "../diagnostics.js";
import type { FieldDef } from "../schema/schema.js";

/** A value that does not fit its field; the loaders add file, line and field. */
export class ValueError extends Error {}

/** Numbers as JSON or CSV write them (no hex, no `Infinity`, no thousands separators). */
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const TRUE = new Set(["true", "yes", "y", "1", "t"]);
const FALSE = new Set(["false", "no", "n", "0", "f"]);

function describe(v: unknown): string {
  const text = typeof v === "string" ? JSON.stringify(v) : Array.isArray(v) ? "a list" : v !== null && typeof v === "object" ? "an object" : String(v);
  return clip(text, 60, "...");
}

/** `YYYY-MM-DD HH:MM…` (a space instead of `T`, as SQL exports and spreadsheets write) read as ISO. */
function isoText(text: string): string {
  return /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}/.test(text) ? `${text.slice(0, 10)}T${text.slice(11)}` : text;
}

/**
 * A JSON number where text is wanted (a key, a text field, a list item) as its digits. A whole number past
 * 2^53 is refused: JSON.parse has already rounded it (12345678901234567 reads as 12345678901234568), so its
 * digits would be another id's, unsaid.
 */
export function numberAsText(n: number): string {
  if (Number.isInteger(n) && !Number.isSafeInteger(n)) throw new ValueError(`the whole number ${String(n)} is past 2^53, where a JSON number loses its last digits (they may have been others): write it as a string, in quotes`);
  return String(n);
}

/**
 * A timestamp written with more than 3 digits after the seconds (PostgreSQL's and BigQuery's exports give 6:
 * `2024-01-01 10:00:00.123456+00`): the text up to the millisecond, the digits past it, and the rest.
 */
const PAST_MILLISECONDS = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3})(\d+)(.*)$/;

/**
 * Converts `raw` to the field's type. `fromText` is true for CSV cells, which are always strings (so a
 * list is a JSON array or `;`-separated text, and a blank cell is empty). Returns null for an empty value.
 *
 * Timestamps keep milliseconds. Digits past them that are all zeros (`10:00:00.123000`) lose nothing and are
 * read. Others are refused, unless the caller passes `cutPastMilliseconds`: then the time is cut to the
 * millisecond (never rounded up into the next second or day) and the callback is given the instant kept,
 * so the caller can say how many values lost their microseconds (an import's report).
 */
export function convertValue(raw: unknown, def: FieldDef, fromText: boolean, cutPastMilliseconds?: (ms: number) => void): unknown {
  if (raw === null || raw === undefined) return null;
  if (fromText && typeof raw === "string" && def.type !== "string" && raw.trim() === "") return null;
  if (fromText && raw === "") return null;
  switch (def.type) {
    case "string":
      if (typeof raw === "string") return raw;
      if (typeof raw === "number" && Number.isFinite(raw)) return numberAsText(raw);
      throw new ValueError(`expected a string, found ${describe(raw)}`);
    case "enum": {
      if (typeof raw !== "string") throw new ValueError(`expected one of ${enumList(def)}, found ${describe(raw)}`);
      if (raw === "") return "";
      if (!def.values?.includes(raw)) {
        // Values match exactly: one that differs only in case or spaces is named (a spreadsheet's "pro ").
        const near = def.values?.find((v) => v.trim().toLowerCase() === raw.trim().toLowerCase());
        throw new ValueError(`expected one of ${enumList(def)}, found ${describe(raw)}${near !== undefined ? ` (did you mean ${JSON.stringify(near)}? values match exactly, case and spaces too)` : ""}`);
      }
      return raw;
    }
    case "number": {
      if (typeof raw === "number") {
        if (Number.isFinite(raw)) return raw;
        throw new ValueError(`expected a finite number, found ${describe(raw)}`);
      }
      if (typeof raw === "string") {
        const text = raw.trim();
        if (text === "") return null;
        if (NUMBER.test(text)) {
          const n = Number(text);
          if (Number.isFinite(n)) return n;
        }
      }
      throw new ValueError(`expected a number, found ${describe(raw)}${typeof raw === "string" && /^[+-]?\d[\d,.]*,\d+$|^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$/.test(raw.trim()) ? " (a comma in a number: write it with no thousands separator and a decimal point, such as 1234.5)" : ""}`);
    }
    case "boolean": {
      if (typeof raw === "boolean") return raw;
      if (raw === 1 || raw === 0) return raw === 1;
      if (typeof raw === "string") {
        const text = raw.trim().toLowerCase();
        if (TRUE.has(text)) return true;
        if (FALSE.has(text)) return false;
      }
      throw new ValueError(`expected true or false, found ${describe(raw)}`);
    }
    case "date": {
      if (raw instanceof Date && !Number.isNaN(raw.getTime())) return raw;
      if (typeof raw === "string") {
        const ms = parseDate(raw.trim());
        if (ms !== null) return new Date(ms);
      }
      throw new ValueError(`expected a date such as 2024-01-31, found ${describe(raw)}${dayFirstOrMonthFirst(raw)}`);
    }
    case "timestamp": {
      if (raw instanceof Date && !Number.isNaN(raw.getTime())) return raw;
      if (typeof raw === "number" && Number.isFinite(raw)) return new Date(raw); // epoch milliseconds
      if (typeof raw === "string") {
        let text = isoText(raw.trim());
        const past = PAST_MILLISECONDS.exec(text);
        if (past && (/^0+$/.test(past[2]!) || cutPastMilliseconds)) {
          text = past[1]! + past[3]!;
        }
        const t = parseTimestamp(text);
        if ("ms" in t) {
          if (past && !/^0+$/.test(past[2]!)) cutPastMilliseconds?.(t.ms);
          return new Date(t.ms);
        }
        const d = parseDate(text);
        if (d !== null) return new Date(d);
        throw new ValueError(`expected a timestamp such as 2024-01-31T10:00:00Z, found ${describe(raw)}${/^\d{4}-\d{2}-\d{2}T/.test(text) ? ` (${t.reason})` : dayFirstOrMonthFirst(raw)}`);
      }
      throw new ValueError(`expected a timestamp such as 2024-01-31T10:00:00Z, found ${describe(raw)}`);
    }
    case "list": {
      let items: unknown = raw;
      if (typeof raw === "string") {
        const text = raw.trim();
        if (fromText && text.startsWith("[")) {
          try {
            items = JSON.parse(text);
          } catch {
            throw new ValueError(`expected a JSON array of strings or ';'-separated values, found ${describe(raw)}`);
          }
        } else if (fromText) {
          items = raw.split(";");
        }
      }
      if (!Array.isArray(items)) throw new ValueError(`expected a list of strings, found ${describe(raw)}`);
      return items.map((item, i) => {
        if (typeof item === "string") return item;
        if (typeof item === "number" && Number.isFinite(item)) return numberAsText(item);
        throw new ValueError(`expected a list of strings, found ${describe(item)} at position ${i + 1}`);
      });
    }
  }
}

/** A hint for a date written as a spreadsheet shows it (12/1/2010 8:26): which is the month cannot be known. */
function dayFirstOrMonthFirst(raw: unknown): string {
  if (typeof raw !== "string" || !/^\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b/.test(raw.trim())) return "";
  return " (write the year first, as ISO 8601 does: in a date such as 01/02/2024 the month may be either number)";
}

function enumList(def: FieldDef): string {
  const values = def.values ?? [];
  const shown = values.slice(0, 6).map((v) => JSON.stringify(v)).join(", ");
  return values.length > 6 ? `${shown}, … (${values.length} values)` : shown;
}
