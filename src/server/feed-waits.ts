/**
 * The requests waiting on the change feed (`GET /api/changes?wait=S`, a long poll): how many may wait at
 * once (each holds a connection and a timer, so a flood of them is refused with 429 rather than taken),
 * and an end to all of them when the server closes (each answers an empty page at once, so a shutdown is
 * not held up to a minute by requests that have nothing to say). A client that goes away releases its
 * wait through the request's signal.
 */
import { ProblemError } from "./problems.js";

/** Requests that may wait on the feed at once, by default. */
export const DEFAULT_MAX_FEED_WAITS = 256;

/** The waiting requests of one app. */
export class FeedWaits {
  private count = 0;
  private readonly closing = new AbortController();

  constructor(
    /** At most this many wait at once; the next gets 429. */
    readonly max = DEFAULT_MAX_FEED_WAITS,
  ) {}

  /** Requests waiting now. */
  get waiting(): number {
    return this.count;
  }

  /**
   * Runs `wait` with a signal that aborts when `request` does (the client went away) or the server
   * closes; either way the answer is `empty()` (nobody reads it in the first case). Throws the 429
   * problem when `max` requests wait already.
   */
  async run<T>(request: AbortSignal, wait: (signal: AbortSignal) => Promise<T>, empty: () => T): Promise<T> {
    if (this.closing.signal.aborted) return empty();
    if (this.count >= this.max) {
      throw new ProblemError("too-many-requests", `${this.count} requests are already waiting on the change feed (at most ${this.max}); try again shortly, or ask without wait`, {}, { "Retry-After": "2" });
    }
    this.count++;
    const signal = AbortSignal.any([request, this.closing.signal]);
    try {
      return await wait(signal);
    } catch (e) {
      if (signal.aborted) return empty();
      throw e;
    } finally {
      this.count--;
    }
  }

  /** Answers every waiting request (an empty page) and every later one at once. */
  close(): void {
    this.closing.abort(new Error("the server is closing"));
  }
}
