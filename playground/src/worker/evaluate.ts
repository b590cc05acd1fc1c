/**
 * Everything the worker computes over a loaded dataset: which segment of the text to evaluate, the count
 * and a (sorted) page of matching contacts, per-condition counts, why / why not for one contact, and the
 * matching keys. The predicate is the library's (`compilePredicate`, code generation): the same function
 * `segql eval` runs.
 */
import { check } from "../../../src/checker/index.js";
import type { TypedQuery } from "../../../src/checker/typed-ast.js";
import { explain, subConditions, type Explanation } from "../../../src/compiler/predicate/explain.js";
import { compilePredicate, type Predicate } from "../../../src/compiler/predicate/index.js";
import { parse } from "../../../src/parser/index.js";
import { echoZone, withoutEchoes } from "../../../src/parser/recovered.js";
import type { Schema } from "../../../src/schema/schema.js";
import type { Contact, EventRow } from "./load.js";
import type { ConditionCount, EvaluateQuery } from "./protocol.js";

/** A loaded dataset, held by the worker. */
export interface Dataset {
  name: string;
  schema: Schema;
  schemaText: string;
  inferred: boolean;
  /** What the schema inference guessed (empty for a given schema). */
  notes: string[];
  contacts: Contact[];
  /** Events by contact key; null when the dataset has none. */
  events: Map<string, EventRow[]> | null;
  eventCount: number;
  /** Contact index by key. */
  keyIndex: Map<string, number>;
  ignored: string[];
  /** Contact order per sort field (ascending, empty values last), computed when first asked. */
  sortOrders: Map<string, Int32Array>;
}

/** Builds the key index of a dataset's contacts. */
export function makeDataset(parts: Omit<Dataset, "keyIndex" | "sortOrders">): Dataset {
  const keyIndex = new Map<string, number>();
  parts.contacts.forEach((c, i) => keyIndex.set(String(c[parts.schema.key]), i));
  return { ...parts, keyIndex, sortOrders: new Map() };
}

/** A checked query ready to evaluate, or why not. */
export type Prepared = { ok: true; query: TypedQuery; segment: string | null; predicate: Predicate } | { ok: false; message: string };

const NO_EVENTS: readonly EventRow[] = [];

/** Recently prepared queries (paging, sorting, undo and redo reuse them), newest last. */
const cache = new Map<string, { schema: Schema; prepared: Prepared }>();
const CACHE_SIZE = 16;

/**
 * Parses and checks the text, picks the segment to evaluate (the bare expression, the one named, else the
 * last one) and compiles it. Recent results are cached (paging and sorting do not recompile).
 */
export function prepare(dataset: Dataset, q: Pick<EvaluateQuery, "text" | "segment" | "now">): Prepared {
  const key = `${q.now}\u0000${q.segment ?? ""}\u0000${q.text}`;
  const hit = cache.get(key);
  if (hit && hit.schema === dataset.schema) {
    cache.delete(key);
    cache.set(key, hit);
    return hit.prepared;
  }
  const prepared = prepareUncached(dataset.schema, parse(q.text), q.segment, q.now, q.text);
  cache.set(key, { schema: dataset.schema, prepared });
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return prepared;
}

