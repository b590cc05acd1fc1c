/**
 * Contacts and events: search and page contacts (the contact picker), one contact with its segments,
 * upserts and event appends. Writes re-evaluate the dynamic segments for the contacts they touch at once,
 * and the membership changes they caused come back in the response (and are in the change feed).
 */
import { createRoute, z } from "@hono/zod-openapi";
import { clip } from "../../diagnostics.js";
import { InvalidInputError, NotFoundError, UnknownKeysError, type DeletedContacts, type Store, type UpsertContactsOptions } from "../../store/index.js";
import { exportContacts, InvalidExpressionError, MEMBER_EXPORT_TYPES } from "../../store/index.js";
import { filterProblem, searchContacts } from "../contact-search.js";
import {
  AppendEventsBody,
  ContactChangedProblemSchema,
  ContactChangesKeyQuery,
  ContactEventsKeyQuery,
  ContactEventsPageSchema,
  ContactEventsQuery,
  ContactPageSchema,
  ContactRecordSchema,
  ContactsExportQuery,
  ContactsQuery,
  DeleteContactQuery,
  DeleteContactsBody,
  DeletedContactsSchema,
  KeyParams,
  KeyQuery,
  LookupBody,
  LookupSchema,
  SegmentChangesPageSchema,
  SegmentChangesQuery,
  UpsertContactsBody,
  WriteHeaders,
  WriteResultSchema,
} from "../schemas.js";
import { unwrapCursor, wrapCursor } from "../cursor.js";
import { PROBLEM_MEDIA_TYPE } from "../problems.js";
import { exportSignal, jsonBody, jsonResponse, problemResponses, streamedResponse, writeProblemResponses, writer, type Api, type RouteContext } from "./kit.js";
import { attachment } from "./members.js";

const tags = ["contacts"];

/**
 * Runs a write whose rows the store names `rows[i]`, naming them as the request body does instead
 * (`contacts[i].ltv`), so a problem's path points into what the client sent.
 */
