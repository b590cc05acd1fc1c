/**
 * The HTTP API as a Hono app over a `Store` (no listening here: `listen.ts` does that, tests call
 * `app.request`). Every request goes through:
 *
 *   CORS (only when origins are configured) → bearer token (when configured) → body size limit
 *     → route: zod validation (400) → store call → JSON
 *   any failure → application/problem+json (problems.ts); an unexpected error → logged, 500 without a stack
 *
 * The web app's static build (playground/dist) is served outside /api when given, without the token: it
 * holds no data, and the app sends the token on its API calls.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { serveStatic } from "@hono/node-server/serve-static";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { SqlCompileError } from "../compiler/sql/index.js";
import type { Store } from "../store/index.js";
import { DEFAULT_KEEP_DELETED_MS } from "../store/trash-expiry.js";
import { FeedWaits } from "./feed-waits.js";
import { ImportJobs } from "./import-jobs.js";
import { VERSION } from "../version.js";
import { requireToken } from "./auth.js";
import { ProblemError, problem, problemResponse, storeProblem, type Problem } from "./problems.js";
import { describeUtf8Fault, utf8Fault } from "./utf8.js";
import { nameOperations } from "./operation-ids.js";
import { registerContactRoutes } from "./routes/contacts.js";
import { registerEvaluationRoutes } from "./routes/evaluation.js";
import { registerImportHistoryRoutes, registerImportRoutes } from "./routes/imports.js";
import { registerMemberRoutes } from "./routes/members.js";
import { registerMetaRoutes } from "./routes/meta.js";
import { registerRelateRoutes } from "./routes/relate.js";
import { registerSegmentRoutes } from "./routes/segments.js";
import { registerTrashRoutes } from "./routes/trash.js";

/** Options of `createApp`. */
export interface AppOptions {
  store: Store;
  /** When set, every /api request and /openapi.json needs `Authorization: Bearer <token>`. */
  token?: string | null;
  /** Origins allowed to call the API from a browser (CORS). Empty or absent: CORS off. `*` allows any. */
  corsOrigins?: readonly string[];
  /** Largest request body, in bytes, of ordinary requests (default 2 MiB). */
  maxBodyBytes?: number;
  /** Largest body of bulk requests: contact upserts, event appends, member lists (default 32 MiB). */
  maxBulkBytes?: number;
  /** Largest uploaded import file (default 128 MiB). */
  maxImportBytes?: number;
  /**
   * How long a deleted segment stays in the trash (ms; default 30 days; null: until purged by hand). The
   * trash's listing says when each will be purged; `startServer` purges them.
   */
  keepDeletedMs?: number | null;
  /** Where imports run after their request is answered (`Prefer: respond-async`); default: the app's own. */
  importJobs?: ImportJobs;
  /** The requests waiting on the change feed (`?wait=`): at most 256 by default; `startServer` closes them. */
  feedWaits?: FeedWaits;
  /** A directory holding the web app's build (index.html …), served outside /api; null: none. */
  staticDir?: string | null;
  /** Where unexpected errors are written (default: standard error). */
  log?: (line: string) => void;
}

/** Default limit of ordinary request bodies. */
export const DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024;
/** Default limit of bulk request bodies (upserts, appends, member lists). */
export const DEFAULT_MAX_BULK_BYTES = 32 * 1024 * 1024;
/** Default limit of an uploaded import file. */
export const DEFAULT_MAX_IMPORT_BYTES = 128 * 1024 * 1024;

/** Paths that take a whole file. */
const IMPORT_PATHS = /^\/api\/(contacts|events)\/import$/;

/** Paths whose bodies may be large: bulk writes, and the lookup of a pasted list of keys (as many as a member edit takes). */
const BULK_PATHS = [/^\/api\/contacts$/, /^\/api\/contacts\/lookup$/, /^\/api\/events$/, /^\/api\/segments\/[^/]+\/members\/(add|remove)$/, /^\/api\/segments$/];

