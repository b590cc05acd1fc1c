/**
 * The app shell: a header with the app's pages and the theme switch, and the page of the current route.
 *
 *   #/segments              the segments table            (needs the segments API: `segql serve`)
 *   #/segments/new          create a segment
 *   #/segments/deleted      recently deleted segments: restore, delete forever
 *   #/segments/:id          a segment: members, expression and SQL, why, history, activity
 *   #/segments/:id/edit     edit a segment
 *   #/contacts              the contacts: search, filter, sort, pages
 *   #/contacts/:key         a contact (key percent-encoded): values, segments, events, why not
 *   #/new-contact           a new contact: its key and values
 *   #/import                import contacts or events from a file
 *   #/playground            the playground (works anywhere, no server)
 *   #/                      the segments when the API answers, else the playground
 */
import { Component, lazy, Suspense, useEffect, useLayoutEffect, useRef, useState, type ComponentType, type ErrorInfo, type ReactNode } from "react";
import { focusHeadingWhenLost } from "./page-focus.js";
import { matchPath, navigate, useRoute, type Route } from "./router.js";
import { ApiError, contacts, CONTACTS_PAGE, getSegment, health, listSegments, prefetch, savedUser, saveUser, schemaDocument, SEGMENTS_FIRST_SORT, SEGMENTS_PAGE, segmentsForForm } from "./segments/api.js";
import { apiAnswered, TokenGate } from "./segments/token-gate.js";
import { isolate, PageTitleProvider, Quoted, ToastProvider } from "./segments/ui.js";

// Each part of the app loads when first shown: the playground's first load stays within its budget
// (no rule builder), and the segments pages do not load the playground's data worker.

/** A page's module: downloaded when first shown, or ahead by `startFirstScreen`; `loaded` once it is in. */
interface PageModule<M> {
  loaded: M | null;
  load(): Promise<M>;
}

function pageModule<M>(importIt: () => Promise<M>): PageModule<M> {
  const module: PageModule<M> = {
    loaded: null,
    // The browser imports a module once: a second call waits on the first download.
    load: () => importIt().then((m) => (module.loaded = m)),
  };
  return module;
}

/**
 * A page of a module, drawn at once when the module is already in (loaded ahead), else through `lazy`.
 * Why not `lazy` alone: its first render suspends even when the module is in, and React 19 then keeps the
 * fallback up for at least 300 ms (it throttles revealing suspended content) — on a cold load, longer than
 * the page's code and data take to arrive.
 */
function lazyPage<M, P extends object>(module: PageModule<M>, pick: (m: M) => ComponentType<P>): ComponentType<P> {
  const Lazy = lazy(() => module.load().then((m) => ({ default: pick(m) })));
  return function Page(props: P) {
    // Chosen once per page shown: switching from `Lazy` to the component would draw the page anew.
    const [Shown] = useState<ComponentType<P>>(() => (module.loaded ? pick(module.loaded) : Lazy));
    return <Shown {...props} />;
  };
}

const playgroundModule = pageModule(() => import("./playground/page.js"));
const listModule = pageModule(() => import("./segments/list-page.js"));
const formModule = pageModule(() => import("./segments/form-page.js"));
const importModule = pageModule(() => import("./segments/import-page.js"));
const deletedModule = pageModule(() => import("./segments/deleted-page.js"));
const segmentModule = pageModule(() => import("./segments/segment-page.js"));
const contactsModule = pageModule(() => import("./segments/contacts-page.js"));
const contactModule = pageModule(() => import("./segments/contact-page.js"));
const PlaygroundPage = lazyPage(playgroundModule, (m) => m.PlaygroundPage);
const SegmentsListPage = lazyPage(listModule, (m) => m.SegmentsListPage);
const SegmentFormPage = lazyPage(formModule, (m) => m.SegmentFormPage);
const ImportPage = lazyPage(importModule, (m) => m.ImportPage);
const DeletedSegmentsPage = lazyPage(deletedModule, (m) => m.DeletedSegmentsPage);
const SegmentPage = lazyPage(segmentModule, (m) => m.SegmentPage);
const ContactsPage = lazyPage(contactsModule, (m) => m.ContactsPage);
const ContactPage = lazyPage(contactModule, (m) => m.ContactPage);
const NewContactPage = lazyPage(contactModule, (m) => m.NewContactPage);

