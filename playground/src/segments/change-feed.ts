/**
 * Following the change feed (`GET /api/changes?since=N&wait=S`, docs/api.md): the long-poll loop, and one
 * loop per browser shared by every tab of the app.
 *
 * Why shared: `segql serve` speaks HTTP/1.1, where a browser opens at most 6 connections to a host. A poll
 * per tab held one for up to 25 s, so with six windows of the app open a seventh's requests (its code, its
 * data) queued until a poll returned. Now the tabs elect a leader with the Web Locks API (the lock is
 * granted to one tab at a time, and freed when that tab closes or crashes), or where there are none (a page
 * not served from a secure context, such as a LAN server on plain HTTP) by an election over a
 * BroadcastChannel (feed-leader.ts: heartbeats, taken over within seconds); the leader polls the whole feed
 * and hands each page to the other tabs over a BroadcastChannel, and each tab keeps the changes of the
 * segment it shows. Every tab notes the feed position the leader reached, so a tab that becomes leader
 * resumes from there: no change is lost, and none is shown twice (a tab also drops changes it has seen).
 * Only a tab that is shown and follows the feed asks for the lock, and the leader lets it go when its tab
 * is hidden: the feed is followed while any tab following it is shown, and not at all while all are hidden
 * (they catch up when one shows again).
 *
 * A database restored from a backup (or made again) has its feed end before the position the tabs hold: the
 * API refuses such a cursor (400, `cursor_ahead`, with the feed's `lastChangeSeq`). The loop starts over
 * from that position and says so as a skip, so the pages read afresh what they show (it was "Reconnecting…"
 * for ever, every request refused).
 */
import type { RefreshChangeJson, SegmentLifecycleChangeJson } from "../../../src/server/schemas.js";
import { savedToken, type MembershipChange } from "./api.js";
import { canElectLeader, feedLeadership } from "./feed-leader.js";

/**
 * A segment's refresh status changed (a refresh failed, or succeeded after failing): the feed's
 * segment-level item, asked for with `include=refresh` (docs/api.md), so that a page showing the segment
 * learns of a scheduled or import refresh that failed, or of the one that fixed it, without a reload.
 */
export type RefreshChange = RefreshChangeJson;

/**
 * A segment was created, changed (renamed…), deleted or restored: the feed's lifecycle item, asked for with
 * `include=segments` (docs/api.md), so that the segments table learns of a segment deleted elsewhere while
 * nobody was in it (no member left: the membership changes said nothing), renamed or added.
 */
export type SegmentLifecycle = SegmentLifecycleChangeJson;

/** An item of the feed as the app reads it: a membership change, a segment's refresh-status change or its lifecycle. */
export type FeedItem = MembershipChange | RefreshChange | SegmentLifecycle;

/** Whether `item` is a refresh-status change (told apart by `change`, as the API documents). */
export function isRefreshChange(item: FeedItem): item is RefreshChange {
  return item.change === "refresh-failed" || item.change === "refresh-ok";
}

/** Whether `item` is a segment's lifecycle change (`segment-created`, `-updated`, `-deleted`, `-restored`). */
export function isSegmentLifecycle(item: FeedItem): item is SegmentLifecycle {
  return item.change.startsWith("segment-");
}

/** Seconds the server may hold a request (the API allows up to 60). */
const WAIT_SECONDS = 25;
/** The longest pause between attempts after failures (ms). */
const MAX_BACKOFF_MS = 30_000;
/** Changes per request; a page this full means a backlog, which is skipped. */
const PAGE = 1000;

/** What the feed is doing: "live": followed; "paused": not asked (hidden); "retrying": the last request failed. */
export type FeedState = "live" | "paused" | "retrying";

/**
 * Changes the feed passed over rather than read: those after `after` up to the position the poll went on
 * from (a backlog, as an import leaves; of segment `segmentId` when the poll followed one, else of any
 * segment), or — `restarted` — all of them: the feed ended before the position asked past (the database
 * was restored or made again).
 */
export type Backlog = { restarted: false; after: number; segmentId: number | null } | { restarted: true };

/** One page of new changes, oldest first; `skipped`: later ones were passed over (read afresh what they touched). */
export interface FeedPage {
  items: FeedItem[];
  skipped: Backlog | null;
  /** The position after the page: the next request asks for changes past it (lower than before after a restart). */
  next: number;
}

