/**
 * Offset cursors for the lists the server pages itself (segments in an order the store does not keep,
 * contacts found by search): opaque to clients, checked on the way back in so a made-up cursor is a clear
 * 400, never an exception.
 */
import { ProblemError } from "./problems.js";

/** A cursor for the item at `offset` of a list of kind `list`. */
export function offsetCursor(list: string, offset: number): string {
  return Buffer.from(`${list}:${offset}`, "utf8").toString("base64url");
}

/** The offset a cursor of kind `list` holds (0 for none); a cursor that is not one is a 400. */
export function readOffsetCursor(list: string, cursor: string | undefined | null): number {
  if (cursor === undefined || cursor === null || cursor === "") return 0;
  const text = /^[A-Za-z0-9_-]{1,200}$/.test(cursor) ? Buffer.from(cursor, "base64url").toString("utf8") : "";
  const m = /^([A-Za-z-]+):(\d{1,9})$/.exec(text);
  if (!m || m[1] !== list) {
    throw new ProblemError("invalid-request", "the cursor is not one this list gave out; start again without it", {
      issues: [{ in: "query", path: "cursor", code: "invalid_cursor", message: "not a cursor of this list" }],
    });
  }
  return Number(m[2]);
}

/**
 * A store's cursor wrapped with the list (and order) it belongs to, so a cursor of another list or order
 * comes back as a clear 400 instead of a page of something else.
 */
export function wrapCursor(list: string, inner: string | null): string | null {
  return inner === null ? null : Buffer.from(`${list}|${inner}`, "utf8").toString("base64url");
}

/** The store cursor inside a wrapped cursor of `list` (null for none); any other text is a 400. */
export function unwrapCursor(list: string, cursor: string | undefined | null): string | null {
  if (cursor === undefined || cursor === null || cursor === "") return null;
  const text = /^[A-Za-z0-9_-]{1,1000}$/.test(cursor) ? Buffer.from(cursor, "base64url").toString("utf8") : "";
  const bar = text.indexOf("|");
  const inner = bar >= 0 ? text.slice(bar + 1) : "";
  if (bar < 0 || text.slice(0, bar) !== list || !/^[A-Za-z0-9_-]{1,900}$/.test(inner)) {
    throw new ProblemError("invalid-request", "the cursor is not one this list gave out; start again without it", {
      issues: [{ in: "query", path: "cursor", code: "invalid_cursor", message: "not a cursor of this list" }],
    });
  }
  return inner;
}
