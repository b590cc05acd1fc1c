/**
 * The segments HTTP API (docs/api.md) as typed calls. Every failure is an `ApiError` carrying the
 * problem document (RFC 9457) the server sent, so pages can show `detail`, the checker's diagnostics, a
 * name taken, the segments that read one being deleted, or both versions of a 412.
 *
 * Same origin (`/api`): the app is served by `segql serve`. A token, when the server needs one, is kept
 * in this browser (localStorage) and sent as `Authorization: Bearer`.
 */
import type { z } from "zod";
import type * as S from "../../../src/server/schemas.js";

// The API's shapes are the server's own zod schemas (src/server/schemas.ts, which also make /openapi.json),
// read as types only: nothing of zod or the server reaches the browser bundle, and the two cannot drift.

/**
 * The longest search the API takes (segments, members, contacts: `search` is at most 200 characters in
 * src/server/schemas.ts); the search boxes stop there rather than showing the API's "Too big" refusal.
 */
export const MAX_SEARCH = 200;

/** A saved segment, as the API returns it. */
export type Segment = z.infer<typeof S.SegmentSchema>;

/** Just a segment's id and name. */
export type SegmentSummary = Segment["references"][number];

/** A checker diagnostic, span flattened (line and column 1-based; start/end offsets into the text). */
export type ApiDiagnostic = z.infer<typeof S.DiagnosticSchema>;

/** One saved version of a segment. */
export type SegmentVersion = z.infer<typeof S.SegmentVersionSchema>;

/** A contact: field → value. */
export type Contact = Record<string, unknown>;

/** A page of items and the cursor of the next one. */
export interface Page<T> {
  items: T[];
  next: string | null;
  total?: number;
}

/** What a preview returns. */
export type Preview = z.infer<typeof S.PreviewSchema>;

/** Per-condition count of a preview. */
export type ConditionCount = Preview["conditions"][number];

/** Who would enter and leave a saved segment. */
export type Impact = NonNullable<Preview["impact"]>;

/**
 * One node of a why / why not explanation. Written out here: the schema describes `children` loosely
 * (OpenAPI has no recursive inline type), and the pages walk them as nodes.
 */
export interface ExplainNode {
  kind: string;
  value: boolean;
  scope: "contact" | "event";
  span: { start: number; end: number; line: number; column: number };
  label: string;
  read: Record<string, unknown> | null;
  children: ExplainNode[];
  repeated?: boolean;
}

/** Why / why not for one contact. */
export interface Why {
  key: string;
  matches: boolean;
  root: ExplainNode;
  now: string;
  segment: SegmentSummary | null;
}

/** An entry of the membership change log. */
export type MembershipChange = z.infer<typeof S.ChangesPageSchema>["items"][number];

/** One point of a segment's member count over time. */
export type MemberCountPoint = z.infer<typeof S.MemberCountsSchema>["items"][number];

/** What a member edit did. */
export type MemberUpdate = z.infer<typeof S.MemberUpdateSchema>;

/** An RFC 9457 problem document. */
export type Problem = z.infer<typeof S.ProblemSchema>;

/** A failed call: the problem the server sent (or one made here for a network failure). */
export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail);
  }
  get status(): number {
    return this.problem.status;
  }
  /** The problem's kind: the last part of its type (`name-taken`, `stale-version`, …). */
  get kind(): string {
    return this.problem.type.replace(/^urn:segql:problem:/, "");
  }
}

const TOKEN_KEY = "segql-token";
const USER_KEY = "segql-user";

/** The name this browser signs its changes with (`Segql-User`: kept in the version history), if any. */
export function savedUser(): string {
  try {
    return window.localStorage.getItem(USER_KEY) ?? "";
  } catch {
    return "";
  }
}

/** Keeps the name changes are signed with (empty: none). */
export function saveUser(name: string): void {
  const n = name.trim().slice(0, 200);
  if (n === "") window.localStorage.removeItem(USER_KEY);
  else window.localStorage.setItem(USER_KEY, n);
}

