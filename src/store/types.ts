/**
 * The store's public types: segments, members, previews, changes, imports, and the `Store` interface
 * every backend (DuckDB, PostgreSQL) implements with the same behaviour.
 *
 * Conventions: instants are ISO-8601 strings in UTC (`2026-01-01T10:00:00.000Z`); contact keys are strings;
 * contacts are plain objects keyed by schema field name in the predicate's shapes (docs/predicate.md:
 * timestamps as ISO strings, dates `YYYY-MM-DD`, lists arrays of strings, empties null).
 */
import type { Span } from "../diagnostics.js";
import type { Diagnostic } from "../diagnostics.js";
import type { ExplainNode } from "../compiler/predicate/explain.js";
import type { DialectName } from "../compiler/sql/dialect.js";
import type { DiffOptions, SegmentDiff } from "../analysis/index.js";
import type { TypedQuery } from "../checker/typed-ast.js";
import type { Schema } from "../schema/schema.js";
import type { InputProblem } from "./errors.js";

/** A segment's id: a positive integer, never reused. */
export type SegmentId = number;

/** `static`: an explicit list of contacts. `dynamic`: the contacts matching an expression, kept up to date. */
export type SegmentKind = "static" | "dynamic";

/** Just enough to name a segment in messages and lists. */
export interface SegmentSummary {
  id: SegmentId;
  name: string;
}

/** A saved segment. */
export interface Segment {
  id: SegmentId;
  /** Unique, ignoring case; 1-200 characters, no leading/trailing spaces, no control characters. */
  name: string;
  description: string;
  kind: SegmentKind;
  /** The expression of a dynamic segment (as saved); null for a static one. */
  expression: string | null;
  /** 1 on creation, +1 on every saved change (name, description, expression, kind). Member changes of a static segment do not count. */
  version: number;
  createdAt: string;
  createdBy: string | null;
  updatedAt: string;
  updatedBy: string | null;
  /** Members now: the materialised membership of a dynamic segment, the member list of a static one. */
  memberCount: number;
  /** When a dynamic segment's membership was last recomputed in full (null: never; static: null). */
  refreshedAt: string | null;
  /**
   * A dynamic segment's last refresh attempt: `ok` (its members are from `triedAt`, as `refreshedAt`), or
   * `failed`: tried at `triedAt` and not done (`error` says why), its members as of `refreshedAt`. Null
   * for a static segment and for a dynamic one never refreshed. Cleared by the next successful refresh.
   */
  refresh: RefreshStatus | null;
  /** The segments its expression reads through `in segment` (directly). */
  references: SegmentSummary[];
  /** The segments whose expressions read this one directly. */
  referencedBy: SegmentSummary[];
  /** True when the expression uses relative times (`30 days ago`, `within last`, `today`, `now`): refreshed on a schedule. */
  relativeTime: boolean;
  /**
   * Errors of the saved expression against the current schema and segments (empty when it checks). Non-empty
   * only after a forced delete of a segment it read: such a segment keeps its last members and is skipped
   * by refreshes until edited, or until a segment of that name exists again (created, restored or renamed
   * to it: then it is refreshed at once).
   */
  problems: Diagnostic[];
}

/** A dynamic segment's last refresh attempt (`Segment.refresh`). */
export type RefreshStatus = { status: "ok"; triedAt: string } | { status: "failed"; triedAt: string; error: RefreshFailure };

/**
 * Why a saved segment's refresh failed: `query-timeout` (ran past the query time limit, `limitMs`; rolled
 * back), `invalid-expression` (its expression has errors, e.g. it reads a segment deleted with `force`),
 * `other` (a recorded reason this segql does not know).
 */
export interface RefreshFailure {
  code: "query-timeout" | "invalid-expression" | "other";
  /** In words: `it took longer than the query time limit (30 s) and was stopped`, `its expression has errors: …`. */
  message: string;
  limitMs?: number;
}

/** One saved edit of a segment (version 1 is the creation). */
export interface SegmentVersion {
  segmentId: SegmentId;
  version: number;
  name: string;
  description: string;
  kind: SegmentKind;
  expression: string | null;
  at: string;
  by: string | null;
  /**
   * What this version changed compared with the previous one: `created`, `name`, `description`,
   * `expression`, `kind`, `deleted`, `restored`.
   */
  changed: string[];
  /** On the first version of a duplicate: the segment it was copied from, as it was then (null otherwise). */
  copiedFrom: { id: SegmentId; version: number; name: string } | null;
}

/** A page of results and the cursor of the next page (null: this was the last page). */
export interface Page<T> {
  items: T[];
  next: string | null;
}

/** What `typedCondition` reads: an expression, a saved segment, or one version of a saved segment. */
export type ConditionTarget = { segmentId: SegmentId; version?: number } | { expression: string };

/** Who does a write, recorded in the version history and change log. */
export interface WriteOptions {
  /** A user name or id; null/absent: unknown. */
  by?: string | null;
}

/**
 * Options of `upsertContacts`: per-field compare-and-set, so two people editing different fields of one
 * contact at once both save, and two editing the same field cannot overwrite each other unseen.
 */
