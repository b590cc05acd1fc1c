/**
 * Segments as saved objects: the store (`openStore`), its errors, the refresh scheduler and the demo.
 *
 *   openStore({ db, schema }) ──▶ Store ──┬─ segments: create / update / duplicate / delete / restore / versions
 *                                         ├─ members: static lists, materialised dynamic memberships
 *                                         ├─ preview / why / refresh / changes (the `since` feed)
 *                                         └─ contacts and events: upsert, append, import
 *
 * One database holds one schema's contacts and events (the tables the SQL compiler targets) and segql's
 * own tables beside them (`segql_*`). Backends: a DuckDB file (default `segql.duckdb`; `:memory:`) and
 * PostgreSQL (`postgres://…`, or an embedded PGlite). The logic is written once over a small SQL adapter
 * (adapter.ts); the dialect differences live in duckdb.ts and postgres.ts. docs/store.md is the guide.
 */
import { openStoreImpl } from "./store.js";
import type { OpenStoreOptions, Store } from "./types.js";

export * from "./errors.js";
export type * from "./types.js";
export type { ExplainNode, MeasureSeen, NodeRead } from "../compiler/predicate/explain.js";
export { DEFAULT_REFRESH_EVERY_MS, startRefreshScheduler, type Scheduler, type SchedulerOptions } from "./scheduler.js";
export { DEFAULT_KEEP_DELETED_MS, startTrashExpiry, type TrashExpiry, type TrashExpiryOptions } from "./trash-expiry.js";
export { demoSchema, seedDemo, type DemoReport } from "./demo.js";
export { MAX_KEY_LENGTH } from "./writes.js";
export { wellFormed } from "./values.js";
export { quotesAny } from "./erasure.js";
export { exportContacts, exportMembers, MEMBER_EXPORT_FORMATS, MEMBER_EXPORT_TYPES, type ContactExportOptions, type MemberExportFormat, type MemberExportOptions } from "./export.js";

/**
 * Opens (creating and migrating as needed) a store. Throws `DatabaseInUseError` when another process holds
 * the DuckDB file, `NewerDatabaseError` for a database made by a newer segql, `SchemaMismatchError` when
 * `schema` differs from the stored one, `InvalidInputError` for a new database without a schema.
 */
export async function openStore(options: OpenStoreOptions = {}): Promise<Store> {
  return openStoreImpl(options);
}
