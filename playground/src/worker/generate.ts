/**
 * Generated contacts for trying the playground at scale: `count` contacts with the Telco schema, each a
 * recombination of real Telco rows (so the value mix is realistic) with a fresh key and its own tenure,
 * charges and sign-up time. Deterministic: the same count gives the same contacts.
 */
import type { Contact } from "./load.js";
import { mulberry32 as random } from "../../../src/data/random.js";


/** The Telco reference instant its `signed_up_at` is computed from. */
const TELCO_NOW = Date.UTC(2026, 0, 1);

/** `count` contacts built from `templates` (Telco contacts as loaded). */
export function generateContacts(templates: readonly Contact[], count: number, key = "customer_id"): Contact[] {
  if (templates.length === 0) return [];
  const next = random(12);
  const out: Contact[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const a = templates[Math.floor(next() * templates.length)]!;
    const b = templates[Math.floor(next() * templates.length)]!;
    // Services and their enum fields travel together (from one row); the person's fields from another.
    const c: Contact = { ...a };
    for (const f of ["gender", "senior_citizen", "partner", "dependents", "contract", "paperless_billing", "payment_method", "churn"]) c[f] = b[f];
    const tenure = Math.floor(next() * 73);
    const monthly = Math.round((18 + next() * 101) * 100) / 100;
    c[key] = `G${String(i).padStart(6, "0")}`;
    c["tenure"] = tenure;
    c["monthly_charges"] = monthly;
    c["total_charges"] = tenure === 0 ? null : Math.round(tenure * monthly * 100) / 100;
    const d = new Date(TELCO_NOW);
    d.setUTCMonth(d.getUTCMonth() - tenure);
    c["signed_up_at"] = d;
    out[i] = c;
  }
  return out;
}
