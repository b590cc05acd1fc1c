/**
 * Small building blocks of the segments pages: a modal dialog (focus moves in and back, Escape closes),
 * toasts announced to screen readers, an on/off switch, a problem note, a list's failed load with Try again,
 * badges, and a hook that loads data and reloads it on demand.
 */
import { createContext, useCallback, useContext, useEffect, useId, useLayoutEffect, useRef, useState, type ReactNode } from "react";
import { ApiError, readsStoppedBy } from "./api.js";
import { focusIsLost } from "../page-focus.js";
import { formatAge, formatInstant } from "./format.js";

// ---- names in sentences ---------------------------------------------------------------------------------

/**
 * A sentence whose “quoted” parts (the pages quote a segment's or contact's name so) are set in their own
 * direction, apart from the words around them, as <bdi> does; the text itself is unchanged. A right-to-left
 * name otherwise pulls a number after it into its run: "Saved “<Arabic name>”: 1 removed" was drawn with
 * the 1 before the name.
 */
/** A user-given name (a segment's, a contact's key, a value, a search) “quoted” inside a sentence, in its own direction. */
export function Quoted({ children }: { children: ReactNode }) {
  return (
    <>
      “<bdi>{children}</bdi>”
    </>
  );
}

export function isolateQuoted(text: ReactNode): ReactNode {
  if (typeof text !== "string" || !text.includes("“")) return text;
  return text.split(/(“[^”]*”)/).map((part, i) => (i % 2 === 1 ? <span key={i}>“<bdi>{part.slice(1, -1)}</bdi>”</span> : part));
}

/**
 * A sentence made as a string (`"<file> is empty: …"`) with the user-given `name` in it set apart (<bdi>),
 * in its own direction or in `dir` (a file's name: left to right, its extension at its end), the text
 * unchanged: a file named in Hebrew or Arabic kept the words and numbers after it in place only when its
 * extension, in Latin letters, happened to end it.
 */
export function isolateName(text: string, name: string, dir?: "ltr"): ReactNode {
  const at = name === "" ? -1 : text.indexOf(name);
  if (at < 0) return text;
  return (
    <>
      {text.slice(0, at)}
      <bdi dir={dir}>{name}</bdi>
      {text.slice(at + name.length)}
    </>
  );
}

/** `isolate` (format.ts) is the same for text that cannot hold markup: aria-labels, hidden captions, titles. */
export { isolate, isolateFileName } from "./format.js";

// ---- the page's title -----------------------------------------------------------------------------------

const PageTitleContext = createContext<(title: string | null) => void>(() => undefined);

/** Takes what the page shown calls itself (`usePageTitle`); the app puts it in `document.title`. */
export const PageTitleProvider = PageTitleContext.Provider;

/**
 * Names the page in the browser's tab, history and bookmarks (`segql · <title>`) while it is shown, in place
 * of its route's word: a segment's page said "segql · Segment" whichever segment it showed, so two tabs
 * of segments looked alike. Pass the user-given part isolated (`isolate`); null: the route's word.
 */
export function usePageTitle(title: string | null): void {
  const set = useContext(PageTitleContext);
  useEffect(() => {
    set(title);
    return () => set(null);
  }, [title, set]);
}

// ---- dialog ---------------------------------------------------------------------------------------------

export interface DialogProps {
  title: string;
  onClose(): void;
  children: ReactNode;
  /** The buttons row. */
  actions: ReactNode;
  wide?: boolean;
  testId?: string;
}

/**
 * A modal dialog: focus goes to its first control and back to where it was on close; Tab stays inside.
 * Escape and its own buttons close it; a click outside does not. Every dialog here confirms something or
 * holds what was typed, and a click on the backdrop is often not meant for it: the second click of a
 * double-click on the button that opened it lands there (the dialog opened under the pointer), and closed
 * it before it was seen.
 */
