/**
 * Erasing contacts over HTTP (`DELETE /api/contacts/{key}?erase=true`, `POST /api/contacts/delete` with
 * `"erase": true`): the answer counts what was erased (`erased`), the feed's rows keep their numbers without
 * the key, the import history's bad rows quoting it say `[erased]`, a finished import job quoting it is
 * forgotten; without `erase` all of that stays. Bad values are 400; the OpenAPI document describes it all.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BACKENDS, expectProblem, openTestApi, type TestApi } from "./helpers.js";

interface Change {
  seq: number;
  key: string;
  change: string;
}

describe.each(BACKENDS)("erasing contacts over HTTP on %s", (backend) => {
  let api: TestApi;
  beforeEach(async () => {
    api = await openTestApi(backend);
    // Events for "zed" before it is a contact: the import history's bad rows quote its key.
    const events = [{ contact_id: "zed", event: "Visit", occurred_at: "2025-01-01T00:00:00Z" }].map((e) => JSON.stringify(e)).join("\n");
    const imported = await api.call("POST", "/api/events/import?skipBad=true&filename=visits.jsonl", { raw: events, headers: { "content-type": "application/x-ndjson" } });
    expect(imported.body.bad).toHaveLength(1);
    await api.call("POST", "/api/contacts", { json: { contacts: [{ id: "zed", name: "Zelda Quokkafeather", ltv: 500 }, { id: "amy", ltv: 700 }] } });
    await api.call("POST", "/api/segments", { json: { name: "Rich", kind: "dynamic", expression: "ltv > 100" } });
    await api.call("POST", "/api/contacts", { json: { contacts: [{ id: "zed", ltv: 5 }] } });
    await api.call("POST", "/api/contacts", { json: { contacts: [{ id: "zed", ltv: 600 }] } });
  });
  afterEach(() => api.dispose());

  const feed = async (): Promise<Change[]> => (await api.call("GET", "/api/changes?since=0")).body.items;
  const badMessages = async (): Promise<string[]> => (await api.call("GET", "/api/import-history")).body.items.flatMap((i: { bad: { message: string }[] }) => i.bad.map((p) => p.message));

  it("DELETE ?erase=true: the answer counts what was erased; the feed keeps its numbers without the key; the history says [erased]", async () => {
    const before = await feed();
    expect(before.filter((c) => c.key === "zed")).toHaveLength(3);
    const r = await api.call("DELETE", "/api/contacts/zed?erase=true", { headers: { "segql-user": "dpo" } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ deleted: 1, events: 0, unknown: [], erased: { feedRows: 4, importProblems: 1, segmentsQuoting: [], importJobs: 0 } });
    expect(r.body.changes.map((c: Change) => [c.key, c.change])).toEqual([["zed", "exited"]]);
    const after = await feed();
    expect(after.map((c) => c.seq)).toEqual([...before.map((c) => c.seq), r.body.changes[0].seq]);
    expect(after.filter((c) => c.key === "zed")).toEqual([]);
    expect(after.filter((c) => c.key === "")).toHaveLength(4);
    expect((await api.call("GET", "/api/contacts/zed/changes")).body.items).toEqual([]);
    expect(await badMessages()).toEqual(["[erased]"]);
  });

  it("POST /api/contacts/delete with erase: several keys, unknown ones skipped; a finished import job quoting a key is forgotten", async () => {
    const started = await api.call("POST", "/api/events/import?skipBad=true", {
      raw: JSON.stringify({ contact_id: "zed-not-yet", event: "Visit", occurred_at: "2025-01-01T00:00:00Z" }),
      headers: { "content-type": "application/x-ndjson", prefer: "respond-async" },
    });
    await expect.poll(async () => (await api.call("GET", `/api/imports/${started.body.id}`)).body.state, { timeout: 60_000, interval: 50 }).toBe("done");
    await api.call("POST", "/api/contacts", { json: { contacts: [{ id: "zed-not-yet" }] } });
    const r = await api.call("POST", "/api/contacts/delete", { json: { keys: ["zed", "zed-not-yet", "nobody"], skipUnknown: true, erase: true } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ deleted: 2, unknown: ["nobody"], erased: { feedRows: 4, importProblems: 2, segmentsQuoting: [], importJobs: 1 } });
    expectProblem(await api.call("GET", `/api/imports/${started.body.id}`), 404, "not-found");
    expect(await badMessages()).toEqual(["[erased]", "[erased]"]);
  });

  it("without erase the feed and the history keep the contact (as before); a bad erase is a 400 that says where", async () => {
    const r = await api.call("DELETE", "/api/contacts/zed");
    expect(r.body.erased).toBeUndefined();
    expect((await feed()).filter((c) => c.key === "zed")).toHaveLength(4);
    expect(await badMessages()).toEqual(['no contact "zed" (import the contacts first)']);
    const badQuery = expectProblem(await api.call("DELETE", "/api/contacts/amy?erase=yes"), 400, "invalid-request");
    expect(JSON.stringify(badQuery.issues)).toContain("erase");
    const badBody = expectProblem(await api.call("POST", "/api/contacts/delete", { json: { keys: ["amy"], erase: "yes" } }), 400, "invalid-request");
    expect(JSON.stringify(badBody.issues)).toContain("erase");
    expect((await api.call("GET", "/api/health")).body.contacts).toBe(1);
  });

  it("is documented in the OpenAPI document: the query, the body and the typed answer", async () => {
    const doc = (await api.call("GET", "/openapi.json")).body;
    const del = doc.paths["/api/contacts/{key}"].delete;
    expect(del.parameters).toContainEqual(expect.objectContaining({ name: "erase", in: "query", required: false }));
    expect(del.description).toContain("erase=true");
    expect(doc.components.schemas.DeleteContacts.properties.erase).toMatchObject({ type: "boolean" });
    expect(doc.components.schemas.DeletedContacts.properties.erased).toBeDefined();
    const erased = doc.components.schemas.ErasedHistory;
    expect(Object.keys(erased.properties).sort()).toEqual(["feedRows", "importJobs", "importProblems", "segmentsQuoting"]);
    expect(erased.required.sort()).toEqual(["feedRows", "importProblems", "segmentsQuoting"]);
  });
});
