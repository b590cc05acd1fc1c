/**
 * Per-field compare-and-set of contact upserts (`upsertContacts(rows, { expect })`): two people editing
 * different fields of one contact both save; the second of two editing the same field gets a
 * `ContactChangedError` naming the field, the value expected and the value stored, and nothing of that
 * upsert is written. Values compare as the store's typed values (a time as its instant, a number as a
 * number, a list item by item; null, "" and a value differ). Bad expectations are refused by path.
 *
 * On every backend, and on DuckDB with and without the write-back path (which checks against its cache of
 * stored rows, the ordinary path inside the write's transaction).
 */
import { afterEach, describe, expect, it } from "vitest";
import { ContactChangedError, InvalidInputError, type Store } from "../../src/store/index.js";
import { BACKENDS, openTestStore, rejection, type Backend, type TestStore } from "./helpers.js";

const ANN = { id: "ann", name: "Ann", plan: "Free", ltv: 10, active: true, birthday: "1990-02-28", signed_up_at: "2024-01-31T10:00:00Z", tags: ["vip", "beta"] };

/** Each backend, and DuckDB without write-back (every upsert in its own transaction). */
const VARIANTS: { label: string; backend: Backend; writeBack?: false }[] = [...BACKENDS.map((backend) => ({ label: backend, backend })), { label: "duckdb without write-back", backend: "duckdb", writeBack: false }];

