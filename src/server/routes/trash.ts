/**
 * The trash: deleted segments, kept until restored or purged (`DELETE /api/segments/{id}` puts them here).
 */
import { createRoute } from "@hono/zod-openapi";
import { segmentEtag } from "../etag.js";
import { unwrapCursor, wrapCursor } from "../cursor.js";
import { DeletedSegmentPageSchema, EmptiedTrashSchema, IdParams, ListDeletedQuery, RestoreBody, SegmentSchema, WriteHeaders } from "../schemas.js";
import { segmentJson } from "../serialize.js";
import { jsonResponse, MADE_SEGMENT_HEADERS, optionalJsonBody, problemResponses, writeProblemResponses, writer, type Api, type RouteContext } from "./kit.js";

const tags = ["segments"];

/** Registers the trash's routes. */
export function registerTrashRoutes(app: Api, { store, keepDeletedMs }: RouteContext): void {
  const purgesAt = (deletedAt: string) => (keepDeletedMs === null ? null : new Date(Date.parse(deletedAt) + keepDeletedMs).toISOString());
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/deleted-segments",
      tags,
      summary: "List deleted segments",
      description:
        "The trash, the latest deletion first, a page at a time. A deleted segment stays here until it is restored, purged, or kept past the server's retention (`purgesAt`).",
      request: { query: ListDeletedQuery },
      responses: { 200: jsonResponse(DeletedSegmentPageSchema, "A page of deleted segments"), ...problemResponses(400, 409) },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const page = await store.listDeletedSegments({ search: q.search, limit: q.limit ?? 100, cursor: unwrapCursor("deleted-segments", q.cursor), signal: c.req.raw.signal });
      return c.json({ items: page.items.map((d) => ({ ...d, purgesAt: purgesAt(d.deletedAt) })), next: wrapCursor("deleted-segments", page.next) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/deleted-segments/{id}/restore",
      tags,
      summary: "Restore a deleted segment",
      description:
        "Brings it back with its id, description, expression or member list, and history (a `restored` version). A dynamic segment's members are recomputed from today's data; the segments reading it are refreshed. 404 when it is not in the trash; 409 when another segment has its name (give `name`).",
      request: { params: IdParams, headers: WriteHeaders, body: optionalJsonBody(RestoreBody) },
      responses: { 200: jsonResponse(SegmentSchema, "The restored segment", MADE_SEGMENT_HEADERS), ...writeProblemResponses(400, 404, 409, 413, 415, 422) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const body = c.req.valid("json");
      const s = await store.restoreSegment(id, { name: body.name, by: writer(c) });
      c.header("Location", `/api/segments/${s.id}`);
      c.header("ETag", segmentEtag(s.version));
      return c.json(segmentJson(s), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/api/deleted-segments/{id}",
      tags,
      summary: "Purge a deleted segment",
      description: "Removes it from the trash for good, with its history. 404 when it is not in the trash.",
      request: { params: IdParams, headers: WriteHeaders },
      responses: { 204: { description: "Purged" }, ...writeProblemResponses(400, 404, 413, 415) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      await store.purgeDeletedSegment(id, { by: writer(c) });
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/api/deleted-segments",
      tags,
      summary: "Empty the trash",
      description: "Purges every deleted segment for good, with its history.",
      request: { headers: WriteHeaders },
      responses: { 200: jsonResponse(EmptiedTrashSchema, "How many were purged"), ...writeProblemResponses(400, 413, 415) },
    }),
    async (c) => {
      const purged = await store.emptyTrash({ by: writer(c) });
      return c.json({ purged: purged.length }, 200);
    },
  );
}
