/**
 * Every checker message, in one table keyed by diagnostic code, so wording is reviewed in one place
 * (test/checker/messages.test.ts snapshots them).
 */
import { clip } from "../diagnostics.js";
import type * as A from "../parser/ast.js";
import { formatField } from "../parser/format.js";
import type { FieldDef, FieldType } from "../schema/schema.js";

const article = (type: string) => (/^[aeiou]/.test(type) ? "an" : "a");

/** Operators each field type takes, as analysts write them (for "which operators a number takes"). */
export const OPERATORS_BY_TYPE: Record<FieldType, string> = {
  string: "=, !=, in, not in, contains, not contains, starts with, ends with, is empty, is not empty",
  enum: "=, !=, in, not in, is empty, is not empty",
  number: "=, !=, <, <=, >, >=, between, not between, in, not in, is empty, is not empty",
  boolean: "the field alone (is_verified), not field, = true, = false, is empty, is not empty",
  date: "=, !=, <, <=, >, >=, between, before, after, within last, not within last, within next, not within next, is empty, is not empty",
  timestamp: "=, !=, <, <=, >, >=, between, before, after, within last, not within last, within next, not within next, is empty, is not empty",
  list: "has, has any, has all, has none, is empty, is not empty",
};

export const messages = {
  /**
   * With no close name, the fields the test suits (`signup_date > 2024-01-01`: those that hold a time), or
   * the ones named most alike: see `otherFields`.
   */
  unknownField: (name: string, suggestions: string[], schema?: { fields: Record<string, FieldDef>; test?: A.Test }) =>
    `unknown field '${name}'${suggestions.length ? `; did you mean ${suggestions.map((s) => `"${s}"`).join(" or ")}?` : schema ? otherFields(name, schema.fields, schema.test) : ""}`,
  unknownProperty: (name: string, event: string, suggestions: string[], isContactField: boolean) =>
    `unknown property '${name}' of event "${event}"` +
    (suggestions.length ? `; did you mean ${suggestions.map((s) => `"${s}"`).join(" or ")}?` : "") +
    (isContactField
      ? `. '${name}' is a contact field: a 'where' filter runs to the end of the condition, so put the event condition in parentheses, e.g. (performed "${event}" where …) and ${name} …`
      : ""),
  unknownValue: (value: string, field: string, suggestions: string[], all: string[]) =>
    `"${value}" is not a value of ${field}${closestOrAllowed(suggestions, all)}`,
  nullValue: (word: string, field: string) =>
    `segql has no ${word}: a missing value is tested with '${field} is empty' (or '${field} is not empty')`,
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
  /** After `valueType`: the keyword value a misspelt word is one edit from. */
  didYouMeanKeyword: (keyword: string) => `: did you mean ${keyword}?`,
  badDate: (text: string) => `${text} is not a date on the calendar`,
  badTimestamp: (text: string, reason: string) => `invalid timestamp ${text}: ${reason}`,
  badNumber: (raw: string) => `${raw} is too large for a number`,
  inexactNumber: (raw: string, read: string) =>
    read === "0"
      ? `${raw} is too close to 0 for a number: it is read, and compared, as 0`
      : `${raw} has more digits than a number holds (about 15 to 17; whole numbers are exact up to 9007199254740991): it is read, and compared, as ${read}`,
  emptyList: () => "an empty list matches nothing: give at least one value",
  badAmount: (raw: string) => `expected a whole number of units, found ${raw}`,
  outsideYears: (text: string) => `${text} is outside the years 0001-9999 that times hold`,
  longerThanTimes: (raw: string, unit: string) => `${raw} ${unit}${raw === "1" ? "" : "s"} is longer than the 9,999 years that times span`,
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
  segmentCycle: (cycle: string[]) => `segments refer to each other in a cycle: ${elide(cycle.map((s) => `"${s}"`)).join(" → ")}`,
  referencesTooDeep: (name: string, below: number, limit: number) =>
    `"${name}" starts a chain of ${below} 'in segment' references, so this one makes ${below + 1}, more than the limit of ${limit}; ` +
    `refer to a segment lower in the chain, or write its condition here`,
  tooDeepThroughReference: (name: string, at: number, nested: number, limit: number) =>
    `with the segments it refers to, this condition nests ${at + nested} levels here, more than the limit of ${limit} ` +
    `("${name}" nests ${nested} levels and is used ${at} level${at === 1 ? "" : "s"} deep); use it less deeply nested, or simplify "${name}"`,
  atLeastZero: (event: string) =>
    `'at least 0 times' always holds (every contact performed "${event}" at least 0 times), so this condition matches everyone; ` +
    `to require the event, leave the count out or write 'at least 1 time'`,
  filterShadowsField: (name: string, event: string) =>
    `${name} here is the property ${name} of event "${event}", not the contact field ${name}: a 'where' filter runs to the end of the condition. ` +
    `To test the contact field, put the event condition in parentheses: (performed "${event}" where …) and ${name} …; ` +
    `to keep the property, put the filter in parentheses: where (…)`,
  duplicateSegment: (name: string, line: number) => `segment "${name}" is already defined at line ${line}`,
  /** A name declared again in another input of one check (`segql check -f a.segql -f b.segql`). */
  duplicateSegmentIn: (name: string, file: string, line: number) => `segment "${name}" is already defined in ${file} at line ${line}`,
  brokenSegment: (name: string) => `segment "${name}" has errors, so this reference cannot be checked`,
  skippedLocalTime: (text: string, zone: string, gap: string, readAs: string, utc: string) =>
    `${text} does not occur in ${zone}: the clocks jump forward ${gap} there, so it is read as ${readAs} (${utc}); write the time after the change, or a UTC offset`,
  repeatedLocalTime: (text: string, zone: string, later: string, earlier: string) =>
    `${text} occurs twice in ${zone} (the clocks go back that night): it is read as the later one, ${later}; for the earlier one write ${earlier}`,
  futureEvent: (form: string) =>
    `'${form}' looks ahead, and events are in the past (an event is recorded when it happens): use 'within last …', or 'between' with past times`,
};

