/**
 * The checker's public surface: `check(document, schema)` → typed segments + diagnostics.
 */
export { check, type CheckOptions, type CheckResult } from "./checker.js";
export { OPERATORS_BY_TYPE } from "./messages.js";
export * from "./time.js";
export type * from "./typed-ast.js";
export { forEachTyped } from "./typed-ast.js";
