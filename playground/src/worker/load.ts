/**
 * Records → contacts and events, converted by the schema's types with the library's own `convertValue`
 * (the same rules as the CLI's loaders, so a count here is the count `segql eval` gives on the same file).
 * A value that does not fit stops loading with an error naming the file, line and field.
 */
import { convertValue, ValueError } from "../../../src/data/convert.js";
import type { FieldDef, Schema } from "../../../src/schema/schema.js";
import { DataFileError, readCsv, readJsonArray, readJsonLines, type FileFormat, type JsonRecord } from "./read-records.js";

/** A contact: schema field name → converted value. */
export type Contact = Record<string, unknown>;
/** An event keyed by the schema's events column names. */
export type EventRow = Record<string, unknown>;

/** Sets an own property, also for the name `__proto__`. */
function put(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Contacts read from a file, and the columns the schema did not know. */
export interface ContactsRead {
  contacts: Contact[];
  ignored: string[];
}

/** Reads contacts in `format` from text chunks, converting each by the schema. */
export async function readContacts(file: string, format: FileFormat, chunks: AsyncIterable<string>, schema: Schema): Promise<ContactsRead> {
  const fields = new Map(Object.entries(schema.fields));
  const ignored = new Set<string>();
  const contacts: Contact[] = [];
  const seen = new Set<string>();
  const convert = (get: (name: string) => unknown, has: (name: string) => boolean, line: number): Contact => {
    const contact: Contact = {};
    for (const [name, def] of fields) {
      if (!has(name)) continue;
      try {
        put(contact, name, convertValue(get(name), def, format === "csv"));
      } catch (e) {
        if (e instanceof ValueError) throw new DataFileError(file, line, e.message, name);
        throw e;
      }
    }
    if (!fields.has(schema.key)) {
      const raw = get(schema.key);
      if (typeof raw === "string" || typeof raw === "number") put(contact, schema.key, String(raw));
    }
    const key = contact[schema.key];
    if (key === null || key === undefined || key === "") throw new DataFileError(file, line, "the key is missing or empty", schema.key);
    const k = String(key);
    if (seen.has(k)) throw new DataFileError(file, line, `the key ${JSON.stringify(k)} appears twice`, schema.key);
    seen.add(k);
    return contact;
  };

  if (format === "csv") {
    let header: string[] | null = null;
    let index = new Map<string, number>();
    for await (const record of readCsv(file, chunks)) {
      if (!header) {
        header = record.cells.map((c) => c.trim());
        const names = new Set<string>();
        for (const name of header) {
          if (names.has(name)) throw new DataFileError(file, record.line, `the header names column ${JSON.stringify(name)} twice`);
          names.add(name);
          if (!fields.has(name) && name !== schema.key) ignored.add(name);
        }
        if (!header.includes(schema.key)) throw new DataFileError(file, record.line, `the header has no column for the key ${JSON.stringify(schema.key)}`);
        index = new Map(header.map((h, i) => [h, i]));
        continue;
      }
      if (record.cells.length !== header.length) {
        throw new DataFileError(file, record.line, `expected ${header.length} cells as in the header, found ${record.cells.length}`);
      }
      contacts.push(convert((name) => record.cells[index.get(name)!], (name) => index.has(name), record.line));
    }
    if (!header) throw new DataFileError(file, 1, "the file is empty: expected a header row naming the columns");
    return { contacts, ignored: [...ignored] };
  }

  const records: AsyncGenerator<JsonRecord> = format === "jsonl" ? readJsonLines(file, chunks) : readJsonArray(file, chunks);
  for await (const { value, line } of records) {
    if (!isRecord(value)) throw new DataFileError(file, line, `expected a JSON object for a contact, found ${Array.isArray(value) ? "an array" : JSON.stringify(value)}`);
    for (const k of Object.keys(value)) if (!fields.has(k) && k !== schema.key) ignored.add(k);
    const own = (name: string) => Object.hasOwn(value, name);
    contacts.push(convert((name) => (own(name) ? value[name] : undefined), own, line));
  }
  return { contacts, ignored: [...ignored] };
}

/**
 * Reads events (JSON Lines with the schema's events column names), grouped by contact key in file order.
 * Properties are converted by the schema; unknown ones are dropped.
 */
export async function readEvents(file: string, chunks: AsyncIterable<string>, schema: Schema): Promise<{ byKey: Map<string, EventRow[]>; count: number }> {
  const events = schema.events;
  if (!events) throw new DataFileError(file, 0, "the schema has no events section, so events cannot be read");
  const inBag = Object.values(events.properties).filter((p) => !p.ownColumn);
  const inColumns = Object.values(events.properties).filter((p) => p.ownColumn);
  const timeDef: FieldDef = { name: events.time, type: "timestamp", column: events.time };
  const byKey = new Map<string, EventRow[]>();
  let count = 0;
  for await (const { value, line } of readJsonLines(file, chunks)) {
    const fail = (reason: string, field?: string): never => {
      throw new DataFileError(file, line, reason, field);
    };
    if (!isRecord(value)) fail(`expected a JSON object for an event, found ${JSON.stringify(value)}`);
    const rec = value as Record<string, unknown>;
    const get = (k: string) => (Object.hasOwn(rec, k) ? rec[k] : undefined);
    const key = get(events.contactKey);
    if (typeof key !== "string" && typeof key !== "number") fail(`expected the contact key (a string), found ${JSON.stringify(key) ?? "nothing"}`, events.contactKey);
    const name = get(events.name);
    if (typeof name !== "string" || name === "") fail(`expected the event name (a non-empty string), found ${JSON.stringify(name) ?? "nothing"}`, events.name);
    const out: EventRow = {};
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
    const k = String(key);
    const list = byKey.get(k);
    if (list) list.push(out);
    else byKey.set(k, [out]);
    count++;
  }
  return { byKey, count };
}
