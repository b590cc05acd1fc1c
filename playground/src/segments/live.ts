/**
 * Live membership: a page follows the change feed (`GET /api/changes?since=N&wait=S`, docs/api.md), so it
 * shows who entered and left without a reload.
 *
 * One subscription per hook (its effect's cleanup ends it, so a segment switched or a page left never
 * leaves a second one running). Where the browser has BroadcastChannel, the tabs of the app
 * share one long poll (change-feed.ts: one tab leads, chosen by Web Locks or else over the channel, and hands the changes to the others; each keeps those
 * of the segment it shows), followed while any of them is shown. Elsewhere each page polls by itself, as
 * below: from the segment's (or the feed's) newest change, stopped while its tab is hidden (its request
 * aborted) and taken up where it was when the tab shows again. Either way a backlog (a full page, as an
 * import leaves) is skipped to the newest change and said, so the page reads afresh what it shows, and so is
 * a feed that ends before the position followed (a database restored from a backup: followed again from its
 * newest change); a failed request is tried again after 1, 2, 4 … 30 s. A segment's page reads afresh only
 * when the backlog touched its segment (`backlogTouches`): the shared poll follows every segment, and an
 * import into one made every open segment page read its count, members, feed and chart again. The feed is
 * read with the segments' refresh-status changes (a refresh that failed, or worked again: `onRefresh`), in
 * the same poll, so a page learns of a scheduled refresh that failed without a second request, and with the
 * segments' lifecycle (created, changed, deleted, restored: `onSegments`), so the segments table drops a
 * segment deleted elsewhere even when no member left with it.
 */
import { useEffect, useRef, useState } from "react";
import type { MembershipChange } from "./api.js";
import { backlogTouches, canShareFeed, followShared, handOut, pollFeed, type FeedListener, type FeedState, type RefreshChange, type SegmentLifecycle } from "./change-feed.js";

/** What the feed is doing, for the page to say. */
export interface LiveStatus {
  /** "live": following; "paused": the tab (every tab) is hidden; "retrying": the last request failed. */
  state: FeedState;
  /** When the page last took in changes (or the loop started). */
  updatedAt: Date;
}

/** This page's own poll (browsers without BroadcastChannel); returns the function that stops it. */
function followAlone(listener: FeedListener): () => void {
  const segmentId = listener.target === "all" ? undefined : listener.target;
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
  void (async () => {
    let since: number | null = null;
    while (!stop.signal.aborted) {
      if (hidden()) {
        listener.onState("paused");
        await new Promise<void>((resolve) => {
          shown = resolve;
          stop.signal.addEventListener("abort", () => resolve(), { once: true });
        });
        shown = null;
        continue;
      }
      request = new AbortController();
      since = await pollFeed({
        segmentId,
        since,
        signal: AbortSignal.any([stop.signal, request.signal]),
        onPage: (page) => {
          handOut(listener, page.items, page.skipped);
          listener.onState("live");
        },
        onFailure: () => listener.onState("retrying"),
      });
    }
  })();
  return () => {
    stop.abort();
    document.removeEventListener("visibilitychange", onVisibility);
  };
}

/**
 * Follows the change feed of segment `target` ("all": of every segment; null: not now) while the component
 * is mounted, calling `onChanges` with each page of new changes (oldest first; `skipped`: later ones were
 * passed over, read afresh what you show), and `onRefresh` with the segments whose refresh failed, or
 * succeeded after failing (a scheduled or import refresh too: nothing else tells the page), and
 * `onSegments` with the segments created, changed, deleted or restored (here or elsewhere). The callbacks
 * may change between renders; the latest are called.
 */
export function useLiveChanges(
  target: number | "all" | null,
  onChanges: (changes: MembershipChange[], skipped: boolean) => void,
  onRefresh: (changes: RefreshChange[]) => void = () => undefined,
  onSegments: (changes: SegmentLifecycle[]) => void = () => undefined,
): LiveStatus {
  const [status, setStatus] = useState<LiveStatus>(() => ({ state: "live", updatedAt: new Date() }));
  const handler = useRef(onChanges);
  handler.current = onChanges;
  const refreshHandler = useRef(onRefresh);
  refreshHandler.current = onRefresh;
  const segmentsHandler = useRef(onSegments);
  segmentsHandler.current = onSegments;
  useEffect(() => {
    if (target === null) return;
    const set = (state: FeedState, changed = false) => setStatus((s) => (s.state === state && !changed ? s : { state, updatedAt: changed ? new Date() : s.updatedAt }));
    const took = (changes: MembershipChange[], skipped: boolean) => {
      handler.current(changes, skipped);
      set("live", true);
    };
    // Ends the backlog checks of a page left (or switched to another segment).
    const leaving = new AbortController();
    const listener: FeedListener = {
      target,
      onChanges: (changes, skipped) => {
        // The table reads again every row shown after a backlog (list-page.tsx says why); a segment's page
        // only when the backlog touched its segment (changes of it in the page read say so at once).
        if (skipped === null || target === "all" || changes.length > 0) return took(changes, skipped !== null);
        void backlogTouches(skipped, target, leaving.signal).then((touched) => {
          if (leaving.signal.aborted) return;
          if (touched) took([], true);
          else set("live", true);
        });
      },
      onRefresh: (changes) => {
        refreshHandler.current(changes);
        set("live", true);
      },
      onSegments: (changes) => {
        segmentsHandler.current(changes);
        set("live", true);
      },
      onState: (state) => set(state),
    };
    const stop = canShareFeed() ? followShared(listener) : followAlone(listener);
    return () => {
      leaving.abort();
      stop();
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
