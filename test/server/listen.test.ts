/**
 * The API on a real socket (startServer): requests Node's HTTP parser refuses still get problem documents,
 * the server binds 127.0.0.1 by default, and close() lets a request in flight finish.
 */
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../../src/server/index.js";
import { expectKeepsContract, openTestApi, readReply, type TestApi } from "./helpers.js";

/** Sends raw bytes and returns everything the server answered before closing. */
function raw(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let out = "";
    socket.on("data", (d) => (out += d.toString("utf8")));
    socket.on("error", reject);
    socket.on("close", () => resolve(out));
    socket.write(bytes);
    socket.end();
  });
}

describe("startServer", () => {
  let api: TestApi;
  let server: RunningServer;
  beforeAll(async () => {
    api = await openTestApi("duckdb");
    server = await startServer({ store: api.store, port: 0, refreshEveryMs: null });
  });
  afterAll(async () => {
    await server.close();
    await api.dispose();
  });

  it("binds 127.0.0.1 by default and answers over HTTP", async () => {
    expect(server.host).toBe("127.0.0.1");
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    const r = await fetch(`${server.url}/api/health`);
    expect(r.status).toBe(200);
  });

  it("answers requests the HTTP parser refuses with problem documents (431, 400)", async () => {
    const long = await raw(server.port, `GET /api/contacts?search=${"x".repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(long).toMatch(/^HTTP\/1\.1 431 /);
    expect(long).toMatch(/Content-Type: application\/problem\+json/);
    expect(JSON.parse(long.slice(long.indexOf("\r\n\r\n") + 4))).toMatchObject({ type: "urn:segql:problem:headers-too-large", status: 431 });
    const garbage = await raw(server.port, "HELLO THERE\r\n\r\n");
    expect(garbage).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(garbage.slice(garbage.indexOf("\r\n\r\n") + 4))).toMatchObject({ type: "urn:segql:problem:bad-http", status: 400 });
    // And it keeps serving.
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
  });

  it("lists the listener's 431 in every route's OpenAPI entry: a long query string on any GET keeps the contract", async () => {
    // Found by test/server/fuzz.test.ts: GET /api/contacts/{key}/events answered 431, which its entry did not list.
    const long = "x".repeat(20_000);
    for (const path of ["/api/contacts/c1/events", "/api/segments", "/api/health"]) {
      const reply = await readReply(await fetch(`${server.url}${path}?q=${long}`));
      expect(reply.status, path).toBe(431);
      await expectKeepsContract(api.app, "GET", path, reply);
    }
  });

  it("answers CONNECT (a proxy tunnel) with a 405 problem instead of closing the connection without a word", async () => {
    for (const target of ["127.0.0.1:22", "/api/health"]) {
      const out = await raw(server.port, `CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
      expect(out).toMatch(/^HTTP\/1\.1 405 Method Not Allowed\r\n/);
      expect(out).toContain("Content-Type: application/problem+json");
      const body = JSON.parse(out.slice(out.indexOf("\r\n\r\n") + 4));
      expect(body).toMatchObject({ type: "urn:segql:problem:method-not-allowed", status: 405 });
      expect(body.detail).toMatch(/CONNECT is not allowed/);
    }
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200); // still serving
  });

  it("close() lets a request in flight finish, then refuses new connections", async () => {
    // The store tells when the upsert has reached it: close() then comes while it is in flight, however
    // slow the machine (a fixed pause let close() come first under load).
    let reached!: () => void;
    const upserting = new Promise<void>((resolve) => (reached = resolve));
    const store = new Proxy(api.store, {
      get(target, key) {
        const value = Reflect.get(target, key, target) as unknown;
        if (key === "upsertContacts") return (...args: Parameters<typeof target.upsertContacts>) => (reached(), target.upsertContacts(...args));
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const other = await startServer({ store, port: 0, refreshEveryMs: null });
    const contacts = Array.from({ length: 2000 }, (_, i) => ({ id: `bulk-${i}`, ltv: i }));
    const inFlight = fetch(`${other.url}/api/contacts`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ contacts }) });
    await upserting;
    const closing = other.close();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect((await res.json()).inserted).toBe(2000);
    await closing;
    await expect(fetch(`${other.url}/api/health`)).rejects.toThrow();
  });
});

describe("startServer's trash expiry", () => {
  it("purges at start what was deleted longer ago than keepDeletedMs, logs it, and keeps the rest", async () => {
    let now = Date.parse("2025-06-01T00:00:00Z");
    const api = await openTestApi("duckdb", {}, { clock: () => now });
    const logged: string[] = [];
    let server: RunningServer | null = null;
    try {
      for (const name of ["Stale", "Fresh"]) {
        const s = await api.store.createSegment({ name, kind: "static" });
        await api.store.deleteSegment(s.id);
        now += 20 * 86_400_000;
      }
      // Stale was deleted 40 days ago, Fresh 20.
      server = await startServer({ store: api.store, port: 0, refreshEveryMs: null, log: (l) => logged.push(l) });
      const names = async () => ((await (await fetch(`${server!.url}/api/deleted-segments`)).json()) as { items: { name: string }[] }).items.map((d) => d.name);
      await expect.poll(names).toEqual(["Fresh"]);
      expect(logged).toEqual([expect.stringMatching(/^segql serve: purged 1 deleted segment kept past 30 days: #\d+ "Stale"$/)]);
    } finally {
      await server?.close();
      await api.dispose();
    }
  });

  it("keeps everything with keepDeletedMs null", async () => {
    let now = Date.parse("2025-06-01T00:00:00Z");
    const api = await openTestApi("duckdb", {}, { clock: () => now });
    const s = await api.store.createSegment({ name: "Ancient", kind: "static" });
    await api.store.deleteSegment(s.id);
    now += 3650 * 86_400_000;
    const server = await startServer({ store: api.store, port: 0, refreshEveryMs: null, keepDeletedMs: null });
    try {
      expect(server.trashExpiry).toBeNull();
      expect((await api.store.listDeletedSegments()).items.map((d) => d.name)).toEqual(["Ancient"]);
    } finally {
      await server.close();
      await api.dispose();
    }
  });
});
