/** Display formats shared by the segments pages: counts, instants, relative ages, contact values. */

const numberFormat = new Intl.NumberFormat("en-US");

/** 7,043 */
export function formatCount(n: number): string {
  return numberFormat.format(n);
}

/** `3 contacts`, `1 contact` */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

const dateTime = new Intl.DateTimeFormat("en-GB", { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZone: "UTC" });
const dateOnly = new Intl.DateTimeFormat("en-GB", { year: "numeric", month: "short", day: "numeric", timeZone: "UTC" });

/** `6 Dec 2026, 07:24 UTC` */
export function formatInstant(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${dateTime.format(d)} UTC`;
}

/** `6 Dec 2026` */
export function formatDay(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateOnly.format(d);
}

/** `just now`, `5 min ago`, `3 h ago`, `2 days ago`, else the date. */
export function formatAge(iso: string, now = Date.now()): string {
  const ms = now - new Date(iso).getTime();
  if (!Number.isFinite(ms)) return iso;
  if (ms < 60_000) return "just now";
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ago`;
  if (ms < 86_400_000) return `${Math.floor(ms / 3_600_000)} h ago`;
  if (ms < 30 * 86_400_000) return `${Math.floor(ms / 86_400_000)} days ago`;
  return formatDay(iso);
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;
const tableTime = new Intl.DateTimeFormat("en-GB", { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZone: "UTC" });

/** A contact field's value as table text (lists joined, instants readable in UTC, empties as an en dash). */
export function formatValue(v: unknown): string {
  if (v === null || v === undefined || v === "") return "–";
  if (typeof v === "string" && ISO_INSTANT.test(v)) {
    const d = new Date(v);
    if (!Number.isNaN(d.getTime())) return tableTime.format(d);
  }
  if (Array.isArray(v)) return v.length === 0 ? "–" : v.join(", ");
  // As the rules write it (`churn = true`): a value read here can be typed into a condition as it is.
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "number") return Number.isInteger(v) ? formatCount(v) : String(Math.round(v * 100) / 100);
  return String(v);
}

/**
 * What is wrong with a text longer than the server takes: `A name has at most 200 characters (this one has
 * 300).`, else null. Counted as the server counts (UTF-16 code units, JavaScript's `length`). Said at the
 * field rather than cut to fit: a pasted text cut silently is saved as something no one typed.
 */
export function lengthProblem(text: string, max: number, what: string): string | null {
  return text.length > max ? `${what} has at most ${formatCount(max)} characters (this one has ${formatCount(text.length)}).` : null;
}

/**
 * Letters of right-to-left scripts (Hebrew, Arabic, Syriac, Thaana, NKo, Samaritan, Mandaic, their
 * presentation forms, and the historic ones of the supplementary planes), and the explicit direction
 * controls (marks, embeddings, overrides, isolates): text holding one of them can reorder what follows it.
 */
const RIGHT_TO_LEFT = /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc\u200f\u061c\u202a-\u202e\u2066-\u2069]|[\u{10800}-\u{10fff}\u{1e800}-\u{1efff}]/u;

/**
 * A user-given part (a name, a key, a file's name) of text that cannot hold markup — an `aria-label`, a
 * visually hidden caption, `document.title` — between the Unicode isolates U+2068 (first strong isolate)
 * and U+2069 (pop directional isolate): what <bdi> does in markup. Without them "Delete <Arabic name> 2"
 * is drawn, and read by a screen reader's bidi pass, with the 2 inside the name's right-to-left run, and a
 * direction override typed into a name runs on over the rest of the label.
 * Only text that can reorder its neighbours (`RIGHT_TO_LEFT`) is wrapped: the app's own words run left to
 * right, where a name in Latin letters, digits or punctuation moves nothing, and its label stays exactly as
 * typed for what matches labels as text (voice control's "click Delete VIP list", the browser tests).
 */
export function isolate(text: string): string {
  return RIGHT_TO_LEFT.test(text) ? `\u2068${text}\u2069` : text;
}

/**
 * `isolate` for a file's name, isolated left to right (U+2066 left-to-right isolate … U+2069), as the
 * pages set one in markup (`<bdi dir="ltr">`): a name is a technical string ending in its Latin extension,
 * and isolated by its first letter a Hebrew name was drawn "csv.2 <name>", the extension first.
 */
export function isolateFileName(name: string): string {
  return RIGHT_TO_LEFT.test(name) ? `\u2066${name}\u2069` : name;
}
