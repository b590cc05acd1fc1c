/**
 * The API's request and response shapes as zod schemas: the same objects validate requests (through
 * `@hono/zod-openapi`) and generate the OpenAPI 3.1 document at `/openapi.json`, so the two cannot drift.
 *
 * Request bodies and query strings are strict (an unknown property is a 400 naming it); every string and
 * list has a maximum, so no single field can make the server do unbounded work before the store's own
 * limits apply. Query values arrive as text and are converted here (`"true"` → true, `"50"` → 50).
 */
import { z } from "@hono/zod-openapi";
import { DIALECT_NAMES } from "../compiler/sql/index.js";
import { LIMITS } from "../parser/limits.js";
import { parseDate, parseTimestamp } from "../checker/time.js";
import { MAX_KEY_LENGTH, wellFormed } from "../store/index.js";

/** Most contacts in one upsert request and most events in one append request. */
export const MAX_BATCH = 10_000;
/** Most keys in one member edit (JSON or upload). */
export const MAX_KEYS = 100_000;
/** Longest contact key accepted: the store's (a longer key is refused on writes too). */
export { MAX_KEY_LENGTH };
/** Longest cursor accepted (cursors the server makes are far shorter). */
const MAX_CURSOR = 2000;

// ---- query-string helpers -----------------------------------------------------------------------------

/** A whole number written in a query string, within bounds. */
function intQuery(min: number, max: number, description: string) {
  return z
    .string()
    .regex(/^\d{1,15}$/, "expected a whole number")
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .optional()
    .openapi({ description, type: "integer", minimum: min, maximum: max });
}

/** `true` / `false` in a query string. */
function boolQuery(description: string) {
  return z
    .enum(["true", "false"], { error: "expected true or false" })
    .transform((v) => v === "true")
    .optional()
    .openapi({ description, type: "boolean" });
}

const cursorQuery = z.string().max(MAX_CURSOR).optional().openapi({ description: "The `next` value of the previous page (opaque)." });

/**
 * Longest expression a route takes: the store's limit (src/store/store.ts), which every route's expression
 * reaches (check included, for its segment references). It is below the parser's own (`LIMITS.maxInputBytes`),
 * so the OpenAPI document states the one that applies and a longer text is a 400 on the field.
 */
export const MAX_EXPRESSION_CHARS = Math.min(100_000, LIMITS.maxInputBytes);

/**
 * JSON may spell a lone UTF-16 surrogate (`"\\ud800"`), which no database stores: each would keep U+FFFD
 * instead, so a name, a description or an expression would be saved changed, without a word. Refused
 * instead, as U+0000 is.
 */
const LONE_SURROGATE_MESSAGE = "text cannot hold a lone UTF-16 surrogate (\\ud800-\\udfff without its pair): it is not Unicode, and would be stored as U+FFFD";

/** An expression's text, refused before parsing when longer than the routes take. */
const expressionText = z
  .string()
  .max(MAX_EXPRESSION_CHARS, `an expression has at most ${MAX_EXPRESSION_CHARS} characters`)
  .refine(wellFormed, LONE_SURROGATE_MESSAGE)
  // The example reads the demo database's schema (`segql serve --demo`, as the key examples do).
  .openapi({ description: "A segql expression.", example: 'contract = "Month-to-month" and tenure < 12' });

/**
 * U+0000 cannot be stored in PostgreSQL text or JSON, so no backend takes it through the API: the same
 * request gets the same answer whatever the database.
 */
const NUL_MESSAGE = "text cannot contain U+0000 (PostgreSQL cannot store it)";

/** What every contact key passes, wherever the request names it: not empty, not too long, storable. */
const keyChecks = (text: z.ZodString) =>
  text
    .min(1, "a key cannot be empty")
    .max(MAX_KEY_LENGTH)
    .refine((k) => !k.includes("\u0000"), NUL_MESSAGE)
    .refine(wellFormed, LONE_SURROGATE_MESSAGE);

const contactKey = keyChecks(z.string());

/** Reports every string holding U+0000 inside a JSON value, by path (iteratively: no recursion on input depth). */
function refuseNul(value: unknown, ctx: z.RefinementCtx, base: (string | number)[]): void {
  const stack: { v: unknown; path: (string | number)[] }[] = [{ v: value, path: base }];
  let reported = 0;
  while (stack.length > 0 && reported < 20) {
    const { v, path } = stack.pop()!;
    if (typeof v === "string") {
      if (v.includes("\u0000")) {
        ctx.addIssue({ code: "custom", message: NUL_MESSAGE, path });
        reported++;
      }
    } else if (Array.isArray(v)) v.forEach((x, i) => stack.push({ v: x, path: [...path, i] }));
    else if (v !== null && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) {
        if (k.includes("\u0000")) {
          ctx.addIssue({ code: "custom", message: NUL_MESSAGE, path: [...path, k] });
          reported++;
        }
        stack.push({ v: x, path: [...path, k] });
      }
    }
  }
}

// ---- shared response parts ----------------------------------------------------------------------------

/**
 * A named schema, or null. Not `.nullable()`: on a schema registered by name, zod-to-openapi writes that as
 * `allOf: [{$ref}, {type: [object, null]}]`, which admits no null (the `$ref` part refuses it: a generated
 * client reads a running import job's `report: null` as an error), or, met first, makes the named schema
 * itself nullable everywhere; a union is written `anyOf: [{$ref}, {type: null}]`, which says what is sent.
 */
function orNull<T extends z.ZodType>(schema: T) {
  return z.union([schema, z.null()]);
}

/** An RFC 9457 problem document. */
export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: "urn:segql:problem:name-taken" }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
  })
  .catchall(z.unknown())
  .openapi("Problem", { description: "An error (RFC 9457). Extension members depend on `type`, see docs/api.md." });

const SpanSchema = z
  .object({ start: z.number().int(), end: z.number().int(), line: z.number().int(), column: z.number().int() })
  .openapi("Span", { description: "A half-open range `[start, end)` of UTF-16 offsets into the text, with the 1-based line and column of `start`." });

