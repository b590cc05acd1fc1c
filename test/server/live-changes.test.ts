/**
 * The change feed's long poll (`GET /api/changes?wait=S`): validation of `wait`, an answer as soon as a
 * write commits a change, the cap on waiting requests (429 with Retry-After), and on a real socket: a
 * closing server answers every waiting request at once, and a client that goes away releases its wait.
 */
import { request as httpRequest } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { FeedWaits } from "../../src/server/feed-waits.js";
import { startServer } from "../../src/server/index.js";
import type { Store } from "../../src/store/index.js";
import { BACKENDS, expectProblem, openTestApi, readReply, requestInit, seed, type TestApi } from "./helpers.js";

/** Resolves once `store` has `n` `changes` calls waiting (checked on each turn of the event loop). */
async function waiters(store: Store, n: number): Promise<void> {
  while (store.changeWaiters !== n) await new Promise((resolve) => setImmediate(resolve));
}

describe.each(BACKENDS)("GET /api/changes?wait= (%s)", (backend) => {
  let api: TestApi | null = null;
  afterEach(async () => {
    await api?.dispose();
    api = null;
  });

  async function open(feedWaits?: FeedWaits): Promise<{ api: TestApi; pros: number; since: number }> {
    api = await openTestApi(backend, feedWaits ? { feedWaits } : {});
    await seed(api);
    const pros = (await api.call("POST", "/api/segments", { json: { name: "Pros", kind: "dynamic", expression: 'plan = "Pro"' } })).body.id as number;
    const since = (await api.call("GET", "/api/changes?limit=10000")).body.next as number;
    return { api, pros, since };
  }

  it("refuses a wait past 60 seconds or not a number, naming wait", async () => {
    const { api } = await open();
    for (const wait of ["61", "-1", "soon"]) {
      const p = expectProblem(await api.call("GET", `/api/changes?wait=${wait}`), 400, "invalid-request");
      expect(p.issues[0]).toMatchObject({ in: "query", path: "wait" });
      expect(p.detail).toMatch(/^query wait: /);
    }
  });

  it("answers as soon as a write commits a change while it waits, and at once when there are changes already", async () => {
    const { api, pros, since } = await open();
    const waiting = api.call("GET", `/api/changes?since=${since}&segmentId=${pros}&wait=60`);
    await waiters(api.store, 1);
    const write = await api.call("POST", "/api/contacts", { json: { contacts: [{ id: "n1", plan: "Pro" }] } });
    expect(write.status).toBe(200);
    const r = await waiting;
    expect(r.status).toBe(200);
    expect(r.body.items.map((c: { key: string; change: string }) => [c.key, c.change])).toEqual([["n1", "entered"]]);
    expect(r.body.next).toBe(r.body.items[0].seq);
    const again = await api.call("GET", `/api/changes?since=${since}&wait=60`);
    expect(again.body.items.map((c: { key: string }) => c.key)).toEqual(["n1"]);
  });

  it("answers an empty page with the same next when nothing changes in time", async () => {
    const { api, since } = await open();
    const r = await api.call("GET", `/api/changes?since=${since}&wait=1`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ items: [], next: since });
  });

  it("refuses a waiting request past the cap with 429 and Retry-After; requests without wait go on", async () => {
    const feedWaits = new FeedWaits(2);
    const { api, since } = await open(feedWaits);
    const stop = new AbortController();
    const held = [1, 2].map(() => api.app.request(`/api/changes?since=${since}&wait=60`, { signal: stop.signal }));
    await waiters(api.store, 2);
    const refused = await api.call("GET", `/api/changes?since=${since}&wait=60`);
    expectProblem(refused, 429, "too-many-requests");
    expect(refused.headers.get("retry-after")).toBe("2");
    expect(refused.body.detail).toContain("at most 2");
    expect((await api.call("GET", `/api/changes?since=${since}`)).status).toBe(200);
    // The held requests' clients go away: their waits end, and the next may wait.
    stop.abort();
    await Promise.allSettled(held);
    await waiters(api.store, 0);
    expect(feedWaits.waiting).toBe(0);
    const next = api.call("GET", `/api/changes?since=${since}&wait=60`);
    await waiters(api.store, 1);
    await api.call("POST", "/api/contacts", { json: { contacts: [{ id: "n2", plan: "Pro" }] } });
    expect((await next).body.items.map((c: { key: string }) => c.key)).toEqual(["n2"]);
  });
});

describe("the long poll on a real socket", () => {
  let api: TestApi | null = null;
  afterEach(async () => {
    await api?.dispose();
    api = null;
  });

  it("closing the server answers every waiting request at once with an empty page", async () => {
    api = await openTestApi("duckdb");
    const server = await startServer({ store: api.store, port: 0, refreshEveryMs: null, keepDeletedMs: null });
    const waiting = [0, 0, 0].map(() => fetch(`${server.url}/api/changes?since=0&wait=60`).then(readReply));
    await waiters(api.store, 3);
    // With a grace of a minute, only the answer of the waits lets the close finish before the test's timeout.
    const closing = server.close(60_000);
    for (const r of await Promise.all(waiting)) {
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ items: [], next: 0 });
    }
    await closing;
    expect(api.store.changeWaiters).toBe(0);
  });

  it("a client that disconnects releases its wait", async () => {
    api = await openTestApi("duckdb");
    const feedWaits = new FeedWaits();
    const server = await startServer({ store: api.store, port: 0, refreshEveryMs: null, keepDeletedMs: null, feedWaits });
    try {
      const req = httpRequest(`${server.url}/api/changes?since=0&wait=60`, requestInit("GET") as { method: string });
      req.on("error", () => undefined);
      req.end();
      await waiters(api.store, 1);
      expect(feedWaits.waiting).toBe(1);
      req.destroy();
      await waiters(api.store, 0);
      expect(feedWaits.waiting).toBe(0);
    } finally {
      await server.close();
    }
  });
});
