/**
 * Every store operation and its errors, on each backend (DuckDB :memory:, PGlite, and the PostgreSQL
 * server when PG_URL is set). Each test works on its own store, so tests do not depend on each other.
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  ConflictError,
  InvalidExpressionError,
  InvalidInputError,
  NameTakenError,
  NotFoundError,
  ReferencedError,
  UnknownKeysError,
  type Store,
} from "../../src/store/index.js";
import { BACKENDS, manualClock, openTestStore, type TestStore, rejection } from "./helpers.js";

const PEOPLE = [
  { id: "a", name: "Ann", plan: "Pro", ltv: 1200, active: true, tags: ["vip", "beta"], signed_up_at: "2025-06-01T10:00:00Z", birthday: "1990-05-01" },
  { id: "b", name: "Bob", plan: "Free", ltv: 10, active: false, tags: [] },
  { id: "c", name: "Cy", plan: "Team", ltv: 5000, tags: ["vip"] },
  { id: "d", name: "Di", plan: "Pro", ltv: null },
];


for (const backend of BACKENDS) {
  describe(`store on ${backend}`, { timeout: 60_000 }, () => {
    const open: TestStore[] = [];
    const fresh = async (clock?: () => number): Promise<Store> => {
      const t = await openTestStore(backend, clock ? { clock } : {});
      open.push(t);
      await t.store.upsertContacts(PEOPLE);
      return t.store;
    };
    afterEach(async () => {
      for (const t of open.splice(0)) await t.dispose();
    });

    it("creates a dynamic segment: members computed, logged as entered, version 1 with who", async () => {
      const store = await fresh();
      const s = await store.createSegment({ name: "High value", description: "LTV over 1000", kind: "dynamic", expression: "ltv > 1000" }, { by: "ann@crm" });
      expect(s).toMatchObject({ name: "High value", description: "LTV over 1000", kind: "dynamic", version: 1, memberCount: 2, createdBy: "ann@crm", relativeTime: false, problems: [] });
      expect((await store.members(s.id)).items.map((c) => c["id"])).toEqual(["a", "c"]);
      const feed = await store.changes({ segmentId: s.id });
      expect(feed.items.map((c) => [c.key, c.change, c.segmentVersion])).toEqual([
        ["a", "entered", 1],
        ["c", "entered", 1],
      ]);
      const versions = await store.segmentVersions(s.id);
      expect(versions).toHaveLength(1);
      expect(versions[0]).toMatchObject({ version: 1, by: "ann@crm", changed: ["created"], expression: "ltv > 1000" });
      expect(await store.findSegment("HIGH VALUE")).toMatchObject({ id: s.id });
      expect(await store.findSegment(`#${s.id}`)).toMatchObject({ id: s.id });
    });

    it("refuses an expression with errors, with the checker's diagnostics and positions", async () => {
      const store = await fresh();
      const e = await rejection(store.createSegment({ name: "X", kind: "dynamic", expression: 'plan = "Pro" and ltvv > 3' }));
      expect(e).toBeInstanceOf(InvalidExpressionError);
      const d = (e as InvalidExpressionError).diagnostics.find((x) => x.code === "unknown-field")!;
      expect(d.span).toMatchObject({ start: 17, end: 21, line: 1, column: 18 });
      expect(d.message).toContain("unknown field 'ltvv'");
      expect(d.fix?.edits[0]?.text).toBe("ltv");
      expect((await store.listSegments()).items).toHaveLength(0);
      // A segment file is not one expression.
      const f = await rejection(store.createSegment({ name: "Y", kind: "dynamic", expression: 'segment "Y" as ltv > 1' }));
      expect(f).toBeInstanceOf(InvalidExpressionError);
    });

    it("keeps names unique ignoring case, and rejects bad names", async () => {
      const store = await fresh();
      const s = await store.createSegment({ name: "Pro users", kind: "dynamic", expression: 'plan = "Pro"' });
      const e = await rejection(store.createSegment({ name: "PRO USERS", kind: "static" }));
      expect(e).toBeInstanceOf(NameTakenError);
      expect((e as NameTakenError).existing).toEqual({ id: s.id, name: "Pro users" });
      for (const name of ["", "  ", " padded", "line\nbreak", "x".repeat(201)]) {
        expect(await rejection(store.createSegment({ name, kind: "static" }))).toBeInstanceOf(InvalidInputError);
      }
      const other = await store.createSegment({ name: "Other", kind: "static" });
      expect(await rejection(store.updateSegment(other.id, { name: "pro Users" }))).toBeInstanceOf(NameTakenError);
      // Changing only the case of one's own name is fine.
      expect((await store.updateSegment(s.id, { name: "PRO users" })).name).toBe("PRO users");
    });

    it("refuses cycles through in segment with the checker's cycle diagnostic, at the reference", async () => {
      const store = await fresh();
      const a = await store.createSegment({ name: "A", kind: "dynamic", expression: "ltv > 10" });
      const b = await store.createSegment({ name: "B", kind: "dynamic", expression: 'in segment "A" and plan = "Pro"' });
      const e = await rejection(store.updateSegment(a.id, { expression: 'active or in segment "B"' }));
      expect(e).toBeInstanceOf(InvalidExpressionError);
      const diags = (e as InvalidExpressionError).diagnostics;
      expect(diags.map((d) => d.code)).toEqual(["segment-cycle"]);
      expect(diags[0]!.message).toBe('segments refer to each other in a cycle: "A" → "B" → "A"');
      expect(diags[0]!.span.start).toBe('active or in segment '.length);
      const self = await rejection(store.updateSegment(b.id, { expression: 'in segment "B"' }));
      expect((self as InvalidExpressionError).diagnostics.map((d) => d.code)).toContain("segment-cycle");
      expect((await store.getSegment(a.id)).version).toBe(1);
    });

    it("rename rewrites the referencing expressions in the same transaction, members unchanged", async () => {
      const store = await fresh();
      const a = await store.createSegment({ name: "Big", kind: "dynamic", expression: "ltv > 1000" });
      const b = await store.createSegment({ name: "Big pros", kind: "dynamic", expression: 'in segment "Big" and (plan = "Pro" or not in segment   "Big")' });
      const renamed = await store.updateSegment(a.id, { name: 'Big "spenders" \\ 2026' }, { by: "bo" });
      expect(renamed).toMatchObject({ version: 2, referencedBy: [{ id: b.id, name: "Big pros" }] });
      const after = await store.getSegment(b.id);
      expect(after.expression).toBe('in segment "Big \\"spenders\\" \\\\ 2026" and (plan = "Pro" or not in segment   "Big \\"spenders\\" \\\\ 2026")');
      expect(after).toMatchObject({ version: 2, problems: [], memberCount: 1, updatedBy: "bo" });
      expect((await store.segmentVersions(b.id)).map((v) => v.changed)).toEqual([["created"], ["expression"]]);
      expect((await store.refresh({ ids: [b.id] })).map((r) => r.entered + r.exited)).toEqual([0]);
    });

    it("delete is refused while referenced, unless forced; the feed records who left", async () => {
      const store = await fresh();
      const a = await store.createSegment({ name: "Base", kind: "dynamic", expression: "ltv > 1000" });
      const b = await store.createSegment({ name: "Reader", kind: "dynamic", expression: 'in segment "Base"' });
      const e = await rejection(store.deleteSegment(a.id));
      expect(e).toBeInstanceOf(ReferencedError);
      expect((e as ReferencedError).referencedBy).toEqual([{ id: b.id, name: "Reader" }]);
      const before = (await store.changes()).next;
      await store.deleteSegment(a.id, { force: true });
      expect(await rejection(store.getSegment(a.id))).toBeInstanceOf(NotFoundError);
      const exits = (await store.changes({ since: before })).items;
      expect(exits.map((c) => [c.segmentId, c.key, c.change])).toEqual([
        [a.id, "a", "exited"],
        [a.id, "c", "exited"],
      ]);
      const reader = await store.getSegment(b.id);
      expect(reader.problems.map((d) => d.code)).toEqual(["unknown-segment"]);
      expect(reader.memberCount).toBe(2);
      const [result] = await store.refresh({ ids: [b.id] });
      expect(result!.skipped).toMatch(/unknown segment "Base"/);
      // Ids are not reused.
      const c = await store.createSegment({ name: "Base", kind: "static" });
      expect(c.id).toBeGreaterThan(b.id);
    });

    it("optimistic concurrency: a stale expectedVersion fails with the current segment, nothing written", async () => {
      const store = await fresh();
      const s = await store.createSegment({ name: "S", kind: "dynamic", expression: "ltv > 1000" });
      await store.updateSegment(s.id, { description: "first" }, { expectedVersion: 1, by: "one" });
      const e = await rejection(store.updateSegment(s.id, { expression: "ltv > 1" }, { expectedVersion: 1, by: "two" }));
      expect(e).toBeInstanceOf(ConflictError);
      expect((e as ConflictError).current).toMatchObject({ version: 2, description: "first", expression: "ltv > 1000", updatedBy: "one" });
      expect((await store.getSegment(s.id)).expression).toBe("ltv > 1000");
      expect(await rejection(store.deleteSegment(s.id, { expectedVersion: 1 }))).toBeInstanceOf(ConflictError);
      expect(await rejection(store.convertToStatic(s.id, { expectedVersion: 7 }))).toBeInstanceOf(ConflictError);
      // An edit that changes nothing makes no version.
      expect((await store.updateSegment(s.id, { description: "first" }, { expectedVersion: 2 })).version).toBe(2);
    });

    it("duplicates: Copy of X, then Copy of X (2); static members copied", async () => {
      const store = await fresh();
      const s = await store.createSegment({ name: "Fans", kind: "static", members: ["a", "b"] });
      const d1 = await store.duplicateSegment(s.id);
      const d2 = await store.duplicateSegment(s.id, { by: "x" });
      expect([d1.name, d2.name]).toEqual(["Copy of Fans", "Copy of Fans (2)"]);
      expect(d2).toMatchObject({ kind: "static", memberCount: 2, createdBy: "x", version: 1 });
      const dyn = await store.createSegment({ name: "Dyn", kind: "dynamic", expression: "active" });
      expect(await store.duplicateSegment(dyn.id, { name: "Dyn 2" })).toMatchObject({ name: "Dyn 2", expression: "active", memberCount: 1 });
      expect(await rejection(store.duplicateSegment(dyn.id, { name: "dyn" }))).toBeInstanceOf(NameTakenError);
      // The copy's history says what it was copied from, as it was then (a later rename of the source does not change it).
      await store.updateSegment(s.id, { name: "Fans renamed" });
      const history = await store.segmentVersions(d2.id);
      expect(history.map((v) => [v.changed, v.copiedFrom])).toEqual([[["created"], { id: s.id, version: 1, name: "Fans" }]]);
      expect((await store.segmentVersions(s.id)).map((v) => v.copiedFrom)).toEqual([null, null]);
    });

    it("static members: add and remove by key, unknown keys refused (or skipped and reported), readers updated", async () => {
      const store = await fresh();
      const s = await store.createSegment({ name: "List", kind: "static" });
      const reader = await store.createSegment({ name: "Listed pros", kind: "dynamic", expression: 'in segment "List" and plan = "Pro"' });
      const e = await rejection(store.addMembers(s.id, ["a", "zz", "b", "zz", "yy"]));
      expect(e).toBeInstanceOf(UnknownKeysError);
      expect((e as UnknownKeysError).keys).toEqual(["zz", "yy"]);
      expect((await store.getSegment(s.id)).memberCount).toBe(0);
      expect(await store.addMembers(s.id, ["a", "zz", "b", "a"], { skipUnknown: true })).toEqual({ changed: 2, unchanged: 0, unknown: ["zz"], memberCount: 2 });
      expect(await store.addMembers(s.id, ["a", "d"])).toEqual({ changed: 1, unchanged: 1, unknown: [], memberCount: 3 });
      expect((await store.getSegment(reader.id)).memberCount).toBe(2); // a and d are Pro
      expect(await store.removeMembers(s.id, ["a", "c"])).toEqual({ changed: 1, unchanged: 1, unknown: [], memberCount: 2 });
      expect((await store.members(reader.id)).items.map((c) => c["id"])).toEqual(["d"]);
      const log = (await store.changes({ segmentId: s.id })).items.map((c) => `${c.change} ${c.key}`);
      expect(log).toEqual(["entered a", "entered b", "entered d", "exited a"]);
      expect(await rejection(store.addMembers(reader.id, ["a"]))).toBeInstanceOf(InvalidInputError);
    });

    it("freezes the matches of an expression; converts dynamic to static keeping the members", async () => {
      const store = await fresh();
      const frozen = await store.createSegment({ name: "Frozen", kind: "static", freeze: "ltv >= 10" });
      expect(frozen.memberCount).toBe(3);
      expect(await store.addMatchingMembers(frozen.id, 'plan = "Pro"')).toEqual({ changed: 1, unchanged: 1, unknown: [], memberCount: 4 });
      const dyn = await store.createSegment({ name: "Actives", kind: "dynamic", expression: "active" });
      const converted = await store.convertToStatic(dyn.id, { by: "me" });
      expect(converted).toMatchObject({ kind: "static", expression: null, version: 2, memberCount: 1 });
      await store.upsertContacts([{ id: "b", active: true }]);
      expect((await store.members(dyn.id)).items.map((c) => c["id"])).toEqual(["a"]);
      expect((await store.segmentVersions(dyn.id)).at(-1)).toMatchObject({ kind: "static", changed: ["kind"], by: "me" });
    });

    it("preview: count, sorted first page, SQL in any dialect, per-condition counts, impact of an edit", async () => {
      const store = await fresh();
      const s = await store.createSegment({ name: "Pro", kind: "dynamic", expression: 'plan = "Pro"' });
      const p = await store.preview('plan = "Pro" or ltv > 1000', { orderBy: "ltv", descending: true, limit: 2, segmentId: s.id, dialect: "mysql" });
      expect(p.count).toBe(3);
      expect(p.contacts.map((c) => c["id"])).toEqual(["c", "a"]);
      expect(p.sql.dialect).toBe("mysql");
      expect(p.sql.text).toContain("`plan`");
      expect(p.conditions.map((c) => [c.text, c.count, c.depth])).toEqual([
        ['plan = "Pro" or ltv > 1000', 3, 0],
        ['plan = "Pro"', 2, 1],
        ["ltv > 1000", 2, 1],
      ]);
      expect(p.impact).toEqual({ segmentId: s.id, entering: 1, leaving: 0, before: 2, after: 3, enteringKeys: ["c"], leavingKeys: [] });
      // Empties sort last either way.
      const asc = await store.preview("name is not empty", { orderBy: "ltv" });
      expect(asc.contacts.map((c) => c["id"])).toEqual(["b", "a", "c", "d"]);
      expect(await rejection(store.preview("ltv > 1", { orderBy: "nope" }))).toBeInstanceOf(InvalidInputError);
      expect(await rejection(store.preview("ltv >"))).toBeInstanceOf(InvalidExpressionError);
    });

    it("why: every node's value and what it read; a static reference shows membership", async () => {
      const store = await fresh();
      const list = await store.createSegment({ name: "List", kind: "static", members: ["b"] });
      const w = await store.why({ expression: 'ltv > 1000 or in segment "List"' }, "b");
      expect(w.matches).toBe(true);
      expect(w.root.children.map((n) => [n.label, n.value])).toEqual([
        ["ltv > 1000", false],
        ['in segment "List"', true],
      ]);
      expect(w.root.children[0]!.read).toEqual({ kind: "field", field: "ltv", value: 10 });
      expect(w.root.children[1]!.children).toEqual([]);
      const ws = await store.why({ segmentId: list.id }, "a");
      expect([ws.matches, ws.segment]).toEqual([false, { id: list.id, name: "List" }]);
      expect(await rejection(store.why({ expression: "ltv > 1" }, "nobody"))).toBeInstanceOf(NotFoundError);
    });

    it("upserts check every row and field; fields left out keep their values, null clears", async () => {
      const store = await fresh();
      const e = await rejection(store.upsertContacts([{ id: "x", ltv: "lots" }, { name: "no key" }, { id: "y", plna: "Pro", plan: "Gold" }]));
      expect(e).toBeInstanceOf(InvalidInputError);
      expect((e as InvalidInputError).problems.map((p) => p.path)).toEqual(["rows[0].ltv", "rows[1].id", "rows[2].plna", "rows[2].plan"]);
      expect((e as InvalidInputError).problems[2]!.message).toContain('did you mean "plan"');
      expect(await rejection(store.getContact("x"))).toBeInstanceOf(NotFoundError);
      const r = await store.upsertContacts([{ id: "a", ltv: 7 }, { id: "n", name: "New", tags: ["a,b", 'q"uote'] }, { id: "a", name: null }]);
      expect([r.inserted, r.updated]).toEqual([1, 1]);
      const a = (await store.getContact("a")).values;
      expect(a).toMatchObject({ ltv: 7, name: null, plan: "Pro", tags: ["vip", "beta"], signed_up_at: "2025-06-01T10:00:00.000Z", birthday: "1990-05-01" });
      expect((await store.getContact("n")).values["tags"]).toEqual(["a,b", 'q"uote']);
    });

    it("upserts and event appends move contacts in and out at once (logged), as a refresh would", async () => {
      const store = await fresh();
      const buyers = await store.createSegment({ name: "Buyers", kind: "dynamic", expression: 'performed "Purchase" with sum of amount > 100' });
      const rich = await store.createSegment({ name: "Rich", kind: "dynamic", expression: "ltv > 1000 and not in segment \"Buyers\"" });
      const w1 = await store.appendEvents([
        { contact_id: "b", event: "Purchase", occurred_at: "2026-01-01T10:00:00Z", properties: { amount: 80, sku: "x" } },
        { contact_id: "b", event: "Purchase", occurred_at: "2026-01-02T10:00:00Z", properties: { amount: "30.5" } },
        { contact_id: "c", event: "Purchase", occurred_at: 1767261600000, properties: { amount: 500 } },
      ]);
      expect(w1.changes.map((c) => `${c.segmentId === buyers.id ? "Buyers" : "Rich"} ${c.change} ${c.key}`).sort()).toEqual(["Buyers entered b", "Buyers entered c", "Rich exited c"]);
      const w2 = await store.upsertContacts([{ id: "b", ltv: 2000 }, { id: "d", ltv: 3000 }]);
      expect(w2.changes.map((c) => `${c.change} ${c.key}`)).toEqual(["entered d"]);
      expect((await store.refresh()).map((r) => r.entered + r.exited)).toEqual([0, 0]);
      const bad = await rejection(store.appendEvents([{ contact_id: "ghost", event: "Purchase", occurred_at: "2026-01-01T00:00:00Z" }, { contact_id: "a", event: "", occurred_at: "soon" }]));
      expect((bad as InvalidInputError).problems.map((p) => p.path)).toEqual(["rows[1].event", "rows[1].occurred_at"]);
      const ghost = await rejection(store.appendEvents([{ contact_id: "ghost", event: "Purchase", occurred_at: "2026-01-01T00:00:00Z" }]));
      expect((ghost as InvalidInputError).problems[0]!.message).toContain('no contact "ghost"');
      expect((await store.getContact("b")).recentEvents.map((e) => e["occurred_at"])).toEqual(["2026-01-02T10:00:00.000Z", "2026-01-01T10:00:00.000Z"]);
    });

    it("the change feed pages with a cursor; members at a past instant come from the log", async () => {
      const clock = manualClock(Date.parse("2026-01-01T00:00:00Z"));
      const store = await fresh(clock.now);
      const s = await store.createSegment({ name: "Big", kind: "dynamic", expression: "ltv > 100" });
      clock.advance(60_000);
      await store.upsertContacts([{ id: "b", ltv: 500 }]);
      clock.advance(60_000);
      await store.upsertContacts([{ id: "a", ltv: 1 }]);
      const first = await store.changes({ limit: 2 });
      const rest = await store.changes({ since: first.next });
      expect([...first.items, ...rest.items].map((c) => `${c.change} ${c.key}`)).toEqual(["entered a", "entered c", "entered b", "exited a"]);
      expect((await store.changes({ since: rest.next })).items).toEqual([]);
      expect(await store.membersAt(s.id, "2026-01-01T00:00:30Z")).toEqual(["a", "c"]);
      expect(await store.membersAt(s.id, Date.parse("2026-01-01T00:01:00Z"))).toEqual(["a", "b", "c"]);
      expect(await store.membersAt(s.id, new Date(clock.now()))).toEqual(["b", "c"]);
      expect(await store.membersAt(s.id, "2025-12-31T00:00:00Z")).toEqual([]);
    });

    it("relative times follow the clock: the scheduled refresh moves contacts out", async () => {
      const clock = manualClock(Date.parse("2025-06-03T00:00:00Z"));
      const store = await fresh(clock.now);
      const recent = await store.createSegment({ name: "Recent", kind: "dynamic", expression: "signed_up_at within last 7 days" });
      const fixed = await store.createSegment({ name: "Fixed", kind: "dynamic", expression: "ltv > 1" });
      expect(recent).toMatchObject({ memberCount: 1, relativeTime: true });
      clock.advance(10 * 86_400_000);
      const results = await store.refresh({ relativeOnly: true });
      expect(results.map((r) => [r.segmentId, r.exited])).toEqual([[recent.id, 1]]);
      expect((await store.getSegment(fixed.id)).relativeTime).toBe(false);
    });

    it("unknown ids and bad options are clear errors", async () => {
      const store = await fresh();
      expect(await rejection(store.getSegment(999))).toBeInstanceOf(NotFoundError);
      expect(await rejection(store.findSegment("nope"))).toBeInstanceOf(NotFoundError);
      expect(await rejection(store.updateSegment(999, { name: "x" }))).toBeInstanceOf(NotFoundError);
      expect(await rejection(store.members(1.5))).toBeInstanceOf(InvalidInputError);
      expect(await rejection(store.changes({ limit: 0 }))).toBeInstanceOf(InvalidInputError);
      expect(await rejection(store.listSegments({ cursor: "garbage" }))).toBeInstanceOf(InvalidInputError);
      expect(await rejection(store.createSegment({ name: "S", kind: "static", expression: "ltv > 1" }))).toBeInstanceOf(InvalidInputError);
      expect(await rejection(store.createSegment({ name: "S", kind: "dynamic" }))).toBeInstanceOf(InvalidInputError);
      expect(await rejection(store.updateSegment(1, { colour: "red" } as never))).toBeInstanceOf(InvalidInputError);
    });

    it("lists segments by name with a cursor, filtered by kind and text", async () => {
      const store = await fresh();
      for (const name of ["delta", "Alpha", "charlie", "Bravo", "echo"]) await store.createSegment({ name, kind: name === "echo" ? "dynamic" : "static", ...(name === "echo" ? { expression: "active" } : {}) });
      const p1 = await store.listSegments({ limit: 2 });
      const p2 = await store.listSegments({ limit: 2, cursor: p1.next });
      const p3 = await store.listSegments({ limit: 2, cursor: p2.next });
      expect([...p1.items, ...p2.items, ...p3.items].map((s) => s.name)).toEqual(["Alpha", "Bravo", "charlie", "delta", "echo"]);
      expect(p3.next).toBeNull();
      expect((await store.listSegments({ kind: "dynamic" })).items.map((s) => s.name)).toEqual(["echo"]);
      expect((await store.listSegments({ search: "HA" })).items.map((s) => s.name)).toEqual(["Alpha", "charlie"]);
    });
  });
}
