/**
 * The schema of contact fields (and, optionally, of events) that expressions are checked against.
 *
 * Loading validates the JSON strictly and reports every problem with its JSON path
 * (`fields.status.values[2]: expected a string`), so a typo in a schema never becomes a silent default.
 */
import { LineIndex, type Span } from "../diagnostics.js";
import { duplicateKeys, formatJsonPath, parseJsonTree, rangeOfJsonPath, type JsonPath } from "./json-source.js";

/** The types a field can have. `list` is a list of strings (tags). */
export type FieldType = "string" | "number" | "boolean" | "date" | "timestamp" | "enum" | "list";
export const FIELD_TYPES: readonly FieldType[] = ["string", "number", "boolean", "date", "timestamp", "enum", "list"];

/** A contact field or an event property. */
export interface FieldDef {
  /** The name as written in the schema (lookups are case-insensitive). */
  name: string;
  type: FieldType;
  /** Allowed values of an enum. */
  values?: string[];
  description?: string;
  /** Column holding the field; defaults to the field's name. For event properties, see `EventsDef`. */
  column: string;
  /**
   * Physical storage per SQL dialect when it differs from the documented default of that dialect
   * (for example `{ "postgres": "timestamp" }`); interpreted by the SQL compiler.
   */
  storage?: Record<string, string>;
  /** True for event properties stored in their own column rather than the JSON properties column. */
  ownColumn?: boolean;
}

/** Where events live and which properties they carry. */
export interface EventsDef {
  table: string;
  /** Column of the events table holding the contact's key. */
  contactKey: string;
  /** Column holding the event's name. */
  name: string;
  /** Column holding the event's instant. */
  time: string;
  /** JSON column holding properties that have no `column` of their own. */
  propertiesColumn: string;
  properties: Record<string, FieldDef>;
  /** Known event names, when listed: other names are errors. */
  names?: string[];
  /** Physical storage per dialect of the events table's time and JSON columns (see `FieldDef.storage`). */
  storage?: Record<string, string>;
}

/** A validated schema. */
export interface Schema {
  /** The contacts table. */
  table: string;
  /** The key column of the contacts table. */
  key: string;
  fields: Record<string, FieldDef>;
  events?: EventsDef;
  /**
   * The account's time zone (an IANA name such as `Europe/Berlin`): where `today`, dates, timestamps written
   * without an offset and calendar units are counted, unless the compilers' `timeZone` option says
   * otherwise. Absent: UTC.
   */
  timeZone?: string;
}

/** One problem in a schema, located by JSON path (and, when the schema's text is known, by position). */
export interface SchemaProblem {
  /** The JSON path as written in messages: `fields.status.values[2]`; "" for the whole document. */
  path: string;
  message: string;
  /** The same path as keys and indexes, unambiguous when a key contains `.` or `[`. */
  keys?: JsonPath;
  /** Whether the problem is the key at `keys` (an unknown or duplicated key) rather than its value. */
  on?: "key" | "value";
  /**
   * Where it is in the schema's text (set by `parseSchema`): the offending value, or key; for a missing key,
   * the key of the object that lacks it. Offsets into the text, line and column 1-based.
   */
  span?: Span;
}

/**
 * Thrown by `readSchemaFile` and `parseSchema` with every problem found. The message lists them one a line,
 * as `schema.json:3:15: error: fields.status.values[2]: expected a string` when their position is known.
 */
export class SchemaError extends Error {
  constructor(
    readonly problems: SchemaProblem[],
    readonly source?: string,
  ) {
    super(
      `invalid schema${source ? ` ${source}` : ""}${problems.length > 1 ? ` (${problems.length} problems)` : ""}:\n` +
        problems.map((p) => (p.span ? formatSchemaProblem(p, source ?? "schema") : `  ${p.path || "(root)"}: ${p.message}`)).join("\n"),
    );
    this.name = "SchemaError";
  }
}

/** One located problem as a compiler line: `FILE:LINE:COL: error: PATH: MESSAGE` (no `PATH: ` for the root). */
export function formatSchemaProblem(problem: SchemaProblem, file: string): string {
  const where = problem.span ? `${file}:${problem.span.line}:${problem.span.column}` : file;
  return `${where}: error: ${problem.path ? `${problem.path}: ` : ""}${problem.message}`;
}

