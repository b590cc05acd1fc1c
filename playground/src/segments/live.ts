/**
 * Live membership: a long-poll loop on the change feed (`GET /api/changes?since=N&wait=S`, docs/api.md),
 * so a page shows who entered and left without a reload.
 *
 * One loop per hook (its effect's cleanup stops it, so a segment switched or a page left never leaves a
 * second one running): it starts from the feed's newest change, asks for changes after it, and hands each
 * non-empty page to `onChanges`. A full page (a backlog, as an import leaves) is not walked to its end: the
 * loop jumps to the newest change and says some were skipped, so the page reads afresh what it shows
 * rather than downloading thousands of changes. The server holds each request until a change is committed (or 25 s pass),
 * so an update arrives within moments and an idle page costs one request per 25 s. While the tab is hidden
 * the loop stops (its request is aborted) and picks up where it was when the tab shows again; a failed
 * request is tried again after 1, 2, 4 … 30 s.
 */
import { useEffect, useRef, useState } from "react";
import { savedToken, type MembershipChange } from "./api.js";

/** Seconds the server may hold a request (the API allows up to 60). */
const WAIT_SECONDS = 25;
/** The longest pause between attempts after failures (ms). */
const MAX_BACKOFF_MS = 30_000;
/** Changes per request; a page this full means a backlog, which is skipped. */
const PAGE = 1000;

/** What the loop is doing, for the page to say. */
export interface LiveStatus {
  /** "live": following; "paused": the tab is hidden; "retrying": the last request failed. */
  state: "live" | "paused" | "retrying";
  /** When the page last took in changes (or the loop started). */
  updatedAt: Date;
}

/** A GET of the API with a signal (the calls in api.ts cannot be aborted; a long poll must be). */
async function getJson<T>(path: string, query: Record<string, string | number | undefined>, signal: AbortSignal): Promise<T> {
  const url = new URL(`api${path}`, document.baseURI);
  for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
  const headers: Record<string, string> = { Accept: "application/json" };
  const token = savedToken();
  if (token) headers["Authorization"] = `Bearer ${token}`;
  const res = await fetch(url, { headers, signal });
  if (!res.ok) throw new Error(`${res.status} from ${path}`);
  return (await res.json()) as T;
}

/** The sequence number the loop starts after: the segment's newest change, or the whole feed's. */
async function startingPoint(segmentId: number | undefined, signal: AbortSignal): Promise<number> {
  if (segmentId === undefined) return (await getJson<{ lastChangeSeq: number }>("/health", {}, signal)).lastChangeSeq;
  const newest = await getJson<{ items: MembershipChange[] }>(`/segments/${segmentId}/changes`, { limit: 1 }, signal);
  return newest.items[0]?.seq ?? 0;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = window.setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (window.clearTimeout(t), resolve()), { once: true });
  });
}

/**
 * Follows the change feed of segment `target` ("all": of every segment; null: not now) while the component
 * is mounted, calling `onChanges` with each page of new changes (oldest first; `skipped`: later ones were
 * passed over, read afresh what you show). `onChanges` may change between renders; the loop calls the latest.
 */
export function useLiveChanges(target: number | "all" | null, onChanges: (changes: MembershipChange[], skipped: boolean) => void): LiveStatus {
  const [status, setStatus] = useState<LiveStatus>(() => ({ state: "live", updatedAt: new Date() }));
  const handler = useRef(onChanges);
  handler.current = onChanges;
  useEffect(() => {
    if (target === null) return;
    const segmentId = target === "all" ? undefined : target;
    const stop = new AbortController();
    let request: AbortController | null = null;
    // Resolves the pause of a hidden tab.
    let shown: (() => void) | null = null;
    const hidden = () => document.visibilityState === "hidden";
    const onVisibility = () => {
      if (hidden()) request?.abort();
      else shown?.();
    };
    document.addEventListener("visibilitychange", onVisibility);
    const set = (state: LiveStatus["state"], changed = false) => setStatus((s) => (s.state === state && !changed ? s : { state, updatedAt: changed ? new Date() : s.updatedAt }));
    void (async () => {
      let since: number | null = null;
      let failures = 0;
      while (!stop.signal.aborted) {
        if (hidden()) {
          set("paused");
          await new Promise<void>((resolve) => {
            shown = resolve;
            stop.signal.addEventListener("abort", () => resolve(), { once: true });
          });
          shown = null;
          continue;
        }
        request = new AbortController();
        const signal = AbortSignal.any([stop.signal, request.signal]);
        try {
          since ??= await startingPoint(segmentId, signal);
          const page: { items: MembershipChange[]; next: number } = await getJson("/changes", { since, segmentId, limit: PAGE, wait: WAIT_SECONDS }, signal);
          failures = 0;
          since = page.next;
          const skipped = page.items.length >= PAGE;
          if (skipped) since = await startingPoint(segmentId, signal);
          if (page.items.length > 0) handler.current(page.items, skipped);
          set("live", page.items.length > 0);
        } catch {
          // Stopped, or the tab was hidden (the loop pauses above): no failure.
          if (signal.aborted) continue;
          failures++;
          set("retrying");
          await pause(Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (failures - 1)), stop.signal);
        }
      }
    })();
    return () => {
      stop.abort();
      document.removeEventListener("visibilitychange", onVisibility);
    };
  }, [target]);
  return status;
}

/** "Live · updated 09:41:03" (or paused / reconnecting), the time in the browser's zone. */
export function liveText(status: LiveStatus): string {
  const time = status.updatedAt.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
  if (status.state === "paused") return `Paused while this tab is hidden · updated ${time}`;
  if (status.state === "retrying") return `Reconnecting… · updated ${time}`;
  return `Live · updated ${time}`;
}
