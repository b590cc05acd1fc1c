/**
 * Proposing a schema from sample rows (`segql schema infer FILE`): each column's type from its values,
 * enums for low-cardinality text, lists from arrays, dates and timestamps from ISO-8601 text, and the key.
 * Browser-safe (no Node APIs): the rows come from the caller (the CLI reads files with src/data).
 *
 * The result is a proposal to review, with notes saying what was guessed and why; `validateSchema`
 * accepts it as it is.
 */
import { parseDate, parseTimestamp } from "../checker/time.js";
import type { FieldType } from "./schema.js";

/** Options of `inferSchema`. */
export interface InferOptions {
  /** The contacts table's name (default `contacts`). */
  table?: string;
  /** The key column; default: a column named `id`, `key` or `*_id` whose values are all present and distinct, else the first such column. */
  key?: string;
  /** Text columns with at most this many distinct values become enums (default 20; 0: never). */
  maxEnumValues?: number;
  /** Values are CSV text: `"12"` may be a number, `"true"` a boolean, `"a;b"` is still text (default false). */
  text?: boolean;
}

/** A proposed schema (schema-file JSON) and notes on the guesses. */
export interface InferredSchema {
  schema: { table: string; key: string; fields: Record<string, { type: FieldType; values?: string[]; description?: string }> };
  notes: string[];
}

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const BOOLEAN_TEXT = new Set(["true", "false", "yes", "no", "y", "n", "t", "f"]);
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** What the values of one column looked like. */
interface ColumnStats {
  name: string;
  present: number;
  kinds: Set<"number" | "boolean" | "date" | "timestamp" | "list" | "string" | "object">;
  distinct: Map<string, number>;
  distinctOverflow: boolean;
  allDistinct: boolean;
}

/** Infers a schema from rows (objects keyed by column). Never throws on data; columns it cannot type become strings with a note. */
export function inferSchema(rows: readonly Readonly<Record<string, unknown>>[], options: InferOptions = {}): InferredSchema {
  const maxEnum = options.maxEnumValues ?? 20;
  const notes: string[] = [];
  const columns = new Map<string, ColumnStats>();
  const seen: Record<string, Set<string>> = Object.create(null);
  for (const row of rows) {
    for (const [name, raw] of Object.entries(row)) {
      let c = columns.get(name);
      if (!c) {
        c = { name, present: 0, kinds: new Set(), distinct: new Map(), distinctOverflow: false, allDistinct: true };
        columns.set(name, c);
        seen[name] = new Set();
      }
      const kind = kindOf(raw, options.text === true);
      if (kind === null) continue;
      c.present++;
      c.kinds.add(kind);
      const text = typeof raw === "string" ? raw : valueText(raw);
      if (seen[name]!.has(text)) c.allDistinct = false;
      else seen[name]!.add(text);
      if (!c.distinctOverflow) {
        c.distinct.set(text, (c.distinct.get(text) ?? 0) + 1);
        if (c.distinct.size > Math.max(maxEnum, 1)) c.distinctOverflow = true;
      }
    }
  }
  const fields: InferredSchema["schema"]["fields"] = {};
  for (const c of columns.values()) {
    const type = typeOf(c, rows.length, maxEnum, notes, options.text === true);
    fields[c.name] = type === "enum" ? { type, values: [...c.distinct.keys()].sort() } : { type };
    if (c.present === 0) notes.push(`${c.name}: always empty in the sample; typed as string`);
  }
  const key = pickKey(columns, rows.length, options.key, notes);
  if (key && fields[key]) fields[key] = { type: "string", description: "The key." };
  return { schema: { table: options.table ?? "contacts", key: key ?? "id", fields }, notes };
}

/** Texts standing for values too deep to write: each its own, as no two such values are known equal. */
let tooDeep = 0;

/**
 * A value's JSON text, to tell values apart. JSON.stringify recurses, and a value nested some thousands of
 * levels deep runs it out of stack (it was an internal error); such a value stands for itself.
 */
function valueText(raw: unknown): string {
  try {
    return JSON.stringify(raw);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    return `\u0000too deep ${tooDeep++}`;
  }
}

