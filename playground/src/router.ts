/**
 * Routing in the URL's hash (`#/playground?text=…`), so the app works from any static host and any path
 * with no server rewrite rules: the page is `index.html`, the route and its state follow `#`.
 * The app's pages and their patterns are in app.tsx.
 */
import { useEffect, useState } from "react";

/** A route: its path (`/playground`) and its query parameters. */
export interface Route {
  path: string;
  params: URLSearchParams;
}

/** The route in a hash (`#/playground?x=1`); the default path is `/`. */
export function parseHash(hash: string): Route {
  const h = hash.startsWith("#") ? hash.slice(1) : hash;
  const q = h.indexOf("?");
  const path = (q < 0 ? h : h.slice(0, q)) || "/";
  return { path: path.startsWith("/") ? path : `/${path}`, params: new URLSearchParams(q < 0 ? "" : h.slice(q + 1)) };
}

/** The hash of a route. */
export function formatHash(route: Route): string {
  const query = route.params.toString();
  return `#${route.path}${query ? `?${query}` : ""}`;
}

/** The current route, following hash changes (links, back and forward). */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseHash(window.location.hash));
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return route;
}

/** Replaces the current URL's route without a history entry or a hashchange (the view already shows it). */
export function replaceRoute(route: Route): void {
  const url = new URL(window.location.href);
  url.hash = formatHash(route);
  if (url.href !== window.location.href) window.history.replaceState(window.history.state, "", url.href);
}

/** Goes to a route (`/segments/12?tab=history`): a new history entry, or the current one replaced. */
export function navigate(pathAndQuery: string, replace = false): void {
  const url = new URL(window.location.href);
  url.hash = `#${pathAndQuery}`;
  if (replace) {
    window.history.replaceState(window.history.state, "", url.href);
    // replaceState fires no hashchange: tell the router.
    window.dispatchEvent(new HashChangeEvent("hashchange"));
  } else window.location.hash = `#${pathAndQuery}`;
}

/** The parameters of `path` for a pattern such as `/segments/:id/edit`, or null when it does not match. */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split("/");
  const a = path.replace(/\/+$/, "").split("/");
  if (p.length !== a.length) return null;
  const out: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    if (p[i]!.startsWith(":")) {
      if (a[i] === "") return null;
      out[p[i]!.slice(1)] = decodePart(a[i]!);
    } else if (p[i] !== a[i]) return null;
  }
  return out;
}

/**
 * A part of a path with its escapes decoded, as `decodeURIComponent` does; a `%` that starts no escape stays
 * as typed (`#/contacts/100%`, a key a person typed into the address) instead of throwing "URI malformed",
 * which left the whole app blank.
 */
function decodePart(part: string): string {
  return part.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}
