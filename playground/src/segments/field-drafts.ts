/**
 * A contact field's value as its form input holds it (a draft), and back. The contact form sends only the
 * fields the user changed, each as the value they can see they typed; a field they did not change is not
 * sent, so nothing the form cannot show exactly (`""` beside null, a list item holding a line break, -0)
 * is ever rewritten by it.
 *
 * - One value (text, number, date, instant, enum, boolean): the text of its input. Empty means no value
 *   (null): what clearing a field means in a CRM. A stored `""` also shows as an empty input (the form
 *   says which of the two it holds) and stays `""` until the user types in it.
 * - A list: its items, each exactly as stored (line breaks, spaces and empty items kept), edited one by one.
 */
import type { FieldDef } from "../../../src/schema/schema.js";

/** What a field's input holds: the text of a one-value input, or a list's items. */
export type FieldDraft = string | readonly string[];

/** A stored value as its input holds it (null: an empty input, or a list of no items). */
export function draftOf(def: FieldDef | undefined, v: unknown): FieldDraft {
  if (def?.type === "list") return Array.isArray(v) ? v.map(String) : v === null || v === undefined ? [] : [String(v)];
  if (v === null || v === undefined) return "";
  // A list's value where the schema has none (the schema changed since): one line per item, as before.
  if (Array.isArray(v)) return v.map(String).join("\n");
  if (def?.type === "boolean") return v === true ? "true" : v === false ? "false" : String(v);
  if (def?.type === "date" && typeof v === "string") return v.slice(0, 10);
  return String(v);
}

/**
 * What a draft sends: a list's items as they are (none: null); an empty or blank text null; a number or a
 * boolean as one. Text that is not a value of the type is sent as it is, for the server to say why not.
 */
export function valueOf(def: FieldDef | undefined, draft: FieldDraft): unknown {
  if (typeof draft !== "string") return draft.length === 0 ? null : [...draft];
  if (draft.trim() === "") return null;
  if (def?.type === "number") {
    const n = Number(draft.trim());
    return Number.isFinite(n) ? n : draft;
  }
  if (def?.type === "boolean") return draft === "true" ? true : draft === "false" ? false : draft;
  return draft;
}

/** Two drafts hold the same: the same text, or the same items in the same order. */
export function sameDraft(a: FieldDraft, b: FieldDraft): boolean {
  if (typeof a === "string" || typeof b === "string") return a === b;
  return a.length === b.length && a.every((item, i) => item === b[i]);
}

/**
 * Whether a field is a change to send: its input no longer holds what it showed for `stored`, and what it
 * sends is another value (`5.0` for 5 is none). A field typed in and put back as it was is no change,
 * so a stored `""` shown empty stays `""`.
 */
export function isChange(def: FieldDef | undefined, draft: FieldDraft, stored: unknown): boolean {
  if (sameDraft(draft, draftOf(def, stored))) return false;
  return JSON.stringify(valueOf(def, draft)) !== JSON.stringify(stored ?? null);
}

/** What an empty input holds: empty text (a stored `""` not changed) or no value (null, or emptied by the user). */
export function emptyKind(def: FieldDef | undefined, draft: FieldDraft, stored: unknown): "empty text" | "no value" | null {
  if (draft !== "") return null;
  return stored === "" && def?.type !== "list" ? "empty text" : "no value";
}

/** The items of text pasted into a list's add box: one per line, edge spaces and blank lines left out. */
export function pastedItems(text: string): string[] {
  return text
    .split(/\r\n|\r|\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "");
}
