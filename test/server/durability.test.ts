/**
 * Durability: a real `segql serve` on a DuckDB file takes a stream of writes (contact upserts, segment
 * creates, edits with If-Match, static member adds) and is killed with SIGKILL at a random moment, then
 * restarted on the same file, again and again. After each restart:
 *
 * - the file opens (the server starts on it);
 * - every acknowledged write is there: the state equals the model of acknowledged writes, or that model
 *   plus the one write in flight at the kill (its answer never came, so either outcome is right);
 * - memberships and the change log agree: each segment's members now equal the members the log gives
 *   for now, and each dynamic segment's members equal what its expression matches (preview).
 *
 * The in-suite run is small (SEGQL_DURABILITY_CYCLES, default 5); run 100 by setting it.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schemaToJson } from "../../src/store/schema-json.js";
import { crmSchema } from "../store/helpers.js";
import { readReply, type Reply } from "./helpers.js";
import { cliBundle, startServe, type ServeProcess } from "./process.js";
import { mulberry32 as prng } from "../../src/data/random.js";

const CYCLES = Number(process.env["SEGQL_DURABILITY_CYCLES"] ?? 5);
const SEED = Number(process.env["SEGQL_DURABILITY_SEED"] ?? 20261206);
const KEYS = Array.from({ length: 24 }, (_, i) => `k${i}`);


/** What the acknowledged writes say the database holds. */
interface Model {
  contacts: Record<string, number>; // key → ltv
  segments: Record<string, { kind: "static" | "dynamic"; expression: string | null; version: number; members?: string[] }>; // by name
}

const clone = (m: Model): Model => JSON.parse(JSON.stringify(m)) as Model;

/** JSON with object keys sorted, so two equal models print the same whatever their insertion order. */
function canon(value: unknown): string {
  return JSON.stringify(value, (_, v) => (v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v));
}

/** One write: the request, and what it does to the model once acknowledged. */
interface Write {
  label: string;
  method: string;
  path: string;
  body: unknown;
  headers?: Record<string, string>;
  apply(m: Model, reply: Reply): void;
}

function nextWrite(m: Model, ids: Record<string, number>, rand: () => number, n: number): Write {
  const pick = <T,>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const dynamic = Object.keys(m.segments).filter((s) => m.segments[s]!.kind === "dynamic" && ids[s] !== undefined);
  const r = rand();
  if (r < 0.45 || Object.keys(m.contacts).length < 3) {
    const key = pick(KEYS);
    const ltv = Math.floor(rand() * 2000);
    return { label: `upsert ${key}=${ltv}`, method: "POST", path: "/api/contacts", body: { contacts: [{ id: key, ltv, name: `n${n}` }] }, apply: (mm) => void (mm.contacts[key] = ltv) };
  }
  if (r < 0.6 && Object.keys(m.segments).length < 12) {
    const name = `S${n}`;
    const expression = `ltv > ${Math.floor(rand() * 2000)}`;
    return {
      label: `create ${name}`,
      method: "POST",
      path: "/api/segments",
      body: { name, kind: "dynamic", expression },
      apply: (mm, reply) => {
        mm.segments[name] = { kind: "dynamic", expression, version: 1 };
        ids[name] = reply.body.id;
      },
    };
  }
  if (r < 0.85 && dynamic.length > 0) {
    const name = pick(dynamic);
    const seg = m.segments[name]!;
    const expression = `ltv > ${Math.floor(rand() * 2000)}`;
    return {
      label: `edit ${name} v${seg.version}`,
      method: "PATCH",
      path: `/api/segments/${ids[name]}`,
      body: { expression },
      headers: { "if-match": `"v${seg.version}"` },
      apply: (mm) => void Object.assign(mm.segments[name]!, { expression, version: seg.version + 1 }),
    };
  }
  const known = Object.keys(m.contacts);
  const keys = [pick(known), pick(known)];
  return {
    label: `add ${keys.join(",")}`,
    method: "POST",
    path: `/api/segments/${ids["Static"]}/members/add`,
    body: { keys },
    apply: (mm) => {
      const s = mm.segments["Static"]!;
      s.members = [...new Set([...(s.members ?? []), ...keys])].sort();
    },
  };
}

async function send(api: ServeProcess["fetch"], w: Write): Promise<Reply> {
  const res = await api(w.path, { method: w.method, body: JSON.stringify(w.body), headers: { "content-type": "application/json", ...w.headers } });
  return readReply(res);
}

