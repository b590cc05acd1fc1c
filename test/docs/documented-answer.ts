/**
 * The answers the docs show, read as patterns and matched against real answers.
 *
 * A documented answer is JSON as a person abbreviates it: `…` (or `...`) stands for what is left out, so
 * it cannot be parsed as JSON. This reads that notation:
 *
 * - `…` as a value, `"…"`, `[...]`, `{…}` or a bare word (`[contacts]`): any value;
 * - `…` as an object entry (or `"…": "…"`): the object has more members than those shown; without it, the
 *   members shown are all there are (so a field the server added and the doc forgot is a mismatch);
 * - `…` as the last array item: more items may follow those shown; without it, exactly those items;
 * - a key without a value (`{"at", "count"}`): the member is there, whatever its value;
 * - a string holding `…` (`"2026-…"`): the text around it, anything in its place.
 *
 * Values that differ from run to run are compared by what they are, not by value: times (`at`,
 * `createdAt`, `now`, …) must be ISO-8601 instants on both sides, sequence numbers (`seq`, `next`,
 * `lastChangeSeq`) integers, durations (`ms`) numbers.
 */

/** A documented answer, parsed. */
export type Pattern =
  | { kind: "any" }
  | { kind: "literal"; value: string | number | boolean | null }
  | { kind: "glob"; parts: string[] }
  | { kind: "object"; entries: { key: string; value: Pattern }[]; open: boolean }
  | { kind: "array"; items: Pattern[]; open: boolean };

const ANY: Pattern = { kind: "any" };

/** Reads a documented answer; throws, naming the offset, where it is not the notation above. */
export function parseDocumentedAnswer(text: string): Pattern {
  let at = 0;
  const fail = (why: string): never => {
    throw new Error(`${why} at offset ${at} of the documented answer: ${text.slice(Math.max(0, at - 30), at)}⟨here⟩${text.slice(at, at + 30)}`);
  };
  const space = () => {
    while (at < text.length && /\s/.test(text[at]!)) at++;
  };
  const ellipsis = (): boolean => {
    space();
    if (text.startsWith("…", at)) return (at += 1), true;
    if (text.startsWith("...", at)) return (at += 3), true;
    return false;
  };
  const string = (): string => {
    const start = at;
    at++;
    while (at < text.length && text[at] !== '"') at += text[at] === "\\" ? 2 : 1;
    if (at >= text.length) fail("unterminated string");
    at++;
    return JSON.parse(text.slice(start, at)) as string;
  };
  const value = (): Pattern => {
    if (ellipsis()) return ANY;
    space();
    const c = text[at];
    if (c === "{") return object();
    if (c === "[") return array();
    if (c === '"') {
      const s = string();
      if (s === "…" || s === "...") return ANY;
      return s.includes("…") ? { kind: "glob", parts: s.split("…") } : { kind: "literal", value: s };
    }
    const number = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(at));
    if (number) return (at += number[0].length), { kind: "literal", value: Number(number[0]) };
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(at));
    if (word) {
      at += word[0].length;
      if (word[0] === "true" || word[0] === "false") return { kind: "literal", value: word[0] === "true" };
      if (word[0] === "null") return { kind: "literal", value: null };
      return ANY; // a word standing for values: [contacts]
    }
    return fail("expected a value");
  };
  const object = (): Pattern => {
    at++;
    const entries: { key: string; value: Pattern }[] = [];
    let open = false;
    for (;;) {
      space();
      if (text[at] === "}") return at++, { kind: "object", entries, open };
      if (ellipsis()) open = true;
      else {
        if (text[at] !== '"') fail("expected a member name");
        const key = string();
        space();
        let pattern: Pattern = ANY;
        if (text[at] === ":") {
          at++;
          pattern = value();
        }
        if (key === "…" || key === "...") open = true;
        else entries.push({ key, value: pattern });
      }
      space();
      if (text[at] === ",") at++;
      else if (text[at] !== "}") fail("expected , or }");
    }
  };
  const array = (): Pattern => {
    at++;
    const items: Pattern[] = [];
    let open = false;
    for (;;) {
      space();
      if (text[at] === "]") return at++, { kind: "array", items, open };
      if (ellipsis()) open = true;
      else items.push(value());
      space();
      if (text[at] === ",") at++;
      else if (text[at] !== "]") fail("expected , or ]");
    }
  };
  const pattern = value();
  space();
  if (at < text.length) fail("text after the answer");
  return pattern;
}

