/**
 * `GET /api/import-history` says a re-import's `unchanged` contacts, its `duplicates` of stored events (and
 * `skipDuplicates`) and `truncatedTimes`, as the import's own report did (it said "0 added, 0 updated").
 */
import { afterEach, describe, expect, it } from "vitest";
import { BACKENDS, openTestApi, type TestApi } from "./helpers.js";

describe.each(BACKENDS)("the import history's counts over the API (%s)", (backend) => {
  let api: TestApi | null = null;
  afterEach(async () => {
    await api?.dispose();
    api = null;
  });

  it("lists unchanged, duplicates, skipDuplicates and truncatedTimes", async () => {
    api = await openTestApi(backend);
    const csv = { "content-type": "text/csv" };
    const jsonl = { "content-type": "application/x-ndjson" };
    const contacts = "id,name,signed_up_at\nc1,Ann,2024-01-01 10:00:00.123456+00\nc2,Bob,\n";
    const events = '{"contact_id": "c1", "event": "purchase", "occurred_at": "2024-02-01T10:00:00Z", "properties": {"amount": 20}}\n';
    for (let i = 0; i < 2; i++) expect((await api.call("POST", "/api/contacts/import", { raw: contacts, headers: csv })).status).toBe(200);
    expect((await api.call("POST", "/api/events/import", { raw: events, headers: jsonl })).status).toBe(200);
    expect((await api.call("POST", "/api/events/import?skipDuplicates=true", { raw: events, headers: jsonl })).status).toBe(200);
    const { items } = (await api.call("GET", "/api/import-history")).body as { items: Record<string, unknown>[] };
    const pick = (r: Record<string, unknown>) => [r["kind"], r["inserted"], r["updated"], r["unchanged"], r["duplicates"], r["skipDuplicates"], r["truncatedTimes"]];
    expect(items.map(pick)).toEqual([
      ["events", 0, 0, 0, 1, true, 0],
      ["events", 1, 0, 0, 0, false, 0],
      ["contacts", 0, 0, 2, 0, false, 1],
      ["contacts", 2, 0, 0, 0, false, 1],
    ]);
    expect(pick((await api.call("GET", `/api/import-history/${items[2]!["id"]}`)).body)).toEqual(["contacts", 0, 0, 2, 0, false, 1]);
  });
});
