/**
 * Import (`#/import?kind=contacts|events`): load contacts (added or updated by key) or events (added) from
 * a CSV, JSON Lines, JSON or Parquet file, as `segql import` does, through `POST /api/{kind}/import`.
 *
 *   choose contacts / events ─▶ pick or drop a file ─▶ what it is (name, size, format; refused here when the
 *   API could not take it) ─▶ Skip bad rows? ─▶ Import ─▶ the report (counts, bad rows, segments changed)
 *                                                        or the refusal (bad rows by line and field)
 *
 * The expected columns come from the server's schema, with a CSV template of the header row made here.
 * The running import lives outside the page (`currentImport`): leaving the page does not stop it, and
 * coming back shows its progress or its result.
 */
import { Fragment, useEffect, useId, useRef, useState, useSyncExternalStore, type ReactNode } from "react";
import type { FieldDef, Schema } from "../../../src/schema/schema.js";
import { ApiError, cancelImportJob, health, importFile, importJob, importJobs, MAX_IMPORT_BYTES, type ImportFormat, type ImportJob as ServerJob, type ImportKind, type ImportReport } from "./api.js";
import { formatCount, plural } from "./format.js";
import { ImportHistory } from "./import-history.js";
import { formatBytes, ImportRefusal, ImportReportView } from "./import-result.js";
import { navigate, type Route } from "../router.js";
import { useSchema } from "./schema.js";
import { isolateFileName, isolateName, ProblemNote, Switch, useLoad } from "./ui.js";

// ---- the file: its format, and whether the API can take it -----------------------------------------------

/** A file chosen for import, as the page describes it before sending. */
interface ChosenFile {
  file: File;
  format: ImportFormat | null;
  /** A gzip file (`.csv.gz`): sent as it is, the server unpacks it. */
  gzipped: boolean;
  /** Why it cannot be imported as it is, or null. */
  refusal: string | null;
}

/** Whether a file name says gzip (`contacts.csv.gz`): such a file is sent compressed and unpacked by the server. */
export const isGzipName = (name: string) => /\.gz$/i.test(name);

const FORMAT_OF_EXTENSION: Record<string, ImportFormat> = { csv: "csv", jsonl: "jsonl", ndjson: "jsonl", json: "json", parquet: "parquet" };

/** `senior_citizen` with a line-break opportunity after each underscore (<wbr>), the text unchanged. */
function breakAfterUnderscores(name: string): ReactNode {
  return name.split("_").map((part, i) => (
    <Fragment key={i}>
      {i > 0 && (
        <>
          _<wbr />
        </>
      )}
      {part}
    </Fragment>
  ));
}

/** How each format is named on the page. */
export const FORMAT_LABEL: Record<ImportFormat, string> = { csv: "CSV", jsonl: "JSON Lines", json: "JSON (an array of objects)", parquet: "Parquet" };

/**
 * What a file is (its format from the extension, as `segql import` tells it, `.gz` after it for gzip) and
 * why the API could not take it: an unknown extension, a zip or spreadsheet file (the API reads the bytes
 * as they are), no bytes, or more bytes than the import limit — said before anything is sent.
 */
export function describeFile(file: File, maxBytes = MAX_IMPORT_BYTES): ChosenFile {
  const gzipped = isGzipName(file.name);
  const name = gzipped ? file.name.slice(0, -3) : file.name;
  const dot = name.lastIndexOf(".");
  const ext = dot > 0 ? name.slice(dot + 1).toLowerCase() : "";
  const format = FORMAT_OF_EXTENSION[ext] ?? null;
  let refusal: string | null = null;
  if (ext === "zip") refusal = `${file.name} is a zip archive: unpack it first, then import the .csv, .jsonl, .json or .parquet file inside.`;
  else if (gzipped && format === "parquet") refusal = `${file.name} is a gzipped Parquet file: unpack it first (Parquet is compressed inside already), then import the .parquet file.`;
  else if (gzipped && format === null) refusal = `Cannot tell the format inside ${file.name} from its name: a gzip file is imported as .csv.gz, .jsonl.gz (or .ndjson.gz) or .json.gz.`;
  else if (ext === "xlsx" || ext === "xls" || ext === "ods" || ext === "numbers") refusal = `${file.name} is a spreadsheet: save it as CSV first (in Excel: File › Save As › CSV UTF-8), then import the .csv file.`;
  else if (format === null) refusal = `Cannot tell the format of ${file.name} from its ${ext ? `extension “.${ext}”` : "name (it has no extension)"}: the import reads .csv, .jsonl (or .ndjson), .json and .parquet files.`;
  else if (file.size === 0) refusal = `${file.name} is empty: there is nothing to import.`;
  else if (file.size > maxBytes) refusal = `${file.name} is ${formatBytes(file.size)}; the import takes files up to ${formatBytes(maxBytes)}. Split it into smaller files, or import it on the server with segql import.`;
  return { file, format, gzipped, refusal };
}