/** The API token kept in this browser, if any. */
export function savedToken(): string | null {
  try {
    return window.localStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

/** Keeps (or forgets, with null) the API token in this browser. */
export function saveToken(token: string | null): void {
  // Answers asked for ahead were asked with the token before (or none): not this one's.
  early.clear();
  if (token === null || token.trim() === "") window.localStorage.removeItem(TOKEN_KEY);
  else window.localStorage.setItem(TOKEN_KEY, token.trim());
}

/** Options of one call. */
interface Call {
  json?: unknown;
  query?: Record<string, string | number | boolean | null | undefined>;
  ifMatch?: string | null;
  /** Stops the call: its request is aborted, and the server stops the statement it runs (docs/api.md). */
  signal?: AbortSignal | undefined;
  /** A POST that only reads (a preview, why, a key lookup): stopped, like a GET, by `readsStoppedBy`'s signal. */
  read?: boolean;
}

/** A response body with its ETag. */
export interface Tagged<T> {
  body: T;
  etag: string | null;
}

/** The API's base path (the app and the API share an origin). */
const BASE = "api";

/** The problem of a request that got no answer at all. */
function unanswered(e: unknown): ApiError {
  return new ApiError({ type: "urn:segql:problem:network", title: "The server did not answer", status: 0, detail: `the segments API did not answer (${(e as Error).message}); is segql serve running?` });
}

/**
 * Reads asked for ahead of the page that needs them (`prefetch`), by address: the page's own call of the
 * same address takes the answer (once), so the first screen's reads start while its code still downloads.
 */
const early = new Map<string, { at: number; answer: Promise<Tagged<unknown>> }>();

/** How long an answer asked for ahead waits for its page; older, it is asked again (it may be stale). */
const EARLY_FOR_MS = 10_000;

/** True while `prefetch` runs its calls: `call` then keeps their answers in `early`. */
let prefetching = false;

/**
 * Starts the reads `calls` makes (through this module's functions, so the addresses are the ones the page
 * will ask) and keeps their answers for the page's same calls. Their failures are the page's to show.
 */
export function prefetch(calls: () => Promise<unknown>[]): void {
  prefetching = true;
  try {
    for (const answer of calls()) answer.catch(() => {});
  } finally {
    prefetching = false;
  }
}

/**
 * The signal of the reads started while `readsStoppedBy` runs its function; null outside it. Taken by
 * `call` when it starts (before its first await), so a read started later, after its loader awaited
 * something, is not under it: such a loader passes its signal to the call itself.
 */
let pageSignal: AbortSignal | null = null;

/**
 * Runs `start` with `signal` stopping every read it starts (not its writes: a write is done whole or not at
 * all on the server, and the page must learn how it ended). A page's loader (ui.tsx's `useLoad`) runs under
 * the signal it aborts when the page goes away or asks again, so a read nobody waits for any more stops on
 * the server too, whichever call the loader makes.
 */
export function readsStoppedBy<T>(signal: AbortSignal, start: () => T): T {
  const outer = pageSignal;
  pageSignal = signal;
  try {
    return start();
  } finally {
    pageSignal = outer;
  }
}

/**
 * A read superseded by the next: each `next()` aborts the read before it and gives the signal of the new one;
 * `stop()` aborts the last (the page went away). For a read asked again before its answer that is not a
 * `useLoad`'s (a preview asked again, a next page of a list searched anew).
 */
export function latestRead(): { next(): AbortSignal; stop(): void } {
  let current: AbortController | null = null;
  return {
    next() {
      current?.abort();
      current = new AbortController();
      return current.signal;
    },
    stop() {
      current?.abort();
      current = null;
    },
  };
}

/** The error of a call stopped by its signal: never the user's to see (nobody waits for its answer). */
function stopped(): DOMException {
  return new DOMException("The read was stopped: nothing waits for its answer any more", "AbortError");
}

/**
 * True for a call stopped by its signal (superseded, or its page gone): show nothing of it, no error, no
 * toast. An answer that arrived after the stop (the server's 409 `cancelled` among them) is this too.
 */
export function wasStopped(error: unknown): boolean {
  return error instanceof DOMException && error.name === "AbortError";
}

async function call<T>(method: string, path: string, c: Call = {}): Promise<Tagged<T>> {
  const url = new URL(`${BASE}${path}`, document.baseURI);
  for (const [k, v] of Object.entries(c.query ?? {})) if (v !== undefined && v !== null && v !== "") url.searchParams.set(k, String(v));
  if (c.signal === undefined && pageSignal !== null && (method === "GET" || c.read === true)) c = { ...c, signal: pageSignal };
  if (method !== "GET") return send<T>(method, url, c);
  if (prefetching) {
    const answer = send<T>(method, url, c);
    early.set(url.href, { at: Date.now(), answer });
    return answer;
  }
  const ahead = early.get(url.href);
  early.delete(url.href);
  if (ahead && Date.now() - ahead.at < EARLY_FOR_MS) return stoppable(ahead.answer as Promise<Tagged<T>>, c.signal);
  return send<T>(method, url, c);
}

/** An answer asked for ahead, taken by a call with a signal: the call ends when it is stopped (the read goes on for nobody; it was started without the signal). */
function stoppable<T>(answer: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return answer;
  if (signal.aborted) return Promise.reject(stopped());
  return new Promise<T>((resolve, reject) => {
    signal.addEventListener("abort", () => reject(stopped()), { once: true });
    answer.then(resolve, reject);
  });
}

async function send<T>(method: string, url: URL, c: Call): Promise<Tagged<T>> {
  const headers: Record<string, string> = { Accept: "application/json" };
  const token = savedToken();
  if (token) headers["Authorization"] = `Bearer ${token}`;
  if (c.json !== undefined) headers["Content-Type"] = "application/json";
  if (c.ifMatch) headers["If-Match"] = c.ifMatch;
  const user = savedUser();
  // Header values are Latin-1: a name outside it is sent percent-encoded rather than refused by fetch.
  if (user !== "" && method !== "GET") headers["Segql-User"] = /^[\x20-\x7e\xa0-\xff]*$/.test(user) ? user : encodeURIComponent(user);
  const signal = c.signal;
  if (signal?.aborted) throw stopped();
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, { method, headers, body: c.json !== undefined ? JSON.stringify(c.json) : undefined, ...(signal ? { signal } : {}) });
    text = await res.text();
  } catch (e) {
    if (signal?.aborted) throw stopped();
    throw unanswered(e);
  }
  // An answer that came after the stop (the server's 409 `cancelled`, or rows) is not for anybody now.
  if (signal?.aborted) throw stopped();
  let body: unknown = null;
  try {
    body = text === "" ? null : JSON.parse(text);
  } catch {
    body = null;
  }
  if (!res.ok) {
    const p = body && typeof body === "object" && "type" in body ? (body as Problem) : null;
    throw new ApiError(p ?? { type: "urn:segql:problem:http", title: res.statusText, status: res.status, detail: `${res.status} ${res.statusText}: the server's answer was not a problem document (is this the segments API?)` });
  }
  return { body: body as T, etag: res.headers.get("ETag") };
}