/** At most this many items of a long list (a cycle through thousands of segments) are named. */
const ITEMS_SHOWN = 12;

/** The items, the middle ones elided when there are many. */
function elide(items: string[]): string[] {
  if (items.length <= ITEMS_SHOWN) return items;
  return [...items.slice(0, ITEMS_SHOWN - 2), `… (${(items.length - ITEMS_SHOWN + 1).toLocaleString("en-US")} more)`, items[items.length - 1]!];
}

/** `; did you mean "a" or "b"?`, or with no close value the first allowed ones. */
function closestOrAllowed(suggestions: string[], all: string[], label = "allowed"): string {
  if (suggestions.length) return `; did you mean ${suggestions.map((s) => `"${s}"`).join(" or ")}?`;
  return `; ${label}: ${all.slice(0, 12).map((s) => `"${s}"`).join(", ")}${all.length > 12 ? ", …" : ""}`;
}

/** What a test says of the type of the field it tests, for naming the fields that suit it. */
interface FieldKind {
  /** As in "fields that hold a time". */
  holds: string;
  types: readonly FieldType[];
}

const KINDS = {
  time: { holds: "a time", types: ["date", "timestamp"] },
  number: { holds: "a number", types: ["number"] },
  boolean: { holds: "true or false", types: ["boolean"] },
  text: { holds: "text", types: ["string", "enum"] },
  freeText: { holds: "free text", types: ["string"] },
  list: { holds: "a list", types: ["list"] },
} satisfies Record<string, FieldKind>;

/** The kind of field `test` suits, when its operator or its value says (`is empty` does not). */
function kindOfTest(test: A.Test | undefined): FieldKind | null {
  if (!test) return null;
  switch (test.op) {
    case "truthy":
      return KINDS.boolean;
    case "has":
      return KINDS.list;
    case "before":
    case "after":
    case "within":
      return KINDS.time;
    case "contains":
    case "startsWith":
    case "endsWith":
      return KINDS.freeText;
    case "empty":
      return null;
    case "compare":
      return kindOfValue(test.value);
    case "between":
      return kindOfValue(test.low) ?? kindOfValue(test.high);
    case "in":
      for (const v of test.values) {
        const kind = kindOfValue(v);
        if (kind) return kind;
      }
      return null;
  }
}

function kindOfValue(value: A.Value): FieldKind | null {
  switch (value.kind) {
    case "string":
    case "bareword":
      return KINDS.text;
    case "number":
      return KINDS.number;
    case "boolean":
      return KINDS.boolean;
    case "date":
    case "timestamp":
    case "relative":
    case "now":
    case "today":
      return KINDS.time;
    case "missing":
      return null;
  }
}