/** A checker diagnostic, its span flattened. */
export const DiagnosticSchema = z
  .object({
    code: z.string().openapi({ example: "unknown-field" }),
    severity: z.enum(["error", "warning", "info"]),
    message: z.string(),
    line: z.number().int(),
    column: z.number().int(),
    start: z.number().int(),
    end: z.number().int(),
    fix: z
      .object({
        title: z.string(),
        edits: z.array(z.object({ start: z.number().int(), end: z.number().int(), line: z.number().int(), column: z.number().int(), text: z.string() })),
      })
      .optional(),
  })
  .openapi("Diagnostic");

const SegmentSummarySchema = z.object({ id: z.number().int(), name: z.string() }).openapi("SegmentSummary");

const SegmentKindSchema = z.enum(["static", "dynamic"]);

/** Why a saved segment's last refresh failed. */
const RefreshFailureSchema = z
  .object({
    code: z.enum(["query-timeout", "invalid-expression", "other"]).openapi({ description: "`query-timeout`: its query ran past the server's query time limit (`limitMs`); `invalid-expression`: its expression has errors (it reads a segment deleted with `force`, …)." }),
    message: z.string().openapi({ description: "In words, e.g. `it took longer than the query time limit (30 s) and was stopped`, `its expression has errors: unknown segment \"VIP\"`." }),
    limitMs: z.number().int().optional(),
  })
  .openapi("RefreshFailure");

/** A dynamic segment's last refresh attempt. */
const RefreshStatusSchema = z
  .discriminatedUnion("status", [
    z.object({ status: z.literal("ok"), triedAt: z.string() }),
    z.object({ status: z.literal("failed"), triedAt: z.string(), error: RefreshFailureSchema }),
  ])
  .openapi("RefreshStatus");

/** A saved segment. */
export const SegmentSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    description: z.string(),
    kind: SegmentKindSchema,
    expression: z.string().nullable(),
    version: z.number().int(),
    createdAt: z.string(),
    createdBy: z.string().nullable(),
    updatedAt: z.string(),
    updatedBy: z.string().nullable(),
    memberCount: z.number().int(),
    refreshedAt: z.string().nullable(),
    refresh: RefreshStatusSchema.nullable().openapi({
      description:
        "A dynamic segment's last refresh attempt: `ok` (its members are from `triedAt`), or `failed`: tried at `triedAt` and not done, so its members are still those of `refreshedAt`; `error` says why. Cleared by the next refresh that succeeds. Null for a static segment (and a dynamic one never refreshed).",
    }),
    references: z.array(SegmentSummarySchema),
    referencedBy: z.array(SegmentSummarySchema),
    relativeTime: z.boolean(),
    problems: z.array(DiagnosticSchema),
  })
  .openapi("Segment");

/** A page of segments. */
export const SegmentPageSchema = z.object({ items: z.array(SegmentSchema), next: z.string().nullable() }).openapi("SegmentPage");

/** A deleted segment in the trash. */
export const DeletedSegmentSchema = SegmentSchema.pick({ id: true, name: true, description: true, kind: true, expression: true, createdAt: true, createdBy: true })
  .extend({
    version: z.number().int().openapi({ description: "The version its deletion made (its history has a `deleted` version)." }),
    deletedAt: z.string(),
    deletedBy: z.string().nullable(),
    memberCount: z.number().int().openapi({ description: "Members when it was deleted." }),
    purgesAt: z.string().nullable().openapi({ description: "When the server purges it for good (`segql serve --keep-deleted`, 30 days by default); null: kept until purged by hand." }),
  })
  .openapi("DeletedSegment");

/** What emptying the trash did. */
export const EmptiedTrashSchema = z.object({ purged: z.number().int().openapi({ description: "How many deleted segments were purged." }) }).openapi("EmptiedTrash");

/** A page of the trash. */
export const DeletedSegmentPageSchema = z.object({ items: z.array(DeletedSegmentSchema), next: z.string().nullable() }).openapi("DeletedSegmentPage");

/** One saved version of a segment (the history). */
export const SegmentVersionSchema = z
  .object({
    segmentId: z.number().int(),
    version: z.number().int(),
    name: z.string(),
    description: z.string(),
    kind: SegmentKindSchema,
    expression: z.string().nullable(),
    at: z.string(),
    by: z.string().nullable(),
    changed: z.array(z.string()),
    copiedFrom: z
      .object({ id: z.number().int(), version: z.number().int(), name: z.string() })
      .nullable()
      .openapi({ description: "On the first version of a duplicate: the segment it was copied from, its version and name then; else null." }),
  })
  .openapi("SegmentVersion");

const ContactValuesSchema = z.record(z.string(), z.unknown()).openapi("ContactValues", {
  description: "A contact: schema field name → value (timestamps ISO-8601 UTC, dates YYYY-MM-DD, lists arrays of strings, empties null).",
});

/** A page of members with their contact values. */
export const MembersPageSchema = z
  .object({ items: z.array(ContactValuesSchema), next: z.string().nullable(), total: z.number().int() })
  .openapi("MembersPage");

/** What a member edit did. */
export const MemberUpdateSchema = z
  .object({ changed: z.number().int(), unchanged: z.number().int(), unknown: z.array(z.string()), memberCount: z.number().int() })
  .openapi("MemberUpdate");

/** The member keys at a past instant. */
export const MembersAtSchema = z.object({ at: z.string(), keys: z.array(z.string()), count: z.number().int() }).openapi("MembersAt");

const ConditionCountSchema = z
  .object({
    index: z.number().int(),
    parent: z.number().int().nullable(),
    span: SpanSchema,
    text: z.string().openapi({ description: "The condition as written, its parentheses included: a condition of its own." }),
    label: z.string(),
    kind: z.enum(["and", "or", "not", "rule", "event", "segment"]),
    depth: z.number().int(),
    count: z.number().int(),
  })
  .openapi("ConditionCount");

const ImpactSchema = z
  .object({
    segmentId: z.number().int(),
    entering: z.number().int(),
    leaving: z.number().int(),
    before: z.number().int(),
    after: z.number().int(),
    enteringKeys: z.array(z.string()),
    leavingKeys: z.array(z.string()),
  })
  .openapi("Impact");

