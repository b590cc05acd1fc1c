/**
 * Past imports, on the Import page: every import the store has run (from this app, another client, or
 * `segql import`), the latest first, with what it wrote or why it wrote nothing, and its bad rows. The
 * store keeps them (`GET /api/import-history`), so a reload or a restart loses none.
 */
import { importHistory, type ImportRecord } from "./api.js";
import { formatCount, plural } from "./format.js";
import { usePagedList } from "./paged-list.js";
import { AgeBy, LoadFailed, LoadProblem } from "./ui.js";

const PAGE = 20;

/** What an import did, in words. */
export function importOutcome(r: ImportRecord): string {
  if (r.state === "running") return "Running; its counts show when it ends.";
  if (r.state === "interrupted") return "Stopped before it finished (the server stopped or failed); nothing was imported.";
  if (r.state === "cancelled") return `Cancelled after ${plural(r.rows, "row")}; nothing was imported.`;
  // Refused before a row was read (a header without the key, a file that is not what it says): no row was
  // bad, the file was ("1 bad row of 0" said otherwise); the problem is listed below, by line.
  if (r.state === "failed" && r.rows === 0) return "Not imported: the file was refused before its first row (why below); nothing was written.";
  if (r.state === "failed") return `Not imported: ${plural(r.badCount, "bad row")} of ${formatCount(r.rows)}; nothing was written.`;
  // unchanged, duplicates and truncatedTimes are null for an import an older segql recorded: said only when known.
  const parts = [r.kind === "events" ? `${plural(r.inserted, "event")} added` : `${formatCount(r.inserted)} added, ${formatCount(r.updated)} updated`];
  if (r.unchanged !== null && r.unchanged > 0) parts[0] += `, ${formatCount(r.unchanged)} unchanged`;
  if (r.duplicates !== null && r.duplicates > 0) {
    parts[0] += r.skipDuplicates === true ? `, ${plural(r.duplicates, "duplicate")} of stored events left out` : ` (${formatCount(r.duplicates)} of them equal to stored events)`;
  }
  if (r.badCount > 0) parts.push(`${plural(r.badCount, "bad row")} skipped`);
  if (r.truncatedTimes !== null && r.truncatedTimes > 0) parts.push(`${plural(r.truncatedTimes, "time")} cut to the millisecond`);
  return `${plural(r.rows, "row")}: ${parts.join("; ")}.`;
}

const STATE_BADGE: Record<ImportRecord["state"], { label: string; tone: string }> = {
  done: { label: "Imported", tone: "good" },
  failed: { label: "Failed", tone: "bad" },
  cancelled: { label: "Cancelled", tone: "warn" },
  running: { label: "Running", tone: "" },
  interrupted: { label: "Interrupted", tone: "bad" },
};

/** `reloadKey`: a new value (an import of this page ended) loads the list again from its latest. */
export function ImportHistory({ reloadKey }: { reloadKey: unknown }) {
  // The signal stops an older page still loading when the list is read again or the page goes (paged-list.ts).
  const list = usePagedList((cursor, signal) => importHistory({ limit: PAGE, cursor }, signal), (r) => r.id, [reloadKey]);
  const { rows, next, more } = list;
  return (
    <section className="card import-history" aria-labelledby="import-history-title" data-testid="import-history">
      <h2 id="import-history-title">Past imports</h2>
      {rows === null ? (
        list.first.error ? <LoadProblem what="Past imports" loaded={list.first} testId="history-failed" /> : <p className="muted">Loading…</p>
      ) : rows.length === 0 ? (
        <p className="muted" data-testid="history-empty">
          No imports yet.
        </p>
      ) : (
        <>
          <div className="table-scroll">
            <table className="data-table import-history-table">
              <caption className="visually-hidden">Past imports, the latest first</caption>
              <thead>
                <tr>
                  <th scope="col">Ended</th>
                  <th scope="col">File</th>
                  <th scope="col">Result</th>
                  <th scope="col" className="num">
                    Segments
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.id} data-testid="history-row" data-id={r.id} data-state={r.state}>
                    <td className="import-history-when">
                      {/* A running or interrupted import has no end: when it began stands in. */}
                      <AgeBy at={r.finishedAt ?? r.startedAt} by={r.by} />
                    </td>
                    <td className="import-history-file">
                      <bdi dir="ltr" className="import-history-name">{r.file}</bdi>
                      <span className="muted small"> · {r.kind === "events" ? "events" : "contacts"}</span>
                    </td>
                    <td>
                      <span className={`badge ${STATE_BADGE[r.state].tone}`}>{STATE_BADGE[r.state].label}</span> <span data-testid="history-outcome">{importOutcome(r)}</span>
                      {r.bad.length > 0 && <BadRows record={r} />}
                    </td>
                    <td className="num" data-testid="history-moved">
                      {r.entered !== null && r.exited !== null ? (
                        <span title={`${plural(r.entered, "membership")} entered, ${plural(r.exited, "membership")} exited in the refresh after it`}>
                          +{formatCount(r.entered)} −{formatCount(r.exited)}
                        </span>
                      ) : (
                        <span className="muted" title="No refresh: nothing was imported">
                          –
                        </span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {next && (
            <div className="table-foot">
              {more.error ? (
                <LoadFailed what="Older imports" error={more.error} onRetry={list.loadMore} retrying={more.loading} testId="history-more-failed" />
              ) : (
                <button type="button" onClick={list.loadMore} disabled={more.loading} data-testid="history-more">
                  {more.loading ? "Loading…" : "Show older imports"}
                </button>
              )}
            </div>
          )}
        </>
      )}
    </section>
  );
}

/** An import's bad rows (the first 100 the store keeps), folded. */
function BadRows({ record }: { record: ImportRecord }) {
  return (
    <details className="import-history-bad" data-testid="history-bad">
      <summary>{record.rows === 0 ? "Why" : record.badCount === record.bad.length ? `The ${plural(record.badCount, "bad row")}` : `The first ${formatCount(record.bad.length)} of ${plural(record.badCount, "bad row")}`}</summary>
      <ul>
        {record.bad.map((b, i) => (
          <li key={i}>
            <code>{b.line !== undefined ? `line ${b.line}` : b.path}</code>
            {b.field !== undefined && (
              <>
                {" "}
                <span className="muted">{b.field}</span>
              </>
            )}
            : {b.message}
          </li>
        ))}
      </ul>
    </details>
  );
}
