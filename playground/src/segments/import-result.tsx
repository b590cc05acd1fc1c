/**
 * What an import did, or why the file was refused, as the Import page shows it: counts, the bad rows by
 * line and field (the API lists the first 100; the rest are counted), and the segments whose members the
 * refresh after it changed, each linked to its page. A refused file shows the problem the API sent, by
 * line and field when it has them, never the raw document.
 */
import type { ReactNode, Ref } from "react";
import { ApiError, type ImportFormat, type ImportKind, type ImportProblem, type ImportReport } from "./api.js";
import { formatCount, isolateFileName, plural } from "./format.js";

/** Bytes as people read them: `812 B`, `34.2 KB`, `128 MB`. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${formatCount(n)} B`;
  const units = ["KB", "MB", "GB"];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v >= 100 || Number.isInteger(v) ? Math.round(v) : v.toFixed(1)} ${units[u]}`;
}

/** The bad rows of a file as a table: line (Parquet: row), field, message; "and N more" past those listed. */
export function BadRowsTable({ problems, total, format, caption }: { problems: ImportProblem[]; total: number; format: ImportFormat; caption: string }) {
  const more = total - problems.length;
  // Parquet has no lines: the importer numbers its rows (and says "row N:" in the message too).
  const where = format === "parquet" ? "Row" : "Line";
  return (
    <>
      <div className="table-scroll import-bad-scroll">
        <table className="data-table import-bad-table" data-testid="bad-rows">
          <caption className="visually-hidden">{caption}</caption>
          <thead>
            <tr>
              <th scope="col" className="num">
                {where}
              </th>
              <th scope="col">Field</th>
              <th scope="col">Problem</th>
            </tr>
          </thead>
          <tbody>
            {problems.map((p, i) => (
              <tr key={i} data-testid="bad-row" data-line={p.line ?? ""}>
                <td className="num">{p.line !== undefined && p.line > 0 ? formatCount(p.line) : "–"}</td>
                {p.field !== undefined ? <td className="key-cell">{p.field}</td> : <td className="muted">–</td>}
                <td className="import-message">{p.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {more > 0 && (
        <p className="muted small" data-testid="bad-more">
          … and {plural(more, "more bad row")} not listed (the first {formatCount(problems.length)} are shown).
        </p>
      )}
    </>
  );
}

/** The report of a finished import. */
export function ImportReportView({ report, kind, fileName, format, headingRef, onAgain }: { report: ImportReport; kind: ImportKind; fileName: string; format: ImportFormat; headingRef: Ref<HTMLHeadingElement>; onAgain(): void }) {
  const changed = report.refreshed.filter((r) => r.entered > 0 || r.exited > 0);
  const skipped = report.refreshed.filter((r) => r.skipped !== undefined);
  const unchanged = report.refreshed.length - changed.length - skipped.length;
  const written = report.inserted + report.updated;
  return (
    <section className="card import-result" aria-labelledby="import-result-title" data-testid="import-result">
      <h2 id="import-result-title" ref={headingRef} tabIndex={-1}>
        Imported {kind} from <bdi dir="ltr">{fileName}</bdi>
      </h2>
      <dl className="stats import-stats">
        <Stat label="Rows read" value={report.rows} testId="stat-rows" />
        <Stat label={kind === "contacts" ? "Contacts added" : "Events added"} value={report.inserted} testId="stat-added" />
        {kind === "contacts" && <Stat label="Contacts updated" value={report.updated} testId="stat-updated" />}
        {/* A file imported again: its contacts are counted here, not as updated (nothing in them changed). */}
        {kind === "contacts" && <Stat label="Contacts unchanged" value={report.unchanged} testId="stat-unchanged" />}
        {kind === "events" && report.duplicates > 0 && <Stat label="Duplicates of stored events" value={report.duplicates} testId="stat-duplicates" />}
        <Stat label="Bad rows skipped" value={report.badCount} testId="stat-bad" />
      </dl>
      {kind === "events" && report.duplicates > 0 && (
        <p className="muted small" data-testid="duplicates-note">
          {plural(report.duplicates, "added event")} {report.duplicates === 1 ? "is" : "are"} equal to one stored before (same contact, name, time and properties): was this file imported already? segql import --skip-duplicates (or the API's skipDuplicates=true) leaves such events out.
        </p>
      )}
      {report.truncatedTimes > 0 && (
        <p className="muted small" data-testid="truncated-note">
          {plural(report.truncatedTimes, "time")} had digits past the millisecond and {report.truncatedTimes === 1 ? "was" : "were"} stored cut to it
          {report.firstTruncatedTime
            ? `; the first: ${report.firstTruncatedTime.line !== undefined ? `line ${formatCount(report.firstTruncatedTime.line)}` : report.firstTruncatedTime.path}${report.firstTruncatedTime.field !== undefined ? ` ${report.firstTruncatedTime.field}` : ""}, ${report.firstTruncatedTime.message}.`
            : " (segql keeps milliseconds)."}
        </p>
      )}

      {report.badCount > 0 && (
        <>
          <h3>Bad rows, not imported</h3>
          <BadRowsTable problems={report.bad} total={report.badCount} format={format} caption={`Rows of ${isolateFileName(fileName)} that were skipped, by line`} />
        </>
      )}

      <h3>Segments</h3>
      {written === 0 ? (
        <p className="muted" data-testid="segments-none">
          {report.unchanged > 0 ? "Every contact of the file was stored as it is already: nothing changed, so no segment was refreshed." : "Nothing was written, so no segment was refreshed."}
        </p>
      ) : changed.length === 0 ? (
        <p className="muted" data-testid="segments-none">
          No segment's members changed: {plural(unchanged, "dynamic segment")} refreshed, the same contacts in each.
        </p>
      ) : (
        <>
          <div className="table-scroll">
            <table className="data-table import-segments-table" data-testid="changed-segments">
              <caption className="visually-hidden">Dynamic segments whose members this import changed</caption>
              <thead>
                <tr>
                  <th scope="col">Segment</th>
                  <th scope="col" className="num">
                    Entered
                  </th>
                  <th scope="col" className="num">
                    Exited
                  </th>
                  <th scope="col" className="num">
                    Members now
                  </th>
                </tr>
              </thead>
              <tbody>
                {changed.map((r) => (
                  <tr key={r.segmentId} data-testid="changed-segment" data-name={r.name}>
                    <td className="name-cell">
                      <a href={`#/segments/${r.segmentId}`}>{r.name}</a>
                    </td>
                    <td className="num enter" data-testid="entered">
                      {r.entered > 0 ? `+${formatCount(r.entered)}` : "0"}
                    </td>
                    <td className="num leave" data-testid="exited">
                      {r.exited > 0 ? `−${formatCount(r.exited)}` : "0"}
                    </td>
                    <td className="num" data-testid="members-now">
                      {formatCount(r.memberCount)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {unchanged > 0 && <p className="muted small">{plural(unchanged, "other dynamic segment")} refreshed with the same members.</p>}
        </>
      )}
      {skipped.length > 0 && (
        <div className="warning" data-testid="segments-skipped">
          <p>
            <strong>Not refreshed</strong> (their rules need attention first):
          </p>
          <ul>
            {skipped.map((r) => (
              <li key={r.segmentId}>
                <a href={`#/segments/${r.segmentId}`}>{r.name}</a>: {r.skipped}
              </li>
            ))}
          </ul>
        </div>
      )}
      <div className="row import-again">
        <button type="button" onClick={onAgain} data-testid="import-another">
          Import another file
        </button>
        <a className="button" href="#/segments">
          Go to the segments
        </a>
      </div>
    </section>
  );
}

function Stat({ label, value, testId }: { label: string; value: number; testId: string }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd className="big-number" data-testid={testId}>
        {formatCount(value)}
      </dd>
    </div>
  );
}

/**
 * A file the API refused, said in words: bad rows (422 `invalid-input`) as a table by line and field, with
 * what to do next (`retry`: the same file with Skip bad rows); any other problem by its title and detail.
 */
export function ImportRefusal({ error, kind, fileName, format, headingRef, retry }: { error: unknown; kind: ImportKind; fileName: string; format: ImportFormat; headingRef: Ref<HTMLHeadingElement>; retry: ReactNode }) {
  const problem = error instanceof ApiError ? error.problem : null;
  const rows = problem?.type === "urn:segql:problem:invalid-input" && Array.isArray(problem["problems"]) ? (problem["problems"] as ImportProblem[]) : null;
  const total = typeof problem?.["total"] === "number" ? (problem["total"] as number) : (rows?.length ?? 0);
  const limit = typeof problem?.["limit"] === "number" ? (problem["limit"] as number) : null;
  // A problem of the whole file (its header, no rows) leaves no good rows to import: skipping is no way out.
  const someRowBad = rows?.some((p) => p.field !== undefined || (p.line ?? 0) > 1) ?? false;
  return (
    <section className="problem import-refusal" role="alert" aria-labelledby="import-refusal-title" data-testid="import-refusal">
      <h2 id="import-refusal-title" ref={headingRef} tabIndex={-1}>
        {rows ? <>Nothing was imported: {plural(total, "problem")} in <bdi dir="ltr">{fileName}</bdi></> : <><bdi dir="ltr">{fileName}</bdi> was not imported</>}
      </h2>
      {rows ? (
        <>
          {someRowBad ? (
            <p>
              One bad row refuses the whole file, so no {kind === "contacts" ? "contact" : "event"} was written. Fix {total === 1 ? "it" : "them"} and import again, or import
              the good rows and skip the bad ones.
            </p>
          ) : (
            <p data-testid="import-refusal-file">
              The file itself was refused before its first row (its header or its format), so no {kind === "contacts" ? "contact" : "event"} was written: skipping bad rows
              would not help. Fix it and import again; Expected columns says what it needs.
            </p>
          )}
          <BadRowsTable problems={rows} total={total} format={format} caption={`Problems in ${isolateFileName(fileName)}, by line`} />
          {someRowBad && retry}
        </>
      ) : problem?.status === 413 && limit !== null ? (
        <p>The server takes files up to {formatBytes(limit)}: split the file, or import it on the server with segql import.</p>
      ) : (
        <p>
          <strong>{problem?.title ?? "Something went wrong"}:</strong> {problem?.detail ?? (error instanceof Error ? error.message : String(error))}
        </p>
      )}
    </section>
  );
}