/** A zod issue as far as the API reads it (a union's holds each alternative's issues in `errors`). */
interface ZodIssueLike {
  path: readonly PropertyKey[];
  code: string;
  message: string;
  keys?: readonly string[];
  errors?: readonly (readonly ZodIssueLike[])[];
}

/** Issues of a zod validation error as the API reports them: where (`in`, `path`), zod's code, the message. */
function zodIssues(target: string, issues: readonly ZodIssueLike[]) {
  const where = { json: "body", query: "query", param: "path", header: "header" }[target] ?? target;
  return issues
    .flatMap((i) => unionIssues(i))
    .slice(0, 100)
    .map((i) => ({ in: where, path: jsonPath(i.path), code: i.code, message: plainMessage(i.message, where) }));
}

/**
 * zod's messages in the API's own words: `Invalid input: expected number, received string` → `expected a
 * number, found a string`; `Too big: expected string to have <=200 characters` → `expected at most 200 characters`;
 * `Invalid option: expected one of "a"|"b"` → `expected one of "a", "b"`; `Unrecognized key: "x"` →
 * `unknown property "x"`. Others (the schemas' own messages among them) are kept.
 */
function plainMessage(message: string, where: string): string {
  const size = /^Too (big|small): expected (\w+) to (?:have|be) ([<>]=?)(-?[\d.]+)(?: (\w+))?$/.exec(message);
  if (size) {
    const [, , , cmp, limit, unit] = size;
    const bound = cmp!.startsWith("<") ? (cmp === "<" ? "less than" : "at most") : cmp === ">" ? "more than" : "at least";
    return `expected ${bound} ${Number(limit).toLocaleString("en-US")}${unit ? ` ${unit}` : ""}`;
  }
  const option = /^Invalid option: expected one of (.+)$/.exec(message);
  if (option) return `expected one of ${option[1]!.split("|").join(", ")}`;
  const unknown = /^Unrecognized keys?: (.+)$/.exec(message);
  if (unknown) {
    const [one, many] = where === "query" ? ["parameter", "parameters"] : where === "header" ? ["header", "headers"] : ["property", "properties"];
    return `unknown ${unknown[1]!.includes(", ") ? many : one} ${unknown[1]}`;
  }
  const m = /^Invalid input: expected (\w+), received (\w+)$/.exec(message);
  // The rest of zod's "Invalid input: expected …" (a literal, the objects a union takes) say enough without it.
  if (!m) return message.replace(/^Invalid input: (?=expected )/, "");
  const a = (type: string) => (type === "undefined" ? "nothing" : type === "null" ? "null" : `${/^[aeiou]/.test(type) ? "an" : "a"} ${type}`);
  return m[2] === "undefined" ? `expected ${a(m[1]!)}, found nothing (required)` : `expected ${a(m[1]!)}, found ${a(m[2]!)}`;
}

/** Issues shown in a problem's `detail`; all of them (up to 100) are in its `issues`. */
const DETAIL_ISSUES = 3;

/**
 * A union's "Invalid input" said as what is wrong: the issues of the alternative the value was meant for
 * (the one it has every key of and no key foreign to: `{"segmentId": 2, "version": "1"}` → `version`
 * expected number), else which keys would make it one (`expected an object with "expression" or with
 * "segmentId"`). The depth is that of the API's own schemas, not of the request.
 */
function unionIssues(issue: ZodIssueLike): ZodIssueLike[] {
  if (issue.code !== "invalid_union" || !issue.errors || issue.errors.length === 0) return [issue];
  const within = (i: ZodIssueLike): ZodIssueLike => ({ ...i, path: [...issue.path, ...i.path] });
  const missing = (branch: readonly ZodIssueLike[]) => branch.filter((i) => i.code === "invalid_type" && i.path.length === 1 && i.message.endsWith("received undefined"));
  const foreign = (branch: readonly ZodIssueLike[]) => branch.some((i) => i.code === "unrecognized_keys" && i.path.length === 0);
  const meant = issue.errors.filter((b) => missing(b).length === 0 && !foreign(b));
  if (meant.length === 1) return meant[0]!.flatMap((i) => unionIssues(within(i)));
  const messages = new Set(issue.errors.map((b) => b.map((i) => `${i.path.length}|${i.message}`).join("\n")));
  if (messages.size === 1 && issue.errors[0]!.length === 1) return unionIssues(within(issue.errors[0]![0]!));
  const alternatives = issue.errors.map((b) => missing(b).map((i) => JSON.stringify(String(i.path[0]))).join(" and ")).filter((keys) => keys !== "");
  if (alternatives.length !== issue.errors.length) return [issue];
  return [{ ...issue, message: `Invalid input: expected an object with ${alternatives.join(" or with ")}` }];
}