export function Dialog({ title, onClose, children, actions, wide, testId }: DialogProps) {
  const box = useRef<HTMLDivElement>(null);
  const titleId = useId();
  const close = useRef(onClose);
  close.current = onClose;
  // A layout effect: its cleanup gives the focus back before the dialog leaves the page (a passive one ran
  // after, with the focus on the body meanwhile, for a frame or more).
  useLayoutEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    // The element marked for it wins wherever it is (a selector list matches in document order: a checkbox
    // above a dialog's buttons would take the focus from its Cancel).
    const first = box.current?.querySelector<HTMLElement>("[data-autofocus]") ?? box.current?.querySelector<HTMLElement>("button, input, select, textarea, a[href]");
    first?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") {
        e.preventDefault();
        close.current();
      } else if (e.key === "Tab" && box.current) {
        const focusable = [...box.current.querySelectorAll<HTMLElement>("button:not(:disabled), input:not(:disabled), select:not(:disabled), textarea, a[href], [tabindex='0']")];
        if (focusable.length === 0) return;
        const i = focusable.indexOf(document.activeElement as HTMLElement);
        if (i < 0) {
          // The focus left the dialog's controls (the button that had it was disabled while it worked): back in.
          e.preventDefault();
          focusable[e.shiftKey ? focusable.length - 1 : 0]!.focus();
        } else if (e.shiftKey && i === 0) {
          e.preventDefault();
          focusable[focusable.length - 1]!.focus();
        } else if (!e.shiftKey && i === focusable.length - 1) {
          e.preventDefault();
          focusable[0]!.focus();
        }
      }
    };
    document.addEventListener("keydown", onKey);
    // A button that had the focus and is disabled while it works (Delete, while deleting) drops the focus to
    // the page's body, out of the dialog, where a screen reader reads from the top of the page: the dialog
    // keeps it. Taken as the render disables the button (a mutation seen before the next frame), else when
    // the browser blurs it (at its next rendering, after the render that disabled it).
    const dialog = box.current;
    const keep = (e: FocusEvent) => {
      if (e.relatedTarget !== null) return;
      // Chromium 150 blurs a focused button at once as it is disabled (before the mutation is seen, with the
      // focus already on the body): the dialog takes it in the same task, while the blur is handled.
      if (e.target instanceof HTMLElement && e.target.matches(":disabled") && dialog?.isConnected) {
        dialog.focus();
        return;
      }
      window.setTimeout(() => {
        if (dialog?.isConnected && focusIsLost()) dialog.focus();
      });
    };
    const disabled = new MutationObserver(() => {
      if (document.activeElement instanceof HTMLElement && document.activeElement.matches(":disabled") && dialog?.contains(document.activeElement)) dialog.focus();
    });
    if (dialog) disabled.observe(dialog, { subtree: true, attributes: true, attributeFilter: ["disabled"] });
    dialog?.addEventListener("focusout", keep);
    return () => {
      disabled.disconnect();
      dialog?.removeEventListener("focusout", keep);
      document.removeEventListener("keydown", onKey);
      before?.focus?.();
    };
  }, []);
  return (
    <div className="dialog-backdrop">
      <div ref={box} className={`dialog${wide ? " wide" : ""}`} role="dialog" aria-modal="true" aria-labelledby={titleId} tabIndex={-1} data-testid={testId}>
        <h2 id={titleId}>{isolateQuoted(title)}</h2>
        <div className="dialog-body">{children}</div>
        <div className="dialog-actions">{actions}</div>
      </div>
    </div>
  );
}

// ---- actions that send --------------------------------------------------------------------------------------

/**
 * Actions that send one request per intent: while `run(key, …)`'s promise is pending, another `run` with
 * the same key is ignored (a double-click is one intent) and `pending(key)` is true, for its button to be
 * disabled and say so. A ref decides, not the state alone: the second click may be handled before the
 * render that disables the button.
 */
