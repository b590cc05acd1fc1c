/**
 * The edit that removes one operand of an `and`/`or` from the source text, with its connector and its own
 * parentheses, leaving the rest balanced. Operand spans exclude their parentheses (the parser drops them),
 * so the text between operands is read: `) and (`, comments and blanks. Anything unexpected: no edit.
 *
 * A middle or first operand goes with the connector after it (`a and (b and c)` → `a and (c)`, where the
 * parser flattened `b and c` into the outer `and`); the last one with the connector before it.
 */
import type { Span } from "../diagnostics.js";

/** Offsets `[start, end)` to delete, or null when the text between operands is not as expected. */
export function removalRange(text: string, operands: readonly Span[], i: number, connector: "and" | "or"): { start: number; end: number } | null {
  const me = operands[i]!;
  if (i < operands.length - 1) {
    const gap = readGap(text, me.end, operands[i + 1]!.start, connector);
    if (!gap) return null;
    let start = me.start;
    for (let k = 0; k < gap.closes; k++) {
      const at = skipBack(text, start);
      if (at === 0 || text[at - 1] !== "(") return null;
      start = at - 1;
    }
    return { start, end: gap.afterConnector };
  }
  if (i === 0) return null;
  const gap = readGap(text, operands[i - 1]!.end, me.start, connector);
  if (!gap) return null;
  let end = me.end;
  for (let k = 0; k < gap.opens; k++) {
    const at = skipForward(text, end);
    if (text[at] !== ")") return null;
    end = at + 1;
  }
  return { start: gap.beforeConnector, end };
}

/**
 * Reads `[ )… ] connector [ (… ]` between two operands: how many `)` close the operand before the
 * connector, how many `(` open the one after, where the blanks before the connector start (after the
 * last `)`), and where the text after the connector and its blanks starts.
 */
function readGap(text: string, from: number, to: number, connector: string): { closes: number; opens: number; beforeConnector: number; afterConnector: number } | null {
  let i = from;
  let closes = 0;
  let beforeConnector = from;
  for (;;) {
    i = skipForward(text, i, to);
    if (text[i] === ")") {
      closes++;
      i++;
      beforeConnector = i;
      continue;
    }
    break;
  }
  const word = text.slice(i, i + connector.length);
  if (word.toLowerCase() !== connector || /[A-Za-z0-9_]/.test(text[i + connector.length] ?? "")) return null;
  i += connector.length;
  const afterConnector = skipForward(text, i, to);
  let opens = 0;
  i = afterConnector;
  for (;;) {
    i = skipForward(text, i, to);
    if (i < to && text[i] === "(") {
      opens++;
      i++;
      continue;
    }
    break;
  }
  return i === to ? { closes, opens, beforeConnector, afterConnector } : null;
}

/** Past blanks and `--` comments (up to `limit`). */
function skipForward(text: string, i: number, limit = text.length): number {
  while (i < limit) {
    const c = text[i]!;
    if (c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f" || c === "\v") i++;
    else if (c === "-" && text[i + 1] === "-") {
      while (i < limit && text[i] !== "\n" && text[i] !== "\r") i++;
    } else break;
  }
  return i;
}

/**
 * Back over blanks. Crossing into a line that holds `--` (a comment, perhaps ending in `(`) gives up: the
 * result then points at no `(`.
 */
function skipBack(text: string, i: number): number {
  while (i > 0 && /[ \t\n\r\f\v]/.test(text[i - 1]!)) {
    i--;
    if (text[i] === "\n" || text[i] === "\r") {
      const lineStart = Math.max(text.lastIndexOf("\n", i - 1), text.lastIndexOf("\r", i - 1)) + 1;
      if (text.slice(lineStart, i).includes("--")) return 0;
    }
  }
  return i;
}
