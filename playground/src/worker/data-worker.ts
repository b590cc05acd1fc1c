/// <reference lib="webworker" />
/**
 * The data worker: loads a dataset (a built-in one over `fetch`, or the user's files), keeps it, and
 * answers the page's questions about it (protocol.ts). Loading reports progress; every failure becomes a
 * message naming the file, line and field. Evaluation requests are handled newest first: a request that a
 * newer one has replaced is skipped, and long work (per-condition counts) stops when a newer one arrives,
 * so typing never queues up work.
 */
import { parseSchema, SchemaError, type Schema } from "../../../src/schema/schema.js";
import { BUILTIN_IDS } from "./builtin-ids.js";
import { duckTables } from "./duck-tables.js";
import { conditionCounts, makeDataset, matchAll, matchingKeys, pageOf, prepare, whyOf, type Dataset } from "./evaluate.js";
import { generateContacts } from "./generate.js";
import { inferSchema as inferFromRows } from "../../../src/schema/infer.js";
import { readContacts, readEvents } from "./load.js";
import type { DatasetInfo, DatasetUrls, WorkerRequest, WorkerResponse } from "./protocol.js";
import type { EventRow } from "./load.js";
import { DataFileError, formatOfName, readCsv, readJsonArray, readJsonLines, textChunks } from "./read-records.js";

declare const self: DedicatedWorkerGlobalScope;

let dataset: Dataset | null = null;
/** The id of the newest evaluation request received. */
let newestEvaluation = 0;

function post(message: WorkerResponse, transfer: Transferable[] = []): void {
  self.postMessage(message, transfer);
}

/** How long typing must pause before per-condition counts are computed. */
const CONDITIONS_DELAY_MS = 120;

/** Waits `ms`, then says whether a newer evaluation request arrived meanwhile. */
function pause(ms: number, id: number): Promise<boolean> {
  return new Promise((resolve) => setTimeout(() => resolve(newestEvaluation !== id), ms));
}

/** Lets queued messages in (a macrotask), then says whether a newer evaluation request has arrived. */
function yieldToMessages(id: number): () => Promise<boolean> {
  return () => new Promise((resolve) => setTimeout(() => resolve(newestEvaluation !== id), 0));
}

self.onmessage = (event: MessageEvent<WorkerRequest>) => {
  const req = event.data;
  if (req.type === "evaluate") newestEvaluation = Math.max(newestEvaluation, req.id);
  handle(req).catch((e: unknown) => {
    const message = e instanceof Error ? e.message : String(e);
    if (req.type === "load-builtin" || req.type === "load-files") post({ type: "load-failed", id: req.id, message });
    else if (req.type === "evaluate") {
      // A bug, not the user's text: say so where the count goes instead of leaving a stale one.
      post({ type: "evaluated", id: req.id, ok: false, text: req.query.text, message: `internal error (please report it): ${message}`, total: dataset?.contacts.length ?? 0 });
    } else if (req.type === "why") post({ type: "why", id: req.id, ok: false, key: req.query.contact, message: `internal error (please report it): ${message}` });
    else if (req.type === "matching-keys") post({ type: "matching-keys", id: req.id, keys: null, message: `internal error: ${message}` });
    else console.error("segql worker:", e);
  });
};

async function handle(req: WorkerRequest): Promise<void> {
  switch (req.type) {
    case "load-builtin":
      dataset = await loadBuiltin(req.id, req.dataset, req.urls, req.count);
      post({ type: "loaded", id: req.id, info: infoOf(dataset) });
      return;
    case "load-files":
      dataset = await loadFiles(req.id, req.contacts, req.events, req.schema);
      post({ type: "loaded", id: req.id, info: infoOf(dataset) });
      return;
    case "evaluate":
      return evaluate(req.id, req.query);
    case "why": {
      if (!dataset || req.query.contact === null) return;
      const prepared = prepare(dataset, req.query);
      if (!prepared.ok) return post({ type: "why", id: req.id, ok: false, key: req.query.contact, message: prepared.message });
      const why = whyOf(dataset, prepared.query, req.query.contact, req.query.now);
      return post(why.ok ? { type: "why", id: req.id, key: req.query.contact, ...why } : { type: "why", id: req.id, ok: false, key: req.query.contact, message: why.message });
    }
    case "matching-keys": {
      if (!dataset) return post({ type: "matching-keys", id: req.id, keys: null, message: "no data loaded" });
      const prepared = prepare(dataset, req.query);
      if (!prepared.ok) return post({ type: "matching-keys", id: req.id, keys: null, message: prepared.message });
      return post({ type: "matching-keys", id: req.id, keys: matchingKeys(dataset, prepared.predicate) });
    }
    case "dataset-copy":
      return post({ type: "dataset-copy", id: req.id, copy: dataset ? { contacts: dataset.contacts, events: dataset.events, eventCount: dataset.eventCount } : null });
    case "duckdb-tables": {
      const tables = dataset ? duckTables(dataset.schema, dataset.contacts, dataset.events) : [];
      return post({ type: "duckdb-tables", id: req.id, tables });
    }
  }
}

