/**
 * The errors store operations throw. Each has a stable `code` so callers (the HTTP API, the CLI) map it to
 * a status or exit code without parsing messages:
 *
 * | class | code | HTTP | CLI exit |
 * | --- | --- | --- | --- |
 * | `NotFoundError` | `not-found` | 404 | 1 |
 * | `DeletedSegmentError` (a `NotFoundError`) | `not-found` | 404 with `deleted` | 1 |
 * | `NameTakenError` | `name-taken` | 409 | 1 |
 * | `ConflictError` | `conflict` | 412 (If-Match failed) | 1 |
 * | `ContactChangedError` | `contact-changed` | 409 | 1 |
 * | `ReferencedError` | `referenced` | 409 | 1 |
 * | `InvalidExpressionError` | `invalid-expression` | 422 | 1 |
 * | `UnknownKeysError` | `unknown-keys` | 422 | 1 |
 * | `InvalidInputError` | `invalid-input` | 422 | 1 |
 * | `DatabaseInUseError` | `database-in-use` | (startup) | 2 |
 * | `NewerDatabaseError` | `newer-database` | (startup) | 2 |
 * | `SchemaMismatchError` | `schema-mismatch` | (startup) | 2 |
 * | `JournalApplyError` | `journal-apply-failed` | (startup; while running: 503 `writes-refused`) | 2 |
 * | `CancelledError` | `cancelled` | (an import job's `cancelled` state) | 1 |
 * | `QueryTimeoutError` | `query-timeout` | 422 | 1 |
 * | `CursorAheadError` | `cursor-ahead` | 400 (`invalid-request`, issue on `since`) | 1 |
 *
 * Anything else thrown by a store operation is a bug (HTTP 500, CLI exit 3).
 */
import { clip, type Diagnostic } from "../diagnostics.js";
import type { ContactConflict, Segment, SegmentId, SegmentSummary } from "./types.js";

/** Stable codes of store errors. */
export type StoreErrorCode =
  | "not-found"
  | "name-taken"
  | "conflict"
  | "contact-changed"
  | "referenced"
  | "invalid-expression"
  | "unknown-keys"
  | "invalid-input"
  | "database-in-use"
  | "newer-database"
  | "schema-mismatch"
  | "journal-apply-failed"
  | "cancelled"
  | "query-timeout"
  | "cursor-ahead";

/** Base class of every error a store operation throws on purpose. */
export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "StoreError";
  }
}