/** The API refused a cursor past the feed's newest change (docs/api.md): the database is not the one it was read from. */
class CursorAhead extends Error {
  constructor(readonly lastChangeSeq: number) {
    super(`the change feed ends at ${lastChangeSeq}, before the position asked past`);
  }
}

/** The feed's newest position from a refused cursor's problem document, or null for any other failure. */
function cursorAheadOf(status: number, problem: unknown): number | null {
  if (status !== 400 || typeof problem !== "object" || problem === null) return null;
  const { lastChangeSeq, issues } = problem as { lastChangeSeq?: unknown; issues?: unknown };
  const onSince = Array.isArray(issues) && issues.some((i: { path?: unknown; code?: unknown }) => i?.path === "since" && i?.code === "cursor_ahead");
  return onSince && typeof lastChangeSeq === "number" ? lastChangeSeq : null;
}

/** A GET of the API with a signal (the calls in api.ts cannot be aborted; a long poll must be). */
async function getJson<T>(path: string, query: Record<string, string | number | undefined>, signal: AbortSignal): Promise<T> {
  const url = new URL(`api${path}`, document.baseURI);
  for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
  const headers: Record<string, string> = { Accept: "application/json" };
  const token = savedToken();
  if (token) headers["Authorization"] = `Bearer ${token}`;
  const res = await fetch(url, { headers, signal });
  if (!res.ok) {
    const ahead = cursorAheadOf(res.status, await res.json().catch(() => null));
    throw ahead !== null ? new CursorAhead(ahead) : new Error(`${res.status} from ${path}`);
  }
  return (await res.json()) as T;
}

/** The sequence number to start after: the segment's newest change, or the whole feed's. */
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

/** What `pollFeed` follows and whom it tells. */
export interface PollOptions {
  /** One segment's changes; all when undefined. */
  segmentId?: number;
  /** The position to ask past; null: from now (the newest change). */
  since: number | null;
  /** Ends the loop (and aborts its request). */
  signal: AbortSignal;
  /** Every answered request (empty pages too: the feed answers). */
  onPage(page: FeedPage): void;
  /** A request failed; it is tried again after 1, 2, 4 … 30 s. */
  onFailure(): void;
}

/**
 * Long-polls the feed until `signal` aborts, and returns the position reached (null if none was). A full
 * page (a backlog, as an import leaves) is not walked to its end: the loop jumps to the newest change and
 * says some were skipped, rather than downloading thousands of changes. The server holds each request until
 * a change is committed (or 25 s pass), so an update arrives within moments and an idle feed costs one
 * request per 25 s.
 */
export async function pollFeed(options: PollOptions): Promise<number | null> {
  const { segmentId, signal } = options;
  let since = options.since;
  let failures = 0;
  while (!signal.aborted) {
    try {
      since ??= await startingPoint(segmentId, signal);
      // With the refresh-status and lifecycle changes: one poll tells the pages of all three (more would multiply the polls).
      const page: { items: FeedItem[]; next: number } = await getJson("/changes", { since, segmentId, limit: PAGE, wait: WAIT_SECONDS, include: "refresh,segments" }, signal);
      failures = 0;
      since = page.next;
      let skipped: Backlog | null = null;
      if (page.items.length >= PAGE) {
        since = await startingPoint(segmentId, signal);
        skipped = { restarted: false, after: page.next, segmentId: segmentId ?? null };
      }
      options.onPage({ items: page.items, skipped, next: since });
    } catch (e) {
      // Stopped: no failure.
      if (signal.aborted) break;
      if (e instanceof CursorAhead) {
        // A restored database: its feed is followed from its newest change, and the pages read afresh.
        failures = 0;
        since = e.lastChangeSeq;
        options.onPage({ items: [], skipped: { restarted: true }, next: since });
        continue;
      }
      failures++;
      options.onFailure();
      await pause(Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (failures - 1)), signal);
    }
  }
  return since;
}

/** A page of the app following the feed: the segment it shows ("all": every segment). */
export interface FeedListener {
  target: number | "all";
  /** New changes of the target (maybe none when `skipped`: what was passed over may concern it; `backlogTouches` tells). */
  onChanges(changes: MembershipChange[], skipped: Backlog | null): void;
  /** The target's segments whose refresh failed, or succeeded after failing (read them again to show it). */
  onRefresh(changes: RefreshChange[]): void;
  /** The target's segments created, changed, deleted or restored. */
  onSegments(changes: SegmentLifecycle[]): void;
  onState(state: FeedState): void;
}

