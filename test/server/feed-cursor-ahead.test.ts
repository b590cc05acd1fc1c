/**
 * `GET /api/changes?since=N` with N past the feed's newest change is a 400 invalid-request naming `since`,
 * with the newest number (`lastChangeSeq`) and what to do: such a cursor comes from another database (a
 * restore from a backup), and an empty page (or a wait) would let its consumer skip changes unawares.
 * A cursor at the newest change still answers an empty page and still waits.
 */
import { afterEach, describe, expect, it } from "vitest";
import { BACKENDS, expectProblem, openTestApi, seed, type TestApi } from "./helpers.js";

describe.each(BACKENDS)("a change-feed cursor past the newest change (%s)", (backend) => {
  let api: TestApi | null = null;
  afterEach(async () => {
    await api?.dispose();
    api = null;
  });

  it("is refused with the newest sequence number and where to read again from, with or without wait and segmentId", async () => {
    api = await openTestApi(backend);
    await seed(api);
    const pros = (await api.call("POST", "/api/segments", { json: { name: "Pros", kind: "dynamic", expression: 'plan = "Pro"' } })).body.id as number;
    const last = (await api.call("GET", "/api/changes?limit=10000")).body.next as number;
    expect(last).toBeGreaterThan(0);
    expect((await api.call("GET", "/api/health")).body.lastChangeSeq).toBe(last);
    for (const [since, more] of [[last + 1, ""], [last + 1000, `&segmentId=${pros}`], [last + 1, "&wait=60"]] as const) {
      const p = expectProblem(await api.call("GET", `/api/changes?since=${since}${more}`), 400, "invalid-request");
      expect(p.lastChangeSeq).toBe(last);
      expect(p.issues).toEqual([{ in: "query", path: "since", code: "cursor_ahead", message: `past the feed's newest change (${last})` }]);
      expect(p.detail).toMatch(new RegExp(`^since ${since} is past the change feed's newest change \\(seq ${last}\\): .*read again from ${last} to follow new changes only, or from 0 to read every change$`));
    }
    expect(api.store.changeWaiters).toBe(0);
    // The newest itself is the ordinary place to wait from.
    expect((await api.call("GET", `/api/changes?since=${last}`)).body).toEqual({ items: [], next: last });
    expect((await api.call("GET", `/api/changes?since=${last}&segmentId=${pros}&wait=1`)).body).toEqual({ items: [], next: last });
  });

  it("is refused on an empty feed with lastChangeSeq 0", async () => {
    api = await openTestApi(backend);
    expect((await api.call("GET", "/api/changes?since=0")).body).toEqual({ items: [], next: 0 });
    const p = expectProblem(await api.call("GET", "/api/changes?since=42"), 400, "invalid-request");
    expect(p.lastChangeSeq).toBe(0);
    expect(p.detail).toMatch(/^since 42 is past the change feed's newest change \(the feed is empty\)/);
  });
});

describe.each(BACKENDS)("skipDuplicates on the contacts import (%s)", (backend) => {
  let api: TestApi | null = null;
  afterEach(async () => {
    await api?.dispose();
    api = null;
  });

  it("is refused saying it applies to events imports only; other unknown parameters keep the plain message", async () => {
    api = await openTestApi(backend);
    const csv = { "content-type": "text/csv" };
    const p = expectProblem(await api.call("POST", "/api/contacts/import?skipDuplicates=true", { raw: "id\nc9\n", headers: csv }), 400, "invalid-request");
    const message =
      'unknown parameter "skipDuplicates": skipDuplicates applies to events imports only (POST /api/events/import); contacts are upserted by key, so a file sent again updates them and adds no duplicates';
    expect(p.issues).toEqual([{ in: "query", path: "", code: "unrecognized_keys", message }]);
    expect(p.detail).toBe(`query: ${message}`);
    const other = expectProblem(await api.call("POST", "/api/contacts/import?skipDuplicate=true", { raw: "id\nc9\n", headers: csv }), 400, "invalid-request");
    expect(other.detail).toBe('query: unknown parameter "skipDuplicate"');
    expect((await api.call("GET", "/api/contacts/c9")).status).toBe(404);
  });
});