export interface UpsertContactsOptions extends WriteOptions {
  /**
   * Contact key → field name → the value the caller read, for fields this upsert writes. In the write's
   * transaction, before anything is written, each is compared with the value stored now as the store reads
   * values (a timestamp as its instant, a number as a number, a list item by item; null, `""` and a value
   * differ): when any differs, or the contact no longer exists, `ContactChangedError` names them and nothing
   * of the upsert is written. Each expected value is read as a written one would be (an ISO text or epoch ms
   * for a time). An expectation for a contact or field the upsert does not write, or for an unknown field, is
   * an `InvalidInputError` naming it (`expect["c1"].plan`). A Map takes any key (`__proto__` too).
   */
  expect?: ReadonlyMap<string, ContactValues> | Readonly<Record<string, ContactValues>>;
}

/** One field whose stored value differs from the one an upsert expected (`ContactChangedError`). */
export interface ContactConflict {
  key: string;
  field: string;
  /** The value expected, as given. */
  expected: unknown;
  /** The value stored now, as `getContact` gives it (null: empty, or no contact). */
  stored: unknown;
  /** False when no contact has the key now (deleted since it was read). */
  exists: boolean;
}

/** Writes that change a segment: optimistic concurrency. */
export interface UpdateOptions extends WriteOptions {
  /** The version the caller last saw; if the segment is at another version, `ConflictError` and nothing is written. */
  expectedVersion?: number;
}

/** What `createSegment` takes. */
export interface CreateSegmentInput {
  name: string;
  description?: string;
  kind: SegmentKind;
  /** Dynamic: required. Static: not allowed (use `members` or `freeze`). */
  expression?: string;
  /** Static: initial members by key (every key must be a contact, else `UnknownKeysError`). */
  members?: readonly string[];
  /** Static: the contacts matching this expression now become the members (a snapshot). */
  freeze?: string;
}

/** What `updateSegment` changes; absent properties stay as they are. */
export interface SegmentChanges {
  /** A rename also rewrites the expressions that reference the segment by name, in the same transaction. */
  name?: string;
  description?: string;
  /** Dynamic segments only; checked, then the membership (and the segments reading it) is refreshed. */
  expression?: string;
}

/** Options of `listSegments`. */
export interface ListSegmentsOptions {
  kind?: SegmentKind;
  /** Only segments whose name contains this text (case-insensitive). */
  search?: string;
  /** `failed`: only dynamic segments whose last refresh failed (`Segment.refresh.status`). */
  refresh?: "failed";
  /** Page size (default 100, at most 1000). */
  limit?: number;
  /** The `next` cursor of the previous page. */
  cursor?: string | null;
  /** The order (default `name`: case-insensitive), then by id; sorted in the database. */
  orderBy?: SegmentOrder;
  descending?: boolean;
  /** Stops the read (`CancelledError`): the client went away (a page superseded by the next search). */
  signal?: AbortSignal;
}

/** Orders of `listSegments`. */
export type SegmentOrder = "name" | "description" | "kind" | "createdAt" | "updatedAt" | "memberCount" | "id";

/** Options of `listContacts`. */
export interface ListContactsOptions {
  /**
   * Text to look for in every field: contained in text fields (ASCII case folded, as `contains`), enum
   * values containing it, an exact list item, equal numbers. Dates, timestamps and booleans are found
   * with `filter`.
   */
  search?: string;
  /** Only contacts matching this expression (checked: `InvalidExpressionError` with its diagnostics). */
  filter?: string;
  /** Only the current members of this segment. */
  segmentId?: SegmentId;
  /** A schema field to sort by (default the key); empties last, then by key. */
  orderBy?: string;
  descending?: boolean;
  /** Page size (default 50, at most 1000). */
  limit?: number;
  /** The `next` cursor of the previous page (pages follow the sort). */
  cursor?: string | null;
  /** Stops the read (`CancelledError`): the client went away. */
  signal?: AbortSignal;
}

/** Options of `contactPages`: which contacts (as `listContacts` finds them) and how many a page. */
export interface ContactPagesOptions {
  /** As `ListContactsOptions.search`. */
  search?: string;
  /** As `ListContactsOptions.filter` (checked before the first page: `InvalidExpressionError`). */
  filter?: string;
  /** Contacts a page, 1-10,000 (default 1,000). */
  pageSize?: number;
  /** Stops the export's read running, and refuses the next (`CancelledError`): its client went away. */
  signal?: AbortSignal;
}

/** Options of `memberPages`. */
export interface MemberPagesOptions {
  /** Members a page, 1-10,000 (default 1,000). */
  pageSize?: number;
  /** Stops the export's read running, and refuses the next (`CancelledError`): its client went away. */
  signal?: AbortSignal;
}

/** A page of contacts and how many match in all. */
export interface ContactPage extends Page<ContactValues> {
  total: number;
}

/** One point of a segment's member count over time. */
export interface MemberCountPoint {
  /** The end of the interval (the last change in it). */
  at: string;
  /** Members at `at`. */
  count: number;
  /** Contacts that entered / exited in the interval. */
  entered: number;
  exited: number;
}

/** Options of `segmentChanges`. */
export interface SegmentChangesOptions {
  /** Only changes before this sequence number (the `next` of the previous page); default: the newest. */
  before?: number;
  /** Page size (default 50, at most 1000). */
  limit?: number;
}

/** A page of a segment's changes, newest first; `next` is the `before` of the following (older) page. */
export interface SegmentChangesPage {
  items: MembershipChange[];
  next: number | null;
}

/** Options of `duplicateSegment`. */
export interface DuplicateOptions extends WriteOptions {
  /** The copy's name; default "Copy of X", then "Copy of X (2)", "Copy of X (3)", … whichever is free. */
  name?: string;
}