/** What a preview returns: count, first page, SQL, per-condition counts, impact. */
export const PreviewSchema = z
  .object({
    count: z.number().int(),
    contacts: z.array(ContactValuesSchema),
    sql: z.object({ dialect: z.enum(DIALECT_NAMES as [string, ...string[]]), text: z.string() }),
    conditions: z.array(ConditionCountSchema),
    impact: orNull(ImpactSchema),
    now: z.string(),
  })
  .openapi("Preview");

/** The checker's verdict on an expression, diagnostics flattened. */
export const ExpressionCheckSchema = z
  .object({ ok: z.boolean(), diagnostics: z.array(DiagnosticSchema), references: z.array(SegmentSummarySchema), relativeTime: z.boolean() })
  .openapi("ExpressionCheck");

const ExplainNodeSchema = z
  .object({
    kind: z.string(),
    value: z.boolean(),
    scope: z.enum(["contact", "event"]),
    span: SpanSchema,
    label: z.string(),
    read: z.record(z.string(), z.unknown()).nullable().openapi({ description: "What the node read: a field's value, the events it counted, or how many events passed a filter." }),
    children: z.array(z.record(z.string(), z.unknown())).openapi({ description: "Child nodes (each an ExplainNode)." }),
    repeated: z.boolean().optional(),
  })
  .openapi("ExplainNode");

/** Why / why not for one contact: the expression's tree with each node's value. */
export const WhySchema = z
  .object({ key: z.string(), matches: z.boolean(), root: ExplainNodeSchema, now: z.string(), segment: orNull(SegmentSummarySchema) })
  .openapi("Why");

const RefreshResultSchema = z
  .object({
    segmentId: z.number().int(),
    name: z.string(),
    entered: z.number().int(),
    exited: z.number().int(),
    memberCount: z.number().int(),
    skipped: z.string().optional().openapi({ description: "Why the segment was not refreshed (its members are as they were): its expression has errors, or its query ran past the server's query time limit. Also kept with the segment (its `refresh`) until a refresh succeeds." }),
    ms: z.number(),
  })
  .openapi("RefreshResult");

/** What a refresh did, per segment. */
export const RefreshResultsSchema = z.object({ results: z.array(RefreshResultSchema) }).openapi("RefreshResults");

/** A problem of an imported row (or a remark on one), by file, line and field. */
const ImportProblemSchema = z.object({ path: z.string(), message: z.string(), file: z.string().optional(), line: z.number().int().optional(), field: z.string().optional() });

/** What an import did: rows read, written, the first bad rows by line and field, and the refresh it triggered. */

export const ImportReportSchema = z
  .object({
    file: z.string(),
    rows: z.number().int(),
    inserted: z.number().int().openapi({ description: "Contacts: new contacts. Events: events appended (without duplicates left out by `skipDuplicates`)." }),
    updated: z.number().int().openapi({ description: "Contacts whose stored values the import changed." }),
    unchanged: z.number().int().openapi({ description: "Contacts that already held every value the file gives them (nothing changed). Events: 0." }),
    duplicates: z.number().int().openapi({
      description: "Events equal to one stored before the import (same contact, name, time, properties and own columns): appended, or left out with `skipDuplicates`. Contacts: 0.",
    }),
    truncatedTimes: z.number().int().openapi({
      description: "Timestamps written with digits past the millisecond (`10:00:00.123456`, as PostgreSQL and BigQuery export them), stored cut to the millisecond: segql keeps milliseconds. Digits that are all zeros are not counted.",
    }),
    firstTruncatedTime: orNull(ImportProblemSchema).openapi({ description: "The first of them: file, line, field, and its value as given in `message`." }),
    bad: z.array(ImportProblemSchema).openapi({ description: "The problems of the bad rows (the first 100), by file, line and field." }),
    badCount: z.number().int().openapi({ description: "Bad rows: a row with three bad values counts once." }),
    refreshed: z.array(RefreshResultSchema),
  })
  .openapi("ImportReport");

/** An import running after its request was answered (`Prefer: respond-async`). */
export const ImportJobSchema = z
  .object({
    id: z.string(),
    kind: z.enum(["contacts", "events"]),
    file: z.string().openapi({ description: "The upload's name in the report (`filename`, else upload.csv)." }),
    format: z.enum(["csv", "jsonl", "json", "parquet"]),
    state: z.enum(["importing", "refreshing", "done", "failed", "cancelled"]).openapi({
      description: "importing: reading and writing rows (a cancel rolls them back); refreshing: rows committed, dynamic segments being refreshed; then done, failed or cancelled.",
    }),
    rows: z.number().int().openapi({ description: "Rows read so far." }),
    total: z.number().int().nullable().openapi({ description: "The file's rows, once counted." }),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    report: orNull(ImportReportSchema).openapi({ description: "When done." }),
    problem: orNull(ProblemSchema).openapi({ description: "When failed (bad rows: invalid-input with problems) or cancelled." }),
  })
  .openapi("ImportJob");

/** The import jobs a server keeps. */
export const ImportJobListSchema = z.object({ items: z.array(ImportJobSchema) }).openapi("ImportJobList");

/** Path parameter of an import job. */
export const ImportJobIdParams = z.object({
  id: z
    .string()
    .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, "an import job id (as the 202 answer gave it)")
    .openapi({ param: { name: "id", in: "path" }, example: "3b241101-e2bb-4255-8caf-4136c566a962" }),
});