/**
 * Hands `items` (any segment's) to `listener`: the membership changes of its target, then its
 * refresh-status changes, then its lifecycle changes.
 */
export function handOut(listener: FeedListener, items: readonly FeedItem[], skipped: Backlog | null): void {
  const mine = listener.target === "all" ? items : items.filter((c) => c.segmentId === listener.target);
  const changes: MembershipChange[] = [];
  const refreshes: RefreshChange[] = [];
  const lifecycle: SegmentLifecycle[] = [];
  for (const c of mine) {
    if (isRefreshChange(c)) refreshes.push(c);
    else if (isSegmentLifecycle(c)) lifecycle.push(c);
    else changes.push(c);
  }
  if (changes.length > 0 || skipped !== null) listener.onChanges(changes, skipped);
  if (refreshes.length > 0) listener.onRefresh(refreshes);
  if (lifecycle.length > 0) listener.onSegments(lifecycle);
}

/**
 * Whether changes passed over (`backlog`) may include some of segment `segmentId`: asked of the API as the
 * segment's newest change (`GET /api/segments/{id}/changes?limit=1`, one indexed row), so a burst of other
 * segments' changes costs a page showing this one a single small read, not a reload of its count, members,
 * feed and chart. The API has no summary of a span of the feed by segment; reading the span itself is what
 * the skip avoids. A newest change past the span says nothing of the span: counted as touched, as is a
 * restart (another database) and a failed request (reading afresh is never wrong, only dearer).
 */
export async function backlogTouches(backlog: Backlog, segmentId: number, signal: AbortSignal): Promise<boolean> {
  if (backlog.restarted || backlog.segmentId === segmentId) return true;
  try {
    const newest = await getJson<{ items: MembershipChange[] }>(`/segments/${segmentId}/changes`, { limit: 1 }, signal);
    const seq = newest.items[0]?.seq ?? 0;
    return seq > backlog.after;
  } catch {
    return !signal.aborted;
  }
}

/**
 * True where the tabs can share one poll (a BroadcastChannel; the leader is chosen with Web Locks, or
 * without them by an election over the channel: feed-leader.ts); elsewhere each page polls by itself.
 */
export function canShareFeed(): boolean {
  return typeof navigator !== "undefined" && canElectLeader();
}

/** What the tabs tell each other. `next`: the feed position the leader reached (null: none yet). */
type FeedMessage = { type: "changes"; items: FeedItem[]; skipped: Backlog | null; next: number } | { type: "state"; state: FeedState; next: number | null } | { type: "hello" };

/** This tab's share of the feed: it follows the leader's messages, and leads when chosen (feed-leader.ts). */
class SharedFeed {
  readonly listeners = new Set<FeedListener>();
  /** One app per API: two apps on one origin under other paths do not share. */
  private readonly name = `segql-changes ${new URL("api/", document.baseURI).pathname}`;
  private readonly channel = new BroadcastChannel(this.name);
  /** Who polls: the Web Lock's holder, or (no Web Locks) the tab the others elected. */
  private readonly leadership = feedLeadership(this.name);
  /** The newest feed position heard of (the leader resumes from it). */
  private since: number | null = null;
  /** The newest change handed to the listeners: one heard again is dropped. */
  private delivered = 0;
  /** The leader's state, as last heard. */
  private state: FeedState = document.visibilityState === "hidden" ? "paused" : "live";
  /** Ends this tab's lock request, or its leading. */
  private leading: AbortController | null = null;
  /** True while this tab holds the lock and polls. */
  private isLeader = false;
  /** Settles once this tab neither holds the lock nor waits for it. */
  private done: Promise<void> = Promise.resolve();

  constructor() {
    this.channel.onmessage = (e: MessageEvent<FeedMessage>) => this.receive(e.data);
    document.addEventListener("visibilitychange", this.onVisibility);
    this.post({ type: "hello" });
    this.onVisibility();
  }

