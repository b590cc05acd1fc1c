/**
 * What a contact editor sends is what is stored, on every backend: `""` stays `""` (not null), null stays
 * null, and a list item keeps its line breaks (and an empty item stays one). The language reads `""` and null
 * alike (`is empty` holds for both), but an export, a conflict check (`expect`: null, `""` and a value
 * differ) and the next edit see the difference, so the API must not turn one into the other. (CSV imports
 * are another matter: a blank cell cannot say which it was, and is null; docs/store.md.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, openTestApi, type TestApi } from "../server/helpers.js";

for (const backend of BACKENDS) {
  describe(`empty values through POST /api/contacts (${backend})`, { timeout: 60_000 }, () => {
    let api: TestApi;
    beforeAll(async () => {
      api = await openTestApi(backend);
    });
    afterAll(async () => {
      await api?.dispose();
    });

    const stored = async (key: string) => (await api.call("GET", `/api/contacts/${key}`)).body.values;

    it('keeps "" apart from null, and list items as sent (line breaks, empty items)', async () => {
      const first = await api.call("POST", "/api/contacts", { json: { contacts: [{ id: "e1", name: "Ann", plan: "Pro", tags: ["line one\nline two", "b"] }] } });
      expect(first.status).toBe(200);
      expect(await stored("e1")).toMatchObject({ name: "Ann", plan: "Pro", tags: ["line one\nline two", "b"] });
      // Emptied in an editor: "" where the person cleared a text, null where they cleared a number.
      expect((await api.call("POST", "/api/contacts", { json: { contacts: [{ id: "e1", name: "", plan: "", tags: ["", "x\r\ny"], ltv: null }] } })).status).toBe(200);
      expect(await stored("e1")).toMatchObject({ name: "", plan: "", tags: ["", "x\r\ny"], ltv: null });
      // Both are empty to the language.
      const count = await api.call("POST", "/api/preview", { json: { expression: 'id = "e1" and name is empty and plan is empty and ltv is empty' } });
      expect(count.body.count).toBe(1);
      // And the next editor's expectation tells them apart.
      const stale = await api.call("POST", "/api/contacts", { json: { contacts: [{ id: "e1", name: "Bo" }], expect: { e1: { name: null } } } });
      expect(stale.status).toBe(409);
      expect((await api.call("POST", "/api/contacts", { json: { contacts: [{ id: "e1", name: "Bo" }], expect: { e1: { name: "" } } } })).status).toBe(200);
    });
  });
}
