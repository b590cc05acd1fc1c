/**
 * Errors as `application/problem+json` (RFC 9457): every failure the API returns is one of these, with a
 * stable `type` per kind of problem (documented in docs/api.md), so a client branches on `type` or
 * `status` and shows `detail` to people.
 *
 *   store error (errors.ts `code`) ──▶ status + type + the error's data (diagnostics, referencing segments, …)
 *   zod issues                     ──▶ 400 with `issues: [{ in, path, code, message }]`
 *   anything else                  ──▶ 500, logged, no stack in the body
 */
import type { Diagnostic } from "../diagnostics.js";
import {
  CancelledError,
  ConflictError,
  ContactChangedError,
  CursorAheadError,
  DeletedSegmentError,
  InvalidExpressionError,
  InvalidInputError,
  JournalApplyError,
  NameTakenError,
  NotFoundError,
  QueryTimeoutError,
  ReferencedError,
  StoreError,
  UnknownKeysError,
} from "../store/index.js";

/** The media type of every error body. */
export const PROBLEM_MEDIA_TYPE = "application/problem+json";

/** Every kind of problem the API reports; the `type` URI is `urn:segql:problem:<kind>`. */
export type ProblemKind =
  | "bad-json"
  | "invalid-request"
  | "invalid-expression"
  | "invalid-input"
  | "unknown-keys"
  | "not-found"
  | "method-not-allowed"
  | "name-taken"
  | "referenced"
  | "cycle"
  | "stale-version"
  | "contact-changed"
  | "bad-precondition"
  | "unauthorized"
  | "too-large"
  | "headers-too-large"
  | "bad-http"
  | "request-timeout"
  | "unsupported-media-type"
  | "writes-refused"
  | "too-many-requests"
  | "cancelled"
  | "query-timeout"
  | "internal";

/** Title (a short summary that does not change between occurrences) and status of each kind. */
export const PROBLEM_KINDS: Record<ProblemKind, { status: number; title: string }> = {
  "bad-json": { status: 400, title: "The request body is not valid JSON" },
  "invalid-request": { status: 400, title: "The request does not have the expected shape" },
  "invalid-expression": { status: 422, title: "The expression has errors" },
  "invalid-input": { status: 422, title: "The input cannot be used" },
  "unknown-keys": { status: 422, title: "Some keys are not contacts" },
  "not-found": { status: 404, title: "Not found" },
  "method-not-allowed": { status: 405, title: "Method not allowed" },
  "name-taken": { status: 409, title: "The name is taken" },
  referenced: { status: 409, title: "Other segments read this segment" },
  cycle: { status: 409, title: "Segments would read each other in a cycle" },
  "stale-version": { status: 412, title: "The segment changed since you read it" },
  // 409, not 412: the condition is in the body, per field, not an If-Match header (RFC 9110 §15.5.13).
  "contact-changed": { status: 409, title: "The contact changed since you read it" },
  "bad-precondition": { status: 400, title: "The If-Match header is not a list of entity tags" },
  unauthorized: { status: 401, title: "A valid bearer token is required" },
  "too-large": { status: 413, title: "The request is too large" },
  "headers-too-large": { status: 431, title: "The request's URL and headers are too large" },
  "bad-http": { status: 400, title: "The request is not valid HTTP" },
  "request-timeout": { status: 408, title: "The request took too long to arrive" },
  "unsupported-media-type": { status: 415, title: "Unsupported media type" },
  "writes-refused": { status: 503, title: "Writes are refused until the store is reopened" },
  "too-many-requests": { status: 429, title: "Too many requests of this kind are running" },
  cancelled: { status: 409, title: "The operation was cancelled" },
  // 422, not 503: the expression is what takes the database too long (resending it will not help; a 5xx
  // is never the request's doing, docs/api.md).
  "query-timeout": { status: 422, title: "The query took longer than the server's time limit and was stopped" },
  internal: { status: 500, title: "Internal server error" },
};

/** An RFC 9457 problem document with segql's extension members. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  /** The request path the problem occurred on. */
  instance?: string;
  [extension: string]: unknown;
}

/** A checker diagnostic as the API carries it: the span flattened, offsets into the expression text. */
export interface ApiDiagnostic {
  code: string;
  severity: "error" | "warning" | "info";
  message: string;
  line: number;
  column: number;
  start: number;
  end: number;
  fix?: { title: string; edits: { start: number; end: number; line: number; column: number; text: string }[] };
}

