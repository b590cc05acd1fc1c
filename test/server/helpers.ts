/**
 * Test support for the HTTP API: an app over a fresh store on each backend (the store tests' backends:
 * DuckDB :memory:, PGlite, and the PostgreSQL server when PG_URL is set), a request helper that returns
 * status, headers and parsed body, and a small set of contacts and events.
 */
import { createApp, type AppOptions } from "../../src/server/index.js";
import type { Store } from "../../src/store/index.js";
import { BACKENDS, openTestStore, type Backend } from "../store/helpers.js";

export { BACKENDS, type Backend };

/** What a request returned. */
export interface Reply {
  status: number;
  headers: Headers;
  contentType: string;
  /** The body parsed as JSON when it is JSON (problems included), else its text. */
  body: any;
}

/** Options of one request. */
export interface Call {
  /** A JSON body (serialised), or a raw string or bytes sent as they are. */
  json?: unknown;
  raw?: string | Uint8Array<ArrayBuffer>;
  headers?: Record<string, string>;
  token?: string;
}

/** An app over a fresh store, and how to call it. */
export interface TestApi {
  store: Store;
  app: ReturnType<typeof createApp>;
  call(method: string, path: string, call?: Call): Promise<Reply>;
  dispose(): Promise<void>;
}

/** Reads a response into a `Reply`. */
export async function readReply(res: Response): Promise<Reply> {
  const contentType = res.headers.get("content-type") ?? "";
  const text = await res.text();
  let body: unknown = text;
  if (/json/.test(contentType) && text !== "") body = JSON.parse(text);
  return { status: res.status, headers: res.headers, contentType, body };
}

/** The request init of a call. */
export function requestInit(method: string, call: Call = {}): RequestInit {
  const headers: Record<string, string> = { ...call.headers };
  let body: string | Uint8Array<ArrayBuffer> | undefined;
  if (call.json !== undefined) {
    body = JSON.stringify(call.json);
    headers["content-type"] ??= "application/json";
  } else if (call.raw !== undefined) body = call.raw;
  if (call.token !== undefined) headers["authorization"] = `Bearer ${call.token}`;
  return { method, body, headers };
}

/** Opens an app on a fresh store of `backend`. */
export async function openTestApi(backend: Backend, options: Omit<AppOptions, "store"> = {}, storeOptions: Parameters<typeof openTestStore>[1] = {}): Promise<TestApi> {
  const { store, dispose } = await openTestStore(backend, storeOptions);
  const logged: string[] = [];
  const app = createApp({ log: (l) => logged.push(l), ...options, store });
  return {
    store,
    app,
    call: async (method, path, call = {}) => readReply(await app.request(path, requestInit(method, call))),
    dispose,
  };
}

/** Contacts of the small CRM (test/store/helpers.ts `crmSchema`). */
export const CONTACTS = [
  { id: "c1", name: "Ann Lee", plan: "Pro", ltv: 1200, active: true, birthday: "1990-05-01", signed_up_at: "2025-01-10T09:00:00Z", tags: ["vip", "beta"] },
  { id: "c2", name: "Bob Stone", plan: "Free", ltv: 0, active: false, birthday: null, signed_up_at: "2025-06-01T12:00:00Z", tags: [] },
  { id: "c3", name: "Cleo Park", plan: "Team", ltv: 5400.5, active: true, birthday: "1985-12-24", signed_up_at: "2024-11-20T08:30:00Z", tags: ["vip"] },
  { id: "c4", name: "Dan O'Neil", plan: "Pro", ltv: 300, active: true, birthday: null, signed_up_at: null, tags: ["beta"] },
  { id: "c5", name: "Eve \"E\" Zhou", plan: null, ltv: null, active: null, birthday: null, signed_up_at: null, tags: null },
];

/** Events of those contacts. */
export const EVENTS = [
  { contact_id: "c1", event: "Purchase", occurred_at: "2025-12-01T10:00:00Z", properties: { amount: 120, sku: "A-1" } },
  { contact_id: "c1", event: "Purchase", occurred_at: "2025-12-20T10:00:00Z", properties: { amount: 80, sku: "B-2" } },
  { contact_id: "c3", event: "Purchase", occurred_at: "2025-11-15T10:00:00Z", properties: { amount: 999, sku: "A-1" } },
];

/** Upserts `CONTACTS` and appends `EVENTS` through the API. */
export async function seed(api: TestApi): Promise<void> {
  const c = await api.call("POST", "/api/contacts", { json: { contacts: CONTACTS } });
  if (c.status !== 200) throw new Error(`seed contacts: ${c.status} ${JSON.stringify(c.body)}`);
  const e = await api.call("POST", "/api/events", { json: { events: EVENTS } });
  if (e.status !== 200) throw new Error(`seed events: ${e.status} ${JSON.stringify(e.body)}`);
}

/** Asserts a reply is a problem document of `status` and `kind`, and returns its body. */
export function expectProblem(r: Reply, status: number, kind: string): any {
  const ok = r.status === status && r.contentType.startsWith("application/problem+json") && r.body?.type === `urn:segql:problem:${kind}`;
  if (!ok) throw new Error(`expected a ${status} ${kind} problem, got ${r.status} ${r.contentType}: ${JSON.stringify(r.body).slice(0, 600)}`);
  if (typeof r.body.title !== "string" || typeof r.body.detail !== "string" || r.body.status !== status) {
    throw new Error(`not an RFC 9457 problem: ${JSON.stringify(r.body).slice(0, 600)}`);
  }
  return r.body;
}