/** Formats of a members export. */
export type ExportFormat = "csv" | "jsonl";

/** Where a segment's members download as a file (`GET /api/segments/{id}/export`). */
export function exportUrl(id: number, format: ExportFormat): string {
  return new URL(`${BASE}/segments/${id}/export${format === "csv" ? "" : `?format=${format}`}`, document.baseURI).href;
}

/** Where the contacts a search and/or filter finds download as a file (`GET /api/contacts/export`); empty ones are left out. */
export function contactsExportUrl(q: { search?: string; filter?: string }, format: ExportFormat): string {
  const params = new URLSearchParams();
  if (q.search) params.set("search", q.search);
  if (q.filter) params.set("filter", q.filter);
  if (format !== "csv") params.set("format", format);
  const query = params.toString();
  return new URL(`${BASE}/contacts/export${query ? `?${query}` : ""}`, document.baseURI).href;
}

/**
 * Downloads a segment's members when the API needs a token, which a plain link cannot send: fetched with it,
 * then saved from memory under `fileName`. Without a token the page links to `exportUrl` instead, and the
 * browser streams the file to disk.
 */
export async function downloadExport(id: number, format: ExportFormat, fileName: string): Promise<void> {
  return downloadFile(exportUrl(id, format), fileName);
}

/** As `downloadExport`, for an export's address (`exportUrl`, `contactsExportUrl`): fetched with the token, saved as `fileName`. */
export async function downloadFile(url: string, fileName: string): Promise<void> {
  const headers: Record<string, string> = {};
  const token = savedToken();
  if (token) headers["Authorization"] = `Bearer ${token}`;
  let res: Response;
  try {
    res = await fetch(url, { headers });
  } catch (e) {
    throw unanswered(e);
  }
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as Problem | null;
    throw new ApiError(body && typeof body === "object" && "type" in body ? body : { type: "urn:segql:problem:http", title: res.statusText, status: res.status, detail: `${res.status} ${res.statusText}` });
  }
  const blobUrl = URL.createObjectURL(await res.blob());
  try {
    const a = document.createElement("a");
    a.href = blobUrl;
    a.download = fileName;
    document.body.append(a);
    a.click();
    a.remove();
  } finally {
    // Revoked once the browser has taken the file (the click starts the download asynchronously).
    window.setTimeout(() => URL.revokeObjectURL(blobUrl), 60_000);
  }
}

/** Health: version, backend and counts. */
export const health = () =>
  call<{ status: string; version: string; backend: string; contacts: number; events: number; segments: number; limits?: { bodyBytes: number; bulkBytes: number; importBytes: number } }>("GET", "/health").then(
    (r) => r.body,
  );