/** A JSON path as people write it: `contacts[3].age`. */
function jsonPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else if (typeof p === "string" && /^[A-Za-z_$][\w$]*$/.test(p)) out += out === "" ? p : `.${p}`;
    else out += `[${JSON.stringify(String(p))}]`;
  }
  return out;
}

/** Builds the API app. */
export function createApp(options: AppOptions): OpenAPIHono {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const app = new OpenAPIHono({
    defaultHook: (result, c) => {
      if (result.success) return;
      const issues = zodIssues(result.target, result.error.issues);
      const shown = issues.slice(0, DETAIL_ISSUES).map((i) => `${i.in}${i.path ? ` ${i.path}` : ""}: ${i.message}`);
      const more = issues.length - shown.length;
      const detail = shown.length > 0 ? `${shown.join("; ")}${more > 0 ? ` (and ${more} more in issues)` : ""}` : "invalid request";
      return problemResponse({ ...problem("invalid-request", detail, { issues }), instance: c.req.path });
    },
  });

  // ---- cross-cutting middleware ---------------------------------------------------------------------
  app.use("*", async (c, next) => {
    await next();
    c.header("X-Content-Type-Options", "nosniff");
    if (c.req.path.startsWith("/api/") && !c.res.headers.has("cache-control")) c.header("Cache-Control", "no-store");
  });
  const origins = options.corsOrigins ?? [];
  if (origins.length > 0) {
    const policy = cors({
      origin: origins.includes("*") ? "*" : [...origins],
      // Every request header the API reads (Prefer: an async import; Content-Encoding: a gzipped one), and
      // every response header it documents, or a browser's script can neither send nor read them.
      allowHeaders: ["Authorization", "Content-Type", "Content-Encoding", "If-Match", "Prefer", "Segql-User"],
      exposeHeaders: ["ETag", "Location", "Retry-After", "Content-Disposition", "Preference-Applied"],
      allowMethods: ["GET", "POST", "PATCH", "DELETE", "OPTIONS"],
      maxAge: 600,
    });
    app.use("/api/*", policy);
    app.use("/openapi.json", policy);
  }
  if (options.token) {
    const auth = requireToken(options.token);
    app.use("/api/*", auth);
    app.use("/openapi.json", auth);
  }
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const maxBulk = options.maxBulkBytes ?? DEFAULT_MAX_BULK_BYTES;
  const tooLarge = (limit: number) => (c: Context) => {
    // A chunked body was being counted by the limit's own reader (its stream is locked): the rest is read
    // from the source under it (`countedBody`).
    const source = countedSources.get(c.req.raw);
    if (source) discardReader(source, DISCARD_MAX_BYTES);
    else discardBody(c.req.raw.body, DISCARD_MAX_BYTES);
    throw new ProblemError("too-large", `the request body is larger than ${limit} bytes; send less at a time`, { limit });
  };
  const normalLimit = bodyLimit({ maxSize: maxBody, onError: tooLarge(maxBody) });
  const bulkLimit = bodyLimit({ maxSize: maxBulk, onError: tooLarge(maxBulk) });
  const maxImport = options.maxImportBytes ?? DEFAULT_MAX_IMPORT_BYTES;
  const importLimit = bodyLimit({ maxSize: maxImport, onError: tooLarge(maxImport) });
  app.use("/api/*", (c, next) => {
    countedBody(c);
    return IMPORT_PATHS.test(c.req.path) ? importLimit(c, next) : BULK_PATHS.some((p) => p.test(c.req.path)) ? bulkLimit(c, next) : normalLimit(c, next);
  });
  // Bodies are read as UTF-8 (JSON's encoding, and CSV's here): one declared in another charset would be
  // read wrongly without a word (`é` sent as Latin-1 becomes U+FFFD), so it is refused, saying so.
  app.use("/api/*", async (c, next) => {
    const charset = c.req.method === "GET" || c.req.method === "HEAD" ? undefined : /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(c.req.header("content-type") ?? "")?.[1];
    if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
      throw new ProblemError("unsupported-media-type", `bodies are UTF-8: send the body encoded as UTF-8 (charset=utf-8, or no charset); got charset=${charset}`);
    }
    // Bytes that are not UTF-8 would be decoded as U+FFFD just as silently, charset or not: a text body is
    // checked before any route reads it. Imports check their file themselves (it may come gzipped, and the
    // problem then names the file's line).
    if (c.req.method !== "GET" && c.req.method !== "HEAD" && !IMPORT_PATHS.test(c.req.path) && isTextMediaType(c.req.header("content-type"))) {
      const bytes = new Uint8Array(await c.req.arrayBuffer());
      const fault = utf8Fault(bytes);
      if (fault) throw new ProblemError("unsupported-media-type", `the body is not UTF-8: ${describeUtf8Fault(fault)}; send it encoded as UTF-8`);
      // No bytes is no body (RFC 9110), whatever the Content-Type says: generated clients send
      // `Content-Type: application/json` on a route whose body is optional (duplicate, restore, refresh)
      // even when they send none. Read as `{}`: a route that needs a body says which properties it lacks.
      // (Hono keeps each body read as a promise in `bodyCache`, its `json()` reading the `text` one; the
      // declared type says a method.)
      if (bytes.byteLength === 0 && isJsonMediaType(c.req.header("content-type"))) (c.req.bodyCache as Record<string, unknown>).text = Promise.resolve("{}");
    }
    await next();
  });

  // ---- routes -----------------------------------------------------------------------------------------
  const keepDeletedMs = options.keepDeletedMs === undefined ? DEFAULT_KEEP_DELETED_MS : options.keepDeletedMs;
  const imports = options.importJobs ?? new ImportJobs(log);
  const feedWaits = options.feedWaits ?? new FeedWaits();
  const context = { store: options.store, log, limits: { bodyBytes: maxBody, bulkBytes: maxBulk, importBytes: maxImport }, keepDeletedMs, imports, feedWaits };
  registerMetaRoutes(app, context);
  registerSegmentRoutes(app, context);
  registerTrashRoutes(app, context);
  registerMemberRoutes(app, context);
  registerEvaluationRoutes(app, context);
  registerRelateRoutes(app, context);
  registerContactRoutes(app, context);
  registerImportRoutes(app, context);
  registerImportHistoryRoutes(app, context);
  nameOperations(app);
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    description: "Required on every request when the server was started with --token or SEGQL_TOKEN.",
  });
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "segql segments API",
      version: VERSION,
      description: "Segments as saved objects: CRUD, members, preview, why / why not, refresh and the change feed. Errors are application/problem+json (RFC 9457). See docs/api.md.",
    },
    security: options.token ? [{ bearer: [] }] : [],
  });

  // ---- the web app's build ------------------------------------------------------------------------------
  const staticDir = options.staticDir && existsSync(join(options.staticDir, "index.html")) ? options.staticDir : null;
  if (staticDir) {
    app.use("*", async (c, next) => (isApiPath(c.req.path) ? next() : serveStatic({ root: staticDir })(c, next)));
    // A page address typed as a path (/segments/12) goes to the app's route for it (#/segments/12): the app
    // routes by the hash, and its page served at /segments/12 would look for its files under /segments/.
    // Files that do not exist stay 404, and so does anything a browser is not asking to show as a page.
    app.get("*", async (c, next) => {
      if (isApiPath(c.req.path) || /\.[a-z0-9]{1,8}$/i.test(c.req.path) || !(c.req.header("accept") ?? "").includes("text/html")) return next();
      const query = new URL(c.req.url).search;
      return c.redirect(`/#${c.req.path.replace(/\/+$/, "")}${query}`, 302);
    });
  }

  // ---- not found, wrong method, errors ------------------------------------------------------------------
  app.notFound((c) => {
    const allowed = allowedMethods(app, c.req.path);
    if (allowed.length > 0 && !allowed.includes(c.req.method)) {
      const p = { ...problem("method-not-allowed", `${c.req.method} is not allowed on ${c.req.path}; allowed: ${allowed.join(", ")}`), instance: c.req.path };
      return problemResponse(p, { Allow: allowed.join(", ") });
    }
    // A trailing slash is the likeliest slip of a client building paths: say so rather than "under /api".
    const trimmed = c.req.path.replace(/\/+$/, "");
    const hint = trimmed !== c.req.path && allowedMethods(app, trimmed).includes(c.req.method) ? `; without the trailing slash: ${c.req.method} ${trimmed}` : "; the API is under /api (see /openapi.json)";
    return problemResponse({ ...problem("not-found", `no route ${c.req.method} ${c.req.path}${hint}`), instance: c.req.path });
  });
  app.onError((error, c) => {
    const { body, headers } = toProblem(error, c, log);
    return problemResponse({ ...body, instance: c.req.path }, headers);
  });
  return app;
}

