/**
 * Loaders: contacts from JSONL, a JSON array or CSV, and events from JSONL, converted by the schema's
 * types into the shapes `compilePredicate` takes (docs/predicate.md). Files are streamed. A value that
 * does not fit its field stops loading with a `DataError` naming file, line, row and field.
 */
import { extname } from "node:path";
import type { FieldDef, Schema } from "../schema/schema.js";
import { convertValue, ValueError } from "./convert.js";
import { DataError, readCsv, readJsonArray, readJsonLines, type JsonRecord } from "./readers.js";

export { DataError } from "./readers.js";
export { convertValue, ValueError } from "./convert.js";

/** A contact as loaded: schema field name → converted value (dates and timestamps as `Date`, empties as null). */
export type LoadedContact = Record<string, unknown>;
/** An event as loaded: keyed by the schema's events column names, time as `Date`, properties converted. */
export type LoadedEvent = Record<string, unknown>;

/** Contact file formats. */
export type ContactFormat = "jsonl" | "json" | "csv";

/** Options of the loaders. */
export interface LoadOptions {
  /** The file's format; default: from the extension (`.jsonl`/`.ndjson`, `.json`, `.csv`). */
  format?: ContactFormat;
  /** Called once per file with the names of columns/keys the schema does not know (they are ignored). */
  onUnknownFields?: (file: string, names: string[]) => void;
}

/** The format a file name suggests. */
export function formatOf(file: string, format?: ContactFormat): ContactFormat {
  if (format) return format;
  // `contacts.jsonl.gz` is JSON Lines, gzip-compressed (decompressed while streaming).
  const ext = extname(file.replace(/\.gz$/i, "")).toLowerCase();
  if (ext === ".jsonl" || ext === ".ndjson") return "jsonl";
  if (ext === ".json") return "json";
  if (ext === ".csv") return "csv";
  throw new DataError(file, 0, `cannot tell the format from the extension '${ext || "(none)"}': use .jsonl, .json or .csv (or pass a format)`);
}

