/**
 * Create / edit a segment: name, description and the Dynamic segment switch.
 *
 * - Dynamic: the rule builder and the text editor side by side, kept in sync both ways. The text is the
 *   truth: a builder change becomes the smallest text edit (`editText`, comments and layout elsewhere
 *   stay), applied to the editor as one undoable change; every text change maps to the builder again.
 *   The problems the editor underlines (the same language service's diagnostics for the same text) are
 *   marked on the builder rows they concern (`placeDiagnostics`), with their fixes applied as the editor
 *   applies them.
 * - Static: the contact picker (search, filter, checkboxes, pages, "Select all matches", paste / upload).
 * - "Preview matching contacts"; "Create segment" / "Save" report the checker's errors in place, a name
 *   taken under the name, and a 412 as "changed by someone else since you opened it" with both versions.
 *   The form is kept as a draft in this tab (sessionStorage) until saved: a reload, a conflict or a crash
 *   loses nothing typed.
 */
import { useCallback, useEffect, useMemo, useRef, useState, type MouseEvent, type ReactNode } from "react";
import { applyFix } from "../../../src/codemirror/index.js";
import { editText, fromText, MAX_BUILDER_RULES, placeDiagnostics, ROOT_ID, singleChange, type BuilderGroup, type BuilderView } from "../../../src/querybuilder/index.js";
import type { Schema } from "../../../src/schema/schema.js";
import type { CodeAction, ServiceDiagnostic } from "../../../src/service/index.js";
import { Editor, type EditorHandle } from "../playground/editor.js";
import { navigate } from "../router.js";
import { SettledStatus } from "../settled-status.js";
import {
  addMembers,
  ApiError,
  createSegment,
  freeze,
  getSegment,
  keyBatches,
  latestRead,
  members as listMembers,
  preview as runPreview,
  removeMembers,
  rulesDiff,
  segmentsForForm,
  updateSegment,
  wasStopped,
  type ApiDiagnostic,
  type Preview,
  type RulesDiff,
  type Problem,
  type Segment,
} from "./api.js";
import { ConflictDialog, type Mine } from "./conflict-dialog.js";
import { ContactsGrid } from "./contacts-grid.js";
import { formatCount, lengthProblem, plural } from "./format.js";
import { PreviewPanel } from "./preview-panel.js";
import { RuleBuilder, type RowMark } from "./rule-builder.js";
import { EDITOR_URI, useSchema, useSegmentService } from "./schema.js";
import { PickSummary, StaticPicker, type Picks } from "./static-picker.js";
import { Dialog, isolate, isolateQuoted, LoadFailed, ProblemNote, Quoted, Switch, useLoad, useToast } from "./ui.js";

/** The form's content, kept as a draft. */
interface Draft {
  name: string;
  description: string;
  dynamic: boolean;
  text: string;
  picks: Picks;
  /** Edit of a static segment: members to remove. */
  removed: string[];
  /** The ETag the edit is based on (edit only). */
  etag: string | null;
}

const EMPTY_PICKS: Picks = { keys: [], filters: [], unknown: [] };

/**
 * A text this long or longer (thousands of conditions) is read again for the builder, its marks and the
 * draft once typing pauses for SETTLE_MS, not on every key: doing it per key made each key take a few
 * hundred milliseconds at 20–50 KB. A shorter text is followed at once.
 */
const LONG_TEXT = 4_000;
const SETTLE_MS = 300;

/**
 * `text`, or for a long one the text as it was when typing last paused. A short text sets no state: an
 * effect's state update on every key is what React 19 counts as a nested update while keys keep coming (its
 * work is left pending behind each key's render), and past 50 it throws "Maximum update depth exceeded" from
 * the next key's onChange, which loses that key (react/react#32714).
 */
function useSettledText(text: string): string {
  const long = text.length >= LONG_TEXT;
  // The long text as typing last paused; null until it first pauses (the last short text stands in).
  const [settled, setSettled] = useState<string | null>(null);
  const lastShort = useRef(text);
  if (!long) lastShort.current = text;
  useEffect(() => {
    // Back to short: forgotten once (not set on every key).
    if (!long) return void (settled !== null && setSettled(null));
    const t = window.setTimeout(() => setSettled(text), SETTLE_MS);
    return () => window.clearTimeout(t);
    // `settled` is read, not followed: the timer restarts with the text alone.
  }, [text, long]);
  return long ? (settled ?? lastShort.current) : text;
}

/** The longest name and description the server takes (`src/store/store.ts`). */
const MAX_NAME = 200;
const MAX_DESCRIPTION = 10_000;

function draftKey(id: number | null): string {
  return `segql-draft:${id ?? "new"}`;
}

function readDraft(id: number | null): Draft | null {
  try {
    const raw = window.sessionStorage.getItem(draftKey(id));
    return raw ? (JSON.parse(raw) as Draft) : null;
  } catch {
    return null;
  }
}

