/**
 * `segql import contacts|events FILE`: loads a file into a store (contacts upserted by key, events
 * appended), checked against the schema; bad rows are reported by file, line and field. A progress bar
 * on standard error when it is a terminal. `segql import history` lists the store's past imports.
 */
import { statSync } from "node:fs";
import type { ImportRecord, ImportReport } from "../../store/index.js";
import { printable } from "../inputs.js";
import { CliError, EXIT, notFound, parseArgs, type Io } from "../io.js";
import { formatFromName } from "../data-formats.js";
import { dataFileNotText } from "../text-files.js";
import { invalidInputText, STORE_OPTIONS, withStore } from "./segments.js";

export const help = `usage: segql import contacts|events FILE [--db FILE|URL] [--schema FILE] [--format F] [--skip-bad] [--skip-duplicates] [--json]
       segql import history [IMPORT] [--db FILE|URL] [--limit N] [--json]

Imports contacts (inserted or updated by key: fields the file leaves out keep their values) or
events (appended; their contacts must exist) from CSV, JSON Lines, a JSON array or Parquet, then
refreshes every dynamic segment.

  FILE                .csv (a header row naming the columns), .jsonl/.ndjson, .json, .parquet;
                      .gz compressed text files too
      --format F      csv, jsonl, json or parquet, when the extension does not say
      --skip-bad      import the good rows and report the bad ones (default: any bad row stops the
                      import and nothing is changed)
      --skip-duplicates
                      events: leave out events equal to a stored one (same contact, name, time,
                      properties), so importing a file again adds nothing (default: appended, and
                      counted as duplicates)
      --db FILE|URL   the store (default segql.duckdb; postgres://… for PostgreSQL)
  -s, --schema FILE   the schema, to create a new store
      --by USER       who imports (recorded with membership changes)
      --json          print the report as JSON
  -h, --help          show this help

\`history\` lists the store's imports, the latest first (the last 20; --limit N for more): each with its
id, when it ended, who ran it, its file, what it wrote, or why it wrote nothing (failed: bad rows, or
cancelled). With IMPORT (an id) it prints that import and its bad rows. Imports through the HTTP API
are in it too, under the name the upload was given.

The summary says what changed: contacts added, updated, and unchanged (equal to what is stored);
events added, and how many duplicate stored ones. Timestamps with digits past the millisecond
(PostgreSQL's and BigQuery's microseconds) are stored cut to the millisecond, said in a note.

Bad rows are printed as FILE:LINE: field "NAME": why (Parquet: rows are numbered instead of lines).
Events in CSV: columns named as the schema's events section; properties as a JSON object in the
properties column.

A file that is not UTF-8 text (gzip data without .gz, a spreadsheet, Latin-1) is said once, and
nothing is imported.

Exit status: 0 imported, 1 bad rows (none imported without --skip-bad) or a file that is not text,
2 usage error (a name that does not say the format, without --format), 3 internal error.`;