/** One import of the store's history (`GET /api/import-history`). */
export const ImportRecordSchema = z
  .object({
    id: z.number().int(),
    kind: z.enum(["contacts", "events"]),
    file: z.string().openapi({ description: "The file's name as its user gave it (`filename` of an upload; the path given to `segql import`)." }),
    format: z.enum(["csv", "jsonl", "json", "parquet"]),
    state: z.enum(["running", "done", "failed", "cancelled", "interrupted"]).openapi({
      description:
        "running: not finished yet (its counts are written when it ends); done: its rows were committed (with skipBad, the good ones); failed: bad rows (without skipBad) or an unreadable file, nothing written; cancelled: nothing written; interrupted: the server stopped (or an internal error ended it) before it finished, nothing written.",
    }),
    startedAt: z.string(),
    finishedAt: z.string().nullable().openapi({ description: "When it ended; null while running, and for an interrupted import." }),
    by: z.string().nullable().openapi({ description: "Who ran it (`Segql-User`), if known." }),
    rows: z.number().int().openapi({ description: "Rows read." }),
    inserted: z.number().int(),
    updated: z.number().int(),
    skipBad: z.boolean(),
    bad: ImportReportSchema.shape.bad.openapi({ description: "The first 100 bad rows, by file, line and field." }),
    badCount: z.number().int(),
    unchanged: z.number().int().nullable().openapi({ description: "Contacts: rows equal to the stored contact, so not updated (as the report's `unchanged`). 0 unless done; null: recorded by a segql from before this was kept." }),
    duplicates: z.number().int().nullable().openapi({ description: "Events: events equal to one stored before the import (as the report's `duplicates`): appended, or left out when `skipDuplicates`. 0 unless done; null: not recorded." }),
    truncatedTimes: z.number().int().nullable().openapi({ description: "Timestamps stored cut to the millisecond (as the report's `truncatedTimes`). 0 unless done; null: not recorded." }),
    skipDuplicates: z.boolean().nullable().openapi({ description: "Whether events equal to a stored one were left out (`skipDuplicates`); null: not recorded." }),
    entered: z.number().int().nullable().openapi({ description: "Memberships entered in the refresh after a done import (null: not known)." }),
    exited: z.number().int().nullable().openapi({ description: "Memberships exited in that refresh (null: not known)." }),
  })
  .openapi("ImportRecord");

/** A page of the import history. */
export const ImportRecordPageSchema = z.object({ items: z.array(ImportRecordSchema), next: z.string().nullable() }).openapi("ImportRecordPage");

/** Path parameter of an import of the history. */
export const ImportRecordIdParams = z.object({
  id: z
    .string()
    .regex(/^[1-9]\d{0,14}$/, "an import's id is a positive whole number")
    .transform(Number)
    .openapi({ param: { name: "id", in: "path" }, type: "integer", example: 3 }),
});

const MembershipChangeSchema = z
  .object({
    seq: z.number().int(),
    segmentId: z.number().int(),
    key: z.string().openapi({ description: 'The contact\'s key; `""` for a contact since erased (`erase` of a contact deletion).' }),
    change: z.enum(["entered", "exited"]),
    at: z.string(),
    segmentVersion: z.number().int(),
  })
  .openapi("MembershipChange");

/** A page of membership changes only (the feed read without `include`); `next` is the following `since`. */
export const ChangesPageSchema = z
  .object({ items: z.array(MembershipChangeSchema), next: z.number().int().openapi({ description: "The `since` of the following call." }) })
  .openapi("MembershipChangesPage");

/** A segment's refresh status changed: the feed's segment-level item (`include=refresh`). */
const RefreshChangeSchema = z
  .object({
    seq: z.number().int(),
    segmentId: z.number().int(),
    change: z.enum(["refresh-failed", "refresh-ok"]).openapi({
      description: "`refresh-failed`: a refresh failed where the segment was not failed (or failed for another reason; a failure repeated for the same reason is not logged again); `refresh-ok`: a refresh succeeded where it was failed.",
    }),
    at: z.string(),
    segmentVersion: z.number().int(),
    refresh: RefreshStatusSchema.openapi({ description: "The segment's refresh status from then on, as the segment's `refresh` says it." }),
  })
  .openapi("RefreshChange");

/** A segment was created, changed, deleted or restored: the feed's lifecycle item (`include=segments`). */
const SegmentLifecycleChangeSchema = z
  .object({
    seq: z.number().int(),
    segmentId: z.number().int(),
    change: z.enum(["segment-created", "segment-updated", "segment-deleted", "segment-restored"]).openapi({
      description:
        "`segment-created`: created or duplicated; `segment-updated`: renamed, described, its expression edited (also by a rename of a segment it reads) or converted to static (`changed` says which); `segment-deleted`: moved to the trash; `segment-restored`: back from it.",
    }),
    at: z.string(),
    segmentVersion: z.number().int().openapi({ description: "The version this change made (as in `GET /api/segments/{id}/versions`)." }),
    name: z.string().openapi({ description: "The segment's name from then on (`segment-deleted`: the name it had)." }),
    changed: z.array(z.string()).openapi({ description: "What the version changed, as its versions say it: `created`, `deleted`, `restored`, `name`, `description`, `expression`, `kind`." }),
  })
  .openapi("SegmentLifecycleChange");

/** A page of the change feed; `next` is the following `since`. Segment-level items only with `include`. */
export const FeedPageSchema = z
  .object({
    items: z.array(z.union([MembershipChangeSchema, RefreshChangeSchema, SegmentLifecycleChangeSchema])).openapi({
      description: "Oldest first. Membership changes; with `include=refresh`, also `RefreshChange` items; with `include=segments`, also `SegmentLifecycleChange` items (told apart by `change`).",
    }),
    next: z.number().int().openapi({ description: "The `since` of the following call." }),
  })
  .openapi("ChangesPage");

/** The feed items of a page read with `include=refresh`, as clients see them. */
export type RefreshChangeJson = z.infer<typeof RefreshChangeSchema>;

/** The feed items of a page read with `include=segments`, as clients see them. */
export type SegmentLifecycleChangeJson = z.infer<typeof SegmentLifecycleChangeSchema>;

/** A page of a segment's changes, newest first. */
export const SegmentChangesPageSchema = z
  .object({ items: z.array(MembershipChangeSchema), next: z.number().int().nullable().openapi({ description: "The `before` of the following (older) page; null: none." }) })
  .openapi("SegmentChangesPage");

/** A segment's member count over time. */
export const MemberCountsSchema = z
  .object({ items: z.array(z.object({ at: z.string(), count: z.number().int(), entered: z.number().int(), exited: z.number().int() })) })
  .openapi("MemberCounts");

/** Body of `POST /api/contacts/lookup`. */
export const LookupBody = z
  .strictObject({
    keys: z.array(z.string().max(MAX_KEY_LENGTH)).min(1, "give at least one key").max(MAX_KEYS),
    segmentId: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional().openapi({ description: "Also say which known keys are this segment's members now (`members`)." }),
  })
  .openapi("KeyLookup");

/** Which keys are contacts. */
export const LookupSchema = z
  .object({ known: z.array(z.string()), unknown: z.array(z.string()), members: z.array(z.string()).optional().openapi({ description: "With `segmentId`: the known keys that are its members now." }) })
  .openapi("KeyLookupResult");