function draftOf(s: Segment, etag: string | null): Draft {
  return { name: s.name, description: s.description, dynamic: s.kind === "dynamic", text: s.expression ?? "", picks: EMPTY_PICKS, removed: [], etag };
}

function sameDraft(a: Draft, b: Draft): boolean {
  return JSON.stringify({ ...a, etag: null }) === JSON.stringify({ ...b, etag: null });
}

/** The filters of "select all matches" as one expression (each on lines of its own: a `--` comment cannot swallow the rest). */
function combined(filters: readonly string[]): string | undefined {
  if (filters.length === 0) return undefined;
  return filters.length === 1 ? filters[0] : filters.map((f) => `(\n${f}\n)`).join(" or ");
}

export function SegmentFormPage({ id, dark }: { id: number | null; dark: boolean }) {
  const { schema, error: schemaError } = useSchema();
  const loaded = useLoad(async () => (id === null ? null : getSegment(id)), [id]);
  const all = useLoad(() => segmentsForForm(), []);
  // The other segments too: until they are in, every `in segment "X"` read as an unknown segment, marked
  // as an error on its row (a slow list showed "3 errors" on a segment with none). A failed list is not waited on.
  const ready = schema !== null && (id === null || loaded.data !== null) && (all.data !== null || all.error !== null);
  if (schemaError) return <ProblemPage error={schemaError} />;
  if (id !== null && loaded.error && !loaded.data) return <ProblemPage error={loaded.error} />;
  if (!ready) return <p className="page muted">Loading…</p>;
  return <Form key={`${id}`} id={id} dark={dark} schema={schema} base={loaded.data?.body ?? null} baseEtag={loaded.data?.etag ?? null} others={all.data?.items ?? []} />;
}

/**
 * A name another segment has: which one, with a link to it (in a new tab: this form is unsaved), rather than
 * the server's 'the name "vip" is taken by segment #6 "VIP list" (…)', which named it but led nowhere.
 */
function nameTaken(e: ApiError): ReactNode {
  const existing = e.problem["existing"] as { id: number; name: string } | undefined;
  if (!existing) return e.problem.detail;
  return (
    <>
      Another segment is named <Quoted>{existing.name}</Quoted> (names are unique, ignoring case):{" "}
      <a href={`#/segments/${existing.id}`} target="_blank" rel="noopener">
        open it
      </a>
      , or pick another name.
    </>
  );
}

function ProblemPage({ error }: { error: unknown }) {
  return (
    <div className="page">
      <ProblemNote error={error}>
        <a href="#/segments">Back to the segments</a>
      </ProblemNote>
    </div>
  );
}

interface FormProps {
  id: number | null;
  dark: boolean;
  schema: Schema;
  base: Segment | null;
  baseEtag: string | null;
  others: Segment[];
}