/** A page of the app. */
interface RouteDef {
  pattern: string;
  title: (params: Record<string, string>) => string;
  /** The nav entry it belongs to. */
  section: "segments" | "contacts" | "import" | "playground";
  render(route: Route, params: Record<string, string>, dark: boolean): ReactNode;
  /** Downloads the page's code. */
  load(): Promise<unknown>;
  /** The reads the page starts with, for `startFirstScreen` to ask ahead (those its address alone decides). */
  reads?: (params: Record<string, string>, query: URLSearchParams) => Promise<unknown>[];
}

const ROUTES: RouteDef[] = [
  { pattern: "/segments", section: "segments", title: () => "Segments", render: () => <SegmentsListPage />, load: listModule.load, reads: () => [firstSegmentsPage()] },
  { pattern: "/segments/new", section: "segments", title: () => "New segment", render: (_r, _p, dark) => <SegmentFormPage key="new" id={null} dark={dark} />, load: formModule.load, reads: () => [schemaDocument(), segmentsForForm()] },
  { pattern: "/segments/deleted", section: "segments", title: () => "Recently deleted", render: () => <DeletedSegmentsPage />, load: deletedModule.load },
  {
    pattern: "/segments/:id/edit",
    section: "segments",
    title: () => "Edit segment",
    render: (_r, p, dark) => withSegmentId(p, (id) => <SegmentFormPage key={`edit-${id}`} id={id} dark={dark} />),
    load: formModule.load,
    reads: (p) => (segmentIdOf(p) === null ? [] : [getSegment(segmentIdOf(p)!), schemaDocument(), segmentsForForm()]),
  },
  { pattern: "/segments/:id", section: "segments", title: () => "Segment", render: (r, p) => withSegmentId(p, (id) => <SegmentPage key={id} id={id} route={r} />), load: segmentModule.load, reads: (p) => (segmentIdOf(p) === null ? [] : [getSegment(segmentIdOf(p)!), schemaDocument()]) },
  { pattern: "/contacts", section: "contacts", title: () => "Contacts", render: (r) => <ContactsPage route={r} />, load: contactsModule.load, reads: (_p, q) => [schemaDocument(), ...(q.size === 0 ? [contacts({ limit: CONTACTS_PAGE })] : [])] },
  { pattern: "/new-contact", section: "contacts", title: () => "New contact", render: () => <NewContactPage />, load: contactModule.load, reads: () => [schemaDocument()] },
  { pattern: "/contacts/:key", section: "contacts", title: (p) => `Contact ${isolate(p["key"] ?? "")}`, render: (_r, p) => <ContactPage key={p["key"]} contactKey={p["key"] ?? ""} />, load: contactModule.load, reads: () => [schemaDocument()] },
  { pattern: "/import", section: "import", title: () => "Import", render: (r) => <ImportPage route={r} />, load: importModule.load },
  { pattern: "/playground", section: "playground", title: () => "Playground", render: (route, _p, dark) => <PlaygroundPage route={route} dark={dark} />, load: playgroundModule.load },
];

const NAV: { href: string; label: string; section: RouteDef["section"] }[] = [
  { href: "#/segments", label: "Segments", section: "segments" },
  { href: "#/contacts", label: "Contacts", section: "contacts" },
  { href: "#/import", label: "Import", section: "import" },
  { href: "#/playground", label: "Playground", section: "playground" },
];

/** The segment's number in an address's `:id`, or null when it is none (`#/segments/abc`). */
function segmentIdOf(p: Record<string, string>): number | null {
  const raw = p["id"] ?? "";
  return /^\d{1,15}$/.test(raw) && Number(raw) >= 1 ? Number(raw) : null;
}

/** A segment's page for an id in the address; an address that is no id (`#/segments/abc`) says so without asking the server. */
function withSegmentId(p: Record<string, string>, render: (id: number) => ReactNode): ReactNode {
  const raw = p["id"] ?? "";
  const id = segmentIdOf(p);
  if (id !== null) return render(id);
  return (
    <div className="page" role="alert" data-testid="no-such-segment">
      <h1>No segment here</h1>
      <p>
        <Quoted>{raw}</Quoted> in the address is not a segment's number (a segment's page is #/segments/12). <a href="#/segments">Back to the segments</a>
      </p>
    </div>
  );
}

