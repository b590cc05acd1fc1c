/**
 * Evaluation without saving (check, preview with per-condition counts and the impact of an edit, why /
 * why not for one contact) and the membership engine's outputs (refresh, the change feed).
 */
import { createRoute } from "@hono/zod-openapi";
import type { DialectName } from "../../compiler/sql/dialect.js";
import {
  FeedPageSchema,
  ChangesQuery,
  CheckBody,
  ExpressionCheckSchema,
  IdKeyParams,
  IdParams,
  KeyQuery,
  PreviewBody,
  PreviewSchema,
  RefreshBody,
  RefreshResultsSchema,
  WhyBody,
  WhySchema,
  WriteHeaders,
} from "../schemas.js";
import { checkJson } from "../serialize.js";
import { jsonBody, jsonResponse, optionalJsonBody, problemResponses, writeProblemResponses, writer, type Api, type RouteContext } from "./kit.js";

const tags = ["evaluation"];

/** Registers the evaluation routes. */
export function registerEvaluationRoutes(app: Api, { store, feedWaits }: RouteContext): void {
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/check",
      tags,
      summary: "Check an expression",
      description:
        "The checker's diagnostics against the schema and the saved segments (`segmentId`: as an edit of that segment), then the static analysis's warnings (`never-matches`, `always-true`, `redundant`, with a fix where one is obvious; `analysis: false` leaves them out). Always 200; `ok` says whether it has errors.",
      request: { body: jsonBody(CheckBody) },
      responses: { 200: jsonResponse(ExpressionCheckSchema, "The diagnostics"), ...problemResponses(400, 404, 413, 415) },
    }),
    async (c) => {
      const body = c.req.valid("json");
      return c.json(checkJson(await store.checkExpression(body.expression, { segmentId: body.segmentId, analysis: body.analysis })), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/preview",
      tags,
      summary: "Preview an expression",
      description:
        "Count, the first page of matching contacts sorted by any field, the SQL for a dialect, the count of each sub-condition alone, and with `segmentId` the impact of replacing that segment's expression (who enters and leaves). " +
        "A preview running past the server's query time limit (`segql serve --query-timeout`, default 30 s) is stopped: 422 `query-timeout`.",
      request: { body: jsonBody(PreviewBody) },
      responses: { 200: jsonResponse(PreviewSchema, "The preview"), ...problemResponses(400, 404, 409, 413, 415, 422) },
    }),
    async (c) => {
      const { expression, ...options } = c.req.valid("json");
      // A client that goes away (a closed tab, a newer preview) stops its query: it would hold a read connection.
      const preview = await store.preview(expression, { ...options, dialect: options.dialect as DialectName | undefined, signal: c.req.raw.signal });
      return c.json(preview, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/why",
      tags,
      summary: "Why / why not, for an expression",
      description: "Whether the contact matches, and every node of the expression with its value and what it read. Past the server's query time limit: 422 `query-timeout`.",
      request: { body: jsonBody(WhyBody) },
      responses: { 200: jsonResponse(WhySchema, "The explanation"), ...problemResponses(400, 404, 409, 413, 415, 422) },
    }),
    async (c) => {
      const { expression, key } = c.req.valid("json");
      return c.json(await store.why({ expression }, key, { signal: c.req.raw.signal }), 200);
    },
  );

  // Two addresses, one answer: the key in the path, or (any key, `.` and `..` too, which URLs read as path
  // steps) in the query.
  const whySaved = { tags, responses: { 200: jsonResponse(WhySchema, "The explanation"), ...problemResponses(400, 404, 409, 422) } };
  app.openapi(
    createRoute({ method: "get", path: "/api/segments/{id}/why/{key}", summary: "Why / why not, for a saved segment", request: { params: IdKeyParams }, ...whySaved }),
    async (c) => {
      const { id, key } = c.req.valid("param");
      return c.json(await store.why({ segmentId: id }, key, { signal: c.req.raw.signal }), 200);
    },
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/segments/{id}/why",
      summary: "Why / why not, for a saved segment (the key in the query)",
      description: "The same answer as `/api/segments/{id}/why/{key}`, for any key: `.` and `..` too, which no URL path can carry (they are path steps).",
      request: { params: IdParams, query: KeyQuery },
      ...whySaved,
    }),
    async (c) => c.json(await store.why({ segmentId: c.req.valid("param").id }, c.req.valid("query").key, { signal: c.req.raw.signal }), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/refresh",
      tags,
      summary: "Refresh dynamic memberships",
      description:
        "Recomputes memberships in the database (every dynamic segment, or `ids` and the segments reading them) and logs who entered and exited. " +
        "A segment whose query runs past the server's query time limit keeps its members as they were and its result says so in `skipped` (the others are refreshed).",
      request: { headers: WriteHeaders, body: optionalJsonBody(RefreshBody) },
      responses: { 200: jsonResponse(RefreshResultsSchema, "What each refresh did"), ...writeProblemResponses(400, 404, 413, 415, 422) },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const results = await store.refresh({ ids: body.ids, relativeOnly: body.relativeOnly, by: writer(c) });
      return c.json({ results }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/segments/{id}/refresh",
      tags,
      summary: "Refresh one segment (and the segments reading it)",
      description: "As `POST /api/refresh` with `ids`: a segment whose query runs past the server's query time limit keeps its members and says so in `skipped`.",
      request: { params: IdParams, headers: WriteHeaders },
      responses: { 200: jsonResponse(RefreshResultsSchema, "What each refresh did"), ...writeProblemResponses(400, 404, 413, 415, 422) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      await store.getSegment(id); // a clear 404 for an id that is not a segment
      return c.json({ results: await store.refresh({ ids: [id], by: writer(c) }) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/changes",
      tags,
      summary: "The change feed",
      description:
        "Membership changes (entered / exited) after the `since` sequence number, oldest first. Follow it by passing each page's `next` as the following `since`; an empty page means you are up to date. " +
        "A `since` past the newest change (a cursor stored against another database, e.g. before a restore from a backup) is a 400 invalid-request with `lastChangeSeq`, the newest sequence number: read again from it or from 0. " +
        "With `wait=S` (seconds, at most 60) a call with nothing to return yet waits: it answers as soon as a change (of `segmentId`, when given) is committed, or with an empty page and the same `next` after S seconds. " +
        "Writes that change no membership do not end the wait. Changes committed by another server on the same PostgreSQL database are seen within about a second. " +
        "With `include=refresh` the feed also carries each segment's refresh-status changes (`RefreshChange`: `change` `refresh-failed` or `refresh-ok`, no `key`, `refresh` as the segment now says it), in the same order; without it, membership changes only. " +
        "With `include=segments` it also carries each segment created, changed, deleted or restored (`SegmentLifecycleChange`: `change` `segment-created`, `segment-updated`, `segment-deleted` or `segment-restored`, no `key`, `name` and `changed`), so a list of segments learns of one with no members; both: `include=refresh,segments`. " +
        "At most 256 requests wait at once (429 with Retry-After past that); a closing server answers them at once with an empty page.",
      request: { query: ChangesQuery },
      responses: { 200: jsonResponse(FeedPageSchema, "A page of changes"), ...problemResponses(400, 422, 429) },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const options = { since: q.since ?? 0, segmentId: q.segmentId, limit: q.limit ?? 1000, ...(q.include ? { include: q.include } : {}) };
      if (!q.wait) return c.json(await store.changes(options), 200);
      const waitMs = q.wait * 1000;
      const page = await feedWaits.run(c.req.raw.signal, (signal) => store.changes({ ...options, waitMs, signal }), () => ({ items: [], next: options.since }));
      return c.json(page, 200);
    },
  );
}