function Form({ id, dark, schema, base, baseEtag, others }: FormProps) {
  const toast = useToast();
  const pristine = useMemo<Draft>(() => (base ? draftOf(base, baseEtag) : { name: "", description: "", dynamic: true, text: "", picks: EMPTY_PICKS, removed: [], etag: null }), [base, baseEtag]);
  const [restored] = useState(() => {
    const d = readDraft(id);
    return d && !sameDraft(d, pristine) ? d : null;
  });
  const [draft, setDraft] = useState<Draft>(restored ?? pristine);
  const [discarded, setDiscarded] = useState<string | null>(null);
  const [editorKey, setEditorKey] = useState(0);
  const editor = useRef<EditorHandle>(null);
  const builderCard = useRef<HTMLElement>(null);
  const service = useSegmentService(schema, others, id);

  // ---- the draft ----------------------------------------------------------------------------------------
  // A draft larger than the tab's storage (a pasted list of hundreds of thousands of keys) is not kept, and
  // the form says so; the quota error used to escape the effect and take the page down.
  const [draftNotKept, setDraftNotKeptState] = useState(false);
  // Set only when it changes: the draft is kept on every key, and a state update per key from that effect
  // lost keys typed fast (see useSettledText).
  const draftNotKeptNow = useRef(false);
  const setDraftNotKept = useCallback((notKept: boolean) => {
    if (draftNotKeptNow.current === notKept) return;
    draftNotKeptNow.current = notKept;
    setDraftNotKeptState(notKept);
  }, []);
  // The text the builder, its marks and the draft follow (a long text's once typing pauses).
  const settledText = useSettledText(draft.text);
  const keepDraft = useCallback(
    (d: Draft) => {
      if (sameDraft(d, pristine)) {
        window.sessionStorage.removeItem(draftKey(id));
        setDraftNotKept(false);
        return;
      }
      try {
        window.sessionStorage.setItem(draftKey(id), JSON.stringify(d));
        setDraftNotKept(false);
      } catch {
        window.sessionStorage.removeItem(draftKey(id));
        setDraftNotKept(true);
      }
    },
    [pristine, id, setDraftNotKept],
  );
  const latestDraft = useRef(draft);
  latestDraft.current = draft;
  useEffect(() => keepDraft({ ...latestDraft.current, text: settledText }), [draft.name, draft.description, draft.dynamic, draft.picks, draft.removed, draft.etag, settledText, keepDraft]);
  // The keys typed in the last pause of a long text are kept too when the page goes (a reload, a closed tab).
  useEffect(() => {
    const flush = () => latestDraft.current.text !== settledText && keepDraft(latestDraft.current);
    window.addEventListener("pagehide", flush);
    return () => window.removeEventListener("pagehide", flush);
  }, [settledText, keepDraft]);
  const patch = useCallback((p: Partial<Draft>) => setDraft((d) => ({ ...d, ...p })), []);
  const resetTo = (d: Draft) => {
    setDraft(d);
    setEditorKey((k) => k + 1);
  };

  // ---- builder ⇄ text -------------------------------------------------------------------------------------
  const built = useMemo(() => fromText(settledText, schema), [settledText, schema]);
  const lastGood = useRef<BuilderView | null>(null);
  if (built.ok) lastGood.current = built.view;
  // A long text typed since the builder last read it: the builder waits (its rows are of the text before).
  const catchingUp = settledText !== draft.text;
  const onBuilderChange = useCallback(
    (next: BuilderGroup) => {
      // An edit of rows read from an older text would be applied to the wrong places of the new one.
      if (!built.ok || built.view.text !== latestDraft.current.text) return;
      const r = editText(built.view, next, schema);
      if (r.text === built.view.text) return;
      const change = singleChange(built.view.text, r.text);
      if (editor.current) editor.current.applyChange(change);
      else patch({ text: r.text });
    },
    [built, schema, patch],
  );
  const onEditText = useCallback(
    (ruleId: string) => {
      const src = built.ok && built.view.text === latestDraft.current.text ? built.view.sources.get(ruleId) : undefined;
      if (src?.range) editor.current?.select(src.range[0], src.range[1]);
    },
    [built],
  );
  const onText = useCallback((text: string) => patch({ text }), [patch]);
  const noCursor = useCallback(() => undefined, []);

  // ---- the editor's problems on the builder's rows ----------------------------------------------------------
  // What the saved segments are (the service reads them for `in segment`), as a value that changes only when
  // they do: `others` is a new array on every render until it loads.
  const catalog = useMemo(() => JSON.stringify(others.map((s) => [s.id, s.kind, s.name, s.expression])), [others]);
  // The segments a builder rule may name: every other one (a segment reading itself is a cycle).
  const segmentNames = useMemo(() => others.filter((s) => s.id !== id).map((s) => s.name), [catalog, id]);
  const [checked, setChecked] = useState<{ text: string; diagnostics: ServiceDiagnostic[] } | null>(null);
  useEffect(() => {
    if (!draft.dynamic) return;
    // The editor's lint asks the same service about the same text (a no-op here when it already has it), so
    // the rows say what the underlines say. After useSegmentService's effect: the saved segments are in.
    service.setDocument(EDITOR_URI, settledText);
    setChecked({ text: settledText, diagnostics: service.diagnostics(EDITOR_URI) });
  }, [service, settledText, draft.dynamic, catalog]);
  const marks = useMemo(() => (built.ok && checked?.text === built.view.text ? marksOf(built.view, checked.diagnostics) : NO_MARKS), [built, checked]);
  const onFix = useCallback(
    (fix: CodeAction) => {
      const view = editor.current?.view();
      // A fix is for the text it was found in: none is applied to a text changed since.
      if (!view || !checked || view.state.doc.toString() !== checked.text) return;
      applyFix(view, fix);
      // The button goes with its mark (and often its row): the keyboard stays in the builder, not on the page.
      builderCard.current?.focus();
    },
    [checked],
  );

  // ---- preview --------------------------------------------------------------------------------------------
  const [preview, setPreview] = useState<{ result: Preview; text: string; diff: RulesDiff | null } | null>(null);
  // A preview's failure is about the text it was asked for: once the text changes, it no longer applies.
  const [previewError, setPreviewError] = useState<{ error: unknown; text: string } | null>(null);
  const [previewing, setPreviewing] = useState(false);
  // A preview still running when the text changes or the form is left is stopped, on the server too: its
  // answer would be about a text no longer there.
  const previewRead = useRef(latestRead());
  useEffect(() => previewRead.current.stop(), [draft.text]);
  useEffect(() => () => previewRead.current.stop(), []);
  const doPreview = async () => {
    // Busy rather than disabled while it runs (a disabled button drops the focus to the page's body).
    if (previewing) return;
    const signal = previewRead.current.next();
    setPreviewing(true);
    setPreviewError(null);
    const text = draft.text;
    try {
      const edited = base && base.kind === "dynamic" ? base : null;
      // Beside the counts on today's data, who enters and leaves by the rules alone (an edit of the rules only).
      const [result, diff] = await Promise.all([
        runPreview({ expression: text, limit: 10, conditionCounts: true, segmentId: edited?.id, impactKeys: 20 }, signal),
        edited && text !== edited.expression ? rulesDiff({ segmentId: edited.id }, { expression: text }, signal).catch(() => null) : Promise.resolve(null),
      ]);
      setPreview({ result, text, diff });
    } catch (e) {
      if (!wasStopped(e)) setPreviewError({ error: e, text });
    } finally {
      setPreviewing(false);
    }
  };

  // ---- save -----------------------------------------------------------------------------------------------
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<unknown>(null);
  const [nameError, setNameError] = useState<ReactNode>(null);
  // The server checker's findings on save are about the text that was sent: an edit since (the fix the list
  // suggested, say) takes them away rather than leaving "Not saved: unknown field" under a text without it.
  const [saveFindings, setSaveFindings] = useState<{ text: string; diagnostics: ApiDiagnostic[] } | null>(null);
  const diagnostics = saveFindings !== null && saveFindings.text === draft.text ? saveFindings.diagnostics : NO_DIAGNOSTICS;
  const [missing, setMissing] = useState<"name" | "rules" | null>(null);
  const nameInput = useRef<HTMLInputElement>(null);
  const [conflict, setConflict] = useState<Problem | null>(null);

  const mine: Mine = { name: draft.name.trim(), description: draft.description, expression: draft.dynamic ? draft.text : null };
  // The segment being edited was deleted meanwhile (the save's 404): the form offers to save it as a new one.
  const [gone, setGone] = useState(false);
  const save = async (etag: string | null = draft.etag, asNew = false) => {
    setSaving(true);
    setGone(false);
    setSaveError(null);
    setNameError(null);
    setSaveFindings(null);
    const sentText = draft.text;
    let memberNote = "";
    // Said on the saved segment's page (a toast is about the page it is shown on).
    let partly: string | null = null;
    try {
      let saved: Segment;
      if (base === null || asNew) {
        // A list longer than one request takes is created with its first batch, the rest added after.
        const [firstKeys, ...moreKeys] = keyBatches(draft.picks.keys);
        saved = (
          await createSegment(
            draft.dynamic
              ? { name: mine.name, description: mine.description, kind: "dynamic", expression: draft.text }
              : { name: mine.name, description: mine.description, kind: "static", members: firstKeys, freeze: combined(draft.picks.filters) },
          )
        ).body;
        if (!draft.dynamic && moreKeys.length > 0) {
          try {
            saved = { ...saved, memberCount: (await addMembers(saved.id, moreKeys.flat())).memberCount };
          } catch (e) {
            // The segment exists now: say what is missing on its page rather than offer a second create.
            const detail = e instanceof ApiError ? e.problem.detail : String(e);
            partly = `Created “${saved.name}” with its first ${formatCount(firstKeys!.length)} contacts; adding the other ${formatCount(moreKeys.flat().length)} failed (${detail}). Add them from its Edit page.`;
          }
        }
      } else {
        const changes: { name?: string; description?: string; expression?: string } = {};
        if (mine.name !== base.name) changes.name = mine.name;
        if (mine.description !== base.description) changes.description = mine.description;
        if (base.kind === "dynamic" && draft.text !== base.expression) changes.expression = draft.text;
        saved = Object.keys(changes).length > 0 ? (await updateSegment(base.id, changes, etag)).body : base;
        if (base.kind === "static") {
          // What the member edits did, for the toast: a picked contact may have been a member already (the
          // picker does not know the list), which "Saved" alone left unsaid.
          const did: string[] = [];
          if (draft.removed.length > 0) did.push(`${formatCount((await removeMembers(base.id, draft.removed)).changed)} removed`);
          if (draft.picks.keys.length > 0) {
            const added = await addMembers(base.id, draft.picks.keys);
            did.push(`${formatCount(added.changed)} added${added.unchanged > 0 ? ` (${plural(added.unchanged, "was already a member", "were already members")})` : ""}`);
          }
          const f = combined(draft.picks.filters);
          if (f !== undefined) did.push(`${formatCount((await freeze(base.id, f)).changed)} added by the filter`);
          if (did.length > 0) memberNote = `: ${did.join(", ")}`;
        }
      }
      window.sessionStorage.removeItem(draftKey(id));
      // The form's entry is replaced by the saved segment's page: Back does not reopen a form that looks unsaved.
      navigate(`/segments/${saved.id}`, true);
      // After the navigation: the toast is about the saved segment's page.
      if (partly !== null) toast(partly, "bad");
      toast(base && !asNew ? `Saved “${saved.name}”${memberNote}` : `Created “${saved.name}”`);
    } catch (e) {
      setSaving(false);
      if (!(e instanceof ApiError)) return setSaveError(e);
      if (e.kind === "stale-version") return setConflict(e.problem);
      if (e.status === 404 && base !== null && !asNew) return setGone(true);
      if (e.kind === "name-taken") return setNameError(nameTaken(e));
      // The checker's findings are listed beside the text (the footer only points there).
      if ((e.kind === "invalid-expression" || e.kind === "cycle") && Array.isArray(e.problem["diagnostics"])) return setSaveFindings({ text: sentText, diagnostics: e.problem["diagnostics"] as ApiDiagnostic[] });
      if (e.kind === "invalid-input" && Array.isArray(e.problem["problems"]) && (e.problem["problems"] as { path: string }[]).some((p) => p.path === "name")) return setNameError(e.problem.detail);
      setSaveError(e);
    }
  };

  // Too long for the server: said at the field as soon as it is (a paste), and nothing is sent.
  const nameTooLong = lengthProblem(mine.name, MAX_NAME, "A name");
  const descriptionTooLong = lengthProblem(mine.description, MAX_DESCRIPTION, "A description");
  const descriptionInput = useRef<HTMLTextAreaElement>(null);
  // Save stays enabled without a name or rules: a click says what is missing (a greyed-out button did not).
  const missingNow = mine.name === "" ? "name" : draft.dynamic && draft.text.trim() === "" ? "rules" : null;
  const submit = () => {
    if (saving) return;
    setMissing(missingNow);
    if (nameTooLong !== null) nameInput.current?.focus();
    else if (descriptionTooLong !== null) descriptionInput.current?.focus();
    else if (missingNow === "name") nameInput.current?.focus();
    else if (missingNow === "rules") builderCard.current?.focus();
    else void save();
  };
  const nameProblem = nameTooLong ?? nameError ?? (missing === "name" ? "Give the segment a name before saving." : null);
  const title = base ? `Edit “${base.name}”` : "Create a segment";

  // Cancel means "not this": the draft goes (it came back on the next "+ Create segment"), after asking when
  // something was typed. Other ways away (the nav, Back, a reload) keep it.
  const cancelHref = base ? `#/segments/${base.id}` : "#/segments";
  const [confirmCancel, setConfirmCancel] = useState(false);
  const discardAndLeave = () => {
    window.sessionStorage.removeItem(draftKey(id));
    navigate(cancelHref.slice(1));
  };
  const onCancel = (e: MouseEvent) => {
    if (e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey) return;
    e.preventDefault();
    if (sameDraft(draft, pristine)) discardAndLeave();
    else setConfirmCancel(true);
  };
  const keyField = schema.key;

  return (
    <form
      className="page form-page"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
      aria-labelledby="form-title"
      // The form says what is missing itself (under the name, in the rules), in the page's words and for screen readers.
      noValidate
    >
      <header className="page-head">
        <div>
          <p className="crumbs">
            <a href="#/segments">Segments</a>
            {base && (
              <>
                {" "}
                / <a href={`#/segments/${base.id}`}>{base.name}</a>
              </>
            )}
          </p>
          <h1 id="form-title">{isolateQuoted(title)}</h1>
        </div>
        <div className="row">
          <a className="button" href={cancelHref} onClick={onCancel} data-testid="cancel">
            Cancel
          </a>
          {/* Busy, not disabled, while saving (submit() ignores it then): a disabled button drops the focus, and
              the dialog a stale edit opens could not give it back. */}
          <button type="submit" className="primary" aria-disabled={saving} data-testid="save">
            {saving ? "Saving…" : base ? "Save" : "Create segment"}
          </button>
        </div>
      </header>

      {restored && (
        <div className="notice" role="status" data-testid="draft-restored">
          Your unsaved changes from earlier in this tab are back.
          <button type="button" className="small" onClick={() => resetTo(pristine)}>
            Discard them
          </button>
        </div>
      )}
      {draftNotKept && (
        <div className="notice" role="status" data-testid="draft-not-kept">
          This form is too large to keep as a draft in this tab: a reload would lose it. Save it to keep it.
        </div>
      )}
            {discarded !== null && (
        <div className="notice" role="status">
          Their version is in the form. Your expression, as you left it:
          <pre className="code small-code">{discarded}</pre>
          <button type="button" className="small" onClick={() => void navigator.clipboard?.writeText(discarded)}>
            Copy it
          </button>
          <button type="button" className="small" onClick={() => setDiscarded(null)}>
            Dismiss
          </button>
        </div>
      )}

      <section className="card details" aria-label="Name, description and type">
        <div className="field">
          <label htmlFor="segment-name">Name</label>
          <input
            id="segment-name"
            type="text"
            value={draft.name}
            ref={nameInput}
            onChange={(e) => {
              patch({ name: e.target.value });
              setNameError(null);
              if (missing === "name") setMissing(null);
            }}
            required
            aria-invalid={nameProblem !== null}
            aria-describedby={nameProblem !== null ? "name-error" : undefined}
            placeholder="e.g. Loyal fiber customers"
            data-testid="segment-name"
          />
          {nameProblem !== null && (
            <p id="name-error" className="field-error" role="alert" data-testid="name-error">
              {nameProblem}
            </p>
          )}
        </div>
        <div className="field">
          <label htmlFor="segment-description">Description</label>
          <textarea
            id="segment-description"
            ref={descriptionInput}
            rows={2}
            value={draft.description}
            onChange={(e) => patch({ description: e.target.value })}
            aria-invalid={descriptionTooLong !== null}
            aria-describedby={descriptionTooLong !== null ? "description-error" : undefined}
            placeholder="Who this is for and why (optional)"
            data-testid="segment-description"
          />
          {descriptionTooLong !== null && (
            <p id="description-error" className="field-error" role="alert" data-testid="description-error">
              {descriptionTooLong}
            </p>
          )}
        </div>
        <Switch
          checked={draft.dynamic}
          onChange={(dynamic) => patch({ dynamic })}
          label="Dynamic segment"
          description={draft.dynamic ? "Contacts join and leave as they meet the rules." : "A fixed list: the contacts you pick."}
          disabled={base !== null}
          testId="dynamic-switch"
        />
        {base && <p className="muted small">A saved segment keeps its type (a dynamic one becomes a static list with “Make static” on its page).</p>}
      </section>

      {draft.dynamic ? (
        <>
          <div className="rules-layout">
            <section className="card builder-card" aria-labelledby="builder-title" ref={builderCard} tabIndex={-1} data-testid="builder-card">
              <div className="card-head">
                <h2 id="builder-title">Rules</h2>
                <span className="muted small">Field · Operator · Value; groups in parentheses</span>
                <MarksSummary marks={marks} paused={built.ok ? null : pausedReason(built.reason)} />
              </div>
              {missing === "rules" && draft.text.trim() === "" && (
                <p className="field-error" role="alert" data-testid="rules-missing">
                  Add a rule (“+ Rule”) or type the rules in the text before saving.
                </p>
              )}
              {!built.ok && (
                // Not a live region: its reason changes with each key typed; MarksSummary says it once typing stops.
                <p className="notice small" data-testid="builder-paused">
                  {pausedReason(built.reason)}
                </p>
              )}
              {(built.ok ? built.view : lastGood.current) && (
                <div className={built.ok && !catchingUp ? undefined : "paused"} data-testid="builder" data-catching-up={catchingUp || undefined}>
                  <RuleBuilder
                    schema={schema}
                    query={(built.ok ? built.view : lastGood.current)!.query}
                    onChange={onBuilderChange}
                    onEditText={onEditText}
                    marks={marks}
                    onFix={onFix}
                    segments={segmentNames}
                    disabled={!built.ok || catchingUp}
                  />
                </div>
              )}
              {built.ok && built.view.query.rules.length === 0 && (
                <p className="muted small builder-empty">No rules yet: “+ Rule” adds a condition, “+ Group” a group of conditions (join groups with OR for “either this or that”).</p>
              )}
            </section>
            <section className="card editor-card" aria-labelledby="text-title">
              <div className="card-head">
                <h2 id="text-title">Text</h2>
                <button type="button" className="small" onClick={() => editor.current?.format()}>
                  Format
                </button>
              </div>
              <Editor
                key={editorKey}
                ref={editor}
                initialText={draft.text}
                schema={schema}
                service={service}
                uri={EDITOR_URI}
                dark={dark}
                onChange={onText}
                onCursor={noCursor}
                label="Segment rules as text (segql)"
                describedBy="text-help"
                placeholder={'Type the rules, e.g. contract = "Two year" and tenure > 24 — or build them with + Rule'}
              />
              <p id="text-help" className="muted small help">
                Ctrl-Space completes · errors are underlined (Ctrl-Shift-M lists them) · Esc then Tab leaves the editor
              </p>
              {diagnostics.length > 0 && (
                <div className="problem" role="alert" data-testid="save-diagnostics">
                  <strong>Not saved: the server's checker found {plural(diagnostics.filter((d) => d.severity === "error").length, "error")}</strong>
                  <ul>
                    {diagnostics.map((d, i) => (
                      <li key={i}>
                        <button type="button" className="link-button" onClick={() => editor.current?.select(d.start, d.end)}>
                          {d.line}:{d.column}
                        </button>{" "}
                        {d.message}
                      </li>
                    ))}
                  </ul>
                </div>
              )}
            </section>
          </div>
          <div className="preview-bar">
            <button type="button" className="primary-outline" onClick={doPreview} disabled={draft.text.trim() === ""} aria-disabled={previewing} data-testid="preview-button">
              {previewing ? "Previewing…" : "Preview matching contacts"}
            </button>
            <span className="muted small">Counts the contacts now{base ? ", and who would enter and leave" : ""}, without saving.</span>
            {/* The panel below appears (or changes) with the answer, which a screen reader would not say by itself:
                this region, there from the start, says the count when it comes. A failure is an alert of its own. */}
            <span className="visually-hidden" role="status" data-testid="preview-status">
              {previewing ? "Previewing…" : preview && preview.text === draft.text ? previewSaid(preview.result) : ""}
            </span>
          </div>
          <ProblemNote error={previewError !== null && previewError.text === draft.text ? previewError.error : null} />
          <PreviewPanel preview={preview?.result ?? null} rulesDiff={preview?.diff ?? null} forText={preview?.text ?? null} current={draft.text} keyField={keyField} loading={previewing} onSelect={(a, b) => editor.current?.select(a, b)} />
        </>
      ) : (
        <div className="static-layout">
          <div>
            {base && <CurrentMembers segment={base} keyField={keyField} removed={draft.removed} onRemoved={(removed) => patch({ removed })} />}
            <StaticPicker keyField={keyField} picks={draft.picks} onChange={(picks) => patch({ picks })} {...(base && base.kind === "static" ? { segmentId: base.id } : {})} />
          </div>
          <PickSummary picks={draft.picks} onChange={(picks) => patch({ picks })} title={base ? "To add on Save" : "Selected"} />
        </div>
      )}

      <ProblemNote error={saveError} />
      {gone && base && (
        <div className="problem" role="alert" data-testid="segment-gone">
          <strong>Not saved: <Quoted>{base.name}</Quoted> was deleted since you opened it</strong>
          <span>
            What you typed is still in the form (and kept in this tab): save it as a new segment, or restore <Quoted>{base.name}</Quoted> from{" "}
            <a href="#/segments/deleted">Recently deleted</a> ({base.kind === "static" ? "with its members" : "with its rules"}) and edit it again.
          </span>
          <div className="row">
            <button type="button" className="primary" onClick={() => void save(null, true)} disabled={saving} data-testid="save-as-new">
              Save as a new segment
            </button>
          </div>
        </div>
      )}
      {diagnostics.length > 0 && (
        <p className="problem" data-testid="save-diagnostics-pointer">
          <strong>Not saved.</strong> The rules have {plural(diagnostics.filter((d) => d.severity === "error").length, "error")}, listed under the text.
        </p>
      )}
      <div className="form-foot">
        <a className="button" href={cancelHref} onClick={onCancel}>
          Cancel
        </a>
        <button type="submit" className="primary" aria-disabled={saving} data-testid="save-bottom">
          {saving ? "Saving…" : base ? "Save" : "Create segment"}
        </button>
      </div>

      {confirmCancel && (
        <Dialog
          title="Discard your changes?"
          onClose={() => setConfirmCancel(false)}
          testId="discard-dialog"
          actions={
            <>
              <button type="button" onClick={() => setConfirmCancel(false)} data-autofocus>
                Keep editing
              </button>
              <button type="button" className="danger" onClick={discardAndLeave} data-testid="confirm-discard">
                Discard changes
              </button>
            </>
          }
        >
          <p>{isolateQuoted(`What you typed here is not saved${base ? ` (“${base.name}” stays as it is)` : ""}.`)}</p>
        </Dialog>
      )}
      {conflict && (
        <ConflictDialog
          problem={conflict}
          mine={mine}
          onKeepEditing={(current) => {
            setConflict(null);
            patch({ etag: `"v${current.version}"` });
          }}
          onTakeTheirs={(current) => {
            setConflict(null);
            if (draft.dynamic && draft.text !== current.expression) setDiscarded(draft.text);
            resetTo(draftOf(current, `"v${current.version}"`));
          }}
          onOverwrite={(current) => {
            setConflict(null);
            const etag = `"v${current.version}"`;
            patch({ etag });
            void save(etag);
          }}
        />
      )}
    </form>
  );
}

