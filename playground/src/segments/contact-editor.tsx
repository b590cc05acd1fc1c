/**
 * Changing a contact from its page: its values (`ContactValuesForm`) and a new event (`RecordEventForm`).
 * Each input is the field's type (a list of values for an enum, true / false for a boolean, a list's items
 * one by one: `ListItemsInput`); the server checks the values against the schema, and its problems are
 * shown by the field they are about. Only the fields changed are sent, each as the value the user can see
 * they typed (field-drafts.ts): the others keep what is stored, exactly (`""`, a list item with a line break),
 * also if someone else changed them meanwhile. An emptied field is stored as no value (null). What the write
 * did to the contact's segments — the dynamic segments it entered and left — is said after (`membershipNews`).
 *
 * Each field sent carries the value this form read (`expect`): if someone else changed it since, nothing is
 * saved, the field says what it holds now, and the user's input stays; they overwrite it (sent again,
 * expecting the value now stored) or use theirs (the field takes it). Different fields never conflict.
 */
import { useEffect, useId, useRef, useState, type ReactNode } from "react";
import type { FieldDef, Schema } from "../../../src/schema/schema.js";
import { ApiError, lookupKeys, recordEvent, upsertContact, type ContactConflict, type ContactRecord, type SegmentSummary, type WriteResult } from "./api.js";
import { draftOf, emptyKind, isChange, valueOf, type FieldDraft } from "./field-drafts.js";
import { ListItemsInput } from "./list-items-input.js";

/**
 * The input of one field, by its type. `empty`: what the input means while empty (its placeholder), empty
 * text (a stored `""`) or no value; they look alike in an input, and a CRM user reads an empty field as no value.
 */
function FieldInput({
  id,
  def,
  value,
  onChange,
  invalid,
  describedBy,
  empty,
}: {
  id: string;
  def: FieldDef | undefined;
  value: FieldDraft;
  onChange(draft: FieldDraft): void;
  invalid: boolean;
  describedBy: string | undefined;
  empty: "empty text" | "no value" | null;
}) {
  const name = def?.name ?? id;
  if (typeof value !== "string") return <ListItemsInput id={id} name={name} items={value} onChange={onChange} invalid={invalid} describedBy={describedBy} />;
  const common = { id, "aria-invalid": invalid || undefined, "aria-describedby": describedBy, "data-field-input": name };
  if (def?.type === "enum" || def?.type === "boolean") {
    const options = def.type === "enum" ? (def.values ?? []).map((v) => [v, v]) : [["true", "true"], ["false", "false"]];
    // A stored value outside the list (the schema changed since) stays choosable rather than silently lost.
    if (value !== "" && !options.some(([v]) => v === value)) options.push([value, value]);
    return (
      <select {...common} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">(no value)</option>
        {options.map(([v, label]) => (
          <option key={v} value={v}>
            {label}
          </option>
        ))}
      </select>
    );
  }
  return (
    <input
      {...common}
      type="text"
      inputMode={def?.type === "number" ? "decimal" : undefined}
      placeholder={empty === "empty text" ? 'empty text ("")' : "no value"}
      value={value}
      onChange={(e) => onChange(e.target.value)}
      autoComplete="off"
      spellCheck={def?.type === "string"}
    />
  );
}

/** What the field's input says about it: its type in words, and for a list how to write one. */
function hintOf(def: FieldDef | undefined): string | null {
  switch (def?.type) {
    case "list":
      return "Enter adds an item, ✕ removes one";
    case "date":
      return "a date, such as 2024-01-31";
    case "timestamp":
      return "an instant, such as 2024-01-31T10:00:00Z (UTC) or with an offset";
    default:
      return null;
  }
}

/** A stored value in a sentence: its text (a list's items joined), or `empty`. */
function shownValue(def: FieldDef | undefined, v: unknown): string {
  const text = Array.isArray(v) ? v.map(String).join(", ") : String(draftOf(def, v));
  return text.trim() === "" ? "empty" : text;
}

/** The server's problems by the field they are about (`field`), and those about none. */
function problemsByField(error: unknown): { byField: Map<string, string>; other: string[] } {
  const byField = new Map<string, string>();
  const other: string[] = [];
  if (error instanceof ApiError && error.problem.problems) {
    for (const p of error.problem.problems as { field?: string; message: string }[]) {
      if (p.field !== undefined && !byField.has(p.field)) byField.set(p.field, p.message);
      else other.push(p.message);
    }
  } else if (error) other.push(error instanceof ApiError ? `${error.problem.title}: ${error.problem.detail}` : error instanceof Error ? error.message : String(error));
  return { byField, other };
}

