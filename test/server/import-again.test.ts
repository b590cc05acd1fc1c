/**
 * Importing a file again over HTTP, on every backend: the report says which contacts were unchanged and which
 * events duplicate stored ones (`skipDuplicates=true` leaves those out; the contacts route refuses the
 * option, contacts being upserted by key); `badCount` counts rows; microsecond timestamps are cut to the
 * millisecond and said. Every reply is checked against the OpenAPI document (helpers.ts).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BACKENDS, expectProblem, openTestApi, type TestApi } from "./helpers.js";

const csv = { "content-type": "text/csv" };
const jsonl = { "content-type": "application/x-ndjson" };

describe.each(BACKENDS)("importing again over the API on %s", (backend) => {
  let api: TestApi;
  beforeEach(async () => {
    api = await openTestApi(backend);
  });
  afterEach(() => api.dispose());

  it("a contacts file sent twice: the second report says unchanged, not updated", async () => {
    const body = "id,name,ltv,plan\nc1,Ann,500,Pro\nc2,Bob,5,Free\n";
    expect((await api.call("POST", "/api/contacts/import", { raw: body, headers: csv })).body).toMatchObject({ inserted: 2, updated: 0, unchanged: 0 });
    const again = await api.call("POST", "/api/contacts/import", { raw: body, headers: csv });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ rows: 2, inserted: 0, updated: 0, unchanged: 2, duplicates: 0, refreshed: [] });
    const changed = await api.call("POST", "/api/contacts/import", { raw: "id,name,ltv,plan\nc1,Ann,501,Pro\nc2,Bob,5,Free\n", headers: csv });
    expect(changed.body).toMatchObject({ inserted: 0, updated: 1, unchanged: 1 });
  });

  it("an events file sent twice: duplicates counted, and left out with skipDuplicates=true; the contacts route refuses the option", async () => {
    await api.call("POST", "/api/contacts/import", { raw: "id,name\nc1,Ann\n", headers: csv });
    const events = '{"contact_id": "c1", "event": "purchase", "occurred_at": "2024-02-01T10:00:00Z", "properties": {"amount": 20}}\n';
    expect((await api.call("POST", "/api/events/import", { raw: events, headers: jsonl })).body).toMatchObject({ inserted: 1, duplicates: 0 });
    expect((await api.call("POST", "/api/events/import", { raw: events, headers: jsonl })).body).toMatchObject({ inserted: 1, duplicates: 1 });
    const skipped = await api.call("POST", "/api/events/import?skipDuplicates=true", { raw: events, headers: jsonl });
    expect(skipped.status).toBe(200);
    expect(skipped.body).toMatchObject({ rows: 1, inserted: 0, duplicates: 1 });
    expect((await api.call("GET", "/api/contacts/c1")).body.eventCount).toBe(2);
    expectProblem(await api.call("POST", "/api/contacts/import?skipDuplicates=true", { raw: "id\nc9\n", headers: csv }), 400, "invalid-request");
    expectProblem(await api.call("POST", "/api/events/import?skipDuplicates=yes", { raw: events, headers: jsonl }), 400, "invalid-request");
  });

  it("badCount counts rows; a microsecond timestamp is stored cut to the millisecond and named", async () => {
    const body = "id,ltv,plan,signed_up_at\nc1,lots,Gold,2024-01-01 10:00:00.123456+00\nc2,1,Pro,2024-01-01 10:00:00.654321+00\n";
    const report = await api.call("POST", "/api/contacts/import?skipBad=true&filename=pg.csv", { raw: body, headers: csv });
    expect(report.status).toBe(200);
    expect(report.body).toMatchObject({ rows: 2, inserted: 1, badCount: 1, truncatedTimes: 1, firstTruncatedTime: { path: "pg.csv:3", line: 3, field: "signed_up_at" } });
    expect(report.body.bad).toHaveLength(2);
    expect((await api.call("GET", "/api/contacts/c2")).body.values.signed_up_at).toBe("2024-01-01T10:00:00.654Z");
  });

  it("an upsert reads a time whose digits past the millisecond are zeros, and refuses others (one value typed by hand is better fixed than cut)", async () => {
    expect((await api.call("POST", "/api/contacts", { json: { contacts: [{ id: "c1", signed_up_at: "2024-01-01 10:00:00.123000+00" }] } })).status).toBe(200);
    expect((await api.call("GET", "/api/contacts/c1")).body.values.signed_up_at).toBe("2024-01-01T10:00:00.123Z");
    const refused = expectProblem(await api.call("POST", "/api/contacts", { json: { contacts: [{ id: "c2", signed_up_at: "2024-01-01 10:00:00.123456+00" }] } }), 422, "invalid-input");
    expect(refused.problems).toEqual([expect.objectContaining({ path: "contacts[0].signed_up_at", message: expect.stringContaining("timestamps have millisecond precision") })]);
  });
});
