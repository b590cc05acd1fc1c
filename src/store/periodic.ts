/**
 * A task the store runs again and again on a timer (the refresh of relative-time segments, the trash's
 * expiry): one run at a time (a call while one runs shares it), errors reported and the next run tried,
 * and a stop that waits for the run in progress.
 */

/** A running periodic task. */
export interface Periodic<T> {
  /** Runs now (not waiting for the interval); resolves when done. Overlapping calls share one run. */
  runNow(): Promise<T>;
  /** Stops it; resolves when a run in progress has finished. */
  stop(): Promise<void>;
}

/** Runs `task` every `everyMs` (and at once when `atStart`), reporting each result to `onResult`. */
export function startPeriodic<T>(task: () => Promise<T>, options: { everyMs: number; atStart?: boolean; onResult?: (result: T) => void; onError?: (error: unknown) => void }): Periodic<T> {
  let running: Promise<T> | null = null;
  let stopped = false;
  const runNow = (): Promise<T> => {
    running ??= task()
      .then((result) => {
        options.onResult?.(result);
        return result;
      })
      .finally(() => {
        running = null;
      });
    return running;
  };
  const tick = () => {
    if (!stopped) runNow().catch((e) => options.onError?.(e));
  };
  if (options.atStart) tick();
  const timer = setInterval(tick, options.everyMs);
  // A timer alone must not keep the process alive (the server's socket does).
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