async function getJson(api: ServeProcess["fetch"], path: string): Promise<any> {
  const r = await readReply(await api(path));
  if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** The database's state in the model's terms, read through the API. */
async function observe(api: ServeProcess["fetch"]): Promise<{ model: Model; ids: Record<string, number> }> {
  const contacts: Record<string, number> = {};
  const page = await getJson(api, "/api/contacts?limit=200&orderBy=id");
  for (const c of page.items as { id: string; ltv: number }[]) contacts[c.id] = c.ltv;
  const segments: Model["segments"] = {};
  const ids: Record<string, number> = {};
  for (const s of (await getJson(api, "/api/segments?limit=1000")).items as { id: number; name: string; kind: "static" | "dynamic"; expression: string | null; version: number }[]) {
    ids[s.name] = s.id;
    segments[s.name] = { kind: s.kind, expression: s.expression, version: s.version };
    if (s.kind === "static") segments[s.name]!.members = (await getJson(api, `/api/segments/${s.id}/members?limit=1000`)).items.map((c: { id: string }) => c.id).sort();
  }
  return { model: { contacts, segments }, ids };
}

/** Memberships agree with the change log and, for dynamic segments, with their expressions. */
async function checkMemberships(api: ServeProcess["fetch"], ids: Record<string, number>, model: Model): Promise<void> {
  const at = Date.now() + 60_000;
  for (const [name, id] of Object.entries(ids)) {
    const now = (await getJson(api, `/api/segments/${id}/members?limit=1000`)).items.map((c: { id: string }) => c.id).sort();
    const logged = (await getJson(api, `/api/segments/${id}/members-at?at=${at}`)).keys;
    expect(logged, `${name}: members from the log`).toEqual(now);
    const seg = model.segments[name]!;
    if (seg.kind === "dynamic") {
      const threshold = Number(/ltv > (\d+)/.exec(seg.expression!)![1]);
      const expected = Object.entries(model.contacts).filter(([, ltv]) => ltv > threshold).map(([k]) => k).sort();
      expect(now, `${name} (${seg.expression}): members vs the data`).toEqual(expected);
    }
  }
}

describe("durability: kill -9 during writes, restart on the same DuckDB file", () => {
  let dir: string;
  let schemaFile: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "segql-durability-"));
    schemaFile = join(dir, "schema.json");
    writeFileSync(schemaFile, JSON.stringify(schemaToJson(crmSchema)));
    await cliBundle();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(`keeps every acknowledged write through ${CYCLES} kills`, async () => {
    const db = join(dir, "crm.duckdb");
    const rand = prng(SEED);
    const args = ["--db", db, "--port", "0", "--refresh-every", "off"];
    let p: ServeProcess = await startServe([...args, "--schema", schemaFile]);
    let model: Model = { contacts: {}, segments: {} };
    let ids: Record<string, number> = {};
    const created = await readReply(await p.fetch("/api/segments", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "Static", kind: "static" }) }));
    expect(created.status).toBe(201);
    model.segments["Static"] = { kind: "static", expression: null, version: 1, members: [] };
    ids["Static"] = created.body.id;
    let acknowledged = 0;
    let inFlightAtKill = 0;
    let n = 0;
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      // Writes one at a time (so at most one write's outcome is unknown); after a random number of them the
      // kill is armed for a random moment while the stream goes on.
      const armAfter = 1 + Math.floor(rand() * 12);
      const killDelay = Math.floor(rand() * 150);
      let pending: Write | null = null;
      let killed = false;
      let killer: Promise<void> | null = null;
      for (let i = 0; !killed; i++) {
        if (i === armAfter) {
          killer = new Promise<void>((resolve) =>
            setTimeout(() => {
              killed = true;
              p.child.kill("SIGKILL");
              resolve();
            }, killDelay),
          );
        }
        const w = nextWrite(model, ids, rand, n++);
        pending = w;
        let reply: Reply;
        try {
          reply = await send(p.fetch, w);
        } catch {
          break; // the connection died with the process: unknown outcome
        }
        if (reply.status >= 200 && reply.status < 300) {
          w.apply(model, reply);
          acknowledged++;
        } else if (!(reply.status === 412 || reply.status === 409)) {
          throw new Error(`${w.label}: ${reply.status} ${JSON.stringify(reply.body)}`);
        }
        pending = null;
      }
      await killer;
      const exit = await p.exited;
      expect(exit.signal).toBe("SIGKILL");
      if (pending) inFlightAtKill++;

      // Restart on the same file: it opens, and holds the acknowledged writes (plus perhaps the one in flight).
      p = await startServe(args);
      const seen = await observe(p.fetch);
      const withPending = pending ? (() => {
        const m = clone(model);
        try {
          pending.apply(m, { status: 201, headers: new Headers(), contentType: "application/json", body: { id: seen.ids[`S${n - 1}`] } });
        } catch {
          return null;
        }
        return m;
      })() : null;
      const matches = canon(seen.model) === canon(model) || (withPending !== null && canon(seen.model) === canon(withPending));
      if (!matches) {
        expect(seen.model, `cycle ${cycle}: state after restart (in flight: ${pending?.label ?? "nothing"})`).toEqual(withPending ?? model);
      }
      model = seen.model;
      ids = seen.ids;
      await checkMemberships(p.fetch, ids, model);
    }
    p.child.kill("SIGTERM");
    expect((await p.exited).code).toBe(0);
    if (process.env["SEGQL_DURABILITY_REPORT"]) {
      process.stdout.write(`durability: ${CYCLES} kills, ${acknowledged} acknowledged writes, ${inFlightAtKill} kills with a write in flight, ${Object.keys(model.segments).length} segments, ${Object.keys(model.contacts).length} contacts\n`);
    }
  }, 120_000 + CYCLES * 60_000);
});
