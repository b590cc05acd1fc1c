/**
 * `POST /api/diff` on every backend: who enters and who leaves between two versions (expressions or saved
 * segments), each side checked against the predicate on contacts built to hit its boundaries; nobody when
 * nothing moves; a static segment said by its name; bad requests are problems (400 shape, 404 unknown
 * segment, 422 expression errors).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { compilePredicate } from "../../src/compiler/predicate/index.js";
import { BACKENDS, expectProblem, openTestApi, seed, type TestApi } from "./helpers.js";

interface Side {
  nobody: boolean;
  everybody: boolean;
  condition: string | null;
  simplified: boolean;
}

describe.each(BACKENDS)("POST /api/diff on %s", (backend) => {
  let api: TestApi;
  beforeEach(async () => {
    api = await openTestApi(backend);
    await seed(api);
  });
  afterEach(() => api.dispose());

  const diff = (old: unknown, next: unknown, extra: object = {}) => api.call("POST", "/api/diff", { json: { old, new: next, ...extra } });

  /** On every contact of `contacts`: the side's condition holds exactly where one version matches and the other does not. */
  const confirm = async (old: object, next: object, body: { enters: Side; leaves: Side }, contacts: Record<string, unknown>[]) => {
    const po = compilePredicate(await api.store.typedCondition(old as { expression: string }));
    const pn = compilePredicate(await api.store.typedCondition(next as { expression: string }));
    const side = async (s: Side) => (s.condition === null || s.everybody ? () => !s.nobody : compilePredicate(await api.store.typedCondition({ expression: s.condition })));
    const enters = await side(body.enters);
    const leaves = await side(body.leaves);
    for (const c of contacts) {
      const o = po(c, []);
      const n = pn(c, []);
      expect([enters(c, []), leaves(c, [])], JSON.stringify(c)).toEqual([n && !o, o && !n]);
    }
  };
  const contacts = [null, 0, 12, 50, 50.5, 100, 101, 1000, 1001].flatMap((ltv) => [null, "Free", "Pro", "Team"].map((plan) => ({ id: `k${ltv}-${plan}`, ltv, plan })));

  it("two expressions: who enters and who leaves, simplified, as the predicate says", async () => {
    const old = { expression: 'ltv > 100 and plan = "Pro"' };
    const next = { expression: "ltv > 50" };
    const r = await diff(old, next);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      enters: { nobody: false, everybody: false, condition: 'ltv > 50 and ltv <= 100 or ltv > 50 and plan != "Pro"', simplified: true },
      leaves: { nobody: true, everybody: false, condition: null, simplified: true },
      same: false,
      notes: [],
    });
    await confirm(old, next, r.body, contacts);
    const same = await diff({ expression: 'plan in ("Pro", "Team")' }, { expression: 'plan = "Team" or plan = "Pro"' });
    expect(same.body).toMatchObject({ same: true, enters: { nobody: true }, leaves: { nobody: true } });
  });

  it("saved segments by id, against an edit of them; the segments they read count by meaning", async () => {
    const big = await api.call("POST", "/api/segments", { json: { name: "Big", kind: "dynamic", expression: "ltv > 1000" } });
    const bigPro = await api.call("POST", "/api/segments", { json: { name: "Big Pro", kind: "dynamic", expression: 'in segment "Big" and plan = "Pro"' } });
    const edit = { expression: 'in segment "Big" and plan in ("Pro", "Team")' };
    const r = await diff({ segmentId: bigPro.body.id }, edit);
    expect(r.body.leaves.nobody).toBe(true);
    expect(r.body.enters.condition).toBe('ltv > 1000 and plan = "Team"');
    await confirm({ segmentId: bigPro.body.id }, edit, r.body, contacts);
    const back = await diff({ segmentId: big.body.id }, { segmentId: bigPro.body.id });
    expect(back.body).toMatchObject({ enters: { nobody: true }, leaves: { condition: 'ltv > 1000 and plan != "Pro"' } });
  });

  it("a saved segment's version: its rules then, against its rules now or another version", async () => {
    const made = await api.call("POST", "/api/segments", { json: { name: "Spenders", kind: "dynamic", expression: "ltv > 100" } });
    const id = made.body.id;
    const edited = await api.call("PATCH", `/api/segments/${id}`, { json: { expression: 'ltv > 100 and plan = "Pro"' }, headers: { "If-Match": made.headers.get("etag")! } });
    expect(edited.status).toBe(200);
    const v1 = { segmentId: id, version: 1 };
    const r = await diff(v1, { segmentId: id });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ enters: { nobody: true }, leaves: { condition: 'ltv > 100 and plan != "Pro"' }, same: false });
    await confirm(v1, { segmentId: id }, r.body, contacts);
    // The current version by number is the segment itself.
    expect((await diff({ segmentId: id, version: 2 }, { segmentId: id })).body.same).toBe(true);
    // relate takes versions too.
    const rel = await api.call("POST", "/api/relate", { json: { a: { segmentId: id }, b: v1 } });
    expect(rel.body).toMatchObject({ relation: "subset", aInB: "yes" });
    const missing = expectProblem(await diff({ segmentId: id, version: 3 }, { segmentId: id }), 404, "not-found");
    expect(missing.detail).toContain("has no version 3 (its versions are 1-2)");
    // Each bad side says where and why, not only that no alternative fits.
    const zero = expectProblem(await diff({ segmentId: id, version: 0 }, { segmentId: id }), 400, "invalid-request");
    expect(zero.issues).toEqual([expect.objectContaining({ path: "old.version", message: "expected at least 1" })]);
    const text = expectProblem(await diff({ segmentId: id }, { segmentId: id, version: "1" }), 400, "invalid-request");
    expect(text.detail).toBe("body new.version: expected a number, found a string");
    const extra = expectProblem(await diff({ expression: "ltv > 1", version: 1 }, { segmentId: id }), 400, "invalid-request");
    expect(extra.detail).toBe('body old: unknown property "version"');
    const empty = expectProblem(await diff({}, { segmentId: id }), 400, "invalid-request");
    expect(empty.detail).toBe('body old: expected an object with "expression" or with "segmentId"');
    const scalar = expectProblem(await diff(3, { segmentId: id }), 400, "invalid-request");
    expect(scalar.detail).toBe("body old: expected an object, found a number");
  });

  it("an older version that reads a segment since deleted cannot be read today: 422 naming the segment", async () => {
    const big = await api.call("POST", "/api/segments", { json: { name: "Big", kind: "dynamic", expression: "ltv > 1000" } });
    const reader = await api.call("POST", "/api/segments", { json: { name: "Reader", kind: "dynamic", expression: 'in segment "Big" or plan = "Pro"' } });
    const edited = await api.call("PATCH", `/api/segments/${reader.body.id}`, { json: { expression: 'plan = "Pro"' }, headers: { "If-Match": reader.headers.get("etag")! } });
    expect(edited.status).toBe(200);
    expect((await api.call("DELETE", `/api/segments/${big.body.id}`)).status).toBe(204);
    const r = expectProblem(await diff({ segmentId: reader.body.id, version: 1 }, { segmentId: reader.body.id }), 422, "invalid-expression");
    expect(r.diagnostics[0]).toMatchObject({ code: "unknown-segment" });
    expect(r.diagnostics[0].message).toContain("Big");
  });

  it("a static segment's versions all mean today's list; a version of a converted segment from before is its rules", async () => {
    const seg = await api.call("POST", "/api/segments", { json: { name: "Was rules", kind: "dynamic", expression: "ltv > 1000" } });
    const conv = await api.call("POST", `/api/segments/${seg.body.id}/convert-to-static`, { json: {} });
    expect(conv.status).toBe(200);
    const r = await diff({ segmentId: seg.body.id, version: 1 }, { segmentId: seg.body.id });
    expect(r.body).toMatchObject({ enters: { condition: '(ltv <= 1000 or ltv is empty) and in segment "Was rules"' }, leaves: { condition: 'ltv > 1000 and not in segment "Was rules"' } });
    expect((await diff({ segmentId: seg.body.id, version: 2 }, { segmentId: seg.body.id })).body.same).toBe(true);
  });

  it("problems: 400 for a bad shape, 404 for an unknown segment, 422 for expression errors", async () => {
    expectProblem(await api.call("POST", "/api/diff", { json: { old: { expression: "ltv > 1" } } }), 400, "invalid-request");
    expectProblem(await diff({ expression: "ltv > 1" }, { expression: "ltv > 2" }, { steps: 0 }), 400, "invalid-request");
    expectProblem(await diff({ segmentId: 999 }, { expression: "ltv > 2" }), 404, "not-found");
    const bad = expectProblem(await diff({ expression: "ltv > 1" }, { expression: "ltvv > 2" }), 422, "invalid-expression");
    expect(bad.diagnostics[0]).toMatchObject({ code: "unknown-field" });
  });

  it("a static segment is its member list: who moves is said with `in segment` by its name", async () => {
    const picked = await api.call("POST", "/api/segments", { json: { name: "Picked", kind: "static", members: ["c1"] } });
    const vips = await api.call("POST", "/api/segments", { json: { name: "VIP \"list\"", kind: "static", members: ["c2"] } });
    expect([picked.status, vips.status]).toEqual([201, 201]);
    const r = await diff({ expression: 'in segment "Picked" and ltv > 1' }, { expression: "ltv > 1" });
    expect(r.body.enters.condition).toBe('not in segment "Picked" and ltv > 1');
    expect(r.body.leaves.nobody).toBe(true);
    const two = await diff({ expression: 'in segment "Picked" or in segment "VIP \\"list\\""' }, { segmentId: picked.body.id });
    expect(two.body.leaves.condition).toBe('not in segment "Picked" and in segment "VIP \\"list\\""');
    const all = await diff({ expression: "ltv > 1" }, { expression: 'ltv > 1 or (in segment "Picked" and in segment "VIP \\"list\\"")' });
    expect(all.body.enters.condition).toBe('(ltv <= 1 or ltv is empty) and in segment "Picked" and in segment "VIP \\"list\\""');
    for (const side of [r.body.enters, two.body.leaves, all.body.enters]) expect(side.condition).not.toContain("\u0000");
  });

  it("is in the OpenAPI document", async () => {
    const doc = await api.call("GET", "/openapi.json");
    expect(Object.keys(doc.body.paths)).toContain("/api/diff");
    expect(Object.keys(doc.body.components.schemas.SegmentDiff.properties)).toEqual(["enters", "leaves", "same", "notes"]);
  });
});
