/**
 * `compilePredicate(query, { now })`: a checked condition → `(contact, events?) => boolean`.
 *
 *   typed AST ──lower(now)──▶ plan ──┬─▶ codegen: one `new Function` per condition (fast)
 *                                    └─▶ closure: a tree of closures (no eval; strict-CSP pages)
 *
 * Contacts are plain objects keyed by schema field name; the second argument is the contact's event rows
 * (keyed by the schema's events column names). docs/predicate.md describes shapes and semantics.
 */
import type { TypedQuery } from "../../checker/typed-ast.js";
import { zoneOf } from "../../checker/zone.js";
import { compileClosure } from "./closure.js";
import { compileGenerated, generate } from "./codegen.js";
import { lower, resolveNow } from "./lower.js";

/** A contact: field name → value. `null`/`undefined`/missing are empty; so are `""` for strings and `[]` for lists. */
export type Contact = Readonly<Record<string, unknown>>;

/**
 * One event row, keyed by the schema's events column names: `{ [contact_key]: …, [name]: "Purchase",
 * [time]: ISO string | Date | epoch ms, [properties_column]: { amount: 15.3, … } }`; a property with its
 * own `column` is read from the row itself.
 */
export type EventRow = Readonly<Record<string, unknown>>;

/** A compiled condition. `events` are the contact's event rows (omitted: none). */
export type Predicate = (contact: Contact, events?: readonly EventRow[]) => boolean;

/** Options of `compilePredicate`. */
export interface PredicateOptions {
  /**
   * The instant relative times (`30 days ago`, `within last 7 days`, `today`) are resolved against, once,
   * at compile time: a Date, epoch ms, or an ISO-8601 string (without a UTC offset: wall-clock time in the
   * time zone). Default: the current time.
   */
  now?: Date | string | number;
  /**
   * The IANA time zone (`Europe/Berlin`) where `today`, dates, timestamps written without an offset and
   * calendar units (days and longer) are counted. Default: the schema's `timeZone`, else UTC. An unknown
   * name throws `TimeZoneError` (a RangeError).
   */
  timeZone?: string;
  /**
   * `codegen` (default) generates one JavaScript function with `new Function`; `closure` builds a tree of
   * closures and never evaluates code. Without a `mode`, codegen falls back to closures where `new Function`
   * is forbidden (a Content-Security-Policy without `unsafe-eval` throws `EvalError`).
   */
  mode?: "codegen" | "closure";
}

/** Compiles a checked condition into a predicate over contacts (and their events). */
export function compilePredicate(query: TypedQuery, options: PredicateOptions = {}): Predicate {
  const plan = lowerWith(query, options);
  if (options.mode === "closure") return compileClosure(plan) as Predicate;
  if (options.mode === "codegen") return compileGenerated(plan) as Predicate;
  try {
    return compileGenerated(plan) as Predicate;
  } catch (e) {
    if (e instanceof EvalError) return compileClosure(plan) as Predicate;
    throw e;
  }
}

/** `compilePredicate` with code generation (throws `EvalError` where `new Function` is forbidden). */
export function compilePredicateCodegen(query: TypedQuery, options: Omit<PredicateOptions, "mode"> = {}): Predicate {
  return compilePredicate(query, { ...options, mode: "codegen" });
}

/** `compilePredicate` with the closure evaluator: never evaluates generated code. */
export function compilePredicateClosure(query: TypedQuery, options: Omit<PredicateOptions, "mode"> = {}): Predicate {
  return compilePredicate(query, { ...options, mode: "closure" });
}

/** The JavaScript the code generator writes for a condition (for inspection and debugging). */
export function predicateSource(query: TypedQuery, options: Omit<PredicateOptions, "mode"> = {}): string {
  return generate(lowerWith(query, options)).source;
}

/** Lowers with the options' `now` and zone (the schema's zone by default). */
function lowerWith(query: TypedQuery, options: Omit<PredicateOptions, "mode">) {
  const zone = zoneOf(options.timeZone ?? query.schema.timeZone);
  return lower(query, resolveNow(options.now, zone), zone);
}

/**
 * Groups event rows by contact key (the schema's `events.contact_key` column), keeping their order:
 * `predicate(contact, byKey.get(String(contact[schema.key])))`.
 */
export function groupEvents(rows: Iterable<EventRow>, contactKeyColumn: string): Map<string, EventRow[]> {
  const out = new Map<string, EventRow[]>();
  for (const row of rows) {
    const raw = Object.hasOwn(row, contactKeyColumn) ? row[contactKeyColumn] : undefined;
    if (raw === undefined || raw === null) continue;
    const key = String(raw);
    const list = out.get(key);
    if (list) list.push(row);
    else out.set(key, [row]);
  }
  return out;
}