export function usePending<K>() {
  const running = useRef(new Set<K>());
  const [pending, setPending] = useState<ReadonlySet<K>>(() => new Set());
  const run = useCallback(async (key: K, action: () => Promise<void>) => {
    if (running.current.has(key)) return;
    running.current.add(key);
    setPending(new Set(running.current));
    try {
      await action();
    } finally {
      running.current.delete(key);
      setPending(new Set(running.current));
    }
  }, []);
  return { pending: (key: K) => pending.has(key), run };
}

// ---- toasts ---------------------------------------------------------------------------------------------

interface Toast {
  id: number;
  text: ReactNode;
  tone: "good" | "bad";
  /** The page it was shown on (the hash's path, without ?tab= and such). */
  page: string;
}

/** The page of the address now: the hash's path (`/segments/12`), its tab or search aside. */
const pageNow = () => window.location.hash.replace(/^#/, "").split("?")[0] || "/";

const ToastContext = createContext<(text: ReactNode, tone?: "good" | "bad") => void>(() => undefined);

/**
 * Provides `useToast()`; shows the messages in a polite live region, each at most a few lines high (a long
 * name covered the rows' buttons; the whole text stays for screen readers). A toast is about the page it
 * was shown on: going to another page takes it away. One that announces where an action goes ("Duplicated
 * as …", then its page) is shown after the `navigate()` there, so it belongs to that page.
 */
export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const next = useRef(0);
  const show = useCallback((text: ReactNode, tone: "good" | "bad" = "good") => {
    const id = ++next.current;
    setToasts((t) => [...t, { id, text, tone, page: pageNow() }]);
    window.setTimeout(() => setToasts((t) => t.filter((x) => x.id !== id)), 6000);
  }, []);
  useEffect(() => {
    const left = () => setToasts((t) => (t.some((x) => x.page !== pageNow()) ? t.filter((x) => x.page === pageNow()) : t));
    window.addEventListener("hashchange", left);
    return () => window.removeEventListener("hashchange", left);
  }, []);
  return (
    <ToastContext.Provider value={show}>
      {children}
      <div className="toasts" role="status" aria-live="polite">
        {toasts.map((t) => (
          <div key={t.id} className={`toast ${t.tone}`} data-testid="toast">
            <span className="toast-text">{isolateQuoted(t.text)}</span>
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}

/** Shows a short message at the corner of the page. */
export function useToast() {
  return useContext(ToastContext);
}

// ---- controls ---------------------------------------------------------------------------------------------

/** An on/off switch (a button with role switch), labelled. */
export function Switch({ checked, onChange, label, description, disabled, testId }: { checked: boolean; onChange(v: boolean): void; label: string; description?: string; disabled?: boolean; testId?: string }) {
  const id = useId();
  return (
    <div className="switch-row">
      <button type="button" role="switch" id={id} aria-checked={checked} className="switch" onClick={() => onChange(!checked)} disabled={disabled} data-testid={testId} aria-describedby={description ? `${id}-d` : undefined}>
        <span className="switch-knob" aria-hidden="true" />
      </button>
      <label htmlFor={id} className="switch-label">
        {label}
      </label>
      {description && (
        <span id={`${id}-d`} className="muted small">
          {description}
        </span>
      )}
    </div>
  );
}

/** `Static` / `Dynamic` */
export function KindBadge({ kind }: { kind: "static" | "dynamic" }) {
  return <span className={`badge ${kind}`}>{kind === "static" ? "Static" : "Dynamic"}</span>;
}

/** A problem the server sent (or a failure), with its detail; `role=alert` so it is announced. */
export function ProblemNote({ error, children }: { error: unknown; children?: ReactNode }) {
  if (!error) return null;
  const text = error instanceof ApiError ? error.problem.detail : error instanceof Error ? error.message : String(error);
  return (
    <div className="problem" role="alert">
      <strong>{error instanceof ApiError ? error.problem.title : "Something went wrong"}</strong>
      <span>{isolateQuoted(text)}</span>
      {children}
    </div>
  );
}

/**
 * What a list shows in place of its rows when loading them failed: that they could not be loaded, the
 * server's reason, and Try again, which repeats the same request. In place of, not above: rows of an
 * earlier request under an error read as the answer to this one.
 */
export function LoadFailed({ what, error, onRetry, retrying, testId = "load-failed" }: { what: string; error: unknown; onRetry(): void; retrying: boolean; testId?: string }) {
  if (!error) return null;
  const reason = error instanceof ApiError ? `${error.problem.title}: ${error.problem.detail}` : error instanceof Error ? error.message : String(error);
  return (
    <div className="load-failed" role="alert" data-testid={testId}>
      <p>
        <strong>{isolateQuoted(what)} could not be loaded.</strong> <span className="load-failed-reason">{isolateQuoted(reason)}</span>
      </p>
      <button type="button" onClick={onRetry} disabled={retrying}>
        {retrying ? "Trying again…" : "Try again"}
      </button>
    </div>
  );
}

/**
 * What went wrong with a load shown where its result would be: a failure that may pass (no answer, a
 * server error) with Try again (`LoadFailed`); a refusal (4xx) as the problem it is, which trying again
 * would not change.
 */
export function LoadProblem({ what, loaded, testId }: { what: string; loaded: Loaded<unknown>; testId?: string }) {
  const e = loaded.error;
  if (!e) return null;
  const mayPass = !(e instanceof ApiError) || e.problem.type === "urn:segql:problem:network" || e.status >= 500;
  return mayPass ? <LoadFailed what={what} error={e} onRetry={loaded.reload} retrying={loaded.loading} testId={testId} /> : <ProblemNote error={e} />;
}

// ---- data -------------------------------------------------------------------------------------------------

/** The state of something loading. */
export interface Loaded<T> {
  data: T | null;
  error: unknown;
  loading: boolean;
  reload(): void;
}

/**
 * Loads `load()` now and whenever `deps` change or `reload()` is called; the last answer wins. A load that is
 * no longer wanted (asked again, or its page gone) is stopped: its reads are aborted (api.ts
 * `readsStoppedBy`; `signal` for those it starts after an await) and nothing of it is shown.
 */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data: T | null; error: unknown; loading: boolean }>({ data: null, error: null, loading: true });
  const [tick, setTick] = useState(0);
  const run = useRef(0);
  useEffect(() => {
    const id = ++run.current;
    const reads = new AbortController();
    const wanted = () => id === run.current && !reads.signal.aborted;
    setState((s) => ({ ...s, loading: true }));
    readsStoppedBy(reads.signal, () => load(reads.signal)).then(
      (data) => wanted() && setState({ data, error: null, loading: false }),
      (error: unknown) => wanted() && setState((s) => ({ data: s.data, error, loading: false })),
    );
    return () => reads.abort();
    // `load` is a new function each render; `deps` say when to load again.
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

/** When, as an age with the exact instant on hover, and by whom (a table's "last updated" or "deleted" cell). */
export function AgeBy({ at, by }: { at: string; by: string | null }) {
  return (
    <>
      <time dateTime={at} title={formatInstant(at)}>
        {formatAge(at)}
      </time>
      {by && <span className="muted small"> by {by}</span>}
    </>
  );
}

/**
 * "A segment was added elsewhere. Show it": segments another tab, the CLI or the API made or deleted, said
 * rather than slipped in among the rows being read. Its live region is on the page from the start: text
 * arriving with a new `role=status` is not said by screen readers.
 */
export function ElsewhereNotice({ count, what, onShow, testId }: { count: number; what: "added" | "deleted"; onShow: () => void; testId: string }) {
  return (
    <div role="status">
      {count > 0 && (
        <p className="notice" data-testid={testId}>
          {count === 1 ? `A segment was ${what} elsewhere.` : `${count} segments were ${what} elsewhere.`}{" "}
          <button type="button" className="small" onClick={onShow}>
            {count === 1 ? "Show it" : "Show them"}
          </button>
        </p>
      )}
    </div>
  );
}