// ---- the running import: outside the page, so it survives leaving it -------------------------------------

/** An import started from this page: sending, then the server at work, then its report or its refusal. */
interface ImportJob {
  /** Which import this is (one after the other in this tab). */
  id: number;
  kind: ImportKind;
  file: File;
  format: ImportFormat;
  skipBad: boolean;
  phase: "uploading" | "importing" | "done" | "failed" | "cancelled";
  /** Bytes sent so far. */
  sent: number;
  /** The server's job once the file is received: rows read of the file's rows, and whether it is refreshing. */
  server: ServerJob | null;
  /** Cancel was asked while the server imports: waiting for it to roll back. */
  cancelling: boolean;
  report: ImportReport | null;
  error: unknown;
  cancel(): void;
  /** Started elsewhere (another tab, or before a reload) and taken up here: the file is not at hand. */
  adopted: boolean;
}

/** Between two looks at the server's job. */
const POLL_MS = 400;

let currentImport: ImportJob | null = null;
let importsStarted = 0;
const listeners = new Set<() => void>();

function setImport(job: ImportJob | null): void {
  currentImport = job;
  for (const l of listeners) l();
}

function subscribe(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

/** How import `id`'s news reaches `currentImport`: the server job followed until it ends, its Cancel sent. */
function importUpdater(id: number) {
  const update = (patch: Partial<ImportJob>) => {
    // A later import replaces this one: its late news is dropped.
    if (currentImport?.id !== id) return;
    setImport({ ...currentImport, ...patch });
  };
  const ended = (server: ServerJob) => {
    if (server.state === "done" && server.report) update({ phase: "done", server, report: server.report, cancelling: false });
    else if (server.state === "cancelled") update({ phase: "cancelled", server, cancelling: false });
    else update({ phase: "failed", server, cancelling: false, error: new ApiError(server.problem ?? { type: "urn:segql:problem:internal", title: "The import failed", status: 500, detail: "the import failed without saying why" }) });
  };
  const follow = async (server: ServerJob) => {
    let misses = 0;
    while (currentImport?.id === id) {
      if (server.state === "done" || server.state === "failed" || server.state === "cancelled") return ended(server);
      update({ server });
      await new Promise((r) => window.setTimeout(r, POLL_MS));
      try {
        server = await importJob(server.id);
        misses = 0;
      } catch (error) {
        // A blip is waited out; a job the server no longer knows (it restarted) is a failure said as such.
        if ((error instanceof ApiError && error.status === 404) || ++misses >= 10) return update({ phase: "failed", error, cancelling: false });
      }
    }
  };
  const cancelOnServer = (serverId: string) => {
    update({ cancelling: true });
    cancelImportJob(serverId).then(ended, (error: unknown) => update({ cancelling: false, error }));
  };
  return { update, follow, cancelOnServer };
}

/**
 * Starts an import; its progress and outcome go to `currentImport`. The file is sent (Cancel aborts the
 * sending), then the server's job is followed until it ends (Cancel asks the server to roll it back).
 */
function startImport(kind: ImportKind, file: File, format: ImportFormat, skipBad: boolean): void {
  const controller = new AbortController();
  const id = ++importsStarted;
  const { update, follow, cancelOnServer } = importUpdater(id);
  let serverId: string | null = null;
  const cancel = () => (serverId === null ? controller.abort() : cancelOnServer(serverId));
  setImport({ id, kind, file, format, skipBad, phase: "uploading", sent: 0, server: null, cancelling: false, report: null, error: null, cancel, adopted: false });
  importFile(kind, file, {
    format,
    gzipped: isGzipName(file.name),
    skipBad,
    signal: controller.signal,
    onUpload: (sent) => update({ sent }),
    onUploaded: () => update({ phase: "importing", sent: file.size }),
  }).then(
    (server) => {
      serverId = server.id || null;
      update({ phase: "importing", sent: file.size });
      return follow(server);
    },
    (error: unknown) => update(error instanceof DOMException && error.name === "AbortError" ? { phase: "cancelled" } : { phase: "failed", error }),
  );
}

/**
 * Takes up an import the server is running that this page did not start (another tab, or this one before
 * a reload): followed and cancellable like one started here, but without the file (no retry).
 */
function adoptImport(server: ServerJob): void {
  const id = ++importsStarted;
  const { follow, cancelOnServer } = importUpdater(id);
  const file = new File([], server.file);
  setImport({ id, kind: server.kind, file, format: server.format, skipBad: false, phase: "importing", sent: 0, server, cancelling: false, report: null, error: null, cancel: () => cancelOnServer(server.id), adopted: true });
  void follow(server);
}

// ---- the expected columns -----------------------------------------------------------------------------------

/** A column a file may have: its name, its type in words, and a note (required, values, where it goes). */
interface ExpectedColumn {
  name: string;
  type: string;
  note: string;
}

/** How a value of each type is written in a file (the importer's readers: src/data/convert.ts). */
function typeInWords(f: FieldDef): { type: string; note: string } {
  switch (f.type) {
    case "string":
      return { type: "text", note: "" };
    case "number":
      return { type: "number", note: "" };
    case "boolean":
      return { type: "true or false", note: "also yes/no, 1/0" };
    case "date":
      return { type: "date", note: "such as 2024-01-31" };
    case "timestamp":
      return { type: "timestamp", note: "such as 2024-01-31T10:00:00Z" };
    case "list":
      return { type: "list of text", note: "CSV: a JSON array or values separated by ;" };
    case "enum": {
      const values = f.values ?? [];
      const shown = values.slice(0, 8).join(", ");
      return { type: "one of", note: values.length > 8 ? `${shown}, … (${values.length} values)` : shown };
    }
  }
}

/**
 * The columns a file of contacts or events has, in the order of the CSV template: contacts by the key,
 * then each field; events by the contact's key, the name, the time, the properties with a column of their
 * own, then `properties` (a JSON object with the others).
 */
export function expectedColumns(schema: Schema, kind: ImportKind): ExpectedColumn[] {
  if (kind === "contacts") {
    const key = Object.values(schema.fields).find((f) => f.name === schema.key);
    const others = Object.values(schema.fields).filter((f) => f.name !== schema.key);
    return [
      { name: schema.key, type: key ? typeInWords(key).type : "text", note: "required: the contact's key (a row with a known key updates it)" },
      ...others.map((f) => ({ name: f.name, ...typeInWords(f) })),
    ];
  }
  const ev = schema.events!;
  const props = Object.values(ev.properties);
  const own = props.filter((p) => p.ownColumn);
  const bag = props.filter((p) => !p.ownColumn);
  const names = ev.names && ev.names.length > 0 ? `one of ${ev.names.join(", ")}` : "";
  return [
    { name: ev.contactKey, type: "text", note: "required: the key of a contact already imported" },
    { name: ev.name, type: "text", note: `required: the event's name${names ? ` (${names})` : ""}` },
    { name: ev.time, type: "timestamp", note: "required: when it happened, such as 2024-01-31T10:00:00Z" },
    ...own.map((p) => ({ name: p.name, ...typeInWords(p) })),
    ...(bag.length > 0
      ? [{ name: ev.propertiesColumn, type: "JSON object", note: `optional: ${bag.map((p) => `${p.name} (${typeInWords(p).type})`).join(", ")}` }]
      : []),
  ];
}

/** One CSV cell (RFC 4180): quoted when it holds a comma, a quote or a line break. */
function csvCell(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A CSV file holding the header row of `columns`, as a link target (made here: nothing is asked of the server). */
export function templateHref(columns: readonly ExpectedColumn[]): string {
  return `data:text/csv;charset=utf-8,${encodeURIComponent(`${columns.map((c) => csvCell(c.name)).join(",")}\r\n`)}`;
}

// ---- the page -------------------------------------------------------------------------------------------------

export function ImportPage({ route }: { route: Route }) {
  const { schema, error: schemaError } = useSchema();
  const hasEvents = schema?.events !== undefined;
  const asked = route.params.get("kind") === "events" ? "events" : "contacts";
  const kind: ImportKind = asked === "events" && (schema === null || hasEvents) ? "events" : "contacts";
  // In the address (a link can open the events form), replacing the entry: the kind is no page of its own.
  const setKind = (k: ImportKind) => navigate(`${route.path}${k === "contacts" ? "" : `?kind=${k}`}`, true);
  const job = useSyncExternalStore(subscribe, () => currentImport);
  const [chosen, setChosen] = useState<ChosenFile | null>(null);
  const [skipBad, setSkipBad] = useState(false);
  const [dragging, setDragging] = useState(false);
  const [dropNote, setDropNote] = useState<{ text: string; name: string } | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const outcomeHeading = useRef<HTMLHeadingElement>(null);
  const kindName = useId();
  const finished = job?.phase === "done" || job?.phase === "failed";
  const counts = useLoad(() => health(), [finished ? job : null]);
  // An import of this page that ended, however it ended: the history has it now.
  const settled = finished || job?.phase === "cancelled" ? job : null;
  // The server's own limit once it has said it.
  const maxBytes = counts.data?.limits?.importBytes ?? MAX_IMPORT_BYTES;

  // An import the server is running that this page knows nothing of (started in another tab, or before a
  // reload) is shown, followed and cancellable, rather than let a second one be started unawares.
  useEffect(() => {
    if (currentImport) return;
    importJobs().then(
      (jobs) => {
        const running = jobs.find((j) => j.state === "importing" || j.state === "refreshing");
        if (running && !currentImport) adoptImport(running);
      },
      () => undefined, // the page works without it; a server that is down says so elsewhere
    );
  }, []);

  // The outcome takes the focus when it arrives while the page is open (it is announced and read next).
  const seen = useRef(job);
  useEffect(() => {
    if (job !== seen.current && (job?.phase === "done" || job?.phase === "failed")) outcomeHeading.current?.focus();
    seen.current = job;
  }, [job]);

  const choose = (file: File | undefined) => {
    setDropNote(null);
    // The last import's outcome is about another file: it goes once a new one is chosen (a running one stays).
    if (currentImport && currentImport.phase !== "uploading" && currentImport.phase !== "importing") setImport(null);
    setChosen(file ? describeFile(file, maxBytes) : null);
  };
  // A file dropped anywhere on the window is taken (the zone only shows where): dropped beside it, the
  // browser would open the file in place of the app, and what was on the page would be gone.
  const chooseRef = useRef(choose);
  chooseRef.current = choose;
  useEffect(() => {
    const hasFiles = (e: DragEvent) => e.dataTransfer?.types.includes("Files") === true;
    const over = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      setDragging(true);
    };
    // Null: the drag left the window.
    const leave = (e: DragEvent) => e.relatedTarget === null && setDragging(false);
    const drop = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      setDragging(false);
      const files = e.dataTransfer!.files;
      chooseRef.current(files[0]);
      if (files.length > 1) setDropNote({ text: `${plural(files.length, "file")} dropped: one is imported at a time, so ${files[0]!.name} is chosen.`, name: files[0]!.name });
    };
    window.addEventListener("dragover", over);
    window.addEventListener("dragleave", leave);
    window.addEventListener("drop", drop);
    return () => {
      window.removeEventListener("dragover", over);
      window.removeEventListener("dragleave", leave);
      window.removeEventListener("drop", drop);
    };
  }, []);
  const running = job?.phase === "uploading" || job?.phase === "importing";
  const canImport = chosen !== null && chosen.refusal === null && chosen.format !== null && !running && schema !== null;
  const run = (file: File, format: ImportFormat, k: ImportKind, skip: boolean) => startImport(k, file, format, skip);
  const again = () => {
    setImport(null);
    setChosen(null);
    if (input.current) input.current.value = "";
    window.setTimeout(() => input.current?.focus());
  };
  const columns = schema ? expectedColumns(schema, kind) : [];

  return (
    <div className="page import-page">
      <header className="page-head">
        <div>
          <h1>Import</h1>
          <p className="muted lead">
            Load contacts or events from a file: CSV, JSON Lines, JSON (each also gzipped, .gz) or Parquet. Contacts are added, or updated when their key is already here; events are added. Every
            dynamic segment is refreshed after, and you see whose members changed.
          </p>
        </div>
        {counts.data && (
          <p className="muted small import-counts" data-testid="store-counts">
            Now: {plural(counts.data.contacts, "contact")}, {plural(counts.data.events, "event")}
          </p>
        )}
      </header>
      <ProblemNote error={schemaError} />

      <div className="import-layout">
        <div className="import-main">
          <section className="card" aria-labelledby="import-file-title">
            <h2 id="import-file-title">File</h2>
            <fieldset className="import-kind">
              <legend>What the file holds</legend>
              {(["contacts", "events"] as const).map((k) => (
                <label key={k} className="check">
                  <input type="radio" name={kindName} value={k} checked={kind === k} onChange={() => setKind(k)} disabled={k === "events" && schema !== null && !hasEvents} data-testid={`kind-${k}`} />
                  {k === "contacts" ? "Contacts" : "Events"}
                </label>
              ))}
              {schema !== null && !hasEvents && <p className="muted small">Events: this store keeps none (its schema has no events section).</p>}
            </fieldset>

            <div
              className={`drop-zone${dragging ? " dragging" : ""}`}
              data-testid="drop-zone"
            >
              <label className="button">
                <input
                  ref={input}
                  type="file"
                  className="visually-hidden"
                  accept=".csv,.jsonl,.ndjson,.json,.parquet,text/csv,application/json"
                  onChange={(e) => choose(e.target.files?.[0])}
                  data-testid="import-file"
                />
                {chosen ? "Choose another file…" : "Choose a file…"}
              </label>
              <span className="muted small">or drop it here · CSV, JSON Lines, JSON (or .gz of them) or Parquet, up to {formatBytes(maxBytes)}</span>
            </div>
            {dropNote && <p className="muted small">{isolateName(dropNote.text, dropNote.name, "ltr")}</p>}

            {chosen && (
              <div className={`import-file${chosen.refusal ? " refused" : ""}`} data-testid="chosen-file">
                <dl>
                  <dt>File</dt>
                  <dd className="import-file-name" data-testid="chosen-name">
                    <bdi dir="ltr">{chosen.file.name}</bdi>
                  </dd>
                  <dt>Size</dt>
                  <dd data-testid="chosen-size">{formatBytes(chosen.file.size)}</dd>
                  <dt>Format</dt>
                  <dd data-testid="chosen-format">{chosen.format ? `${FORMAT_LABEL[chosen.format]}${chosen.gzipped ? ", gzip-compressed" : ""}` : "unknown"}</dd>
                </dl>
                {chosen.refusal && (
                  <p className="field-error" role="alert" data-testid="file-refusal">
                    {isolateName(chosen.refusal, chosen.file.name, "ltr")}
                  </p>
                )}
              </div>
            )}

            <Switch
              checked={skipBad}
              onChange={setSkipBad}
              label="Skip bad rows"
              testId="skip-bad"
              description={
                skipBad
                  ? "The good rows are imported; the bad ones are listed by line and field."
                  : "Off: one bad row refuses the whole file and nothing is written; you get the bad rows by line and field to fix."
              }
            />

            <div className="row import-actions">
              <button type="button" className="primary" disabled={!canImport} onClick={() => chosen?.format && run(chosen.file, chosen.format, kind, skipBad)} data-testid="import">
                {running ? "Importing…" : `Import ${kind}`}
              </button>
              {!chosen && <span className="muted small">Choose a file first.</span>}
            </div>
          </section>

          <div className="import-outcome">
            {job && running && (
              <div className="notice import-progress" role="status" data-testid="import-running">
                {job.phase === "uploading" ? (
                  <>
                    <span>
                      Sending <bdi dir="ltr">{job.file.name}</bdi>: {formatBytes(job.sent)} of {formatBytes(job.file.size)}
                    </span>
                    <progress max={job.file.size} value={job.sent} aria-label={`Sending ${isolateFileName(job.file.name)}`} />
                    <button type="button" className="small" onClick={job.cancel} data-testid="cancel-import">
                      Cancel
                    </button>
                  </>
                ) : job.server?.state === "refreshing" ? (
                  <>
                    <span data-testid="import-stage">
                      {formatCount(job.server.rows)} {job.server.rows === 1 ? "row" : "rows"} of <bdi dir="ltr">{job.file.name}</bdi> written; refreshing the dynamic segments.
                    </span>
                    <progress aria-label={`Refreshing segments after importing ${isolateFileName(job.file.name)}`} />
                  </>
                ) : (
                  <>
                    <span data-testid="import-stage">
                      {isolateName(
                        job.cancelling
                          ? `Cancelling: the server is rolling back the rows of ${job.file.name}…`
                          : job.server && job.server.total !== null
                            ? `Importing ${job.kind} from ${job.file.name}: ${formatCount(job.server.rows)} of ${formatCount(job.server.total)} rows checked and written.`
                            : `Importing ${job.kind} from ${job.file.name}: the server is reading the file.`,
                        job.file.name,
                        "ltr",
                      )}
                    </span>
                    {job.server && job.server.total ? (
                      <progress max={job.server.total} value={job.server.rows} aria-label={`Importing ${isolateFileName(job.file.name)}`} />
                    ) : (
                      <progress aria-label={`Importing ${isolateFileName(job.file.name)}`} />
                    )}
                    {job.server?.id && (
                      <button type="button" className="small" onClick={job.cancel} disabled={job.cancelling} data-testid="cancel-import">
                        Cancel
                      </button>
                    )}
                  </>
                )}
                <span className="muted small">You can keep using the app meanwhile: the result shows here when you come back.</span>
              </div>
            )}
            {job?.phase === "cancelled" && (
              <div className="notice" role="status" data-testid="import-cancelled">
                <span>
                  {isolateName(
                    job.server
                      ? `Cancelled while importing ${job.file.name}: the rows written were rolled back; nothing was imported.`
                      : `Cancelled before ${job.file.name} was sent: nothing was imported.`,
                    job.file.name,
                    "ltr",
                  )}
                </span>
              </div>
            )}
            {job?.phase === "done" && job.report && (
              <ImportReportView report={job.report} kind={job.kind} fileName={job.file.name} format={job.format} headingRef={outcomeHeading} onAgain={again} />
            )}
            {job?.phase === "failed" && (
              <ImportRefusal
                error={job.error}
                kind={job.kind}
                fileName={job.file.name}
                format={job.format}
                headingRef={outcomeHeading}
                retry={
                  !job.skipBad &&
                  !job.adopted && (
                    <div className="row">
                      <button type="button" className="primary" onClick={() => run(job.file, job.format, job.kind, true)} data-testid="retry-skip-bad">
                        Import the good rows, skip the bad ones
                      </button>
                    </div>
                  )
                }
              />
            )}
          </div>
        </div>

        <section className="card" aria-labelledby="import-columns-title" data-testid="expected-columns">
          <div className="card-head">
            <h2 id="import-columns-title">Expected columns</h2>
            {schema && (
              <a className="button small" href={templateHref(columns)} download={`${kind}-template.csv`} data-testid="template">
                Download a CSV template
              </a>
            )}
          </div>
          <p className="muted small">
            {kind === "contacts"
              ? "One row per contact. Only the key is required; a column left out keeps what is stored, an empty cell clears it. Names are matched exactly."
              : "One row per event, for contacts already imported. JSON files give properties as an object; a CSV cell holds it as JSON text."}
          </p>
          {schema ? (
            <div className="table-scroll">
              <table className="data-table import-columns" data-testid="columns-table">
                <caption className="visually-hidden">Columns of a file of {kind}</caption>
                <thead>
                  <tr>
                    <th scope="col">Column</th>
                    <th scope="col">Type</th>
                  </tr>
                </thead>
                <tbody>
                  {columns.map((c) => (
                    <tr key={c.name} data-testid="column-row" data-name={c.name}>
                      <td className="key-cell">{breakAfterUnderscores(c.name)}</td>
                      <td>
                        {c.type}
                        {c.note && <span className="muted small import-note"> {c.note}</span>}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : schemaError ? null : (
            <p className="muted">Loading…</p>
          )}
        </section>
      </div>

      <ImportHistory reloadKey={settled} />
    </div>
  );
}

