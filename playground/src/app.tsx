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
import { Component, lazy, Suspense, useEffect, useState, type ErrorInfo, type ReactNode } from "react";
import { matchPath, navigate, useRoute, type Route } from "./router.js";
import { ApiError, health, savedUser, saveUser } from "./segments/api.js";
import { TokenGate } from "./segments/token-gate.js";
import { ToastProvider } from "./segments/ui.js";

// Each part of the app loads when first shown: the playground's first load stays within its budget
// (no rule builder), and the segments pages do not load the playground's data worker.
const PlaygroundPage = lazy(() => import("./playground/page.js").then((m) => ({ default: m.PlaygroundPage })));
const SegmentsListPage = lazy(() => import("./segments/list-page.js").then((m) => ({ default: m.SegmentsListPage })));
const SegmentFormPage = lazy(() => import("./segments/form-page.js").then((m) => ({ default: m.SegmentFormPage })));
const ImportPage = lazy(() => import("./segments/import-page.js").then((m) => ({ default: m.ImportPage })));
const DeletedSegmentsPage = lazy(() => import("./segments/deleted-page.js").then((m) => ({ default: m.DeletedSegmentsPage })));
const SegmentPage = lazy(() => import("./segments/segment-page.js").then((m) => ({ default: m.SegmentPage })));
const ContactsPage = lazy(() => import("./segments/contacts-page.js").then((m) => ({ default: m.ContactsPage })));
const ContactPage = lazy(() => import("./segments/contact-page.js").then((m) => ({ default: m.ContactPage })));
const NewContactPage = lazy(() => import("./segments/contact-page.js").then((m) => ({ default: m.NewContactPage })));

/** A page of the app. */
interface RouteDef {
  pattern: string;
  title: (params: Record<string, string>) => string;
  /** The nav entry it belongs to. */
  section: "segments" | "contacts" | "import" | "playground";
  render(route: Route, params: Record<string, string>, dark: boolean): ReactNode;
}

const ROUTES: RouteDef[] = [
  { pattern: "/segments", section: "segments", title: () => "Segments", render: () => <SegmentsListPage /> },
  { pattern: "/segments/new", section: "segments", title: () => "New segment", render: (_r, _p, dark) => <SegmentFormPage key="new" id={null} dark={dark} /> },
  { pattern: "/segments/deleted", section: "segments", title: () => "Recently deleted", render: () => <DeletedSegmentsPage /> },
  { pattern: "/segments/:id/edit", section: "segments", title: () => "Edit segment", render: (_r, p, dark) => withSegmentId(p, (id) => <SegmentFormPage key={`edit-${id}`} id={id} dark={dark} />) },
  { pattern: "/segments/:id", section: "segments", title: () => "Segment", render: (r, p) => withSegmentId(p, (id) => <SegmentPage key={id} id={id} route={r} />) },
  { pattern: "/contacts", section: "contacts", title: () => "Contacts", render: (r) => <ContactsPage route={r} /> },
  { pattern: "/new-contact", section: "contacts", title: () => "New contact", render: () => <NewContactPage /> },
  { pattern: "/contacts/:key", section: "contacts", title: (p) => `Contact ${p["key"] ?? ""}`, render: (_r, p) => <ContactPage key={p["key"]} contactKey={p["key"] ?? ""} /> },
  { pattern: "/import", section: "import", title: () => "Import", render: (r) => <ImportPage route={r} /> },
  { pattern: "/playground", section: "playground", title: () => "Playground", render: (route, _p, dark) => <PlaygroundPage route={route} dark={dark} /> },
];

const NAV: { href: string; label: string; section: RouteDef["section"] }[] = [
  { href: "#/segments", label: "Segments", section: "segments" },
  { href: "#/contacts", label: "Contacts", section: "contacts" },
  { href: "#/import", label: "Import", section: "import" },
  { href: "#/playground", label: "Playground", section: "playground" },
];

/** A segment's page for an id in the address; an address that is no id (`#/segments/abc`) says so without asking the server. */
function withSegmentId(p: Record<string, string>, render: (id: number) => ReactNode): ReactNode {
  const raw = p["id"] ?? "";
  if (/^\d{1,15}$/.test(raw) && Number(raw) >= 1) return render(Number(raw));
  return (
    <div className="page" role="alert" data-testid="no-such-segment">
      <h1>No segment here</h1>
      <p>
        “{raw}” in the address is not a segment's number (a segment's page is #/segments/12). <a href="#/segments">Back to the segments</a>
      </p>
    </div>
  );
}

type Theme = "light" | "dark";

/**
 * A page's code that could not be downloaded (each page loads when first shown): the server stopped or the
 * network went away, not a bug. Chromium, Safari and Firefox word it differently.
 */
export function isChunkLoadError(error: Error): boolean {
  return /Failed to fetch dynamically imported module|Importing a module script failed|error loading dynamically imported module|Unable to preload CSS/i.test(error.message);
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
    if (isChunkLoadError(this.state.error)) {
      return (
        <div role="alert" className="page" data-testid="page-not-loaded">
          <div className="problem">
            <strong>This page could not be loaded: the server did not answer</strong>
            <span>Is segql serve still running? Reload once it is back. Your unsaved segment is kept in this tab: reloading brings it back.</span>
          </div>
          <button type="button" onClick={() => window.location.reload()}>
            Reload
          </button>
        </div>
      );
    }
    return (
      <div role="alert" className="pane">
        <h2>Something broke (a bug in the app; please report it)</h2>
        <pre>{this.state.error.message}</pre>
        <p className="muted small">Your unsaved segment is kept in this tab: reloading brings it back.</p>
        <button type="button" onClick={() => window.location.reload()}>
          Reload
        </button>
      </div>
    );
  }
}

function initialTheme(): Theme {
  const saved = window.localStorage.getItem("segql-theme");
  if (saved === "light" || saved === "dark") return saved;
  return window.matchMedia?.("(prefers-color-scheme: dark)").matches ? "dark" : "light";
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
      () => live && navigate("/segments", true),
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
  useEffect(() => {
    document.documentElement.dataset["theme"] = theme;
    window.localStorage.setItem("segql-theme", theme);
  }, [theme]);
  let page: { def: RouteDef; params: Record<string, string> } | null = null;
  for (const def of ROUTES) {
    const params = matchPath(def.pattern, route.path);
    if (params) {
      page = { def, params };
      break;
    }
  }
  const home = route.path === "/";
  useEffect(() => {
    document.title = page ? `segql · ${page.def.title(page.params)}` : home ? "segql" : "segql · not found";
  }, [page?.def, home]);
  const section = page?.def.section ?? null;
  return (
    <ToastProvider>
      <a className="skip-link" href="#main" onClick={(e) => {
        e.preventDefault();
        document.getElementById("main")?.focus();
      }}>
        Skip to the content
      </a>
      <header className="app-header">
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
        <button type="button" className="theme-toggle" onClick={() => setTheme(theme === "dark" ? "light" : "dark")} aria-pressed={theme === "dark"} data-testid="theme">
          Dark theme
        </button>
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
    </ToastProvider>
  );
}
