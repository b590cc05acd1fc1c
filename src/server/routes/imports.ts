/**
 * Imports over HTTP: a CSV, JSON Lines, JSON or Parquet file sent as the body is written to a private
 * temporary directory and handed to the store's own importer (checked against the schema, bad rows reported
 * by line and field, every dynamic segment refreshed after), then deleted. Paths in the report name the
 * upload (`upload.csv:12`), never the server's temporary file. Clients cannot name files on the server.
 * A body sent with `Content-Encoding: gzip` is unpacked on the way to that file, up to
 * `GZIP_EXPANSION_LIMIT` times the upload limit (a small bomb must not fill the disk).
 */
import { createRoute, z } from "@hono/zod-openapi";
import { createWriteStream } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ImportOptions, ImportReport } from "../../store/index.js";
import type { ImportJobControl } from "../import-jobs.js";
import { ProblemError } from "../problems.js";
import { describeUtf8Fault, utf8Fault, Utf8Check, type Utf8Fault } from "../utf8.js";
import { wrapCursor, unwrapCursor } from "../cursor.js";
import { ImportHistoryQuery, ImportJobIdParams, ImportJobListSchema, ImportJobSchema, ImportRecordIdParams, ImportRecordPageSchema, ImportRecordSchema, ImportReportSchema, WriteHeaders } from "../schemas.js";
import { jsonResponse, LOCATION_HEADER, problemResponses, writeProblemResponses, writer, type Api, type RouteContext } from "./kit.js";

type Format = "csv" | "jsonl" | "json" | "parquet";

const FORMAT_OF_TYPE: Record<string, Format> = {
  "text/csv": "csv",
  "application/x-ndjson": "jsonl",
  "application/jsonl": "jsonl",
  "application/x-jsonlines": "jsonl",
  "application/json": "json",
  "application/vnd.apache.parquet": "parquet",
  "application/x-parquet": "parquet",
};

/** How many times the upload limit a gzip body may unpack to (1 GiB with the default 128 MiB). */
export const GZIP_EXPANSION_LIMIT = 8;

/** The gzip magic number: a compressed body sent without saying so gets told what to do. */
const isGzip = (bytes: Uint8Array) => bytes.byteLength >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;

/**
 * A text file (CSV, JSON Lines, JSON) that is not UTF-8 is refused before a row is read: the importer decodes
 * UTF-8, and would store each Latin-1 or Windows-1252 accented letter as U+FFFD without a word.
 */
function notUtf8(name: string, fault: Utf8Fault): ProblemError {
  return new ProblemError(
    "unsupported-media-type",
    `${name}:${fault.line}: the file is not UTF-8: ${describeUtf8Fault(fault)}; save it as UTF-8 (a spreadsheet's "CSV UTF-8") and send it again; nothing was imported`,
  );
}

/**
 * Writes the gzip `bytes` unpacked into `file`, refusing past `maxBytes` unpacked, on corrupt data, or (with
 * `utf8`) on a byte that is not UTF-8.
 */
async function gunzipTo(bytes: Uint8Array, file: string, maxBytes: number, utf8: { name: string } | null): Promise<void> {
  let written = 0;
  const check = utf8 ? new Utf8Check() : null;
  const limit = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      written += chunk.length;
      const fault = check?.push(chunk);
      if (written > maxBytes) done(new ProblemError("too-large", `the gzip body unpacks to more than ${maxBytes} bytes (${GZIP_EXPANSION_LIMIT} times the upload limit); split the file`));
      else if (fault) done(notUtf8(utf8!.name, fault));
      else done(null, chunk);
    },
    flush(done) {
      const fault = check?.end();
      done(fault ? notUtf8(utf8!.name, fault) : null);
    },
  });
  try {
    await pipeline(Readable.from([bytes]), createGunzip(), limit, createWriteStream(file, { mode: 0o600 }));
  } catch (e) {
    if (e instanceof ProblemError) throw e;
    throw new ProblemError("invalid-request", `the body is sent as gzip (Content-Encoding: gzip) but does not unpack: ${(e as Error).message}`, {
      issues: [{ in: "body", path: "", code: "invalid_gzip", message: (e as Error).message }],
    });
  }
}

const importQueryShape = {
  skipBad: z
    .enum(["true", "false"], { error: "expected true or false" })
    .transform((v) => v === "true")
    .optional()
    .openapi({ type: "boolean", description: "Import the good rows and report the bad ones (default: any bad row aborts the import, nothing changes)." }),
  format: z.enum(["csv", "jsonl", "json", "parquet"]).optional().openapi({ description: "The format, when the Content-Type does not say (e.g. application/octet-stream)." }),
  filename: z
    .string()
    .min(1)
    .max(255)
    .regex(/^[^\u0000-\u001f\u007f/\\]+$/, "a file's name, without folders or control characters")
    .optional()
    .openapi({ description: "The file's name as the user knows it, for the report and problems (`contacts.csv:12`); default `upload.<format>`. Only shown, never a path on the server." }),
};