/** At most this many fields are named after an unknown one (a schema of 500 fields makes no 500-name message). */
const FIELDS_SHOWN = 5;
/** How alike two names must be (`alike`) for one to be named as "named alike" the other. */
const ALIKE = 0.3;

/**
 * After an unknown field with no close name: the fields that suit its test, most alike first
 * (`; fields that hold a time: signed_up_at, birthday`); with none, or when the test does not say, the
 * fields named most alike; else the schema's first fields, and how many more.
 */
function otherFields(name: string, fields: Record<string, FieldDef>, test: A.Test | undefined): string {
  const index = fieldIndex(fields);
  if (index.defs.length === 0) return "; the schema has no fields";
  const kind = kindOfTest(test);
  const scores = index.alike(name);
  if (kind) {
    const suited = mostAlike(index.defs, scores, (f) => kind.types.includes(f.type));
    if (suited.count > 0) return `; fields that hold ${kind.holds}: ${listed(suited)}`;
  }
  const named = mostAlike(index.defs, scores, (_, score) => score >= ALIKE);
  if (named.count > 0) return `; fields named alike: ${listed(named)}`;
  return `; fields: ${listed(mostAlike(index.defs, scores, () => true))}`;
}

/** The first `FIELDS_SHOWN` fields as written in segql (backticks when needed), and how many more. */
function listed({ shown, count }: { shown: FieldDef[]; count: number }): string {
  const names = shown.map((f) => clip(formatField(f), 60));
  return names.join(", ") + (count > shown.length ? `, … (${(count - shown.length).toLocaleString("en-US")} more)` : "");
}

/**
 * The `FIELDS_SHOWN` fields that pass `keep` with the highest scores (ties in schema order), and how many
 * pass: a selection, not a sort, as this runs for each unknown field of a text against the whole schema.
 */
function mostAlike(defs: readonly FieldDef[], scores: Float64Array, keep: (f: FieldDef, score: number) => boolean): { shown: FieldDef[]; count: number } {
  const top: number[] = [];
  let count = 0;
  for (let i = 0; i < defs.length; i++) {
    if (!keep(defs[i]!, scores[i]!)) continue;
    count++;
    if (top.length === FIELDS_SHOWN && scores[i]! <= scores[top[FIELDS_SHOWN - 1]!]!) continue;
    let at = top.length;
    while (at > 0 && scores[top[at - 1]!]! < scores[i]!) at--;
    top.splice(at, 0, i);
    if (top.length > FIELDS_SHOWN) top.pop();
  }
  return { shown: top.map((i) => defs[i]!), count };
}

/** Names longer than this are compared by their start only (the measure is for names a person types). */
const COMPARED_LENGTH = 64;

/** A schema's fields with their letter pairs indexed, built once per schema (see `alike`). */
interface FieldIndex {
  defs: FieldDef[];
  /**
   * How alike `name` is to each field, 0 to 1: the Dice coefficient of their sets of letter pairs, ignoring
   * case, so `signup_date` and `signed_up_at` share `si ig gn up p_ at` (0.6) where the edit distance is
   * large.
   */
  alike(name: string): Float64Array;
}

const fieldIndexes = new WeakMap<Record<string, FieldDef>, FieldIndex>();

function fieldIndex(fields: Record<string, FieldDef>): FieldIndex {
  let index = fieldIndexes.get(fields);
  if (index) return index;
  const defs = Object.values(fields);
  const sizes = new Float64Array(defs.length);
  const postings = new Map<string, number[]>();
  defs.forEach((f, i) => {
    const own = pairs(f.name);
    sizes[i] = own.size;
    for (const p of own) {
      const list = postings.get(p);
      if (list) list.push(i);
      else postings.set(p, [i]);
    }
  });
  index = {
    defs,
    alike(name) {
      const own = pairs(name);
      const shared = new Float64Array(defs.length);
      for (const p of own) for (const i of postings.get(p) ?? []) shared[i]!++;
      for (let i = 0; i < defs.length; i++) shared[i] = shared[i]! === 0 ? 0 : (2 * shared[i]!) / (own.size + sizes[i]!);
      return shared;
    },
  };
  fieldIndexes.set(fields, index);
  return index;
}

function pairs(name: string): Set<string> {
  const s = name.slice(0, COMPARED_LENGTH).toLowerCase();
  const out = new Set<string>();
  for (let i = 0; i + 1 < s.length; i++) out.add(s.slice(i, i + 2));
  return out;
}
