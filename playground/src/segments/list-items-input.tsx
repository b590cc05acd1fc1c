/**
 * A list field's editor in the contact forms: its items as chips, each shown exactly as stored (a line
 * break breaks the chip's line, an empty item says so) with ✕ to remove it, and a box to add one (Enter,
 * or leaving the box). A block of lines pasted into the box adds one item per line, as the one-per-line
 * text box this replaces took it. Items are never split or trimmed once in the list: a textarea of one
 * item per line could not hold an item with a line break, and saved it as two.
 */
import { useState, type ClipboardEvent, type KeyboardEvent } from "react";
import { pastedItems } from "./field-drafts.js";
import { isolate } from "./format.js";

/** How an item reads in a screen reader's label: its text, or `the empty item`. */
function spoken(item: string): string {
  return item.trim() === "" ? "the empty item" : isolate(item.replace(/\s+/g, " ").trim());
}

export function ListItemsInput({
  id,
  name,
  items,
  onChange,
  invalid,
  describedBy,
}: {
  /** The add box's id (the field's label points at it). */
  id: string;
  /** The field's name, for the remove buttons' labels. */
  name: string;
  items: readonly string[];
  onChange(items: readonly string[]): void;
  invalid: boolean;
  describedBy: string | undefined;
}) {
  const [typed, setTyped] = useState("");
  const add = (more: readonly string[]) => {
    if (more.length > 0) onChange([...items, ...more]);
    setTyped("");
  };
  const onKey = (e: KeyboardEvent<HTMLInputElement>) => {
    // Enter with nothing typed submits the form, as in any other field.
    if (e.key === "Enter" && typed.trim() !== "") {
      e.preventDefault();
      add([typed.trim()]);
    }
  };
  const onPaste = (e: ClipboardEvent<HTMLInputElement>) => {
    const text = e.clipboardData.getData("text/plain");
    // One line pastes as typed text; several lines (a column copied from a spreadsheet) are items.
    if (!/[\r\n]/.test(text)) return;
    e.preventDefault();
    add(pastedItems(`${typed}${text}`));
  };
  return (
    <div className="list-items">
      {items.length > 0 && (
        <ul className="chips-list list-item-chips">
          {items.map((item, i) => (
            <li key={i} className="chip list-item" data-testid="list-item" data-item={item}>
              {item === "" ? <em className="muted">empty text</em> : <span className="list-item-text">{item}</span>}
              <button type="button" className="chip-remove" aria-label={`Remove ${spoken(item)} from ${name}`} onClick={() => onChange(items.filter((_, j) => j !== i))}>
                ✕
              </button>
            </li>
          ))}
        </ul>
      )}
      <input
        id={id}
        type="text"
        className="list-item-add"
        value={typed}
        placeholder={items.length === 0 ? "no value: add an item ⏎" : "add an item ⏎"}
        onChange={(e) => setTyped(e.target.value)}
        onKeyDown={onKey}
        onPaste={onPaste}
        // What was typed but not added with Enter is added when the box is left (Save clicked): not lost.
        onBlur={() => typed.trim() !== "" && add([typed.trim()])}
        aria-invalid={invalid || undefined}
        aria-describedby={describedBy}
        data-field-input={name}
        autoComplete="off"
      />
    </div>
  );
}
