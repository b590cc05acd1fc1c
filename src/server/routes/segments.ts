/**
 * Segments: list (search, sort, cursor pages), create, get, edit (rename included), delete, duplicate,
 * convert to static, version history. Edits honour `If-Match` (see etag.ts): a stale tag is a 412 carrying
 * both versions, the one the caller based the edit on and the current one, and nothing is written.
 */
import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { clip } from "../../diagnostics.js";
import { ConflictError, type Segment, type SegmentId, type SegmentOrder, type Store } from "../../store/index.js";
import { unwrapCursor, wrapCursor } from "../cursor.js";
import { parseIfMatch, segmentEtag, versionOfTag } from "../etag.js";
import { ProblemError } from "../problems.js";
import {
  CreateSegmentBody,
  DeleteQuery,
  DuplicateBody,
  EditHeaders,
  IdParams,
  ListSegmentsQuery,
  MemberCountsQuery,
  MemberCountsSchema,
  SEGMENT_SORTS,
  SegmentChangesPageSchema,
  SegmentChangesQuery,
  SegmentPageSchema,
  SegmentSchema,
  SegmentVersionSchema,
  UpdateSegmentBody,
  WriteHeaders,
} from "../schemas.js";
import { segmentJson } from "../serialize.js";
import { ETAG_HEADER, jsonBody, jsonResponse, MADE_SEGMENT_HEADERS, optionalJsonBody, problemResponses, writeProblemResponses, writer, type Api, type RouteContext } from "./kit.js";
import { z } from "@hono/zod-openapi";

const tags = ["segments"];

/** Sets the segment's ETag and returns its JSON. */
function withEtag(c: Context, s: Segment) {
  c.header("ETag", segmentEtag(s.version));
  return segmentJson(s);
}

/**
 * The version an edit must find, from `If-Match`: undefined when the header is absent (edits without it
 * are allowed: last write wins, documented) or `*`. A list of tags that cannot match the current version
 * is a 412 at once.
 */
export async function expectedVersion(c: Context, store: Store, id: SegmentId, changes: unknown): Promise<number | undefined> {
  const header = c.req.header("if-match");
  if (header === undefined) return undefined;
  const ifMatch = parseIfMatch(header);
  if (ifMatch.any) {
    await store.getSegment(id); // `*` matches any current representation: 404 when there is none
    return undefined;
  }
  const versions = ifMatch.tags.map(versionOfTag).filter((v): v is number => v !== null);
  if (versions.length === 1) return versions[0];
  const current = await store.getSegment(id);
  if (versions.includes(current.version)) return current.version;
  if (versions.length > 0) throw await staleProblem(store, new ConflictError(versions[0]!, current), changes);
  // Weak tags (never matching), or tags of no version this server made: said as such, not as "version 0".
  const detail = `the If-Match header (${clip(header, 100)}) names no version of segment #${current.id} ${JSON.stringify(current.name)}; its current version's tag is ${segmentEtag(current.version)} (weak tags, W/"…", never match): reload it and apply your change again`;
  throw await staleProblem(store, new ConflictError(0, current), changes, detail);
}

/** The 412 for a stale edit: yours (the version you read and what you sent) and the current segment. */
export async function staleProblem(store: Store, e: ConflictError, changes: unknown, detail = e.message): Promise<ProblemError> {
  const versions = await store.segmentVersions(e.current.id).catch(() => []);
  const basedOn = versions.find((v) => v.version === e.expectedVersion) ?? null;
  return new ProblemError(
    "stale-version",
    detail,
    { yours: { version: e.expectedVersion, segment: basedOn, changes }, current: segmentJson(e.current) },
    { ETag: segmentEtag(e.current.version) },
  );
}

/** Runs an edit, turning the store's conflict into the 412 with both versions. */
async function guarded<T>(store: Store, changes: unknown, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof ConflictError) throw await staleProblem(store, e, changes);
    throw e;
  }
}

