/**
 * A contact's page (`#/contacts/{key}`, the key percent-encoded): its values by field, shown as their type
 * reads (dates and timestamps in words, lists as chips, empty fields named as empty), the segments it is in
 * now (linked), its events (the 100 most recent, then older ones a page at a time), and why it is — or is not — in a saved segment, explained as the
 * segment page's Why tab does. A key that is no contact says so, with the way back.
 */
import { Fragment, useEffect, useId, useLayoutEffect, useRef, useState, type ReactNode } from "react";
import type { FieldDef, Schema } from "../../../src/schema/schema.js";
import { allSegments, ApiError, contactChanges, contactEvents, deleteContacts, getContact, latestRead, wasStopped, whySegment, type ContactRecord, type Segment, type SegmentSummary, type WriteResult } from "./api.js";
import { ContactValuesForm, membershipNews, RecordEventForm, type NewsSegment } from "./contact-editor.js";
import { formatAge, formatCount, formatDay, formatInstant, plural } from "./format.js";
import { useSchema } from "./schema.js";
import { navigate } from "../router.js";
import { usePagedList } from "./paged-list.js";
import { Dialog, isolate, KindBadge, LoadFailed, LoadProblem, ProblemNote, Quoted, useLoad, useToast, type Loaded } from "./ui.js";
import { formatNumber, WhyResult } from "./why-view.js";

/** The news of a contact just added (`NewContactPage`), for its page to show when it opens. */
let addedNews: { key: string; news: News } | null = null;

/** A new contact (`#/new-contact`): its key and values; then its page, saying which segments it entered. */
export function NewContactPage() {
  const { schema, error } = useSchema();
  const segments = useLoad(allSegments, []);
  return (
    <div className="page contact-page">
      <header className="page-head">
        <div>
          <p className="crumbs">
            <a href="#/contacts">Contacts</a>
          </p>
          <h1>New contact</h1>
          <p className="muted">Its key, and the values it has; the fields left empty stay empty. Every dynamic segment it matches takes it in at once.</p>
        </div>
      </header>
      <ProblemNote error={error} />
      {schema ? (
        <section className="card" aria-label="The new contact's key and values">
          <ContactValuesForm
            contact={null}
            schema={schema}
            onSaved={(result, _changed, key) => {
              addedNews = { key, news: { what: "Added this contact.", ...membershipNews(result, segments.data) } };
              navigate(`/contacts/${encodeURIComponent(key)}`);
            }}
            onCancel={() => navigate("/contacts")}
          />
        </section>
      ) : (
        !error && <p className="muted">Loading…</p>
      )}
    </div>
  );
}

