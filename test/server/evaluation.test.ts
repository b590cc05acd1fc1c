/**
 * Evaluation and membership routes through HTTP on every backend: check, preview (count, sorted page, SQL
 * per dialect, per-condition counts, impact), why / why not, refresh on a moving clock, writes that move
 * memberships at once, and following the change feed with `since`.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { manualClock } from "../store/helpers.js";
import { BACKENDS, CONTACTS, expectProblem, openTestApi, seed, type TestApi } from "./helpers.js";

type C = (typeof CONTACTS)[number];
const keysWhere = (test: (c: C) => boolean) => CONTACTS.filter(test).map((c) => c.id).sort();

describe.each(BACKENDS)("evaluation API on %s", (backend) => {
  let api: TestApi;
  const clock = manualClock();
  beforeEach(async () => {
    clock.set(Date.parse("2026-01-15T12:00:00Z"));
    api = await openTestApi(backend, {}, { clock: clock.now });
    await seed(api);
  });
  afterEach(() => api.dispose());

  const createDynamic = async (name: string, expression: string) => {
    const r = await api.call("POST", "/api/segments", { json: { name, kind: "dynamic", expression } });
    if (r.status !== 201) throw new Error(`${r.status} ${JSON.stringify(r.body)}`);
    return r.body as { id: number; version: number };
  };

  it("checks an expression: 200 either way, diagnostics flattened; as an edit of a segment it may not read itself", async () => {
    const ok = await api.call("POST", "/api/check", { json: { expression: 'ltv > 10 and plan = "Pro"' } });
    expect(ok.body).toEqual({ ok: true, diagnostics: [], references: [], relativeTime: false });
    const bad = await api.call("POST", "/api/check", { json: { expression: "ltvv > 10" } });
    expect(bad.status).toBe(200);
    expect(bad.body.ok).toBe(false);
    expect(bad.body.diagnostics[0]).toMatchObject({ code: "unknown-field", line: 1, column: 1, start: 0, end: 4, fix: { edits: [{ text: "ltv" }] } });
    const s = await createDynamic("Base", "ltv > 1");
    const self = await api.call("POST", "/api/check", { json: { expression: 'in segment "Base"', segmentId: s.id } });
    expect(self.body.ok).toBe(false);
    const relative = await api.call("POST", "/api/check", { json: { expression: "signed_up_at within last 30 days" } });
    expect(relative.body.relativeTime).toBe(true);
  });

  it("checks with the static analysis: warnings (with fixes) beside the checker's, saved segments by meaning; analysis: false leaves them out", async () => {
    const redundant = await api.call("POST", "/api/check", { json: { expression: "ltv > 10 and ltv > 5" } });
    expect(redundant.body.ok).toBe(true);
    expect(redundant.body.diagnostics).toEqual([
      expect.objectContaining({ code: "redundant", severity: "warning", start: 13, end: 20, message: expect.stringContaining("'ltv > 10'"), fix: { title: "remove it", edits: [{ start: 8, end: 20, line: 1, column: 9, text: "" }] } }),
    ]);
    const without = await api.call("POST", "/api/check", { json: { expression: "ltv > 10 and ltv > 5", analysis: false } });
    expect(without.body).toEqual({ ok: true, diagnostics: [], references: [], relativeTime: false });
    // A saved segment counts by what it means: "Big" needs ltv above 100, so with ltv below 50 nothing matches.
    const big = await createDynamic("Big", "ltv > 100");
    const never = await api.call("POST", "/api/check", { json: { expression: 'in segment "Big" and ltv < 50' } });
    expect(never.body.ok).toBe(true);
    expect(never.body.diagnostics.map((d: { code: string }) => d.code)).toEqual(["never-matches"]);
    expect(never.body.references).toEqual([{ id: big.id, name: "Big" }]);
    // A static segment is its member list: being on it and off it at once never holds.
    const list = await api.call("POST", "/api/segments", { json: { name: "Picked", kind: "static", members: ["c1"] } });
    expect(list.status).toBe(201);
    const both = await api.call("POST", "/api/check", { json: { expression: 'in segment "Picked" and not in segment "Picked"' } });
    expect(both.body.diagnostics).toEqual([expect.objectContaining({ code: "never-matches", start: 0, end: 47, message: expect.stringContaining("cannot both hold") })]);
    // Two lists are unrelated: on one and off the other is no contradiction.
    expect((await api.call("POST", "/api/segments", { json: { name: "Other", kind: "static", members: ["c2"] } })).status).toBe(201);
    const two = await api.call("POST", "/api/check", { json: { expression: 'in segment "Picked" and not in segment "Other" and ltv > 1' } });
    expect(two.body).toMatchObject({ ok: true, diagnostics: [] });
    // Errors come first, and an expression with errors gets no analysis.
    const broken = await api.call("POST", "/api/check", { json: { expression: "ltvv > 1 and ltv > 1 and ltv > 0" } });
    expect(broken.body.diagnostics.map((d: { code: string }) => d.code)).toEqual(["unknown-field"]);
  });

  it("previews: count, a page sorted by any field, SQL in the asked dialect, each sub-condition's count", async () => {
    const r = await api.call("POST", "/api/preview", { json: { expression: 'ltv > 100 and plan = "Pro"', orderBy: "ltv", descending: true, dialect: "mysql" } });
    expect(r.status).toBe(200);
    const expected = keysWhere((c) => (c.ltv ?? -Infinity) > 100 && c.plan === "Pro");
    expect(r.body.count).toBe(expected.length);
    expect(r.body.contacts.map((c: C) => c.id)).toEqual(["c1", "c4"]);
    expect(r.body.sql.dialect).toBe("mysql");
    expect(r.body.sql.text).toMatch(/`ltv` > 100/);
    const byLabel = Object.fromEntries(r.body.conditions.map((c: { label: string; count: number }) => [c.label, c.count]));
    expect(byLabel).toEqual({
      and: expected.length,
      "ltv > 100": keysWhere((c) => (c.ltv ?? -Infinity) > 100).length,
      'plan = "Pro"': keysWhere((c) => c.plan === "Pro").length,
    });
    const root = r.body.conditions.find((c: { parent: number | null }) => c.parent === null);
    expect(root).toMatchObject({ index: 0, depth: 0, kind: "and", span: { start: 0, line: 1, column: 1 } });
    const limited = await api.call("POST", "/api/preview", { json: { expression: "active", limit: 1, conditionCounts: false } });
    expect(limited.body.count).toBe(keysWhere((c) => c.active === true).length);
    expect(limited.body.contacts).toHaveLength(1);
    expect(limited.body.conditions).toEqual([]);
    expect(limited.body.impact).toBeNull();
    expectProblem(await api.call("POST", "/api/preview", { json: { expression: "active", dialect: "oracle" } }), 400, "invalid-request");
    expectProblem(await api.call("POST", "/api/preview", { json: { expression: "active", orderBy: "nope" } }), 422, "invalid-input");
    expectProblem(await api.call("POST", "/api/preview", { json: { expression: "active", limit: 1001 } }), 400, "invalid-request");
    expectProblem(await api.call("POST", "/api/preview", { json: { expression: "(active" } }), 422, "invalid-expression");
  });

  it("previews the impact of an edit of a saved segment: who enters and who leaves", async () => {
    const s = await createDynamic("Whales", "ltv > 1000");
    const r = await api.call("POST", "/api/preview", { json: { expression: "ltv > 250 and ltv < 2000", segmentId: s.id } });
    const before = keysWhere((c) => (c.ltv ?? -Infinity) > 1000);
    const after = keysWhere((c) => (c.ltv ?? -Infinity) > 250 && (c.ltv ?? Infinity) < 2000);
    expect(r.body.impact).toEqual({
      segmentId: s.id,
      before: before.length,
      after: after.length,
      entering: after.filter((k) => !before.includes(k)).length,
      leaving: before.filter((k) => !after.includes(k)).length,
      enteringKeys: after.filter((k) => !before.includes(k)),
      leavingKeys: before.filter((k) => !after.includes(k)),
    });
    expectProblem(await api.call("POST", "/api/preview", { json: { expression: "ltv > 1", segmentId: 999 } }), 404, "not-found");
  });

  it("explains why and why not, node by node, for a saved segment and for an expression", async () => {
    const s = await createDynamic("Pro spenders", 'plan = "Pro" and ltv > 1000');
    const yes = await api.call("GET", `/api/segments/${s.id}/why/c1`);
    expect(yes.body).toMatchObject({ key: "c1", matches: true, segment: { id: s.id, name: "Pro spenders" } });
    expect(yes.body.root.children.map((n: { label: string; value: boolean }) => [n.label, n.value])).toEqual([
      ['plan = "Pro"', true],
      ["ltv > 1000", true],
    ]);
    const no = await api.call("GET", `/api/segments/${s.id}/why/c4`);
    expect(no.body.matches).toBe(false);
    expect(no.body.root.children[1]).toMatchObject({ label: "ltv > 1000", value: false, read: { kind: "field", field: "ltv", value: 300 } });
    const events = await api.call("POST", "/api/why", { json: { expression: 'performed "Purchase" at least 2 times', key: "c1" } });
    expect(events.body.matches).toBe(true);
    expect(events.body.root.read).toMatchObject({ kind: "events", name: "Purchase", named: 2, matching: 2, measure: { kind: "count", count: 2 } });
    expect(events.body.segment).toBeNull();
    expectProblem(await api.call("POST", "/api/why", { json: { expression: "active", key: "ghost" } }), 404, "not-found");
    expectProblem(await api.call("GET", `/api/segments/${s.id}/why/ghost`), 404, "not-found");
    expectProblem(await api.call("POST", "/api/why", { json: { expression: "active" } }), 400, "invalid-request");
    const odd = await api.call("GET", `/api/segments/${s.id}/why/${encodeURIComponent("a/b?c#d é")}`);
    expectProblem(odd, 404, "not-found");
    expect(odd.body.ref).toBe("a/b?c#d é");
  });

  it("writes move memberships at once, and the change feed follows them with since", async () => {
    const s = await createDynamic("Whales", "ltv > 1000");
    const v = await createDynamic("Buyers", 'performed "Purchase" at least 3 times');
    const upsert = await api.call("POST", "/api/contacts", { json: { contacts: [{ id: "c2", ltv: 5000 }, { id: "c1", ltv: 10 }, { id: "c6", name: "New", ltv: 2000 }] } });
    expect(upsert.body).toMatchObject({ inserted: 1, updated: 2 });
    const moved = upsert.body.changes.map((c: { key: string; change: string; segmentId: number }) => `${c.segmentId}:${c.key}:${c.change}`).sort();
    expect(moved).toEqual([`${s.id}:c1:exited`, `${s.id}:c2:entered`, `${s.id}:c6:entered`]);
    const appended = await api.call("POST", "/api/events", { json: { events: [{ contact_id: "c1", event: "Purchase", occurred_at: "2026-01-01T00:00:00Z", properties: { amount: 5 } }] } });
    expect(appended.body.changes).toMatchObject([{ segmentId: v.id, key: "c1", change: "entered" }]);

    // Follow the feed two at a time: every change once, in order, and the pages agree with one big read.
    const all = (await api.call("GET", "/api/changes?limit=10000")).body;
    const followed: { seq: number }[] = [];
    let since = 0;
    for (let i = 0; i < 50; i++) {
      const page = await api.call("GET", `/api/changes?since=${since}&limit=2`);
      expect(page.status).toBe(200);
      if (page.body.items.length === 0) {
        expect(page.body.next).toBe(since);
        break;
      }
      followed.push(...page.body.items);
      since = page.body.next;
    }
    expect(followed).toEqual(all.items);
    const seqs = followed.map((c) => c.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    for (const change of [...upsert.body.changes, ...appended.body.changes]) expect(all.items).toContainEqual(change);
    const onlyV = await api.call("GET", `/api/changes?segmentId=${v.id}`);
    expect(onlyV.body.items.every((c: { segmentId: number }) => c.segmentId === v.id)).toBe(true);
    expectProblem(await api.call("GET", "/api/changes?since=-1"), 400, "invalid-request");
    expectProblem(await api.call("GET", "/api/changes?since=abc"), 400, "invalid-request");
    expectProblem(await api.call("GET", "/api/changes?cursor=1"), 400, "invalid-request");
  });

  it("refresh recomputes relative-time segments as the clock moves and logs who left", async () => {
    const s = await createDynamic("Recent", "signed_up_at within last 400 days");
    const members = async () => (await api.call("GET", `/api/segments/${s.id}/members`)).body.items.map((c: C) => c.id);
    const DAY = 86_400_000;
    const within = (now: number) => keysWhere((c) => c.signed_up_at !== null && now - Date.parse(c.signed_up_at) <= 400 * DAY && Date.parse(c.signed_up_at) <= now);
    const before = within(clock.now());
    expect(await members()).toEqual(before);
    clock.set(Date.parse("2026-03-01T00:00:00Z"));
    const after = within(clock.now());
    expect(after.length).toBeLessThan(before.length); // the data is chosen so that someone leaves
    const r = await api.call("POST", "/api/refresh", { json: { relativeOnly: true }, headers: { "segql-user": "cron" } });
    expect(r.status).toBe(200);
    const result = r.body.results.find((x: { segmentId: number }) => x.segmentId === s.id);
    expect(result).toMatchObject({ entered: 0, exited: before.length - after.length, memberCount: after.length });
    expect(await members()).toEqual(after);
    const exits = (await api.call("GET", `/api/changes?segmentId=${s.id}`)).body.items.filter((c: { change: string }) => c.change === "exited");
    expect(exits.map((c: { key: string }) => c.key).sort()).toEqual(before.filter((k) => !after.includes(k)));
    expect(exits.every((c: { at: string }) => c.at === "2026-03-01T00:00:00.000Z")).toBe(true);
    const one = await api.call("POST", `/api/segments/${s.id}/refresh`);
    expect(one.body.results).toMatchObject([{ segmentId: s.id, entered: 0, exited: 0 }]);
    expect((await api.call("POST", "/api/refresh")).status).toBe(200);
    expectProblem(await api.call("POST", "/api/segments/999/refresh"), 404, "not-found");
    expectProblem(await api.call("POST", "/api/refresh", { json: { ids: ["1"] } }), 400, "invalid-request");
  });
});