/** Flattens a diagnostic for JSON (`{code, severity, message, line, column, start, end, fix?}`). */
export function apiDiagnostic(d: Diagnostic): ApiDiagnostic {
  const out: ApiDiagnostic = {
    code: d.code,
    severity: d.severity,
    message: d.message,
    line: d.span.line,
    column: d.span.column,
    start: d.span.start,
    end: d.span.end,
  };
  if (d.fix) {
    out.fix = {
      title: d.fix.title,
      edits: d.fix.edits.map((e) => ({ start: e.span.start, end: e.span.end, line: e.span.line, column: e.span.column, text: e.text })),
    };
  }
  return out;
}

/** A thrown problem: handlers throw it, the error handler turns it into the response. */
export class ProblemError extends Error {
  readonly problem: Problem;

  constructor(
    kind: ProblemKind,
    detail: string,
    extensions: Record<string, unknown> = {},
    /** Extra response headers (`WWW-Authenticate`, `Allow`, `ETag`). */
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = "ProblemError";
    this.problem = problem(kind, detail, extensions);
  }
}

/** Builds a problem document of a kind. */
export function problem(kind: ProblemKind, detail: string, extensions: Record<string, unknown> = {}): Problem {
  const { status, title } = PROBLEM_KINDS[kind];
  return { type: `urn:segql:problem:${kind}`, title, status, detail, ...extensions };
}

/** The response for a problem (`application/problem+json`). */
export function problemResponse(p: Problem, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(p), {
    status: p.status,
    headers: { "content-type": PROBLEM_MEDIA_TYPE, "cache-control": "no-store", ...headers },
  });
}

/**
 * The problem for a store error, or null when the error is not one the store throws on purpose (a bug:
 * the caller answers 500). `StoreError`s that only happen at start-up (database in use, newer format,
 * schema mismatch) are not expected here and also give null.
 */
export function storeProblem(e: unknown): ProblemError | null {
  if (!(e instanceof StoreError)) return null;
  if (e instanceof DeletedSegmentError) {
    // Still a 404 (the segment cannot be used as it is); `deleted` tells a client it can be restored, and how.
    const restore = `/api/deleted-segments/${e.deleted.id}/restore`;
    return new ProblemError("not-found", `${e.message}; restore it with POST ${restore}`, { what: e.what, ref: e.ref, deleted: { ...e.deleted, restore } });
  }
  if (e instanceof NotFoundError) return new ProblemError("not-found", e.message, { what: e.what, ref: e.ref });
  if (e instanceof NameTakenError) return new ProblemError("name-taken", e.message, { name: e.segmentName, existing: e.existing });
  if (e instanceof ReferencedError) {
    return new ProblemError("referenced", e.message, { segment: e.segment, referencedBy: e.referencedBy });
  }
  if (e instanceof InvalidExpressionError) {
    const diagnostics = e.diagnostics.map(apiDiagnostic);
    // A cycle through `in segment` is a conflict with saved segments, not a mistake inside the text alone.
    const cycle = e.diagnostics.some((d) => d.severity === "error" && d.code === "segment-cycle");
    return new ProblemError(cycle ? "cycle" : "invalid-expression", e.message, { expression: e.text, diagnostics });
  }
  if (e instanceof UnknownKeysError) return new ProblemError("unknown-keys", e.message, { unknownKeys: e.keys });
  if (e instanceof InvalidInputError) return new ProblemError("invalid-input", e.message, { problems: e.problems, total: e.total });
  if (e instanceof JournalApplyError) {
    // An upsert already acknowledged cannot reach the database: the operator must act (the message says
    // how); reads go on.
    const { record, line, pending, lastRecord, reason } = e.failure;
    return new ProblemError("writes-refused", e.message, { record, line, pending, lastRecord, reason });
  }
  // A read stopped because its client went away: answered to no one, but not logged as a bug.
  if (e instanceof CancelledError) return new ProblemError("cancelled", e.message);
  if (e instanceof QueryTimeoutError) return new ProblemError("query-timeout", e.message, { operation: e.operation, limitMs: e.limitMs });
  if (e instanceof ContactChangedError) return new ProblemError("contact-changed", e.message, { conflicts: e.conflicts });
  if (e instanceof CursorAheadError) {
    // A bad cursor like the lists' (400 invalid-request, the issue on the parameter), plus the number to go on from.
    return new ProblemError("invalid-request", e.message, {
      issues: [{ in: "query", path: "since", code: "cursor_ahead", message: `past the feed's newest change (${e.lastSeq})` }],
      lastChangeSeq: e.lastSeq,
    });
  }
  if (e instanceof ConflictError) {
    // The route adds `yours` (it knows what was sent); here only what the error carries.
    return new ProblemError("stale-version", e.message, { expectedVersion: e.expectedVersion, current: e.current });
  }
  return null;
}