/** Sets an own property, also for the name `__proto__` (which plain assignment would treat as the prototype). */
function put(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Field definitions by exact name (data keys are matched exactly; expressions are case-insensitive). */
function fieldsByName(fields: Record<string, FieldDef>): Map<string, FieldDef> {
  return new Map(Object.entries(fields).map(([name, def]) => [name, def]));
}

/**
 * Reads contacts one at a time. Each is a new object holding only the schema's fields, converted by
 * type; its key must be present (a missing key stops loading with a DataError).
 */
export async function* readContacts(file: string, schema: Schema, options: LoadOptions = {}): AsyncGenerator<LoadedContact> {
  const format = formatOf(file, options.format);
  const fields = fieldsByName(schema.fields);
  const unknown = new Set<string>();
  let row = 0;
  const convertRecord = (get: (name: string) => unknown, has: (name: string) => boolean, line: number): LoadedContact => {
    const contact: LoadedContact = {};
    for (const [name, def] of fields) {
      if (!has(name)) continue;
      try {
        put(contact, name, convertValue(get(name), def, format === "csv"));
      } catch (e) {
        if (e instanceof ValueError) throw new DataError(file, line, e.message, name, row);
        throw e;
      }
    }
    if (!fields.has(schema.key)) {
      const raw = get(schema.key);
      if (typeof raw === "string" || typeof raw === "number") put(contact, schema.key, String(raw));
    }
    const key = contact[schema.key];
    if (key === null || key === undefined || key === "") throw new DataError(file, line, "the key is missing or empty", schema.key, row);
    return contact;
  };

  if (format === "csv") {
    let header: string[] | null = null;
    let index = new Map<string, number>();
    for await (const record of readCsv(file)) {
      if (!header) {
        header = record.cells.map((c) => c.trim());
        const seen = new Set<string>();
        for (const name of header) {
          if (seen.has(name)) throw new DataError(file, record.line, `the header names column ${JSON.stringify(name)} twice`);
          seen.add(name);
          if (!fields.has(name) && name !== schema.key) unknown.add(name);
        }
        if (!header.includes(schema.key)) throw new DataError(file, record.line, `the header has no column for the key ${JSON.stringify(schema.key)}`);
        if (unknown.size > 0) options.onUnknownFields?.(file, [...unknown]);
        index = new Map(header.map((h, i) => [h, i]));
        continue;
      }
      row++;
      if (record.cells.length !== header.length) {
        throw new DataError(file, record.line, `expected ${header.length} cells as in the header, found ${record.cells.length}`, undefined, row);
      }
      yield convertRecord((name) => record.cells[index.get(name)!], (name) => index.has(name), record.line);
    }
    if (!header) throw new DataError(file, 1, "the file is empty: expected a header row naming the columns");
    return;
  }

  const records: AsyncGenerator<JsonRecord> = format === "jsonl" ? readJsonLines(file) : readJsonArray(file);
  for await (const { value, line } of records) {
    row++;
    if (!isRecord(value)) throw new DataError(file, line, `expected a JSON object for a contact, found ${Array.isArray(value) ? "an array" : JSON.stringify(value)}`, undefined, row);
    for (const k of Object.keys(value)) if (!fields.has(k) && k !== schema.key && !unknown.has(k)) unknown.add(k);
    const own = (name: string) => Object.hasOwn(value, name);
    yield convertRecord((name) => (own(name) ? value[name] : undefined), own, line);
  }
  if (unknown.size > 0) options.onUnknownFields?.(file, [...unknown]);
}

/** All contacts of a file, in file order. */
export async function loadContacts(file: string, schema: Schema, options: LoadOptions = {}): Promise<LoadedContact[]> {
  const out: LoadedContact[] = [];
  for await (const c of readContacts(file, schema, options)) out.push(c);
  return out;
}

/**
 * Reads events from JSONL (`{"customer_id": …, "event": …, "occurred_at": …, "properties": {…}}`, with the
 * schema's events column names). Each row keeps the contact key (as a string), the name, the time (as a
 * Date) and the schema's properties converted by type; properties the schema does not list are dropped.
 */
export async function* readEvents(file: string, schema: Schema, options: Omit<LoadOptions, "format"> = {}): AsyncGenerator<LoadedEvent> {
  const events = schema.events;
  if (!events) throw new DataError(file, 0, "the schema has no events section, so events cannot be read");
  const inBag = [...Object.values(events.properties)].filter((p) => !p.ownColumn);
  const inColumns = [...Object.values(events.properties)].filter((p) => p.ownColumn);
  const timeDef: FieldDef = { name: events.time, type: "timestamp", column: events.time };
  const known = new Set([events.contactKey, events.name, events.time, events.propertiesColumn, ...inColumns.map((p) => p.column)]);
  const unknown = new Set<string>();
  let row = 0;
  for await (const { value, line } of readJsonLines(file)) {
    row++;
    const fail = (reason: string, field?: string): never => {
      throw new DataError(file, line, reason, field, row);
    };
    if (!isRecord(value)) fail(`expected a JSON object for an event, found ${JSON.stringify(value)}`);
    const rec = value as Record<string, unknown>;
    const get = (k: string) => (Object.hasOwn(rec, k) ? rec[k] : undefined);
    for (const k of Object.keys(rec)) if (!known.has(k)) unknown.add(k);
    const key = get(events.contactKey);
    if (typeof key !== "string" && typeof key !== "number") fail(`expected the contact key (a string), found ${JSON.stringify(key) ?? "nothing"}`, events.contactKey);
    const name = get(events.name);
    if (typeof name !== "string" || name === "") fail(`expected the event name (a non-empty string), found ${JSON.stringify(name) ?? "nothing"}`, events.name);
    const out: LoadedEvent = {};
    put(out, events.contactKey, String(key));
    put(out, events.name, name);
    try {
      const time = convertValue(get(events.time), timeDef, false);
      if (time === null) fail("expected the event's time, found nothing", events.time);
      put(out, events.time, time);
    } catch (e) {
      if (e instanceof ValueError) fail(e.message, events.time);
      throw e;
    }
    const rawBag = get(events.propertiesColumn);
    if (rawBag !== undefined && rawBag !== null && !isRecord(rawBag)) fail(`expected an object of properties, found ${JSON.stringify(rawBag)}`, events.propertiesColumn);
    const bag: Record<string, unknown> = {};
    for (const p of inBag) {
      if (!isRecord(rawBag) || !Object.hasOwn(rawBag, p.name)) continue;
      try {
        put(bag, p.name, convertValue(rawBag[p.name], p, false));
      } catch (e) {
        if (e instanceof ValueError) fail(e.message, `${events.propertiesColumn}.${p.name}`);
        throw e;
      }
    }
    put(out, events.propertiesColumn, bag);
    for (const p of inColumns) {
      if (!Object.hasOwn(rec, p.column)) continue;
      try {
        put(out, p.column, convertValue(rec[p.column], p, false));
      } catch (e) {
        if (e instanceof ValueError) fail(e.message, p.column);
        throw e;
      }
    }
    yield out;
  }
  if (unknown.size > 0) options.onUnknownFields?.(file, [...unknown]);
}

/** All events of a file grouped by contact key (rows in file order), ready for `predicate(contact, byKey.get(key))`. */
export async function loadEventsByKey(file: string, schema: Schema, options: Omit<LoadOptions, "format"> = {}): Promise<Map<string, LoadedEvent[]>> {
  const byKey = new Map<string, LoadedEvent[]>();
  const column = schema.events?.contactKey ?? "";
  for await (const e of readEvents(file, schema, options)) {
    const key = e[column] as string;
    const list = byKey.get(key);
    if (list) list.push(e);
    else byKey.set(key, [e]);
  }
  return byKey;
}