/** What someone else saved in a field since the form read it, and the way to take it. */
interface FieldConflict {
  stored: unknown;
  onUseTheirs(): void;
}

/** One labelled field of a form, with its hint, its problem and what someone else saved in it meanwhile. */
function FormField({
  name,
  label,
  def,
  value,
  stored,
  onChange,
  problem,
  conflict,
}: {
  name: string;
  label: ReactNode;
  def: FieldDef | undefined;
  value: FieldDraft;
  /** The value the form read (null for a new contact or event): an empty input holding a stored `""` says so. */
  stored?: unknown;
  onChange(draft: FieldDraft): void;
  problem: string | undefined;
  conflict?: FieldConflict | undefined;
}) {
  const id = useId();
  const hint = hintOf(def);
  const describedBy = [hint ? `${id}-hint` : "", problem ? `${id}-problem` : "", conflict ? `${id}-conflict` : ""].filter(Boolean).join(" ") || undefined;
  return (
    <div className={`form-field${problem ? " has-problem" : ""}${conflict ? " has-conflict" : ""}`} data-field={name}>
      <label htmlFor={id}>{label}</label>
      <FieldInput id={id} def={def} value={value} onChange={onChange} invalid={problem !== undefined} describedBy={describedBy} empty={emptyKind(def, value, stored ?? null)} />
      {hint && (
        <span id={`${id}-hint`} className="muted small">
          {hint}
        </span>
      )}
      {problem && (
        <span id={`${id}-problem`} className="field-error" data-testid="field-problem">
          {problem}
        </span>
      )}
      {conflict && (
        <span className="field-conflict" data-testid="field-conflict">
          <span id={`${id}-conflict`}>
            Changed by someone else since you opened it: now <strong data-testid="conflict-now">{shownValue(def, conflict.stored)}</strong>
          </span>
          <button type="button" className="small" onClick={conflict.onUseTheirs} aria-label={`Use theirs for ${name}`} data-testid="use-theirs">
            Use theirs
          </button>
        </span>
      )}
    </div>
  );
}

/** Puts the focus in a form's first input when it opens (the button that opened it is gone). */
function useFocusFirst(form: React.RefObject<HTMLFormElement | null>): void {
  useEffect(() => form.current?.querySelector<HTMLElement>("input, select, textarea")?.focus(), []);
}

/** Once the server's problems are drawn, the focus goes to the first input they mark. */
function useFocusProblem(form: React.RefObject<HTMLFormElement | null>, error: unknown): void {
  useEffect(() => {
    if (error) form.current?.querySelector<HTMLElement>("[aria-invalid=true]")?.focus();
  }, [error]);
}

/**
 * A write's form: its fields, then what the server refused (by field: counted here, said under each; the
 * rest listed), a note, and the submit and Cancel buttons. Escape cancels, unless it is saving.
 */
