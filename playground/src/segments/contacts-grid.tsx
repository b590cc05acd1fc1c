/**
 * A table of contacts (the key first, then the schema's fields in order), with optional checkboxes
 * (picking contacts; the segment's members already are marked, their box ticked and locked), sortable
 * headers (the server sorts), a per-row action and keys that link to the contact's page. Empty values
 * show as a dash; numbers are right-aligned. Wider than its card (a phone), it scrolls sideways, and a
 * shadow at each edge it can scroll to says so.
 */
import { useLayoutEffect, useRef, useState, type ReactNode, type RefObject } from "react";
import type { Contact } from "./api.js";
import { formatValue, isolate } from "./format.js";

export interface ContactsGridProps {
  rows: Contact[];
  keyField: string;
  caption: string;
  /** Field names to show (default: the keys of the first row). */
  columns?: string[];
  maxColumns?: number;
  /** Checkboxes: which keys are picked and what a click does. */
  picked?: ReadonlySet<string>;
  onPick?(key: string, picked: boolean): void;
  onPickPage?(picked: boolean): void;
  /** Every row is picked by something else (a filter): checkboxes shown ticked and locked, saying why. */
  locked?: string;
  /**
   * Keys already members of the segment being edited: a "member" badge by the key, the checkbox ticked,
   * locked and labelled so. They cannot be picked (nor by the page's checkbox): adding them adds nothing.
   */
  members?: ReadonlySet<string>;
  /** Sortable headers. */
  sort?: { field: string; descending: boolean } | null;
  onSort?(field: string): void;
  /** A button at the end of each row. */
  action?(row: Contact): ReactNode;
  /** Keys of rows struck through (members to remove on Save). */
  struck?: ReadonlySet<string>;
  /**
   * The key of each row links to the contact's page: in this tab, or in a new one where leaving the page
   * would lose what is being done on it (a picker inside an unsaved form).
   */
  keyLinks?: "same-tab" | "new-tab";
  testId?: string;
}

/** The address of a contact's page (`#/contacts/{key}`): the key percent-encoded, so `/`, `?`, `#`, `%` and spaces stay in it. */
export function contactHref(key: string): string {
  return `#/contacts/${encodeURIComponent(key)}`;
}