export async function run(args: string[], io: Io): Promise<number> {
  const { options, positional } = parseArgs(args, { ...STORE_OPTIONS, format: { value: true }, "skip-bad": { value: false }, "skip-duplicates": { value: false }, limit: { value: true } });
  const [what, file, extra] = positional;
  if (what === "history") return history(options, file, extra, io);
  if (options["limit"] !== undefined) throw new CliError("--limit is an option of segql import history");
  if (what !== "contacts" && what !== "events") throw new CliError(`expected 'contacts' or 'events', found ${what === undefined ? "nothing" : `'${what}'`} (see segql import --help)`);
  if (options["skip-duplicates"] === true && what === "contacts") throw new CliError("--skip-duplicates is for events: contacts are upserted by key (the summary says how many were unchanged)");
  if (file === undefined) throw new CliError("missing FILE");
  if (extra !== undefined) throw new CliError(`unexpected argument '${extra}'`);
  const format = typeof options["format"] === "string" ? options["format"] : undefined;
  if (format !== undefined && !["csv", "jsonl", "json", "parquet"].includes(format)) throw new CliError(`--format: csv, jsonl, json or parquet, found '${format}'`);
  // A file that is not there, or a folder, is a usage error (exit 2) like every command's missing file, said
  // before the store is opened (the store's own refusal was an input problem, exit 1).
  const stat = statSync(file, { throwIfNoEntry: false });
  if (!stat) throw new CliError(notFound("file", file));
  if (stat.isDirectory()) throw new CliError(`file is a directory: ${file}`);
  // A name that does not say the format is a usage problem (exit 2), said before the store is opened.
  const readAs = format ?? formatFromName(file, IMPORT_FORMATS);
  // A file that is no text (gzip data named .csv, a spreadsheet) is said once (exit 1), not as a header of
  // garbage or a bad row per line. Parquet is binary by nature: DuckDB says when it is not Parquet.
  if (readAs !== "parquet") {
    const notText = await dataFileNotText(file);
    if (notText !== null) throw new CliError(`${file}: ${notText}`, { status: EXIT.problems });
  }
  const json = options["json"] === true;
  const progress = !json && process.stderr.isTTY === true ? progressBar(file) : null;
  return withStore(options, io, async (store) => {
    const opts = {
      ...(format !== undefined ? { format: format as "csv" } : {}),
      skipBad: options["skip-bad"] === true,
      skipDuplicates: options["skip-duplicates"] === true,
      by: typeof options["by"] === "string" ? options["by"] : null,
      ...(progress ? { onProgress: progress.update } : {}),
    };
    const { InvalidInputError } = await import("../../store/index.js");
    try {
      const report = what === "contacts" ? await store.importContacts(file, opts) : await store.importEvents(file, opts);
      progress?.done();
      if (json) io.out(JSON.stringify(report, null, 2));
      else {
        io.out(`${file}: ${importedText(report, opts.skipDuplicates)}`);
        for (const b of report.bad) io.err(`${b.path}: ${b.field !== undefined ? `field ${JSON.stringify(b.field)}: ` : ""}${b.message}`);
        const more = moreBadRows(report);
        if (more > 0) io.err(`… and ${more.toLocaleString("en-US")} more bad row${more === 1 ? "" : "s"}`);
        const cut = report.firstTruncatedTime;
        if (cut) {
          const n = report.truncatedTimes;
          io.err(printable(`note: ${n.toLocaleString("en-US")} timestamp${n === 1 ? " had" : "s had"} digits past the millisecond and ${n === 1 ? "was" : "were"} stored cut to it; the first: ${cut.path}: field ${JSON.stringify(cut.field)}: ${cut.message}`));
        }
        const moved = report.refreshed.filter((r) => r.entered + r.exited > 0);
        if (moved.length) io.out(`segments refreshed: ${moved.map((r) => `${r.name} +${r.entered.toLocaleString("en-US")} -${r.exited.toLocaleString("en-US")}`).join(", ")}`);
      }
      return report.badCount > 0 ? EXIT.problems : EXIT.ok;
    } catch (e) {
      progress?.done();
      // Bad rows refuse the whole file: said with the way to import the good ones, when there are any.
      if (e instanceof InvalidInputError && !json && !opts.skipBad && e.problems.some(skippable)) {
        io.err(`${invalidInputText(e)}\nnothing was imported: fix ${e.total === 1 ? "it" : "them"}, or import the good rows and skip the bad ones with --skip-bad`);
        return EXIT.problems;
      }
      throw e;
    }
  }, { by: "--by", format: "--format" });
}

/**
 * What an import wrote: `3 rows; 1 added, 1 updated, 1 unchanged`; for events the duplicates of stored events,
 * appended (`2 of them duplicates of stored events: --skip-duplicates leaves them out`) or left out.
 */
function importedText(report: ImportReport, skipDuplicates: boolean): string {
  const n = (x: number) => x.toLocaleString("en-US");
  const parts = [`${n(report.inserted)} added`, `${n(report.updated)} updated`];
  if (report.unchanged > 0) parts.push(`${n(report.unchanged)} unchanged`);
  if (report.duplicates > 0 && skipDuplicates) parts.push(`${n(report.duplicates)} duplicate${report.duplicates === 1 ? "" : "s"} of stored events left out`);
  if (report.badCount > 0) parts.push(`${n(report.badCount)} bad (skipped)`);
  const kept = report.duplicates > 0 && !skipDuplicates ? `; ${n(report.duplicates)} of them ${report.duplicates === 1 ? "duplicates a stored event" : "duplicate stored events"} (--skip-duplicates leaves such events out)` : "";
  return `${n(report.rows)} row${report.rows === 1 ? "" : "s"}; ${parts.join(", ")}${kept}`;
}

/** Bad rows past those the listed problems (the first 100) are of: `badCount` counts rows, a row may have several problems. */
function moreBadRows(r: { bad: readonly { line?: number }[]; badCount: number }): number {
  return Math.max(0, r.badCount - new Set(r.bad.map((b) => b.line ?? 0)).size);
}

