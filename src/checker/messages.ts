/**
 * Every checker message, in one table keyed by diagnostic code, so wording is reviewed in one place
 * (test/checker/messages.test.ts snapshots them).
 */
import type { FieldType } from "../schema/schema.js";

const article = (type: string) => (/^[aeiou]/.test(type) ? "an" : "a");

/** Operators each field type takes, as analysts write them (for "which operators a number takes"). */
export const OPERATORS_BY_TYPE: Record<FieldType, string> = {
  string: "=, !=, in, not in, contains, not contains, starts with, ends with, is empty, is not empty",
  enum: "=, !=, in, not in, is empty, is not empty",
  number: "=, !=, <, <=, >, >=, between, not between, in, not in, is empty, is not empty",
  boolean: "the field alone (is_verified), not field, = true, = false, is empty, is not empty",
  date: "=, !=, <, <=, >, >=, between, before, after, within last, not within last, is empty, is not empty",
  timestamp: "=, !=, <, <=, >, >=, between, before, after, within last, not within last, is empty, is not empty",
  list: "has, has any, has all, has none, is empty, is not empty",
};

export const messages = {
  unknownField: (name: string, suggestions: string[]) =>
    `unknown field '${name}'${suggestions.length ? `; did you mean ${suggestions.map((s) => `"${s}"`).join(" or ")}?` : ""}`,
  unknownProperty: (name: string, event: string, suggestions: string[], isContactField: boolean) =>
    `unknown property '${name}' of event "${event}"` +
    (suggestions.length ? `; did you mean ${suggestions.map((s) => `"${s}"`).join(" or ")}?` : "") +
    (isContactField
      ? `. '${name}' is a contact field: a 'where' filter runs to the end of the condition, so put the event condition in parentheses, e.g. (performed "${event}" where …) and ${name} …`
      : ""),
  unknownValue: (value: string, field: string, suggestions: string[], all: string[]) =>
    `"${value}" is not a value of ${field}${closestOrAllowed(suggestions, all)}`,
  unquotedValue: (word: string) => `put "${word}" in quotes: text values are written "like this"`,
  unquotedUnknownEvent: (word: string, suggestions: string[], known: string[]) =>
    `${word} is not a known event, and event names are written in quotes${closestOrAllowed(suggestions, known, "known events")}`,
  unquotedUnknownValue: (word: string, field: string, suggestions: string[], all: string[]) =>
    `${word} is not a value of ${field}, and values are written in quotes${closestOrAllowed(suggestions, all)}`,
  operatorType: (operator: string, takes: string, field: string, type: FieldType) =>
    `'${operator}' takes ${takes}; ${field} is ${article(type)} ${type} field, which takes ${OPERATORS_BY_TYPE[type]}`,
  valueType: (field: string, type: FieldType, found: string, hint = "") =>
    `${field} is ${article(type)} ${type} field, so it cannot be compared with ${found}${hint}`,
  notBoolean: (field: string, type: FieldType) =>
    `${field} is ${article(type)} ${type} field, not a condition: compare it (it takes ${OPERATORS_BY_TYPE[type]})`,
  badDate: (text: string) => `${text} is not a date on the calendar`,
  badTimestamp: (text: string, reason: string) => `invalid timestamp ${text}: ${reason}`,
  badNumber: (raw: string) => `${raw} is too large for a number`,
  emptyList: () => "an empty list matches nothing: give at least one value",
  badAmount: (raw: string) => `expected a whole number of units, found ${raw}`,
  badCount: (raw: string) => `expected a whole number of times, found ${raw}`,
  noEvents: () => "this schema has no \"events\" section, so conditions on events cannot be checked",
  unknownEvent: (name: string, suggestions: string[], known: string[]) =>
    `unknown event "${name}"${closestOrAllowed(suggestions, known, "known events")}`,
  eventNameNotString: (found: string) => `expected an event name in quotes, found ${found}`,
  nestedEvent: () => "an event's 'where' filter tests that event's properties; it cannot hold another event condition",
  segmentInFilter: () => "an event's 'where' filter tests that event's properties; it cannot refer to a segment",
  aggregateNotNumber: (fn: string, property: string, type: FieldType) =>
    `'${fn} of' needs a number property; ${property} is ${article(type)} ${type} property`,
  negativeAggregate: (what: string) =>
    `${what} over no events is empty, so it takes only positive tests (=, <, <=, >, >=, between, before, after, within last); ` +
    `write 'not performed … with …' for the complement`,
  unknownSegment: (name: string, suggestions: string[]) =>
    `unknown segment "${name}"${suggestions.length ? `; did you mean ${suggestions.map((s) => `"${s}"`).join(" or ")}?` : ""}`,
  segmentCycle: (cycle: string[]) => `segments refer to each other in a cycle: ${cycle.map((s) => `"${s}"`).join(" → ")}`,
  duplicateSegment: (name: string, line: number) => `segment "${name}" is already defined at line ${line}`,
  brokenSegment: (name: string) => `segment "${name}" has errors, so this reference cannot be checked`,
};

/** `; did you mean "a" or "b"?`, or with no close value the first allowed ones. */
function closestOrAllowed(suggestions: string[], all: string[], label = "allowed"): string {
  if (suggestions.length) return `; did you mean ${suggestions.map((s) => `"${s}"`).join(" or ")}?`;
  return `; ${label}: ${all.slice(0, 12).map((s) => `"${s}"`).join(", ")}${all.length > 12 ? ", …" : ""}`;
}
