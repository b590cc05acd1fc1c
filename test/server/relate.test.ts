/**
 * `POST /api/relate` on every backend: two expressions, saved segments (dynamic, static, referring to each
 * other), a fixed `now`; each witness is checked with the predicate; bad requests are problems (400 shape,
 * 404 unknown segment, 422 expression errors).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { compilePredicate } from "../../src/compiler/predicate/index.js";
import { BACKENDS, expectProblem, openTestApi, seed, type TestApi } from "./helpers.js";

interface Witness {
  matches: ("A" | "B")[];
  contact: Record<string, unknown>;
  events: Record<string, unknown>[];
  now: string;
}

describe.each(BACKENDS)("POST /api/relate on %s", (backend) => {
  let api: TestApi;
  beforeEach(async () => {
    api = await openTestApi(backend);
    await seed(api);
  });
  afterEach(() => api.dispose());

  const relate = (a: object, b: object, extra: object = {}) => api.call("POST", "/api/relate", { json: { a, b, ...extra } });

  /** Every witness is where the answer says, by the predicate over the store's own typed conditions. */
  const confirm = async (a: object, b: object, witnesses: Witness[]) => {
    const qa = await api.store.typedCondition(a as { expression: string });
    const qb = await api.store.typedCondition(b as { expression: string });
    for (const w of witnesses) {
      const inA = compilePredicate(qa, { now: w.now })(w.contact, w.events);
      const inB = compilePredicate(qb, { now: w.now })(w.contact, w.events);
      expect([inA, inB], JSON.stringify(w)).toEqual([w.matches.includes("A"), w.matches.includes("B")]);
    }
  };

  it("two expressions: the relation, what is proved, and a witness that the predicate confirms", async () => {
    const a = { expression: 'ltv > 100 and plan = "Pro"' };
    const b = { expression: "ltv > 50" };
    const r = await relate(a, b);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ relation: "subset", symbol: "⊆", aInB: "yes", bInA: "no", notes: [] });
    expect(r.body.witnesses).toHaveLength(1);
    expect(r.body.witnesses[0].matches).toEqual(["B"]);
    await confirm(a, b, r.body.witnesses);
  });

  it("disjoint, overlapping and equal", async () => {
    const disjoint = await relate({ expression: "ltv > 100" }, { expression: "ltv < 50" });
    expect(disjoint.body.relation).toBe("disjoint");
    await confirm({ expression: "ltv > 100" }, { expression: "ltv < 50" }, disjoint.body.witnesses);
    const overlap = await relate({ expression: 'plan = "Pro" or active' }, { expression: "tags has \"vip\"" });
    expect(overlap.body.relation).toBe("overlapping");
    expect(overlap.body.witnesses.map((w: Witness) => w.matches)).toEqual([["A"], ["B"], ["A", "B"]]);
    await confirm({ expression: 'plan = "Pro" or active' }, { expression: "tags has \"vip\"" }, overlap.body.witnesses);
    const equal = await relate({ expression: 'plan in ("Pro", "Team")' }, { expression: 'plan = "Team" or plan = "Pro"' });
    expect(equal.body).toMatchObject({ relation: "equal", witnesses: [] });
  });

  it("saved segments, by id: a segment and one that refers to it", async () => {
    const big = await api.call("POST", "/api/segments", { json: { name: "Big", kind: "dynamic", expression: "ltv > 1000" } });
    const bigPro = await api.call("POST", "/api/segments", { json: { name: "Big Pro", kind: "dynamic", expression: 'in segment "Big" and plan = "Pro"' } });
    const r = await relate({ segmentId: bigPro.body.id }, { segmentId: big.body.id });
    expect(r.body).toMatchObject({ relation: "subset", aInB: "yes" });
    const mixed = await relate({ segmentId: big.body.id }, { expression: "ltv >= 1000" });
    expect(mixed.body.relation).toBe("subset");
  });

  it("a static segment is its member list: related to conditions only by chance, its membership not shown", async () => {
    const s = await api.call("POST", "/api/segments", { json: { name: "Picked", kind: "static", members: ["c1"] } });
    expect(s.status).toBe(201);
    const r = await relate({ segmentId: s.body.id }, { expression: "ltv > 0" });
    expect(r.body.relation).toBe("overlapping");
    for (const w of r.body.witnesses as Witness[]) expect(Object.keys(w.contact).some((k) => k.includes("\u0000"))).toBe(false);
    expect(r.body.notes).toContain("a witness's membership in static segments is not shown (it is not a contact field)");
  });

  it("relative times: for every now by default, at the given now with `now`", async () => {
    const a = { expression: "signed_up_at within last 30 days" };
    const b = { expression: "signed_up_at within last 60 days" };
    const r = await relate(a, b);
    expect(r.body.relation).toBe("subset");
    await confirm(a, b, r.body.witnesses);
    const fixed = await relate(a, { expression: "signed_up_at after 2025-12-20 and signed_up_at before 2025-12-31" }, { now: "2026-01-01T00:00:00Z" });
    expect(fixed.body.relation).toBe("superset");
    expect(fixed.body.witnesses[0].now).toBe("2026-01-01T00:00:00.000Z");
  });

  it("problems: 400 for a bad shape or now, 404 for an unknown segment, 422 for expression errors", async () => {
    expectProblem(await api.call("POST", "/api/relate", { json: { a: { expression: "ltv > 1" } } }), 400, "invalid-request");
    expectProblem(await relate({ expression: "ltv > 1", segmentId: 3 }, { expression: "ltv > 2" }), 400, "invalid-request");
    expectProblem(await relate({ expression: "ltv > 1" }, { expression: "ltv > 2" }, { now: "yesterday" }), 400, "invalid-request");
    expectProblem(await relate({ expression: "ltv > 1" }, { expression: "ltv > 2" }, { steps: 0 }), 400, "invalid-request");
    expectProblem(await relate({ segmentId: 999 }, { expression: "ltv > 2" }), 404, "not-found");
    const bad = expectProblem(await relate({ expression: "ltvv > 1" }, { expression: "ltv > 2" }), 422, "invalid-expression");
    expect(bad.diagnostics[0]).toMatchObject({ code: "unknown-field" });
  });

  it("is in the OpenAPI document", async () => {
    const doc = await api.call("GET", "/openapi.json");
    expect(Object.keys(doc.body.paths)).toContain("/api/relate");
    expect(doc.body.components.schemas.Relation.properties.relation.enum).toEqual(["equal", "subset", "superset", "disjoint", "overlapping", "unknown"]);
  });
});