for (const { label, backend, writeBack } of VARIANTS) {
  describe(`expected values of contact upserts on ${label}`, { timeout: 60_000 }, () => {
    const open: TestStore[] = [];
    const fresh = async (): Promise<Store> => {
      const t = await openTestStore(backend, writeBack === false ? { writeBack: false } : {});
      open.push(t);
      await t.store.upsertContacts([ANN, { id: "bob", plan: "Pro", name: "" }]);
      await t.store.createSegment({ name: "Pros", kind: "dynamic", expression: 'plan = "Pro"' });
      return t.store;
    };
    const values = async (store: Store, key: string) => (await store.getContact(key)).values;
    afterEach(async () => {
      for (const t of open.splice(0)) await t.dispose();
    });

    it("writes when the fields still hold the values read; refuses, naming them, when someone else changed them", async () => {
      const store = await fresh();
      const result = await store.upsertContacts([{ id: "ann", plan: "Pro" }], { expect: { ann: { plan: "Free" } } });
      expect(result.updated).toBe(1);
      expect(result.changes.map((c) => c.change)).toEqual(["entered"]);
      // A second editor read "Free" too, and wants "Team": the stored value is "Pro" now.
      const e = await rejection(store.upsertContacts([{ id: "ann", plan: "Team" }], { expect: { ann: { plan: "Free" } } }));
      expect(e).toBeInstanceOf(ContactChangedError);
      expect((e as ContactChangedError).code).toBe("contact-changed");
      expect((e as ContactChangedError).conflicts).toEqual([{ key: "ann", field: "plan", expected: "Free", stored: "Pro", exists: true }]);
      expect(e.message).toContain('contact "ann": plan is now "Pro", not "Free"');
      expect((await values(store, "ann"))["plan"]).toBe("Pro");
      // With the value now stored as the expectation (an overwrite the user chose), it is written.
      await store.upsertContacts([{ id: "ann", plan: "Team" }], { expect: { ann: { plan: "Pro" } } });
      expect((await values(store, "ann"))["plan"]).toBe("Team");
    });

    it("two people editing different fields of one contact both save", async () => {
      const store = await fresh();
      // Both opened ann as ANN; one changes the plan, the other the lifetime value.
      await store.upsertContacts([{ id: "ann", plan: "Pro" }], { expect: { ann: { plan: "Free" } } });
      await store.upsertContacts([{ id: "ann", ltv: 99 }], { expect: { ann: { ltv: 10 } } });
      expect(await values(store, "ann")).toMatchObject({ plan: "Pro", ltv: 99, name: "Ann" });
    });

    it("nothing of the upsert is written when one expectation fails: not the other fields, not the other contacts", async () => {
      const store = await fresh();
      const before = { ann: await values(store, "ann"), bob: await values(store, "bob") };
      const feed = (await store.changes({ since: 0 })).next;
      const e = await rejection(
        store.upsertContacts(
          [
            { id: "bob", plan: "Free", ltv: 5 },
            { id: "ann", plan: "Pro", name: "Annie" },
            { id: "new", plan: "Pro" },
          ],
          { expect: { bob: { plan: "Pro", ltv: null }, ann: { plan: "Free", name: "Anne" } } },
        ),
      );
      expect((e as ContactChangedError).conflicts).toEqual([{ key: "ann", field: "name", expected: "Anne", stored: "Ann", exists: true }]);
      expect({ ann: await values(store, "ann"), bob: await values(store, "bob") }).toEqual(before);
      expect((await store.findContactKeys(["new"])).unknown).toEqual(["new"]);
      expect((await store.changes({ since: feed })).items).toEqual([]);
    });

    it("more contacts than the write-back path takes are checked in the write's transaction", async () => {
      const store = await fresh();
      const many = Array.from({ length: 12 }, (_, i) => ({ id: `m${i}`, ltv: i }));
      await store.upsertContacts(many);
      const expectAll = Object.fromEntries(many.map((m) => [m.id, { ltv: m.ltv }]));
      await store.upsertContacts(many.map((m) => ({ id: m.id, ltv: m.ltv + 100 })), { expect: expectAll });
      expect((await values(store, "m11"))["ltv"]).toBe(111);
      const e = await rejection(store.upsertContacts(many.map((m) => ({ id: m.id, ltv: 0 })), { expect: { ...expectAll, m3: { ltv: 103 } } }));
      expect((e as ContactChangedError).conflicts.map((c) => c.key)).toEqual(many.filter((m) => m.id !== "m3").map((m) => m.id));
      expect((await values(store, "m3"))["ltv"]).toBe(103);
    });

    it("compares typed values: null, empty text and a value differ; times as instants; numbers as numbers; lists item by item", async () => {
      const store = await fresh();
      const refused = async (field: string, expected: unknown, write: unknown, key = "ann") => {
        const e = await rejection(store.upsertContacts([{ id: key, [field]: write }], { expect: { [key]: { [field]: expected } } }));
        expect(e, `${field} expected ${JSON.stringify(expected)}`).toBeInstanceOf(ContactChangedError);
      };
      // bob's name is "", ann's birthday a date, ann's tags ["vip", "beta"].
      await refused("name", null, "Bo", "bob");
      await store.upsertContacts([{ id: "bob", name: "Bo" }], { expect: { bob: { name: "" } } });
      await store.upsertContacts([{ id: "bob", ltv: 1 }], { expect: { bob: { ltv: null } } });
      await refused("ltv", "", 2, "ann");
      await refused("tags", ["beta", "vip"], ["x"]);
      await refused("tags", null, ["x"]);
      await refused("tags", [], ["x"]);
      await refused("signed_up_at", "2024-01-31T10:00:01Z", null);
      await refused("active", false, null);
      await refused("birthday", "1990-02-27", null);
      // The same values written another way match.
      await store.upsertContacts(
        [{ id: "ann", signed_up_at: "2025-01-01T00:00:00Z", ltv: 11, tags: ["vip"], birthday: "2000-01-01", active: false }],
        { expect: { ann: { signed_up_at: Date.parse("2024-01-31T10:00:00Z"), ltv: "10.0", tags: ["vip", "beta"], birthday: "1990-02-28", active: "true" } } },
      );
      await store.upsertContacts([{ id: "ann", signed_up_at: null }], { expect: { ann: { signed_up_at: "2025-01-01T01:00:00+01:00" } } });
      expect(await values(store, "ann")).toMatchObject({ signed_up_at: null, ltv: 11, tags: ["vip"], birthday: "2000-01-01", active: false });
    });

    it("a contact deleted since it was read is a conflict, and is not added again", async () => {
      const store = await fresh();
      await store.deleteContacts(["bob"]);
      const e = await rejection(store.upsertContacts([{ id: "bob", plan: "Team" }], { expect: { bob: { plan: "Pro" } } }));
      expect((e as ContactChangedError).conflicts).toEqual([{ key: "bob", field: "plan", expected: "Pro", stored: null, exists: false }]);
      expect(e.message).toContain('contact "bob" no longer exists');
      expect((await store.findContactKeys(["bob"])).unknown).toEqual(["bob"]);
    });

    it("of two writers with the same expectation, exactly one wins", async () => {
      const store = await fresh();
      for (let round = 0; round < 5; round++) {
        const read = (await values(store, "ann"))["ltv"];
        const outcomes = await Promise.allSettled([1, 2, 3].map((w) => store.upsertContacts([{ id: "ann", ltv: round * 10 + w }], { expect: { ann: { ltv: read } } })));
        const won = outcomes.flatMap((o, i) => (o.status === "fulfilled" ? [i + 1] : []));
        expect(won, `round ${round}`).toHaveLength(1);
        for (const o of outcomes) if (o.status === "rejected") expect(o.reason).toBeInstanceOf(ContactChangedError);
        expect((await values(store, "ann"))["ltv"]).toBe(round * 10 + won[0]!);
      }
    });

    it("refuses expectations it cannot check, saying where: unknown fields, fields or contacts not written, bad values", async () => {
      const store = await fresh();
      const problems = async (expectation: unknown, rows: Record<string, unknown>[] = [{ id: "ann", plan: "Pro" }]) => {
        const e = await rejection(store.upsertContacts(rows, { expect: expectation as Record<string, Record<string, unknown>> }));
        expect(e).toBeInstanceOf(InvalidInputError);
        return (e as InvalidInputError).problems.map((p) => `${p.path}: ${p.message}`);
      };
      expect(await problems({ ann: { plam: "Free" } })).toEqual(['expect["ann"].plam: unknown field; did you mean "plan"?']);
      expect(await problems({ ann: { ltv: 10 } })).toEqual(['expect["ann"].ltv: this request does not write ltv for this contact: expect only the fields you write']);
      expect(await problems({ bob: { plan: "Pro" } })).toEqual(['expect["bob"]: this request writes no contact with this key: an expectation guards a value the request writes']);
      expect((await problems({ ann: { id: "ann" } }))[0]).toMatch(/^expect\["ann"\]\.id: the key names the contact/);
      expect((await problems({ ann: { ltv: "lots" } }, [{ id: "ann", ltv: 5 }]))[0]).toMatch(/^expect\["ann"\]\.ltv: expected a number/);
      expect(await problems({ ann: "Free" })).toEqual(['expect["ann"]: expected an object: field → the value you read']);
      expect(await problems(["Free"])).toEqual(["expect: expected an object: contact key → { field: the value you read }"]);
      expect((await values(store, "ann"))["plan"]).toBe("Free");
    });

    it("takes a Map, for keys such as __proto__", async () => {
      const store = await fresh();
      await store.upsertContacts([{ id: "__proto__", plan: "Free" }]);
      await store.upsertContacts([{ id: "__proto__", plan: "Pro" }], { expect: new Map([["__proto__", { plan: "Free" }]]) });
      const e = await rejection(store.upsertContacts([{ id: "__proto__", plan: "Team" }], { expect: new Map([["__proto__", { plan: "Free" }]]) }));
      expect((e as ContactChangedError).conflicts[0]).toMatchObject({ key: "__proto__", stored: "Pro" });
    });
  });
}
