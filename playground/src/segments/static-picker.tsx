/**
 * Picking the contacts of a static segment: search by any field (the server's contact search), filter
 * by an expression, tick contacts page by page, "Select all N matches" of the filter (kept as the filter:
 * the server adds its matches when the segment is saved, in one statement), and paste or upload a list of
 * keys — keys that are not contacts are listed, never dropped silently. Editing a static segment, the
 * table marks the contacts that are its members already (ticked, locked, a "member" badge), and neither
 * they nor pasted members are picked again. The search, filter, sort and pages are contact-search.tsx's
 * (the Contacts page has the same); a row's key opens the contact in a new tab, so the unsaved form stays
 * as it is.
 */
import { useId, useRef, useState, type ChangeEvent } from "react";
import { lookupKeys } from "./api.js";
import { ContactsGrid } from "./contacts-grid.js";
import { fieldsRulesFirst } from "./rule-fields.js";
import { contactCountText, ContactSearchFields, ContactsPager, NoContactRows, useContactPages } from "./contact-search.js";
import { formatCount, plural } from "./format.js";
import { isolate, ProblemNote } from "./ui.js";

/** What the picker has picked: keys, and filters whose every match is in. */
export interface Picks {
  keys: string[];
  filters: string[];
  /** Keys pasted or uploaded that are not contacts. */
  unknown: string[];
}

export interface StaticPickerProps {
  keyField: string;
  picks: Picks;
  onChange(p: Picks): void;
  /** The static segment being edited: keys already its members are shown and said as such, not added again. */
  segmentId?: number;
}

const PAGE = 20;

/** The keys in pasted text or an uploaded CSV / text file: the first cell of each line, a header skipped. */
export function keysOfText(text: string, keyField: string): string[] {
  const out: string[] = [];
  const lines = text.replace(/^\ufeff/, "").split(/\r?\n/);
  for (const [i, line] of lines.entries()) {
    const key = ((line.includes(",") || line.includes("\t") ? splitCsv(line)[0] : line) ?? "").trim();
    if (key === "") continue;
    if (i === 0 && (key.toLowerCase() === keyField.toLowerCase() || key.toLowerCase() === "key")) continue;
    out.push(key);
  }
  return [...new Set(out)];
}

/** The cells of one CSV line (double quotes, doubled inside). */
function splitCsv(line: string): string[] {
  const cells: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === "," || c === "\t") {
      cells.push(cur);
      cur = "";
    } else cur += c;
  }
  cells.push(cur);
  return cells;
}

