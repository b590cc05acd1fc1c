/**
 * `findContactKeys`: which keys of a pasted list are contacts and, for a segment, already its members — on
 * each backend, for lists short enough to inline and long enough to be staged.
 */
import { afterEach, describe, expect, it } from "vitest";
import { NotFoundError } from "../../src/store/index.js";
import { BACKENDS, openTestStore, rejection, type TestStore } from "./helpers.js";

for (const backend of BACKENDS) {
  describe(`key lookup on ${backend}`, { timeout: 60_000 }, () => {
    const open: TestStore[] = [];
    afterEach(async () => {
      for (const t of open.splice(0)) await t.dispose();
    });

    it("says which known keys are a static list's members, for short and long lists, in the order given", async () => {
      const t = await openTestStore(backend);
      open.push(t);
      const store = t.store;
      const contacts = Array.from({ length: 300 }, (_, i) => ({ id: `k${String(i).padStart(3, "0")}`, ltv: i }));
      await store.upsertContacts(contacts);
      const members = contacts.filter((_, i) => i % 3 === 0).map((c) => c.id);
      const list = await store.createSegment({ name: "Every third", kind: "static", members });
      for (const size of [5, 250]) {
        const keys = [...contacts.slice(0, size).map((c) => c.id).reverse(), "nobody", "k000"];
        const found = await store.findContactKeys(keys, { segmentId: list.id });
        const known = [...new Set(keys)].filter((k) => k !== "nobody");
        expect(found).toEqual({ known, unknown: ["nobody"], members: known.filter((k) => members.includes(k)) });
      }
      // A dynamic segment: its materialised members.
      const high = await store.createSegment({ name: "High", kind: "dynamic", expression: "ltv >= 290" });
      expect((await store.findContactKeys(["k295", "k100", "k290"], { segmentId: high.id })).members).toEqual(["k295", "k290"]);
      // Without a segment, no `members`; an unknown segment is NotFoundError.
      expect(await store.findContactKeys(["k001"])).toEqual({ known: ["k001"], unknown: [] });
      expect(await rejection(store.findContactKeys(["k001"], { segmentId: 9999 }))).toBeInstanceOf(NotFoundError);
    });
  });
}