/** One contact with the segments it is in and its recent events. */
export const ContactRecordSchema = z
  .object({
    key: z.string(),
    values: ContactValuesSchema,
    segments: z.array(SegmentSummarySchema),
    recentEvents: z.array(z.record(z.string(), z.unknown())).openapi({ description: "Its 100 most recent events, newest first (GET /api/contacts/{key}/events pages through them all)." }),
    eventCount: z.number().int().openapi({ description: "How many events it has in all." }),
    eventsNext: z.string().nullable().openapi({ description: "The `cursor` of GET /api/contacts/{key}/events for the events after `recentEvents` (null: none)." }),
  })
  .openapi("ContactRecord");

/** A page of a contact's events, newest first. */
export const ContactEventsPageSchema = z
  .object({ items: z.array(z.record(z.string(), z.unknown())), total: z.number().int(), next: z.string().nullable() })
  .openapi("ContactEventsPage");

/** Query of `GET /api/contacts/{key}/events`. */
export const ContactEventsQuery = z.strictObject({
  limit: intQuery(1, 1000, "Page size (default 100)."),
  cursor: cursorQuery,
});

/** A page of contacts found by search or filter. */
export const ContactPageSchema = z
  .object({ items: z.array(ContactValuesSchema), next: z.string().nullable(), total: z.number().int() })
  .openapi("ContactPage");

/** What an upsert or append wrote and the membership changes it caused. */
export const WriteResultSchema = z
  .object({ inserted: z.number().int(), updated: z.number().int(), changes: z.array(MembershipChangeSchema) })
  .openapi("WriteResult");

/** Body of `POST /api/contacts/delete`. */
export const DeleteContactsBody = z
  .strictObject({
    keys: z.array(z.string().max(MAX_KEY_LENGTH)).min(1, "give at least one key").max(10_000),
    skipUnknown: z.boolean().optional().openapi({ description: "Delete the keys that are contacts and list the others in `unknown` (default: a key that is no contact refuses the whole request, 422 `unknown-keys`)." }),
    erase: z.boolean().optional().openapi({
      description:
        "Also erase what the store keeps of them after a deletion, for an erasure request (GDPR art. 17): their change-feed rows lose the key (`\"\"`, seq kept), import-history bad rows quoting a key or a text value say `[erased]` (default false: they stay).",
    }),
  })
  .openapi("DeleteContacts");

/** What an erasure did besides deleting. */
export const ErasedHistorySchema = z
  .object({
    feedRows: z.number().int().openapi({ description: 'Change-feed rows (past entries and exits, and the exits of this deletion) that now have the key `""`, their seq, segment, change and time kept.' }),
    importProblems: z.number().int().openapi({ description: "Bad rows of the import history that quoted a key or a text value of the contacts, now `[erased]`." }),
    segmentsQuoting: z.array(z.number().int()).openapi({
      description: "Segments (live or in the trash) whose name, description or expression, now or in an earlier version, quote a key or value: not changed (that would change an audience); edit them or empty the trash.",
    }),
    importJobs: z.number().int().optional().openapi({ description: "Finished import jobs this server kept in memory whose bad rows quoted a key: forgotten (their history record stays, redacted)." }),
  })
  .openapi("ErasedHistory");

/** What a deletion of contacts did. */
export const DeletedContactsSchema = z
  .object({
    deleted: z.number().int().openapi({ description: "Contacts deleted." }),
    events: z.number().int().openapi({ description: "Their events, deleted with them." }),
    unknown: z.array(z.string()).openapi({ description: "Keys that were no contact (with skipUnknown)." }),
    changes: z.array(MembershipChangeSchema).openapi({ description: "Every segment each contact was in, exited (in the change feed too; with erase, without the key there)." }),
    erased: ErasedHistorySchema.optional().openapi({ description: "With erase: what else was erased." }),
  })
  .openapi("DeletedContacts");

/** The health answer: version, backend, counts. */
export const HealthSchema = z
  .object({
    status: z.literal("ok"),
    version: z.string(),
    backend: z.enum(["duckdb", "postgres"]),
    location: z.string(),
    contacts: z.number().int(),
    events: z.number().int(),
    segments: z.number().int(),
    lastChangeSeq: z.number().int(),
    limits: z
      .object({
        bodyBytes: z.number().int().openapi({ description: "Most bytes of an ordinary request body." }),
        bulkBytes: z.number().int().openapi({ description: "Most bytes of a bulk body (contacts, events, member lists, key lookups)." }),
        importBytes: z.number().int().openapi({ description: "Most bytes of an imported file (`POST /api/contacts/import`, `/api/events/import`)." }),
      })
      .openapi({ description: "The request body limits in force." }),
  })
  .openapi("Health");

/** The store's schema in schema-file form. */
export const SchemaDocumentSchema = z.record(z.string(), z.unknown()).openapi("SchemaDocument", {
  description: "The schema the database was created with, as a schema file holds it (docs/language.md).",
});

// ---- parameters ---------------------------------------------------------------------------------------

/** `{id}` of a segment path. */
export const IdParams = z.object({
  id: z
    .string()
    .regex(/^[1-9]\d{0,14}$/, "a segment id is a positive whole number")
    .transform(Number)
    .openapi({ param: { name: "id", in: "path" }, type: "integer", example: 12 }),
});

/** `{id}` and `{key}` of a why path. */
export const IdKeyParams = IdParams.extend({
  key: contactKey.openapi({ param: { name: "key", in: "path" }, example: "7590-VHVEG" }),
});

/** `{key}` of a contact path. */
export const KeyParams = z.object({ key: contactKey.openapi({ param: { name: "key", in: "path" }, example: "7590-VHVEG" }) });

/** The optional headers of writes. */
export const WriteHeaders = z.object({
  "segql-user": z.string().max(200).optional().openapi({ description: "Who makes the change (kept in the version history and change log)." }),
});

/** The headers of edits to a saved segment. */
export const EditHeaders = WriteHeaders.extend({
  "if-match": z
    .string()
    .max(1000)
    .optional()
    .openapi({ description: 'The segment\'s ETag as last read (`"v3"`): 412 and nothing written if it changed since. Optional (see docs/api.md).' }),
});

