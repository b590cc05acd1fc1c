/**
 * Literal tokens → values, with the problems only decoding finds (unknown escapes, a missing closing
 * quote, an empty backticked name) reported as diagnostics.
 */
import type { IToken } from "chevrotain";
import { error, type Diagnostic, type Span } from "../diagnostics.js";
import * as T from "./vocabulary.js";

const HEX4 = /^[0-9a-fA-F]{4}$/;

/** The span of a real token (half-open offsets, 1-based line and column of its start). */
export function tokenSpan(t: IToken): Span {
  return { start: t.startOffset, end: t.endOffset! + 1, line: t.startLine!, column: t.startColumn! };
}

/** Decodes a string token's escapes, reporting unknown ones and a missing closing quote to `diagnostics`. */
export function decodeString(t: IToken, diagnostics: Diagnostic[]): string {
  const image = t.image;
  const quote = image[0]!;
  const terminated = t.tokenType !== T.UnterminatedString;
  if (!terminated) {
    diagnostics.push(error("unterminated-string", tokenSpan(t),
      `unterminated string: add the closing ${quote} before the end of the line`,
      { title: `close the string with ${quote}`, edits: [{ span: { ...tokenSpan(t), start: t.endOffset! + 1, column: t.startColumn! + image.length }, text: quote }] }));
  }
  const body = terminated ? image.slice(1, -1) : image.slice(1);
  if (!body.includes("\\")) return body;
  let out = "";
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== "\\") {
      out += c;
      continue;
    }
    const next = body[i + 1];
    const at = t.startOffset + 1 + i;
    const escSpan: Span = { start: at, end: at + 2, line: t.startLine!, column: t.startColumn! + 1 + i };
    switch (next) {
      case '"': case "'": case "\\": case "/":
        out += next; i++; break;
      case "n": out += "\n"; i++; break;
      case "t": out += "\t"; i++; break;
      case "r": out += "\r"; i++; break;
      case "u": {
        const hex = body.slice(i + 2, i + 6);
        if (HEX4.test(hex)) {
          out += String.fromCharCode(parseInt(hex, 16));
          i += 5;
        } else {
          diagnostics.push(error("bad-escape", { ...escSpan, end: Math.min(at + 2 + hex.length, t.endOffset! + 1) },
            "'\\u' must be followed by four hex digits, as in '\\u00e9'"));
          i++;
        }
        break;
      }
      case undefined:
        break; // a trailing backslash of an unterminated string: already reported
      default:
        diagnostics.push(error("bad-escape", escSpan, `unknown escape '\\${next}' in a string; write '\\\\' for a backslash`));
        out += next;
        i++;
    }
  }
  return out;
}

/** The name in a backticked token (a doubled backtick is one); an empty one is reported. */
export function decodeQuotedName(t: IToken, diagnostics: Diagnostic[]): string {
  const inner = t.image.slice(1, -1);
  const name = inner.includes("`") ? inner.replace(/``/g, "`") : inner;
  if (name.length === 0) diagnostics.push(error("empty-quoted-name", tokenSpan(t), "a name in backticks cannot be empty"));
  return name;
}
