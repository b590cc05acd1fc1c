/**
 * Imports of contacts (upserted by key) and events from files, checked row by row with the same rules as
 * the API (writes.ts), written in batches inside one transaction, then a refresh of every dynamic segment.
 *
 * Readers: CSV, JSON Lines and JSON arrays (`.gz` too) through segql's streaming readers (src/data), which
 * know each record's line, so a bad row is reported as `FILE:LINE` with the field; Parquet through an
 * in-memory DuckDB (`read_parquet`, streamed in chunks), where rows are numbered instead of lines. (DuckDB's
 * CSV and JSON readers are faster but cannot say on which line a value was wrong.)
 *
 * By default one bad row aborts the import and nothing changes (`InvalidInputError` with the first 100
 * problems and their total); with `skipBad` the good rows are imported and the bad ones reported
 * (`badCount` counts rows: a row with three bad values is one bad row).
 *
 * What a re-import of the same file does, said in the report: contacts equal to what is stored are
 * `unchanged` (not `updated`); events are appended, and those equal to a stored event (before the import)
 * are counted as `duplicates`, and left out with `skipDuplicates`. Timestamps with digits past the
 * millisecond (PostgreSQL's and BigQuery's microseconds) are cut to the millisecond and counted
 * (`truncatedTimes`, the first named), not refused: segql keeps milliseconds.
 */
import { createReadStream, statSync } from "node:fs";
import { createGunzip } from "node:zlib";
import { extname } from "node:path";
import { DataError, readCsv, readJsonArray, readJsonLines } from "../data/readers.js";
import { jsonValue, num, quoteIdent, type SqlRunner } from "./adapter.js";
import type { Ctx } from "./context.js";
import { CancelledError, InvalidInputError, type InputProblem } from "./errors.js";
import type { ImportOptions, ImportRecord, ImportReport, RefreshResult } from "./types.js";
import { encodeContacts, encodeEvents, existingKeys, insertEvents, unchangedContacts, upsertContacts } from "./writes.js";

/** Records per write batch. */
const BATCH = 5000;
/** Bad rows kept in a report. */
const MAX_REPORTED = 100;

type Format = NonNullable<ImportOptions["format"]>;

/** One record of a file: the values by column and where it starts. */
interface FileRecord {
  values: Record<string, unknown>;
  line: number;
  /** CSV: values are text (blank = empty, lists as JSON or `;`-separated). */
  text: boolean;
}

/** The format a file name suggests. */
export function importFormat(file: string, format?: Format): Format {
  if (format !== undefined) {
    if (!["csv", "jsonl", "json", "parquet"].includes(format)) throw new InvalidInputError([{ path: "format", message: `expected csv, jsonl, json or parquet, found ${JSON.stringify(format)}` }]);
    return format;
  }
  const ext = extname(file.replace(/\.gz$/i, "")).toLowerCase();
  if (ext === ".csv") return "csv";
  if (ext === ".jsonl" || ext === ".ndjson") return "jsonl";
  if (ext === ".json") return "json";
  if (ext === ".parquet") return "parquet";
  throw new InvalidInputError([{ path: file, file, message: `cannot tell the format from the extension '${ext || "(none)"}': use .csv, .jsonl, .json or .parquet (or give the format)` }]);
}

class AbortImport extends Error {}