function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? "").split(";")[0]!.trim().toLowerCase();
}

/** JSON (and `+json`), as the request validator reads it. */
function isJsonMediaType(contentType: string | undefined): boolean {
  return /^application\/([\w.-]+\+)?json$/.test(mediaTypeOf(contentType));
}

/** How much of a refused body is read and thrown away so that its sender gets the 413 (past it, the connection is closed). */
const DISCARD_MAX_BYTES = 64 * 1024 * 1024;

/**
 * Reads a body the server refused (too large, said by its Content-Length before a byte is read) and throws
 * it away, in the background. Unread, it stays stuck in the request's stream at its high-water mark: the
 * client cannot finish sending, the socket is closed under it, and a client that writes its whole body before
 * reading (Node's fetch, 40% of 3 MiB bodies on loopback) sees "other side closed" instead of the 413.
 */
function discardBody(body: ReadableStream<Uint8Array> | null, maxBytes: number): void {
  if (!body || body.locked) return;
  discardReader(body.getReader(), maxBytes);
}

/** Reads `reader` to its end (at most `maxBytes` more; past them it is cancelled), throwing the bytes away, in the background. */
function discardReader(reader: ReadableStreamDefaultReader<Uint8Array>, maxBytes: number): void {
  void (async () => {
    let read = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      read += value.byteLength;
      if (read > maxBytes) return void (await reader.cancel());
    }
  })().catch(() => {});
}

