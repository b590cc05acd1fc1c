/**
 * The app shell: a header with the app's pages and the theme switch, and the page of the current route.
 * The segments pages (issue 13) add entries to `ROUTES`.
 */
import { Component, useEffect, useState, type ErrorInfo, type ReactNode } from "react";
import { PlaygroundPage } from "./playground/page.js";
import { useRoute, type Route } from "./router.js";

/** A page of the app. */
interface RouteDef {
  path: string;
  title: string;
  render(route: Route, dark: boolean): ReactNode;
}

const ROUTES: RouteDef[] = [{ path: "/playground", title: "Playground", render: (route, dark) => <PlaygroundPage route={route} dark={dark} /> }];

type Theme = "light" | "dark";

/** Shows a page's crash (a bug) instead of a blank page, with a way back. */
class PageErrorBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  override state = { error: null as Error | null };
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  override componentDidCatch(error: Error, info: ErrorInfo) {
    console.error("segql playground:", error, info.componentStack);
  }
  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <div role="alert" className="pane">
        <h2>Something broke (a bug in the playground; please report it)</h2>
        <pre>{this.state.error.message}</pre>
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

export function App() {
  const route = useRoute();
  const [theme, setTheme] = useState<Theme>(initialTheme);
  useEffect(() => {
    document.documentElement.dataset["theme"] = theme;
    window.localStorage.setItem("segql-theme", theme);
  }, [theme]);
  const page = ROUTES.find((r) => r.path === route.path) ?? (route.path === "/" ? ROUTES[0]! : null);
  useEffect(() => {
    document.title = page ? `segql · ${page.title}` : "segql · not found";
  }, [page]);
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to the content
      </a>
      <header className="app-header">
        <span className="brand">segql</span>
        <nav aria-label="Pages">
          {ROUTES.map((r) => (
            <a key={r.path} href={`#${r.path}`} aria-current={page === r ? "page" : undefined}>
              {r.title}
            </a>
          ))}
        </nav>
        <button type="button" className="theme-toggle" onClick={() => setTheme(theme === "dark" ? "light" : "dark")} aria-pressed={theme === "dark"} data-testid="theme">
          Dark theme
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {page ? (
          <PageErrorBoundary>{page.render(route, theme === "dark")}</PageErrorBoundary>
        ) : (
          <p>
            No page at {route.path}. Go to the <a href="#/playground">playground</a>.
          </p>
        )}
      </main>
    </>
  );
}
