/**
 * A status for screen readers that follows typing without reading it out key by key. Summaries that change
 * with every keystroke (the builder's "1 error marked on the rules", the playground's count) in a live
 * region were said for each key, 26 times while typing one condition; here the text is said once it has
 * stayed the same for `quietMs` (the person stopped typing), and only when it differs from what was said
 * last. The visible summary next to it is not a live region.
 */
import { useEffect, useState } from "react";

/** How long a text must stay the same before it is said: a pause in typing, not a wait someone notices. */
export const SETTLE_MS = 1000;

export function SettledStatus({ text, quietMs = SETTLE_MS, testId }: { text: string; quietMs?: number; testId?: string }) {
  const [said, setSaid] = useState("");
  useEffect(() => {
    const timer = window.setTimeout(() => setSaid(text), quietMs);
    return () => window.clearTimeout(timer);
  }, [text, quietMs]);
  return (
    <span className="visually-hidden" role="status" data-testid={testId}>
      {said}
    </span>
  );
}
