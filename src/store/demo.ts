/**
 * The demo CRM (`segql serve --demo`, `npm start`): contacts from both vendored datasets (data/telco and
 * data/online-retail) in one contacts table with a `source` enum, Online Retail's events, and a few
 * example segments (static and dynamic, one with events, one reading another).
 */
import type { Schema } from "../schema/schema.js";
import type { Segment, Store } from "./types.js";

/** What `seedDemo` did. */
export interface DemoReport {
  /** False when the store already held contacts or segments (nothing was added). */
  seeded: boolean;
  contacts: number;
  events: number;
  segments: Segment[];
}

/** The demo schema: the union of the Telco and Online Retail contact fields plus `source`, and Online Retail's events. */
export function demoSchema(): Schema {
  throw new Error("demoSchema: not implemented yet");
}

/** Fills an empty store opened with `demoSchema()` with the demo contacts, events and segments. */
export async function seedDemo(store: Store): Promise<DemoReport> {
  void store;
  throw new Error("seedDemo: not implemented yet");
}
