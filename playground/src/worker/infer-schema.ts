/**
 * A schema proposed from data, for files dropped without one: each column's type from its values (JSON
 * types, or CSV text read as numbers, booleans, dates, timestamps, JSON lists), text with few distinct
 * values as an enum, and the key column (a column named like an id whose values are all distinct).
 * The result is ordinary schema JSON, validated by `parseSchema` like any other.
 */
import { parseDate, parseTimestamp } from "../../../src/checker/time.js";

/** Most distinct values a text column may have to be read as an enum. */
const MAX_ENUM_VALUES = 24;
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const BOOLEAN_WORDS = new Set(["true", "false", "yes", "no"]);
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/;

/** One column's values as seen: raw JSON values, or CSV cells (`fromText`). */
export interface ColumnSample {
  name: string;
  values: unknown[];
}

/** What could not be inferred. */
export class InferenceError extends Error {}

/** The type a column's non-empty values suggest, with an enum's values. */
export function inferType(values: readonly unknown[], fromText: boolean): { type: string; values?: string[] } {
  const present = values.filter((v) => v !== null && v !== undefined && !(typeof v === "string" && v.trim() === ""));
  if (present.length === 0) return { type: "string" };
  const all = (test: (v: unknown) => boolean) => present.every(test);
  if (all((v) => typeof v === "boolean" || (fromText && typeof v === "string" && BOOLEAN_WORDS.has(v.trim().toLowerCase())))) return { type: "boolean" };
  if (all((v) => (typeof v === "number" && Number.isFinite(v)) || (fromText && typeof v === "string" && NUMBER.test(v.trim())))) return { type: "number" };
  if (all((v) => Array.isArray(v) || (fromText && typeof v === "string" && v.trim().startsWith("[") && isJsonList(v)))) return { type: "list" };
  if (all((v) => typeof v === "string" && DATE.test(v.trim()) && parseDate(v.trim()) !== null)) return { type: "date" };
  if (all((v) => typeof v === "string" && TIMESTAMP.test(v.trim()) && isTimestamp(v.trim()))) return { type: "timestamp" };
  if (all((v) => typeof v === "string")) {
    const distinct = new Set(present as string[]);
    // Few values, each seen several times: an enum (country, plan, status); else free text.
    if (distinct.size <= MAX_ENUM_VALUES && present.length >= distinct.size * 3) return { type: "enum", values: [...distinct].sort() };
  }
  return { type: "string" };
}

function isJsonList(text: string): boolean {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) && v.every((x) => typeof x === "string" || typeof x === "number");
  } catch {
    return false;
  }
}

function isTimestamp(text: string): boolean {
  const iso = text.length > 10 && text[10] === " " ? `${text.slice(0, 10)}T${text.slice(11)}` : text;
  return "ms" in parseTimestamp(iso);
}

/** The key column: a distinct, never-empty column, preferring names such as `id`, `customer_id`, `key`. */
export function inferKey(columns: readonly ColumnSample[]): string {
  const unique = columns.filter((c) => {
    const seen = new Set<string>();
    for (const v of c.values) {
      if (v === null || v === undefined || v === "" || (typeof v !== "string" && typeof v !== "number")) return false;
      const k = String(v);
      if (seen.has(k)) return false;
      seen.add(k);
    }
    return c.values.length > 0;
  });
  const named = (re: RegExp) => unique.find((c) => re.test(c.name));
  const found = named(/^(id|key)$/i) ?? named(/(_id|id|_key)$/i) ?? unique[0];
  if (!found) throw new InferenceError("cannot tell which column is the key (no column has a distinct value in every row): drop a schema file too");
  return found.name;
}

/** A schema (as JSON) for contacts with these columns. */
export function inferContactsSchema(columns: readonly ColumnSample[], fromText: boolean): Record<string, unknown> {
  if (columns.length === 0) throw new InferenceError("the file has no columns to infer a schema from");
  const key = inferKey(columns);
  const fields: Record<string, unknown> = {};
  for (const c of columns) {
    const t = c.name === key ? { type: "string" } : inferType(c.values, fromText);
    fields[c.name] = t.values ? { type: t.type, values: t.values } : { type: t.type };
  }
  return { table: "contacts", key, fields };
}

/** Columns of sampled JSON records (every key seen, in first-seen order). */
export function columnsOfRecords(records: readonly Record<string, unknown>[]): ColumnSample[] {
  const order: string[] = [];
  const byName = new Map<string, unknown[]>();
  records.forEach((r, i) => {
    for (const k of Object.keys(r)) {
      let list = byName.get(k);
      if (!list) {
        list = new Array<unknown>(i).fill(undefined);
        byName.set(k, list);
        order.push(k);
      }
    }
    for (const k of order) byName.get(k)!.push(Object.hasOwn(r, k) ? r[k] : undefined);
  });
  return order.map((name) => ({ name, values: byName.get(name)! }));
}