async function evaluate(id: number, q: Extract<WorkerRequest, { type: "evaluate" }>["query"]): Promise<void> {
  // A newer request is already queued: this one's answer would be stale before it is shown.
  if (id !== newestEvaluation || !dataset) return;
  const data = dataset;
  const start = performance.now();
  const prepared = prepare(data, q);
  if (!prepared.ok) {
    post({ type: "evaluated", id, ok: false, text: q.text, message: prepared.message, total: data.contacts.length });
    return;
  }
  const { matches, count } = matchAll(data, prepared.predicate);
  const rows = pageOf(data, matches, q);
  post({ type: "evaluated", id, ok: true, text: q.text, segment: prepared.segment, count, total: data.contacts.length, rows, evalMs: performance.now() - start });
  if (q.contact !== null) {
    const why = whyOf(data, prepared.query, q.contact, q.now);
    post(why.ok ? { type: "why", id, key: q.contact, ...why } : { type: "why", id, ok: false, key: q.contact, message: why.message });
  }
  // Per-condition counts take one pass over the contacts per condition: start them only once typing
  // pauses, so they never delay the next keystroke's count.
  if (await pause(CONDITIONS_DELAY_MS, id)) return;
  const conditions = await conditionCounts(data, prepared.query, q.now, yieldToMessages(id));
  if (conditions) post({ type: "conditions", id, text: q.text, ...conditions });
}

// ---- loading ------------------------------------------------------------------------------------------

function progress(id: number, phase: string) {
  let last = 0;
  return (done: number, total: number | null) => {
    const now = performance.now();
    if (now - last < 80 && done !== total) return;
    last = now;
    post({ type: "progress", id, phase, done, total });
  };
}

async function fetchOk(url: string): Promise<Response> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`could not load ${url}: HTTP ${res.status}`);
  return res;
}

async function loadBuiltin(id: number, which: string, urls: DatasetUrls, count: number | undefined): Promise<Dataset> {
  if (!BUILTIN_IDS.includes(which as never)) throw new Error(`unknown dataset ${which}`);
  const schemaText = await (await fetchOk(urls.schema)).text();
  const schema = parseSchema(schemaText, urls.schema);
  const contactsRes = await fetchOk(urls.contacts);
  const size = Number(contactsRes.headers.get("content-length")) || null;
  const name = fileName(urls.contacts);
  const read = await readContacts(name, "jsonl", textChunks(contactsRes.body!, progressBytes(id, `Reading ${name}`, size)), schema);
  let contacts = read.contacts;
  if (count !== undefined) {
    post({ type: "progress", id, phase: `Generating ${count.toLocaleString("en")} contacts`, done: 0, total: null });
    contacts = generateContacts(contacts, count, schema.key);
  }
  let events: Map<string, EventRow[]> | null = null;
  let eventCount = 0;
  if (urls.events) {
    const res = await fetchOk(urls.events);
    const evName = fileName(urls.events);
    const r = await readEvents(evName, textChunks(res.body!, progressBytes(id, `Reading ${evName}`, Number(res.headers.get("content-length")) || null)), schema);
    events = r.byKey;
    eventCount = r.count;
  }
  const label = which === "generated" ? `generated contacts (${contacts.length.toLocaleString("en")})` : name;
  return makeDataset({ name: label, schema, schemaText, inferred: false, notes: [], contacts, events, eventCount, ignored: read.ignored });
}

function progressBytes(id: number, phase: string, total: number | null) {
  const report = progress(id, phase);
  return (bytes: number) => report(bytes, total);
}