/** Orders of the segment list: a property, `-` first for descending. */
export const SEGMENT_SORTS = [
  "name", "-name", "description", "-description", "kind", "-kind", "createdAt", "-createdAt", "updatedAt", "-updatedAt", "memberCount", "-memberCount", "id", "-id",
] as const;

/** Query of `GET /api/segments`. */
export const ListSegmentsQuery = z.strictObject({
  kind: SegmentKindSchema.optional(),
  search: z.string().max(200).optional().openapi({ description: "Only segments whose name contains this text (ignoring case)." }),
  name: z.string().max(200).optional().openapi({ description: "Only the segment with exactly this name (ignoring case): a page of one or none." }),
  refresh: z.enum(["failed"]).optional().openapi({ description: "`failed`: only the dynamic segments whose last refresh failed (their members are stale)." }),
  sort: z.enum(SEGMENT_SORTS).optional().openapi({ description: "Order: a property, `-` for descending (default `name`)." }),
  limit: intQuery(1, 1000, "Page size (default 100)."),
  cursor: cursorQuery,
});

/** Query of `GET /api/deleted-segments`. */
export const ListDeletedQuery = z.strictObject({
  search: z.string().max(200).optional().openapi({ description: "Only segments whose name contains this text (ignoring case)." }),
  limit: intQuery(1, 1000, "Page size (default 100)."),
  cursor: cursorQuery,
});

/** Query of `GET /api/import-history`. */
export const ImportHistoryQuery = z.strictObject({
  limit: intQuery(1, 1000, "Page size (default 50)."),
  cursor: cursorQuery,
});

/** Query of `GET /api/segments/{id}/members`. */
export const MembersQuery = z.strictObject({
  search: z.string().max(200).optional().openapi({ description: "Only members whose fields contain this text (as the contact search)." }),
  limit: intQuery(1, 1000, "Page size (default 50)."),
  cursor: cursorQuery,
  orderBy: z.string().max(200).optional().openapi({ description: "A schema field to sort by (default the key); empties last." }),
  descending: boolQuery("Sort descending."),
});

/** Query of `GET /api/segments/{id}/members-at`. */
export const MembersAtQuery = z.strictObject({
  at: z
    .string()
    .max(100)
    .refine((v) => !Number.isNaN(instantOf(v)), "expected an ISO-8601 instant (2026-01-31T12:00:00Z) or epoch milliseconds")
    .openapi({ description: "The instant: ISO-8601 or epoch milliseconds.", example: "2026-01-31T12:00:00Z" }),
});

/** The epoch ms of an ISO-8601 text (no zone: UTC) or of digits (epoch ms); NaN when it is neither. */
export function instantOf(text: string): number {
  if (/^\d{1,15}$/.test(text)) return Number(text);
  // Date.parse also accepts loose forms ("1 2 3"); require the ISO shape first.
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?)(Z|[+-]\d{2}:\d{2})?)?$/i.exec(text);
  if (!m) return NaN;
  // Date.parse rolls a day past the month's end over (2024-02-30 → March 1st): refuse it instead.
  const [year, month, day] = m[1]!.split("-").map(Number) as [number, number, number];
  const calendar = new Date(Date.UTC(2000, month - 1, day));
  calendar.setUTCFullYear(year);
  if (month < 1 || month > 12 || calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day) return NaN;
  // No zone means UTC, as everywhere in segql (Date.parse would read a date-time without one as local time).
  return Date.parse(m[2] === undefined ? `${m[1]}T00:00:00Z` : `${m[1]}T${m[2]}${m[3] ?? "Z"}`);
}

/** Query of `GET /api/segments/{id}/changes`. */
export const SegmentChangesQuery = z.strictObject({
  before: intQuery(1, Number.MAX_SAFE_INTEGER, "Only changes before this sequence number (the previous page's `next`)."),
  limit: intQuery(1, 1000, "Page size (default 50)."),
});

/**
 * A contact key in the query string (`?key=`), for the routes that name a contact outside the path: `.` and
 * `..` are path steps in any URL (`%2E%2E` too), which clients and servers remove, so no `/{key}` path can
 * carry them. Left out or given twice, it is refused saying so (a value that is no text is one of the two).
 */
const keyInQuery = keyChecks(
  z.string({ error: (issue) => (issue.input === undefined ? "give the contact's key: key=…" : "give one key: key= once") }),
).openapi({ description: "The contact's key, any key (`.` and `..` too), percent-encoded as any query value.", example: "7590-VHVEG" });

/** Query of `GET /api/contact` and `GET /api/segments/{id}/why` (the key outside the path). */
export const KeyQuery = z.strictObject({ key: keyInQuery });

/** Query of `GET /api/contact/events`: `GET /api/contacts/{key}/events`'s with the key. */
export const ContactEventsKeyQuery = ContactEventsQuery.extend({ key: keyInQuery });

/** Query of `GET /api/contact/changes`: `GET /api/contacts/{key}/changes`'s with the key. */
export const ContactChangesKeyQuery = SegmentChangesQuery.extend({ key: keyInQuery });

/** Query of `GET /api/segments/{id}/member-counts`. */
export const MemberCountsQuery = z.strictObject({
  points: intQuery(1, 1000, "At most this many points (default 100)."),
});

/** Query of `DELETE /api/contacts/{key}`. */
export const DeleteContactQuery = z.strictObject({
  erase: boolQuery(
    "Also erase what the store keeps of the contact after a deletion, for an erasure request (GDPR art. 17): its change-feed rows lose the key (`\"\"`, seq kept), import-history bad rows quoting its key or a text value say `[erased]` (default false: they stay).",
  ),
});

/** Query of `DELETE /api/segments/{id}`. */
export const DeleteQuery = z.strictObject({
  force: boolQuery("Delete even when other segments read it (they then report an unknown segment)."),
});