/** The segments table's first page, as the table asks for it. */
const firstSegmentsPage = () => listSegments({ sort: SEGMENTS_FIRST_SORT, limit: SEGMENTS_PAGE });

/** The route of a path, with its parameters; null when no page has it. */
function routeOf(path: string): { def: RouteDef; params: Record<string, string> } | null {
  for (const def of ROUTES) {
    const params = matchPath(def.pattern, path);
    if (params) return { def, params };
  }
  return null;
}

/**
 * Starts at once, side by side, what the first screen would otherwise ask for one after another (the API's
 * health, then the page's code, then its data): the page's code, and for a segments page the health the
 * token gate waits on and the reads its address decides. The page's own calls then take these answers
 * (api.ts `prefetch`).
 *
 * `#/` becomes the segments table when the API answers, and the playground when nothing does (the build on
 * a static host, which has no /api): so it starts the table's code with the health, and the table's reads
 * only once the health has answered. A static host is asked for the health alone, not for data it cannot
 * serve (each a 404); with a server, the reads start while the table's code still downloads.
 */
export function startFirstScreen(route: Route): void {
  const home = route.path === "/";
  const page = home ? routeOf("/segments") : routeOf(route.path);
  if (!page) return;
  page.def.load().catch(() => {
    // The page's own import fails the same way and shows it.
  });
  if (page.def.section === "playground") return;
  const reads = () => page.def.reads?.(page.params, route.params) ?? [];
  if (home) prefetch(() => [health().then(() => prefetch(reads))]);
  else prefetch(() => [health(), ...reads()]);
}

type Theme = "light" | "dark";

/**
 * A page's code that could not be downloaded (each page loads when first shown): the server stopped or the
 * network went away, not a bug. Chromium, Safari and Firefox word it differently.
 */
export function isChunkLoadError(error: Error): boolean {
  return /Failed to fetch dynamically imported module|Importing a module script failed|error loading dynamically imported module|Unable to preload CSS/i.test(error.message);
}

/** The address of the page's code a chunk load error names (Chromium's and Firefox's messages do; Safari's does not). */
function chunkUrlOf(error: Error): string | null {
  return /(https?:\/\/\S+?\.js)\b/.exec(error.message)?.[1] ?? null;
}

/** Whether this tab holds a form the user has not saved (form-page.tsx keeps it as `segql-draft:…`). */
function hasUnsavedDraft(): boolean {
  for (let i = 0; i < window.sessionStorage.length; i++) if (window.sessionStorage.key(i)?.startsWith("segql-draft:")) return true;
  return false;
}

/**
 * Why a page's code did not download: the server is gone (the request fails), or it answers but no longer
 * has that file — segql was updated while the tab was open, and the new build's files have other names.
 * The two want different words: "is segql serve running?" sent people to check a server that was fine.
 */
function PageNotLoaded({ error }: { error: Error }) {
  const [updated, setUpdated] = useState(false);
  useEffect(() => {
    const url = chunkUrlOf(error);
    if (!url) return;
    let live = true;
    fetch(url, { cache: "no-store" }).then(
      (r) => live && setUpdated(r.status === 404),
      () => {},
    );
    return () => {
      live = false;
    };
  }, [error]);
  const draft = hasUnsavedDraft() ? " Your unsaved segment is kept in this tab: reloading brings it back." : "";
  return (
    <div role="alert" className="page" data-testid="page-not-loaded">
      {updated ? (
        <div className="problem">
          <strong>This page could not be loaded: segql was updated since this tab was opened</strong>
          <span>Reload to get the new version.{draft}</span>
        </div>
      ) : (
        <div className="problem">
          <strong>This page could not be loaded: the server did not answer</strong>
          <span>Is segql serve still running? Reload once it is back.{draft}</span>
        </div>
      )}
      <button type="button" onClick={() => window.location.reload()}>
        Reload
      </button>
    </div>
  );
}