/**
 * A deleted segment in the trash, kept until it is restored (`restoreSegment`) or purged
 * (`purgeDeletedSegment`).
 */
export interface DeletedSegment extends Pick<Segment, "id" | "name" | "description" | "kind" | "expression" | "createdAt" | "createdBy"> {
  /** The version the deletion made (its history has a version whose `changed` is `deleted`). */
  version: number;
  deletedAt: string;
  deletedBy: string | null;
  /** Members when it was deleted (a static segment's list comes back on restore; a dynamic one is recomputed). */
  memberCount: number;
}

/** Options of `restoreSegment`. */
export interface RestoreOptions extends WriteOptions {
  /** Restore under this name (when another segment has taken the old one meanwhile). */
  name?: string;
}

/** Options of `listDeletedSegments`. */
export interface ListDeletedOptions {
  /** Only segments whose name contains this text (case-insensitive). */
  search?: string;
  /** `failed`: only dynamic segments whose last refresh failed (`Segment.refresh.status`). */
  refresh?: "failed";
  /** Page size (default 100, at most 1000). */
  limit?: number;
  /** The `next` cursor of the previous page. */
  cursor?: string | null;
  /** Stops the read (`CancelledError`): the client went away. */
  signal?: AbortSignal;
}

/** Options of `emptyTrash`. */
export interface EmptyTrashOptions extends WriteOptions {
  /** Only segments deleted more than this long ago, by the store's clock (a trash kept for 30 days); default: the whole trash. */
  olderThanMs?: number;
}

/** What `findContactKeys` found. */
export interface KeyLookup {
  known: string[];
  unknown: string[];
  /** With a segment: the known keys that are its members now (in the order given). */
  members?: string[];
}

/** Options of `deleteSegment`. */
export interface DeleteOptions extends UpdateOptions {
  /** Delete even when other segments read it (they then report an unknown segment, see `Segment.problems`). */
  force?: boolean;
}

/** Options of `members`. */
export interface MembersOptions {
  /** Page size (default 50, at most 1000). */
  limit?: number;
  /** The `next` cursor of the previous page (pages follow the sort). */
  cursor?: string | null;
  /** A schema field to sort by (default the key); empties last. */
  orderBy?: string;
  descending?: boolean;
}

/** A page of members. */
export interface MembersPage extends Page<ContactValues> {
  /** Members in all. */
  total: number;
}

/** Options of member edits. */
export interface MemberOptions extends WriteOptions {
  /** Add/remove the known keys and report the unknown ones, instead of `UnknownKeysError` and no change. */
  skipUnknown?: boolean;
}

/** What a member edit did. Keys are counted once however often they were given. */
export interface MemberUpdate {
  /** Keys that became members (add) or stopped being members (remove). */
  changed: number;
  /** Keys that were already members (add) or were not members (remove). */
  unchanged: number;
  /** Keys that are not contacts (only with `skipUnknown`; otherwise `UnknownKeysError`). */
  unknown: string[];
  memberCount: number;
}

/** Options of `preview`. */
export interface PreviewOptions {
  /** Size of the first page of matching contacts (default 20, at most 1000; 0 for none). */
  limit?: number;
  /** A schema field to sort the page by (default the key); empties last. */
  orderBy?: string;
  descending?: boolean;
  /** Dialect of the SQL shown (default the backend's). */
  dialect?: DialectName;
  /** Count each sub-condition on its own (default true). */
  conditionCounts?: boolean;
  /**
   * The saved dynamic segment this expression would replace: adds `impact` (who would enter and leave), and
   * lets the expression read the segments the saved one may read (it may not read itself).
   */
  segmentId?: SegmentId;
  /** How many entering/leaving keys to list in `impact` (default 20). */
  impactKeys?: number;
  /**
   * Stops the preview (`CancelledError`) when it aborts: the HTTP client went away. On DuckDB the running
   * statement is interrupted; on PostgreSQL the next one is refused.
   */
  signal?: AbortSignal;
}

/** How many contacts one sub-condition of an expression matches on its own (see `subConditions`). */
export interface ConditionCount {
  /** Position in the list: parents come before their children, in source order. */
  index: number;
  /** Index of the enclosing condition; null for the whole expression. */
  parent: number | null;
  /** The condition's range in the expression text. */
  span: Span;
  /** Its text (the slice of the expression). */
  text: string;
  /** A short canonical label: `tenure > 12`, `performed "Purchase" at least 3 times`, `and`. */
  label: string;
  kind: "and" | "or" | "not" | "rule" | "event" | "segment";
  /** Nesting depth: 0 for the whole expression. */
  depth: number;
  count: number;
}

/** Who would enter and leave a saved segment if its expression were replaced. */
export interface Impact {
  segmentId: SegmentId;
  entering: number;
  leaving: number;
  /** Members before and after. */
  before: number;
  after: number;
  /** The first keys entering / leaving (sorted). */
  enteringKeys: string[];
  leavingKeys: string[];
}

/** What `preview` returns. */
export interface Preview {
  count: number;
  /** The first page of matching contacts, sorted as asked. */
  contacts: ContactValues[];
  /** The compiled SQL (select form, values as literals) for the asked dialect. */
  sql: { dialect: DialectName; text: string };
  conditions: ConditionCount[];
  impact: Impact | null;
  /** The instant relative times were resolved against. */
  now: string;
}