export function StaticPicker({ keyField, picks, onChange, segmentId }: StaticPickerProps) {
  const found = useContactPages(PAGE, {}, segmentId === undefined ? undefined : { segmentId, keyField });
  const { query, filter, rows, total, members } = found;
  const pasteId = useId();
  const uploadId = useId();
  const [paste, setPaste] = useState("");
  const [pasteResult, setPasteResult] = useState<string | null>(null);
  const [pasteError, setPasteError] = useState<unknown>(null);
  const fileInput = useRef<HTMLInputElement>(null);

  const picked = new Set(picks.keys);
  const setKeys = (keys: Iterable<string>) => onChange({ ...picks, keys: [...new Set(keys)] });

  const addKeys = async (text: string, from: string) => {
    const keys = keysOfText(text, keyField);
    setPasteError(null);
    if (keys.length === 0) {
      setPasteResult(`No keys in ${from}.`);
      return;
    }
    try {
      const found = await lookupKeys(keys, segmentId);
      const members = new Set(found.members);
      const before = new Set(picks.keys);
      const added = found.known.filter((k) => !before.has(k) && !members.has(k));
      onChange({ ...picks, keys: [...picks.keys, ...added], unknown: [...new Set([...picks.unknown, ...found.unknown])] });
      const unknown = found.unknown.length === 0 ? "" : found.unknown.length === 1 ? ", 1 key is not a contact" : `, ${formatCount(found.unknown.length)} keys are not contacts`;
      const already = members.size === 0 ? "" : members.size === 1 ? ", 1 is already a member" : `, ${formatCount(members.size)} are already members`;
      setPasteResult(`${from}: ${plural(found.known.length, "contact")} found (${formatCount(added.length)} new${already})${unknown}.`);
      // Only the pasted text was added: an upload leaves what is typed in the box alone.
      if (text === paste) setPaste("");
    } catch (e) {
      setPasteError(e);
    }
  };

  const onFile = async (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    if (!file) return;
    if (file.size > 32 * 1024 * 1024) {
      setPasteError(new Error(`${file.name} is larger than 32 MB; split it`));
      return;
    }
    await addKeys(await file.text(), file.name);
    if (fileInput.current) fileInput.current.value = "";
  };

  return (
    <div className="picker" data-testid="static-picker">
      <section className="card" aria-labelledby="pick-title">
        <div className="card-head">
          <h2 id="pick-title">Pick contacts</h2>
          <span className="muted small" aria-live="polite" data-testid="picker-count">
            {contactCountText(found)}
          </span>
        </div>
        <ContactSearchFields pages={found} testIdPrefix="picker" />
        {filter && found.page.data && !found.filterProblem && !found.failed && (
          <div className="select-all">
            <span>
              {plural(total, "contact")} match <code>{filter}</code>
              {query ? " (and the search)" : ""}.
            </span>
            {picks.filters.includes(filter) ? (
              <span className="badge good">all matches selected</span>
            ) : (
              <button type="button" className="primary-outline" onClick={() => onChange({ ...picks, filters: [...picks.filters, filter] })} disabled={total === 0} data-testid="select-all-matches">
                Select all {formatCount(total)} matches
              </button>
            )}
          </div>
        )}
        {rows.length > 0 ? (
          <ContactsGrid
            rows={rows}
            keyField={keyField}
            caption="Contacts to pick from"
            // Filtered, the fields the filter tests come first (of eight columns, the schema's first left them out).
            columns={filter ? fieldsRulesFirst(filter, Object.keys(rows[0] ?? {})) : undefined}
            maxColumns={8}
            picked={picked}
            members={members}
            locked={filter && picks.filters.includes(filter) ? "in the selection through the filter" : undefined}
            onPick={(k, on) => setKeys(on ? [...picks.keys, k] : picks.keys.filter((x) => x !== k))}
            onPickPage={(on) => {
              const page = rows.map((r) => String(r[keyField])).filter((k) => !members.has(k));
              setKeys(on ? [...picks.keys, ...page] : picks.keys.filter((k) => !page.includes(k)));
            }}
            sort={found.sort}
            onSort={found.toggleSort}
            keyLinks="new-tab"
            testId="picker-table"
          />
        ) : (
          <NoContactRows pages={found} />
        )}
        <ContactsPager pages={found} testIdPrefix="picker" />
      </section>

      <section className="card" aria-labelledby={`${pasteId}-title`}>
        <h2 id={`${pasteId}-title`}>Paste or upload keys</h2>
        <label htmlFor={pasteId} className="muted small">
          One {keyField} per line (or a CSV whose first column is {keyField}).
        </label>
        <textarea id={pasteId} rows={4} value={paste} onChange={(e) => setPaste(e.target.value)} className="code-input" placeholder={"7590-VHVEG\n5575-GNVDE"} data-testid="paste-keys" />
        <div className="row">
          <button type="button" onClick={() => addKeys(paste, "Pasted list")} disabled={paste.trim() === ""} data-testid="add-pasted">
            Add these keys
          </button>
          <label htmlFor={uploadId} className="button">
            Upload a file…
          </label>
          <input id={uploadId} ref={fileInput} type="file" accept=".csv,.txt,.tsv,text/csv,text/plain" className="visually-hidden" onChange={onFile} data-testid="upload-keys" />
        </div>
        {pasteResult && (
          <p className="small" role="status">
            {pasteResult}
          </p>
        )}
        <ProblemNote error={pasteError} />
        {picks.unknown.length > 0 && (
          <div className="warning" data-testid="unknown-keys">
            <p>
              <strong>{picks.unknown.length === 1 ? "1 key is not a contact" : `${formatCount(picks.unknown.length)} keys are not contacts`}</strong>: {picks.unknown.length === 1 ? "it" : "they"} will not be added.
            </p>
            <p className="key-list">{picks.unknown.slice(0, 50).join(", ")}{picks.unknown.length > 50 ? `, and ${formatCount(picks.unknown.length - 50)} more` : ""}</p>
            <button type="button" className="small" onClick={() => onChange({ ...picks, unknown: [] })}>
              Dismiss
            </button>
          </div>
        )}
      </section>
    </div>
  );
}

/** What is selected so far, with a way to undo parts of it. */
export function PickSummary({ picks, onChange, title = "Selected" }: { picks: Picks; onChange(p: Picks): void; title?: string }) {
  return (
    <section className="card summary" aria-labelledby="summary-title" data-testid="pick-summary">
      <h2 id="summary-title">{title}</h2>
      <p className="summary-line">
        <strong data-testid="picked-count">{plural(picks.keys.length, "contact")}</strong> picked
        {picks.filters.length > 0 && <>, plus every match of {plural(picks.filters.length, "filter")}</>}
      </p>
      {picks.filters.length > 0 && (
        <ul className="chips-list">
          {picks.filters.map((f) => (
            <li key={f} className="chip">
              <code>{f}</code>
              <button type="button" className="chip-remove" aria-label={`Remove the filter ${isolate(f)}`} onClick={() => onChange({ ...picks, filters: picks.filters.filter((x) => x !== f) })}>
                ✕
              </button>
            </li>
          ))}
        </ul>
      )}
      {picks.keys.length > 0 && (
        <>
          <ul className="chips-list">
            {picks.keys.slice(0, 30).map((k) => (
              <li key={k} className="chip">
                {k}
                <button type="button" className="chip-remove" aria-label={`Remove ${isolate(k)}`} onClick={() => onChange({ ...picks, keys: picks.keys.filter((x) => x !== k) })}>
                  ✕
                </button>
              </li>
            ))}
            {picks.keys.length > 30 && <li className="muted small">and {formatCount(picks.keys.length - 30)} more</li>}
          </ul>
          <button type="button" className="small" onClick={() => onChange({ ...picks, keys: [] })}>
            Clear the picked contacts
          </button>
        </>
      )}
    </section>
  );
}
