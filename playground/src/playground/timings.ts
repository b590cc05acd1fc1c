/**
 * Keystroke → count timings, kept on `window.__segqlTimings` for the benchmark (bench/playground reads
 * them from Chromium) and for anyone curious in the console. Bounded, so a long session does not grow it.
 */

/** One measured update. */
export interface KeystrokeTiming {
  /** From the keystroke's change of the editor to the new count in the page (ms). */
  total: number;
  /** Of which the worker's check, compile and count (ms); null when the text did not evaluate. */
  worker: number | null;
}

const MAX = 5000;

declare global {
  interface Window {
    __segqlTimings?: KeystrokeTiming[];
  }
}

/** Records one keystroke's timing. */
export function recordKeystrokeTiming(total: number, worker: number | null): void {
  const list = (window.__segqlTimings ??= []);
  list.push({ total, worker });
  if (list.length > MAX) list.splice(0, list.length - MAX);
}