async function inBody<T>(property: "contacts" | "events", run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (!(e instanceof InvalidInputError)) throw e;
    const rename = (text: string) => text.replace(/(^|[\s(])rows\[/g, `$1${property}[`);
    const renamed = new InvalidInputError(e.problems.map((p) => ({ ...p, path: rename(p.path), message: rename(p.message) })), e.total);
    throw renamed;
  }
}

/** `GET /api/contacts/{key}` and `GET /api/contact?key=`: one contact, its segments and recent events. */
const ONE_CONTACT = {
  summary: "One contact",
  description: "Its values, the segments it is in now and its most recent events.",
  responses: { 200: jsonResponse(ContactRecordSchema, "The contact"), ...problemResponses(400, 404) },
};

/** `GET /api/contacts/{key}/events` and `GET /api/contact/events?key=`. */
const CONTACT_EVENTS = {
  summary: "A contact's events",
  description: "All its events, newest first, a page at a time, with how many it has.",
  responses: { 200: jsonResponse(ContactEventsPageSchema, "A page of events"), ...problemResponses(400, 404) },
};

/** `GET /api/contacts/{key}/changes` and `GET /api/contact/changes?key=`. */
const CONTACT_CHANGES = {
  summary: "A contact's entered / exited feed, newest first",
  description:
    "The segments it entered and left, and when, in every segment (a contact deleted since keeps its log). Pass `next` as `before` for older changes (`next: null`: the oldest was returned).",
  responses: { 200: jsonResponse(SegmentChangesPageSchema, "A page of changes"), ...problemResponses(400) },
};

/** The words of a read's query form: the path form's, saying where the key goes and why. */
function inQuery<T extends { summary: string; description: string }>(read: T): T {
  return {
    ...read,
    summary: `${read.summary} (the key in the query)`,
    description: `${read.description} The same answer as the \`/{key}\` path, for any key: \`.\` and \`..\` too, which no URL path can carry (they are path steps).`,
  };
}

/** One contact, its events cursor wrapped as the events routes take it. */
async function readContact(store: Store, key: string) {
  const contact = await store.getContact(key);
  return { ...contact, eventsNext: wrapCursor("contact-events", contact.eventsNext) };
}

/** A page of a contact's events (default 100), the cursor the client holds unwrapped and the next wrapped. */
async function readContactEvents(store: Store, key: string, q: { limit?: number; cursor?: string }) {
  const page = await store.contactEvents(key, { limit: q.limit ?? 100, cursor: unwrapCursor("contact-events", q.cursor) });
  return { ...page, next: wrapCursor("contact-events", page.next) };
}

/** A page of a contact's entries and exits, newest first. */
async function readContactChanges(store: Store, key: string, q: { before?: number; limit?: number }) {
  return store.contactChanges(key, { before: q.before, limit: q.limit });
}

/** The name of an export's file: what it holds, in words a file list shows. */
export function contactExportFileName(search: string, filter: string, format: string): string {
  const found = search !== "" ? ` matching ${clip(search, 41)}` : "";
  return `contacts${found}${filter !== "" ? " (filtered)" : ""}.${format}`;
}

/**
 * `GET /api/contacts/export`: the contacts a search and/or filter finds as a file, streamed as the segment
 * export is (`exportContacts`: by key, a page at a time). The first chunk is read before answering, so a
 * filter with errors is a 422 with its diagnostics, not a file that ends early.
 */
function registerContactExportRoute(app: Api, { store, log }: RouteContext): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/contacts/export",
      tags,
      summary: "Export the contacts a search and/or filter finds",
      description:
        "Every contact that `GET /api/contacts` finds for the same `search` and `filter` (every contact without them), with its values, in key order, as a file: CSV (UTF-8 with a byte-order mark, RFC 4180; what `segql import` reads back) or JSON Lines, as `GET /api/segments/{id}/export` writes. " +
        "Streamed a page at a time by key, so any number works and writes go on meanwhile (a contact written during the export may or may not be in it; none appears twice). A filter with errors is a 422 with its diagnostics before any byte. " +
        "Each page's read runs under the server's query time limit (`segql serve --query-timeout`, default 30 s): a filter the database cannot run in time is a 422 `query-timeout` on the first page, before any byte; a client that goes away stops the read. " +
        "(A contact whose key is `export` is read with `GET /api/contact?key=export`.)",
      request: { query: ContactsExportQuery },
      responses: {
        200: {
          description: "The contacts",
          content: { "text/csv": { schema: z.string().openapi({ example: "customer_id,tenure\r\n7590-VHVEG,1\r\n" }) }, "application/x-ndjson": { schema: z.string() } },
        },
        ...problemResponses(400, 409, 422),
      },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const format = q.format ?? "csv";
      const search = q.search?.trim() ?? "";
      const filter = q.filter?.trim() ?? "";
      const reads = exportSignal(c);
      const chunks = exportContacts(store, { format, signal: reads.signal, spreadsheetSafe: q.spreadsheetSafe !== false, ...(search !== "" ? { search } : {}), ...(filter !== "" ? { filter: q.filter } : {}) });
      // The first chunk is read before answering (HEAD too: it says what GET would, a bad filter included,
      // reading one page at most), so a problem there is an ordinary problem response.
      let first: IteratorResult<string, void>;
      try {
        first = await chunks.next();
      } catch (e) {
        if (!(e instanceof InvalidExpressionError)) throw e;
        throw filterProblem(e.text, e.diagnostics);
      }
      const headers = {
        "Content-Type": MEMBER_EXPORT_TYPES[format],
        "Content-Disposition": attachment(contactExportFileName(search, filter, format)),
        "Cache-Control": "no-store",
      };
      if (c.req.method === "HEAD") {
        await chunks.return(undefined);
        return new Response(null, { status: 200, headers });
      }
      return streamedResponse(first, chunks, headers, log, "the export of contacts", reads);
    },
  );
}