async function loadFiles(id: number, contactsFile: File, eventsFile: File | null, schemaFile: File | null): Promise<Dataset> {
  const format = formatOfName(contactsFile.name);
  if (!format) throw new DataFileError(contactsFile.name, 0, "cannot tell the format from the name: use .csv, .jsonl, .ndjson or .json (optionally .gz)");
  let schema: Schema;
  let schemaText: string;
  let inferred = false;
  let notes: string[] = [];
  if (schemaFile) {
    schemaText = await schemaFile.text();
    try {
      schema = parseSchema(schemaText, schemaFile.name);
    } catch (e) {
      if (e instanceof SchemaError) throw new Error(e.message);
      throw e;
    }
  } else {
    if (eventsFile) throw new Error(`${eventsFile.name}: events need a schema (its events section names the columns): drop a schema file too`);
    post({ type: "progress", id, phase: `Inferring a schema from ${contactsFile.name}`, done: 0, total: null });
    const proposal = await inferSchema(contactsFile, format);
    schemaText = JSON.stringify(proposal.json, null, 2);
    notes = proposal.notes;
    try {
      schema = parseSchema(schemaText, "inferred schema");
    } catch (e) {
      throw new Error(`the schema inferred from ${contactsFile.name} is not valid (${(e as Error).message}): drop a schema file too`);
    }
    const keyProblem = notes.find((n) => n.startsWith("key: no column"));
    if (keyProblem) throw new Error(`${contactsFile.name}: ${keyProblem.slice(5)}: drop a schema file too`);
    inferred = true;
  }
  const read = await readContacts(contactsFile.name, format, textChunks(contactsFile.stream(), progressBytes(id, `Reading ${contactsFile.name}`, contactsFile.size)), schema);
  let events: Map<string, EventRow[]> | null = null;
  let eventCount = 0;
  if (eventsFile) {
    if (formatOfName(eventsFile.name) !== "jsonl") throw new DataFileError(eventsFile.name, 0, "events are read from JSON Lines (.jsonl or .ndjson, optionally .gz)");
    const r = await readEvents(eventsFile.name, textChunks(eventsFile.stream(), progressBytes(id, `Reading ${eventsFile.name}`, eventsFile.size)), schema);
    events = r.byKey;
    eventCount = r.count;
  }
  return makeDataset({ name: contactsFile.name, schema, schemaText, inferred, notes, contacts: read.contacts, events, eventCount, ignored: read.ignored });
}

/** Most records read to infer a schema. */
const INFER_SAMPLE = 5000;

/**
 * A schema proposed from the first records of a file, by the library's `inferSchema` (what
 * `segql schema infer` proposes for the same file), with its notes on what was guessed.
 */
async function inferSchema(file: File, format: "csv" | "jsonl" | "json"): Promise<{ json: Record<string, unknown>; notes: string[] }> {
  const chunks = textChunks(file.stream());
  const rows: Record<string, unknown>[] = [];
  if (format === "csv") {
    let header: string[] | null = null;
    for await (const r of readCsv(file.name, chunks)) {
      if (!header) header = r.cells.map((c) => c.trim());
      else rows.push(Object.fromEntries(header.map((h, i) => [h, r.cells[i]])));
      if (rows.length >= INFER_SAMPLE) break;
    }
    if (!header) throw new DataFileError(file.name, 1, "the file is empty: expected a header row naming the columns");
  } else {
    const reader = format === "jsonl" ? readJsonLines(file.name, chunks) : readJsonArray(file.name, chunks);
    for await (const { value, line } of reader) {
      if (typeof value !== "object" || value === null || Array.isArray(value)) throw new DataFileError(file.name, line, "expected a JSON object for a contact");
      rows.push(value as Record<string, unknown>);
      if (rows.length >= INFER_SAMPLE) break;
    }
  }
  if (rows.length === 0) throw new DataFileError(file.name, 1, "no contacts to infer a schema from");
  const { schema, notes } = inferFromRows(rows, { text: format === "csv" });
  return { json: schema as unknown as Record<string, unknown>, notes };
}

function fileName(url: string): string {
  return url.slice(url.lastIndexOf("/") + 1);
}

function infoOf(d: Dataset): DatasetInfo {
  const fields = Object.values(d.schema.fields);
  const keyFirst = [...fields.filter((f) => f.name === d.schema.key), ...fields.filter((f) => f.name !== d.schema.key)];
  return {
    name: d.name,
    schemaText: d.schemaText,
    inferred: d.inferred,
    notes: d.notes,
    contacts: d.contacts.length,
    events: d.eventCount,
    columns: keyFirst.map((f) => ({ name: f.name, type: f.type })),
    key: d.schema.key,
    sampleKeys: d.contacts.slice(0, 20).map((c) => String(c[d.schema.key])),
    ignored: d.ignored,
  };
}
