/**
 * Per-field compare-and-set for contact upserts (`UpsertContactsOptions.expect`): the values a caller read
 * for the fields it writes, checked against what is stored inside the write, before anything is written.
 *
 * Both sides are compared in one canonical form, the text `encodeValue` makes for the column (what a write
 * of that value would send): a stored row as the adapter reads it (`decodeCell`, what `getContact` shows)
 * and an expected value as given. So `"2024-01-31T10:00:00Z"` and epoch ms are one instant, `5` and `5.0`
 * one number, a list compares item by item, and null, `""` and a value all differ. A time stored with more
 * precision than milliseconds compares as read (to the millisecond): a caller can only ever read that.
 * Enum values are compared as text: a stored value the schema's list lost since must still be expected.
 */
import { closest } from "../diagnostics.js";
import type { Row, SqlRunner } from "./adapter.js";
import type { Ctx } from "./context.js";
import { ContactChangedError, InvalidInputError, type InputProblem } from "./errors.js";
import type { ColumnPlan } from "./physical.js";
import type { ContactConflict, ContactValues } from "./types.js";
import { decodeCell, EncodeError, encodeValue } from "./values.js";
import { keysIn, storableKeys, type ContactWrites } from "./writes.js";

/** One expected value: the field's name, its column, the value as given and its canonical text. */
interface Expected {
  field: string;
  col: ColumnPlan;
  value: unknown;
  text: string | null;
}

/** Checked expectations: contact key → the expected values of the fields written. */
export type ContactExpectations = Map<string, Expected[]>;

/** The path of an expectation in problems: `expect["c1"]`, `expect["c1"].plan`. */
function at(key: string, field?: string): string {
  return `expect[${JSON.stringify(key)}]${field !== undefined ? `.${field}` : ""}`;
}

/** A column compared as text where it holds an enum (see the module comment). */
function comparedAs(col: ColumnPlan): ColumnPlan {
  if (col.type !== "enum") return col;
  return { ...col, type: "string", ...(col.field ? { field: { ...col.field, type: "string" } } : {}) };
}

/** The canonical text of a value of `col` (null: empty). Throws `EncodeError` for a value not of the type. */
function canonical(ctx: Ctx, value: unknown, col: ColumnPlan): string | null {
  // storesNul true: a stored value is what it is; an expected one holding U+0000 on PostgreSQL never matches.
  return encodeValue(value, comparedAs(col), ctx.physical, true);
}

/**
 * Checks `expect` against the encoded writes: each key must be a contact the upsert writes, each field a
 * field of the schema this upsert writes for it, each value a value of the field's type. Throws
 * `InvalidInputError` naming every problem; returns null when there is nothing to check.
 */
export function checkedExpectations(ctx: Ctx, expect: unknown, writes: ContactWrites): ContactExpectations | null {
  if (expect === undefined || expect === null) return null;
  const entries = expect instanceof Map ? [...(expect as Map<unknown, unknown>)] : typeof expect === "object" && !Array.isArray(expect) ? Object.entries(expect) : null;
  if (entries === null) throw new InvalidInputError([{ path: "expect", message: "expected an object: contact key → { field: the value you read }" }]);
  const keyName = ctx.contactCols[0]!.field?.name ?? ctx.schema.key;
  const byName = new Map(ctx.contactCols.map((c) => [c.field?.name ?? ctx.schema.key, c]));
  const problems: InputProblem[] = [];
  const out: ContactExpectations = new Map();
  for (const [key, values] of entries) {
    if (typeof key !== "string") {
      problems.push({ path: "expect", message: `expected contact keys (text), found ${JSON.stringify(key) ?? typeof key}` });
      continue;
    }
    if (values === null || typeof values !== "object" || Array.isArray(values) || values instanceof Date) {
      problems.push({ path: at(key), message: "expected an object: field → the value you read" });
      continue;
    }
    const written = writes.get(key);
    if (!written) {
      problems.push({ path: at(key), message: "this request writes no contact with this key: an expectation guards a value the request writes" });
      continue;
    }
    const expected: Expected[] = [];
    for (const [field, value] of Object.entries(values as ContactValues)) {
      const col = byName.get(field);
      if (!col) {
        const hint = closest(field, byName.keys());
        problems.push({ path: at(key, field), message: `unknown field${hint[0] ? `; did you mean "${hint[0]}"?` : ""}` });
        continue;
      }
      if (field === keyName) {
        problems.push({ path: at(key, field), message: "the key names the contact and is never written: expect only the fields you write" });
        continue;
      }
      if (!written.has(col.name)) {
        problems.push({ path: at(key, field), message: `this request does not write ${field} for this contact: expect only the fields you write` });
        continue;
      }
      try {
        expected.push({ field, col, value, text: canonical(ctx, value, col) });
      } catch (e) {
        if (!(e instanceof EncodeError)) throw e;
        problems.push({ path: at(key, field), message: e.message });
      }
    }
    if (expected.length > 0) out.set(key, expected);
  }
  if (problems.length > 0) throw new InvalidInputError(problems.slice(0, 100), problems.length);
  return out.size > 0 ? out : null;
}

/**
 * The expected values that differ from the stored rows (`stored(key)`: the contact's row as the adapter
 * reads it, null when there is no contact), in the order expected.
 */
export function staleValues(ctx: Ctx, expectations: ContactExpectations, stored: (key: string) => Row | null): ContactConflict[] {
  const conflicts: ContactConflict[] = [];
  for (const [key, expected] of expectations) {
    const row = stored(key);
    for (const e of expected) {
      if (row === null) {
        conflicts.push({ key, field: e.field, expected: e.value, stored: null, exists: false });
        continue;
      }
      const now = decodeCell(row[e.col.name], e.col);
      let same: boolean;
      try {
        same = canonical(ctx, now, e.col) === e.text;
      } catch (err) {
        // A stored value no write could make (a time outside years 1-9999 loaded by other means): not expected.
        if (!(err instanceof EncodeError)) throw err;
        same = false;
      }
      if (!same) conflicts.push({ key, field: e.field, expected: e.value, stored: now, exists: true });
    }
  }
  return conflicts;
}

/**
 * Inside a write's transaction, before anything is written: reads the expected contacts' rows and throws
 * `ContactChangedError` when a value differs. Writes are serialised (`SqlAdapter.write`: in-process, and on
 * PostgreSQL across processes by an advisory lock), so nothing can change the rows between this read and
 * the write; on PostgreSQL `FOR UPDATE` also holds them against writers that bypass segql.
 */
export async function checkExpectations(ctx: Ctx, tx: SqlRunner, expectations: ContactExpectations): Promise<void> {
  const keys = storableKeys(ctx, [...expectations.keys()]);
  const cond = await keysIn(tx, ctx.key, keys);
  const rows = keys.length > 0 ? await tx.query(`SELECT * FROM ${ctx.table} WHERE ${cond.sql}${ctx.adapter.kind === "postgres" ? " FOR UPDATE" : ""}`, cond.params) : [];
  const keyColumn = ctx.contactCols[0]!.name;
  const byKey = new Map(rows.map((r) => [String(r[keyColumn]), r]));
  const conflicts = staleValues(ctx, expectations, (key) => byKey.get(key) ?? null);
  if (conflicts.length > 0) throw new ContactChangedError(conflicts);
}
