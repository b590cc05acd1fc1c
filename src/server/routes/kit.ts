/**
 * What every route module shares: the app type, the context routes get, and helpers for declaring
 * responses (so each route's OpenAPI entry lists its errors) and reading the common headers.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { z } from "@hono/zod-openapi";
import type { Store } from "../../store/index.js";
import { PROBLEM_KINDS, PROBLEM_MEDIA_TYPE } from "../problems.js";
import type { FeedWaits } from "../feed-waits.js";
import type { ImportJobs } from "../import-jobs.js";
import { ProblemSchema } from "../schemas.js";

/** The API app. */
export type Api = OpenAPIHono;

/** What routes are registered with. */
export interface RouteContext {
  store: Store;
  /** Where the server writes what no response can carry (an export that fails after its first bytes). */
  log: (line: string) => void;
  /** The request body limits in force (bytes), as `GET /api/health` tells clients. */
  limits: { bodyBytes: number; bulkBytes: number; importBytes: number };
  /** Imports running after their request was answered. */
  imports: ImportJobs;
  /** Requests waiting on the change feed (`wait`): capped, and answered when the server closes. */
  feedWaits: FeedWaits;
  /** How long the trash keeps a deleted segment (ms), null: until purged by hand. */
  keepDeletedMs: number | null;
}

/**
 * Response headers a client acts on, declared in the document (not only in prose) so that a generated
 * client exposes them: test/server/contract.ts fails a reply that lacks one the document requires.
 */
export const ETAG_HEADER = z.object({
  ETag: z.string().openapi({ description: 'The segment\'s saved version (`"v3"`): send it back as `If-Match` on an edit.', example: '"v3"' }),
});
export const LOCATION_HEADER = z.object({
  Location: z.string().openapi({ description: "The path of what was made.", example: "/api/segments/12" }),
});
/** `Location` and `ETag`: a segment made (created, copied, restored). */
export const MADE_SEGMENT_HEADERS = LOCATION_HEADER.extend(ETAG_HEADER.shape);
const PROBLEM_HEADERS: Record<number, z.ZodObject> = {
  401: z.object({ "WWW-Authenticate": z.string().openapi({ description: 'The scheme to use: `Bearer realm="segql"` (with `error="invalid_token"` for a wrong token).' }) }),
  412: z.object({ ETag: z.string().openapi({ description: "The current version's tag: reload, merge, and send it as `If-Match`.", example: '"v4"' }) }),
  429: z.object({ "Retry-After": z.string().openapi({ description: "Seconds to wait before trying again.", example: "2" }) }),
};

/** A JSON response entry of a route, with the headers it always carries. */
export function jsonResponse<T extends z.ZodType>(schema: T, description: string, headers?: z.ZodObject) {
  return { description, content: { "application/json": { schema } }, ...(headers ? { headers } : {}) } as const;
}

const STATUS_TEXT: Record<number, string> = Object.fromEntries(
  Object.values(PROBLEM_KINDS).map((k) => [k.status, k.title]),
);

/**
 * Problem response entries for the statuses a route can answer with (plus 401, 431 and 500, always
 * possible: 431 is the listener's answer to a request line and headers over 16 KB, before any route, which a
 * long query string reaches on any GET). A POST, PATCH or DELETE route lists 413 and 415 even when it reads no body: the body limit and the
 * UTF-8 check (app.ts) answer any request that sends one, before the route.
 */
export function problemResponses(...statuses: number[]) {
  const all = [...new Set([...statuses, 401, 431, 500])].sort();
  return Object.fromEntries(
    all.map((s) => [
      s,
      {
        description: s === 400 ? "The request does not have the expected shape (zod's issues, with paths)" : (STATUS_TEXT[s] ?? "Error"),
        content: { [PROBLEM_MEDIA_TYPE]: { schema: ProblemSchema } },
        ...(PROBLEM_HEADERS[s] ? { headers: PROBLEM_HEADERS[s] } : {}),
      },
    ]),
  );
}

/**
 * Problem response entries of a route that writes to the store: its statuses, and 503 `writes-refused`,
 * answered to every write once a DuckDB store's write-back journal holds a record the database refused
 * (reads go on; src/store/write-back.ts).
 */
export function writeProblemResponses(...statuses: number[]) {
  return problemResponses(...statuses, 503);
}

/** A JSON request body (required). */
export function jsonBody<T extends z.ZodType>(schema: T, description?: string) {
  return { required: true, description, content: { "application/json": { schema } } } as const;
}

/** A JSON request body that may be left out (an empty object then). */
export function optionalJsonBody<T extends z.ZodType>(schema: T, description?: string) {
  return { required: false, description, content: { "application/json": { schema } } } as const;
}

/** Who makes a write (`Segql-User` header), or null. */
export function writer(c: Context): string | null {
  const v = c.req.header("segql-user");
  return v === undefined || v.trim() === "" ? null : v.slice(0, 200);
}

/**
 * The signal of a streamed answer's reads: aborted when the request's is (its client went away; the
 * Node server aborts it when the connection closes before the answer is sent) and by `streamedResponse`
 * when the body is cancelled, so that the read running stops at once rather than at its end.
 */
export function exportSignal(c: Context): AbortController {
  const controller = new AbortController();
  const request = c.req.raw.signal;
  if (request.aborted) controller.abort();
  else request.addEventListener("abort", () => controller.abort(), { once: true, signal: controller.signal });
  return controller;
}

/**
 * A streamed 200 answer of text chunks (an export): `first` is the chunk read before answering (so a
 * problem there was an ordinary problem response), the rest are read as the client takes them; a failure
 * later breaks the stream off (the headers are sent) and is logged as `what`; a client that goes away
 * (the body cancelled, or the request's signal) aborts `reads`, which stops the read running.
 */
export function streamedResponse(first: IteratorResult<string, void>, chunks: AsyncGenerator<string, void, undefined>, headers: Record<string, string>, log: (line: string) => void, what: string, reads: AbortController): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      if (first.done) controller.close();
      else controller.enqueue(encoder.encode(first.value));
    },
    async pull(controller) {
      try {
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value));
      } catch (e) {
        // Stopped because nobody reads it any more: nothing to report.
        if (!reads.signal.aborted) log(`segql serve: ${what} broke off: ${e instanceof Error ? e.message : String(e)}`);
        controller.error(e);
      }
    },
    async cancel() {
      // The abort stops a read in flight (a pull waiting on it then ends), and the return closes the export's connection.
      reads.abort();
      await chunks.return(undefined);
    },
  });
  return new Response(body, { status: 200, headers });
}
