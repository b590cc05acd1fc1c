/**
 * Choosing the one tab that polls the change feed (change-feed.ts): with the Web Locks API where the
 * browser has it, else by an election over a BroadcastChannel.
 *
 * Why a fallback: Web Locks exist only in a secure context (`https://`, `http://localhost`). A team's
 * server on its LAN (`http://10.0.0.5:8080`, the common self-hosted case) has none, and there each tab
 * polled by itself: six tabs held HTTP/1.1's six connections to the host, and a seventh window's page did
 * not load. BroadcastChannel works in any context.
 *
 * The election: every tab has a random id. The leader says so (a heartbeat) every second. A tab that wants
 * to lead and has heard no leader for 3 s (or heard it let go) claims, and leads if within a short window it
 * heard neither a leader nor a claim from a smaller id; a leader answers a claim with a heartbeat at once,
 * so the claimer waits. Messages can cross (two claims each sent before the other arrived): then two tabs
 * lead for a moment, each hears the other's heartbeat, and the one with the larger id steps down, so two
 * never both stay leaders. A leader that closes says so (pagehide); one that crashes or is frozen stops
 * heartbeating, and another takes over within about 4 s. The tabs drop changes they have already shown
 * (change-feed.ts), so the moment of two leaders shows nothing twice.
 */

/** The turn of a tab that leads: `signal` aborts when it must stop (its request ended, or another tab leads). */
export type LeaderTurn = (signal: AbortSignal) => Promise<void>;

/** One tab at a time runs its turn. */
export interface FeedLeadership {
  /** Waits until this tab leads, then runs `turn`; settles when the turn ends, or at once when `signal` aborts while waiting. */
  request(signal: AbortSignal, turn: LeaderTurn): Promise<void>;
  /** For a leader whose turn is ending: true when another tab leads or waits to (so nobody need say the feed is paused). */
  othersWillLead(): Promise<boolean>;
  /** For a tab that stopped waiting (hidden): true when any tab leads or waits to. */
  anyoneFollows(): Promise<boolean>;
  close(): void;
}

/** The Web Locks way: the lock is granted to one tab at a time and freed when that tab closes or crashes. */
function lockLeadership(name: string): FeedLeadership {
  return {
    request: (signal, turn) =>
      navigator.locks
        .request(name, { signal }, () => turn(signal))
        // Aborted while waiting for the lock.
        .catch(() => undefined),
    othersWillLead: async () => (await navigator.locks.query()).pending?.some((l) => l.name === name) ?? false,
    anyoneFollows: async () => {
      const { held = [], pending = [] } = await navigator.locks.query();
      return [...held, ...pending].some((l) => l.name === name);
    },
    close: () => undefined,
  };
}

/** How often the leader says it leads, and a waiting tab looks whether one does (ms). */
export const HEARTBEAT_MS = 1000;
/** A leader not heard of for this long is gone (closed, crashed, frozen) (ms). */
export const LEADER_TIMEOUT_MS = 3000;
/** How long a claim waits for an objection before its tab leads (ms). */
const CLAIM_WINDOW_MS = 300;

/** `waiting`/`withdraw`: a tab waits to lead / no longer does (so a leader that stops knows whether anyone takes over). */
type ElectionMessage = { type: "heartbeat" | "claim" | "waiting" | "withdraw" | "release"; id: string };

/** The BroadcastChannel way (no Web Locks): see the module comment. */
class ChannelLeadership implements FeedLeadership {
  private readonly id = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  private readonly channel: BroadcastChannel;
  /** When another tab last said it leads (or claimed, from a smaller id), by `performance.now()`; -Infinity: never. */
  private leaderSeen = -Infinity;
  /** Who that was (a withdrawn claim is forgotten). */
  private leaderId: string | null = null;
  /** The other tabs waiting to lead, by id: when each last said so. */
  private readonly waiters = new Map<string, number>();
  /** Set while this tab waits or leads. */
  private candidate: { signal: AbortSignal; turn: LeaderTurn; done: () => void; leading: AbortController | null; objected: boolean } | null = null;
  private timer: number | undefined;

  constructor(name: string) {
    this.channel = new BroadcastChannel(`${name} leader`);
    this.channel.onmessage = (e: MessageEvent<ElectionMessage>) => this.receive(e.data);
    window.addEventListener("pagehide", this.onPageHide);
  }

