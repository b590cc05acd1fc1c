/**
 * A contact's log (`GET /api/contacts/{key}/changes`) and deleting contacts through HTTP on every backend: `DELETE /api/contacts/{key}` (404 for no contact) and
 * `POST /api/contacts/delete` (many keys; unknown ones refuse the request whole unless skipped), each
 * answering the segments left, which the change feed has too.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BACKENDS, expectProblem, openTestApi, type TestApi } from "./helpers.js";

describe.each(BACKENDS)("deleting contacts over HTTP on %s", (backend) => {
  let api: TestApi;
  beforeEach(async () => {
    api = await openTestApi(backend);
    await api.call("POST", "/api/contacts", { json: { contacts: [{ id: "a", ltv: 500 }, { id: "b", ltv: 5 }, { id: "..", ltv: 700 }, { id: "lookup", ltv: 1 }] } });
    await api.call("POST", "/api/events", { json: { events: [{ contact_id: "a", event: "Purchase", occurred_at: "2025-01-01T00:00:00Z" }] } });
  });
  afterEach(() => api.dispose());

  it("deletes one contact by its key: its events go, it leaves its segments, in the feed too", async () => {
    const rich = await api.call("POST", "/api/segments", { json: { name: "Rich", kind: "dynamic", expression: "ltv > 100" } });
    const since = (await api.call("GET", "/api/health")).body.lastChangeSeq;
    const r = await api.call("DELETE", "/api/contacts/a", { headers: { "segql-user": "dpo" } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ deleted: 1, events: 1, unknown: [] });
    expect(r.body.changes.map((c: { segmentId: number; key: string; change: string }) => [c.segmentId, c.key, c.change])).toEqual([[rich.body.id, "a", "exited"]]);
    expect((await api.call("GET", `/api/changes?since=${since}`)).body.items).toEqual(r.body.changes);
    expectProblem(await api.call("GET", "/api/contacts/a"), 404, "not-found");
    expect((await api.call("GET", `/api/segments/${rich.body.id}`)).body.memberCount).toBe(1);
    expect(expectProblem(await api.call("DELETE", "/api/contacts/a"), 404, "not-found").detail).toBe('no contact "a"');
    // A key named like a route is a key.
    expect((await api.call("DELETE", "/api/contacts/lookup")).body.deleted).toBe(1);
  });

  it("pages a contact's entries and exits, newest first; a deleted contact keeps its log", async () => {
    const rich = await api.call("POST", "/api/segments", { json: { name: "Rich", kind: "dynamic", expression: "ltv > 100" } });
    await api.call("POST", "/api/contacts", { json: { contacts: [{ id: "a", ltv: 1 }] } });
    const page = await api.call("GET", "/api/contacts/a/changes?limit=1");
    expect(page.status).toBe(200);
    expect(page.body.items.map((c: { segmentId: number; change: string }) => [c.segmentId, c.change])).toEqual([[rich.body.id, "exited"]]);
    const older = await api.call("GET", `/api/contacts/a/changes?limit=1&before=${page.body.next}`);
    expect(older.body.items.map((c: { change: string }) => c.change)).toEqual(["entered"]);
    expect(older.body.next).toBeNull();
    await api.call("DELETE", "/api/contacts/a");
    expect((await api.call("GET", "/api/contacts/a/changes")).body.items).toHaveLength(2);
    expectProblem(await api.call("GET", "/api/contacts/a/changes?before=x"), 400, "invalid-request");
  });

  it("deletes many, any key (also `..`); unknown keys refuse the request unless skipped; bad bodies are 400", async () => {
    const refused = expectProblem(await api.call("POST", "/api/contacts/delete", { json: { keys: ["b", "zz"] } }), 422, "unknown-keys");
    expect(refused.unknownKeys).toEqual(["zz"]);
    expect((await api.call("GET", "/api/health")).body.contacts).toBe(4);
    const done = await api.call("POST", "/api/contacts/delete", { json: { keys: ["b", "..", "zz"], skipUnknown: true } });
    expect(done.body).toMatchObject({ deleted: 2, events: 0, unknown: ["zz"] });
    expect((await api.call("POST", "/api/contacts/lookup", { json: { keys: ["a", "b", ".."] } })).body.known).toEqual(["a"]);
    expectProblem(await api.call("POST", "/api/contacts/delete", { json: { keys: [] } }), 400, "invalid-request");
    expectProblem(await api.call("POST", "/api/contacts/delete", { json: { keys: "a" } }), 400, "invalid-request");
    expectProblem(await api.call("POST", "/api/contacts/delete", { json: { keys: ["a"], force: true } }), 400, "invalid-request");
  });
});
