/**
 * What differs per engine in bench/segments, and nothing else: how a store is opened on it with the
 * generated data, and the few statements of the hand-written baselines whose SQL differs between engines.
 * The measuring loop (measure.ts) is one for all engines.
 */
import type { SqlAdapter } from "../../src/store/adapter.js";
import type { Store } from "../../src/store/index.js";
import type { HandSql } from "./workload.js";

/** A store holding the generated contacts and events, and how to dispose of it. */
export interface Opened {
  store: Store;
  /** The store's own adapter: the hand-written SQL runs on the same connections (pool) the store uses. */
  db: SqlAdapter;
  /** Where the data lives, for the report (file, server version and settings). */
  where: string;
  /** Seconds spent generating the contacts and events. */
  generatedIn: number;
  /**
   * After the segments' first memberships: brings the planner's statistics up to date, as the engine does
   * by itself soon after (PostgreSQL's autovacuum analyses a table within about a minute of bulk changes).
   */
  settle?(): Promise<void>;
  /** What `settle` does and why, for the report. */
  settleNote?: string;
  /**
   * Makes commits stop waiting for their write-ahead log to reach the disk (a server setting; a crash may
   * then lose the last commits, never corrupt): the upserts are measured again after it. Only where the
   * bench owns the server.
   */
  relaxCommit?(): Promise<void>;
  /** What `relaxCommit` set, for the report. */
  relaxedLabel?: string;
  close(): Promise<void>;
}

/** One engine the bench runs on. */
export interface Engine {
  /** `duckdb`, `postgres`: the name `SEGQL_BENCH_SEGMENTS_ENGINES` lists and the report's marker uses. */
  key: string;
  /** The name in headings. */
  title: string;
  contacts: number;
  events: number;
  /** Hand-written SQL conditions and statements in this engine's SQL. */
  sql: HandSql & HandWrites;
  /**
   * A fresh store with the generated data (contacts, then events, then the events index), its clock at
   * `now`. Null with the reason when the engine cannot run here (e.g. no PostgreSQL binaries).
   */
  open(now: number): Promise<Opened | { skipped: string }>;
}

/** The statements of the hand-written refresh and upsert whose SQL differs between engines. */
export interface HandWrites {
  /** Changes `ltv` of about 1% of the contacts by +700 (`sign` 1) or back (-1), the same rows every time. */
  changeOnePercent(sign: 1 | -1): string;
  /** Statements leaving the rows of `select` (contact_key, change) in the temporary table `hand_diff`. */
  diffTable(select: string): string[];
  /** A condition: `column` (BIGINT) is an element of the parameter `param` (a text array of ids). */
  inIds(column: string, param: string): string;
}