/** The source reader under each chunked request body that `countedBody` passed through. */
const countedSources = new WeakMap<Request, ReadableStreamDefaultReader<Uint8Array>>();

/**
 * The request `countedBody` made, kept for as long as its context: the body limit makes another from it
 * (`new Request(c.req.raw, …)`), whose signal follows this one's, and Node's fetch links a request's signal
 * to the one it follows through a weak reference only. Unreferenced, this request was garbage-collected
 * mid-request, and the client going away no longer aborted `c.req.raw.signal` (a chunked import or preview
 * ran on for nobody).
 */
const countedRequests = new WeakMap<Context, Request>();

/**
 * A body without a Content-Length (chunked) is counted by the body limit as it arrives, through a reader
 * of its own: refused past the limit, the rest would stay unread (the limit's reader holds the stream) and
 * the socket be closed under a client still writing it. So the request gets a body that passes the source
 * through, and the source's reader is kept, for the refusal to read the rest from and throw it away.
 */
function countedBody(c: Context): void {
  const raw = c.req.raw;
  if (!raw.body || raw.body.locked || (raw.headers.has("content-length") && !raw.headers.has("transfer-encoding"))) return;
  const source = raw.body.getReader();
  const passed = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await source.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel: (reason) => source.cancel(reason),
  });
  c.req.raw = new Request(raw, { body: passed, duplex: "half" } as RequestInit);
  countedSources.set(c.req.raw, source);
  countedRequests.set(c, c.req.raw);
}