/** Query of `GET /api/changes`. */
export const ChangesQuery = z.strictObject({
  since: intQuery(0, Number.MAX_SAFE_INTEGER, "Only changes after this sequence number (default 0)."),
  segmentId: intQuery(1, Number.MAX_SAFE_INTEGER, "Only changes of this segment."),
  limit: intQuery(1, 10_000, "Page size (default 1000)."),
  // A comma-separated list (OpenAPI's form style without explode): `include=refresh,segments`.
  include: z
    .string()
    .regex(/^(refresh|segments)(,(refresh|segments))*$/, 'expected "refresh", "segments" or both, comma-separated (the kinds of item the feed adds on request)')
    .transform((v) => [...new Set(v.split(","))] as ("refresh" | "segments")[])
    .optional()
    .openapi({
      description:
        "Comma-separated: `refresh`: also each segment's refresh-status changes (`RefreshChange` items: a refresh failed, or succeeded after failing); `segments`: also each segment created, changed, deleted or restored (`SegmentLifecycleChange` items); in the same order. Without it: membership changes only.",
      type: "array",
      items: { type: "string", enum: ["refresh", "segments"] },
      param: { style: "form", explode: false },
    }),
  wait: intQuery(
    0,
    60,
    "Seconds to wait (0-60, default 0: answer at once) when there is no change after `since` yet: the answer comes as soon as one is committed, else an empty page with the same `next` when the time is up (a long poll).",
  ),
});

/** Query of `GET /api/contacts`. */
export const ContactsQuery = z.strictObject({
  search: z.string().max(200).optional().openapi({ description: "Text to look for in every field (contains, ignoring ASCII case; enum values; exact tags; numbers)." }),
  filter: expressionText.optional().openapi({ description: "Only contacts matching this expression." }),
  orderBy: z.string().max(200).optional().openapi({ description: "A schema field to sort by (default the key)." }),
  descending: boolQuery("Sort descending."),
  limit: intQuery(1, 200, "Page size (default 50)."),
  cursor: cursorQuery,
});

/** Query of `GET /api/contacts/export`: which contacts (as `ContactsQuery` finds them) and the file's form. */
export const ContactsExportQuery = z.strictObject({
  search: ContactsQuery.shape.search,
  filter: ContactsQuery.shape.filter,
  format: z.enum(["csv", "jsonl"], { error: "expected csv or jsonl" }).optional().openapi({ description: "csv (default: for spreadsheets) or jsonl (JSON Lines: exact values, for pipelines)." }),
  spreadsheetSafe: boolQuery(
    "CSV: a text cell a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage return; not a signed number such as a phone number) gets a ' before it (default true; false for a file a program reads back), as `GET /api/segments/{id}/export` takes it.",
  ),
});

// ---- request bodies -----------------------------------------------------------------------------------

const segmentName = z.string().min(1, "a name cannot be empty").max(200, "a name has at most 200 characters").refine(wellFormed, LONE_SURROGATE_MESSAGE);
const description = z.string().max(10_000).refine(wellFormed, LONE_SURROGATE_MESSAGE);

/** Body of `POST /api/segments`. */
export const CreateSegmentBody = z
  .strictObject({
    name: segmentName,
    description: description.optional(),
    kind: SegmentKindSchema,
    expression: expressionText.optional().openapi({ description: "Dynamic segments: the expression (required)." }),
    members: z.array(contactKey).max(MAX_KEYS).optional().openapi({ description: "Static segments: the first members by key." }),
    freeze: expressionText.optional().openapi({ description: "Static segments: the contacts matching this expression now become the members." }),
  })
  .openapi("CreateSegment");

/** Body of `PATCH /api/segments/{id}`: at least one property. */
export const UpdateSegmentBody = z
  .strictObject({
    name: segmentName.optional(),
    description: description.optional(),
    expression: expressionText.optional(),
  })
  .refine((b) => b.name !== undefined || b.description !== undefined || b.expression !== undefined, "give at least one of name, description, expression")
  .openapi("UpdateSegment");

/** Body of `POST /api/segments/{id}/duplicate` (optional). */
export const DuplicateBody = z.strictObject({ name: segmentName.optional() }).openapi("DuplicateSegment");

/** Body of `POST /api/deleted-segments/{id}/restore`. */
export const RestoreBody = z.strictObject({ name: segmentName.optional().openapi({ description: "Restore under this name (when another segment has taken the old one)." }) }).openapi("RestoreSegment");

/** JSON body of member edits. */
export const MembersBody = z
  .strictObject({
    keys: z.array(contactKey).min(1, "give at least one key").max(MAX_KEYS),
    skipUnknown: z.boolean().optional().openapi({ description: "Change the known keys and report the unknown ones (default: 422 and no change)." }),
  })
  .openapi("MemberKeys");

/** Body of `POST /api/segments/{id}/freeze`. */
export const FreezeBody = z.strictObject({ expression: expressionText }).openapi("Freeze");

/** Body of `POST /api/preview`. */
export const PreviewBody = z
  .strictObject({
    expression: expressionText,
    limit: z.number().int().min(0).max(1000).optional(),
    orderBy: z.string().max(200).optional(),
    descending: z.boolean().optional(),
    dialect: z.enum(DIALECT_NAMES as [string, ...string[]]).optional(),
    conditionCounts: z.boolean().optional(),
    segmentId: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
    impactKeys: z.number().int().min(0).max(1000).optional(),
  })
  .openapi("PreviewRequest");

/** Body of `POST /api/check`. */
export const CheckBody = z
  .strictObject({
    expression: expressionText,
    segmentId: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
    analysis: z.boolean().optional().openapi({ description: "Include the static analysis's warnings (default true): parts that never match, always hold or add nothing, as `segql check` gives them." }),
  })
  .openapi("CheckRequest");

/** One side of `POST /api/relate` and `POST /api/diff`: an expression, or a saved segment by id (and version). */
const RelateOperand = z
  .union([
    z.strictObject({ expression: expressionText }),
    z.strictObject({
      segmentId: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).openapi({ description: "A saved segment (a static one: its members)." }),
      version: z
        .number()
        .int()
        .min(1)
        .max(Number.MAX_SAFE_INTEGER)
        .optional()
        .openapi({ description: "One version of it (`GET /api/segments/{id}/versions`), its rules read against today's segments; default: the current one. A static segment's members are not versioned: any version of it is today's list." }),
    }),
  ])
  .openapi("RelateOperand");

