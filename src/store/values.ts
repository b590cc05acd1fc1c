/**
 * Contact and event values between the outside (JSON-ish input, the predicate's shapes) and the database
 * (text parameters cast by physical.ts; normalised rows from the adapter).
 *
 * Input is checked by the loaders' rules (src/data/convert.ts: the same spellings `segql eval` accepts),
 * plus what a typed column needs: instants in years 1-9999, no U+0000 where the backend cannot store it, and
 * no lone UTF-16 surrogate (not Unicode: every backend would keep U+FFFD instead, changing the value unsaid).
 */
import { convertValue, ValueError } from "../data/convert.js";
import type { FieldDef, Schema } from "../schema/schema.js";
import { jsonValue } from "./adapter.js";
import type { InputProblem } from "./errors.js";
import type { ColumnPlan, Physical } from "./physical.js";
import type { ContactValues } from "./types.js";

/** 0001-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z: the instants the predicate reads as times. */
const MIN_INSTANT = -62_135_596_800_000;
const MAX_INSTANT = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** A value that cannot be stored: the message, without location (callers add the row and field). */
export class EncodeError extends Error {}

/**
 * Converts one field value to the text parameter `physical.fromText` reads for the column; null for an
 * empty value. Throws `EncodeError` saying why. With `cutPastMilliseconds`, a timestamp written with digits
 * past the millisecond is cut to it and the callback given the instant kept (see `convertValue`); without, it
 * is refused.
 */
export function encodeValue(raw: unknown, col: ColumnPlan, physical: Physical, storesNul: boolean, fromText = false, cutPastMilliseconds?: (ms: number) => void): string | null {
  const def: FieldDef = col.field ?? { name: col.name, type: col.type === "json" ? "string" : col.type, column: col.name };
  if (col.type === "json") {
    if (raw === null || raw === undefined) return null;
    // JSON text escapes U+0000 as \u0000, which PostgreSQL's json types refuse too: look in the value.
    const problem = jsonTextProblem(raw, storesNul);
    if (problem) throw new EncodeError(problem);
    return JSON.stringify(raw, jsonReplacer);
  }
  let v: unknown;
  try {
    v = convertValue(raw, def, fromText, cutPastMilliseconds);
  } catch (e) {
    if (e instanceof ValueError) throw new EncodeError(e.message);
    throw e;
  }
  if (v === null) return null;
  switch (def.type) {
    case "string":
    case "enum":
      return checkText(v as string, storesNul);
    case "number": {
      const n = v as number;
      return Object.is(n, -0) ? "-0" : String(n);
    }
    case "boolean":
      return v ? "true" : "false";
    case "date": {
      const ms = (v as Date).getTime();
      checkRange(ms);
      return new Date(ms).toISOString().slice(0, 10);
    }
    case "timestamp": {
      const ms = Math.floor((v as Date).getTime());
      checkRange(ms);
      return physical.timestampText(ms, col);
    }
    case "list":
      for (const item of v as string[]) checkText(item, storesNul);
      return JSON.stringify(v);
  }
}

/** Dates in JSON properties as the predicate reads them back: ISO text. */
function jsonReplacer(_key: string, value: unknown): unknown {
  return value instanceof Date ? value.toISOString() : value;
}

function checkRange(ms: number): void {
  if (!Number.isFinite(ms) || ms < MIN_INSTANT || ms > MAX_INSTANT) throw new EncodeError("expected an instant in years 1-9999");
}

/** Why a JSON-like value's strings or keys cannot be stored, or null (iteratively: no recursion on its depth). */
function jsonTextProblem(value: unknown, storesNul: boolean): string | null {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v === "string") {
      const problem = textProblem(v, storesNul);
      if (problem) return problem;
    } else if (depth >= MAX_JSON_DEPTH && v !== null && typeof v === "object" && !(v instanceof Date)) return TOO_DEEP;
    else if (Array.isArray(v)) for (const x of v) stack.push([x, depth + 1]);
    else if (v !== null && typeof v === "object" && !(v instanceof Date)) {
      for (const [k, x] of Object.entries(v)) {
        const problem = textProblem(k, storesNul);
        if (problem) return problem;
        stack.push([x, depth + 1]);
      }
    }
  }
  return null;
}

/**
 * How deep arrays and objects may nest in a JSON value (event properties), as serde_json's default: the
 * value is written with `JSON.stringify`, which recurses and ran out of stack on a few thousand levels (an
 * internal error: exit 3 in `segql import`, a 500 over HTTP). No property a segment reads nests so.
 */
const MAX_JSON_DEPTH = 128;
const TOO_DEEP = `arrays and objects are nested more than ${MAX_JSON_DEPTH} levels deep in it; store a flatter value`;

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Whether a text is well-formed UTF-16: no lone surrogate (`String#isWellFormed`, which ES2022 lacks). */
export function wellFormed(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

/** Why a text cannot be stored (U+0000 where the backend cannot hold it; a lone surrogate anywhere), or null. */
export function textProblem(text: string, storesNul: boolean): string | null {
  if (!storesNul && text.includes("\u0000")) return "text holding U+0000 cannot be stored in PostgreSQL";
  if (!wellFormed(text)) return "text holding a lone UTF-16 surrogate (\\ud800-\\udfff without its pair) is not Unicode: it would be stored as U+FFFD";
  return null;
}

function checkText(text: string, storesNul: boolean): string {
  const problem = textProblem(text, storesNul);
  if (problem) throw new EncodeError(problem);
  return text;
}

/** Where a problem is, for `InputProblem`s of contact rows. */
export function problemAt(path: string, message: string, field?: string): InputProblem {
  return { path, message, ...(field !== undefined ? { field } : {}) };
}

/** A contacts-table row (by column, normalised by the adapter) → a contact keyed by field name. */
export function decodeContact(row: Record<string, unknown>, schema: Schema, columns: readonly ColumnPlan[]): ContactValues {
  const out: ContactValues = {};
  for (const col of columns) {
    const name = col.field?.name ?? schema.key;
    out[name] = decodeCell(row[col.name], col);
  }
  return out;
}

/** One stored value → the predicate's shape (see docs/predicate.md). */
export function decodeCell(v: unknown, col: ColumnPlan): unknown {
  if (v === null || v === undefined) return null;
  switch (col.type) {
    case "number":
      return typeof v === "number" ? v : Number(v);
    case "list":
      if (Array.isArray(v)) return v;
      return jsonValue(v);
    case "json":
      return jsonValue(v);
    default:
      return v;
  }
}