function WriteForm({
  formRef,
  testId,
  saving,
  onSave,
  onCancel,
  problems,
  nothing,
  note,
  conflict,
  submit,
  blocked = false,
  children,
}: {
  formRef: React.RefObject<HTMLFormElement | null>;
  /** `values` or `event`: the form's test id and its buttons' (`save-values`, `cancel-values`). */
  testId: string;
  saving: boolean;
  onSave(): void;
  onCancel(): void;
  problems: { byField: Map<string, string>; other: string[] };
  /** What did not happen when a value is refused: `Nothing was saved`. */
  nothing: string;
  note?: string | null;
  /** What someone else saved since the form opened, with the way to overwrite it (said before the buttons). */
  conflict?: ReactNode;
  submit: string;
  /**
   * No Save while `conflict` is shown: a save now would be refused again for the same reason, and the
   * conflict offers the ways on (overwrite, use theirs; Save returns once none is left).
   */
  blocked?: boolean;
  children: ReactNode;
}) {
  const { byField, other } = problems;
  return (
    <form
      ref={formRef}
      className="contact-form"
      data-testid={`${testId}-form`}
      onSubmit={(e) => {
        e.preventDefault();
        if (!blocked && !saving) onSave();
      }}
      onKeyDown={(e) => e.key === "Escape" && !saving && onCancel()}
    >
      {children}
      {other.length > 0 && (
        <div className="field-error" role="alert" data-testid="form-problem">
          {other.map((m, i) => (
            <p key={i}>{m}</p>
          ))}
        </div>
      )}
      {byField.size > 0 && (
        <p className="field-error" role="alert">
          {nothing}: {byField.size === 1 ? "a value needs" : `${byField.size} values need`} fixing.
        </p>
      )}
      {conflict}
      {note && (
        <p className="muted" role="status">
          {note}
        </p>
      )}
      <div className="row form-actions">
        {!blocked && (
          // Busy, not disabled, while it saves: a disabled button drops the focus to the page's body.
          <button type="submit" className="primary" aria-disabled={saving} data-testid={`save-${testId}`}>
            {submit}
          </button>
        )}
        <button type="button" onClick={onCancel} disabled={saving} data-testid={`cancel-${testId}`}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** The values form: every field of the schema but the key, with Save and Cancel. */
export function ContactValuesForm({
  contact,
  schema,
  onSaved,
  onCancel,
}: {
  /** Null: a new contact, its key typed in the form. */
  contact: ContactRecord | null;
  schema: Schema;
  onSaved(result: WriteResult, changed: string[], key: string): void;
  onCancel(): void;
}) {
  const names = Object.keys(schema.fields).filter((f) => f !== schema.key);
  // The value of each field as this form read it (what a save expects to be stored still): the contact's
  // at first, then, for a field someone else changed meanwhile, theirs once the user overwrites or takes it.
  const [base, setBase] = useState<Record<string, unknown>>(() => Object.fromEntries(names.map((f) => [f, contact?.values[f] ?? null])));
  const [draft, setDraft] = useState<Record<string, FieldDraft>>(() => Object.fromEntries(names.map((f) => [f, draftOf(schema.fields[f], base[f])])));
  const [key, setKey] = useState("");
  const [keyProblem, setKeyProblem] = useState<ReactNode>(null);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [note, setNote] = useState<string | null>(null);
  /** Fields someone else changed since they were read → the value stored now (from the 409). */
  const [conflicts, setConflicts] = useState<Map<string, unknown>>(new Map());
  /** The contact was deleted since this form opened it: nothing can be saved over it. */
  const [deleted, setDeleted] = useState(false);
  const keyId = useId();
  const form = useRef<HTMLFormElement>(null);
  useFocusFirst(form);
  useFocusProblem(form, error);
  const { byField, other } = problemsByField(error);
  // A field is sent only when its input changed to another value (`isChange`): what the form shows of a value
  // it cannot show exactly is never written back.
  const changedFrom = (from: Record<string, unknown>) => names.filter((f) => isChange(schema.fields[f], draft[f]!, from[f] ?? null));
  const changed = changedFrom(base);
  const focusField = (f: string) => window.setTimeout(() => form.current?.querySelector<HTMLElement>(`[data-field-input="${CSS.escape(f)}"]`)?.focus());
  const save = async (from: Record<string, unknown> = base) => {
    setNote(null);
    setKeyProblem(null);
    if (contact === null && key === "") {
      setKeyProblem("A contact needs a key.");
      document.getElementById(keyId)?.focus();
      return;
    }
    const fields = changedFrom(from);
    if (contact !== null && fields.length === 0) {
      setNote("Nothing changed.");
      return;
    }
    setSaving(true);
    setError(null);
    try {
      const target = contact?.key ?? key;
      // A new contact must not update one that has its key (the upsert would, silently).
      if (contact === null && (await lookupKeys([target])).known.length > 0) {
        setKeyProblem(
          <>
            A contact with this key exists already: <a href={`#/contacts/${encodeURIComponent(target)}`}>open it</a> to change its values.
          </>,
        );
        window.setTimeout(() => document.getElementById(keyId)?.focus());
        return;
      }
      const values: Record<string, unknown> = { [schema.key]: target };
      for (const f of fields) values[f] = valueOf(schema.fields[f], draft[f]!);
      // An existing contact is written only if the fields sent still hold what this form read.
      const expected = contact === null ? undefined : { key: target, fields: Object.fromEntries(fields.map((f) => [f, from[f] ?? null])) };
      const result = await upsertContact(values, expected);
      setConflicts(new Map());
      onSaved(result, fields, target);
    } catch (e) {
      if (e instanceof ApiError && e.kind === "contact-changed") {
        const mine = ((e.problem["conflicts"] ?? []) as ContactConflict[]).filter((c) => c.key === contact?.key);
        setDeleted(mine.some((c) => !c.exists));
        setConflicts(new Map(mine.filter((c) => c.exists).map((c) => [c.field, c.stored])));
        // Read next: the first field someone else changed (its note says what it holds now).
        const first = mine.find((c) => c.exists);
        if (first) focusField(first.field);
      } else setError(e);
    } finally {
      setSaving(false);
    }
  };
  /** Keeps the user's input for the conflicting fields: sent again, expecting what is stored now. */
  const overwrite = () => {
    if (saving) return;
    const next = { ...base, ...Object.fromEntries(conflicts) };
    setBase(next);
    void save(next);
  };
  /** Takes what someone else saved in `f`: the field shows it, and it is no longer a change. */
  const takeTheirs = (f: string) => {
    const stored = conflicts.get(f) ?? null;
    setBase((b) => ({ ...b, [f]: stored }));
    setDraft((d) => ({ ...d, [f]: draftOf(schema.fields[f], stored) }));
    setConflicts((c) => {
      const next = new Map(c);
      next.delete(f);
      return next;
    });
    focusField(f);
  };
  const conflictNote = deleted ? (
    <div className="warning" role="alert" data-testid="values-conflict">
      <p>
        <strong>Nothing was saved:</strong> this contact was deleted by someone else since you opened it.
      </p>
    </div>
  ) : conflicts.size > 0 ? (
    <div className="warning" role="alert" data-testid="values-conflict">
      <p>
        <strong>Nothing was saved:</strong> someone else changed {conflicts.size === 1 ? "a field" : `${conflicts.size} fields`} since you opened {conflicts.size === 1 ? "it" : "them"} ({[...conflicts.keys()].join(", ")}). Your
        input is kept: overwrite theirs with it, or use theirs under {conflicts.size === 1 ? "the field" : "each field"}.
      </p>
      <button type="button" onClick={overwrite} aria-disabled={saving} data-testid="overwrite-values">
        Overwrite with mine
      </button>
    </div>
  ) : null;
  return (
    <WriteForm
      formRef={form}
      testId="values"
      saving={saving}
      onSave={() => void save()}
      onCancel={onCancel}
      problems={{ byField, other }}
      nothing="Nothing was saved"
      note={note}
      conflict={conflictNote}
      blocked={conflictNote !== null}
      submit={saving ? "Saving…" : contact === null ? "Add the contact" : changed.length > 0 ? `Save ${changed.length === 1 ? "1 change" : `${changed.length} changes`}` : "Save"}
    >
      {contact === null && (
        <div className={`form-field key-field${keyProblem || byField.has(schema.key) ? " has-problem" : ""}`} data-field={schema.key}>
          <label htmlFor={keyId}>
            {schema.key} <span className="field-type">key</span>
          </label>
          <input
            id={keyId}
            type="text"
            value={key}
            onChange={(e) => {
              setKey(e.target.value);
              // What was said about the key was about the one typed before.
              setKeyProblem(null);
            }}
            aria-invalid={keyProblem || byField.has(schema.key) ? true : undefined}
            aria-describedby={`${keyId}-hint${keyProblem || byField.has(schema.key) ? ` ${keyId}-problem` : ""}`}
            data-field-input={schema.key}
            autoComplete="off"
            spellCheck={false}
          />
          <span id={`${keyId}-hint`} className="muted small">
            what tells this contact apart, exactly as typed (it cannot be changed later)
          </span>
          {(keyProblem || byField.has(schema.key)) && (
            <span id={`${keyId}-problem`} className="field-error" data-testid="field-problem">
              {keyProblem ?? byField.get(schema.key)}
            </span>
          )}
        </div>
      )}
      <div className="form-grid">
        {names.map((f) => (
          <FormField
            key={f}
            name={f}
            label={
              <>
                {f} <span className="field-type">{schema.fields[f]!.type}</span>
              </>
            }
            def={schema.fields[f]}
            value={draft[f]!}
            stored={base[f]}
            onChange={(t) => setDraft((d) => ({ ...d, [f]: t }))}
            problem={byField.get(f)}
            conflict={conflicts.has(f) ? { stored: conflicts.get(f), onUseTheirs: () => takeTheirs(f) } : undefined}
          />
        ))}
      </div>
    </WriteForm>
  );
}

/** Now, to the second, as the time field's default: `2026-12-07T08:20:00Z`. */
const nowText = () => new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace(".000Z", "Z");

/** A new event of the contact: its name, its time (now by default) and its properties by type. */
export function RecordEventForm({ contact, schema, onRecorded, onCancel }: { contact: ContactRecord; schema: Schema; onRecorded(result: WriteResult, name: string): void; onCancel(): void }) {
  const ev = schema.events!;
  const props = Object.keys(ev.properties);
  const [name, setName] = useState(ev.names?.[0] ?? "");
  const [time, setTime] = useState(nowText);
  const [draft, setDraft] = useState<Record<string, FieldDraft>>(() => Object.fromEntries(props.map((p) => [p, draftOf(ev.properties[p], null)])));
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const form = useRef<HTMLFormElement>(null);
  useFocusFirst(form);
  useFocusProblem(form, error);
  const listId = useId();
  const { byField, other } = problemsByField(error);
  const timeDef: FieldDef = { name: ev.time, type: "timestamp", column: ev.time };
  const save = async () => {
    setSaving(true);
    setError(null);
    try {
      const properties: Record<string, unknown> = {};
      for (const p of props) {
        const v = valueOf(ev.properties[p], draft[p]!);
        if (v !== null) properties[p] = v;
      }
      const event = { [ev.contactKey]: contact.key, [ev.name]: name.trim() === "" ? null : name, [ev.time]: time.trim() === "" ? null : time.trim(), properties };
      onRecorded(await recordEvent(event), name);
    } catch (e) {
      setError(e);
    } finally {
      setSaving(false);
    }
  };
  return (
    <WriteForm
      formRef={form}
      testId="event"
      saving={saving}
      onSave={() => void save()}
      onCancel={onCancel}
      problems={{ byField, other }}
      nothing="Nothing was recorded"
      submit={saving ? "Recording…" : "Record the event"}
    >
      <div className="form-grid">
        <div className={`form-field${byField.has(ev.name) ? " has-problem" : ""}`} data-field={ev.name}>
          <label htmlFor={`${listId}-name`}>Event</label>
          <input
            id={`${listId}-name`}
            type="text"
            list={ev.names ? listId : undefined}
            value={name}
            onChange={(e) => setName(e.target.value)}
            aria-invalid={byField.has(ev.name) || undefined}
            aria-describedby={byField.has(ev.name) ? `${listId}-name-problem` : undefined}
            data-field-input={ev.name}
            autoComplete="off"
          />
          {ev.names && (
            <datalist id={listId}>
              {ev.names.map((n) => (
                <option key={n} value={n} />
              ))}
            </datalist>
          )}
          {byField.has(ev.name) && (
            <span id={`${listId}-name-problem`} className="field-error" data-testid="field-problem">
              {byField.get(ev.name)}
            </span>
          )}
        </div>
        <FormField name={ev.time} label="Time" def={timeDef} value={time} onChange={(t) => setTime(String(t))} problem={byField.get(ev.time)} />
        {props.map((p) => (
          <FormField
            key={p}
            name={p}
            label={
              <>
                {p} <span className="field-type">{ev.properties[p]!.type}</span>
              </>
            }
            def={ev.properties[p]}
            value={draft[p]!}
            onChange={(t) => setDraft((d) => ({ ...d, [p]: t }))}
            problem={byField.get(`properties.${p}`) ?? byField.get(p)}
          />
        ))}
      </div>
    </WriteForm>
  );
}

/**
 * What a write did to the contact's segments, in words: the segments it entered and left (by name, from
 * `segments`; an id not among them — created since — by its number), or that none changed.
 */
export function membershipNews(result: WriteResult, segments: readonly SegmentSummary[] | null): { entered: NewsSegment[]; exited: NewsSegment[] } {
  const named = (id: number): NewsSegment => ({ id, name: segments?.find((s) => s.id === id)?.name ?? `segment #${id}` });
  return {
    entered: result.changes.filter((c) => c.change === "entered").map((c) => named(c.segmentId)),
    exited: result.changes.filter((c) => c.change === "exited").map((c) => named(c.segmentId)),
  };
}

/** A segment named in the news of a write. */
export interface NewsSegment {
  id: number;
  name: string;
}