/**
 * What `why` returns: whether the contact matches, and why: the expression's tree with every node's value
 * and what it read (a field's value; the events named, in the window, matching, and the count, aggregate
 * or first/last time seen), from the predicate compiler's `explain`. A reference to a static segment is a
 * `segment` node without children whose value is the contact's membership.
 */
export interface Why {
  key: string;
  matches: boolean;
  root: ExplainNode;
  /** The instant relative times were resolved against. */
  now: string;
  /** The saved segment explained (null for an expression). */
  segment: SegmentSummary | null;
}

/** Options of `refresh`. */
export interface RefreshOptions extends WriteOptions {
  /** Only these segments (and the dynamic segments reading them, after them). Default: every dynamic segment. */
  ids?: readonly SegmentId[];
  /** Only segments whose expressions use relative times (what the scheduler refreshes). */
  relativeOnly?: boolean;
}

/** What refreshing one segment did. */
export interface RefreshResult {
  segmentId: SegmentId;
  name: string;
  entered: number;
  exited: number;
  memberCount: number;
  /**
   * Set when the segment was not refreshed (its members are as they were): its expression has problems,
   * or its query ran past the time limit. Also recorded with the segment (`Segment.refresh`).
   */
  skipped?: string;
  ms: number;
}

/** One entry of the change log. */
export interface MembershipChange {
  /** Increasing with commit order; the cursor of `changes({ since })`. */
  seq: number;
  segmentId: SegmentId;
  key: string;
  change: "entered" | "exited";
  at: string;
  /** The segment's version when it happened. */
  segmentVersion: number;
}

/**
 * A segment's refresh status changed (the feed's segment-level item, only with `include: ["refresh"]`):
 * `refresh-failed` when a refresh failed where the segment was not failed (or failed for another reason),
 * `refresh-ok` when a refresh succeeded where it was failed. No `key`: it concerns the segment, not a
 * contact. `refresh` is the segment's status from then on, as `Segment.refresh` says it.
 */
export interface RefreshChange {
  seq: number;
  segmentId: SegmentId;
  change: "refresh-failed" | "refresh-ok";
  at: string;
  segmentVersion: number;
  refresh: RefreshStatus;
}

/**
 * A segment was created (or duplicated), changed, deleted or restored: the feed's segment-level item, only
 * with `include: ["segments"]`. One per new version of the segment (`segmentVersion`), so a page listing
 * segments learns of one created empty, renamed or deleted with no members, which the membership log
 * never mentions. `segment-updated` covers a rename, a new description or expression, and a convert to
 * static; `changed` says which, as the segment's versions do (`SegmentVersion.changed`).
 */
export interface SegmentLifecycleChange {
  seq: number;
  segmentId: SegmentId;
  change: "segment-created" | "segment-updated" | "segment-deleted" | "segment-restored";
  at: string;
  segmentVersion: number;
  /** Its name from then on (`segment-deleted`: the name it had). */
  name: string;
  /** What the version changed: `created`, `deleted`, `restored`, `name`, `description`, `expression`, `kind`. */
  changed: string[];
}

/**
 * An item of the change feed read with `include`: a membership change, a refresh-status change
 * (`refresh`) or a segment's lifecycle change (`segments`).
 */
export type FeedItem = MembershipChange | RefreshChange | SegmentLifecycleChange;

/**
 * What the change feed may carry besides membership changes: `refresh`, the segments' refresh-status
 * changes; `segments`, the segments created, changed, deleted and restored.
 */
export type FeedInclude = "refresh" | "segments";