  request(signal: AbortSignal, turn: LeaderTurn): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    return new Promise<void>((done) => {
      this.candidate = { signal, turn, done, leading: null, objected: false };
      signal.addEventListener("abort", () => this.stop(), { once: true });
      this.post({ type: "waiting", id: this.id });
      this.tick();
    });
  }

  async othersWillLead(): Promise<boolean> {
    const now = performance.now();
    return now - this.leaderSeen < LEADER_TIMEOUT_MS || [...this.waiters.values()].some((seen) => now - seen < LEADER_TIMEOUT_MS);
  }

  anyoneFollows(): Promise<boolean> {
    return this.othersWillLead();
  }

  close(): void {
    this.stop();
    window.removeEventListener("pagehide", this.onPageHide);
    this.channel.close();
  }

  /** A tab closing lets go at once, so the next leader need not wait for the heartbeats to stop. */
  private readonly onPageHide = () => {
    if (this.candidate?.leading) this.post({ type: "release", id: this.id });
  };

  private post(message: ElectionMessage): void {
    this.channel.postMessage(message);
  }

  /** Ends this tab's waiting or leading. */
  private stop(): void {
    const c = this.candidate;
    if (!c) return;
    window.clearTimeout(this.timer);
    this.candidate = null;
    if (c.leading) {
      this.post({ type: "release", id: this.id });
      c.leading.abort();
    } else {
      this.post({ type: "withdraw", id: this.id });
      c.done();
    }
  }

  private schedule(ms: number): void {
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => this.tick(), ms);
  }

  /** Every heartbeat: a leader says so; a waiting tab claims when no leader was heard of lately. */
  private tick(): void {
    const c = this.candidate;
    if (!c) return;
    if (c.leading) {
      this.post({ type: "heartbeat", id: this.id });
      return this.schedule(HEARTBEAT_MS);
    }
    this.post({ type: "waiting", id: this.id });
    if (performance.now() - this.leaderSeen < LEADER_TIMEOUT_MS) return this.schedule(HEARTBEAT_MS);
    c.objected = false;
    this.post({ type: "claim", id: this.id });
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => {
      if (this.candidate !== c) return;
      if (c.objected || performance.now() - this.leaderSeen < CLAIM_WINDOW_MS) return this.schedule(HEARTBEAT_MS);
      this.becomeLeader(c);
    }, CLAIM_WINDOW_MS);
  }

  private becomeLeader(c: NonNullable<ChannelLeadership["candidate"]>): void {
    const leading = new AbortController();
    c.leading = leading;
    this.post({ type: "heartbeat", id: this.id });
    this.schedule(HEARTBEAT_MS);
    void c
      .turn(AbortSignal.any([c.signal, leading.signal]))
      .catch(() => undefined)
      .finally(() => {
        if (this.candidate === c) {
          // The turn ended by itself: let go.
          this.candidate = null;
          window.clearTimeout(this.timer);
          this.post({ type: "release", id: this.id });
        }
        c.done();
      });
  }

  /** Another tab leads: this one steps down and waits again (its turn ends; its request stands). */
  private stepDown(c: NonNullable<ChannelLeadership["candidate"]>): void {
    const leading = c.leading;
    if (!leading) return;
    // A new candidate of the same request: the turn's end no longer ends the request.
    const next = { ...c, leading: null, objected: false, done: c.done };
    c.done = () => undefined;
    this.candidate = next;
    leading.abort();
    this.schedule(HEARTBEAT_MS);
  }

  private receive(message: ElectionMessage): void {
    const now = performance.now();
    const c = this.candidate;
    switch (message.type) {
      case "waiting":
        this.waiters.set(message.id, now);
        return;
      case "withdraw":
        this.waiters.delete(message.id);
        if (message.id === this.leaderId) this.leaderSeen = -Infinity;
        return;
      case "release":
        this.waiters.delete(message.id);
        this.leaderSeen = -Infinity;
        this.leaderId = null;
        // Take over at once rather than at the next heartbeat.
        if (c && !c.leading) this.tick();
        return;
      case "claim":
        this.waiters.set(message.id, now);
        if (c?.leading) {
          // Tell the claimer a leader is here.
          this.post({ type: "heartbeat", id: this.id });
        } else if (message.id < this.id) {
          // A smaller id claims: it wins over this tab's claim, and leads shortly.
          if (c) c.objected = true;
          this.leaderSeen = now;
          this.leaderId = message.id;
        }
        return;
      case "heartbeat":
        this.waiters.delete(message.id);
        this.leaderSeen = now;
        this.leaderId = message.id;
        if (c && !c.leading) c.objected = true;
        // Two leaders (claims that crossed): the larger id steps down.
        else if (c?.leading && message.id < this.id) this.stepDown(c);
        return;
    }
  }
}

/** Where the tabs can share one poll at all: a BroadcastChannel to hand the changes over. */
export function canElectLeader(): boolean {
  return typeof BroadcastChannel === "function";
}

/** The leadership of the feed `name`: Web Locks where the browser has them, else the channel election. */
export function feedLeadership(name: string): FeedLeadership {
  return typeof navigator.locks?.request === "function" ? lockLeadership(name) : new ChannelLeadership(name);
}
