/**
 * The refresh scheduler: segments whose expressions use relative times (`within last 30 days`, `today`)
 * change membership as the clock moves, with no write to trigger it. The server starts one of these;
 * every `everyMs` it refreshes those segments (and the segments reading them).
 */
import type { RefreshResult, Store } from "./types.js";

/** Options of `startRefreshScheduler`. */
export interface SchedulerOptions {
  /** Interval between refreshes (default 5 minutes; at least 1 second). */
  everyMs?: number;
  /** Called after each refresh with what it did. */
  onRefresh?: (results: RefreshResult[]) => void;
  /** Called when a refresh fails (the scheduler keeps running). Default: ignored. */
  onError?: (error: unknown) => void;
}

/** A running scheduler. */
export interface Scheduler {
  /** Refreshes now (not waiting for the interval); resolves when done. Overlapping calls share one run. */
  runNow(): Promise<RefreshResult[]>;
  /** Stops it; resolves when a refresh in progress has finished. */
  stop(): Promise<void>;
}

/** Default interval: 5 minutes. */
export const DEFAULT_REFRESH_EVERY_MS = 5 * 60_000;

/** Starts refreshing the relative-time segments of `store` every `everyMs`. */
export function startRefreshScheduler(store: Store, options: SchedulerOptions = {}): Scheduler {
  const everyMs = Math.max(1000, options.everyMs ?? DEFAULT_REFRESH_EVERY_MS);
  let running: Promise<RefreshResult[]> | null = null;
  let stopped = false;
  const runNow = (): Promise<RefreshResult[]> => {
    if (running) return running;
    running = store
      .refresh({ relativeOnly: true, by: "scheduler" })
      .then((results) => {
        options.onRefresh?.(results);
        return results;
      })
      .finally(() => {
        running = null;
      });
    return running;
  };
  const timer = setInterval(() => {
    if (stopped) return;
    runNow().catch((e) => options.onError?.(e));
  }, everyMs);
  // A scheduler alone must not keep the process alive (the server's socket does).
  timer.unref();
  return {
    runNow,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
