/**
 * The segment log: the segments' own lifecycle (created, changed, deleted, restored), for the change feed
 * (`changes({ include: ["segments"] })`, docs/api.md). The membership log says who entered and left; a
 * segment created empty, renamed or deleted with no members logs nothing there, so a page listing the
 * segments could not learn of it without reading them all again.
 *
 * One row per new version of a segment (every call of the store's `recordVersion`, so no write path can
 * forget it): its `seq` comes from the membership log's sequence, one order for both, so a reader follows
 * them with one cursor, as the refresh log (refresh-status.ts). A table of its own (added after format 1,
 * ddl.ts `LATER_TABLES`): an older segql reading the store, and every reader of the membership log, never
 * meet these rows. A segment purged from the trash keeps its rows: a reader that saw it created still
 * learns that it was deleted.
 */
import { num, type Row, type SqlRunner } from "./adapter.js";
import { iso } from "./context.js";
import type { SegmentLifecycleChange } from "./types.js";

export const SEGMENT_LOG_DDL = `CREATE TABLE IF NOT EXISTS segql_segment_log (
       seq BIGINT NOT NULL PRIMARY KEY DEFAULT nextval('segql_change_seq'), segment_id BIGINT NOT NULL,
       change TEXT NOT NULL, name TEXT NOT NULL, changed TEXT NOT NULL, at_ms BIGINT NOT NULL, segment_version INTEGER NOT NULL)`;

/** The columns `segmentChangeOf` reads, in a select of `segql_segment_log`. */
export const SEGMENT_LOG_COLUMNS = "seq, segment_id, change, name, changed, at_ms, segment_version";

/**
 * The feed's kind of a new version, from what the version says changed (as `segql_segment_versions.changed`
 * holds it): `created` (a create or a duplicate), `deleted`, `restored` (maybe with `name`), anything else
 * (`name`, `description`, `expression`, `kind`) an update.
 */
export function segmentChangeKind(changed: readonly string[]): SegmentLifecycleChange["change"] {
  if (changed.includes("created")) return "segment-created";
  if (changed.includes("deleted")) return "segment-deleted";
  if (changed.includes("restored")) return "segment-restored";
  return "segment-updated";
}

/** Logs version `version` of segment `id` (named `name` from then on; deleted: the name it had), in the caller's write. */
export async function logSegmentChange(tx: SqlRunner, id: number, version: number, name: string, changed: readonly string[], at: number): Promise<void> {
  await tx.query("INSERT INTO segql_segment_log (segment_id, change, name, changed, at_ms, segment_version) VALUES ($1, $2, $3, $4, $5, $6)", [
    id,
    segmentChangeKind(changed),
    name,
    changed.join(","),
    at,
    version,
  ]);
}

/** A segment-log row → the feed's `SegmentLifecycleChange`. */
export function segmentChangeOf(r: Row): SegmentLifecycleChange {
  const changed = String(r["changed"]);
  return {
    seq: num(r["seq"]),
    segmentId: num(r["segment_id"]),
    change: String(r["change"]) as SegmentLifecycleChange["change"],
    at: iso(num(r["at_ms"])),
    segmentVersion: num(r["segment_version"]),
    name: String(r["name"]),
    changed: changed === "" ? [] : changed.split(","),
  };
}
