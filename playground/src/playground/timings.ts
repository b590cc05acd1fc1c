/**
 * Keystroke → count timings, kept on `window.__segqlTimings` for the benchmark (bench/playground reads
 * them from Chromium) and for anyone curious in the console. Bounded, so a long session does not grow it.
 */

/** One measured update. */
export interface KeystrokeTiming {
  /** From the keystroke's change of the editor to the new count in the page (ms). */
  total: number;
  /** Of which the check, compile and count (ms; the page's or the worker's); null when the text did not evaluate. */
  worker: number | null;
  /**
   * From the keydown that made the change (its event's timeStamp) to the new count in the page (ms): also
   * the wait for the page's thread and the editor's own work on the key (its update, the language
   * service's tokens) before the change. Null when no key made the change (a paste).
   */
  fromKeydown: number | null;
}

const MAX = 5000;

declare global {
  interface Window {
    __segqlTimings?: KeystrokeTiming[];
  }
}

/** Records one keystroke's timing. */
export function recordKeystrokeTiming(total: number, worker: number | null, fromKeydown: number | null): void {
  const list = (window.__segqlTimings ??= []);
  list.push({ total, worker, fromKeydown });
  if (list.length > MAX) list.splice(0, list.length - MAX);
}