/** The schema, in schema-file form. */
export const schemaDocument = () => call<Record<string, unknown>>("GET", "/schema").then((r) => r.body);

/** Orders of the segment list (`-` first: descending). */
export type SegmentSort = `${"" | "-"}${"name" | "description" | "kind" | "createdAt" | "updatedAt" | "memberCount"}`;

/** The segments table's page size and first order: its first read, which the app also asks for ahead. */
export const SEGMENTS_PAGE = 50;
export const SEGMENTS_FIRST_SORT: SegmentSort = "-updatedAt";

/** The contacts table's page size: its first read, with no search, filter or order, is also asked for ahead. */
export const CONTACTS_PAGE = 25;

/** A page of segments. */
export const listSegments = (q: { search?: string; kind?: "static" | "dynamic"; sort?: SegmentSort; limit?: number; cursor?: string | null }, signal?: AbortSignal) =>
  call<Page<Segment>>("GET", "/segments", { query: q, signal }).then((r) => r.body);
/** Every saved segment, by name (the API's pages walked: a database may have more than one page of them). */
export async function allSegments(signal?: AbortSignal): Promise<Segment[]> {
  // The pages after the first are asked after an await: outside `readsStoppedBy`, so the signal is kept here.
  signal ??= pageSignal ?? undefined;
  const out: Segment[] = [];
  let cursor: string | null = null;
  do {
    const page = await listSegments({ sort: "name", limit: 1000, cursor }, signal);
    out.push(...page.items);
    cursor = page.next;
  } while (cursor);
  return out;
}
/**
 * The saved segments the segment form declares to its editor (`in segment` completion and checks), by name:
 * the form's first read, which the app also asks for ahead of the form's code.
 */
export const segmentsForForm = () => listSegments({ limit: 1000, sort: "name" });
/** One segment and its ETag. */
export const getSegment = (id: number, signal?: AbortSignal) => call<Segment>("GET", `/segments/${id}`, { signal });
/** Refreshes a saved segment now (and the segments reading it): what each refresh did (`skipped`: why not). */
export const refreshSegment = (id: number) => call<z.infer<typeof S.RefreshResultsSchema>>("POST", `/segments/${id}/refresh`).then((r) => r.body);
/** Creates a segment. */
export const createSegment = (body: { name: string; description?: string; kind: "static" | "dynamic"; expression?: string; members?: string[]; freeze?: string }) =>
  call<Segment>("POST", "/segments", { json: body });
/** Edits name, description and/or expression; `ifMatch` is the ETag the form was opened with. */
export const updateSegment = (id: number, changes: { name?: string; description?: string; expression?: string }, ifMatch: string | null) =>
  call<Segment>("PATCH", `/segments/${id}`, { json: changes, ifMatch });
/** Turns a dynamic segment into a static list of its members now; `ifMatch` is the ETag the page loaded. */
export const convertToStatic = (id: number, ifMatch: string | null) => call<Segment>("POST", `/segments/${id}/convert-to-static`, { ifMatch }).then((r) => r.body);
/** Deletes a segment (`force`: even when others read it). */
export const deleteSegment = (id: number, force = false) => call<null>("DELETE", `/segments/${id}`, { query: { force: force ? "true" : undefined } });
/**
 * A deleted segment, kept in the trash until it is restored or deleted for good (`GET /api/deleted-segments`).
 * `version` is the version the deletion made; `memberCount` its members when it was deleted.
 */
export type DeletedSegment = z.infer<typeof S.DeletedSegmentSchema>;
/** A page of deleted segments, the most recently deleted first. */
export const listDeletedSegments = (q: { search?: string; limit?: number; cursor?: string | null }, signal?: AbortSignal) => call<Page<DeletedSegment>>("GET", "/deleted-segments", { query: q, signal }).then((r) => r.body);
/**
 * Brings a deleted segment back (same id; a dynamic one's members are recomputed, a static one's list comes
 * back). `name`: under another name, when another segment has taken its own meanwhile (the 409 `name-taken`).
 */
export const restoreSegment = (id: number, name?: string) => call<Segment>("POST", `/deleted-segments/${id}/restore`, { json: name === undefined ? undefined : { name } }).then((r) => r.body);
/** Deletes a segment in the trash for good. */
export const purgeDeletedSegment = (id: number) => call<null>("DELETE", `/deleted-segments/${id}`);