/**
 * The contacts route's query. `skipDuplicates` is the events route's: sent here, the unknown parameter
 * says so, rather than leaving the caller to wonder why a documented parameter is unknown.
 */
const ImportQuery = z.strictObject(importQueryShape, {
  error: (issue) => {
    if (issue.code !== "unrecognized_keys" || !issue.keys.includes("skipDuplicates")) return undefined;
    const keys = issue.keys.map((k) => JSON.stringify(k)).join(", ");
    return `unknown parameter${issue.keys.length > 1 ? "s" : ""} ${keys}: skipDuplicates applies to events imports only (POST /api/events/import); contacts are upserted by key, so a file sent again updates them and adds no duplicates`;
  },
});

/** The events route's query: also `skipDuplicates` (contacts are upserted by key, so never duplicated). */
const EventsImportQuery = z.strictObject({
  ...importQueryShape,
  skipDuplicates: z
    .enum(["true", "false"], { error: "expected true or false" })
    .transform((v) => v === "true")
    .optional()
    .openapi({
      type: "boolean",
      description:
        "Leave out the events equal to one already stored (same contact, name, time, properties and own columns), so that sending a file again adds nothing. Default false: every event is appended, and the report's `duplicates` counts those equal to a stored one.",
    }),
});

const fileBody = {
  required: true,
  description:
    "The file's bytes. The format comes from the Content-Type, or `format` for application/octet-stream. A gzip file is sent with `Content-Encoding: gzip` (a Parquet file is compressed inside already).",
  content: Object.fromEntries(
    [...Object.keys(FORMAT_OF_TYPE), "application/octet-stream"].map((type) => [type, { schema: { type: "string" as const, format: "binary" } }]),
  ),
};

