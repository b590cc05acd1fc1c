/**
 * A segment looked up by id (or name) that is in the trash is a not-found that says so: "segment #12 "VIP"
 * is in Recently deleted (deleted …)" instead of "no segment #12", so whoever holds an old id learns it can
 * be restored. Done once, around the adapter's transactions, rather than at each of the store's many
 * lookups: a `NotFoundError` for a segment leaving a transaction is looked up in the trash after it.
 */
import { num, wrapAdapter, type SqlAdapter } from "./adapter.js";
import { iso } from "./context.js";
import { DeletedSegmentError, NotFoundError } from "./errors.js";

/** `adapter` whose reads and writes turn a segment's NotFoundError into a DeletedSegmentError when the segment is in the trash. */
export function withTrashHints(adapter: SqlAdapter): SqlAdapter {
  const hint = async (e: unknown): Promise<never> => {
    throw (await inTrash(adapter, e)) ?? e;
  };
  return wrapAdapter(adapter, {
    write: (fn) => adapter.write(fn).catch(hint),
    read: (fn, limit) => adapter.read(fn, limit).catch(hint),
  });
}

/** The DeletedSegmentError for `e` when it is a segment's NotFoundError and that segment is in the trash; else null. */
async function inTrash(adapter: SqlAdapter, e: unknown): Promise<DeletedSegmentError | null> {
  if (!(e instanceof NotFoundError) || e instanceof DeletedSegmentError || e.what !== "segment") return null;
  const id = typeof e.ref === "number" ? e.ref : /^\s*#?(\d{1,15})\s*$/.exec(e.ref)?.[1];
  try {
    const rows =
      id !== undefined
        ? await adapter.query("SELECT id, name, deleted_at FROM segql_deleted_segments WHERE id = $1", [Number(id)])
        : await adapter.query("SELECT id, name, deleted_at FROM segql_deleted_segments WHERE LOWER(name) = LOWER($1) ORDER BY deleted_at DESC, id DESC LIMIT 1", [String(e.ref)]);
    const row = rows[0];
    return row ? new DeletedSegmentError(e.ref, { id: num(row["id"]), name: String(row["name"]), deletedAt: iso(num(row["deleted_at"])) }) : null;
  } catch {
    // The plain not-found is still true; a failed look-up in the trash must not replace it.
    return null;
  }
}
