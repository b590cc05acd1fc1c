/**
 * The engines the tests execute SQL on, and which of them are available here.
 *
 * DuckDB, PGlite and SQLite run in-process and are always available. The PostgreSQL server and MariaDB
 * need `PG_URL` / `MYSQL_URL` (`.ci/run` starts both and exports them); without them those engines are
 * reported unavailable with the reason, so tests can `skipIf` them cleanly.
 */
import { DuckDbEngine } from "./duckdb.js";
import { MariaDbEngine } from "./mariadb.js";
import { PostgresEngine } from "./postgres.js";
import { SqliteEngine, type SqliteTimestampText } from "./sqlite.js";
import type { Engine } from "./types.js";

export type { Engine, ContactRow, EventRow, ExecutedDialect } from "./types.js";
export { DuckDbEngine, MariaDbEngine, PostgresEngine, SqliteEngine };

/** Names of the engines, in the order tests run them. */
export type EngineName = "duckdb" | "pglite" | "postgres-server" | "sqlite" | "mariadb";
export const ENGINE_NAMES: readonly EngineName[] = ["duckdb", "pglite", "postgres-server", "sqlite", "mariadb"];

/** Options some engines take. */
export interface EngineOptions {
  /** SQLite's timestamp text form (see sqlite.ts). */
  sqliteTimestampText?: SqliteTimestampText;
}

/** Why an engine cannot run here, or null when it can. */
export function unavailable(name: EngineName): string | null {
  if (name === "postgres-server" && !process.env["PG_URL"]) return "PG_URL is not set";
  if (name === "mariadb" && !process.env["MYSQL_URL"]) return "MYSQL_URL is not set";
  return null;
}

/** The engines available here. */
export function availableEngines(): EngineName[] {
  return ENGINE_NAMES.filter((n) => unavailable(n) === null);
}

/** Opens one engine; throws with the reason when it is unavailable. */
export async function openEngine(name: EngineName, options: EngineOptions = {}): Promise<Engine> {
  const reason = unavailable(name);
  if (reason) throw new Error(`engine ${name} is unavailable: ${reason}`);
  switch (name) {
    case "duckdb":
      return DuckDbEngine.open();
    case "pglite":
      return PostgresEngine.openPglite();
    case "postgres-server":
      return PostgresEngine.openServer(process.env["PG_URL"]!);
    case "sqlite":
      return SqliteEngine.open(options.sqliteTimestampText ? { timestampText: options.sqliteTimestampText } : {});
    case "mariadb":
      return MariaDbEngine.open(process.env["MYSQL_URL"]!);
  }
}
