/**
 * Test support for the HTTP API: an app over a fresh store on each backend (the store tests' backends:
 * DuckDB :memory:, PGlite, and the PostgreSQL server when PG_URL is set), a request helper that returns
 * status, headers and parsed body, and a small set of contacts and events.
 */
import { createApp, type AppOptions } from "../../src/server/index.js";
import type { Store } from "../../src/store/index.js";
import { BACKENDS, openTestStore, type Backend } from "../store/helpers.js";
import { expectContract, isJsonMediaType, type OpenApiDocument } from "./contract.js";

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
  checkEveryReply(app, options.token);
  return {
    store,
    app,
    call: async (method, path, call = {}) => readReply(await app.request(path, requestInit(method, call))),
    dispose,
  };
}

/** Each test app's OpenAPI document, read once, through the app's own `request` (before it was wrapped). */
const documents = new WeakMap<object, () => Promise<OpenApiDocument>>();

/**
 * Makes every request made through `app.request` (`call`'s and the tests' own) a contract test: the reply
 * is checked against the app's own OpenAPI document (test/server/contract.ts), and a mismatch fails the
 * request that got it, naming the route, status and JSON path.
 */
export function checkEveryReply(app: ReturnType<typeof createApp>, token?: string | null): void {
  const request = app.request.bind(app);
  let document: Promise<OpenApiDocument> | undefined;
  documents.set(app, () =>
    (document ??= Promise.resolve(request("/openapi.json", { headers: token ? { authorization: `Bearer ${token}` } : {} })).then(async (res) => {
      if (res.status !== 200) throw new Error(`GET /openapi.json answered ${res.status}: the contract check has no document`);
      return (await res.json()) as OpenApiDocument;
    })),
  );
  app.request = (async (input: RequestInfo | URL, init?: RequestInit, ...rest: unknown[]) => {
    const res = await (request as (...a: unknown[]) => Response | Promise<Response>)(input, init, ...rest);
    // The method and path only: a Request made again from `init` could take a body stream already read.
    const asked = input instanceof Request ? { method: input.method, url: input.url } : { method: (init?.method ?? "GET").toUpperCase(), url: String(input) };
    const contentType = res.headers.get("content-type") ?? "";
    // A JSON body is read from a copy (the test reads the answer itself); an export's stream is not read.
    const json = isJsonMediaType(contentType);
    const text = json && asked.method !== "HEAD" ? await res.clone().text() : res.body === null ? "" : "(not read)";
    let body: unknown = text;
    if (json && text !== "") {
      try {
        body = JSON.parse(text);
      } catch {
        throw new Error(`${asked.method} ${asked.url} answered ${res.status} ${contentType} that is not JSON: ${text.slice(0, 200)}`);
      }
    }
    await expectKeepsContract(app, asked.method, asked.url, { status: res.status, contentType, body, headers: res.headers });
    return res;
  }) as typeof app.request;
}

/**
 * Fails when `reply` (to `method url`, the url absolute or a path) breaks `app`'s OpenAPI document: for
 * replies that did not come through `app.request` (the same app served on a socket).
 */
export async function expectKeepsContract(app: ReturnType<typeof createApp>, method: string, url: string, reply: Pick<Reply, "status" | "contentType" | "body"> & { headers?: Headers }): Promise<void> {
  const document = documents.get(app);
  if (!document) throw new Error("the app's replies are not checked: open it with openTestApi (or checkEveryReply)");
  expectContract(await document(), method, new URL(url, "http://localhost").pathname, reply);
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