/** Media types read as text: JSON, CSV and JSON Lines (`text/*`, `*ndjson`, `*jsonl*`). */
function isTextMediaType(contentType: string | undefined): boolean {
  const essence = mediaTypeOf(contentType);
  return isJsonMediaType(essence) || essence.startsWith("text/") || /ndjson|jsonl|jsonlines/.test(essence);
}

function isApiPath(path: string): boolean {
  return path === "/api" || path.startsWith("/api/") || path === "/openapi.json";
}

const routeRegexCache = new Map<string, RegExp>();

/** Methods the API's routes accept on a path (for 405 and `Allow`). */
function allowedMethods(app: OpenAPIHono, path: string): string[] {
  if (!isApiPath(path)) return [];
  const methods = new Set<string>();
  for (const r of app.routes) {
    if (r.method === "ALL" || r.path.includes("*")) continue;
    let re = routeRegexCache.get(r.path);
    if (!re) {
      re = new RegExp(`^${r.path.split("/").map((part) => (part.startsWith(":") ? "[^/]+" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))).join("/")}$`);
      routeRegexCache.set(r.path, re);
    }
    if (re.test(path)) methods.add(r.method);
  }
  if (methods.has("GET")) methods.add("HEAD");
  return [...methods].sort();
}

/** The problem document for anything thrown while answering. */
function toProblem(error: unknown, c: Context, log: (line: string) => void): { body: Problem; headers: Record<string, string> } {
  if (error instanceof ProblemError) return { body: error.problem, headers: error.headers };
  const fromStore = storeProblem(error);
  if (fromStore) return { body: fromStore.problem, headers: fromStore.headers };
  if (error instanceof SqlCompileError) {
    // An expression that checks but that SQL cannot hold (a time outside the years 0001-9999, `within last
    // 99999 years`): the request's fault, said as the compiler says it. The checker has no span for it.
    return { body: problem("invalid-expression", `the expression cannot be run in SQL: ${error.message}`, { diagnostics: [] }), headers: {} };
  }
  if (error instanceof HTTPException) {
    // Hono's own: malformed JSON (400), unsupported media type (415), too large (413).
    if (error.status === 400) return { body: problem("bad-json", `the body is not valid JSON: ${error.message}`), headers: {} };
    if (error.status === 415) {
      return { body: problem("unsupported-media-type", `send the body as application/json${c.req.path.includes("/members/") ? ", text/csv or application/x-ndjson" : ""}; got ${c.req.header("content-type") ?? "no Content-Type"}`), headers: {} };
    }
    if (error.status === 413) return { body: problem("too-large", "the request body is too large"), headers: {} };
    if (error.status === 401) return { body: problem("unauthorized", error.message), headers: {} };
  }
  // The client went away while it sent its body (Node's request stream fails with "aborted", ECONNRESET):
  // the answer reaches nobody and nothing is wrong with the server, so it is no internal error to log. Only
  // that error: any other one while the client is gone (a write that failed) is still logged.
  if (c.req.raw.signal.aborted && (error as NodeJS.ErrnoException | null)?.code === "ECONNRESET" && (error as Error).message === "aborted") {
    return { body: problem("cancelled", "the request was cancelled: its client went away before it was answered; nothing was written"), headers: {} };
  }
  const id = Math.random().toString(36).slice(2, 10);
  log(`segql serve: internal error ${id} on ${c.req.method} ${c.req.path}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return { body: problem("internal", `an unexpected error occurred (logged as ${id}); the request may not have been applied`, { errorId: id }), headers: {} };
}

/** Whether a directory looks like a web app build (has index.html). */
export function isWebBuild(dir: string): boolean {
  try {
    return statSync(join(dir, "index.html")).isFile();
  } catch {
    return false;
  }
}