/** Registers the import routes. */
export function registerImportRoutes(app: Api, { store, limits, imports }: RouteContext): void {
  for (const what of ["contacts", "events"] as const) {
    app.openapi(
      createRoute({
        method: "post",
        path: `/api/${what}/import`,
        tags: ["contacts"],
        summary: `Import ${what} from a file`,
        description: `${what === "contacts" ? "Upserts contacts by key" : "Appends events"} from a CSV, JSON Lines, JSON or Parquet body, checked against the schema; then every dynamic segment is refreshed. Bad rows are reported by line and field (422 and nothing imported, unless skipBad). With \`Prefer: respond-async\` the answer is 202 with an import job to poll (its progress, then its report or problem) and to cancel. Without it, a client that goes away before the rows are committed stops the import: nothing is imported (the history says \`cancelled\`).`,
        request: { query: what === "events" ? EventsImportQuery : ImportQuery, headers: WriteHeaders, body: fileBody },
        responses: {
          200: jsonResponse(ImportReportSchema, "What was imported"),
          202: jsonResponse(ImportJobSchema, "With `Prefer: respond-async`: the import runs on; poll the job at `Location`", LOCATION_HEADER),
          ...writeProblemResponses(400, 409, 413, 415, 422, 429),
        },
      }),
      async (c) => {
        const q: z.infer<typeof EventsImportQuery> = c.req.valid("query");
        const essence = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
        const format = q.format ?? FORMAT_OF_TYPE[essence];
        if (format === undefined) {
          throw new ProblemError(
            "unsupported-media-type",
            `send the file as ${Object.keys(FORMAT_OF_TYPE).join(", ")}, or application/octet-stream with ?format=; got ${essence || "no Content-Type"}`,
          );
        }
        const encoding = (c.req.header("content-encoding") ?? "identity").trim().toLowerCase();
        if (encoding !== "identity" && encoding !== "gzip") throw new ProblemError("unsupported-media-type", `the body's Content-Encoding must be gzip or absent, got ${encoding}`);
        const gzipped = encoding === "gzip";
        if (gzipped && format === "parquet") throw new ProblemError("unsupported-media-type", "send a Parquet file as it is: it is compressed inside already (no Content-Encoding: gzip)");
        const bytes = new Uint8Array(await c.req.arrayBuffer());
        if (bytes.byteLength === 0) throw new ProblemError("invalid-request", "the body is empty: send the file's contents", { issues: [{ in: "body", path: "", code: "too_small", message: "empty" }] });
        if (!gzipped && format !== "parquet" && isGzip(bytes)) {
          throw new ProblemError("invalid-request", "the body is gzip-compressed: send it with the header Content-Encoding: gzip, or unpack it first", {
            issues: [{ in: "body", path: "", code: "invalid_format", message: "gzip data without Content-Encoding: gzip" }],
          });
        }
        // The name shown in the report; the file on disk is always `upload.<format>` in a private folder.
        const name = q.filename ?? `upload.${format}`;
        const dir = await mkdtemp(join(tmpdir(), "segql-import-"));
        const file = join(dir, `upload.${format}`);
        const cleanup = () => rm(dir, { recursive: true, force: true });
        const by = writer(c);
        const importUpload = async (control?: Partial<ImportJobControl>): Promise<ImportReport> => {
          // `name`: the store reports and records the upload by the user's name for it, never by `file`.
          const options: ImportOptions = { format, skipBad: q.skipBad ?? false, skipDuplicates: q.skipDuplicates ?? false, by, name, ...(control ?? {}) };
          return what === "contacts" ? store.importContacts(file, options) : store.importEvents(file, options);
        };
        try {
          const text = format !== "parquet";
          if (gzipped) await gunzipTo(bytes, file, limits.importBytes * GZIP_EXPANSION_LIMIT, text ? { name } : null);
          else {
            const fault = text ? utf8Fault(bytes) : null;
            if (fault) throw notUtf8(name, fault);
            await writeFile(file, bytes, { mode: 0o600 });
          }
        } catch (e) {
          await cleanup();
          throw e;
        }
        if (prefersAsync(c.req.header("prefer"))) {
          let job;
          try {
            job = imports.start(what, name, format, importUpload, cleanup);
          } catch (e) {
            // Refused (too many running): the upload is not kept.
            await cleanup();
            throw e;
          }
          c.header("Location", `/api/imports/${job.id}`);
          c.header("Preference-Applied", "respond-async");
          return c.json(job, 202);
        }
        try {
          // The request's signal, as an export's reads take it: a client that goes away mid-import stops it
          // at its next batch, and the rows written so far are rolled back (409 cancelled to nobody). Once the
          // rows are committed the segments' refresh runs to its end, as a job's does.
          return c.json(await importUpload({ signal: c.req.raw.signal }), 200);
        } finally {
          await cleanup();
        }
      },
    );
  }

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/imports",
      tags: ["contacts"],
      summary: "List import jobs",
      description: "The imports started with `Prefer: respond-async` that this server still keeps (finished ones for an hour), the latest first.",
      responses: { 200: jsonResponse(ImportJobListSchema, "The jobs"), ...problemResponses() },
    }),
    (c) => c.json({ items: imports.list() }, 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/imports/{id}",
      tags: ["contacts"],
      summary: "An import job",
      description: "Its state (`importing`, `refreshing`, `done`, `failed`, `cancelled`), rows read of the file's rows, and at the end its report or its problem.",
      request: { params: ImportJobIdParams },
      responses: { 200: jsonResponse(ImportJobSchema, "The job"), ...problemResponses(400, 404) },
    }),
    (c) => {
      const { id } = c.req.valid("param");
      const job = imports.get(id);
      if (!job) throw new ProblemError("not-found", `no import job ${id} (jobs are kept an hour after they finish, and forgotten when the server restarts; GET /api/import-history lists every import that ended)`);
      return c.json(job, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/api/imports/{id}",
      tags: ["contacts"],
      summary: "Cancel an import job",
      description:
        "Stops it while it reads and writes rows: the rows are rolled back and the job ends `cancelled`. Answers once the job has ended; a job past its rows (refreshing segments) or already finished ends as it would have (`done` or `failed`), which the answer says.",
      request: { params: ImportJobIdParams, headers: WriteHeaders },
      responses: { 200: jsonResponse(ImportJobSchema, "The job, ended"), ...problemResponses(400, 404, 413, 415) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const job = await imports.cancel(id);
      if (!job) throw new ProblemError("not-found", `no import job ${id} (jobs are kept an hour after they finish, and forgotten when the server restarts; GET /api/import-history lists every import that ended)`);
      return c.json(job, 200);
    },
  );
}

/** Registers the import history's routes: every import that read rows, from the API or `segql import`. */
export function registerImportHistoryRoutes(app: Api, { store }: RouteContext): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/import-history",
      tags: ["contacts"],
      summary: "The import history",
      description:
        "Every import that read rows, the latest first, a page at a time: what it read and wrote, who ran it, and for one that wrote nothing its bad rows (`failed`) or that it was `cancelled`. Kept in the store, so a restart keeps it; imports by `segql import` are in it too.",
      request: { query: ImportHistoryQuery },
      responses: { 200: jsonResponse(ImportRecordPageSchema, "A page of the history"), ...problemResponses(400) },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const page = await store.listImports({ limit: q.limit ?? 50, cursor: unwrapCursor("import-history", q.cursor) });
      return c.json({ items: page.items, next: wrapCursor("import-history", page.next) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/import-history/{id}",
      tags: ["contacts"],
      summary: "One import of the history",
      request: { params: ImportRecordIdParams },
      responses: { 200: jsonResponse(ImportRecordSchema, "The import"), ...problemResponses(400, 404) },
    }),
    async (c) => c.json(await store.getImport(c.req.valid("param").id), 200),
  );
}

/** Whether a `Prefer` header asks for `respond-async` (RFC 7240). */
function prefersAsync(header: string | undefined): boolean {
  return (header ?? "").split(",").some((p) => p.split(";")[0]!.trim().toLowerCase() === "respond-async");
}