/** Reads the balanced `{…}` or `[…]` that starts at `start` of `text`; returns its end (exclusive). */
export function endOfAnswer(text: string, start: number): number {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
    } else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return text.length;
}

const TIME_KEYS = new Set(["at", "createdAt", "updatedAt", "refreshedAt", "deletedAt", "purgesAt", "startedAt", "finishedAt", "now"]);
const SEQ_KEYS = new Set(["seq", "next", "lastChangeSeq"]);
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

/** Where `actual` differs from `pattern`, one line per difference naming its JSON path; empty when it matches. */
export function answerMismatches(pattern: Pattern, actual: unknown, path = "$", key?: string): string[] {
  const show = (v: unknown) => JSON.stringify(v)?.slice(0, 120);
  if (pattern.kind === "any") return [];
  if (pattern.kind === "literal" && key !== undefined) {
    const documented = pattern.value;
    if (TIME_KEYS.has(key) && typeof documented === "string" && ISO_INSTANT.test(documented)) {
      return typeof actual === "string" && ISO_INSTANT.test(actual) ? [] : [`${path}: documented as an instant, got ${show(actual)}`];
    }
    if (SEQ_KEYS.has(key) && typeof documented === "number") {
      return Number.isInteger(actual) ? [] : [`${path}: documented as a sequence number, got ${show(actual)}`];
    }
    if (key === "ms" && typeof documented === "number") return typeof actual === "number" ? [] : [`${path}: documented as a duration, got ${show(actual)}`];
  }
  switch (pattern.kind) {
    case "literal":
      return Object.is(pattern.value, actual) || pattern.value === actual ? [] : [`${path}: documented ${show(pattern.value)}, got ${show(actual)}`];
    case "glob": {
      if (typeof actual !== "string") return [`${path}: documented a text like ${show(pattern.parts.join("…"))}, got ${show(actual)}`];
      const re = new RegExp(`^${pattern.parts.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("[\\s\\S]*")}$`);
      return re.test(actual) ? [] : [`${path}: documented ${show(pattern.parts.join("…"))}, got ${show(actual)}`];
    }
    case "object": {
      if (actual === null || typeof actual !== "object" || Array.isArray(actual)) return [`${path}: documented an object, got ${show(actual)}`];
      const out: string[] = [];
      const record = actual as Record<string, unknown>;
      for (const entry of pattern.entries) {
        if (!(entry.key in record)) out.push(`${path}.${entry.key}: documented, missing from the answer`);
        else out.push(...answerMismatches(entry.value, record[entry.key], `${path}.${entry.key}`, entry.key));
      }
      if (!pattern.open) {
        const shown = new Set(pattern.entries.map((e) => e.key));
        for (const k of Object.keys(record)) if (!shown.has(k)) out.push(`${path}.${k}: in the answer (${show(record[k])}), not in the documented one (add it, or "…")`);
      }
      return out;
    }
    case "array": {
      if (!Array.isArray(actual)) return [`${path}: documented an array, got ${show(actual)}`];
      const out: string[] = [];
      if (pattern.open ? actual.length < pattern.items.length : actual.length !== pattern.items.length) {
        out.push(`${path}: documented ${pattern.items.length}${pattern.open ? " or more" : ""} items, got ${actual.length}: ${show(actual)}`);
      }
      pattern.items.forEach((item, i) => {
        if (i < actual.length) out.push(...answerMismatches(item, actual[i], `${path}[${i}]`));
      });
      return out;
    }
  }
}
