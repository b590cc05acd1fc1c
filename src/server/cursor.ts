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
