/**
 * Random bytes and Unicode: raw bytes decoded as UTF-8 (with replacement characters) or Latin-1, random
 * code points from the ranges that break text handling (C0/C1 controls, NUL, BOM, bidi controls, combining
 * marks, lone and paired surrogates, zero-width and line-separator characters, emoji sequences, wide
 * forms), and valid text with such characters sprinkled into it (inside strings, names and comments too).
 */
import { NOW_POOL } from "../../test/helpers/generators.js";
import type { Random } from "../random.js";
import { validExpr, type Generated } from "./grammar.js";
import { ODD_CHARS } from "./vocabulary.js";

/** Code point ranges, by how often they are drawn. */
const RANGES: readonly (readonly [number, readonly [number, number]])[] = [
  [6, [0x20, 0x7e]], // ASCII printable
  [2, [0x00, 0x1f]], // C0 controls, NUL
  [1, [0x7f, 0x9f]], // DEL, C1 controls
  [1, [0xa0, 0x24f]], // Latin-1, Latin Extended
  [1, [0x300, 0x36f]], // combining marks
  [1, [0x590, 0x6ff]], // Hebrew, Arabic (right to left)
  [1, [0x200b, 0x200f]], // zero-width, LRM, RLM
  [1, [0x2028, 0x202e]], // line/paragraph separators, bidi embeddings and overrides
  [1, [0x2066, 0x2069]], // bidi isolates
  [1, [0xd800, 0xdfff]], // surrogates (lone, or paired by chance)
  [1, [0xfe00, 0xfeff]], // variation selectors, BOM
  [1, [0xff01, 0xff5e]], // full-width forms
  [1, [0x1f300, 0x1faff]], // emoji
  [1, [0x4e00, 0x9fff]], // CJK
];

function randomCodePoint(rng: Random): string {
  const [lo, hi] = rng.weighted(RANGES);
  const cp = rng.int(lo, hi);
  return cp >= 0xd800 && cp <= 0xdfff ? String.fromCharCode(cp) : String.fromCodePoint(cp);
}

function randomBytes(rng: Random, n: number): Uint8Array {
  const bytes = new Uint8Array(n);
  for (let i = 0; i < n; i++) bytes[i] = rng.int(0, 255);
  return bytes;
}

/** Characters inserted at random places of a valid text. */
function sprinkle(rng: Random, text: string): string {
  const chars = [...text];
  const n = rng.int(1, 6);
  for (let i = 0; i < n; i++) {
    const c = rng.chance(0.6) ? rng.pick(ODD_CHARS) : randomCodePoint(rng);
    chars.splice(rng.int(0, chars.length), 0, c);
  }
  return chars.join("");
}

/** A random-bytes or random-Unicode input. */
export function bytesInput(rng: Random): Generated {
  const now = rng.pick(NOW_POOL);
  const kind = rng.weighted<"bytes" | "latin1" | "codepoints" | "sprinkled" | "prefixed">([[2, "bytes"], [1, "latin1"], [3, "codepoints"], [4, "sprinkled"], [1, "prefixed"]]);
  let text: string;
  switch (kind) {
    case "bytes":
      text = new TextDecoder("utf-8").decode(randomBytes(rng, rng.size(1, 200, 20_000)));
      break;
    case "latin1":
      text = new TextDecoder("latin1").decode(randomBytes(rng, rng.size(1, 200, 20_000)));
      break;
    case "codepoints":
      text = Array.from({ length: rng.size(1, 120, 20_000) }, () => randomCodePoint(rng)).join("");
      break;
    case "sprinkled":
      text = sprinkle(rng, validExpr(rng, "rich", now));
      break;
    default: // a BOM, bidi override or NUL before (or after) a valid text
      text = rng.chance(0.5)
        ? `${rng.pick(["\ufeff", "\u202e", "\u0000", "\ud800", "\u200f", "\r", "\ufeff\ufeff"])}${validExpr(rng, "rich", now)}`
        : `${validExpr(rng, "rich", now)}${rng.pick(["\u0000", "\ud83d", "\u0301", "\u2028", "\r"])}`;
  }
  return { text, schema: "rich", now, label: kind };
}