/** A segment (by id or name), contact (by key) or segment version that does not exist. */
export class NotFoundError extends StoreError {
  constructor(
    readonly what: "segment" | "deleted segment" | "contact" | "version" | "import",
    /** The id, name or key asked for. */
    readonly ref: string | number,
    /** The message, where the default (`no segment #3`) would not say enough. */
    message?: string,
  ) {
    super("not-found", message ?? `no ${what} ${typeof ref === "number" ? `#${ref}` : JSON.stringify(ref)}`);
    this.name = "NotFoundError";
  }
}

/**
 * A segment asked for (by id, or by name) that is not saved but waits in the trash: still a not-found (the
 * segment cannot be read or changed), which says where it is and since when, so the caller can restore it
 * (each caller says how: the API its route, the CLI its command).
 */
export class DeletedSegmentError extends NotFoundError {
  constructor(
    ref: string | number,
    /** The segment in the trash. */
    readonly deleted: { id: SegmentId; name: string; deletedAt: string },
  ) {
    super("segment", ref, `segment #${deleted.id} ${JSON.stringify(deleted.name)} is in Recently deleted (deleted ${deleted.deletedAt})`);
    this.name = "DeletedSegmentError";
  }
}

/** Another segment already has this name (names are unique case-insensitively). */
export class NameTakenError extends StoreError {
  constructor(
    readonly segmentName: string,
    /** The segment holding the name. */
    readonly existing: SegmentSummary,
  ) {
    super("name-taken", `the name ${JSON.stringify(segmentName)} is taken by segment #${existing.id} ${JSON.stringify(existing.name)} (names are unique, ignoring case)`);
    this.name = "NameTakenError";
  }
}

/**
 * An edit was based on an older version of the segment (optimistic concurrency: `expectedVersion` did not
 * match). Nothing was written; `current` is the segment as it is now, so the caller can show both.
 */
export class ConflictError extends StoreError {
  constructor(
    readonly expectedVersion: number,
    readonly current: Segment,
  ) {
    super("conflict", `segment #${current.id} ${JSON.stringify(current.name)} is at version ${current.version}, not ${expectedVersion}: someone else saved it meanwhile; reload and apply your change again`);
    this.name = "ConflictError";
  }
}

/**
 * An upsert's expected values (`expect`: per-field compare-and-set) differ from what is stored now: someone
 * else changed those fields (or deleted the contact) since the caller read them. Nothing of the upsert was
 * written; `conflicts` names each field with the value expected and the value stored now.
 */
export class ContactChangedError extends StoreError {
  constructor(readonly conflicts: ContactConflict[]) {
    const shown = conflicts.slice(0, 10).map((c) =>
      c.exists ? `contact ${JSON.stringify(c.key)}: ${c.field} is now ${shownValue(c.stored)}, not ${shownValue(c.expected)}` : `contact ${JSON.stringify(c.key)} no longer exists (deleted since; ${c.field} was expected to be ${shownValue(c.expected)})`,
    );
    super("contact-changed", `changed by someone else since it was read: ${shown.join("; ")}${conflicts.length > 10 ? `; … (${conflicts.length - 10} more)` : ""}; nothing was written`);
    this.name = "ContactChangedError";
  }
}

/** A value in a message: JSON, `empty` for null, long ones cut. */
function shownValue(v: unknown): string {
  if (v === null || v === undefined) return "empty";
  const text = JSON.stringify(v) ?? String(v);
  return clip(text, 81);
}

/** A segment cannot be deleted (or made unreadable) while other segments read it through `in segment`. */
export class ReferencedError extends StoreError {
  constructor(
    readonly segment: SegmentSummary,
    /** The segments whose expressions read it. */
    readonly referencedBy: SegmentSummary[],
  ) {
    super(
      "referenced",
      `segment #${segment.id} ${JSON.stringify(segment.name)} is read by ${referencedBy.map((s) => `#${s.id} ${JSON.stringify(s.name)}`).join(", ")} through \`in segment\`; change those first, or delete with force (they will then report an unknown segment and keep their last members until edited)`,
    );
    this.name = "ReferencedError";
  }
}

/**
 * An expression that does not parse or check against the store's schema and segments. `diagnostics` are
 * the checker's (with spans into `text`), errors first; `message` renders them.
 */
export class InvalidExpressionError extends StoreError {
  constructor(
    readonly text: string,
    readonly diagnostics: Diagnostic[],
  ) {
    const errors = diagnostics.filter((d) => d.severity === "error");
    super("invalid-expression", `the expression has ${errors.length === 1 ? "an error" : `${errors.length} errors`}: ${errors.map((d) => `${d.span.line}:${d.span.column}: ${d.message}`).join("; ")}`);
    this.name = "InvalidExpressionError";
  }
}

/** Contact keys that are not in the contacts table (static members must be existing contacts). */
export class UnknownKeysError extends StoreError {
  constructor(
    /** The unknown keys, in input order, without duplicates. */
    readonly keys: string[],
  ) {
    const shown = keys.slice(0, 10).map((k) => JSON.stringify(k)).join(", ");
    super("unknown-keys", `${keys.length} key${keys.length === 1 ? " is" : "s are"} not a contact: ${shown}${keys.length > 10 ? `, … (${keys.length - 10} more)` : ""}; nothing was changed`);
    this.name = "UnknownKeysError";
  }
}

/** One problem of an input: where (a field name, `rows[3].age`, `file.csv:12`) and what. */
export interface InputProblem {
  /** Where: a property path such as `name` or `rows[3].signed_up_at`, or `FILE:LINE` for files. */
  path: string;
  message: string;
  /** For files: the file, 1-based line and the field at fault. */
  file?: string;
  line?: number;
  field?: string;
}

/** Input that cannot be used: a bad segment name, a contact value of the wrong type, a bad file row. */
export class InvalidInputError extends StoreError {
  constructor(
    readonly problems: InputProblem[],
    /** How many problems there were in all (`problems` may hold only the first ones). */
    readonly total: number = problems.length,
  ) {
    super("invalid-input", `${total === 1 ? "" : `${total} problems: `}${problems.slice(0, 10).map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join("; ")}${total > 10 ? "; …" : ""}`);
    this.name = "InvalidInputError";
  }
}

/** A DuckDB file is held open by another process (DuckDB allows one writer process). */
export class DatabaseInUseError extends StoreError {
  constructor(readonly path: string) {
    super("database-in-use", `${path} is in use by another process (a running 'segql serve'?); use the API or stop it`);
    this.name = "DatabaseInUseError";
  }
}

/** The database was written by a newer segql, whose store format this version does not know. */
export class NewerDatabaseError extends StoreError {
  constructor(
    readonly found: number,
    readonly supported: number,
  ) {
    super("newer-database", `the database has store format ${found}, made by a newer segql; this segql reads formats up to ${supported}: upgrade segql`);
    this.name = "NewerDatabaseError";
  }
}

/** The schema given to `openStore` differs from the one the database was created with. */
export class SchemaMismatchError extends StoreError {
  constructor(readonly differences: string[]) {
    super("schema-mismatch", `the database was created with another schema (${differences.slice(0, 5).join("; ")}); open it without a schema to use its own`);
    this.name = "SchemaMismatchError";
  }
}

/** Where a write-back journal record that cannot be applied sits, and why it cannot. */
export interface JournalApplyFailure {
  /** The database file. */
  database: string;
  /** The journal file (null for a `:memory:` database, whose records live only in the process). */
  journal: string | null;
  /** The record's number and 1-based line in the journal (null if the line is not known). */
  record: number;
  line: number | null;
  /** Acknowledged upserts not applied, this one included: records `record` to `lastRecord`. */
  pending: number;
  lastRecord: number;
  /** What the database (or the store, for a record it cannot read) said. */
  reason: string;
  /** True when opening the store replayed the journal; false when the store was running. */
  atOpen: boolean;
}

/**
 * A DuckDB store's write-back journal holds an acknowledged upsert the database refuses (write-back.ts).
 * The records before it are applied; it and the ones after it stay in the journal, so nothing is lost.
 * At open the store refuses to open; while running, writes are refused and reads see the database
 * without the records not applied. Fix the cause and open again, or move the journal aside.
 */
export class JournalApplyError extends StoreError {
  constructor(readonly failure: JournalApplyFailure) {
    const f = failure;
    const where = `record ${f.record}${f.line !== null ? ` (line ${f.line})` : ""} of the write-back journal${f.journal !== null ? ` ${f.journal}` : ""}`;
    const held = `${f.pending} acknowledged upsert${f.pending === 1 ? "" : "s"} not yet applied (record${f.pending === 1 ? ` ${f.record}` : `s ${f.record}-${f.lastRecord}`})`;
    const them = f.pending === 1 ? "it" : "them";
    const lost = f.pending === 1 ? "it is" : "they are";
    const next =
      f.journal !== null
        ? `${f.atOpen ? "Fix the cause and open again" : "Close the store, fix the cause and open it again"} to apply ${them}, or move ${f.journal} aside to open without ${them} (${lost} then lost)`
        : `${lost[0]!.toUpperCase()}${lost.slice(1)} lost when the store closes (an in-memory database)`;
    super(
      "journal-apply-failed",
      f.atOpen
        ? `cannot open ${f.database}: ${where} cannot be applied to the database: ${f.reason}. The database itself is intact, with every upsert before it; the journal holds ${held}. ${next}`
        : `writes are refused: ${where} could not be applied to the database: ${f.reason}. The database is intact, with every upsert before it; reads work but do not show the ${held}, which stay in the journal. ${next}`,
    );
    this.name = "JournalApplyError";
  }
}

/** The id of a segment, for messages. */
export function segmentLabel(s: { id: SegmentId; name: string }): string {
  return `#${s.id} ${JSON.stringify(s.name)}`;
}

/** An operation stopped by its caller's `AbortSignal` before it wrote anything (an import's rows rolled back). */
export class CancelledError extends StoreError {
  constructor(what: string) {
    super("cancelled", `${what} was cancelled; nothing was written`);
    this.name = "CancelledError";
  }
}

/**
 * A statement run from a user's expression ran past the store's time limit (`OpenStoreOptions.queryTimeoutMs`)
 * and was stopped: a read (a preview, why, a filtered contact list, a page of an export: nothing was written),
 * or the refresh inside a write (a segment's create or edit, a freeze: the write rolled back, `unsaved`).
 */
export class QueryTimeoutError extends StoreError {
  constructor(
    /** What was stopped: `preview`, `why`, `contact list`, `contacts export`, `members export`, `refresh of segment "VIP"`, `freeze`. */
    readonly operation: string,
    /** The limit it ran past, in ms. */
    readonly limitMs: number,
    /** A write that was rolled back: the message says nothing was saved. */
    readonly unsaved = false,
  ) {
    super(
      "query-timeout",
      `the ${operation} took longer than ${duration(limitMs)} and was stopped${unsaved ? ", and nothing was saved" : ""}: the condition may be too large for the database to plan quickly; ` +
        "simplify it (an `in (…)` list instead of many `=` clauses) or raise the time limit (segql serve --query-timeout)",
    );
    this.name = "QueryTimeoutError";
  }
}

/**
 * A change-feed cursor (`since`) past the feed's newest change. Every `next` the feed gives out is a
 * change's `seq` (or the `since` it was given), never past the newest, so such a cursor came from another
 * database: one restored from a backup, or made again. Reading on from it would skip every change up to it.
 */
export class CursorAheadError extends StoreError {
  constructor(
    /** The cursor asked for. */
    readonly since: number,
    /** The feed's newest sequence number (0: no change yet). */
    readonly lastSeq: number,
  ) {
    super(
      "cursor-ahead",
      `since ${since} is past the change feed's newest change (${lastSeq === 0 ? "the feed is empty" : `seq ${lastSeq}`}): the cursor is not from this database (restored from a backup, or made again?); ` +
        `read again from ${lastSeq} to follow new changes only, or from 0 to read every change`,
    );
    this.name = "CursorAheadError";
  }
}

/** `30 s`, `1.5 s`, `5 ms`. */
function duration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Number((ms / 1000).toFixed(1))} s`;
}