/** Empties the trash: every deleted segment goes for good (`DELETE /api/deleted-segments`); resolves with how many. */
export const emptyTrash = () => call<{ purged: number }>("DELETE", "/deleted-segments").then((r) => r.body.purged);
/** Duplicates a segment ("Copy of X"). */
export const duplicateSegment = (id: number) => call<Segment>("POST", `/segments/${id}/duplicate`).then((r) => r.body);
/** Every saved version, oldest first. */
export const segmentVersions = (id: number, signal?: AbortSignal) => call<{ items: SegmentVersion[] }>("GET", `/segments/${id}/versions`, { signal }).then((r) => r.body.items);
/** A page of members (searchable, sortable). */
export const members = (id: number, q: { search?: string; orderBy?: string; descending?: boolean; limit?: number; cursor?: string | null }, signal?: AbortSignal) =>
  call<Page<Contact> & { total: number }>("GET", `/segments/${id}/members`, { query: q, signal }).then((r) => r.body);
/** A segment's changes, newest first. */
export const segmentChanges = (id: number, before: number | null, limit = 25, signal?: AbortSignal) =>
  call<{ items: MembershipChange[]; next: number | null }>("GET", `/segments/${id}/changes`, { query: { before, limit }, signal }).then((r) => r.body);
/** A segment's member count over time. */
export const memberCounts = (id: number, points = 120, signal?: AbortSignal) => call<{ items: MemberCountPoint[] }>("GET", `/segments/${id}/member-counts`, { query: { points }, signal }).then((r) => r.body.items);
/** Count, first page, SQL, per-condition counts and (with `segmentId`) the impact of an expression. */
export const preview = (body: { expression: string; limit?: number; dialect?: string; conditionCounts?: boolean; segmentId?: number; impactKeys?: number; orderBy?: string; descending?: boolean }, signal?: AbortSignal) =>
  call<Preview>("POST", "/preview", { json: body, signal, read: true }).then((r) => r.body);
/** Why / why not, for a saved segment (`GET /api/segments/{id}/why/{key}`, for `.` and `..` `…/why?key=`). */
export const whySegment = async (id: number, key: string, signal?: AbortSignal) => {
  const read = contactRead(key, (k) => `/segments/${id}/why/${k}`, `/segments/${id}/why`);
  return (await call<Why>("GET", read.path, { ...read.call, signal })).body;
};
/** What an upsert or an event append wrote, with the membership changes it caused (`WriteResultSchema`). */
export type WriteResult = z.infer<typeof S.WriteResultSchema>;
/**
 * Inserts or updates one contact by key (`POST /api/contacts`): the fields given (null clears one), others
 * kept. With `expected` (the key, field → the value read), only if those fields still hold them: else an
 * `ApiError` of kind `contact-changed` whose `conflicts` (`ContactConflict`) say what each holds now.
 */
export const upsertContact = (values: Record<string, unknown>, expected?: { key: string; fields: Record<string, unknown> }) =>
  // A computed key is an own property whatever the key (`__proto__` too), so JSON carries it.
  call<WriteResult>("POST", "/contacts", { json: expected === undefined ? { contacts: [values] } : { contacts: [values], expect: { [expected.key]: expected.fields } } }).then((r) => r.body);
/** A field an upsert expected to hold another value (a `contact-changed` problem's `conflicts`). */
export type ContactConflict = z.infer<typeof S.ContactConflictSchema>;
/** What deleting contacts did (`DeletedContactsSchema`): how many, their events, the segments they left. */
export type DeletedContacts = z.infer<typeof S.DeletedContactsSchema>;
/**
 * Deletes contacts by key with their events (`POST /api/contacts/delete`: any key, `.` and `..` too); with
 * `erase`, their history too (an erasure request: the feed keeps their rows without the key, the import
 * history's rows quoting them say "[erased]").
 */
export const deleteContacts = (keys: string[], options: { erase?: boolean } = {}) =>
  call<DeletedContacts>("POST", "/contacts/delete", { json: options.erase === true ? { keys, erase: true } : { keys } }).then((r) => r.body);
/** Records one event of a contact (`POST /api/events`), keyed by the events section's column names. */
export const recordEvent = (event: Record<string, unknown>) => call<WriteResult>("POST", "/events", { json: { events: [event] } }).then((r) => r.body);

/** A contact's values, the segments it is in now and its most recent events (newest first, at most 100). */
export type ContactRecord = z.infer<typeof S.ContactRecordSchema>;
/** One contact (`GET /api/contacts/{key}`, for `.`, `..` and `export` `GET /api/contact?key=`); a key that is no contact is a 404 `not-found`. */
export const getContact = async (key: string, signal?: AbortSignal) => {
  // `/contacts/export` is the contacts export (`GET /api/contacts/export`, routed before `/contacts/{key}`):
  // the contact keyed `export` is read with its key in the query, as `.` and `..` are.
  const read = key === "export" ? { path: "/contact", call: { query: { key } } } : contactRead(key, (k) => `/contacts/${k}`, "/contact");
  return (await call<ContactRecord>("GET", read.path, { ...read.call, signal })).body;
};