  /** Stops leading or waiting to, and leaves the channel (once the leader has said it stopped). */
  close(): void {
    this.leading?.abort();
    this.leading = null;
    document.removeEventListener("visibilitychange", this.onVisibility);
    void this.done.then(() => {
      this.channel.close();
      this.leadership.close();
    });
  }

  /** A listener's view of the state: a shown tab is followed (it leads, or waits for the lock while another does). */
  stateShown(): FeedState {
    return this.state === "paused" && document.visibilityState !== "hidden" ? "live" : this.state;
  }

  private readonly onVisibility = () => {
    if (document.visibilityState === "hidden") {
      const waited = this.leading !== null && !this.isLeader;
      this.leading?.abort();
      this.leading = null;
      // A leader that stops says whether anyone follows on (lead()); so must a tab that only waited: without
      // Web Locks the last tab shown may be hidden while it claims, after the leader let go.
      if (waited) void this.done.then(async () => (this.leading || this.isLeader || (await this.leadership.anyoneFollows()) ? undefined : this.announce("paused")));
    } else if (!this.leading) {
      this.lead();
    }
    this.setState(this.state);
  };

  private post(message: FeedMessage): void {
    this.channel.postMessage(message);
  }

  private receive(message: FeedMessage): void {
    if (message.type === "hello") {
      // A new tab learns where the feed is, should it lead next.
      if (this.isLeader && this.since !== null) this.post({ type: "state", state: this.state, next: this.since });
      return;
    }
    this.heard(message.next, message.type === "changes" && message.skipped?.restarted === true);
    if (message.type === "changes") this.deliver(message.items, message.skipped);
    else this.setState(message.state);
  }

  /** Notes a feed position; `restarted`: the feed starts over there (lower), and its changes are new again. */
  private heard(next: number | null, restarted = false): void {
    if (restarted && next !== null) {
      this.since = next;
      this.delivered = next;
    } else if (next !== null && (this.since === null || next > this.since)) this.since = next;
  }

  private setState(state: FeedState): void {
    this.state = state;
    for (const l of this.listeners) l.onState(this.stateShown());
  }

  private deliver(items: FeedItem[], skipped: Backlog | null): void {
    const fresh = items.filter((c) => c.seq > this.delivered);
    for (const c of fresh) this.delivered = Math.max(this.delivered, c.seq);
    for (const l of this.listeners) handOut(l, fresh, skipped);
  }

  /** Waits to lead, then polls until the tab is hidden or leaves (or another tab leads), telling the other tabs. */
  private lead(): void {
    const leading = new AbortController();
    this.leading = leading;
    const turn = this.leadership.request(leading.signal, async (signal) => {
      this.isLeader = true;
      // The tabs that were paused (all hidden) follow again.
      if (this.state === "paused") this.announce("live");
      try {
        const reached = await pollFeed({
          since: this.since,
          signal,
          onPage: (page) => {
            this.heard(page.next, page.skipped?.restarted === true);
            if (page.items.length > 0 || page.skipped !== null) {
              this.post({ type: "changes", ...page });
              this.deliver(page.items, page.skipped);
            }
            if (this.state !== "live") this.announce("live");
          },
          onFailure: () => this.announce("retrying"),
        });
        this.heard(reached);
      } finally {
        this.isLeader = false;
        // Nobody follows the feed now, unless another shown tab leads or waits to (it takes over at once).
        if (!(await this.leadership.othersWillLead())) this.announce("paused");
      }
    });
    // A turn that ended as the tab was hidden may still be saying so.
    this.done = Promise.all([this.done, turn]).then(() => undefined);
  }

  private announce(state: FeedState): void {
    this.post({ type: "state", state, next: this.since });
    this.setState(state);
  }
}

let shared: SharedFeed | null = null;

/**
 * Follows the feed for `listener` through the poll shared by the browser's tabs (check `canShareFeed`
 * first); returns the function that stops. The tab's share ends with its last listener.
 */
export function followShared(listener: FeedListener): () => void {
  shared ??= new SharedFeed();
  const feed = shared;
  feed.listeners.add(listener);
  listener.onState(feed.stateShown());
  return () => {
    feed.listeners.delete(listener);
    // A page that switches segments leaves and comes back in one render: the tab keeps its place then.
    queueMicrotask(() => {
      if (feed.listeners.size > 0 || shared !== feed) return;
      feed.close();
      shared = null;
    });
  };
}
