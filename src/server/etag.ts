/**
 * Optimistic concurrency over HTTP: a segment's `ETag` names its saved version (`"v3"`), and an edit may
 * send `If-Match` with the tag it last read. The store does the check atomically (`expectedVersion`), so
 * two analysts saving at once cannot both win: the second gets 412 and nothing is overwritten.
 *
 * The tag follows the segment's version, which changes on every saved edit (name, description,
 * expression, kind) and not when members come and go: it guards edits, it is not a cache validator for
 * member counts (the API sends `Cache-Control: no-store`).
 */
import { ProblemError } from "./problems.js";

/** The strong entity tag of a segment version: `"v3"`. */
export function segmentEtag(version: number): string {
  return `"v${version}"`;
}

/** What an `If-Match` header asks: any current representation (`*`) or one of these strong tags. */
export type IfMatch = { any: true } | { any: false; tags: string[] };

// entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE, etagc = %x21 / %x23-7E / obs-text (RFC 9110 §8.8.3)
const ENTITY_TAG = /^(W\/)?"([\x21\x23-\x7e\x80-\xff]*)"$/;

/**
 * Parses an `If-Match` value (RFC 9110 §13.1.1): `*` or a comma-separated list of entity tags. Weak tags
 * are kept out: If-Match uses the strong comparison, so they never match. A malformed header is a 400
 * (`bad-precondition`) rather than a guess.
 */
export function parseIfMatch(header: string): IfMatch {
  const value = header.trim();
  if (value === "*") return { any: true };
  const tags: string[] = [];
  for (const part of value.split(",")) {
    const item = part.trim();
    if (item === "") continue;
    const m = ENTITY_TAG.exec(item);
    if (!m) {
      throw new ProblemError("bad-precondition", `If-Match must be * or a list of entity tags such as "v3" (with the quotes); got ${JSON.stringify(header.slice(0, 100))}`);
    }
    if (!m[1]) tags.push(`"${m[2]}"`);
  }
  if (tags.length === 0 && !/"/.test(value)) {
    throw new ProblemError("bad-precondition", `If-Match must be * or a list of entity tags such as "v3"; got ${JSON.stringify(header.slice(0, 100))}`);
  }
  return { any: false, tags };
}

/** The version a segment tag names, or null for a tag this server never makes. */
export function versionOfTag(tag: string): number | null {
  const m = /^"v([1-9]\d{0,15})"$/.exec(tag);
  return m && Number.isSafeInteger(Number(m[1])) ? Number(m[1]) : null;
}
