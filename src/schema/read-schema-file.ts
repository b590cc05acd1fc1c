/**
 * Reading a schema from disk: the one node-only part of the schema module, kept apart so the checker and
 * the language service bundle for browsers.
 */
import { readFileSync } from "node:fs";
import { parseSchema, type Schema } from "./schema.js";

/** Reads and validates a schema file; throws `SchemaError` (or the file system's error) when it cannot. */
export function readSchemaFile(path: string): Schema {
  return parseSchema(readFileSync(path, "utf8"), path);
}