/** Options of `changes`. */
export interface ChangesOptions {
  /**
   * Also these segment-level items, in the same order (`seq`): `refresh` adds each segment's refresh-status
   * changes (`RefreshChange`), `segments` each segment created, changed, deleted or restored
   * (`SegmentLifecycleChange`). Without it the feed holds membership changes only, as it always did, so a
   * reader that expects every item to have a `key` and an `entered` / `exited` change never meets another.
   */
  include?: readonly FeedInclude[];
  /** Only changes after this sequence number (default 0: from the start). */
  since?: number;
  segmentId?: SegmentId;
  /** Page size (default 1000, at most 10000). */
  limit?: number;
  /**
   * With no change after `since` (of `segmentId`), wait up to this long (ms, default 0, at most an hour)
   * for one to be committed, then answer with it; else an empty page with `next` = `since` when the time
   * is up. Writes that log no change (or only other segments') do not end the wait. Writes of this process
   * end it at once; on PostgreSQL, another process's within about `changePollMs`.
   */
  waitMs?: number;
  /** Ends a wait: `changes` then rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** A page of the change log; `next` is the `since` for the following call (the last seq returned, or `since`). */
export interface ChangesPage<Item extends FeedItem = MembershipChange> {
  items: Item[];
  next: number;
}

/** A contact as stored: field name → value, in the predicate's shapes (empties null). */
export type ContactValues = Record<string, unknown>;

/**
 * A contact to upsert: field name → value (timestamps as ISO text, epoch ms or Date; dates `YYYY-MM-DD`;
 * lists arrays of strings; null clears). The key is required; fields left out keep their stored value.
 */
export type ContactInput = Readonly<Record<string, unknown>>;

/**
 * An event to append, keyed by the schema's events column names (as events.jsonl writes them):
 * `{ [contact_key]: "c1", [name]: "Purchase", [time]: "2024-01-01T10:00:00Z", properties: { amount: 12.5 } }`.
 */
export type EventInput = Readonly<Record<string, unknown>>;

/** A contact with the segments it is in now. */
export interface ContactRecord {
  key: string;
  values: ContactValues;
  segments: SegmentSummary[];
  /** Events of the contact (most recent first, at most 100; `contactEvents` pages through them all). */
  recentEvents: Record<string, unknown>[];
  /** How many events it has in all. */
  eventCount: number;
  /** The `contactEvents` cursor of the events after `recentEvents` (null: none). */
  eventsNext: string | null;
}

/** A page of a contact's events, newest first. */
export interface ContactEventsPage {
  items: Record<string, unknown>[];
  /** How many events the contact has. */
  total: number;
  next: string | null;
}

/** What an upsert or event append did, with the membership changes it caused (already in the log). */
export interface WriteResult {
  inserted: number;
  updated: number;
  changes: MembershipChange[];
}

/** Options of imports. */
export interface ImportOptions extends WriteOptions {
  /** File format; default from the extension (.csv, .jsonl/.ndjson, .json, .parquet; .gz allowed for text). */
  format?: "csv" | "jsonl" | "json" | "parquet";
  /** Import the good rows and report the bad ones (default: any bad row aborts the import, nothing changes). */
  skipBad?: boolean;
  /**
   * Events only: leave out the events equal to one already stored (same contact, name, time, properties and
   * own columns), so that importing a file again adds nothing. Default false: every event is appended (two
   * equal events can both be real: segql events have no id), and the report counts the `duplicates`.
   */
  skipDuplicates?: boolean;
  /** Called now and then with rows read so far and the total when known (for a progress bar). */
  onProgress?: (done: number, total: number | null) => void;
  /** Called once the rows are written, before the dynamic segments are refreshed. */
  onRefreshing?: () => void;
  /**
   * Stops the import while it reads and writes rows: the rows written so far are rolled back and
   * `CancelledError` is thrown. Once the rows are committed (`onRefreshing`), the import finishes.
   */
  signal?: AbortSignal;
  /**
   * The file's name as its user knows it, used for it in the report, its problems (`leads.csv:12`) and the
   * import history (default: `file`): a server names an upload so, never by its temporary path.
   */
  name?: string;
}

/** What an import did. */
export interface ImportReport {
  file: string;
  /** Rows read. */
  rows: number;
  /** Contacts: new contacts. Events: events appended (without the duplicates left out by `skipDuplicates`). */
  inserted: number;
  /** Contacts whose stored values the import changed. */
  updated: number;
  /** Contacts that already held every value the file gives them (nothing changed). Events: 0. */
  unchanged: number;
  /**
   * Events of the file equal to one stored before the import (same contact, name, time, properties and own
   * columns): appended all the same, or left out with `skipDuplicates`. Contacts: 0.
   */
  duplicates: number;
  /**
   * Timestamps written with digits past the millisecond (`10:00:00.123456`, as PostgreSQL and BigQuery
   * export them), stored cut to the millisecond (segql keeps milliseconds); digits that are all zeros are
   * not counted (nothing is lost).
   */
  truncatedTimes: number;
  /** The first of them: where (file, line, field) and its value as given; null when none. */
  firstTruncatedTime: InputProblem | null;
  /** Problems of bad rows (the first 100), each by file, line and field. */
  bad: InputProblem[];
  /** Bad rows (a row with three bad values counts once), the whole file counting as one when it cannot be read. */
  badCount: number;
  /** The refresh the import triggered (every dynamic segment). */
  refreshed: RefreshResult[];
}

/**
 * One import in the store's history (`listImports`): every import that read rows, whether its rows were
 * committed (`done`) or not (`failed`: bad rows without `skipBad`, or the file could not be read on;
 * `cancelled`; `interrupted`: the process stopped, or an internal error ended it, before it finished), or
 * is still `running` (recorded as it starts, so an import cut short by a crash or a restart is not lost
 * from the history: the next open of the store marks it `interrupted`). Kept until the store is deleted;
 * `bad` holds the first 100 bad rows, `badCount` all.
 */
export interface ImportRecord {
  id: number;
  kind: "contacts" | "events";
  /** The file's name as given (`ImportOptions.name`, else its path). */
  file: string;
  format: "csv" | "jsonl" | "json" | "parquet";
  state: "running" | "done" | "failed" | "cancelled" | "interrupted";
  startedAt: string;
  /** When it ended; null while `running`, and for `interrupted` (when the process stopped is not known). */
  finishedAt: string | null;
  by: string | null;
  /** Rows read (0 while `running`: its count is written when it ends). */
  rows: number;
  inserted: number;
  updated: number;
  skipBad: boolean;
  bad: InputProblem[];
  badCount: number;
  /**
   * Of a `done` import (else 0): contacts equal to what was stored (`ImportReport.unchanged`), events equal
   * to a stored one (`duplicates`), times cut to the millisecond (`truncatedTimes`), and whether duplicates
   * were left out (`skipDuplicates`). Null: an import recorded by a segql from before these were kept.
   */
  unchanged: number | null;
  duplicates: number | null;
  truncatedTimes: number | null;
  skipDuplicates: boolean | null;
  /** Memberships the refresh after a `done` import changed (null: not known, e.g. the refresh failed). */
  entered: number | null;
  exited: number | null;
}

/** Options of `deleteContacts`. */
export interface DeleteContactsOptions extends WriteOptions {
  /** Delete the keys that are contacts and list the others (default: any unknown key refuses the whole call). */
  skipUnknown?: boolean;
  /**
   * Also erase what the store keeps of them after a deletion (for an erasure request, GDPR art. 17), in the
   * same transaction: their change-feed rows lose the key, import-history bad rows quoting a key or value
   * are redacted (`ErasedHistory`). Default false: the feed and the import history keep them.
   */
  erase?: boolean;
}

/** What an erasure (`deleteContacts` with `erase`) did besides deleting. */
export interface ErasedHistory {
  /**
   * Change-feed rows that no longer name the contacts: their past entries and exits and the exits this
   * deletion logged keep their `seq`, segment, change and time, with the key `""` (no contact has it).
   */
  feedRows: number;
  /** Bad rows of the import history that quoted a key or one of the contacts' text values, now `[erased]`. */
  importProblems: number;
  /**
   * Segments (live or in the trash) whose name, description or expression — now or in an earlier version —
   * quote a key or value. Not changed (that would change an audience); edit them, or empty the trash.
   */
  segmentsQuoting: number[];
}

/** What `deleteContacts` did. */
export interface DeletedContacts {
  /** Contacts deleted. */
  deleted: number;
  /** Their events, deleted with them. */
  events: number;
  /** Keys that were no contact (with `skipUnknown`), in input order, once each. */
  unknown: string[];
  /** Every segment each contact was in, exited (logged in the change feed; with `erase`, without the key there). */
  changes: MembershipChange[];
  /** With `erase`: what else was erased. */
  erased?: ErasedHistory;
}

/** Options of `listImports`. */
export interface ListImportsOptions {
  /** Page size (default 50, at most 1000). */
  limit?: number;
  /** The `next` cursor of the previous page. */
  cursor?: string | null;
}

/** Counts of what the store holds. */
export interface StoreStats {
  contacts: number;
  events: number;
  segments: number;
  /** The last change's sequence number (0: none). */
  lastChangeSeq: number;
}

/** A check of an expression without saving it. */
export interface ExpressionCheck {
  ok: boolean;
  diagnostics: Diagnostic[];
  /** The segments it reads. */
  references: SegmentSummary[];
  relativeTime: boolean;
}

/**
 * A store of segments over one database holding contacts, events and segql's own tables. Every method is
 * safe to call concurrently (writes are serialised; PostgreSQL ones across processes too). Errors: see
 * errors.ts (`StoreError` subclasses); anything else is a bug.
 */
export interface Store {
  /** The schema the database was created with. */
  readonly schema: Schema;
  /** `duckdb` or `postgres` (PGlite included). */
  readonly backend: "duckdb" | "postgres";
  /** Where it is: the file path, `:memory:`, the URL without password, or `pglite`. */
  readonly location: string;