export function ContactPage({ contactKey }: { contactKey: string }) {
  // Another key, or the page left, stops the read of the contact before (and the segments', the why's, the history's).
  const contact = useLoad((signal) => getContact(contactKey, signal), [contactKey]);
  const { schema } = useSchema();
  const segments = useLoad(allSegments, []);
  const [editing, setEditing] = useState<"values" | "event" | null>(null);
  const [deleting, setDeleting] = useState(false);
  const [news, setNews] = useState<News | null>(null);
  const newsRef = useRef<HTMLDivElement>(null);
  // Another contact: its own page, nothing being edited; a contact just added says what it entered.
  useEffect(() => {
    setEditing(null);
    setNews(addedNews?.key === contactKey ? addedNews.news : null);
    addedNews = null;
  }, [contactKey]);
  // In the same commit that removes the form's Save (a layout effect): the focus never rests on <body>.
  useLayoutEffect(() => newsRef.current?.focus(), [news]);
  // Cancel gives the focus back to the button that opened the form.
  const [refocus, setRefocus] = useState<string | null>(null);
  useEffect(() => {
    if (refocus) document.querySelector<HTMLElement>(`[data-testid=${refocus}]`)?.focus();
    setRefocus(null);
  }, [refocus]);
  const cancel = () => {
    setRefocus(editing === "event" ? "record-event" : "edit-values");
    setEditing(null);
  };
  const wrote = (what: string, result: WriteResult) => {
    setEditing(null);
    setNews({ what, ...membershipNews(result, segments.data) });
    contact.reload();
  };

  if (contact.error && !contact.data) {
    if (contact.error instanceof ApiError && contact.error.status === 404) return <NoSuchContact contactKey={contactKey} />;
    return (
      <div className="page">
        <LoadProblem what="This contact" loaded={contact} />
        <p>
          <a href="#/contacts">Back to the contacts</a>
        </p>
      </div>
    );
  }
  const c = contact.data;
  if (!c) return <p className="page muted">Loading…</p>;
  return (
    <div className="page contact-page">
      <header className="page-head">
        <div className="contact-head">
          <p className="crumbs">
            <a href="#/contacts">Contacts</a>
          </p>
          <h1 className="contact-key" data-testid="contact-key">
            {c.key}
          </h1>
          <p className="muted">
            {inSegments(c.segments.length)} · {c.eventCount === 0 ? "no events" : plural(c.eventCount, "event")}
          </p>
        </div>
        <button type="button" className="danger-text" onClick={() => setDeleting(true)} data-testid="delete-contact">
          Delete contact
        </button>
      </header>
      {deleting && <DeleteContactDialog contact={c} segments={segments.data} onClose={() => setDeleting(false)} />}
      {news && <WriteNews news={news} newsRef={newsRef} onClose={() => setNews(null)} />}
      <div className="contact-layout">
        {editing === "values" && schema ? (
          <section className="card" aria-labelledby="values-title">
            <h2 id="values-title">Edit values</h2>
            <ContactValuesForm
              contact={c}
              schema={schema}
              onSaved={(result, changed) => wrote(`Saved ${listed(changed)}.`, result)}
              onCancel={cancel}
            />
          </section>
        ) : (
          <ValuesCard contact={c} schema={schema} onEdit={schema ? () => (setNews(null), setEditing("values")) : null} />
        )}
        <div className="contact-side">
          <SegmentsCard contact={c} segments={segments} />
          <HistoryCard contact={c} segments={segments.data} />
        </div>
      </div>
      <EventsCard
        contact={c}
        schema={schema}
        recording={editing === "event"}
        onRecord={() => (setNews(null), setEditing("event"))}
        onRecorded={(result, name) => wrote(`Recorded a “${name}” event.`, result)}
        onCancel={cancel}
      />
    </div>
  );
}

/**
 * Asks before deleting the contact (it cannot be undone), then deletes it with its events — and, when asked
 * (an erasure request), its history — and goes back to the contacts, saying which segments it left.
 */
function DeleteContactDialog({ contact, segments, onClose }: { contact: ContactRecord; segments: readonly SegmentSummary[] | null; onClose(): void }) {
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [erase, setErase] = useState(false);
  const eraseNote = useId();
  const goneMeanwhile = error instanceof ApiError && error.kind === "unknown-keys";
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      const result = await deleteContacts([contact.key], { erase });
      const left = membershipNews({ inserted: 0, updated: 0, changes: result.changes }, segments).exited.map((s) => `“${s.name}”`);
      const quoting = result.erased?.segmentsQuoting.length ?? 0;
      // Navigated first: the toast is about the Contacts page it lands on (one shown before would go with the page left).
      navigate("/contacts");
      toast(
        `Deleted “${contact.key}”${result.events > 0 ? ` and its ${plural(result.events, "event")}` : ""}${result.erased ? ", and erased its history" : ""}${left.length > 0 ? `; it left ${listed(left)}` : ""}.` +
          (quoting > 0 ? ` ${plural(quoting, "segment")} still ${quoting === 1 ? "quotes" : "quote"} its key or a value in ${quoting === 1 ? "its definition" : "their definitions"}: edit ${quoting === 1 ? "it" : "them"}.` : ""),
      );
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };
  return (
    <Dialog
      title={`Delete “${contact.key}”?`}
      onClose={onClose}
      testId="delete-contact-dialog"
      actions={
        <>
          <button type="button" onClick={onClose} data-autofocus>
            {goneMeanwhile ? "Close" : "Cancel"}
          </button>
          {!goneMeanwhile && (
            <button type="button" className="danger" onClick={run} disabled={busy} data-testid="confirm-delete-contact">
              {busy ? "Deleting…" : erase ? "Delete and erase" : "Delete contact"}
            </button>
          )}
        </>
      }
    >
      <p>
        Its values{contact.eventCount > 0 ? ` and its ${plural(contact.eventCount, "event")}` : ""} go for good: this cannot be undone.
        {contact.segments.length > 0 ? ` It leaves the ${plural(contact.segments.length, "segment")} it is in (hand-picked lists too); the change feed says so.` : ""}
      </p>
      {!goneMeanwhile && (
        <div className="erase-option">
          <label className="check">
            <input type="checkbox" checked={erase} onChange={(e) => setErase(e.target.checked)} disabled={busy} aria-describedby={eraseNote} data-testid="erase-contact" /> Also erase its history (for an erasure request)
          </label>
          <p className="small muted" id={eraseNote}>
            Its past segment entries and exits stay in the change feed without its key, and imported rows that quoted it read “[erased]”: its history cannot be looked up again.
          </p>
        </div>
      )}
      {goneMeanwhile ? (
        <p className="problem" role="alert">
          This contact was deleted meanwhile.
        </p>
      ) : (
        <ProblemNote error={error} />
      )}
    </Dialog>
  );
}

