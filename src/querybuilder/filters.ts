/**
 * An event rule's `where` filter as rows of the builder: when the filter is one test of an event property,
 * or several joined by `and` (`amount > 50 and channel = "web"`), each test is a Field / Operator / Value
 * rule over the events' properties, as a contact rule is over the contact's fields. Anything else (an `or`,
 * a `not`, a group) stays the filter's text, shown as written.
 *
 * The rows are read with the same mapping as the builder's own rules (`fromText` over a schema whose fields
 * are the properties) and written back with the same printer, so a filter row takes every operator and value
 * editor a contact rule has.
 */
import { findField, type EventsDef, type Schema } from "../schema/schema.js";
import { fromText } from "./from-text.js";
import { printGroup } from "./to-ast.js";
import { isGroup, type BuilderGroup, type BuilderRule } from "./types.js";

const schemas = new WeakMap<EventsDef, Schema>();

/** The events' properties as the fields of a schema (what a `where` filter reads). */
export function propertySchema(events: EventsDef): Schema {
  let schema = schemas.get(events);
  if (!schema) {
    schema = { table: events.table, key: events.contactKey, fields: events.properties };
    schemas.set(events, schema);
  }
  return schema;
}

/** The filter's tests as rows, or null when it is not tests of properties joined by `and`. */
export function filterRules(where: string, events: EventsDef): BuilderRule[] | null {
  const shown = fromText(where, propertySchema(events));
  if (!shown.ok) return null;
  // A filter written in parentheses of its own is a group of one inside the root: the same rows.
  let group: BuilderGroup = shown.view.query;
  while (!group.not && group.rules.length === 1 && isGroup(group.rules[0]!)) group = group.rules[0];
  if (group.not || (group.rules.length > 1 && group.combinator !== "and")) return null;
  const rules: BuilderRule[] = [];
  for (const r of group.rules) {
    if (isGroup(r) || r.field.startsWith("~")) return null;
    rules.push(r);
  }
  return rules;
}

/**
 * The `where` text of filter rows: each row's text, joined by `and`; in parentheses when a row's property
 * has the name of a contact field of `contacts` (the checker warns of such a filter without them: is
 * `country` the event's or the contact's?).
 */
export function filterText(rules: readonly BuilderRule[], events: EventsDef, contacts?: Schema): string {
  const text = printGroup({ id: "g", combinator: "and", not: false, rules: [...rules] }, propertySchema(events));
  return contacts && rules.some((r) => findField(contacts, r.field)) ? `(${text})` : text;
}
