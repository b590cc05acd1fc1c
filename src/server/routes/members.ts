/**
 * Members: the current members of any segment (paged, sortable), the members at a past instant (from the
 * change log), and for static segments adding and removing contacts by key (JSON, or a CSV / JSON Lines
 * upload) and freezing the current matches of an expression. Unknown keys are a 422 listing them and
 * nothing changes, unless `skipUnknown` is asked for: then the known keys change and the unknown ones
 * come back in `unknown`.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { createHash } from "node:crypto";
import type { Context } from "hono";
import { exportMembers, MEMBER_EXPORT_TYPES, type SegmentId, type Store } from "../../store/index.js";
import { unwrapCursor, wrapCursor } from "../cursor.js";
import { keyListFormat, readKeyList } from "../key-lists.js";
import { ProblemError } from "../problems.js";
import {
  FreezeBody,
  IdParams,
  instantOf,
  MembersAtQuery,
  MembersAtSchema,
  MembersBody,
  MembersPageSchema,
  MembersQuery,
  MemberUpdateSchema,
  WriteHeaders,
} from "../schemas.js";
import { exportSignal, jsonBody, jsonResponse, problemResponses, streamedResponse, writeProblemResponses, writer, type Api, type RouteContext } from "./kit.js";

const tags = ["members"];

const ExportQuery = z.strictObject({
  format: z.enum(["csv", "jsonl"], { error: "expected csv or jsonl" }).optional().openapi({ description: "csv (default: for spreadsheets) or jsonl (JSON Lines: exact values, for pipelines)." }),
  spreadsheetSafe: z
    .enum(["true", "false"], { error: "expected true or false" })
    .transform((v) => v === "true")
    .optional()
    .openapi({
      type: "boolean",
      description: "CSV: a text cell a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage return; not a signed number such as a phone number) gets a ' before it (default true; false for a file a program reads back).",
    }),
});

const UploadQuery = z.strictObject({
  skipUnknown: z
    .enum(["true", "false"], { error: "expected true or false" })
    .transform((v) => v === "true")
    .optional()
    .openapi({ type: "boolean", description: "Uploads: change the known keys and report the unknown ones." }),
  header: z
    .enum(["true", "false"], { error: "expected true or false" })
    .transform((v) => v === "true")
    .optional()
    .openapi({ type: "boolean", description: "CSV uploads: whether the first row is a header (default: when one of its cells names the key column or says `key`)." }),
});

const keysBody = {
  required: false,
  description: "The keys: JSON `{keys, skipUnknown?}`, or a CSV (`text/csv`) or JSON Lines (`application/x-ndjson`) list of keys.",
  content: {
    "application/json": { schema: MembersBody },
    // `key` names the key column whatever the schema calls it: the examples work against any database.
    "text/csv": { schema: z.string().openapi({ example: "key\n7590-VHVEG\n5575-GNVDE\n" }) },
    "application/x-ndjson": { schema: z.string().openapi({ example: '"7590-VHVEG"\n{"key": "5575-GNVDE"}\n' }) },
  },
} as const;

/** The keys and options of a member edit, from JSON or an uploaded list. */
async function memberKeys(c: Context, store: Store, json: { keys?: string[]; skipUnknown?: boolean }, query: { skipUnknown?: boolean; header?: boolean }) {
  const format = keyListFormat(c.req.header("content-type"));
  if (format === null) {
    if (json.keys === undefined) {
      throw new ProblemError("invalid-request", "send the keys as JSON {\"keys\": [...]}, or a CSV (text/csv) or JSON Lines (application/x-ndjson) list", {
        issues: [{ in: "body", path: "keys", code: "invalid_type", message: "expected an array, found nothing (required)" }],
      });
    }
    if (query.header !== undefined) {
      throw new ProblemError("invalid-request", "the header option is for CSV uploads", {
        issues: [{ in: "query", path: "header", code: "unrecognized_keys", message: "only with text/csv" }],
      });
    }
    return { keys: json.keys, skipUnknown: json.skipUnknown ?? query.skipUnknown ?? false };
  }
  const read = readKeyList(await c.req.text(), format, store.schema.key, query.header);
  if (!read.ok) {
    const where = read.problems.slice(0, 3).map((p) => `line ${p.line}: ${p.message}`).join("; ");
    throw new ProblemError("invalid-request", `the ${format === "csv" ? "CSV" : "JSON Lines"} list has ${read.total === 1 ? "a problem" : `${read.total} problems`}: ${where}`, {
      issues: read.problems.map((p) => ({ in: "body", path: `line ${p.line}`, line: p.line, code: "invalid_line", message: p.message })),
      total: read.total,
    });
  }
  if (read.keys.length === 0) {
    throw new ProblemError("invalid-request", "the list holds no keys", { issues: [{ in: "body", path: "", code: "too_small", message: "no keys" }] });
  }
  return { keys: read.keys, skipUnknown: query.skipUnknown ?? false };
}

