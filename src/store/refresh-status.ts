/**
 * A dynamic segment's last refresh attempt, kept with the segment: a refresh that cannot run (its
 * expression has errors) or that runs past the query time limit (rolled back) leaves the members and
 * `refreshed_at` as they were, and records when it was tried and why it failed, so that whoever opens the
 * segment later learns that its members are stale, since when and why. The next successful refresh clears it.
 *
 * Two columns of `segql_segments`, added after format 1 (ddl.ts `LATER_COLUMNS`): `refresh_failed_at`
 * (epoch ms) and `refresh_error` (JSON `{code, message}`). A failure counts only while it is at least as
 * recent as `refreshed_at`: an older segql, which knows nothing of these columns, refreshes without
 * clearing them, and its success then still supersedes the failure recorded before it.
 */
import { num, type Row, type SqlRunner } from "./adapter.js";
import { iso } from "./context.js";
import type { RefreshChange, RefreshFailure, RefreshStatus } from "./types.js";

/** The columns this module keeps, for `LATER_COLUMNS`. */
export const REFRESH_STATUS_COLUMNS: [column: string, type: string][] = [
  ["refresh_failed_at", "BIGINT"],
  ["refresh_error", "TEXT"],
];

/** SQL assignments that clear a recorded failure (a successful refresh, a convert to static). */
export const CLEAR_REFRESH_FAILURE = "refresh_failed_at = NULL, refresh_error = NULL";

/**
 * The refresh log: a segment's refresh status as it changes, for the change feed (`changes({ include:
 * ["refresh"] })`, docs/api.md). A row when a refresh fails where the segment was not failed, or failed
 * for another reason (`failed`), and when a refresh succeeds where it was failed (`ok`); a failure repeated
 * for the same reason, and a success after a success, add none, so a segment failing on every scheduled
 * refresh stays one row. Its `seq` comes from the membership log's sequence: one order for both, so a
 * reader follows them with one cursor. A table of its own (added after format 1, ddl.ts `LATER_TABLES`):
 * an older segql reading the store, and every reader of the membership log, never meet these rows.
 */
export const REFRESH_LOG_DDL = `CREATE TABLE IF NOT EXISTS segql_refresh_log (
       seq BIGINT NOT NULL PRIMARY KEY DEFAULT nextval('segql_change_seq'), segment_id BIGINT NOT NULL,
       status TEXT NOT NULL, at_ms BIGINT NOT NULL, error TEXT, segment_version INTEGER NOT NULL)`;

/** Records that segment `id`'s refresh tried at `at` failed (in the caller's write), logging it when its status changes. */
export async function recordRefreshFailure(tx: SqlRunner, id: number, at: number, failure: RefreshFailure): Promise<void> {
  const error = JSON.stringify(failure);
  // Before the update, which makes every segment look failed for this reason.
  await tx.query(
    `INSERT INTO segql_refresh_log (segment_id, status, at_ms, error, segment_version)
     SELECT id, 'failed', $2, $3, version FROM segql_segments WHERE id = $1 AND NOT (${REFRESH_FAILED_SQL} AND COALESCE(refresh_error = $3, FALSE))`,
    [id, at, error],
  );
  await tx.query("UPDATE segql_segments SET refresh_failed_at = $2, refresh_error = $3 WHERE id = $1", [id, at, error]);
}

/**
 * Logs that segment `id`'s refresh at `at` succeeded, when its last one had failed (in the caller's write,
 * before the update that clears the failure with `CLEAR_REFRESH_FAILURE`). One indexed read otherwise.
 */
export async function logRefreshRecovery(tx: SqlRunner, id: number, at: number): Promise<void> {
  await tx.query(
    `INSERT INTO segql_refresh_log (segment_id, status, at_ms, error, segment_version)
     SELECT id, 'ok', $2, NULL, version FROM segql_segments WHERE id = $1 AND ${REFRESH_FAILED_SQL}`,
    [id, at],
  );
}

/** The columns `refreshChangeOf` reads, in a select of `segql_refresh_log`. */
export const REFRESH_LOG_COLUMNS = "seq, segment_id, status, at_ms, error, segment_version";

/** A refresh-log row → the feed's `RefreshChange`. */
export function refreshChangeOf(r: Row): RefreshChange {
  const at = num(r["at_ms"]);
  const failed = r["status"] === "failed";
  const refresh: RefreshStatus = failed ? { status: "failed", triedAt: iso(at), error: readFailure(r["error"]) ?? { code: "other", message: "unknown" } } : { status: "ok", triedAt: iso(at) };
  return { seq: num(r["seq"]), segmentId: num(r["segment_id"]), change: failed ? "refresh-failed" : "refresh-ok", at: iso(at), segmentVersion: num(r["segment_version"]), refresh };
}

/** The failure of a refresh that could not run because the saved expression has errors (the first one given). */
export function invalidExpressionFailure(firstError: string | undefined): RefreshFailure {
  return { code: "invalid-expression", message: `its expression has errors: ${firstError ?? "unknown"}` };
}

/** The failure of a refresh stopped by the query time limit. */
export function timedOutFailure(limitMs: number): RefreshFailure {
  return { code: "query-timeout", message: `it took longer than the query time limit (${limitText(limitMs)}) and was stopped`, limitMs };
}

/** A time limit as people say it: `250 ms`, `30 s`, `1.5 s`. */
export function limitText(limitMs: number): string {
  return limitMs < 1000 ? `${limitMs} ms` : `${Number((limitMs / 1000).toFixed(1))} s`;
}

/**
 * A segment's refresh status from its row's columns: null for a static segment and for a dynamic one never
 * refreshed nor tried (nothing known); `failed` while the recorded failure is not older than the last
 * successful refresh; `ok` (tried when it last succeeded) otherwise.
 */
export function refreshStatusOf(kind: string, refreshedAt: number | null, failedAt: number | null, error: unknown): RefreshStatus | null {
  if (kind !== "dynamic") return null;
  const failure = failedAt === null ? null : readFailure(error);
  if (failure && failedAt !== null && (refreshedAt === null || failedAt >= refreshedAt)) {
    return { status: "failed", triedAt: new Date(failedAt).toISOString(), error: failure };
  }
  if (refreshedAt === null) return null;
  return { status: "ok", triedAt: new Date(refreshedAt).toISOString() };
}

/** The stored `refresh_error` JSON; a value this segql cannot read (hand-edited) still says that it failed. */
function readFailure(stored: unknown): RefreshFailure | null {
  if (stored === null || stored === undefined) return null;
  try {
    const v = JSON.parse(String(stored)) as Partial<RefreshFailure>;
    if ((v.code === "query-timeout" || v.code === "invalid-expression") && typeof v.message === "string") {
      return { code: v.code, message: v.message, ...(typeof v.limitMs === "number" ? { limitMs: v.limitMs } : {}) };
    }
  } catch {
    // below
  }
  return { code: "other", message: String(stored) };
}

/** SQL condition on `segql_segments`: the segment's last refresh failed (as `refreshStatusOf` says `failed`). */
export const REFRESH_FAILED_SQL = "(kind = 'dynamic' AND refresh_failed_at IS NOT NULL AND refresh_error IS NOT NULL AND (refreshed_at IS NULL OR refresh_failed_at >= refreshed_at))";
