/**
 * Messages between the page and the data worker. The worker holds the loaded contacts and events and
 * answers every question about them (count, a page of rows, per-condition counts, why / why not, the
 * matching keys), so the page never blocks on data.
 */
import type { Explanation } from "../../../src/compiler/predicate/explain.js";
import type { Span } from "../../../src/diagnostics.js";
import type { FieldType } from "../../../src/schema/schema.js";
import type { BUILTIN_IDS } from "./builtin-ids.js";

/** A built-in dataset. */
export type BuiltinId = (typeof BUILTIN_IDS)[number];

/** Absolute URLs of a built-in dataset's files (the page resolves them against its own address). */
export interface DatasetUrls {
  schema: string;
  contacts: string;
  events?: string;
}

export type WorkerRequest =
  | { type: "load-builtin"; id: number; dataset: BuiltinId; urls: DatasetUrls; count?: number }
  | { type: "load-files"; id: number; contacts: File; events: File | null; schema: File | null }
  | { type: "evaluate"; id: number; query: EvaluateQuery }
  | { type: "why"; id: number; query: EvaluateQuery }
  | { type: "matching-keys"; id: number; query: EvaluateQuery }
  | { type: "duckdb-tables"; id: number }
  | { type: "dataset-copy"; id: number };

/** What to evaluate: the editor's text, which segment of it, `now`, and the view asked for. */
export interface EvaluateQuery {
  text: string;
  /** The segment to evaluate, by name (a file may hold several); null: the bare expression, or the last segment. */
  segment: string | null;
  now: string;
  sort: { field: string; descending: boolean } | null;
  page: number;
  pageSize: number;
  /** The contact to explain (its key), if any. */
  contact: string | null;
}

/** One column of the contacts table as the page shows it. */
export interface ColumnInfo {
  name: string;
  type: FieldType;
}

export type WorkerResponse =
  | { type: "progress"; id: number; phase: string; done: number; total: number | null }
  | { type: "loaded"; id: number; info: DatasetInfo }
  | { type: "load-failed"; id: number; message: string }
  | EvaluateResponse
  | ConditionsResponse
  | WhyResponse
  | { type: "matching-keys"; id: number; keys: string[] | null; message?: string }
  | { type: "duckdb-tables"; id: number; tables: DuckTable[] }
  | { type: "dataset-copy"; id: number; copy: DatasetCopy | null };

/**
 * The loaded contacts and events, copied to the page so it can count a small dataset on its own thread
 * (see playground/src/playground/local-count.ts); null when nothing is loaded.
 */
export interface DatasetCopy {
  contacts: Record<string, unknown>[];
  /** Events by contact key; null when the dataset has none. */
  events: Map<string, Record<string, unknown>[]> | null;
  eventCount: number;
}

/** A loaded dataset, as the page needs to know it. */
export interface DatasetInfo {
  name: string;
  /** The schema's JSON text (the page's language service checks against the same schema). */
  schemaText: string;
  /** True when the schema was inferred from the data rather than given. */
  inferred: boolean;
  /** What the schema inference guessed, to review. */
  notes: string[];
  contacts: number;
  events: number;
  columns: ColumnInfo[];
  key: string;
  /** A few keys, for the why / why not picker's suggestions. */
  sampleKeys: string[];
  /** Columns the schema does not know (ignored), by file. */
  ignored: string[];
}

/** The count and a page of matching contacts, or why the text cannot be evaluated. */
export type EvaluateResponse =
  | {
      type: "evaluated";
      id: number;
      ok: true;
      /** The text evaluated (the page shows which text a count is for). */
      text: string;
      /** The segment evaluated (a file may hold several): its name, or null for a bare expression. */
      segment: string | null;
      count: number;
      total: number;
      rows: Record<string, unknown>[];
      /** Milliseconds the worker spent checking, compiling and counting. */
      evalMs: number;
    }
  | { type: "evaluated"; id: number; ok: false; text: string; message: string; total: number };

/** One sub-condition and how many contacts it matches alone. */
export interface ConditionCount {
  index: number;
  parent: number | null;
  depth: number;
  kind: string;
  label: string;
  span: Span;
  count: number;
}

export interface ConditionsResponse {
  type: "conditions";
  id: number;
  /** The text the spans are in. */
  text: string;
  items: ConditionCount[];
  /** True when the expression has more sub-conditions than are counted. */
  truncated: boolean;
}

export type WhyResponse =
  | { type: "why"; id: number; ok: true; key: string; explanation: Explanation; contact: Record<string, unknown> }
  | { type: "why"; id: number; ok: false; key: string | null; message: string };

/** A table for DuckDB: its name and typed columns. */
export interface DuckTable {
  name: string;
  columns: DuckColumn[];
}

/** One column: its DuckDB type and its values (text, numbers, booleans, lists; instants as epoch ms; null). */
export interface DuckColumn {
  name: string;
  type: string;
  values: unknown[];
}
