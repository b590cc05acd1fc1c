/**
 * Concurrency: 20 clients write at once over a real socket: edits with If-Match on shared and own
 * segments, member additions to one shared static segment, contact upserts. No lost update: every
 * acknowledged edit is one version in the history (no two acknowledgements share a version, and the
 * history holds what each one saved), every refused edit is a 412 whose current version is newer than the
 * one it sent, the shared member list is the union of every acknowledged addition, each contact holds its
 * last acknowledged value, and memberships agree with the change log.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../../src/server/index.js";
import { BACKENDS, expectKeepsContract, openTestApi, readReply, type Reply, type TestApi } from "./helpers.js";

const CLIENTS = 20;
const OPS = Number(process.env["SEGQL_CONCURRENCY_OPS"] ?? 8);

describe.each(BACKENDS)("20 clients writing at once on %s", (backend) => {
  let api: TestApi;
  let server: RunningServer;
  const ids: number[] = [];
  let staticId = 0;
  beforeAll(async () => {
    api = await openTestApi(backend);
    server = await startServer({ store: api.store, port: 0, refreshEveryMs: null });
    const contacts = [
      ...Array.from({ length: CLIENTS * OPS }, (_, i) => ({ id: `m${i}`, ltv: i })),
      ...Array.from({ length: CLIENTS }, (_, i) => ({ id: `own${i}`, ltv: 0 })),
    ];
    expect((await api.call("POST", "/api/contacts", { json: { contacts } })).status).toBe(200);
    for (let i = 0; i < 3; i++) ids.push((await api.call("POST", "/api/segments", { json: { name: `Shared ${i}`, kind: "dynamic", expression: `ltv > ${i * 10}` } })).body.id);
    for (let i = 0; i < CLIENTS; i++) ids.push((await api.call("POST", "/api/segments", { json: { name: `Own ${i}`, kind: "dynamic", expression: "ltv > 0" } })).body.id);
    staticId = (await api.call("POST", "/api/segments", { json: { name: "Picked", kind: "static" } })).body.id;
  });
  afterAll(async () => {
    await server.close();
    await api.dispose();
  });

  // Over the socket, so checked here against the document of the app the test made (the same routes).
  const http = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> => {
    const reply = await readReply(await fetch(`${server.url}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body), headers: { "content-type": "application/json", ...headers } }));
    await expectKeepsContract(api.app, method, path, reply);
    return reply;
  };

  it("loses no update and answers every conflict with a 412", async () => {
    const saved: { segment: number; version: number; description: string; expression: string }[] = [];
    const refused: { segment: number; sent: number; current: number }[] = [];
    const added: string[] = [];
    const lastLtv = new Map<string, number>();
    const unexpected: string[] = [];

    const client = async (c: number) => {
      for (let j = 0; j < OPS; j++) {
        const op = (c + j) % 4;
        if (op === 0 || op === 1) {
          // An edit of a shared segment (often conflicting) or of the client's own one (rarely).
          const segment = op === 0 ? ids[(c + j) % 3]! : ids[3 + c]!;
          const read = await http("GET", `/api/segments/${segment}`);
          const etag = read.headers.get("etag")!;
          const description = `client ${c} op ${j}`;
          const expression = `ltv > ${c * 100 + j}`;
          const r = await http("PATCH", `/api/segments/${segment}`, { description, expression }, { "if-match": etag });
          if (r.status === 200) saved.push({ segment, version: r.body.version, description, expression });
          else if (r.status === 412) refused.push({ segment, sent: Number(/v(\d+)/.exec(etag)![1]), current: r.body.current.version });
          else unexpected.push(`PATCH ${r.status} ${JSON.stringify(r.body)}`);
        } else if (op === 2) {
          const key = `m${c * OPS + j}`;
          const r = await http("POST", `/api/segments/${staticId}/members/add`, { keys: [key] });
          if (r.status === 200) added.push(key);
          else unexpected.push(`add ${r.status} ${JSON.stringify(r.body)}`);
        } else {
          const key = `own${c}`;
          const r = await http("POST", "/api/contacts", { contacts: [{ id: key, ltv: j + 1 }] });
          if (r.status === 200) lastLtv.set(key, j + 1);
          else unexpected.push(`upsert ${r.status} ${JSON.stringify(r.body)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));

    expect(unexpected).toEqual([]);
    expect(saved.length + refused.length).toBe(CLIENTS * Math.ceil(OPS / 2));
    // Each refused edit was based on a version that was no longer current.
    for (const r of refused) expect(r.current).toBeGreaterThan(r.sent);
    // Each acknowledged edit is exactly one version of its segment, holding what it saved.
    for (const segment of ids) {
      const mine = saved.filter((s) => s.segment === segment);
      const versions = (await http("GET", `/api/segments/${segment}/versions`)).body.items as { version: number; description: string; expression: string }[];
      expect(versions.map((v) => v.version)).toEqual(Array.from({ length: mine.length + 1 }, (_, i) => i + 1));
      expect(new Set(mine.map((s) => s.version)).size).toBe(mine.length);
      for (const s of mine) expect(versions[s.version - 1]).toMatchObject({ description: s.description, expression: s.expression });
    }
    if (backend === "duckdb") expect(refused.length).toBeGreaterThan(0); // the shared segments did see conflicts
    // Every acknowledged member addition is there.
    const members = (await http("GET", `/api/segments/${staticId}/members?limit=1000`)).body.items.map((c: { id: string }) => c.id).sort();
    expect(members).toEqual([...added].sort());
    // Each contact holds its client's last acknowledged value.
    for (const [key, ltv] of lastLtv) expect((await http("GET", `/api/contacts/${key}`)).body.values.ltv).toBe(ltv);
    // Memberships agree with the change log, and dynamic ones with their expressions.
    for (const segment of [...ids, staticId]) {
      const now = (await http("GET", `/api/segments/${segment}/members?limit=1000`)).body.items.map((c: { id: string }) => c.id).sort();
      const logged = (await http("GET", `/api/segments/${segment}/members-at?at=${Date.now() + 60_000}`)).body.keys;
      expect(logged).toEqual(now);
      const seg = (await http("GET", `/api/segments/${segment}`)).body;
      if (seg.kind === "dynamic") {
        const preview = await http("POST", "/api/preview", { expression: seg.expression, limit: 1000, conditionCounts: false });
        expect(preview.body.contacts.map((c: { id: string }) => c.id).sort()).toEqual(now);
      }
    }
  });
});