function prepareUncached(schema: Schema, parsed: ReturnType<typeof parse>, name: string | null, now: string, text: string): Prepared {
  const checked = check(parsed.document, schema);
  // Without what only echoes a syntax error, as the editor's lint and segql check say it.
  const checkerDiagnostics = withoutEchoes(checked.diagnostics, parsed.diagnostics.map((d) => echoZone(d.span, parsed.tokens)));
  const errors = [...parsed.diagnostics, ...checkerDiagnostics].filter((d) => d.severity === "error").sort((a, b) => a.span.start - b.span.start);
  if (errors.length > 0) {
    const first = errors[0]!;
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : "";
    return { ok: false, message: `${first.span.line}:${first.span.column}: ${first.message}${more}` };
  }
  // After the errors: a text the parser gave up on (nested too deep, too many errors) has no segment either.
  if (parsed.document.segments.length === 0) return { ok: false, message: "type a condition, for example tenure > 12" };
  const segment = checked.segments.find((s) => s.name === name) ?? checked.segments[checked.segments.length - 1];
  if (!segment) return { ok: false, message: text.trim() === "" ? "type a condition" : "nothing to evaluate" };
  try {
    const predicate = compilePredicate(segment, { now });
    return { ok: true, query: segment, segment: segment.name, predicate };
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
}

/** Which contacts match: a byte per contact (1 = match), and how many. */
export function matchAll(dataset: Dataset, predicate: Predicate): { matches: Uint8Array; count: number } {
  const { contacts, events, schema } = dataset;
  const matches = new Uint8Array(contacts.length);
  let count = 0;
  const key = schema.key;
  for (let i = 0; i < contacts.length; i++) {
    const c = contacts[i]!;
    const evs = events ? (events.get(String(c[key])) ?? NO_EVENTS) : NO_EVENTS;
    if (predicate(c, evs)) {
      matches[i] = 1;
      count++;
    }
  }
  return { matches, count };
}

/** Compares two field values for sorting: numbers, times and text in order, empty values last. */
function compareValues(a: unknown, b: unknown): number {
  const ea = a === null || a === undefined || a === "";
  const eb = b === null || b === undefined || b === "";
  if (ea || eb) return ea === eb ? 0 : ea ? 1 : -1;
  const va = a instanceof Date ? a.getTime() : Array.isArray(a) ? a.join(", ") : a;
  const vb = b instanceof Date ? b.getTime() : Array.isArray(b) ? b.join(", ") : b;
  if (typeof va === "number" && typeof vb === "number") return va - vb;
  if (typeof va === "boolean" && typeof vb === "boolean") return va === vb ? 0 : va ? 1 : -1;
  const sa = String(va);
  const sb = String(vb);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** The contacts' order by a field (stable: ties keep file order). */
function sortOrder(dataset: Dataset, field: string): Int32Array {
  let order = dataset.sortOrders.get(field);
  if (order) return order;
  const { contacts } = dataset;
  const idx = Array.from({ length: contacts.length }, (_, i) => i);
  idx.sort((x, y) => compareValues(contacts[x]![field], contacts[y]![field]) || x - y);
  order = Int32Array.from(idx);
  dataset.sortOrders.set(field, order);
  return order;
}

/** One page of the matching contacts, in file order or sorted by a field (empty values last either way). */
export function pageOf(dataset: Dataset, matches: Uint8Array, q: Pick<EvaluateQuery, "sort" | "page" | "pageSize">): Contact[] {
  const { contacts } = dataset;
  const size = Math.max(1, Math.min(q.pageSize, 500));
  const skip = Math.max(0, q.page) * size;
  const out: Contact[] = [];
  let seen = 0;
  const take = (i: number) => {
    if (!matches[i]) return false;
    if (seen++ >= skip) out.push(contacts[i]!);
    return out.length >= size;
  };
  if (!q.sort || !Object.hasOwn(dataset.schema.fields, q.sort.field)) {
    for (let i = 0; i < contacts.length; i++) if (take(i)) break;
    return out;
  }
  const field = q.sort.field;
  const order = sortOrder(dataset, field);
  if (!q.sort.descending) {
    for (let k = 0; k < order.length; k++) if (take(order[k]!)) break;
    return out;
  }
  // Descending, empty values still last: walk the non-empty ones backwards, then the empty ones.
  let firstEmpty = order.length;
  while (firstEmpty > 0 && compareValues(contacts[order[firstEmpty - 1]!]![field], null) === 0) firstEmpty--;
  for (let k = firstEmpty - 1; k >= 0; k--) if (take(order[k]!)) return out;
  for (let k = firstEmpty; k < order.length; k++) if (take(order[k]!)) return out;
  return out;
}

/** Most sub-conditions counted (each is tested on every contact). */
export const MAX_CONDITIONS = 200;

/**
 * How many contacts each sub-condition matches alone. `yieldToMessages` is awaited between slices of
 * contacts and returns true when a newer request has arrived, which abandons the work (the editor moved on).
 */
export async function conditionCounts(dataset: Dataset, query: TypedQuery, now: string, yieldToMessages: () => Promise<boolean>): Promise<{ items: ConditionCount[]; truncated: boolean } | null> {
  const all = subConditions(query.expr);
  const subs = all.slice(0, MAX_CONDITIONS);
  const predicates = subs.map((s) => compilePredicate({ schema: query.schema, expr: s.node }, { now }));
  const counts = new Array<number>(subs.length).fill(0);
  const { contacts, events, schema } = dataset;
  // One pass over the contacts for all conditions, in slices, checking between slices whether the
  // editor has moved on.
  for (let start = 0; start < contacts.length; start += CONDITION_SLICE) {
    if (await yieldToMessages()) return null;
    const end = Math.min(contacts.length, start + CONDITION_SLICE);
    for (let i = start; i < end; i++) {
      const c = contacts[i]!;
      const evs = events ? (events.get(String(c[schema.key])) ?? NO_EVENTS) : NO_EVENTS;
      for (let k = 0; k < predicates.length; k++) if (predicates[k]!(c, evs)) counts[k]!++;
    }
  }
  const items = subs.map((s, k) => ({ index: s.index, parent: s.parent, depth: s.depth, kind: s.kind, label: s.label, span: s.span, count: counts[k]! }));
  return { items, truncated: all.length > MAX_CONDITIONS };
}

/** Contacts counted between two checks for newer requests. */
const CONDITION_SLICE = 20_000;

/** Why (or why not) the contact with this key matches. */
export function whyOf(dataset: Dataset, query: TypedQuery, key: string, now: string): { ok: true; explanation: Explanation; contact: Contact } | { ok: false; message: string } {
  const i = dataset.keyIndex.get(key);
  if (i === undefined) return { ok: false, message: `no contact has the key ${JSON.stringify(key)} in ${dataset.name}` };
  const contact = dataset.contacts[i]!;
  const events = dataset.events?.get(key) ?? [];
  return { ok: true, explanation: explain(query, contact, events, { now }), contact };
}

/** The keys of every matching contact, in file order. */
export function matchingKeys(dataset: Dataset, predicate: Predicate): string[] {
  const { matches } = matchAll(dataset, predicate);
  const keys: string[] = [];
  for (let i = 0; i < matches.length; i++) if (matches[i]) keys.push(String(dataset.contacts[i]![dataset.schema.key]));
  return keys;
}