  // ---- segments -------------------------------------------------------------------------------------
  /** Segments in the order asked (default by name, case-insensitive), then id. */
  listSegments(options?: ListSegmentsOptions): Promise<Page<Segment>>;
  /** One segment; `NotFoundError` if there is none. */
  getSegment(id: SegmentId): Promise<Segment>;
  /** A segment by name (case-insensitive) or by id written `#12` or `12`; `NotFoundError` if none. */
  findSegment(nameOrId: string): Promise<Segment>;
  /**
   * Creates a segment (version 1). Dynamic: the expression is checked (`InvalidExpressionError` with the
   * checker's diagnostics, e.g. a cycle through `in segment`), then its membership is computed and logged.
   * Static: `members` / `freeze` give the first members. `NameTakenError`, `UnknownKeysError`, `InvalidInputError`.
   */
  createSegment(input: CreateSegmentInput, options?: WriteOptions): Promise<Segment>;
  /**
   * Changes name, description and/or expression (one new version). A rename rewrites the `in segment`
   * references of other segments (each gets a new version too). A new expression is checked and the
   * membership of the segment and of the segments reading it is refreshed. `ConflictError` on a stale
   * `expectedVersion`.
   */
  updateSegment(id: SegmentId, changes: SegmentChanges, options?: UpdateOptions): Promise<Segment>;
  /** A copy with the same kind, description, expression (or members), named "Copy of X" (or `options.name`). */
  duplicateSegment(id: SegmentId, options?: DuplicateOptions): Promise<Segment>;
  /**
   * Moves a segment to the trash: it leaves the catalog (its members are logged as `exited`; its history
   * gets a `deleted` version) and can be restored with `restoreSegment` until purged. `ReferencedError`
   * unless `force`.
   */
  deleteSegment(id: SegmentId, options?: DeleteOptions): Promise<void>;
  /** The trash: deleted segments, the latest deleted first. */
  listDeletedSegments(options?: ListDeletedOptions): Promise<Page<DeletedSegment>>;
  /**
   * Brings a deleted segment back with its id, description, expression or member list, and history (a
   * `restored` version); a dynamic segment's members are recomputed, and the segments reading it are
   * refreshed. `NotFoundError` when it is not in the trash; `NameTakenError` when another segment has its
   * name (restore under `options.name` then).
   */
  restoreSegment(id: SegmentId, options?: RestoreOptions): Promise<Segment>;
  /** Removes a deleted segment from the trash for good, with its history. `NotFoundError` when it is not there. */
  purgeDeletedSegment(id: SegmentId, options?: WriteOptions): Promise<void>;
  /**
   * Purges for good, with their history, every deleted segment (or those deleted more than
   * `options.olderThanMs` ago). Returns what it purged, the latest deleted first.
   */
  emptyTrash(options?: EmptyTrashOptions): Promise<DeletedSegment[]>;
  /** Dynamic → static: today's members become the member list (a new version). */
  convertToStatic(id: SegmentId, options?: UpdateOptions): Promise<Segment>;
  /** Every saved version, oldest first. */
  segmentVersions(id: SegmentId): Promise<SegmentVersion[]>;
  /**
   * Checks an expression against the schema and saved segments without saving (`segmentId`: as an edit of
   * that segment), with the static analysis's warnings (parts that never match, always hold or add nothing;
   * `analysis: false` leaves them out).
   */
  checkExpression(text: string, options?: { segmentId?: SegmentId; analysis?: boolean }): Promise<ExpressionCheck>;