/** fromText's reason for an expression with more conditions than the builder shows (its count in group 1). */
const TOO_MANY_FOR_BUILDER = /^the expression has (\d+) conditions; .*$/;

const NO_MARKS: ReadonlyMap<string, readonly RowMark[]> = new Map();
const NO_DIAGNOSTICS: readonly ApiDiagnostic[] = [];

/** Problems about the whole document rather than a place in it: on the root group. */
/** What the preview's live region says when its answer comes: the count, and for an edit who would enter and leave. */
function previewSaid(p: Preview): string {
  const count = `Preview: ${formatCount(p.count)} matching ${p.count === 1 ? "contact" : "contacts"}`;
  return p.impact ? `${count}; ${formatCount(p.impact.entering)} would enter, ${formatCount(p.impact.leaving)} would leave.` : `${count}.`;
}

function wholeDocument(d: ServiceDiagnostic): boolean {
  return d.code === "internal" || d.code === "config" || d.code === "too-large";
}

/** The diagnostics of `view`'s text on the rows they concern. */
function marksOf(view: BuilderView, diagnostics: readonly ServiceDiagnostic[]): ReadonlyMap<string, readonly RowMark[]> {
  const placed = placeDiagnostics(view, diagnostics.filter((d) => !wholeDocument(d)));
  const whole = diagnostics.filter(wholeDocument);
  if (whole.length > 0) placed.set(ROOT_ID, [...whole, ...(placed.get(ROOT_ID) ?? [])]);
  return placed;
}