/** A contact's entries and exits, newest first (`GET /api/contacts/{key}/changes`, or `/contact/changes?key=`; `before`: the previous page's `next`). */
export const contactChanges = async (key: string, before: number | null, limit = 20, signal?: AbortSignal) => {
  const read = contactRead(key, (k) => `/contacts/${k}/changes`, "/contact/changes", { before: before ?? undefined, limit });
  return (await call<{ items: MembershipChange[]; next: number | null }>("GET", read.path, { ...read.call, signal })).body;
};

/** A page of a contact's events, newest first (`GET /api/contacts/{key}/events`, or `/contact/events?key=`; `cursor` from the contact's `eventsNext` or a page's `next`). */
export type ContactEventsPage = z.infer<typeof S.ContactEventsPageSchema>;
export const contactEvents = async (key: string, cursor: string, signal?: AbortSignal) => {
  const read = contactRead(key, (k) => `/contacts/${k}/events`, "/contact/events", { cursor, limit: 100 });
  return (await call<ContactEventsPage>("GET", read.path, { ...read.call, signal })).body;
};

/**
 * Where a read of one contact goes: its key percent-encoded as a path segment (`inPath`), except `.` and
 * `..`, which URLs read as "this" and "the parent" path step (`%2E` too), so `fetch` would ask another route;
 * those go in the query string instead (`inQuery?key=..`), which the API answers the same way.
 */
function contactRead(key: string, inPath: (segment: string) => string, inQuery: string, query: Call["query"] = {}): { path: string; call: Call } {
  if (key === "." || key === "..") return { path: inQuery, call: { query: { ...query, key } } };
  return { path: inPath(encodeURIComponent(key)), call: { query } };
}
/** Contacts by search text and/or filter expression. */
export const contacts = (q: { search?: string; filter?: string; orderBy?: string; descending?: boolean; limit?: number; cursor?: string | null }, signal?: AbortSignal) =>
  call<Page<Contact> & { total: number }>("GET", "/contacts", { query: q, signal }).then((r) => r.body);
/** Which keys are contacts; with `segmentId`, also which of them are that segment's members now. */
export async function lookupKeys(keys: readonly string[], segmentId?: number, signal?: AbortSignal): Promise<{ known: string[]; unknown: string[]; members: string[] }> {
  signal ??= pageSignal ?? undefined;
  const out = { known: [] as string[], unknown: [] as string[], members: [] as string[] };
  for (const batch of keyBatches(keys)) {
    const found = (await call<{ known: string[]; unknown: string[]; members?: string[] }>("POST", "/contacts/lookup", { json: segmentId === undefined ? { keys: batch } : { keys: batch, segmentId }, signal, read: true })).body;
    out.known.push(...found.known);
    out.unknown.push(...found.unknown);
    out.members.push(...(found.members ?? []));
  }
  return out;
}
/** Adds contacts to a static segment. */
export const addMembers = (id: number, keys: readonly string[]) => memberBatches(`/segments/${id}/members/add`, keys);
/** Removes contacts from a static segment. */
export const removeMembers = (id: number, keys: readonly string[]) => memberBatches(`/segments/${id}/members/remove`, keys);

/** A member edit sent as batches the API takes, one after the other; their counts summed. */
async function memberBatches(path: string, keys: readonly string[]): Promise<MemberUpdate> {
  const total: MemberUpdate = { changed: 0, unchanged: 0, unknown: [], memberCount: 0 };
  for (const batch of keyBatches(keys)) {
    const r = (await call<MemberUpdate>("POST", path, { json: { keys: batch, skipUnknown: true } })).body;
    total.changed += r.changed;
    total.unchanged += r.unchanged;
    total.unknown.push(...r.unknown);
    total.memberCount = r.memberCount;
  }
  return total;
}

const utf8 = new TextEncoder();

/**
 * Keys split into requests the API takes: at most 50,000 keys (it takes 100,000 in a list) and about 1.5 MB
 * of JSON (a key lookup's body may be 2 MB), so a pasted or uploaded list of any length goes through
 * instead of "Too big: expected array to have <=100000 items". Always at least one batch.
 */