/** Shows a page's crash (a bug) instead of a blank page, with a way back; a page that did not download says so. */
class PageErrorBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  override state = { error: null as Error | null };
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  override componentDidCatch(error: Error, info: ErrorInfo) {
    console.error("segql app:", error, info.componentStack);
  }
  override render() {
    if (!this.state.error) return this.props.children;
    if (isChunkLoadError(this.state.error)) return <PageNotLoaded error={this.state.error} />;
    return (
      <div role="alert" className="pane">
        <h2>Something broke (a bug in the app; please report it)</h2>
        <pre>{this.state.error.message}</pre>
        {hasUnsavedDraft() && <p className="muted small">Your unsaved segment is kept in this tab: reloading brings it back.</p>}
        <button type="button" onClick={() => window.location.reload()}>
          Reload
        </button>
      </div>
    );
  }
}

/** What the theme control offers: a theme kept whatever the system says, or Auto (the system's scheme). */
type ThemeOption = Theme | "system";

const THEME_OPTIONS: { value: ThemeOption; label: string; name: string; title?: string }[] = [
  { value: "light", label: "Light", name: "Light theme" },
  { value: "dark", label: "Dark", name: "Dark theme" },
  { value: "system", label: "Auto", name: "Auto: follow the system's theme", title: "Follow the light or dark setting of your system" },
];

/**
 * The theme: one choice of three (Light, Dark, Auto) as radio buttons drawn as a segmented control, so one
 * option is on at a time (two toggle buttons, Dark and Auto, both looked pressed in the dark theme with Auto
 * on) and the arrow keys move between them as in any radio group. Each option's name holds its visible word.
 */
function ThemeChoice({ choice, onChoose }: { choice: ThemeOption; onChoose(choice: ThemeOption): void }) {
  return (
    <div className="theme-choice" role="radiogroup" aria-label="Theme" data-testid="theme">
      {THEME_OPTIONS.map((o) => (
        <label key={o.value} className="theme-option" title={o.title}>
          <input type="radio" name="segql-theme" value={o.value} checked={choice === o.value} onChange={() => onChoose(o.value)} aria-label={o.name} data-testid={`theme-${o.value}`} />
          <span aria-hidden="true">{o.label}</span>
        </label>
      ))}
    </div>
  );
}

/** The theme picked with the control, if the person picked one (else the app follows the system's scheme). */
function pickedTheme(): Theme | null {
  const saved = window.localStorage.getItem("segql-theme");
  return saved === "light" || saved === "dark" ? saved : null;
}

const systemDark = () => window.matchMedia?.("(prefers-color-scheme: dark)");

function initialTheme(): Theme {
  return pickedTheme() ?? (systemDark()?.matches ? "dark" : "light");
}

/** The name changes are signed with (kept in each segment's history). */
function WhoAmI() {
  const [name, setName] = useState(savedUser);
  return (
    <label className="who">
      <span>Your name</span>
      <input
        type="text"
        value={name}
        size={12}
        maxLength={200}
        placeholder="for the history"
        onChange={(e) => {
          setName(e.target.value);
          saveUser(e.target.value);
        }}
        data-testid="who"
      />
    </label>
  );
}

/** `#/`: the segments when the API answers (or wants a token), else the playground (a static host has no API). */
function Home() {
  useEffect(() => {
    let live = true;
    health().then(
      () => {
        // The token gate of the segments page need not ask again.
        apiAnswered();
        if (live) navigate("/segments", true);
      },
      // A 401 is the API asking for a token (segql serve --token): the segments pages ask for it.
      (e: unknown) => live && navigate(e instanceof ApiError && e.status === 401 ? "/segments" : "/playground", true),
    );
    return () => {
      live = false;
    };
  }, []);
  return <p className="page muted">Loading…</p>;
}

