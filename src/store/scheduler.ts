/**
 * The refresh scheduler: segments whose expressions use relative times (`within last 30 days`, `today`)
 * change membership as the clock moves, with no write to trigger it. The server starts one of these;
 * every `everyMs` it refreshes those segments (and the segments reading them).
 */
import { startPeriodic, type Periodic } from "./periodic.js";
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

/** A running scheduler: `runNow()` refreshes at once; `stop()` waits for a refresh in progress. */
export type Scheduler = Periodic<RefreshResult[]>;

/** Default interval: 5 minutes. */
export const DEFAULT_REFRESH_EVERY_MS = 5 * 60_000;

/** Starts refreshing the relative-time segments of `store` every `everyMs`. */
export function startRefreshScheduler(store: Store, options: SchedulerOptions = {}): Scheduler {
  return startPeriodic(() => store.refresh({ relativeOnly: true, by: "scheduler" }), {
    everyMs: Math.max(1000, options.everyMs ?? DEFAULT_REFRESH_EVERY_MS),
    onResult: options.onRefresh,
    onError: options.onError,
  });
}