  // ---- members --------------------------------------------------------------------------------------
  /** A page of the members now, with their contact values. */
  members(id: SegmentId, options?: MembersOptions): Promise<MembersPage>;
  /**
   * Every member with its contact values, a page at a time in key order, for an export, in flat memory
   * and with reads and writes going on meanwhile. On DuckDB and a PostgreSQL server, the members when it
   * started: one ordered read from one snapshot, streamed on a connection of its own. On PGlite (one
   * connection, for tests and demos), a page per read, by key along the membership index: a contact that
   * enters or leaves during the export may or may not be in it, none appears twice, and `NotFoundError` if
   * the segment is deleted meanwhile. `pageSize` 1-10,000 (default
   * 1,000). Each step of the read (a page on PGlite) runs under the time limit (`QueryTimeoutError`
   * "members export"); `signal` stops it (`CancelledError`).
   */
  memberPages(id: SegmentId, options?: MemberPagesOptions): AsyncGenerator<ContactValues[], void, undefined>;
  /** The member keys at a past instant, from the change log (sorted). */
  membersAt(id: SegmentId, at: string | Date | number): Promise<string[]>;
  /** Static segments: adds contacts by key (logged as `entered`). */
  addMembers(id: SegmentId, keys: readonly string[], options?: MemberOptions): Promise<MemberUpdate>;
  /** Static segments: removes contacts by key (logged as `exited`). */
  removeMembers(id: SegmentId, keys: readonly string[], options?: MemberOptions): Promise<MemberUpdate>;
  /** Static segments: adds the contacts matching an expression now (freezing its current matches). */
  addMatchingMembers(id: SegmentId, expression: string, options?: WriteOptions): Promise<MemberUpdate>;

  // ---- evaluation -----------------------------------------------------------------------------------
  /** Count, first page, SQL, per-condition counts and (for an edit) impact of an expression, without saving. */
  preview(expression: string, options?: PreviewOptions): Promise<Preview>;
  /**
   * The checked condition of an expression or a saved segment (a static segment: its membership), as the
   * compilers and the static analysis take it; `InvalidExpressionError` when it has errors. With `version`,
   * the segment's rules as that version saved them, read against today's segments (an older text that
   * reads a segment since deleted or renamed: `InvalidExpressionError`; a static version: today's members,
   * the only ones kept); `NotFoundError` for a version the segment never had.
   */
  typedCondition(target: ConditionTarget): Promise<TypedQuery>;
  /**
   * Who enters and who leaves between two versions (expressions, saved segments, versions of them), over
   * every possible contact, as simplified conditions (`diffSegments`); the static segments they read are
   * said as `in segment "Name"`. `InvalidExpressionError`, `NotFoundError` as `typedCondition`.
   */
  diff(old: ConditionTarget, next: ConditionTarget, options?: DiffOptions): Promise<SegmentDiff>;
  /**
   * Why a contact is (or is not) matched by a saved segment or an expression: every node's value. Under the
   * time limit (`QueryTimeoutError`); `signal` (the client went away) stops it with `CancelledError`.
   */
  why(target: { segmentId: SegmentId } | { expression: string }, key: string, options?: { signal?: AbortSignal }): Promise<Why>;
  /** Recomputes dynamic memberships in the database and logs who entered and exited (in dependency order). */
  refresh(options?: RefreshOptions): Promise<RefreshResult[]>;
  /** The change log after a cursor; with `waitMs`, waits for a change when there is none yet (a long poll). */
  changes(options: ChangesOptions & { include: readonly FeedInclude[] }): Promise<ChangesPage<FeedItem>>;
  changes(options?: ChangesOptions & { include?: undefined }): Promise<ChangesPage>;
  changes(options?: ChangesOptions): Promise<ChangesPage<FeedItem>>;
  /** How many `changes` calls are waiting for a change now. */
  readonly changeWaiters: number;
  /** A segment's changes, newest first (its entered / exited feed). */
  segmentChanges(id: SegmentId, options?: SegmentChangesOptions): Promise<SegmentChangesPage>;
  /**
   * One contact's entries and exits, newest first, in every segment (also of a contact deleted since: the
   * log keeps them); `next` is the `before` of the following page.
   */
  contactChanges(key: string, options?: SegmentChangesOptions): Promise<SegmentChangesPage>;
  /** A segment's member count over time, from the change log: at most `points` points, oldest first. */
  memberCountHistory(id: SegmentId, options?: { points?: number }): Promise<MemberCountPoint[]>;

