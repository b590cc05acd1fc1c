/**
 * Token soup: random sequences of real tokens (keywords in any case, operators, field names, literals,
 * comments, stray quotes), sometimes biased towards `field operator value` triples so the parser gets
 * further than the first token before it has to recover.
 */
import { NOW_POOL } from "../../test/helpers/generators.js";
import type { Random } from "../random.js";
import type { Generated } from "./grammar.js";
import { FIELDS, NUMBERS, PHRASES, PUNCTUATION, quote, randomToken, separator, STRINGS, TIMES, keywordCase } from "./vocabulary.js";

function triple(rng: Random): string {
  const value = rng.pick([quote(rng.pick(STRINGS)), rng.pick(NUMBERS), rng.pick(TIMES), `(${rng.pick(STRINGS).length}, ${quote(rng.pick(STRINGS))})`]);
  const op = rng.chance(0.5) ? rng.pick(PUNCTUATION.slice(0, 8)) : keywordCase(rng, rng.pick(PHRASES));
  return `${rng.pick(FIELDS)} ${op} ${value}`;
}

/** A random sequence of 1 to a few hundred tokens. */
export function soupInput(rng: Random): Generated {
  const n = rng.size(1, 60, 600);
  const structured = rng.chance(0.4);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    parts.push(structured && rng.chance(0.4) ? triple(rng) : randomToken(rng));
    parts.push(separator(rng));
  }
  return {
    text: parts.join(""),
    schema: rng.chance(0.7) ? "rich" : "hostile",
    now: rng.pick(NOW_POOL),
    label: `${n} tokens${structured ? ", biased to rules" : ""}`,
  };
}