/** Registers the contact and event routes. */
export function registerContactRoutes(app: Api, context: RouteContext): void {
  const { store } = context;
  /** After an erasure, the server's finished import jobs quoting an erased key are forgotten too (counted in `erased`). */
  const eraseJobs = (result: DeletedContacts, keys: readonly string[]): DeletedContacts & { erased?: { importJobs?: number } } => {
    if (!result.erased) return result;
    const unknown = new Set(result.unknown);
    return { ...result, erased: { ...result.erased, importJobs: context.imports.forgetQuoting(keys.filter((k) => !unknown.has(k))) } };
  };
  // Before `/api/contacts/{key}`: Hono tries routes in the order they are registered, so the static path
  // must come first to be reachable (a contact keyed `export` is read with `GET /api/contact?key=export`;
  // its `/events` and `/changes` paths are deeper and unaffected).
  registerContactExportRoute(app, context);
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/contacts",
      tags,
      summary: "Search contacts",
      description:
        "Contacts whose fields contain `search` and/or that match the `filter` expression, sorted by any field, a page at a time (in the database); `total` counts every match. " +
        "With a `filter`, a read running past the server's query time limit (`segql serve --query-timeout`, default 30 s) is stopped: 422 `query-timeout`.",
      request: { query: ContactsQuery },
      responses: { 200: jsonResponse(ContactPageSchema, "A page of contacts"), ...problemResponses(400, 409, 422) },
    }),
    async (c) => c.json(await searchContacts(store, c.req.valid("query"), c.req.raw.signal), 200),
  );

  // Each read of one contact has two addresses with one answer: the key in the path, and (for any key,
  // `.` and `..` too, which URLs read as path steps) in the query. Both run the same reader.
  app.openapi(
    createRoute({ method: "get", path: "/api/contacts/{key}", tags, ...ONE_CONTACT, request: { params: KeyParams } }),
    async (c) => c.json(await readContact(store, c.req.valid("param").key), 200),
  );
  app.openapi(
    createRoute({ method: "get", path: "/api/contact", tags, ...inQuery(ONE_CONTACT), request: { query: KeyQuery } }),
    async (c) => c.json(await readContact(store, c.req.valid("query").key), 200),
  );

  app.openapi(
    createRoute({ method: "get", path: "/api/contacts/{key}/events", tags, ...CONTACT_EVENTS, request: { params: KeyParams, query: ContactEventsQuery } }),
    async (c) => c.json(await readContactEvents(store, c.req.valid("param").key, c.req.valid("query")), 200),
  );
  app.openapi(
    createRoute({ method: "get", path: "/api/contact/events", tags, ...inQuery(CONTACT_EVENTS), request: { query: ContactEventsKeyQuery } }),
    async (c) => c.json(await readContactEvents(store, c.req.valid("query").key, c.req.valid("query")), 200),
  );

  app.openapi(
    createRoute({ method: "get", path: "/api/contacts/{key}/changes", tags, ...CONTACT_CHANGES, request: { params: KeyParams, query: SegmentChangesQuery } }),
    async (c) => c.json(await readContactChanges(store, c.req.valid("param").key, c.req.valid("query")), 200),
  );
  app.openapi(
    createRoute({ method: "get", path: "/api/contact/changes", tags, ...inQuery(CONTACT_CHANGES), request: { query: ContactChangesKeyQuery } }),
    async (c) => c.json(await readContactChanges(store, c.req.valid("query").key, c.req.valid("query")), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/contacts/lookup",
      tags,
      summary: "Which keys are contacts",
      description:
        "For a pasted or uploaded list of keys: the keys that are contacts and those that are not (each key once, in the order given); with `segmentId`, also the known keys that are its members now (404 when there is no such segment).",
      request: { body: jsonBody(LookupBody) },
      responses: { 200: jsonResponse(LookupSchema, "Known and unknown keys"), ...problemResponses(400, 404, 413, 415) },
    }),
    async (c) => {
      const { keys, segmentId } = c.req.valid("json");
      return c.json(await store.findContactKeys(keys, segmentId !== undefined ? { segmentId } : {}), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/api/contacts/{key}",
      tags,
      summary: "Delete a contact",
      description:
        "Deletes the contact and its events; it leaves every segment it was in (each exit in the change feed), static lists included. Cannot be undone. 404 when no contact has the key. (Keys `.` and `..` cannot be a URL path step: use `POST /api/contacts/delete`.) " +
        "With `erase=true` (an erasure request), in the same transaction: its change-feed rows keep their seq but lose the key (`\"\"`: a follower sees a member of that segment left, not who), and import-history bad rows quoting its key or a text value say `[erased]`; `erased` in the answer counts them and lists the segments whose definitions still quote it. See docs/store.md, \"Erasing a contact\".",
      request: { params: KeyParams, query: DeleteContactQuery, headers: WriteHeaders },
      responses: { 200: jsonResponse(DeletedContactsSchema, "What was deleted and the segments it left"), ...writeProblemResponses(400, 404, 413, 415) },
    }),
    async (c) => {
      const { key } = c.req.valid("param");
      const { erase } = c.req.valid("query");
      try {
        return c.json(await eraseJobs(await store.deleteContacts([key], { by: writer(c), erase: erase ?? false }), [key]), 200);
      } catch (e) {
        if (e instanceof UnknownKeysError) throw new NotFoundError("contact", key);
        throw e;
      }
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/contacts/delete",
      tags,
      summary: "Delete contacts",
      description:
        "Deletes up to 10,000 contacts by key, with their events, in one transaction; each leaves every segment it was in (each exit in the change feed). A key that is no contact refuses the whole request (422 `unknown-keys`, nothing deleted) unless `skipUnknown`. Cannot be undone. " +
        "With `\"erase\": true` (an erasure request), in the same transaction: their change-feed rows keep their seq but lose the key (`\"\"`), and import-history bad rows quoting a key or a text value say `[erased]`; `erased` in the answer counts them and lists the segments whose definitions still quote one.",
      request: { headers: WriteHeaders, body: jsonBody(DeleteContactsBody) },
      responses: { 200: jsonResponse(DeletedContactsSchema, "What was deleted and the segments they left"), ...writeProblemResponses(400, 413, 415, 422) },
    }),
    async (c) => {
      const { keys, skipUnknown, erase } = c.req.valid("json");
      return c.json(await eraseJobs(await store.deleteContacts(keys, { by: writer(c), skipUnknown: skipUnknown ?? false, erase: erase ?? false }), keys), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/contacts",
      tags,
      summary: "Upsert contacts",
      description:
        "Inserts or updates contacts by key (fields left out keep their values; null clears). Dynamic segments are re-evaluated for them at once; the membership changes are returned. " +
        'An editor that must not overwrite what someone else saved meanwhile sends `expect`: contact key → field → the value it read, for the fields it writes (`{"contacts": [{"id": "c1", "plan": "Pro"}], "expect": {"c1": {"plan": "Basic"}}}`). ' +
        "Inside the write, before anything is written, each is compared with the value stored now as typed values (a time as its instant, a number as a number, a list item by item; null, `\"\"` and a value differ): if any differs, or the contact was deleted, nothing in the request is written and the answer is a 409 `contact-changed` whose `conflicts` name each key and field with the value expected and the value stored. " +
        "Fields not expected are written as without `expect`, so two people changing different fields of one contact both save. An expectation for an unknown field, or for a contact or field the request does not write, is a 422 naming it (`expect[\"c1\"].plan`).",
      request: { headers: WriteHeaders, body: jsonBody(UpsertContactsBody) },
      responses: {
        200: jsonResponse(WriteResultSchema, "What was written and the membership changes"),
        ...writeProblemResponses(400, 413, 415, 422),
        409: { description: "An expected value is no longer stored (`contact-changed`): nothing was written", content: { [PROBLEM_MEDIA_TYPE]: { schema: ContactChangedProblemSchema } } },
      },
    }),
    async (c) => {
      const { contacts, expect } = c.req.valid("json");
      // The shape inside `expect` is the store's to check: it names each problem's place.
      const expected = expect as UpsertContactsOptions["expect"];
      return c.json(await inBody("contacts", () => store.upsertContacts(contacts, { by: writer(c), ...(expected !== undefined ? { expect: expected } : {}) })), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/events",
      tags,
      summary: "Append events",
      description:
        "Events keyed by the schema's events column names, properties in `properties`. Their contacts must exist. Dynamic segments are re-evaluated for those contacts at once.",
      request: { headers: WriteHeaders, body: jsonBody(AppendEventsBody) },
      responses: { 200: jsonResponse(WriteResultSchema, "What was written and the membership changes"), ...writeProblemResponses(400, 413, 415, 422) },
    }),
    async (c) => c.json(await inBody("events", () => store.appendEvents(c.req.valid("json").events, { by: writer(c) })), 200),
  );
}