/** Registers the segment routes. */
export function registerSegmentRoutes(app: Api, { store }: RouteContext): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/segments",
      tags,
      summary: "List segments",
      description: `Segments matching the filters, a page at a time. Sorts: ${SEGMENT_SORTS.join(", ")}. With \`name\`, the one segment of that name (ignoring case), or none.`,
      request: { query: ListSegmentsQuery },
      responses: { 200: jsonResponse(SegmentPageSchema, "A page of segments"), ...problemResponses(400, 409) },
    }),
    async (c) => {
      const q = c.req.valid("query");
      if (q.name !== undefined) {
        // A lookup by name (unique ignoring case): among the segments whose names contain it.
        const wanted = q.name.toLowerCase();
        let hit: Segment | undefined;
        let cursor: string | null = null;
        do {
          const page = await store.listSegments({ kind: q.kind, search: q.name, refresh: q.refresh, limit: 1000, cursor, signal: c.req.raw.signal });
          hit = page.items.find((s) => s.name.toLowerCase() === wanted);
          cursor = page.next;
        } while (!hit && cursor !== null);
        return c.json({ items: hit ? [segmentJson(hit)] : [], next: null }, 200);
      }
      const limit = q.limit ?? 100;
      const sort = q.sort ?? "name";
      // The store sorts in the database; its cursor is wrapped with the order it belongs to.
      const list = `segments-${sort.replace("-", "desc-")}`;
      const page = await store.listSegments({
        kind: q.kind,
        search: q.search,
        refresh: q.refresh,
        limit,
        cursor: unwrapCursor(list, q.cursor),
        orderBy: sort.replace(/^-/, "") as SegmentOrder,
        descending: sort.startsWith("-"),
        signal: c.req.raw.signal,
      });
      return c.json({ items: page.items.map(segmentJson), next: wrapCursor(list, page.next) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/segments",
      tags,
      summary: "Create a segment",
      description:
        "Dynamic: the expression is checked (422 with the checker's diagnostics; 409 for a cycle through `in segment`). Static: `members` or `freeze` give the first members. " +
        "The first refresh (or the freeze) runs under the server's query time limit (`segql serve --query-timeout`, default 30 s): past it, 422 `query-timeout` and nothing is saved.",
      request: { headers: WriteHeaders, body: jsonBody(CreateSegmentBody) },
      responses: { 201: jsonResponse(SegmentSchema, "The new segment", MADE_SEGMENT_HEADERS), ...writeProblemResponses(400, 409, 413, 415, 422) },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const s = await store.createSegment(body, { by: writer(c) });
      c.header("Location", `/api/segments/${s.id}`);
      return c.json(withEtag(c, s), 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/segments/{id}",
      tags,
      summary: "Get a segment",
      request: { params: IdParams },
      responses: { 200: jsonResponse(SegmentSchema, "The segment", ETAG_HEADER), ...problemResponses(400, 404) },
    }),
    async (c) => c.json(withEtag(c, await store.getSegment(c.req.valid("param").id)), 200),
  );

  app.openapi(
    createRoute({
      method: "patch",
      path: "/api/segments/{id}",
      tags,
      summary: "Edit a segment (name, description, expression)",
      description:
        "One new version. A rename rewrites the `in segment` references of other segments in the same transaction. Send `If-Match` with the ETag you read: a stale one is a 412 with both versions. " +
        "A new expression's refresh runs under the server's query time limit: past it, 422 `query-timeout` and nothing is saved (the segment keeps its version and members).",
      request: { params: IdParams, headers: EditHeaders, body: jsonBody(UpdateSegmentBody) },
      responses: { 200: jsonResponse(SegmentSchema, "The edited segment (its new `ETag`)", ETAG_HEADER), ...writeProblemResponses(400, 404, 409, 412, 413, 415, 422) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const changes = c.req.valid("json");
      const expected = await expectedVersion(c, store, id, changes);
      const s = await guarded(store, changes, () => store.updateSegment(id, changes, { by: writer(c), expectedVersion: expected }));
      return c.json(withEtag(c, s), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/api/segments/{id}",
      tags,
      summary: "Delete a segment",
      description: "Moves it to the trash, from where `POST /api/deleted-segments/{id}/restore` brings it back. Refused (409, with the referencing segments) while other segments read it, unless `force=true`. Honours `If-Match`.",
      request: { params: IdParams, query: DeleteQuery, headers: EditHeaders },
      responses: { 204: { description: "Deleted" }, ...writeProblemResponses(400, 404, 409, 412, 413, 415) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { force } = c.req.valid("query");
      const expected = await expectedVersion(c, store, id, { delete: true });
      await guarded(store, { delete: true }, () => store.deleteSegment(id, { force: force ?? false, by: writer(c), expectedVersion: expected }));
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/segments/{id}/duplicate",
      tags,
      summary: "Duplicate a segment",
      description: 'A copy with the same kind, description and expression (or members), named "Copy of X", "Copy of X (2)", … or the name given.',
      request: { params: IdParams, headers: WriteHeaders, body: optionalJsonBody(DuplicateBody) },
      responses: { 201: jsonResponse(SegmentSchema, "The copy", MADE_SEGMENT_HEADERS), ...writeProblemResponses(400, 404, 409, 413, 415, 422) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const body = c.req.valid("json");
      const s = await store.duplicateSegment(id, { name: body.name, by: writer(c) });
      c.header("Location", `/api/segments/${s.id}`);
      return c.json(withEtag(c, s), 201);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/segments/{id}/convert-to-static",
      tags,
      summary: "Convert a dynamic segment to static",
      description: "Today's members become the member list (a new version). Honours `If-Match`.",
      request: { params: IdParams, headers: EditHeaders },
      responses: { 200: jsonResponse(SegmentSchema, "The converted segment", ETAG_HEADER), ...writeProblemResponses(400, 404, 409, 412, 413, 415, 422) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const expected = await expectedVersion(c, store, id, { convertToStatic: true });
      const s = await guarded(store, { convertToStatic: true }, () => store.convertToStatic(id, { by: writer(c), expectedVersion: expected }));
      return c.json(withEtag(c, s), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/segments/{id}/versions",
      tags,
      summary: "Version history",
      description: "Every saved version, oldest first, with who and when.",
      request: { params: IdParams },
      responses: { 200: jsonResponse(z.object({ items: z.array(SegmentVersionSchema) }), "The versions"), ...problemResponses(400, 404) },
    }),
    async (c) => c.json({ items: await store.segmentVersions(c.req.valid("param").id) }, 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/segments/{id}/changes",
      tags,
      summary: "A segment's entered / exited feed, newest first",
      description:
        "Pass `next` as `before` for older changes (`next: null`: the oldest was returned). This feed pages backwards, so it does not wait: to follow the segment's changes as they happen, use `GET /api/changes?segmentId={id}&since=N&wait=S` (N: the `seq` of the newest change here), which answers as soon as one is committed.",
      request: { params: IdParams, query: SegmentChangesQuery },
      responses: { 200: jsonResponse(SegmentChangesPageSchema, "A page of changes"), ...problemResponses(400, 404) },
    }),
    async (c) => {
      const q = c.req.valid("query");
      return c.json(await store.segmentChanges(c.req.valid("param").id, { before: q.before, limit: q.limit }), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/segments/{id}/member-counts",
      tags,
      summary: "Member count over time",
      description: "From the change log, summed in the database: at most `points` points (default 100), oldest first, each the count at the end of an interval with who entered and exited in it.",
      request: { params: IdParams, query: MemberCountsQuery },
      responses: { 200: jsonResponse(MemberCountsSchema, "The points"), ...problemResponses(400, 404) },
    }),
    async (c) => c.json({ items: await store.memberCountHistory(c.req.valid("param").id, { points: c.req.valid("query").points }) }, 200),
  );
}