/** Validates a parsed JSON value as a schema. Returns the schema, or every problem found. */
export function validateSchema(json: unknown): { schema: Schema; problems: [] } | { schema: null; problems: SchemaProblem[] } {
  const problems: SchemaProblem[] = [];
  const at: Report = (keys, message, on = "value") => problems.push({ path: formatJsonPath(keys), message, keys, on });
  if (!isObject(json)) {
    at([], "expected an object with \"table\", \"key\" and \"fields\"");
    return { schema: null, problems };
  }
  checkKeys(json, [], ["table", "key", "fields", "events", "timeZone", "$schema", "description"], at);
  const table = requireString(json, "table", [], at);
  const key = requireString(json, "key", [], at);
  const timeZone = optionalString(json, "timeZone", [], at);
  if (timeZone !== undefined && !isTimeZoneName(timeZone)) {
    at(["timeZone"], `unknown time zone "${timeZone}": expected an IANA time zone name such as "Europe/Berlin", "America/New_York" or "UTC"`);
  }
  // Null-prototype maps: a field named `__proto__` is an ordinary name, not a prototype assignment.
  const fields: Record<string, FieldDef> = Object.create(null);
  if (!isObject(json["fields"])) {
    at(["fields"], "expected an object mapping field names to { \"type\": … }");
  } else {
    const seen = new Map<string, string>();
    for (const [name, def] of Object.entries(json["fields"])) {
      const path = ["fields", name];
      const lower = name.toLowerCase();
      if (seen.has(lower)) at(path, `duplicates field "${seen.get(lower)}" (field names are case-insensitive)`, "key");
      seen.set(lower, name);
      if (name.trim() === "") at(path, "a field name cannot be empty", "key");
      const field = validateField(name, def, path, at, FIELD_TYPES);
      if (field) fields[name] = field;
    }
  }
  let events: EventsDef | undefined;
  if (json["events"] !== undefined) events = validateEvents(json["events"], at);
  if (problems.length > 0) return { schema: null, problems };
  return { schema: { table: table!, key: key!, fields, ...(events ? { events } : {}), ...(timeZone !== undefined ? { timeZone } : {}) }, problems: [] };
}

/**
 * Parses schema JSON text; throws `SchemaError` with every problem, each with its position in the text
 * (offsets into the text without a leading byte order mark, if it has one).
 * A key written twice in one object is a problem too (`JSON.parse` would silently keep the last one).
 */
export function parseSchema(input: string, source?: string): Schema {
  // Spans are offsets into the text as editors show it: without a byte order mark (which JSON.parse refuses).
  const text = withoutBom(input);
  const lines = new LineIndex(text);
  const span = (from: number, to: number): Span => lines.span(from, to);
  const tree = parseJsonTree(text);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    const problem: SchemaProblem = tree.error
      ? { path: "", message: `not valid JSON: ${tree.error.message}`, keys: [], span: span(tree.error.from, tree.error.to) }
      : { path: "", message: `not valid JSON: ${(e as Error).message}`, keys: [], span: span(0, 0) };
    throw new SchemaError([problem], source);
  }
  const problems: SchemaProblem[] = [];
  if (tree.root) {
    for (const d of duplicateKeys(tree.root)) {
      problems.push({ path: formatJsonPath(d.path), message: `duplicate key "${d.key}" (JSON keeps only the last one)`, keys: d.path, on: "key", span: span(d.from, d.to) });
    }
  }
  const result = validateSchema(json);
  for (const p of result.problems) {
    const r = tree.root && p.keys ? rangeOfJsonPath(tree.root, p.keys, p.on) : { from: 0, to: 0 };
    problems.push({ ...p, span: span(r.from, r.to) });
  }
  // In the order of the text, as compilers list errors (a stable sort keeps a missing key's problems together).
  problems.sort((a, b) => a.span!.start - b.span!.start);
  if (problems.length > 0 || !result.schema) throw new SchemaError(problems, source);
  return result.schema;
}

/** The text without a leading byte order mark (some Windows editors write one). */
export function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Finds a contact field by name, case-insensitively. */
export function findField(schema: Schema, name: string): FieldDef | undefined {
  return lookup(schema.fields, name);
}

/** Finds an event property by name, case-insensitively. */
export function findProperty(events: EventsDef, name: string): FieldDef | undefined {
  return lookup(events.properties, name);
}

const lookupCache = new WeakMap<Record<string, FieldDef>, Map<string, FieldDef>>();

function lookup(fields: Record<string, FieldDef>, name: string): FieldDef | undefined {
  let byLower = lookupCache.get(fields);
  if (!byLower) {
    byLower = new Map(Object.values(fields).map((f) => [f.name.toLowerCase(), f]));
    lookupCache.set(fields, byLower);
  }
  return Object.hasOwn(fields, name) ? fields[name] : byLower.get(name.toLowerCase());
}

// ---- validation helpers --------------------------------------------------------------------------

/** Whether `Intl` (the ICU data the compilers take offsets from, src/checker/zone.ts) knows the zone. */
function isTimeZoneName(name: string): boolean {
  if (name !== name.trim()) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

type Report = (keys: JsonPath, message: string, on?: "key" | "value") => void;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function checkKeys(obj: Record<string, unknown>, path: JsonPath, allowed: string[], at: Report): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) {
      const hint = allowed.find((a) => a.toLowerCase() === k.toLowerCase() || a.startsWith(k) || k.startsWith(a));
      at([...path, k], `unknown property${hint ? `; did you mean "${hint}"?` : ` (allowed: ${allowed.filter((a) => !a.startsWith("$")).join(", ")})`}`, "key");
    }
  }
}