/** What the last write of this page did: what was saved, the segments the contact entered and left. */
interface News {
  what: string;
  entered: NewsSegment[];
  exited: NewsSegment[];
}

/** `tenure`, `tenure and contract`, `tenure, contract and churn`. */
function listed(names: readonly string[]): string {
  return names.length <= 1 ? names.join("") : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

/** Segment names as links, joined as `listed` joins them. */
function segmentLinks(segments: readonly NewsSegment[]): ReactNode {
  return segments.map((s, i) => (
    <Fragment key={s.id}>
      {i === 0 ? "" : i === segments.length - 1 ? " and " : ", "}
      <a href={`#/segments/${s.id}`}>{s.name}</a>
    </Fragment>
  ));
}

/** The news of a write: it takes the focus, so it is read next. */
function WriteNews({ news, newsRef, onClose }: { news: News; newsRef: React.RefObject<HTMLDivElement | null>; onClose(): void }) {
  return (
    <div className="notice write-news" role="status" tabIndex={-1} ref={newsRef} data-testid="write-news">
      <p>
        <strong>{news.what}</strong>{" "}
        {news.entered.length === 0 && news.exited.length === 0 ? (
          <span data-testid="news-unchanged">Its segments did not change.</span>
        ) : (
          <>
            {news.entered.length > 0 && <span data-testid="news-entered">It entered {segmentLinks(news.entered)}. </span>}
            {news.exited.length > 0 && <span data-testid="news-exited">It left {segmentLinks(news.exited)}.</span>}
          </>
        )}
      </p>
      <button type="button" className="small" onClick={onClose} aria-label="Dismiss this note">
        Dismiss
      </button>
    </div>
  );
}

/** The page of a key that is no contact: says so, with the way back and a search for what was asked. */
function NoSuchContact({ contactKey }: { contactKey: string }) {
  return (
    <div className="page" role="alert" data-testid="no-such-contact">
      <p className="crumbs">
        <a href="#/contacts">Contacts</a>
      </p>
      <h1 className="contact-key">No contact <Quoted>{contactKey}</Quoted></h1>
      <p>No contact has this key: it may have been mistyped, or the contact is not in this database.</p>
      <p className="row">
        <a className="button primary" href="#/contacts">
          Back to the contacts
        </a>
        <a className="button" href={`#/contacts?search=${encodeURIComponent(contactKey.slice(0, 200))}`}>
          Search the contacts for <Quoted>{contactKey.length > 40 ? `${contactKey.slice(0, 40)}…` : contactKey}</Quoted>
        </a>
      </p>
    </div>
  );
}

/** `In 3 segments`, `In no segment`. */
function inSegments(n: number): string {
  return n === 0 ? "In no segment" : `In ${plural(n, "segment")}`;
}

// ---- values -----------------------------------------------------------------------------------------------

function isEmpty(v: unknown): boolean {
  return v === null || v === undefined || v === "" || (Array.isArray(v) && v.length === 0);
}

/**
 * How a field without a value is stored, in the words the contact form uses: no value (null, or missing),
 * empty text (`""`, from an import or the API), or an empty list (`[]`). They look alike, and segql's rules
 * treat them alike (`is empty` is true for each), but the form keeps them apart and so do the exports and
 * the API: a read view that lumped them under one "Empty" hid what an edit would keep.
 */
type EmptyKind = "no value" | "empty text" | "empty list";

function emptyKindOf(v: unknown): EmptyKind | null {
  if (v === null || v === undefined) return "no value";
  if (v === "") return "empty text";
  if (Array.isArray(v) && v.length === 0) return "empty list";
  return null;
}

/** The heading of each kind's line, in the order they are listed. */
const EMPTY_LABELS: readonly (readonly [EmptyKind, string])[] = [
  ["no value", "No value"],
  ["empty text", 'Empty text ""'],
  ["empty list", "Empty list"],
];

/** What segql's rules make of the kinds shown: "In rules, empty text counts as no value: `is empty` is true for both. …" */
function rulesNote(kinds: readonly EmptyKind[]): ReactNode {
  const others = kinds.filter((k) => k !== "no value").map((k) => (k === "empty list" ? "an empty list" : k));
  return (
    <>
      In rules, {listed(others)} {others.length > 1 ? "count" : "counts"} as no value: <code>is empty</code> is true for {others.length > 1 ? "each" : "both"}. Exports and
      the API keep {others.length > 1 ? "them" : "the two"} apart.
    </>
  );
}

/** The contact's values by field: those with a value in the schema's order, then the names of the empty ones, by how they are empty. */
function ValuesCard({ contact, schema, onEdit }: { contact: ContactRecord; schema: Schema | null; onEdit: (() => void) | null }) {
  const names = schema ? Object.keys(schema.fields).filter((f) => f !== schema.key) : Object.keys(contact.values);
  // A value the schema does not know (a column added since) is still shown.
  for (const f of Object.keys(contact.values)) if (!names.includes(f) && f !== schema?.key) names.push(f);
  const filled = names.filter((f) => !isEmpty(contact.values[f]));
  const empty = EMPTY_LABELS.map(([kind, label]) => ({ kind, label, fields: names.filter((f) => emptyKindOf(contact.values[f]) === kind) })).filter((g) => g.fields.length > 0);
  return (
    <section className="card" aria-labelledby="values-title">
      <div className="card-head">
        <h2 id="values-title">Values</h2>
        {onEdit && (
          <button type="button" className="small" onClick={onEdit} data-testid="edit-values">
            Edit values
          </button>
        )}
      </div>
      <dl className="contact-values" data-testid="contact-values">
        {filled.map((f) => (
          <div key={f} data-field={f}>
            <dt>
              {f} <span className="field-type">{schema?.fields[f]?.type ?? ""}</span>
            </dt>
            <dd>
              <FieldValue field={schema?.fields[f]} value={contact.values[f]} />
            </dd>
          </div>
        ))}
      </dl>
      {empty.length > 0 && (
        <div className="empty-fields" data-testid="empty-fields">
          {empty.map((g) => (
            <p key={g.kind} data-empty-kind={g.kind}>
              <span className="muted">
                {g.label} ({g.fields.length}):
              </span>{" "}
              {g.fields.join(", ")}
            </p>
          ))}
          {empty.some((g) => g.kind !== "no value") && (
            <p className="muted small" data-testid="empty-fields-rules">
              {rulesNote(empty.map((g) => g.kind))}
            </p>
          )}
        </div>
      )}
    </section>
  );
}

/** A value as its type reads: a date or an instant in words (UTC), a list as chips, true / false (as the rules write it), a number in full. */
function FieldValue({ field, value }: { field: FieldDef | undefined; value: unknown }): ReactNode {
  if (isEmpty(value)) return <span className="muted empty-value">empty</span>;
  const type = field?.type;
  if (Array.isArray(value)) {
    return (
      <ul className="chips-list value-chips">
        {value.map((v, i) => (
          <li key={i} className="chip value-chip">
            {/* As the form's chips say it: an empty item would be an empty chip. */}
            {v === "" ? <em className="muted">empty text</em> : String(v)}
          </li>
        ))}
      </ul>
    );
  }
  if (typeof value === "string" && (type === "date" || type === "timestamp")) {
    return (
      <time dateTime={value} title={value}>
        {type === "date" ? formatDay(`${value.slice(0, 10)}T00:00:00Z`) : formatInstant(value)}
      </time>
    );
  }
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") return <span className="num-value">{formatNumber(value)}</span>;
  if (typeof value === "object") return <code>{JSON.stringify(value)}</code>;
  return <span className="text-value">{String(value)}</span>;
}

// ---- segments and why -------------------------------------------------------------------------------------

/** The segments it is in now (each with Why?), and "Why not in …?" for the others. */
function SegmentsCard({ contact, segments }: { contact: ContactRecord; segments: Loaded<Segment[]> }) {
  const all = segments.data;
  const [asked, setAsked] = useState<SegmentSummary | null>(null);
  const selectId = useId();
  const inIds = new Set(contact.segments.map((s) => s.id));
  const kindOf = (id: number) => all?.find((s) => s.id === id)?.kind;
  const others = (all ?? []).filter((s) => !inIds.has(s.id));
  return (
    <>
      <section className="card" aria-labelledby="in-title">
        <h2 id="in-title">{inSegments(contact.segments.length)} now</h2>
        {contact.segments.length === 0 ? (
          <p className="muted">Not in any segment.</p>
        ) : (
          <ul className="contact-segments" data-testid="contact-segments">
            {contact.segments.map((s) => {
              const kind = kindOf(s.id);
              return (
                <li key={s.id} data-id={s.id}>
                  <a href={`#/segments/${s.id}`}>{s.name}</a>
                  {kind && <KindBadge kind={kind} />}
                  <button type="button" className="small" onClick={() => setAsked(s)} aria-label={`Why is it in ${isolate(s.name)}?`}>
                    Why?
                  </button>
                </li>
              );
            })}
          </ul>
        )}
      </section>
      <section className="card" aria-labelledby="why-not-title">
        <h2 id="why-not-title">Why not in …?</h2>
        <LoadProblem what="The saved segments" loaded={segments} />
        {all && others.length === 0 ? (
          <p className="muted">{all.length === 0 ? "No segments are saved yet." : "It is in every saved segment."}</p>
        ) : (
          <div className="row">
            <label htmlFor={selectId}>Segment</label>
            <select
              id={selectId}
              value={asked && !inIds.has(asked.id) ? String(asked.id) : ""}
              onChange={(e) => {
                const s = others.find((o) => String(o.id) === e.target.value);
                setAsked(s ? { id: s.id, name: s.name } : null);
              }}
              disabled={!all}
              data-testid="why-not-segment"
            >
              <option value="">{all ? `Pick one of the ${plural(others.length, "other segment")}…` : "Loading the segments…"}</option>
              {others.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
          </div>
        )}
        {asked && <WhyPanel contactKey={contact.key} segment={asked} kind={kindOf(asked.id)} />}
      </section>
    </>
  );
}

/** Why the contact is or is not in one segment (the server's explanation, shown as the segment page shows it). */
function WhyPanel({ contactKey, segment, kind }: { contactKey: string; segment: SegmentSummary; kind: Segment["kind"] | undefined }) {
  const why = useLoad((signal) => whySegment(segment.id, contactKey, signal), [segment.id, contactKey]);
  return (
    <div className="why-panel" aria-live="polite" data-testid="contact-why">
      <LoadProblem what="The explanation" loaded={why} />
      {why.loading && !why.data && <p className="muted small">Explaining…</p>}
      {why.data && why.data.segment?.id === segment.id && (
        <>
          <WhyResult why={why.data} segmentName={segment.name} />
          {kind === "static" && (
            <p className="muted small">
              <Quoted>{segment.name}</Quoted> is a static list: a contact is in it when someone picked it, not by rules. {why.data.matches ? "" : <a href={`#/segments/${segment.id}/edit`}>Edit the list</a>}
            </p>
          )}
          <p className="small">
            <a href={`#/segments/${segment.id}${kind === "dynamic" ? "?tab=definition" : ""}`}>Open <Quoted>{segment.name}</Quoted></a>
          </p>
        </>
      )}
    </div>
  );
}

// ---- segment history ------------------------------------------------------------------------------------

/**
 * When the contact entered and left each segment, newest first (the change feed's rows for it), 20 at a
 * time. Read again whenever the contact is (after an edit here, the new rows are on top).
 */
function HistoryCard({ contact, segments }: { contact: ContactRecord; segments: readonly SegmentSummary[] | null }) {
  const list = usePagedList(
    (cursor, signal) => contactChanges(contact.key, cursor === null ? null : Number(cursor), 20, signal).then((p) => ({ items: p.items, next: p.next === null ? null : String(p.next) })),
    (c) => c.seq,
    [contact],
  );
  const nameOf = (id: number) => segments?.find((s) => s.id === id)?.name;
  const { rows, next, more } = list;
  return (
    <section className="card" aria-labelledby="history-title" data-testid="contact-history">
      <h2 id="history-title">Segment history</h2>
      {rows === null ? (
        list.first.error ? <LoadProblem what="The segment history" loaded={list.first} /> : <p className="muted">Loading…</p>
      ) : rows.length === 0 ? (
        <p className="muted">It has not entered or left a segment yet.</p>
      ) : (
        <>
          <ul className="contact-history">
            {rows.map((c) => {
              const name = nameOf(c.segmentId);
              return (
                <li key={c.seq} data-testid="history-change" data-change={c.change} data-segment={c.segmentId}>
                  <span className={`badge ${c.change === "entered" ? "good" : "bad"}`}>{c.change === "entered" ? "Entered" : "Left"}</span>{" "}
                  {/* A deleted segment's page says whether it is in Recently deleted, with Restore. */}
                  {name !== undefined ? <a href={`#/segments/${c.segmentId}`}>{name}</a> : <a className="muted" href={`#/segments/${c.segmentId}`}>a deleted segment (#{c.segmentId})</a>}{" "}
                  <time className="muted small" dateTime={c.at} title={formatInstant(c.at)}>
                    {formatAge(c.at)}
                  </time>
                </li>
              );
            })}
          </ul>
          {next && (
            <div className="table-foot">
              {more.error ? (
                <LoadFailed what="Older changes" error={more.error} onRetry={list.loadMore} retrying={more.loading} testId="history-more-failed" />
              ) : (
                <button type="button" className="small" onClick={list.loadMore} disabled={more.loading} data-testid="history-more">
                  {more.loading ? "Loading…" : "Show older"}
                </button>
              )}
            </div>
          )}
        </>
      )}
    </section>
  );
}

// ---- events -------------------------------------------------------------------------------------------------

/** The contact's events, newest first: name, time, properties; the most recent 100, then older ones on demand. */
function EventsCard({
  contact,
  schema,
  recording,
  onRecord,
  onRecorded,
  onCancel,
}: {
  contact: ContactRecord;
  schema: Schema | null;
  recording: boolean;
  onRecord(): void;
  onRecorded(result: WriteResult, name: string): void;
  onCancel(): void;
}) {
  const ev = schema?.events;
  const [older, setOlder] = useState<{ items: Record<string, unknown>[]; next: string | null }>({ items: [], next: contact.eventsNext });
  const [more, setMore] = useState<{ loading: boolean; error: unknown }>({ loading: false, error: null });
  const olderRead = useRef(latestRead());
  // Another contact (or this one reloaded): start again from its recent events; older ones still loading
  // are the contact's before, stopped (as when the page is left).
  useEffect(() => {
    olderRead.current.stop();
    setOlder({ items: [], next: contact.eventsNext });
    setMore({ loading: false, error: null });
  }, [contact]);
  useEffect(() => () => olderRead.current.stop(), []);
  if (schema && !ev) return null;
  const events = [...contact.recentEvents, ...older.items];
  const showOlder = async () => {
    if (!older.next) return;
    setMore({ loading: true, error: null });
    try {
      const page = await contactEvents(contact.key, older.next, olderRead.current.next());
      setOlder((o) => ({ items: [...o.items, ...page.items], next: page.next }));
      setMore({ loading: false, error: null });
    } catch (error) {
      if (!wasStopped(error)) setMore({ loading: false, error });
    }
  };
  return (
    <section className="card" aria-labelledby="events-title">
      <div className="card-head">
        <div className="with-badge">
          <h2 id="events-title">Events</h2>
          <span className="muted small" data-testid="events-shown">
            {events.length === 0 ? "" : events.length < contact.eventCount ? `the ${formatCount(events.length)} most recent of ${formatCount(contact.eventCount)}` : "newest first"}
          </span>
        </div>
        {schema && ev && !recording && (
          <button type="button" className="small" onClick={onRecord} data-testid="record-event">
            Record an event
          </button>
        )}
      </div>
      {recording && schema && ev && <RecordEventForm contact={contact} schema={schema} onRecorded={onRecorded} onCancel={onCancel} />}
      {events.length === 0 ? (
        <p className="muted">No events recorded for this contact.</p>
      ) : (
        ev && (
          <div className="table-scroll">
            <table className="data-table events-table" data-testid="contact-events">
              <caption className="visually-hidden">Recent events of {isolate(contact.key)}</caption>
              <thead>
                <tr>
                  <th scope="col">Event</th>
                  <th scope="col">Time</th>
                  <th scope="col">Properties</th>
                </tr>
              </thead>
              <tbody>
                {events.map((e, i) => {
                  const time = String(e[ev.time] ?? "");
                  return (
                    <tr key={i}>
                      <td className="event-name">{String(e[ev.name] ?? "")}</td>
                      <td className="event-time">
                        <time dateTime={time} title={formatAge(time)}>
                          {formatInstant(time)}
                        </time>
                      </td>
                      <td>
                        <EventProperties properties={propertiesOf(e, ev)} defs={ev.properties} />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
            {older.next && (
              <div className="table-foot">
                {more.error ? (
                  <LoadFailed what="Older events" error={more.error} onRetry={showOlder} retrying={more.loading} testId="events-more-failed" />
                ) : (
                  <button type="button" onClick={showOlder} disabled={more.loading} data-testid="events-more">
                    {more.loading ? "Loading…" : `Show older events (${formatCount(contact.eventCount - events.length)} more)`}
                  </button>
                )}
              </div>
            )}
          </div>
        )
      )}
    </section>
  );
}

/** An event row's properties: those of its JSON column and those with a column of their own. */
function propertiesOf(row: Record<string, unknown>, ev: NonNullable<Schema["events"]>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const json = row[ev.propertiesColumn];
  if (json && typeof json === "object" && !Array.isArray(json)) Object.assign(out, json);
  for (const [k, v] of Object.entries(row)) if (k !== ev.contactKey && k !== ev.name && k !== ev.time && k !== ev.propertiesColumn) out[k] = v;
  return out;
}

function EventProperties({ properties, defs }: { properties: Record<string, unknown>; defs: Record<string, FieldDef> }) {
  const entries = Object.entries(properties).filter(([, v]) => !isEmpty(v));
  if (entries.length === 0) return <span className="muted">none</span>;
  return (
    <dl className="event-properties">
      {entries.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>
            <FieldValue field={defs[k]} value={v} />
          </dd>
        </div>
      ))}
    </dl>
  );
}
