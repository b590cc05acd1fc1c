/**
 * A dynamic segment whose last refresh failed (its `refresh` from the API: ran past the query time limit, or
 * its rules have errors) keeps the members of its last refresh that worked. These say so where people look:
 * the segment page's note ("Members last updated …. The refresh at … failed: …", with Refresh now) and
 * the segments table's "out of date" badge, both in a marketer's words rather than the server's.
 */
import { useState } from "react";
import { ApiError, refreshSegment, type Segment } from "./api.js";
import { formatAge, formatInstant, plural } from "./format.js";
import { useToast } from "./ui.js";
import "./refresh-status.css";

type Failed = Extract<NonNullable<Segment["refresh"]>, { status: "failed" }>;

/** The segment's failed refresh, or null when its last refresh worked (or it has none: a static list). */
export function failedRefresh(s: Segment): Failed | null {
  return s.refresh?.status === "failed" ? s.refresh : null;
}

/** `30 s`, `250 ms`, `1.5 min`: a time limit as people say it. */
function limitWords(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(1))} s`;
  return `${Number((ms / 60_000).toFixed(1))} min`;
}

/** Why it failed, to follow "failed: " (the server's message past its own wording, for the errors it names). */
export function failureWords(f: Failed): string {
  const e = f.error;
  if (e.code === "query-timeout") return e.limitMs !== undefined ? `it took longer than the ${limitWords(e.limitMs)} time limit` : "it took longer than the time limit";
  if (e.code === "invalid-expression") return `its rules have an error (${e.message.replace(/^its expression has errors: /, "")})`;
  return e.message;
}

/** What to do about it, by cause. */
function advice(f: Failed): string {
  if (f.error.code === "query-timeout") return "The rules may be too heavy to recompute in time. Try again later, simplify the rules, or ask an administrator to raise the time limit.";
  if (f.error.code === "invalid-expression") return "Fix the rules to let it update again.";
  return "Try again; if it keeps failing, ask an administrator.";
}

/** "Members last updated 6 Dec 2026, 07:24 UTC (3 h ago). The refresh at … failed: …." */
export function StaleSince({ segment, failed }: { segment: Segment; failed: Failed }) {
  return (
    <span data-testid="refresh-stale-since">
      {segment.refreshedAt ? (
        <>
          Members last updated <time dateTime={segment.refreshedAt}>{formatInstant(segment.refreshedAt)}</time> ({formatAge(segment.refreshedAt)}).
        </>
      ) : (
        <>Its members have never been computed.</>
      )}{" "}
      The refresh at <time dateTime={failed.triedAt}>{formatInstant(failed.triedAt)}</time> failed: {failureWords(failed)}.
    </span>
  );
}

/**
 * The segment page's note on a failed refresh, with Refresh now (the API's refresh of this segment) and, for
 * rules with errors, a link to edit them. Nothing for a segment whose last refresh worked. `onRefreshed`
 * reads the segment again (its members and this note).
 */
export function RefreshStatusNote({ segment, onRefreshed }: { segment: Segment; onRefreshed(): void }) {
  const failed = failedRefresh(segment);
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  if (!failed) return null;
  const retry = async () => {
    setBusy(true);
    try {
      const { results } = await refreshSegment(segment.id);
      const own = results.find((r) => r.segmentId === segment.id);
      if (own?.skipped) toast("The refresh failed again; its members are unchanged.", "bad");
      else if (own) toast(`Refreshed: ${plural(own.entered, "contact")} entered, ${plural(own.exited, "contact")} left`);
    } catch (e) {
      toast(e instanceof ApiError ? e.problem.detail : String(e), "bad");
    } finally {
      setBusy(false);
      onRefreshed();
    }
  };
  return (
    <section className="refresh-failed" aria-labelledby="refresh-failed-title" data-testid="refresh-status" data-code={failed.error.code}>
      <h2 id="refresh-failed-title" className="refresh-failed-title">
        These members may be out of date
      </h2>
      <p>
        <StaleSince segment={segment} failed={failed} />
      </p>
      <p className="refresh-failed-advice">{advice(failed)}</p>
      <div className="refresh-failed-actions">
        <button type="button" onClick={() => void retry()} disabled={busy} data-testid="refresh-now">
          {busy ? "Refreshing…" : "Refresh now"}
        </button>
        {failed.error.code === "invalid-expression" && (
          <a className="button" href={`#/segments/${segment.id}/edit`}>
            Edit the rules
          </a>
        )}
      </div>
    </section>
  );
}

/** The segments table's mark on a segment whose last refresh failed (its title says when and why). */
export function RefreshFailedBadge({ segment }: { segment: Segment }) {
  const failed = failedRefresh(segment);
  if (!failed) return null;
  const since = segment.refreshedAt ? `members from ${formatInstant(segment.refreshedAt)}` : "members never computed";
  const why = `The refresh at ${formatInstant(failed.triedAt)} failed: ${failureWords(failed)}; ${since}.`;
  return (
    <span className="badge warn refresh-failed-badge" title={why} data-testid="refresh-failed-badge">
      out of date<span className="visually-hidden">: {why}</span>
    </span>
  );
}
