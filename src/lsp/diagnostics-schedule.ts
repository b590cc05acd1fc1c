/**
 * When each document's diagnostics are published: at once after a change when none were published for it
 * within its window, else at the end of that window (the window is `windowMs`, or three times what the
 * document's last analysis cost, whichever is longer), so a single edit gets them immediately and fast
 * typing at most once a window; the last state is always published.
 *
 * At most one publication per document runs at a time. Changes that arrive while one runs only mark the
 * document: one more publication follows when it ends, inside the window. (Before, each change during a
 * running analysis started another at once, because the window counts from the last publication, which
 * had not happened yet: a burst of 300 edits of a 170 KB file queued 300 analyses, and a hover sent after
 * it waited 8 s for them.)
 */

/** The timers the schedule uses (injectable for tests). */
export interface ScheduleTimers {
  now(): number;
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/**
 * Node's timers: a zero delay is `setImmediate`. Each handle is cleared by its own function: clearImmediate
 * given a Timeout miscounts Node's pending immediates (both carry the same "refed" mark), after which
 * setImmediate callbacks — the protocol library's writes among them — wait for unrelated I/O to run.
 */
const NODE_TIMERS: ScheduleTimers = {
  now: () => Date.now(),
  setTimeout: (run, ms) => (ms === 0 ? { immediate: setImmediate(run) } : { timeout: setTimeout(run, ms) }),
  clearTimeout: (handle) => {
    const h = handle as { immediate?: NodeJS.Immediate; timeout?: NodeJS.Timeout };
    if (h.immediate) clearImmediate(h.immediate);
    if (h.timeout) clearTimeout(h.timeout);
  },
};

/** The publication schedule of every open document. */
export class DiagnosticsSchedule {
  private readonly pending = new Map<string, unknown>();
  private readonly running = new Set<string>();
  /** Documents changed while their publication ran: `soon` of the latest request. */
  private readonly again = new Map<string, boolean>();
  private readonly lastPublished = new Map<string, number>();
  private readonly lastCost = new Map<string, number>();

  constructor(
    private readonly windowMs: number,
    /** Publishes a document's diagnostics (calls `published` when it did). */
    private readonly publish: (uri: string) => Promise<void>,
    private readonly onError: (e: unknown) => void,
    private readonly timers: ScheduleTimers = NODE_TIMERS,
  ) {}

  /** Asks for a publication of `uri`: at once when `soon` (a config changed), else within its window. */
  schedule(uri: string, soon = false): void {
    if (this.pending.has(uri)) return;
    if (this.running.has(uri)) {
      this.again.set(uri, soon || (this.again.get(uri) ?? false));
      return;
    }
    const window = Math.max(this.windowMs, 3 * (this.lastCost.get(uri) ?? 0));
    const since = this.timers.now() - (this.lastPublished.get(uri) ?? Number.NEGATIVE_INFINITY);
    const delay = soon || since >= window ? 0 : window - since;
    this.pending.set(uri, this.timers.setTimeout(() => this.run(uri), delay));
  }

  /** Records that `uri`'s diagnostics were computed now, at a cost of `costMs`. */
  published(uri: string, costMs: number): void {
    this.lastCost.set(uri, costMs);
    this.lastPublished.set(uri, this.timers.now());
  }

  /** Forgets what is scheduled for `uri` (closed). */
  cancel(uri: string): void {
    const handle = this.pending.get(uri);
    if (handle !== undefined) this.timers.clearTimeout(handle);
    this.pending.delete(uri);
    this.again.delete(uri);
  }

  private run(uri: string): void {
    this.pending.delete(uri);
    this.running.add(uri);
    this.publish(uri)
      .catch(this.onError)
      .finally(() => {
        this.running.delete(uri);
        const soon = this.again.get(uri);
        this.again.delete(uri);
        if (soon !== undefined) this.schedule(uri, soon);
      });
  }
}
