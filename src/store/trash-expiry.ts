/**
 * The trash's retention: a deleted segment is kept for `keepMs` (30 days by default), then purged for good,
 * as mail clients empty theirs. The server starts one of these; it purges at once (what expired while no
 * server ran) and then every `everyMs`.
 */
import { startPeriodic, type Periodic } from "./periodic.js";
import type { DeletedSegment, Store } from "./types.js";

/** Default retention of the trash: 30 days. */
export const DEFAULT_KEEP_DELETED_MS = 30 * 24 * 3_600_000;

/** Options of `startTrashExpiry`. */
export interface TrashExpiryOptions {
  /** How long a deleted segment is kept (ms, at least 0). */
  keepMs: number;
  /** Interval between purges (default 1 hour, at most `keepMs` when that is longer than a second). */
  everyMs?: number;
  /** Called after a purge that removed something. */
  onPurge?: (purged: DeletedSegment[]) => void;
  /** Called when a purge fails (it is tried again at the next interval). */
  onError?: (error: unknown) => void;
}

/** A running expiry: `runNow()` purges what has expired at once; `stop()` waits for a purge in progress. */
export type TrashExpiry = Periodic<DeletedSegment[]>;

/** Starts purging `store`'s deleted segments older than `keepMs`: once now, then every `everyMs`. */
export function startTrashExpiry(store: Store, options: TrashExpiryOptions): TrashExpiry {
  return startPeriodic(() => store.emptyTrash({ olderThanMs: options.keepMs, by: "trash expiry" }), {
    everyMs: Math.max(1000, Math.min(options.everyMs ?? 3_600_000, Math.max(options.keepMs, 1000))),
    atStart: true,
    onResult: (purged) => {
      if (purged.length > 0) options.onPurge?.(purged);
    },
    onError: options.onError,
  });
}