export function keyBatches(keys: readonly string[], maxKeys = 50_000, maxBytes = 1_500_000): string[][] {
  const out: string[][] = [[]];
  let bytes = 0;
  for (const k of keys) {
    // The key's bytes in the request: its JSON string (escapes and UTF-8) and a comma.
    const size = utf8.encode(JSON.stringify(k)).length + 1;
    let last = out[out.length - 1]!;
    if (last.length > 0 && (last.length >= maxKeys || bytes + size > maxBytes)) {
      last = [];
      out.push(last);
      bytes = 0;
    }
    last.push(k);
    bytes += size;
  }
  return out;
}
/** Adds the current matches of an expression to a static segment. */
export const freeze = (id: number, expression: string) => call<MemberUpdate>("POST", `/segments/${id}/freeze`, { json: { expression } }).then((r) => r.body);
/** Checks an expression (`segmentId`: as an edit of that segment). */
export const checkExpression = (expression: string, segmentId?: number, signal?: AbortSignal) =>
  call<{ ok: boolean; diagnostics: ApiDiagnostic[] }>("POST", "/check", { json: { expression, segmentId }, signal, read: true }).then((r) => r.body);

/** One side of a rules diff: who moves that way, as a condition (null: nobody). */
export interface RulesDiffSide {
  nobody: boolean;
  everybody: boolean;
  condition: string | null;
  simplified: boolean;
}

/** Who enters and who leaves between two versions, by the rules alone (every possible contact). */
export interface RulesDiff {
  enters: RulesDiffSide;
  leaves: RulesDiffSide;
  same: boolean;
  notes: string[];
}

/** A version's rules for POST /api/diff: a text, or a saved segment's rules now. */
export type RulesOperand = { expression: string } | { segmentId: number };

/** The logical difference between two versions' rules (POST /api/diff). */
export const rulesDiff = (before: RulesOperand, after: RulesOperand, signal?: AbortSignal) => call<RulesDiff>("POST", "/diff", { json: { old: before, new: after }, signal, read: true }).then((r) => r.body);

// ---- imports ------------------------------------------------------------------------------------------------

/** What a file import reads: contacts (upserted by key) or events (appended). */
export type ImportKind = "contacts" | "events";

/** The file formats the import routes read (src/server/routes/imports.ts). */
export type ImportFormat = "csv" | "jsonl" | "json" | "parquet";

/**
 * The largest file the import routes take until the server says its own (`GET /api/health`'s
 * `limits.importBytes`): `segql serve`'s default. A bigger file is refused before its bytes are sent.
 */
export const MAX_IMPORT_BYTES = 128 * 1024 * 1024;

/**
 * What an import did (`ImportReportSchema`): rows read, contacts added and updated (events: appended), the
 * first 100 bad rows and their count (skipBad), and the refresh of every dynamic segment it triggered
 * (empty when nothing was written).
 */
export type ImportReport = z.infer<typeof S.ImportReportSchema>;

/** A bad row of a file: where (`upload.csv:12`, line 12, field) and why. Parquet numbers rows, not lines. */
export type ImportProblem = ImportReport["bad"][number];

/** What the refresh after an import did to one dynamic segment (`skipped` when its expression has problems). */
export type ImportRefresh = ImportReport["refreshed"][number];

/** Options of `importFile`. */
export interface ImportFileOptions {
  format: ImportFormat;
  /** The file is gzip: sent as it is with `Content-Encoding: gzip`, unpacked by the server. */
  gzipped?: boolean;
  /** Import the good rows and report the bad ones (default: one bad row refuses the whole file). */
  skipBad: boolean;
  /** Bytes sent so far of the file's size, while it uploads. */
  onUpload?(sent: number, total: number): void;
  /** Called once every byte is sent: the server is reading and writing the rows now. */
  onUploaded?(): void;
  /** Stops the upload; once the file is sent the server finishes the import whatever happens here. */
  signal?: AbortSignal;
}

/** An import the server runs on after receiving the file (`Prefer: respond-async`): polled for progress. */
export type ImportJob = z.infer<typeof S.ImportJobSchema>;

/**
 * Sends a file's contacts or events to import (`POST /api/{kind}/import` with `Prefer: respond-async`): its
 * bytes as the body, sent as application/octet-stream with `format` in the query (so any file works whatever
 * type the browser gives it). Resolves with the server's import job once the file is received (poll it with
 * `importJob`), or with a finished one when the server answered with the report at once. Through
 * XMLHttpRequest rather than fetch: only it reports an upload's progress, which a file of many MB needs.
 * Failures are `ApiError`s as for every other call: 413 with the server's `limit`, 429 with four imports
 * running, a token wanted (401).
 */