export function App() {
  const route = useRoute();
  const [theme, setTheme] = useState<Theme>(initialTheme);
  // Whether a theme was picked (saved) or the app follows the system's scheme: the Auto switch shows it.
  const [followsSystem, setFollowsSystem] = useState(() => pickedTheme() === null);
  useEffect(() => {
    document.documentElement.dataset["theme"] = theme;
  }, [theme]);
  // Until the toggle picks a theme, follow the system's scheme as it changes (only a pick is saved: saving
  // the scheme the app started with would keep it after the system changed).
  useEffect(() => {
    const query = systemDark();
    if (!query) return;
    const follow = (e: MediaQueryListEvent) => {
      if (pickedTheme() === null) setTheme(e.matches ? "dark" : "light");
    };
    query.addEventListener("change", follow);
    return () => query.removeEventListener("change", follow);
  }, []);
  const pickTheme = (next: Theme) => {
    window.localStorage.setItem("segql-theme", next);
    setTheme(next);
    setFollowsSystem(false);
  };
  // Auto: the pick is forgotten and the theme is the system's again (and follows it). Without it a person
  // who once chose Dark could never get back to the system's scheme but by clearing the site's data.
  const followSystem = () => {
    window.localStorage.removeItem("segql-theme");
    setTheme(systemDark()?.matches ? "dark" : "light");
    setFollowsSystem(true);
  };
  // The sticky header's height, for what must fit under it (a long table's box: segments.css).
  const header = useRef<HTMLElement>(null);
  useLayoutEffect(() => {
    const el = header.current;
    if (!el) return;
    const measure = () => document.documentElement.style.setProperty("--app-header-h", `${el.offsetHeight}px`);
    measure();
    const resized = new ResizeObserver(measure);
    resized.observe(el);
    return () => resized.disconnect();
  }, []);
  const page = routeOf(route.path);
  const home = route.path === "/";
  // What the page shown calls itself (a segment's name), else its route's word.
  const [named, setNamed] = useState<string | null>(null);
  // Read on every route (not only when the page's kind changes): one contact's page leads to another's.
  const title = page ? `segql · ${named ?? page.def.title(page.params)}` : home ? "segql" : "segql · not found";
  useEffect(() => {
    document.title = title;
  }, [title]);
  const section = page?.def.section ?? null;
  // Going to another page takes away the link or button that had the focus: its h1 gets it (not the first load).
  // A layout effect: it runs in the commit that removed the old page, before a frame shows the focus on the body.
  const shownPath = useRef(route.path);
  useLayoutEffect(() => {
    const from = shownPath.current;
    shownPath.current = route.path;
    // The same page, or the home address handing over to its page as the app starts: nobody left anything.
    if (from === route.path || from === "/") return;
    const main = document.getElementById("main");
    return main ? focusHeadingWhenLost(main) : undefined;
  }, [route.path]);
  return (
    <ToastProvider>
      <PageTitleProvider value={setNamed}>
        <a className="skip-link" href="#main" onClick={(e) => {
          e.preventDefault();
          document.getElementById("main")?.focus();
        }}>
          Skip to the content
        </a>
        <header className="app-header" ref={header}>
          <a className="brand" href="#/" aria-label="segql home">
            <span className="brand-mark" aria-hidden="true">◆</span> segql
          </a>
          <nav aria-label="Pages">
            {NAV.map((n) => (
              <a key={n.href} href={n.href} aria-current={section === n.section ? "page" : undefined}>
                {n.label}
              </a>
            ))}
          </nav>
          {section !== null && section !== "playground" && <WhoAmI />}
          <ThemeChoice
            choice={followsSystem ? "system" : theme}
            onChoose={(c) => (c === "system" ? followSystem() : pickTheme(c))}
          />
        </header>
        <main id="main" tabIndex={-1} className={section === "playground" ? "wide-main" : undefined}>
          {page ? (
            // Keyed by the path: going to another page (the nav, Back) leaves an error behind rather than keeping it.
            <PageErrorBoundary key={route.path}>
              <Suspense fallback={<p className="page muted">Loading…</p>}>
                {page.def.section !== "playground" ? <TokenGate>{page.def.render(route, page.params, theme === "dark")}</TokenGate> : page.def.render(route, page.params, theme === "dark")}
              </Suspense>
            </PageErrorBoundary>
          ) : home ? (
            <Home />
          ) : (
            <p className="page">
              No page at {route.path}. Go to the <a href="#/segments">segments</a> or the <a href="#/playground">playground</a>.
            </p>
          )}
        </main>
      </PageTitleProvider>
    </ToastProvider>
  );
}
