/**
 * What bench/segments measures, the same on every engine: the schema, the 100 saved segments and the four
 * previews, each with the hand-written SQL condition that selects the same contacts. The hand-written SQL
 * differs per engine only where the engines' SQL does (list membership, timestamp literals): those come
 * from a `HandSql` (duckdb.ts, postgres.ts).
 */
import { parseSchema } from "../../src/schema/schema.js";

/** The store's clock during the bench: relative times resolve against it. */
export const NOW = Date.parse("2026-01-01T00:00:00Z");
const DAY = 86_400_000;

/** The contacts and events schema, one physical layout per engine (src/store/physical.ts). */
export const schema = parseSchema(
  JSON.stringify({
    table: "contacts",
    key: "id",
    fields: {
      id: { type: "string" },
      country: { type: "enum", values: ["GB", "DE", "FR", "US"] },
      plan: { type: "enum", values: ["Free", "Pro", "Team"] },
      ltv: { type: "number" },
      signed_up_at: { type: "timestamp" },
      tags: { type: "list" },
    },
    events: {
      table: "events",
      contact_key: "contact_id",
      name: "event",
      time: "occurred_at",
      properties: { amount: { type: "number" }, currency: { type: "string" } },
      names: ["Purchase", "Login", "Page View", "Refund"],
    },
  }),
);

/** The two places where hand-written SQL conditions differ between engines. */
export interface HandSql {
  /** A condition: the list column `tags` holds `tag` (a fixed word of this file, no quote in it). */
  hasTag(tag: string): string;
  /** A timestamp literal for the instant `ms`, comparable with the store's timestamp columns. */
  timestamp(ms: number): string;
}

/** A saved segment and the hand-written SQL condition selecting the same contacts (on `contacts`). */
export interface Spec {
  name: string;
  expression: string;
  hand: string;
}

/** 100 segments: thresholds, combinations, lists with relative times, and 10 on events. */
export function specs(sql: HandSql): Spec[] {
  const out: Spec[] = [];
  const countries = ["GB", "DE", "FR", "US"];
  const plans = ["Free", "Pro", "Team"];
  const ts = (ms: number) => sql.timestamp(ms);
  for (let k = 1; k <= 30; k++) out.push({ name: `LTV over ${k * 60}`, expression: `ltv > ${k * 60}`, hand: `ltv > ${k * 60}` });
  for (let k = 0; k < 30; k++) {
    const c = countries[k % 4]!;
    const p = plans[k % 3]!;
    const v = 100 + k * 50;
    out.push({ name: `${c} ${p} over ${v}`, expression: `country = "${c}" and plan = "${p}" and ltv >= ${v}`, hand: `country = '${c}' AND plan = '${p}' AND ltv >= ${v}` });
  }
  for (let k = 0; k < 20; k++) {
    const t = ["vip", "beta", "churn-risk", "newsletter"][k % 4]!;
    const d = 30 + k * 15;
    out.push({ name: `${t} joined in ${d} days`, expression: `tags has "${t}" and signed_up_at within last ${d} days`, hand: `${sql.hasTag(t)} AND signed_up_at BETWEEN ${ts(NOW - d * DAY)} AND ${ts(NOW)}` });
  }
  for (let k = 0; k < 10; k++) {
    const lo = k * 100;
    out.push({ name: `Paid or ${lo}-${lo + 50}`, expression: `plan in ("Pro", "Team") or ltv between ${lo} and ${lo + 50}`, hand: `plan IN ('Pro', 'Team') OR ltv BETWEEN ${lo} AND ${lo + 50}` });
  }
  for (let k = 1; k <= 10; k++) {
    out.push({
      name: `Bought ${k}+ times in 30 days`,
      expression: `performed "Purchase" at least ${k} times within last 30 days`,
      hand: `id IN (SELECT contact_id FROM events WHERE event = 'Purchase' AND occurred_at BETWEEN ${ts(NOW - 30 * DAY)} AND ${ts(NOW)} GROUP BY contact_id HAVING count(*) >= ${k})`,
    });
  }
  return out;
}

/** A preview measured, and the hand-written condition counting the same contacts (none for the event rule). */
export interface PreviewSpec {
  label: string;
  expression: string;
  /** Whether it reads contact fields only (the preview goal applies to those). */
  contact: boolean;
  hand: string | null;
}

/** Three previews of contact rules and one of an event rule. */
export function previews(sql: HandSql): PreviewSpec[] {
  return [
    { label: "P1", expression: 'ltv > 500 and country = "GB"', contact: true, hand: "ltv > 500 AND country = 'GB'" },
    {
      label: "P2",
      expression: '(plan = "Pro" or tags has "vip") and signed_up_at within last 90 days',
      contact: true,
      hand: `(plan = 'Pro' OR ${sql.hasTag("vip")}) AND signed_up_at BETWEEN ${sql.timestamp(NOW - 90 * DAY)} AND ${sql.timestamp(NOW)}`,
    },
    {
      label: "P3",
      expression: 'country in ("DE", "FR") and not (ltv between 100 and 200) and plan != "Free"',
      contact: true,
      hand: "country IN ('DE', 'FR') AND (ltv IS NULL OR ltv NOT BETWEEN 100 AND 200) AND (plan IS NULL OR plan <> 'Free')",
    },
    {
      label: "P4",
      expression: 'performed "Purchase" at least 3 times within last 30 days where amount > 50',
      contact: false,
      hand: null,
    },
  ];
}