  // ---- contacts and events ---------------------------------------------------------------------------
  /** One contact with its segments; `NotFoundError` if there is none. */
  getContact(key: string): Promise<ContactRecord>;
  /** A contact's events, newest first, `limit` at a time (default 100, at most 1000). `NotFoundError` when it is no contact. */
  contactEvents(key: string, options?: { limit?: number; cursor?: string | null }): Promise<ContactEventsPage>;
  /** Contacts found by search text, a filter expression and/or segment membership, sorted, a page at a time (in SQL). */
  listContacts(options?: ListContactsOptions): Promise<ContactPage>;
  /**
   * Every contact `listContacts` finds for `search` and/or `filter`, a page at a time in key order, for an
   * export, in flat memory: keyset paging in the database (`key > last ORDER BY key LIMIT n`, a read per
   * page), so reading a million contacts is linear. Writes go on between pages: a contact written
   * meanwhile may or may not be in it, none appears twice. The filter is compiled once, before the first
   * page, at one instant (`InvalidExpressionError` before anything is read). Each page's read runs under
   * the time limit (`QueryTimeoutError` "contacts export"); `signal` stops it (`CancelledError`).
   */
  contactPages(options?: ContactPagesOptions): AsyncGenerator<ContactValues[], void, undefined>;
  /**
   * Which of these keys are contacts (each key once, in the order given); with `segmentId`, also which of
   * the known ones are its members now (`members`), so a picker can tell new members from old.
   */
  findContactKeys(keys: readonly string[], options?: { segmentId?: SegmentId }): Promise<KeyLookup>;
  /**
   * Inserts or updates contacts; dynamic segments are re-evaluated for them at once. `InvalidInputError` names
   * the row and field. With `expect`, only if those fields still hold the values read (`ContactChangedError`).
   */
  upsertContacts(rows: readonly ContactInput[], options?: UpsertContactsOptions): Promise<WriteResult>;
  /** Appends events (their contacts must exist); dynamic segments are re-evaluated for those contacts at once. */
  appendEvents(rows: readonly EventInput[], options?: WriteOptions): Promise<WriteResult>;
  /** Imports contacts (upsert by key) from a CSV, JSONL, JSON or Parquet file, then refreshes every dynamic segment. */
  importContacts(file: string, options?: ImportOptions): Promise<ImportReport>;
  /** Imports events from a CSV, JSONL, JSON or Parquet file, then refreshes every dynamic segment. */
  importEvents(file: string, options?: ImportOptions): Promise<ImportReport>;
  /**
   * Deletes contacts by key, with their events: in one transaction each leaves every segment it was in
   * (static lists included; logged as `exited`), and its key leaves the member lists of deleted static
   * segments (a restore does not bring it back). The change feed keeps its past entries and exits.
   * `UnknownKeysError` (nothing deleted) for keys that are no contact, unless `skipUnknown`.
   */
  deleteContacts(keys: readonly string[], options?: DeleteContactsOptions): Promise<DeletedContacts>;
  /** The import history, the latest first, a page at a time (see `ImportRecord`). */
  listImports(options?: ListImportsOptions): Promise<Page<ImportRecord>>;
  /** One import of the history; `NotFoundError` when there is none with this id. */
  getImport(id: number): Promise<ImportRecord>;
  stats(): Promise<StoreStats>;

  /** Closes the database (waits for running operations). Later calls fail. */
  close(): Promise<void>;
}

/** Options of `openStore`. */
export interface OpenStoreOptions {
  /**
   * A DuckDB file path (default `segql.duckdb`), `:memory:`, or a PostgreSQL URL (`postgres://…`,
   * `postgresql://…`).
   */
  db?: string;
  /** An embedded PostgreSQL (a PGlite instance) to use instead of `db`: tests and demos. */
  pglite?: unknown;
  /**
   * The schema. Required when the database is new (its tables are created from it); with an existing
   * database it may be left out (the stored one is used) or must equal it (`SchemaMismatchError`).
   */
  schema?: Schema;
  /** PostgreSQL only: the namespace (created if missing) holding every table; default `public`. */
  pgSchema?: string;
  /** The clock, epoch ms (default `Date.now`): change times and the `now` of relative times. */
  clock?: () => number;
  /**
   * PostgreSQL only: while a `changes` call waits, how often (ms, default 1000) it reads the feed's last
   * sequence number, to see changes other processes (another server, the CLI) commit. Commits of this
   * process end a wait at once.
   */
  changePollMs?: number;
  /**
   * DuckDB only (default true): upserts of up to 8 contacts are acknowledged once written to a journal
   * beside the file (`<db>.segql-journal`) and applied to the database a few milliseconds later, or
   * before any other operation reads or writes it (docs/store.md, "Write-back"). False writes each upsert
   * in its own database transaction.
   */
  writeBack?: boolean;
  /**
   * How long a read made from a user's expression may run, in ms (default 30,000; 0: no limit): `preview`,
   * `why`, `diff` and `listContacts` with a filter. Past it the read is stopped (DuckDB: the connection's
   * query interrupted; PostgreSQL: statement_timeout) and fails with `QueryTimeoutError`. Writes, refreshes
   * and exports have no limit.
   */
  queryTimeoutMs?: number;
  /**
   * Where the store says what went wrong without failing an operation (default: `process.emitWarning`):
   * a write-back journal that could not be rewritten without its applied records (it keeps growing until
   * a later rewrite succeeds).
   */
  warn?: (message: string) => void;
}
