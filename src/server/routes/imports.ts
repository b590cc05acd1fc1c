/**
 * Imports over HTTP: a CSV, JSON Lines, JSON or Parquet file sent as the body is written to a private
 * temporary directory and handed to the store's own importer (checked against the schema, bad rows reported
 * by line and field, every dynamic segment refreshed after), then deleted. Paths in the report name the
 * upload (`upload.csv:12`), never the server's temporary file. Clients cannot name files on the server.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvalidInputError, type ImportReport } from "../../store/index.js";
import { ProblemError } from "../problems.js";
import { ImportReportSchema, WriteHeaders } from "../schemas.js";
import { jsonResponse, problemResponses, writer, type Api, type RouteContext } from "./kit.js";

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

const ImportQuery = z.strictObject({
  skipBad: z
    .enum(["true", "false"], { error: "expected true or false" })
    .transform((v) => v === "true")
    .optional()
    .openapi({ type: "boolean", description: "Import the good rows and report the bad ones (default: any bad row aborts the import, nothing changes)." }),
  format: z.enum(["csv", "jsonl", "json", "parquet"]).optional().openapi({ description: "The format, when the Content-Type does not say (e.g. application/octet-stream)." }),
});

const fileBody = {
  required: true,
  description: "The file's bytes. The format comes from the Content-Type, or `format` for application/octet-stream.",
  content: Object.fromEntries(
    [...Object.keys(FORMAT_OF_TYPE), "application/octet-stream"].map((type) => [type, { schema: { type: "string" as const, format: "binary" } }]),
  ),
};

/** Registers the import routes. */
export function registerImportRoutes(app: Api, { store }: RouteContext): void {
  for (const what of ["contacts", "events"] as const) {
    app.openapi(
      createRoute({
        method: "post",
        path: `/api/${what}/import`,
        tags: ["contacts"],
        summary: `Import ${what} from a file`,
        description: `${what === "contacts" ? "Upserts contacts by key" : "Appends events"} from a CSV, JSON Lines, JSON or Parquet body, checked against the schema; then every dynamic segment is refreshed. Bad rows are reported by line and field (422 and nothing imported, unless skipBad).`,
        request: { query: ImportQuery, headers: WriteHeaders, body: fileBody },
        responses: { 200: jsonResponse(ImportReportSchema, "What was imported"), ...problemResponses(400, 413, 415, 422) },
      }),
      async (c) => {
        const q = c.req.valid("query");
        const essence = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
        const format = q.format ?? FORMAT_OF_TYPE[essence];
        if (format === undefined) {
          throw new ProblemError(
            "unsupported-media-type",
            `send the file as ${Object.keys(FORMAT_OF_TYPE).join(", ")}, or application/octet-stream with ?format=; got ${essence || "no Content-Type"}`,
          );
        }
        const bytes = new Uint8Array(await c.req.arrayBuffer());
        if (bytes.byteLength === 0) throw new ProblemError("invalid-request", "the body is empty: send the file's contents", { issues: [{ in: "body", path: "", code: "too_small", message: "empty" }] });
        const name = `upload.${format}`;
        const dir = await mkdtemp(join(tmpdir(), "segql-import-"));
        const file = join(dir, name);
        const rename = (text: string) => text.split(file).join(name);
        try {
          await writeFile(file, bytes, { mode: 0o600 });
          const options = { format, skipBad: q.skipBad ?? false, by: writer(c) };
          let report: ImportReport;
          try {
            report = what === "contacts" ? await store.importContacts(file, options) : await store.importEvents(file, options);
          } catch (e) {
            if (e instanceof InvalidInputError) {
              throw new InvalidInputError(
                e.problems.map((p) => ({ ...p, path: rename(p.path), message: rename(p.message), ...(p.file !== undefined ? { file: rename(p.file) } : {}) })),
                e.total,
              );
            }
            throw e;
          }
          return c.json(
            { ...report, file: name, bad: report.bad.map((p) => ({ ...p, path: rename(p.path), message: rename(p.message), ...(p.file !== undefined ? { file: rename(p.file) } : {}) })) },
            200,
          );
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      },
    );
  }
}