/** Registers the member routes. */
export function registerMemberRoutes(app: Api, { store, log }: RouteContext): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/segments/{id}/members",
      tags,
      summary: "Members now",
      description: "A page of the members with their contact values, sorted by any field (default the key); with `search`, only the members whose fields contain it.",
      request: { params: IdParams, query: MembersQuery },
      responses: { 200: jsonResponse(MembersPageSchema, "A page of members"), ...problemResponses(400, 404, 409, 422) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const q = c.req.valid("query");
      // The store's cursors are positions in a list: wrapped with the list they belong to (segment, order,
      // search), so one of another list, or a made-up one, is the 400 docs/api.md promises, not a page of
      // something else (or a 422 from the store).
      const list = `members-${createHash("sha256").update(JSON.stringify([id, q.orderBy ?? null, q.descending === true, q.search?.trim() ?? ""])).digest("base64url").slice(0, 16)}`;
      const options = { limit: q.limit ?? 50, cursor: unwrapCursor(list, q.cursor), orderBy: q.orderBy, descending: q.descending };
      // With search text: the members among the contacts found (in SQL), `total` counting those; a client
      // that goes away stops that read.
      const page = q.search?.trim() ? await store.listContacts({ ...options, segmentId: id, search: q.search, signal: c.req.raw.signal }) : await store.members(id, options);
      return c.json({ ...page, next: wrapCursor(list, page.next) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/segments/{id}/members-at",
      tags,
      summary: "Members at a past instant",
      description: "The member keys at `at`, replayed from the change log (sorted).",
      request: { params: IdParams, query: MembersAtQuery },
      responses: { 200: jsonResponse(MembersAtSchema, "The keys"), ...problemResponses(400, 404, 422) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const at = new Date(instantOf(c.req.valid("query").at));
      const keys = await store.membersAt(id, at);
      return c.json({ at: at.toISOString(), keys, count: keys.length }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/segments/{id}/export",
      tags,
      summary: "Export the members",
      description:
        "Every member with its contact values, in key order, as a file: CSV (UTF-8 with a byte-order mark, RFC 4180; blank = empty, lists as JSON arrays; what `segql import` reads back) or JSON Lines. " +
        "Streamed, so any size works and reads and writes go on meanwhile: on DuckDB the members when the export started (one snapshot); on PostgreSQL a page at a time by key (a contact that enters or leaves during the export may or may not be in it, none appears twice). " +
        "A failure after the first bytes (on PostgreSQL, the segment deleted meanwhile) breaks the transfer off rather than end the file early. " +
        "Each step of the read (the query up to its first rows, then each chunk) runs under the server's query time limit (422 `query-timeout` before the first byte; after it, the transfer breaks off); a client that goes away stops the read.",
      request: { params: IdParams, query: ExportQuery },
      responses: {
        200: {
          description: "The members",
          content: { "text/csv": { schema: z.string().openapi({ example: "customer_id,tenure\r\n7590-VHVEG,1\r\n" }) }, "application/x-ndjson": { schema: z.string() } },
        },
        ...problemResponses(400, 404, 409, 422),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const q = c.req.valid("query");
      const format = q.format ?? "csv";
      const segment = await store.getSegment(id);
      const headers = {
        "Content-Type": MEMBER_EXPORT_TYPES[format],
        "Content-Disposition": attachment(`${segment.name}.${format}`),
        "Cache-Control": "no-store",
      };
      // HEAD answers what GET would (404 for an unknown segment, the file's type and name) without reading
      // the members: a client probing a link must not cost a whole export.
      if (c.req.method === "HEAD") return new Response(null, { status: 200, headers });
      const reads = exportSignal(c);
      const chunks = exportMembers(store, id, { format, signal: reads.signal, ...(q.spreadsheetSafe !== undefined ? { spreadsheetSafe: q.spreadsheetSafe } : {}) });
      // The first chunk is read before answering, so a problem there is an ordinary problem response.
      const first = await chunks.next();
      return streamedResponse(first, chunks, headers, log, `the export of segment #${id}`, reads);
    },
  );

  const edit = (action: "add" | "remove") =>
    app.openapi(
      createRoute({
        method: "post",
        path: `/api/segments/{id}/members/${action}`,
        tags,
        summary: action === "add" ? "Add members (static segments)" : "Remove members (static segments)",
        description:
          "Keys as JSON, CSV or JSON Lines. Keys that are not contacts: 422 `unknown-keys` listing them and nothing changed, or with `skipUnknown` the known ones change and the unknown ones are returned.",
        request: { params: IdParams, query: UploadQuery, headers: WriteHeaders, body: keysBody },
        responses: { 200: jsonResponse(MemberUpdateSchema, "What changed"), ...writeProblemResponses(400, 404, 413, 415, 422) },
      }),
      async (c) => {
        const { id } = c.req.valid("param");
        const { keys, skipUnknown } = await memberKeys(c, store, c.req.valid("json") as { keys?: string[]; skipUnknown?: boolean }, c.req.valid("query"));
        const options = { by: writer(c), skipUnknown };
        const sid: SegmentId = id;
        const result = action === "add" ? await store.addMembers(sid, keys, options) : await store.removeMembers(sid, keys, options);
        return c.json(result, 200);
      },
    );
  edit("add");
  edit("remove");

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/segments/{id}/freeze",
      tags,
      summary: "Freeze the matches of an expression into a static segment",
      description: "The contacts matching the expression now become members (a snapshot).",
      request: { params: IdParams, headers: WriteHeaders, body: jsonBody(FreezeBody) },
      responses: { 200: jsonResponse(MemberUpdateSchema, "What changed"), ...writeProblemResponses(400, 404, 413, 415, 422) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const result = await store.addMatchingMembers(id, c.req.valid("json").expression, { by: writer(c) });
      return c.json(result, 200);
    },
  );
}

/**
 * A `Content-Disposition` for a download named after user text: an ASCII `filename` (other characters,
 * quotes and controls as `_`) and the exact name as RFC 5987's `filename*`.
 */
export function attachment(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\/:*?<>|]/g, "_");
  const exact = encodeURIComponent(name).replace(/['()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${exact}`;
}
