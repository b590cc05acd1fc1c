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
  if (!body.includes("\\")) return refuseLoneSurrogate(body, tokenSpan(t), diagnostics);
  let out = "";
  // The first \u escape that made half of a surrogate pair: where a lone half is reported.
  let surrogateEscape: Span | null = null;
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
          const unit = parseInt(hex, 16);
          if (unit >= 0xd800 && unit <= 0xdfff) surrogateEscape ??= { ...escSpan, end: at + 6 };
          out += String.fromCharCode(unit);
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
  return refuseLoneSurrogate(out, surrogateEscape ?? tokenSpan(t), diagnostics);
}

/**
 * `value`, with an error at `span` when it holds half of a surrogate pair. Half a pair is no character:
 * UTF-8 (every SQL engine's text, and the stores') cannot hold it, so the SQL would compare with U+FFFD
 * while the predicate compared with the half.
 */
function refuseLoneSurrogate(value: string, span: Span, diagnostics: Diagnostic[]): string {
  if (LONE_SURROGATE.test(value)) {
    diagnostics.push(error("bad-escape", span,
      "half of a surrogate pair is not a character: write the character itself, or both halves of its pair (as in '\\ud83d\\ude00' for 😀)"));
  }
  return value;
}

/** A UTF-16 surrogate not paired (with the u flag a pair is one code point and does not match). */
const LONE_SURROGATE = /\p{Cs}/u;

/** The name in a backticked token (a doubled backtick is one); an empty one is reported. */
export function decodeQuotedName(t: IToken, diagnostics: Diagnostic[]): string {
  const inner = t.image.slice(1, -1);
  const name = inner.includes("`") ? inner.replace(/``/g, "`") : inner;
  if (name.length === 0) diagnostics.push(error("empty-quoted-name", tokenSpan(t), "a name in backticks cannot be empty"));
  return name;
}
