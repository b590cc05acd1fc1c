/**
 * The data: a built-in dataset, or the user's own files dropped in (or chosen): a contacts file (CSV, JSON
 * Lines or a JSON array, optionally gzipped), optionally an events file (JSON Lines) and a schema (else one
 * is inferred and shown). Files are read in the worker, in this browser; nothing is uploaded.
 */
import { memo, useRef, useState } from "react";
import { BUILTIN_DATASETS } from "../datasets.js";
import type { DatasetInfo } from "../worker/protocol.js";
import type { Progress } from "./data-client.js";
import { formatCount } from "./format-value.js";
import { sortFiles } from "./sort-files.js";

export interface DataPanelProps {
  /** A built-in dataset id, or "file". */
  source: string;
  info: DatasetInfo | null;
  progress: Progress | null;
  error: string | null;
  now: string;
  onBuiltin(id: string): void;
  onFiles(contacts: File, events: File | null, schema: File | null): void;
  onNow(now: string): void;
}

export const DataPanel = memo(function DataPanel(p: DataPanelProps) {
  const input = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);
  const [localProblem, setLocalProblem] = useState<string | null>(null);
  const take = (list: FileList | null) => {
    if (!list || list.length === 0) return;
    const sorted = sortFiles([...list]);
    setLocalProblem(sorted.problem);
    if (sorted.contacts && !sorted.problem) p.onFiles(sorted.contacts, sorted.events, sorted.schema);
  };
  const pct = p.progress?.total ? Math.min(100, (100 * p.progress.done) / p.progress.total) : null;
  const error = localProblem ?? p.error;
  return (
    <section
      className={`pane data-panel${dragging ? " dragging" : ""}`}
      aria-labelledby="data-title"
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={(e) => {
        e.preventDefault();
        setDragging(false);
        take(e.dataTransfer.files);
      }}
      data-testid="data-panel"
    >
      <h2 id="data-title">Data</h2>
      <div className="controls">
        <label>
          Dataset{" "}
          <select value={p.source} onChange={(e) => p.onBuiltin(e.target.value)} data-testid="dataset">
            {BUILTIN_DATASETS.map((d) => (
              <option key={d.id} value={d.id}>
                {d.label}
              </option>
            ))}
            {p.source === "file" ? <option value="file">{p.info?.name ?? "Your file"}</option> : null}
          </select>
        </label>
        <button type="button" onClick={() => input.current?.click()}>
          Load your files…
        </button>
        <input
          ref={input}
          type="file"
          multiple
          accept=".csv,.jsonl,.ndjson,.json,.gz"
          className="visually-hidden"
          aria-label="Your contacts file, with optional events and schema files"
          data-testid="file-input"
          onChange={(e) => {
            take(e.target.files);
            e.target.value = "";
          }}
        />
        <label>
          Now (relative times){" "}
          <input value={p.now} onChange={(e) => p.onNow(e.target.value)} size={24} spellCheck={false} data-testid="now" />
        </label>
      </div>
      <p className="count-muted drop-hint">
        Or drop files here: contacts (.csv, .jsonl, .json, optionally .gz), events (.jsonl, a name with “event”), schema (.json, a name with “schema”; inferred when missing). They stay in this browser.
      </p>
      {p.progress ? (
        <div className="progress" role="status">
          <label>
            {p.progress.phase}{" "}
            {pct === null ? <progress /> : <progress max={100} value={pct} />}
          </label>
        </div>
      ) : null}
      {error ? (
        <p className="count-error" role="alert">
          <span data-testid="data-error">{error}</span>
          {p.info && !p.progress ? <span className="count-muted"> — still using {p.info.name}.</span> : null}
        </p>
      ) : null}
      {p.info && !p.progress ? (
        <div className="count-muted" data-testid="data-info">
          {p.info.name}: {formatCount(p.info.contacts)} contacts
          {p.info.events ? `, ${formatCount(p.info.events)} events` : ""}
          {p.info.ignored.length ? `; columns not in the schema (ignored): ${p.info.ignored.join(", ")}` : ""}
          {p.info.inferred ? (
            <details>
              <summary>Schema inferred from the data (key: {p.info.key})</summary>
              {p.info.notes.length ? (
                <ul className="notes">
                  {p.info.notes.map((n) => (
                    <li key={n}>{n}</li>
                  ))}
                </ul>
              ) : null}
              <pre className="schema-json">{p.info.schemaText}</pre>
            </details>
          ) : null}
        </div>
      ) : null}
    </section>
  );
});
