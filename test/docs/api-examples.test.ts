/**
 * docs/api.md's examples work as written. Every shell block marked `<!-- example: api -->` is run, in the
 * order of the doc, against one in-process server on a fresh DuckDB store with the doc's example schema
 * (docs/examples/crm-schema.json); the doc's own first example imports the example contacts and events,
 * as a reader following it does. Each `curl` call's answer is compared with what the doc shows: the
 * status (written before the answer, `# 204`, or a problem's `status`; otherwise a 2xx), a header shown
 * for `curl -i` (`# ETag: "v1"`), a download's file name (`# Whales.csv`), and the documented fields of
 * the body (test/docs/documented-answer.ts: `…` for what the doc leaves out; times and sequence numbers
 * compared by what they are). Each answer is also checked against the server's own /openapi.json (the
 * test app checks every reply: test/server/helpers.ts).
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseSchema } from "../../src/schema/schema.js";
import { BACKENDS, openTestApi, type TestApi } from "../server/helpers.js";
import { markedBlocks, shellCommands, shellWords, type ShellCommand } from "./doc-blocks.js";
import { answerMismatches, endOfAnswer, parseDocumentedAnswer, type Pattern } from "./documented-answer.js";

const root = new URL("../../", import.meta.url).pathname;
const doc = readFileSync(`${root}docs/api.md`, "utf8");
const API = "http://localhost/api";

/** A `curl` call as a request. */
interface CurlCall {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | Uint8Array<ArrayBuffer> | undefined;
  /** `-O`: the answer is a file. */
  download: boolean;
}

function readCurl(words: string[], where: string): CurlCall {
  if (words[0] !== "curl") throw new Error(`${where}: '${words.join(" ")}' is not a curl call`);
  let method: string | undefined;
  let url: string | undefined;
  let body: CurlCall["body"];
  let download = false;
  const headers: Record<string, string> = {};
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!;
    if (w === "-X") method = words[++i];
    else if (w === "-H") {
      const h = words[++i]!;
      const colon = h.indexOf(":");
      headers[h.slice(0, colon).trim().toLowerCase()] = h.slice(colon + 1).trim();
    } else if (w === "-d" || w === "--data-binary") {
      const data = words[++i]!;
      body = data.startsWith("@") ? new Uint8Array(readFileSync(`${root}${data.slice(1)}`)) : data;
    } else if (/^-[sSiOJ]+$/.test(w)) download ||= w.includes("O");
    else if (w.startsWith("http")) url = w;
    else throw new Error(`${where}: curl option '${w}' is not one the runner reads`);
  }
  if (!url) throw new Error(`${where}: no URL`);
  if (body !== undefined) headers["content-type"] ??= "application/x-www-form-urlencoded"; // what curl sends
  return { method: method ?? (body !== undefined ? "POST" : "GET"), url, headers, body, download };
}

/** What the doc says a call answers. */
interface Documented {
  status: number | null;
  body: Pattern | null;
  header: [string, string] | null;
  fileName: string | null;
}

function readDocumented(comment: string, answerBlock: string | null): Documented {
  const out: Documented = { status: null, body: null, header: null, fileName: null };
  let text = comment;
  const status = /^(\d{3})\b:?\s*/.exec(text);
  if (status) (out.status = Number(status[1])), (text = text.slice(status[0].length));
  if (text.startsWith("{") || text.startsWith("[")) out.body = parseDocumentedAnswer(text.slice(0, endOfAnswer(text, 0)));
  const header = /^([A-Za-z-]+): ("[^"]*"|\S+)/.exec(text);
  if (header && !out.body) out.header = [header[1]!.toLowerCase(), header[2]!];
  const file = /^([^:#]+\.(?:csv|jsonl))\b/.exec(text);
  if (file) out.fileName = file[1]!;
  if (answerBlock !== null) {
    out.body = parseDocumentedAnswer(answerBlock);
    const problemStatus = /"status":\s*(\d{3})/.exec(answerBlock);
    if (problemStatus && /"type": "urn:segql:problem:/.test(answerBlock)) out.status = Number(problemStatus[1]);
  }
  return out;
}

/** The file name of a `Content-Disposition` (RFC 5987's `filename*` first). */
function dispositionName(header: string | null): string | null {
  if (!header) return null;
  const star = /filename\*=UTF-8''([^;]+)/i.exec(header);
  if (star) return decodeURIComponent(star[1]!);
  return /filename="([^"]*)"/.exec(header)?.[1] ?? null;
}

interface Example {
  name: string;
  call: ShellCommand;
  answerBlock: string | null;
}

const examples: Example[] = [];
for (const block of markedBlocks(doc).filter((b) => b.kind === "api")) {
  const commands = shellCommands(block.text, block.line);
  // `API=…` sets the address the calls use: the runner calls its own server instead.
  const calls = commands.filter((c) => !/^API=\S+$/.test(c.command));
  calls.forEach((call, i) => {
    const last = i === calls.length - 1;
    examples.push({ name: `docs/api.md:${call.line}: ${call.command}`, call, answerBlock: last && block.next?.lang === "json" ? block.next.text : null });
  });
}

// The doc's server is the embedded default, DuckDB; the answers are the same on PostgreSQL (PGlite here,
// the PostgreSQL server too with PG_URL), where the doc says the store behaves the same.
describe.each(BACKENDS)("docs/api.md examples, in order, on a fresh server (%s)", (backend) => {
  let api: TestApi;
  beforeAll(async () => {
    const schema = parseSchema(readFileSync(`${root}docs/examples/crm-schema.json`, "utf8"));
    api = await openTestApi(backend, {}, { schema });
  });
  afterAll(async () => {
    if (!api) return;
    // An example starts an import job (`Prefer: respond-async`): let it end before the store closes.
    for (let i = 0; i < 200; i++) {
      const jobs = (await api.call("GET", "/api/imports")).body as { items: { state: string }[] };
      if (jobs.items.every((j) => j.state !== "importing" && j.state !== "refreshing")) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await api.dispose();
  });

  it("marks its examples", () => {
    expect(examples.length).toBeGreaterThanOrEqual(30);
  });

  it.each(examples)("$name", async ({ call, answerBlock }) => {
    const where = `docs/api.md:${call.line}`;
    const request = readCurl(shellWords(call.command, { API }), where);
    const documented = readDocumented(call.comment, answerBlock);
    const res = await api.app.request(request.url.replace("http://localhost", ""), { method: request.method, headers: request.headers, body: request.body });
    const contentType = res.headers.get("content-type") ?? "";
    const text = await res.text();
    const body: any = /json/.test(contentType) && !contentType.includes("ndjson") && text !== "" ? JSON.parse(text) : text;
    // The doc's server is DuckDB :memory:; another backend's health names itself.
    if (body?.backend === api.store.backend && body?.location === api.store.location && backend !== "duckdb") Object.assign(body, { backend: "duckdb", location: ":memory:" });
    const said = `${where}: ${request.method} ${request.url} answered ${res.status}: ${text.slice(0, 800)}`;

    if (documented.status !== null) expect(res.status, said).toBe(documented.status);
    else expect(res.status >= 200 && res.status < 300, `${said}\n(the doc shows no status: a 2xx is expected)`).toBe(true);
    if (documented.body) expect(answerMismatches(documented.body, body), said).toEqual([]);
    if (documented.header) expect(res.headers.get(documented.header[0]), said).toBe(documented.header[1]);
    if (documented.fileName) expect(dispositionName(res.headers.get("content-disposition")), said).toBe(documented.fileName);
    if (request.download) expect(res.headers.get("content-disposition"), said).toMatch(/^attachment/);
  });
});