export function importFile(kind: ImportKind, file: Blob, options: ImportFileOptions): Promise<ImportJob> {
  const url = new URL(`${BASE}/${kind}/import`, document.baseURI);
  url.searchParams.set("format", options.format);
  // The report names the file as the user knows it (`contacts.csv:12`); a name the API would refuse is left out.
  if (file instanceof File && /^[^\u0000-\u001f\u007f/\\]{1,255}$/.test(file.name)) url.searchParams.set("filename", file.name);
  if (options.skipBad) url.searchParams.set("skipBad", "true");
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url.href);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.setRequestHeader("Prefer", "respond-async");
    if (options.gzipped) xhr.setRequestHeader("Content-Encoding", "gzip");
    const token = savedToken();
    if (token) xhr.setRequestHeader("Authorization", `Bearer ${token}`);
    const user = savedUser();
    // As in `call`: header values are Latin-1, a name outside it goes percent-encoded.
    if (user !== "") xhr.setRequestHeader("Segql-User", /^[\x20-\x7e\xa0-\xff]*$/.test(user) ? user : encodeURIComponent(user));
    xhr.upload.onprogress = (e) => options.onUpload?.(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.upload.onload = () => options.onUploaded?.();
    xhr.onerror = () => reject(unanswered(new Error("the connection failed")));
    xhr.onabort = () => reject(new DOMException("The upload was cancelled", "AbortError"));
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = xhr.responseText === "" ? null : JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      if (xhr.status === 202 && body !== null) return resolve(body as ImportJob);
      if (xhr.status === 200 && body !== null) {
        // A server that ran the import before answering: the job is over.
        const report = body as ImportReport;
        const at = new Date().toISOString();
        return resolve({ id: "", kind, file: report.file, format: options.format, state: "done", rows: report.rows, total: report.rows, startedAt: at, finishedAt: at, report, problem: null });
      }
      const p = body && typeof body === "object" && "type" in body ? (body as Problem) : null;
      reject(new ApiError(p ?? { type: "urn:segql:problem:http", title: xhr.statusText, status: xhr.status, detail: `${xhr.status} ${xhr.statusText}: the server's answer was not a problem document (is this the segments API?)` }));
    };
    if (options.signal?.aborted) return reject(new DOMException("The upload was cancelled", "AbortError"));
    options.signal?.addEventListener("abort", () => xhr.abort(), { once: true });
    xhr.send(file);
  });
}

/** The import jobs the server keeps, the latest first (`GET /api/imports`): one still running was started elsewhere or before a reload. */
export const importJobs = () => call<{ items: ImportJob[] }>("GET", "/imports").then((r) => r.body.items);

/** An import job now (`GET /api/imports/{id}`). */
export const importJob = (id: string) => call<ImportJob>("GET", `/imports/${encodeURIComponent(id)}`).then((r) => r.body);

/** Cancels an import job (`DELETE /api/imports/{id}`); resolves with the job once it has ended, however it ended. */
export const cancelImportJob = (id: string) => call<ImportJob>("DELETE", `/imports/${encodeURIComponent(id)}`).then((r) => r.body);

/** One import of the store's history (`GET /api/import-history`): done, failed (its bad rows) or cancelled. */
export type ImportRecord = z.infer<typeof S.ImportRecordSchema>;

/** The import history, the latest first, a page at a time. */
export const importHistory = (q: { limit?: number; cursor?: string | null }, signal?: AbortSignal) =>
  call<{ items: ImportRecord[]; next: string | null }>("GET", "/import-history", { query: q, signal }).then((r) => r.body);

// ---- comparing two segments ----------------------------------------------------------------------------------

/**
 * How two conditions relate over every possible contact (`POST /api/relate`): `equal`, `subset` (A ⊆ B),
 * `superset`, `disjoint`, `overlapping` or `unknown`, with witness contacts where they differ.
 */
export type Relation = z.infer<typeof S.RelationSchema>;

/** A contact the analysis made up to show a difference (or a shared contact): its values, events and `now`. */
export type RelationWitness = Relation["witnesses"][number];

/** How two saved segments (or expressions) relate by their rules alone (`POST /api/relate`). */
export const relateSegments = (a: RulesOperand, b: RulesOperand, signal?: AbortSignal) => call<Relation>("POST", "/relate", { json: { a, b }, signal, read: true }).then((r) => r.body);

/** How many contacts match an expression now (`POST /api/preview` without rows, SQL dialect or per-condition counts). */
export const countMatches = (expression: string, signal?: AbortSignal) => preview({ expression, limit: 0, conditionCounts: false }, signal).then((p) => p.count);