function kindOf(raw: unknown, text: boolean): ColumnStats["kinds"] extends Set<infer K> ? K | null : never {
  if (raw === null || raw === undefined) return null;
  if (typeof raw === "boolean") return "boolean";
  if (typeof raw === "number") return Number.isFinite(raw) ? "number" : "string";
  if (Array.isArray(raw)) return raw.every((x) => typeof x === "string" || typeof x === "number") ? "list" : "object";
  if (typeof raw === "object") return "object";
  if (typeof raw !== "string") return "string";
  const s = raw.trim();
  if (s === "") return null;
  if (text && s.startsWith("[") && s.endsWith("]") && isListText(s)) return "list";
  if (text && NUMBER.test(s)) return "number";
  if (text && BOOLEAN_TEXT.has(s.toLowerCase())) return "boolean";
  if (DATE.test(s) && parseDate(s) !== null) return "date";
  if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(s) && "ms" in parseTimestamp(s.replace(" ", "T"))) return "timestamp";
  return "string";
}

/** A CSV cell as segql's export writes a list, and as its import reads one: a JSON array of strings or numbers. */
function isListText(s: string): boolean {
  try {
    const items: unknown = JSON.parse(s);
    return Array.isArray(items) && items.every((x) => typeof x === "string" || (typeof x === "number" && Number.isFinite(x)));
  } catch {
    return false;
  }
}

function typeOf(c: ColumnStats, rows: number, maxEnum: number, notes: string[], text: boolean): FieldType {
  const kinds = c.kinds;
  if (kinds.size === 0) return "string";
  // Low cardinality text, repeated: an enum (values sorted). A column of few rows proves little.
  const enumOfText = () => {
    const repeated = c.present >= 2 * c.distinct.size && !c.distinctOverflow && c.distinct.size <= maxEnum;
    if (!repeated || rows < 10) return false;
    notes.push(`${c.name}: ${c.distinct.size} distinct values in ${c.present} rows; proposed as an enum`);
    return true;
  };
  if (kinds.size === 1) {
    const [k] = kinds;
    if (k === "object") {
      notes.push(`${c.name}: holds objects, which contacts cannot; typed as string (map its parts to fields of their own)`);
      return "string";
    }
    if (k === "string") return enumOfText() ? "enum" : "string";
    return k as FieldType;
  }
  if (kinds.size === 2 && kinds.has("date") && kinds.has("timestamp")) return "timestamp";
  // CSV text whose words only look like booleans or numbers beside others (Yes, No, No phone service; 1, 2,
  // N/A): a few values, repeated, are an enum of those words, as the same column in JSON would be.
  if (text && kinds.has("string") && [...kinds].every((k) => k === "string" || k === "boolean" || k === "number") && enumOfText()) return "enum";
  notes.push(`${c.name}: mixed values (${[...kinds].sort().join(", ")}); typed as string`);
  return "string";
}

function pickKey(columns: Map<string, ColumnStats>, rows: number, wanted: string | undefined, notes: string[]): string | null {
  const unique = (c: ColumnStats) => c.present === rows && c.allDistinct && !c.kinds.has("object") && !c.kinds.has("list");
  if (wanted !== undefined) {
    const c = columns.get(wanted);
    if (!c) notes.push(`key: no column named "${wanted}" in the sample`);
    else if (!unique(c)) notes.push(`key: "${wanted}" is missing or repeated in some rows; keys must be present and unique`);
    return wanted;
  }
  const all = [...columns.values()];
  const named = all.find((c) => /^(id|key)$/i.test(c.name) && unique(c)) ?? all.find((c) => /(_id|Id|ID)$/.test(c.name) && unique(c));
  const pick = named ?? all.find(unique);
  if (!pick) {
    notes.push("key: no column is present and unique in every row; set \"key\" by hand");
    return null;
  }
  if (pick.kinds.has("number")) notes.push(`key: "${pick.name}" holds numbers; keys are stored as text`);
  if (!named) notes.push(`key: "${pick.name}" is the first column present and unique in every row`);
  return pick.name;
}