/** Imports a file into the contacts or events table, then refreshes (see the file comment). */
export async function importFile(ctx: Ctx, what: "contacts" | "events", file: string, options: ImportOptions, refresh: () => Promise<RefreshResult[]>): Promise<ImportReport> {
  if (typeof file !== "string" || file === "") throw new InvalidInputError([{ path: "file", message: "expected a file name" }]);
  // The name the user knows the file by, in every problem and the history (a server's upload is a temporary file).
  const label = options.name ?? file;
  try {
    if (!statSync(file).isFile()) throw new InvalidInputError([{ path: label, file: label, message: "not a file" }]);
  } catch (e) {
    if (e instanceof InvalidInputError) throw e;
    throw new InvalidInputError([{ path: label, file: label, message: (e as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : `cannot read it: ${(e as Error).message.split(file).join(label)}` }]);
  }
  const format = importFormat(label, options.format);
  const cancelled = () => {
    if (options.signal?.aborted) throw new CancelledError(`the import of ${label}`);
  };
  cancelled();
  const startedAt = ctx.clock();
  const total = options.onProgress ? await countRecords(file, format) : null;
  const bad: InputProblem[] = [];
  let problemCount = 0;
  // Rows (by line; 0 for the whole file) with at least one problem.
  const badLines = new Set<number>();
  let badCount = 0;
  const addBad = (p: InputProblem) => {
    problemCount++;
    badLines.add(p.line ?? 0);
    badCount = badLines.size;
    if (bad.length < MAX_REPORTED) bad.push(p);
  };
  let rows = 0;
  let inserted = 0;
  let updated = 0;
  let unchanged = 0;
  let duplicates = 0;
  const truncated: { count: number; first: InputProblem | null } = { count: 0, first: null };
  const history = (state: ImportRecord["state"]): ImportRow => ({
    kind: what,
    file: label,
    format,
    state,
    startedAt,
    finishedAt: ctx.clock(),
    by: options.by ?? null,
    rows,
    inserted: state === "done" ? inserted : 0,
    updated: state === "done" ? updated : 0,
    unchanged: state === "done" ? unchanged : 0,
    duplicates: state === "done" ? duplicates : 0,
    truncatedTimes: state === "done" ? truncated.count : 0,
    skipBad: options.skipBad === true,
    skipDuplicates: options.skipDuplicates === true,
    bad: byLine(bad),
    badCount,
  });
  // Recorded as it starts, in a transaction of its own, so that an import cut short by a crash or a restart
  // is still in the history (the next open marks it `interrupted`: see `markInterruptedImports`).
  const id = await ctx.adapter.write((tx) => recordImport(tx, history("running")));
  try {
    await ctx.adapter.write(async (tx) => {
      let batch: FileRecord[] = [];
      const flush = async () => {
        cancelled();
        if (batch.length === 0) return;
        const records = batch;
        batch = [];
        // Once a row is bad (without skipBad) the import will be rolled back: only check the rest.
        const mayWrite = () => badCount === 0 || options.skipBad === true;
        const counts = what === "contacts" ? await contactBatch(ctx, tx, label, records, addBad, mayWrite, truncated) : await eventBatch(ctx, tx, label, records, addBad, mayWrite, truncated);
        inserted += counts.inserted;
        updated += counts.updated;
        unchanged += counts.unchanged;
      };
      // Events go to a pending table first, so that each is compared with the events stored before the import
      // (not with the file's own rows of earlier batches: two equal events of one file are both kept).
      if (what === "events") await startPendingEvents(ctx, tx);
      try {
        for await (const rec of records(ctx, file, label, format, what, addBad)) {
          // Checked per row as well as per batch: a file of bad rows writes no batch.
          if ((rows & 1023) === 0) cancelled();
          rows++;
          batch.push(rec);
          if (batch.length >= BATCH) {
            await flush();
            options.onProgress?.(rows, total);
          }
        }
      } catch (e) {
        if (!(e instanceof DataError)) throw e;
        // The file cannot be read on from here (JSON syntax, an unclosed quote): report where, stop.
        // Line 0 is the whole file (not gzip, not Parquet, a gzip stream cut short): no line to name.
        addBad({ path: e.line > 0 ? `${label}:${e.line}` : label, file: label, ...(e.line > 0 ? { line: e.line } : {}), ...(e.field !== undefined ? { field: e.field } : {}), message: e.reason });
        // A problem of the whole file stops the import even with skipBad: a truncated .gz read up to where
        // it breaks is an unknown part of the file, not the good rows of it (it imported that part).
        if (options.skipBad !== true || e.line === 0) throw new AbortImport();
      }
      await flush();
      options.onProgress?.(rows, total ?? rows);
      if (badCount > 0 && options.skipBad !== true) throw new AbortImport();
      if (what === "events") ({ inserted, duplicates } = await finishPendingEvents(ctx, tx, options.skipDuplicates === true));
      // The last moment a cancel rolls the rows back.
      cancelled();
      // In the same transaction as the rows: the history says `done` exactly when they are committed.
      await endImport(tx, id, history("done"));
    });
  } catch (e) {
    const failure = e instanceof AbortImport ? new InvalidInputError(byLine(bad), problemCount) : e;
    // Nothing was written; the history keeps what went wrong (an internal error: only that it stopped).
    // A failure to record it must not hide why the import failed, so it is let go then (the row stays
    // `running` until the next open marks it `interrupted`).
    const state = failure instanceof CancelledError ? "cancelled" : failure instanceof InvalidInputError ? "failed" : "interrupted";
    await ctx.adapter.write((tx) => endImport(tx, id, history(state))).catch(() => undefined);
    throw failure;
  }
  options.onRefreshing?.();
  const refreshed = inserted + updated > 0 ? await refresh() : [];
  const entered = refreshed.reduce((n, r) => n + r.entered, 0);
  const exited = refreshed.reduce((n, r) => n + r.exited, 0);
  await ctx.adapter.write((tx) => tx.query("UPDATE segql_imports SET entered = $1, exited = $2 WHERE id = $3", [entered, exited, id]));
  return { file: label, rows, inserted, updated, unchanged, duplicates, truncatedTimes: truncated.count, firstTruncatedTime: truncated.first, bad: byLine(bad), badCount, refreshed };
}

/** An import's history row before it has an id (see `ImportRecord`; instants as epoch milliseconds). */
type ImportRow = Omit<ImportRecord, "id" | "startedAt" | "finishedAt" | "entered" | "exited" | "unchanged" | "duplicates" | "truncatedTimes" | "skipDuplicates"> & {
  startedAt: number;
  finishedAt: number;
  unchanged: number;
  duplicates: number;
  truncatedTimes: number;
  skipDuplicates: boolean;
};

/**
 * Adds `row` to the import history; returns its id. Ids only grow and never collide: store writes are
 * serialised, across processes too (PostgreSQL: an advisory lock; DuckDB: one process holds the file).
 */
async function recordImport(tx: SqlRunner, row: ImportRow): Promise<number> {
  const id = num((await tx.query("SELECT COALESCE(MAX(id), 0) + 1 AS id FROM segql_imports"))[0]?.["id"]);
  await tx.query(
    `INSERT INTO segql_imports (id, kind, file, format, state, started_at, finished_at, by_user, rows_read, inserted, updated, skip_bad, bad, bad_count, unchanged, duplicates, truncated_times, skip_duplicates)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
    [id, row.kind, row.file, row.format, row.state, row.startedAt, row.finishedAt, row.by, row.rows, row.inserted, row.updated, row.skipBad, JSON.stringify(row.bad), row.badCount, row.unchanged, row.duplicates, row.truncatedTimes, row.skipDuplicates],
  );
  return id;
}

/** Writes how an import ended over its `running` row (whatever an open marked it meanwhile: this is the truth). */
async function endImport(tx: SqlRunner, id: number, row: ImportRow): Promise<void> {
  await tx.query(
    `UPDATE segql_imports SET state = $2, finished_at = $3, rows_read = $4, inserted = $5, updated = $6, bad = $7, bad_count = $8, unchanged = $9, duplicates = $10, truncated_times = $11 WHERE id = $1`,
    [id, row.state, row.finishedAt, row.rows, row.inserted, row.updated, JSON.stringify(row.bad), row.badCount, row.unchanged, row.duplicates, row.truncatedTimes],
  );
}

/**
 * At the store's open, inside its write: an import still `running` was cut short (a crash, a restart), as
 * an import holds the store's write lock until it ends; its rows were rolled back. Marked `interrupted`.
 */
export async function markInterruptedImports(tx: SqlRunner): Promise<void> {
  await tx.query("UPDATE segql_imports SET state = 'interrupted' WHERE state = 'running'");
}

/** An import history row as the store reads it back. */
export function importRecordOf(r: Record<string, unknown>): ImportRecord {
  const orNull = (v: unknown) => (v === null || v === undefined ? null : num(v));
  return {
    id: num(r["id"]),
    kind: String(r["kind"]) as ImportRecord["kind"],
    file: String(r["file"]),
    format: String(r["format"]) as ImportRecord["format"],
    state: String(r["state"]) as ImportRecord["state"],
    startedAt: new Date(num(r["started_at"])).toISOString(),
    // A running or interrupted import's row holds its start there (the column is NOT NULL); it has no end.
    finishedAt: r["state"] === "running" || r["state"] === "interrupted" ? null : new Date(num(r["finished_at"])).toISOString(),
    by: r["by_user"] === null || r["by_user"] === undefined ? null : String(r["by_user"]),
    rows: num(r["rows_read"]),
    inserted: num(r["inserted"]),
    updated: num(r["updated"]),
    skipBad: r["skip_bad"] === true,
    bad: JSON.parse(String(r["bad"])) as InputProblem[],
    badCount: num(r["bad_count"]),
    unchanged: orNull(r["unchanged"]),
    duplicates: orNull(r["duplicates"]),
    truncatedTimes: orNull(r["truncated_times"]),
    skipDuplicates: r["skip_duplicates"] === null || r["skip_duplicates"] === undefined ? null : r["skip_duplicates"] === true,
    entered: orNull(r["entered"]),
    exited: orNull(r["exited"]),
  };
}

/** Problems in file order (a batch reports its rows' problems before the contact-key checks). */
function byLine(problems: InputProblem[]): InputProblem[] {
  return [...problems].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}

/** Where each problem of an encoded batch is: `rows[i]…` back to the record's line. */
function located(file: string, batch: readonly FileRecord[], problems: InputProblem[], parquet: boolean): InputProblem[] {
  return problems.map((p) => {
    const i = Number(/^rows\[(\d+)\]/.exec(p.path)?.[1] ?? -1);
    const line = batch[i]?.line ?? 0;
    return { path: `${file}:${line}`, file, line, ...(p.field !== undefined ? { field: p.field } : {}), message: parquet ? `row ${line}: ${p.message}` : p.message };
  });
}

/** Timestamps cut to the millisecond so far, and the first (see `cutTimes`). */
interface Truncated {
  count: number;
  first: InputProblem | null;
}

/** Where a value was cut to the millisecond: its row of the batch, field, value as given and instant kept. */
interface Cut {
  i: number;
  field: string;
  raw: unknown;
  kept: number;
}

/** Counts the cuts of the rows that are imported (not those of bad rows), and names the first. */
function countCuts(label: string, batch: readonly FileRecord[], cuts: readonly Cut[], problems: readonly InputProblem[], truncated: Truncated): void {
  const bad = new Set(problems.map((p) => Number(/^rows\[(\d+)\]/.exec(p.path)?.[1] ?? -1)));
  for (const c of cuts) {
    if (bad.has(c.i)) continue;
    truncated.count++;
    if (truncated.first) continue;
    const line = batch[c.i]?.line ?? 0;
    truncated.first = { path: `${label}:${line}`, file: label, line, field: c.field, message: `${JSON.stringify(c.raw)} stored as ${new Date(c.kept).toISOString()} (segql keeps milliseconds)` };
  }
}

/** What a batch wrote. */
interface BatchCounts {
  inserted: number;
  updated: number;
  unchanged: number;
}

async function contactBatch(ctx: Ctx, tx: SqlRunner, label: string, batch: FileRecord[], addBad: (p: InputProblem) => void, mayWrite: () => boolean, truncated: Truncated): Promise<BatchCounts> {
  const text = batch[0]?.text ?? false;
  const cuts: Cut[] = [];
  const { writes, problems } = encodeContacts(ctx, batch.map((r) => r.values), undefined, text, (i, field, raw, kept) => cuts.push({ i, field, raw, kept }));
  for (const p of located(label, batch, problems, !text && /\.parquet$/i.test(label))) addBad(p);
  countCuts(label, batch, cuts, problems, truncated);
  if (!mayWrite() || writes.size === 0) return { inserted: 0, updated: 0, unchanged: 0 };
  // Read before the upsert: which existing contacts already hold every value written.
  const unchanged = await unchangedContacts(ctx, tx, writes);
  const outcome = await upsertContacts(ctx, tx, writes);
  return { inserted: outcome.inserted, updated: outcome.updated - unchanged, unchanged };
}

async function eventBatch(ctx: Ctx, tx: SqlRunner, label: string, batch: FileRecord[], addBad: (p: InputProblem) => void, mayWrite: () => boolean, truncated: Truncated): Promise<BatchCounts> {
  const ev = ctx.schema.events!;
  const cuts: Cut[] = [];
  const { writes, problems } = encodeEvents(ctx, batch.map((r) => r.values), undefined, (i, field, raw, kept) => cuts.push({ i, field, raw, kept }));
  const parquet = /\.parquet$/i.test(label);
  for (const p of located(label, batch, problems, parquet)) addBad(p);
  countCuts(label, batch, cuts, problems, truncated);
  // Which encoded rows came from which records: encodeEvents keeps the good ones in order.
  const bad = new Set(problems.map((p) => Number(/^rows\[(\d+)\]/.exec(p.path)?.[1] ?? -1)));
  const lines = batch.filter((_, i) => !bad.has(i)).map((r) => r.line);
  const known = await existingKeys(ctx, tx, [...new Set(writes.keys)]);
  const keep: number[] = [];
  writes.keys.forEach((k, i) => {
    if (known.has(k)) keep.push(i);
    else addBad({ path: `${label}:${lines[i]}`, file: label, line: lines[i]!, field: ev.contactKey, message: `${parquet ? `row ${lines[i]}: ` : ""}no contact ${JSON.stringify(k)} (import the contacts first)` });
  });
  if (!mayWrite() || keep.length === 0) return { inserted: 0, updated: 0, unchanged: 0 };
  await insertEvents(ctx, tx, { rows: keep.map((i) => writes.rows[i]!), keys: keep.map((i) => writes.keys[i]!) }, PENDING_EVENTS);
  return { inserted: keep.length, updated: 0, unchanged: 0 };
}

/** The temporary table an events import fills before its events join the events table. */
const PENDING_EVENTS = "segql_import_events";

/**
 * Creates the (empty) pending table, typed as the events table. In the import's transaction: a rollback
 * takes it away too; `finishPendingEvents` drops it before the commit.
 */
async function startPendingEvents(ctx: Ctx, tx: SqlRunner): Promise<void> {
  await tx.exec(`CREATE TEMP TABLE IF NOT EXISTS ${PENDING_EVENTS} AS SELECT * FROM ${ctx.eventsTable} WHERE FALSE`);
  await tx.exec(`DELETE FROM ${PENDING_EVENTS}`);
}

/**
 * Moves the pending events into the events table: counts those equal to a stored event (same contact, name,
 * time, properties and own columns; a missing value equals only a missing one), and leaves them out with
 * `skip`. Returns how many were added and how many were duplicates. The contact, name and time are compared
 * with `=` (they are never null), so that PostgreSQL can hash-join on them (it cannot on IS NOT DISTINCT FROM).
 */
async function finishPendingEvents(ctx: Ctx, tx: SqlRunner, skip: boolean): Promise<{ inserted: number; duplicates: number }> {
  const cols = ctx.eventCols.map((c) => quoteIdent(c.name));
  const same = cols.map((c, i) => (i < 3 ? `e.${c} = p.${c}` : `e.${c} IS NOT DISTINCT FROM p.${c}`)).join(" AND ");
  const stored = `EXISTS (SELECT 1 FROM ${ctx.eventsTable} AS e WHERE ${same})`;
  const byValue = ctx.adapter.kind === "duckdb" ? await equalByValue(ctx, tx, cols, stored) : [];
  // Left out before the insert below, which leaves out those equal as text.
  if (skip && byValue.length > 0) await tx.query(`DELETE FROM ${PENDING_EVENTS} WHERE rowid IN (SELECT CAST(unnest(CAST($1 AS TEXT[])) AS BIGINT))`, [byValue]);
  const duplicates = byValue.length + num((await tx.query(`SELECT COUNT(*) AS n FROM ${PENDING_EVENTS} AS p WHERE ${stored}`))[0]?.["n"]);
  const inserted = await tx.change(`INSERT INTO ${ctx.eventsTable} (${cols.join(", ")}) SELECT ${cols.map((c) => `p.${c}`).join(", ")} FROM ${PENDING_EVENTS} AS p${skip ? ` WHERE NOT ${stored}` : ""}`);
  await tx.exec(`DROP TABLE ${PENDING_EVENTS}`);
  return { inserted, duplicates };
}

/**
 * DuckDB: the pending events equal to a stored one but for the properties' JSON text, whose properties are
 * equal as values (another key order, other spacing, `1.0` for `1`): their row ids. DuckDB keeps JSON as the
 * text written, so `IS NOT DISTINCT FROM` compares texts; PostgreSQL's jsonb compares values already. Only
 * events that match a stored one in every other column are compared, here, by their parsed values. Row ids
 * travel as text: a temporary table's are past 2^53.
 */
async function equalByValue(ctx: Ctx, tx: SqlRunner, cols: readonly string[], storedAsText: string): Promise<string[]> {
  const props = cols[3]!;
  const others = cols.map((c, i) => (i === 3 ? null : i < 3 ? `s.${c} = p.${c}` : `s.${c} IS NOT DISTINCT FROM p.${c}`)).filter((c) => c !== null);
  const rows = await tx.query(
    `SELECT CAST(p.rowid AS VARCHAR) AS r, p.${props} AS a, s.${props} AS b FROM ${PENDING_EVENTS} AS p JOIN ${ctx.eventsTable} AS s ON ${others.join(" AND ")}
     WHERE p.${props} IS DISTINCT FROM s.${props} AND NOT ${storedAsText}`,
  );
  const equal = new Set<string>();
  for (const r of rows) if (canonicalJson(jsonValue(r["a"])) === canonicalJson(jsonValue(r["b"]))) equal.add(String(r["r"]));
  return [...equal];
}

/** A JSON value's text with every object's keys sorted: equal texts for equal values. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

/** The records of a file, as objects keyed by column. */
async function* records(ctx: Ctx, file: string, label: string, format: Format, what: "contacts" | "events", addBad: (p: InputProblem) => void): AsyncGenerator<FileRecord> {
  if (format === "jsonl" || format === "json") {
    const source = format === "jsonl" ? readJsonLines(file) : readJsonArray(file);
    let first = true;
    for await (const { value, line } of source) {
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        // A JSON array of objects on one line, read as JSON Lines: said as the mix-up it is.
        const arrayFile = first && format === "jsonl" && Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === "object" && v !== null && !Array.isArray(v));
        addBad({ path: `${label}:${line}`, file: label, line, message: `expected a JSON object, found ${Array.isArray(value) ? (arrayFile ? "an array of objects: a JSON array, which is JSON, not JSON Lines (one object per line)" : "an array") : JSON.stringify(value)}` });
        first = false;
        continue;
      }
      first = false;
      yield { values: value as Record<string, unknown>, line, text: false };
    }
    return;
  }
  if (format === "csv") {
    let header: string[] | null = null;
    let skip = new Set<string>();
    const propsCol = ctx.schema.events?.propertiesColumn;
    for await (const rec of readCsv(file)) {
      if (!header) {
        header = rec.cells.map((c) => c.trim());
        // Two columns of one name would each overwrite the other's value (the last one won, unsaid).
        const twice = header.find((h, i) => h !== "" && header!.indexOf(h) !== i);
        if (twice !== undefined) {
          const at = header.flatMap((h, i) => (h === twice ? [i + 1] : []));
          throw new DataError(file, rec.line, `the header names the column ${JSON.stringify(twice)} more than once (columns ${at.join(" and ")}): which one holds its values? rename or remove the others`);
        }
        // Header problems once, at line 1, rather than on every row.
        const known = what === "contacts" ? ctx.contactCols.map((c) => c.field?.name ?? ctx.schema.key) : [...ctx.eventCols.map((c) => c.name), "properties"];
        const keyName = what === "contacts" ? known[0]! : ctx.schema.events!.contactKey;
        if (!header.includes(keyName)) {
          // A spreadsheet saved with another separator (Excel in much of Europe writes `;`) is one column here.
          const sep = header.length === 1 ? [";", "\t", "|"].find((c) => header![0]!.split(c).map((h) => h.trim()).includes(keyName)) : undefined;
          const cased = header.find((h) => h.toLowerCase() === keyName.toLowerCase());
          const hint =
            sep !== undefined
              ? `: the columns look separated by ${sep === "\t" ? "tabs" : `'${sep}'`}; segql reads CSV separated by commas (save it as comma-separated)`
              : cased !== undefined
                ? `: ${JSON.stringify(cased)} differs only in case (column names match exactly)`
                : "";
          throw new DataError(file, rec.line, `the header has no column ${JSON.stringify(keyName)} (the ${what === "contacts" ? "key" : "contact key"}); it has ${header.map((h) => JSON.stringify(h)).join(", ")}${hint}`);
        }
        const unknown = header.filter((h) => !known.includes(h));
        if (unknown.length > 0) {
          // A blank name (a trailing comma, a spreadsheet's empty column) is said by its position.
          // A name off only by case or spaces ("Email" for email) names the one meant.
          const meant = (h: string) => known.find((k) => k.toLowerCase() === h.trim().toLowerCase());
          const named = header.flatMap((h, i) => (known.includes(h) ? [] : [h === "" ? `"" (column ${i + 1}, which has no name)` : meant(h) !== undefined ? `${JSON.stringify(h)} (did you mean ${JSON.stringify(meant(h))}? names match exactly)` : JSON.stringify(h)]));
          // An event's property as a column of its own is the usual mistake: say where properties go.
          const props = what === "events" ? unknown.filter((u) => Object.hasOwn(ctx.schema.events!.properties, u)) : [];
          const where = props.length > 0 ? `; ${props.map((p) => JSON.stringify(p)).join(", ")} ${props.length > 1 ? "are event properties" : "is an event property"}: give properties as a JSON object in the ${JSON.stringify(propsCol ?? "properties")} column, such as {${JSON.stringify(props[0])}: …}` : "";
          addBad({ path: `${label}:${rec.line}`, file: label, line: rec.line, message: `unknown column${unknown.length > 1 ? "s" : ""} ${named.join(", ")}: ${what === "events" ? "not a column of events" : "not in the schema"} (skipping bad rows imports the rows without ${unknown.length > 1 ? "them" : "it"})${where}` });
          skip = new Set(unknown);
        }
        continue;
      }
      if (rec.cells.length !== header.length) {
        addBad({ path: `${label}:${rec.line}`, file: label, line: rec.line, message: `expected ${header.length} cells as in the header, found ${rec.cells.length}` });
        continue;
      }
      const values: Record<string, unknown> = {};
      let ok = true;
      header.forEach((h, i) => {
        if (skip.has(h)) return;
        const cell = rec.cells[i]!;
        if (what === "events" && (h === propsCol || h === "properties")) {
          if (cell.trim() === "") return;
          try {
            values[h] = JSON.parse(cell);
          } catch {
            addBad({ path: `${label}:${rec.line}`, file: label, line: rec.line, field: h, message: "expected a JSON object of properties" });
            ok = false;
          }
          return;
        }
        // Events: a blank cell is no value (contacts: encodeContacts reads CSV text, blank = empty).
        if (what === "events" && cell === "") return;
        values[h] = cell;
      });
      if (ok) yield { values, line: rec.line, text: what === "contacts" };
    }
    if (!header) throw new DataError(file, 1, "the file is empty: expected a header row naming the columns");
    return;
  }
  // Parquet, through an in-memory DuckDB.
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const instance = await DuckDBInstance.create(":memory:");
  const con = await instance.connect();
  try {
    await con.run("SET TimeZone = 'UTC'");
    let result;
    let fine: FineTime[];
    try {
      fine = await fineTimeColumns(con, file);
      result = await con.stream(`SELECT *${fine.map((f) => `, ${f.select}`).join("")} FROM read_parquet($1)`, [file]);
    } catch (e) {
      throw new DataError(file, 0, `not a readable Parquet file (${(e as Error).message.split("\n")[0]!.split(file).join(label)})`);
    }
    let row = 0;
    for await (const chunk of result.yieldRowObjectJs()) {
      for (const r of chunk) {
        row++;
        const values = plain(r) as Record<string, unknown>;
        // A time with digits past the millisecond goes on as its text, so that the import cuts and counts it.
        for (const f of fine) {
          const text = values[f.alias];
          delete values[f.alias];
          if (typeof text === "string") values[f.column] = text;
        }
        yield { values, line: row, text: false };
      }
    }
  } finally {
    con.closeSync();
    instance.closeSync();
  }
}

/** A Parquet timestamp column whose values can hold digits past the millisecond, and the SELECT item giving them as text. */
interface FineTime {
  column: string;
  /** The extra column's name in the rows read. */
  alias: string;
  select: string;
}

/**
 * The Parquet file's timestamp columns with microseconds (TIMESTAMP, TIMESTAMPTZ: BigQuery's and Spark's) or
 * nanoseconds, each with an extra column holding the value as ISO text when it has digits past the
 * millisecond (else null): DuckDB gives such a value to JavaScript as a Date, already cut to the millisecond,
 * unsaid.
 */
async function fineTimeColumns(con: import("@duckdb/node-api").DuckDBConnection, file: string): Promise<FineTime[]> {
  const described = (await con.runAndReadAll("DESCRIBE SELECT * FROM read_parquet($1)", [file])).getRowObjectsJS();
  const out: FineTime[] = [];
  for (const d of described) {
    const column = String(d["column_name"]);
    const type = String(d["column_type"]);
    const q = quoteIdent(column);
    const alias = `segql_fine_time_${out.length}`;
    const iso = (value: string, extra = "") => `strftime(${value}, '%Y-%m-%dT%H:%M:%S.%f')${extra} || 'Z'`;
    if (type === "TIMESTAMP" || type === "TIMESTAMP WITH TIME ZONE") {
      out.push({ column, alias, select: `CASE WHEN epoch_us(${q}) % 1000 <> 0 THEN ${iso(q)} END AS ${alias}` });
    } else if (type === "TIMESTAMP_NS") {
      // strftime's %n is not reliable on DuckDB 1.5: microseconds by %f, then the last three digits.
      const nanos = `lpad(CAST(((epoch_ns(${q}) % 1000) + 1000) % 1000 AS VARCHAR), 3, '0')`;
      out.push({ column, alias, select: `CASE WHEN epoch_ns(${q}) % 1000000 <> 0 THEN ${iso(`CAST(${q} AS TIMESTAMP)`, ` || ${nanos}`)} END AS ${alias}` });
    }
  }
  return out;
}

/**
 * DuckDB's JS values as plain JSON-ish values (BIGINT → number, DATE → YYYY-MM-DD; timestamps stay Dates).
 * A BIGINT past 2^53 becomes its digits: as a number it would be rounded (a 17-digit customer id into a text
 * field or the key came in as another id, unsaid); a number field reads the digits as the number they are.
 */
function plain(v: unknown): unknown {
  if (typeof v === "bigint") return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (Array.isArray(v)) return v.map(plain);
  if (v instanceof Date) return v;
  if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

/** How many records a file holds (lines for text formats, rows for Parquet), for a progress bar. */
async function countRecords(file: string, format: Format): Promise<number | null> {
  try {
    if (format === "parquet") {
      const { DuckDBInstance } = await import("@duckdb/node-api");
      const instance = await DuckDBInstance.create(":memory:");
      const con = await instance.connect();
      try {
        const rows = (await con.runAndReadAll("SELECT COUNT(*) FROM read_parquet($1)", [file])).getRows();
        return Number(rows[0]?.[0] ?? 0);
      } finally {
        con.closeSync();
        instance.closeSync();
      }
    }
    let n = 0;
    const raw = createReadStream(file);
    const stream = file.toLowerCase().endsWith(".gz") ? raw.pipe(createGunzip()) : raw;
    for await (const chunk of stream as AsyncIterable<Buffer>) for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) n++;
    return format === "csv" ? Math.max(0, n - 1) : n;
  } catch {
    return null;
  }
}
