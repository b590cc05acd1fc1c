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
import type { SqlRunner } from "./adapter.js";
import type { RefreshFailure, RefreshStatus } from "./types.js";

/** The columns this module keeps, for `LATER_COLUMNS`. */
export const REFRESH_STATUS_COLUMNS: [column: string, type: string][] = [
  ["refresh_failed_at", "BIGINT"],
  ["refresh_error", "TEXT"],
];

/** SQL assignments that clear a recorded failure (a successful refresh, a convert to static). */
export const CLEAR_REFRESH_FAILURE = "refresh_failed_at = NULL, refresh_error = NULL";

/** Records that segment `id`'s refresh tried at `at` failed (in the caller's write). */
export async function recordRefreshFailure(tx: SqlRunner, id: number, at: number, failure: RefreshFailure): Promise<void> {
  await tx.query("UPDATE segql_segments SET refresh_failed_at = $2, refresh_error = $3 WHERE id = $1", [id, at, JSON.stringify(failure)]);
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