/** The file's formats by extension (what the store reads; `.gz` after any of them but Parquet). */
const IMPORT_FORMATS = { ".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".parquet": "parquet" } as const;

/**
 * Whether --skip-bad would import something past this problem: a bad value in a row, or a line after the
 * first that cannot be read (the rows before it are good), a header's unknown column. A problem of the whole file — its header (a
 * missing key column), an unreadable start, an unreadable gzip stream — leaves no good row to import.
 */
function skippable(p: { field?: string; line?: number; message: string }): boolean {
  // A header's unknown columns are left out of the rows --skip-bad imports (src/store/imports.ts says so).
  return p.field !== undefined || (p.line ?? 0) > 1 || (p.line === 1 && p.message.startsWith("unknown column"));
}

/** `segql import history [IMPORT]`: the latest imports, or one with its bad rows. */
async function history(options: Record<string, string | true>, id: string | undefined, extra: string | undefined, io: Io): Promise<number> {
  if (extra !== undefined) throw new CliError(`unexpected argument '${extra}'`);
  if (id !== undefined && !/^#?[1-9]\d{0,14}$/.test(id)) throw new CliError(`IMPORT: an import's id (a whole number, as segql import history lists them), found '${id}'`);
  const limitText = options["limit"];
  if (limitText !== undefined && (typeof limitText !== "string" || !/^[1-9]\d{0,5}$/.test(limitText))) throw new CliError(`--limit: a whole number from 1, found '${String(limitText)}'`);
  const limit = limitText === undefined ? 20 : Number(limitText);
  const json = options["json"] === true;
  return withStore(options, io, async (store) => {
    if (id !== undefined) {
      const record = await store.getImport(Number(id.replace(/^#/, "")));
      if (json) io.out(JSON.stringify(record, null, 2));
      else {
        io.out(importSummary(record));
        for (const b of record.bad) io.out(printable(`  ${b.path}: ${b.field !== undefined ? `field ${JSON.stringify(b.field)}: ` : ""}${b.message}`));
        const more = moreBadRows(record);
        if (more > 0) io.out(`  … and ${more.toLocaleString("en-US")} more bad row${more === 1 ? "" : "s"}`);
      }
      return EXIT.ok;
    }
    const items: ImportRecord[] = [];
    let cursor: string | null = null;
    do {
      const page = await store.listImports({ limit: Math.min(1000, limit - items.length), cursor });
      items.push(...page.items);
      cursor = page.next;
    } while (cursor && items.length < limit);
    if (json) io.out(JSON.stringify(items, null, 2));
    else io.out(items.length === 0 ? "no imports yet" : items.map(importSummary).join("\n"));
    return EXIT.ok;
  });
}

/**
 * One line per import (when it ended, else began): `#3  2026-12-07T08:00:00.000Z  contacts  leads.csv  done:
 * 2 rows, 0 added, 0 updated, 2 unchanged (by ann)`; a done import's duplicates and cut times as the
 * import's own summary says them (`importedText`), when recorded (an older segql's rows have none).
 */
function importSummary(r: ImportRecord): string {
  const n = (x: number) => x.toLocaleString("en-US");
  const counts = [`${n(r.inserted)} added`, `${n(r.updated)} updated`];
  if (r.unchanged !== null && r.unchanged > 0) counts.push(`${n(r.unchanged)} unchanged`);
  if (r.duplicates !== null && r.duplicates > 0) {
    const d = r.duplicates;
    if (r.skipDuplicates === true) counts.push(`${n(d)} duplicate${d === 1 ? "" : "s"} of stored events left out`);
    else counts[0] += ` (${n(d)} of them ${d === 1 ? "duplicates a stored event" : "duplicate stored events"})`;
  }
  if (r.truncatedTimes !== null && r.truncatedTimes > 0) counts.push(`${n(r.truncatedTimes)} time${r.truncatedTimes === 1 ? "" : "s"} cut to the millisecond`);
  const what =
    r.state === "done"
      ? `done: ${n(r.rows)} row${r.rows === 1 ? "" : "s"}, ${counts.join(", ")}${r.badCount > 0 ? `, ${n(r.badCount)} bad (skipped)` : ""}${r.entered !== null && r.exited !== null ? `; segments +${n(r.entered)} -${n(r.exited)}` : ""}`
      : r.state === "failed"
        ? `failed: ${n(r.badCount)} bad row${r.badCount === 1 ? "" : "s"} of ${n(r.rows)}, nothing imported`
        : r.state === "cancelled"
          ? `cancelled after ${n(r.rows)} row${r.rows === 1 ? "" : "s"}, nothing imported`
          : r.state === "running"
            ? "running"
            : "interrupted (the process stopped before it finished), nothing imported";
  // A running or interrupted import has no end: its start stands in the column.
  return `#${r.id}  ${r.finishedAt ?? r.startedAt}  ${r.kind}  ${printable(r.file)}  ${what}${r.by !== null ? ` (by ${printable(r.by)})` : ""}`;
}

/** A one-line progress bar on standard error (a terminal). */
function progressBar(file: string): { update(done: number, total: number | null): void; done(): void } {
  let last = 0;
  const width = 30;
  return {
    update(done, total) {
      const now = Date.now();
      if (now - last < 100 && (total === null || done < total)) return;
      last = now;
      const text =
        total && total > 0
          ? `[${"#".repeat(Math.round((Math.min(done, total) / total) * width)).padEnd(width, ".")}] ${Math.floor((Math.min(done, total) / total) * 100)}% ${done.toLocaleString("en-US")}/${total.toLocaleString("en-US")} rows`
          : `${done.toLocaleString("en-US")} rows`;
      process.stderr.write(`\r${file}: ${text}`);
    },
    done() {
      if (last > 0) process.stderr.write("\n");
    },
  };
}