/** Body of `POST /api/relate`. */
export const RelateBody = z
  .strictObject({
    a: RelateOperand,
    b: RelateOperand,
    now: z
      .string()
      .max(100)
      .refine((t) => isInstantText(t), "expected an ISO-8601 instant such as 2026-01-01T00:00:00Z (or a date)")
      .optional()
      .openapi({ description: "Resolve relative times against this instant; by default the answer holds for every now (years 1-9999)." }),
    steps: z.number().int().min(1).max(200_000).optional().openapi({ description: "Reasoning steps allowed (default 50,000): past them, what is not proved is undecided." }),
  })
  .openapi("RelateRequest");

/** `2026-01-01T00:00:00Z` or `2026-01-01`, as literals are written. */
function isInstantText(text: string): boolean {
  return "ms" in parseTimestamp(text) || parseDate(text) !== null;
}

const AnswerSchema = z.enum(["yes", "no", "unknown"]);

/** The answer of `POST /api/relate`. */
export const RelationSchema = z
  .object({
    relation: z.enum(["equal", "subset", "superset", "disjoint", "overlapping", "unknown"]),
    symbol: z.string().openapi({ example: "⊆" }),
    aInB: AnswerSchema.openapi({ description: "Every contact A matches, B matches: proved (yes), refuted with a witness (no), or undecided." }),
    bInA: AnswerSchema,
    overlap: AnswerSchema.openapi({ description: "Some contact matches both (decided only when neither includes the other)." }),
    witnesses: z.array(
      z.object({
        matches: z.array(z.enum(["A", "B"])).openapi({ description: "Which of the two match it." }),
        contact: z.record(z.string(), z.unknown()),
        events: z.array(z.record(z.string(), z.unknown())),
        now: z.string(),
      }),
    ),
    notes: z.array(z.string()),
  })
  .openapi("Relation");

/** Body of `POST /api/diff`. */
export const DiffBody = z
  .strictObject({
    old: RelateOperand.openapi({ description: "The version before: an expression, or a saved segment (its current rules, or those of `version`)." }),
    new: RelateOperand.openapi({ description: "The version after." }),
    steps: z.number().int().min(1).max(200_000).optional().openapi({ description: "Reasoning steps allowed (default 50,000): past them, a side may be shown less simplified, with a note." }),
  })
  .openapi("DiffRequest");

const DiffSideSchema = z
  .object({
    nobody: z.boolean().openapi({ description: "Proved: nobody moves this way." }),
    everybody: z.boolean().openapi({ description: "Proved: every contact does." }),
    condition: z.string().nullable().openapi({ description: "Who moves, as a segql condition (null when nobody)." }),
    simplified: z.boolean().openapi({ description: "False when the condition is the plain difference (simplifying ran out of budget)." }),
  })
  .openapi("DiffSide");

/** The answer of `POST /api/diff`. */
export const DiffSchema = z
  .object({
    enters: DiffSideSchema.openapi({ description: "Who matches the new version and not the old one." }),
    leaves: DiffSideSchema.openapi({ description: "Who matches the old version and not the new one." }),
    same: z.boolean().openapi({ description: "Proved: the two versions match the same contacts." }),
    notes: z.array(z.string()),
  })
  .openapi("SegmentDiff");

/** Body of `POST /api/why`. */
export const WhyBody = z.strictObject({ expression: expressionText, key: contactKey }).openapi("WhyRequest");

/** Body of `POST /api/refresh` (optional). */
export const RefreshBody = z
  .strictObject({
    ids: z.array(z.number().int().min(1).max(Number.MAX_SAFE_INTEGER)).max(10_000).optional(),
    relativeOnly: z.boolean().optional(),
  })
  .openapi("RefreshRequest");

/**
 * A JSON object passed on as parsed, every own key kept. zod's record copies an object by assignment, and
 * assigning `"__proto__"` sets the copy's prototype instead of a key: a contact's `"__proto__": {…}` was
 * dropped without a word, where any other unknown field is a 422 naming it.
 */
const jsonObject = z
  .custom<Record<string, unknown>>((v) => v !== null && typeof v === "object" && !Array.isArray(v), "expected an object")
  .openapi({ type: "object", additionalProperties: {} });

/** Body of `POST /api/contacts`. */
export const UpsertContactsBody = z
  .strictObject({
    contacts: z.array(jsonObject).min(1).max(MAX_BATCH),
    // An object keyed by contact key (jsonObject: a key `__proto__` is kept), checked by the store, which
    // names each problem's place (`expect["c1"].plan`).
    expect: jsonObject.optional().openapi({
      type: "object",
      additionalProperties: { type: "object", additionalProperties: {} },
      description:
        "Per-field compare-and-set: contact key → field → the value you read, for fields this request writes. If any differs from the value stored now (compared as typed values: a time as its instant, a list item by item; null, \"\" and a value differ), or the contact was deleted, nothing is written: 409 `contact-changed` with `conflicts`.",
      example: { "7590-VHVEG": { plan: "Basic" } },
    }),
  })
  .superRefine((b, ctx) => {
    refuseNul(b.contacts, ctx, ["contacts"]);
    if (b.expect !== undefined) refuseNul(b.expect, ctx, ["expect"]);
  })
  .openapi("UpsertContacts");

/** One field an upsert expected to hold another value (`POST /api/contacts` with `expect`). */
export const ContactConflictSchema = z
  .object({
    key: z.string(),
    field: z.string(),
    expected: z.unknown().openapi({ description: "The value you sent in `expect`." }),
    stored: z.unknown().openapi({ description: "The value stored now, as `GET /api/contacts/{key}` gives it (null: empty, or no contact)." }),
    exists: z.boolean().openapi({ description: "False when the contact was deleted since you read it." }),
  })
  .openapi("ContactConflict");

/** The 409 of an upsert whose expected values are no longer stored. */
export const ContactChangedProblemSchema = ProblemSchema.extend({
  type: z.literal("urn:segql:problem:contact-changed"),
  conflicts: z.array(ContactConflictSchema),
}).openapi("ContactChangedProblem", { description: "Someone else changed the fields (or deleted the contact) since you read them; nothing was written." });

/** Body of `POST /api/events`. */
export const AppendEventsBody = z
  .strictObject({ events: z.array(jsonObject).min(1).max(MAX_BATCH) })
  .superRefine((b, ctx) => refuseNul(b.events, ctx, ["events"]))
  .openapi("AppendEvents");