function requireString(obj: Record<string, unknown>, key: string, path: JsonPath, at: Report): string | undefined {
  const v = obj[key];
  const p = [...path, key];
  if (v === undefined) at(p, "is required");
  else if (typeof v !== "string" || v.trim() === "") at(p, "expected a non-empty string");
  else return v;
  return undefined;
}

function optionalString(obj: Record<string, unknown>, key: string, path: JsonPath, at: Report): string | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  if (typeof v !== "string" || v === "") {
    at([...path, key], "expected a non-empty string");
    return undefined;
  }
  return v;
}

function optionalStorage(obj: Record<string, unknown>, path: JsonPath, at: Report): Record<string, string> | undefined {
  const v = obj["storage"];
  if (v === undefined) return undefined;
  if (!isObject(v)) {
    at([...path, "storage"], "expected an object mapping a dialect to a storage type, e.g. { \"postgres\": \"timestamp\" }");
    return undefined;
  }
  const out: Record<string, string> = {};
  for (const [dialect, type] of Object.entries(v)) {
    if (typeof type !== "string") at([...path, "storage", dialect], "expected a string");
    else out[dialect] = type;
  }
  return out;
}

function validateField(name: string, def: unknown, path: JsonPath, at: Report, types: readonly FieldType[]): FieldDef | null {
  if (!isObject(def)) {
    at(path, `expected an object such as { "type": "string" }`);
    return null;
  }
  checkKeys(def, path, ["type", "values", "description", "column", "storage"], at);
  const type = def["type"];
  if (typeof type !== "string" || !types.includes(type as FieldType)) {
    at([...path, "type"], `expected one of ${types.map((t) => `"${t}"`).join(", ")}${type === undefined ? " (missing)" : `, found ${JSON.stringify(type)}`}`);
    return null;
  }
  const field: FieldDef = { name, type: type as FieldType, column: name };
  if (type === "enum") {
    const values = def["values"];
    if (!Array.isArray(values) || values.length === 0) {
      at([...path, "values"], "an enum needs a non-empty array of allowed values");
    } else {
      const seen = new Set<string>();
      values.forEach((v, i) => {
        if (typeof v !== "string") at([...path, "values", i], `expected a string, found ${JSON.stringify(v)}`);
        else if (seen.has(v)) at([...path, "values", i], `duplicate value "${v}"`);
        else seen.add(v);
      });
      field.values = values.filter((v): v is string => typeof v === "string");
    }
  } else if (def["values"] !== undefined) {
    at([...path, "values"], `only enum fields take "values" (this field is ${type})`);
  }
  const description = optionalString(def, "description", path, at);
  if (description !== undefined) field.description = description;
  const column = optionalString(def, "column", path, at);
  if (column !== undefined) field.column = column;
  const storage = optionalStorage(def, path, at);
  if (storage) field.storage = storage;
  return field;
}

function validateEvents(def: unknown, at: Report): EventsDef | undefined {
  const path = ["events"];
  if (!isObject(def)) {
    at(path, "expected an object with \"table\", \"contact_key\", \"name\", \"time\" and \"properties\"");
    return undefined;
  }
  checkKeys(def, path, ["table", "contact_key", "name", "time", "properties", "properties_column", "names", "storage", "description"], at);
  const table = requireString(def, "table", path, at);
  const contactKey = requireString(def, "contact_key", path, at);
  const name = requireString(def, "name", path, at);
  const time = requireString(def, "time", path, at);
  const propertiesColumn = optionalString(def, "properties_column", path, at) ?? "properties";
  const properties: Record<string, FieldDef> = Object.create(null);
  const props = def["properties"] ?? {};
  if (!isObject(props)) {
    at([...path, "properties"], "expected an object mapping property names to { \"type\": … }");
  } else {
    for (const [pname, pdef] of Object.entries(props)) {
      const p = validateField(pname, pdef, [...path, "properties", pname], at, FIELD_TYPES);
      if (p) {
        p.ownColumn = isObject(pdef) && typeof pdef["column"] === "string";
        properties[pname] = p;
      }
    }
  }
  let names: string[] | undefined;
  if (def["names"] !== undefined) {
    if (!Array.isArray(def["names"])) at([...path, "names"], "expected an array of event names");
    else {
      names = [];
      def["names"].forEach((n, i) => {
        if (typeof n !== "string" || n === "") at([...path, "names", i], "expected a non-empty string");
        else names!.push(n);
      });
    }
  }
  const storage = optionalStorage(def, path, at);
  if (!table || !contactKey || !name || !time) return undefined;
  return {
    table,
    contactKey,
    name,
    time,
    propertiesColumn,
    properties,
    ...(names ? { names } : {}),
    ...(storage ? { storage } : {}),
  };
}
