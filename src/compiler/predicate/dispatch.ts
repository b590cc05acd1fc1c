/**
 * Dispatch on one field: an `or` of many branches that each require one field to equal a value
 * (`tenure = 3 and customer_id = "7590-VHVEG" or tenure = 7 and customer_id = "5575-GNVDE" or …`, as a
 * generated segment writes thousands of them) becomes one table lookup. Per contact: one read of the field,
 * one Map lookup, then only the rest of the branches that value selects; as written, every branch is tried
 * (20,000 branches over 7,043 contacts: 140 million tests).
 *
 * Why the answer cannot change: a branch `f = x and R` holds exactly when the contact's f is x (a typed
 * `===`: a value of another type, or an empty one, is never x) and R holds; so the `or` of the branches
 * whose key is x, for the contact's value x, is the `or` of all of them. A branch `f in (x, y) and R` is
 * listed under x and under y. Operands have no side effects, so their order does not matter. The key is
 * compared as `mergeMembershipTests`'s Sets compare it (Map keys are SameValueZero: -0 finds 0, as `===`).
 *
 * Only at contact level (an event filter's branches read the event being scanned) and one level deep (a
 * bucket's branches are not dispatched again: a user's text decides how deep that would go).
 */
import type { Access, PlanExpr } from "./lower.js";

/** Fewest branches worth a table (fewer are tried one by one, as written). */
export const DISPATCH_THRESHOLD = 16;

/** The branches of an `or` at contact level, with a dispatch on one field in place of those that key on it. */
export function dispatchBranches(branches: PlanExpr[], membershipValues: (e: PlanExpr) => (string | number)[] | null): PlanExpr[] {
  if (branches.length < DISPATCH_THRESHOLD) return branches;
  // Per candidate field (source, name, value type): the branches keyed on it and their distinct values.
  const tally = new Map<string, { covered: number; values: Set<string | number> }>();
  for (const branch of branches) {
    const seen = new Set<string>();
    for (const { key, values } of keys(branch, membershipValues)) {
      if (seen.has(key)) continue;
      seen.add(key);
      let t = tally.get(key);
      if (!t) tally.set(key, (t = { covered: 0, values: new Set() }));
      t.covered++;
      for (const v of values) t.values.add(v);
    }
  }
  // The most selective field among those keying enough branches: its buckets are the smallest.
  let chosen: string | null = null;
  let best = { covered: 0, distinct: 0 };
  for (const [key, t] of tally) {
    if (t.covered < DISPATCH_THRESHOLD) continue;
    const distinct = t.values.size;
    if (distinct > best.distinct || (distinct === best.distinct && t.covered > best.covered)) {
      chosen = key;
      best = { covered: t.covered, distinct };
    }
  }
  if (chosen === null || best.distinct < 2) return branches;
  const buckets = new Map<string | number, PlanExpr[]>();
  const rest: PlanExpr[] = [];
  let access: Access | null = null;
  let type: "string" | "number" = "string";
  for (const branch of branches) {
    const hit = keys(branch, membershipValues).find((k) => k.key === chosen);
    if (!hit) {
      rest.push(branch);
      continue;
    }
    access = hit.access;
    type = typeof hit.values[0] === "number" ? "number" : "string";
    const remainder = residual(branch, hit);
    for (const v of hit.values) {
      const bucket = buckets.get(v);
      if (bucket) bucket.push(remainder);
      else buckets.set(v, [remainder]);
    }
  }
  const table = new Map<string | number, PlanExpr>();
  for (const [v, residuals] of buckets) {
    const always = residuals.some((r) => r.k === "const" && r.value);
    table.set(v, always ? TRUE : residuals.length === 1 ? residuals[0]! : { k: "or", operands: residuals });
  }
  return [{ k: "dispatch", access: access!, type, table }, ...rest];
}

const TRUE: PlanExpr = { k: "const", value: true };

/** A field a branch requires to equal one of some values: the branch itself (`index` -1) or its `and`'s operand. */
interface Key {
  key: string;
  access: Access;
  values: (string | number)[];
  index: number;
}

/** The keys of a branch: itself when it is an equality (`= x`, `in (…)`), or each such operand of an `and`. */
function keys(branch: PlanExpr, membershipValues: (e: PlanExpr) => (string | number)[] | null): Key[] {
  if (branch.k === "rule") {
    const values = membershipValues(branch);
    return values ? [{ key: keyOf(branch.access, values), access: branch.access, values, index: -1 }] : [];
  }
  if (branch.k !== "and") return [];
  const out: Key[] = [];
  branch.operands.forEach((op, index) => {
    if (op.k !== "rule") return;
    const values = membershipValues(op);
    if (values) out.push({ key: keyOf(op.access, values), access: op.access, values, index });
  });
  return out;
}

/** What a branch requires besides its key. */
function residual(branch: PlanExpr, key: Key): PlanExpr {
  if (key.index === -1 || branch.k !== "and") return TRUE;
  const others = branch.operands.filter((_, j) => j !== key.index);
  return others.length === 0 ? TRUE : others.length === 1 ? others[0]! : { k: "and", operands: others };
}

function keyOf(a: Access, values: (string | number)[]): string {
  return JSON.stringify([a.source, a.key, typeof values[0]]);
}