/** How many errors and warnings the builder marks, announced politely as they change. */
function MarksSummary({ marks, paused }: { marks: ReadonlyMap<string, readonly RowMark[]>; paused: string | null }) {
  let errors = 0;
  let warnings = 0;
  for (const list of marks.values()) {
    for (const m of list) {
      if (m.severity === "error") errors++;
      else if (m.severity === "warning") warnings++;
    }
  }
  const counted = [errors > 0 ? plural(errors, "error") : "", warnings > 0 ? plural(warnings, "warning") : ""].filter((x) => x !== "").join(" and ");
  // The marks change with each key typed in the text: said once typing stops, not key by key (the glyphs are not read).
  const said = paused ?? (counted !== "" ? `${counted} marked on the rules` : "");
  return (
    <>
      <span className="rb-summary" data-testid="builder-summary">
        {errors > 0 && (
          <span className="rb-summary-error">
            <span aria-hidden="true">✖</span> {plural(errors, "error")}
          </span>
        )}
        {errors > 0 && warnings > 0 && " · "}
        {warnings > 0 && (
          <span className="rb-summary-warning">
            <span aria-hidden="true">⚠</span> {plural(warnings, "warning")}
          </span>
        )}
        {errors + warnings > 0 && <span className="visually-hidden"> marked on the rules</span>}
      </span>
      <SettledStatus text={said} testId="builder-said" />
    </>
  );
}