export function ContactsGrid({ rows, keyField, caption, columns, maxColumns = 12, picked, onPick, onPickPage, locked, members, sort, onSort, action, struck, keyLinks, testId }: ContactsGridProps) {
  // The fields that hold something on this page first (a page of shop customers has no Telco values).
  const candidates = (columns ?? Object.keys(rows[0] ?? {})).filter((c) => c !== keyField);
  const filled = candidates.filter((c) => rows.some((r) => !isEmpty(r[c])));
  // Columns empty on every row are left out (a column of dashes says nothing), except the one sorted by;
  // a page with no values at all shows the fields so that its headers still say what they are.
  const shown = filled.length === 0 ? candidates : candidates.filter((c) => filled.includes(c) || c === sort?.field);
  const cols = shown.slice(0, maxColumns - 1);
  const all = [keyField, ...cols];
  const keyOf = (r: Contact) => String(r[keyField] ?? "");
  const isMember = (key: string) => members?.has(key) ?? false;
  // The page's checkbox is about the rows that can be picked: the members are in already.
  const pickable = rows.filter((r) => !isMember(keyOf(r)));
  const pagePicked = locked !== undefined || (picked !== undefined && rows.length > 0 && pickable.every((r) => picked.has(keyOf(r))));
  const pageLocked = locked ?? (pickable.length === 0 && rows.length > 0 ? "Every contact on this page is a member already" : undefined);
  const scroller = useRef<HTMLDivElement>(null);
  const more = useSideScroll(scroller);
  return (
    <div className="table-frame" data-more-left={more.left || undefined} data-more-right={more.right || undefined}>
      {/* Scrolling sideways, it is a region the keyboard can reach and scroll with the arrow keys. */}
      {/* Taller than the screen, it scrolls inside its box (its header row stays over the values): reachable too. */}
      <div className="table-scroll" ref={scroller} {...(more.left || more.right ? { tabIndex: 0, role: "region", "aria-label": `${caption} (scrolls sideways)` } : more.down ? { tabIndex: 0, role: "region", "aria-label": `${caption} (scrolls)` } : {})}>
        <table className="data-table contacts-grid" data-testid={testId}>
          <caption className="visually-hidden">{caption}</caption>
          <thead>
            <tr>
              {picked && (
                <th scope="col" className="pick-col">
                  <input type="checkbox" checked={pagePicked} disabled={pageLocked !== undefined} title={pageLocked} onChange={(e) => onPickPage?.(e.target.checked)} aria-label={members && members.size > 0 ? "Pick every contact on this page that is not a member" : "Pick every contact on this page"} />
                </th>
              )}
              {action && (
                <th scope="col" className="action-col">
                  <span className="visually-hidden">Actions</span>
                </th>
              )}
              {all.map((c) => {
                const dir = sort?.field === c ? (sort.descending ? "descending" : "ascending") : undefined;
                return (
                  <th key={c} scope="col" aria-sort={onSort ? (dir ?? "none") : undefined} className={isNumeric(rows, c) ? "num" : undefined}>
                    {onSort ? (
                      <button type="button" className="sort-button" onClick={() => onSort(c)}>
                        {c}
                        <span className="sort-mark" aria-hidden="true">
                          {dir === "ascending" ? "▲" : dir === "descending" ? "▼" : "↕"}
                        </span>
                      </button>
                    ) : (
                      c
                    )}
                  </th>
                );
              })}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => {
              const key = keyOf(r);
              const member = isMember(key);
              const on = !member && (locked !== undefined || (picked?.has(key) ?? false));
              return (
                <tr key={key} className={member ? "member" : on ? "picked" : struck?.has(key) ? "struck" : undefined} data-key={key}>
                  {picked && (
                    <td className="pick-col">
                      {member ? (
                        <input type="checkbox" checked disabled title="Already a member of this segment" aria-label={`${isolate(key)} is already a member`} />
                      ) : (
                        <input type="checkbox" checked={on} disabled={locked !== undefined} title={locked} onChange={(e) => onPick?.(key, e.target.checked)} aria-label={`Pick ${isolate(key)}`} />
                      )}
                    </td>
                  )}
                  {action && <td className="row-action">{action(r)}</td>}
                  {all.map((c) => (
                    <td key={c} className={typeof r[c] === "number" ? "num" : c === keyField ? "key-cell" : undefined}>
                      {c === keyField && keyLinks ? <KeyLink contactKey={key} newTab={keyLinks === "new-tab"} /> : formatValue(r[c])}
                      {c === keyField && member && <span className="badge good member-badge">member</span>}
                    </td>
                  ))}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}

/**
 * Whether a box that scrolls sideways has more to show to its left and to its right: a phone showed the key
 * and a column or two of the members, the others past the edge with nothing saying they were there.
 * Measured again as it scrolls and whenever it or its content changes size (another page, a rotation).
 */
function useSideScroll(ref: RefObject<HTMLElement | null>): { left: boolean; right: boolean; down: boolean } {
  const [more, setMore] = useState({ left: false, right: false, down: false });
  useLayoutEffect(() => {
    const box = ref.current;
    if (!box) return;
    const measure = () => {
      // A pixel of slack: zoomed pages scroll by fractions and may stop a fraction short of the end.
      const left = box.scrollLeft > 1;
      const right = box.scrollLeft + box.clientWidth < box.scrollWidth - 1;
      // Taller than its box (a long page of rows under a capped height): it scrolls up and down too.
      const down = box.scrollHeight > box.clientHeight + 1;
      setMore((m) => (m.left === left && m.right === right && m.down === down ? m : { left, right, down }));
    };
    measure();
    box.addEventListener("scroll", measure, { passive: true });
    const resized = new ResizeObserver(measure);
    resized.observe(box);
    if (box.firstElementChild) resized.observe(box.firstElementChild);
    return () => {
      box.removeEventListener("scroll", measure);
      resized.disconnect();
    };
  }, [ref]);
  return more;
}

/** A key linking to its contact's page; one opening a new tab says so (to screen readers too). */
function KeyLink({ contactKey, newTab }: { contactKey: string; newTab: boolean }) {
  return newTab ? (
    <a href={contactHref(contactKey)} target="_blank" rel="noopener" title="Opens the contact's page in a new tab" aria-label={`${isolate(contactKey)} (opens in a new tab)`}>
      {contactKey}
    </a>
  ) : (
    <a href={contactHref(contactKey)}>{contactKey}</a>
  );
}

function isEmpty(v: unknown): boolean {
  return v === null || v === undefined || v === "" || (Array.isArray(v) && v.length === 0);
}

function isNumeric(rows: Contact[], field: string): boolean {
  return rows.some((r) => typeof r[field] === "number");
}
