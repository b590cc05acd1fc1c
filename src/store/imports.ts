/**
 * Imports of contacts and events from files (placeholder; implemented next).
 */
import type { Ctx } from "./context.js";
import { InvalidInputError } from "./errors.js";
import type { ImportOptions, ImportReport, RefreshResult } from "./types.js";

/** Imports a file into the contacts or events table, then refreshes. */
export async function importFile(ctx: Ctx, what: "contacts" | "events", file: string, options: ImportOptions, refresh: () => Promise<RefreshResult[]>): Promise<ImportReport> {
  void ctx; void what; void options; void refresh;
  throw new InvalidInputError([{ path: file, message: "imports are not implemented yet" }]);
}
