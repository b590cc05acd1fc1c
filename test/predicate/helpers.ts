/**
 * Test helpers for the predicate: compile a text both ways and require both answers to agree.
 */
import { expect } from "vitest";
import { checkExpression } from "../../src/index.js";
import { compilePredicate, type Contact, type EventRow } from "../../src/compiler/predicate/index.js";
import type { Schema } from "../../src/schema/schema.js";
import { richSchema } from "../helpers/generators.js";

export const NOW = "2024-03-31T12:00:00.000Z";

/** Compiles `text` in both modes; the returned function checks they agree and returns the answer. */
export function both(text: string, options: { schema?: Schema; now?: string; segment?: string } = {}) {
  const schema = options.schema ?? richSchema;
  const query = checkExpression(text, schema, options.segment ? { segment: options.segment } : {});
  const now = options.now ?? NOW;
  const gen = compilePredicate(query, { now, mode: "codegen" });
  const clo = compilePredicate(query, { now, mode: "closure" });
  return (contact: Contact, events?: readonly EventRow[]): boolean => {
    const a = gen(contact, events);
    const b = clo(contact, events);
    expect(b, `closure and codegen disagree on ${text} for ${JSON.stringify(contact)}`).toBe(a);
    return a;
  };
}

/** Evaluates `text` on each contact; returns the answers in order. */
export function answers(text: string, contacts: Contact[], options: { schema?: Schema; now?: string } = {}): boolean[] {
  const p = both(text, options);
  return contacts.map((c) => p(c));
}

/** Empty values of every kind a field can have: missing, null, undefined. */
export const EMPTIES: Contact[] = [{}, { x: 1 }];