/** Why the builder does not follow the text (it does not read as one condition, or has too many for it). */
function pausedReason(reason: string): string {
  return TOO_MANY_FOR_BUILDER.test(reason)
    ? `The builder shows up to ${formatCount(MAX_BUILDER_RULES)} conditions and ${reason.replace(TOO_MANY_FOR_BUILDER, (_, n: string) => `this expression has ${formatCount(Number(n))}`)}: edit it as text.`
    : `The builder follows the text once it reads as one condition: ${reason}.`;
}

/** A static segment's members, each removable (the removals are applied on Save). */
function CurrentMembers({ segment, keyField, removed, onRemoved }: { segment: Segment; keyField: string; removed: string[]; onRemoved(r: string[]): void }) {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors[cursors.length - 1] ?? null;
  const page = useLoad(() => listMembers(segment.id, { limit: 10, cursor }), [segment.id, cursor]);
  const gone = new Set(removed);
  return (
    <section className="card" aria-labelledby="current-title">
      <div className="card-head">
        <h2 id="current-title">Members now ({formatCount(segment.memberCount)})</h2>
        {removed.length > 0 && <span className="badge warn">{plural(removed.length, "member")} to remove on Save</span>}
      </div>
      {/* Not the rows of the page before under a failure: the failure, with Try again. */}
      {page.error ? (
        <LoadFailed what="The members" error={page.error} onRetry={page.reload} retrying={page.loading} />
      ) : page.data && page.data.items.length > 0 ? (
        <ContactsGrid
          rows={page.data.items}
          keyField={keyField}
          caption="Members now"
          maxColumns={6}
          struck={gone}
          action={(r) => {
            const k = String(r[keyField]);
            return gone.has(k) ? (
              <button type="button" className="small" onClick={() => onRemoved(removed.filter((x) => x !== k))}>
                Keep
              </button>
            ) : (
              <button type="button" className="small danger-text" onClick={() => onRemoved([...removed, k])} aria-label={`Remove ${isolate(k)}`}>
                Remove
              </button>
            );
          }}
        />
      ) : (
        page.data && <p className="muted">No members yet.</p>
      )}
      <div className="pager">
        <button type="button" onClick={() => setCursors((c) => c.slice(0, -1))} disabled={cursors.length === 1}>
          ← Previous
        </button>
        <button type="button" onClick={() => page.data?.next && setCursors((c) => [...c, page.data!.next])} disabled={!page.data?.next || Boolean(page.error)}>
          Next →
        </button>
      </div>
    </section>
  );
}
