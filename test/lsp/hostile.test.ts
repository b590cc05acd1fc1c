/**
 * A hostile language-server session (issue 10): a seeded random session over stdio against the real server
 * — random edits (invalid ranges, huge inserts, unicode, broken text), requests of every kind at random
 * offsets, unknown methods, notifications for unopened documents, cancellations, malformed params. The
 * server must stay up, answer every well-formed request with a result or a proper JSON-RPC error, keep
 * its ranges inside the text, and keep its memory (RSS of the process) bounded. Then malformed frames,
 * each in its own server, must end that server cleanly. Latencies (p50/p95/max) are printed.
 *
 * SEGQL_HOSTILE_SEED picks the seed (else a fresh one, printed), SEGQL_HOSTILE_MESSAGES the length
 * (default 1,200; docs/testing.md reports a 10,000-message run).
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CancellationTokenSource, ResponseError, type Range } from "vscode-languageserver-protocol/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import { bundleServer, LspClient, ROOT, stdioArgs } from "./client.js";
import { mulberry32 as prng } from "../../src/data/random.js";

const SEED = Number(process.env["SEGQL_HOSTILE_SEED"] ?? Math.floor(Math.random() * 2 ** 31));
const MESSAGES = Number(process.env["SEGQL_HOSTILE_MESSAGES"] ?? 1200);
/** Largest RSS accepted for the server process (main thread, analysis worker and all). */
const MAX_RSS_MB = 1536;


const FRAGMENTS = [
  " and tenure > 3", " or status = \"Trial\"", 'performed "Purchase" where amount > 1', ' in segment "Paying"', "(", ")", '"', "'", "`",
  'segment "N" as ', "\n", "\r\n", " where ", " not ", ' has any ("a", ', " between 1 and ", " within last 30 days", ";", ",", "--",
  " at least 2 times", " with sum of amount >= 100", "plan_type in (", "email is empty", "lifetime_value ", "status = ", "x",
  "😀", "\u0000", "\ufeff", "é", "\ud800", "\udc00", "1e999", "2024-02-30", "\\", "__proto__", "segment", "as", "and", "or",
];

/** Inserts that stress size and nesting: 84 KB of nested filters, 150 unclosed parentheses, 200 KB of declarations. */
const HUGE = [
  () => ' and performed "Purchase" where amount > 1'.repeat(2000),
  () => "(".repeat(150) + "churn",
  () => "not ".repeat(5000) + "is_verified",
  () => Array.from({ length: 3000 }, (_, i) => `segment "G${i}" as tenure > ${i} and status = "Trial"\n`).join(""),
  () => 'plan_type in ("Pro", '.repeat(1) + '"x", '.repeat(12_000) + '"y")',
  () => "\n".repeat(50_000),
];

const METHODS = [
  "textDocument/completion", "textDocument/hover", "textDocument/definition", "textDocument/references", "textDocument/rename",
  "textDocument/prepareRename", "textDocument/formatting", "textDocument/semanticTokens/full", "textDocument/foldingRange",
  "textDocument/codeAction", "textDocument/documentSymbol",
] as const;

function stats(samples: number[]): string {
  if (samples.length === 0) return "n=0";
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return `n=${s.length} p50=${at(0.5).toFixed(1)} ms p95=${at(0.95).toFixed(1)} ms max=${s[s.length - 1]!.toFixed(1)} ms`;
}

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

let bundle: string;
let dir: string;
beforeAll(async () => {
  bundle = await bundleServer();
  dir = mkdtempSync(join(tmpdir(), "segql-hostile-"));
  mkdirSync(join(dir, "segments"));
  writeFileSync(join(dir, "schema.json"), readFileSync(join(ROOT, "test/fixtures/crm-schema.json")));
  writeFileSync(join(dir, "segql.json"), JSON.stringify({ schema: "schema.json", segments: ["segments/**/*.segql"] }));
  writeFileSync(join(dir, "segments", "lib.segql"), 'segment "Paying" as plan_type in ("Pro", "Enterprise")\n');
}, 120_000);
afterAll(() => {
  rmSync(bundle, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
});

describe("a hostile session", () => {
  it(`stays up, answers every well-formed request, keeps ranges inside the text and memory bounded (seed ${SEED})`, async () => {
    console.log(`hostile session: seed ${SEED}, ${MESSAGES} messages (replay with SEGQL_HOSTILE_SEED=${SEED})`);
    const rand = prng(SEED);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const int = (n: number) => Math.floor(rand() * n);
    const client = await LspClient.start({ textDocument: { completion: { completionItem: { snippetSupport: true } } } }, pathToFileURL(dir).href,
      [process.execPath, ...stdioArgs({ heapMb: 1024 }, bundle)]);
    const pid = client.child.pid!;
    const c = client.connection;
    const docs = new Map<string, TextDocument>();
    const uris = [0, 1, 2].map((i) => pathToFileURL(join(dir, "segments", `doc${i}.segql`)).href);
    const unopened = pathToFileURL(join(dir, "segments", "never-opened.segql")).href;
    let version = 1;
    const latency = new Map<string, number[]>();
    const problems: string[] = [];
    const slowest: { ms: number; what: string }[] = [];
    let requests = 0;
    let errors = 0;
    const byCode = new Map<number, number>();
    /**
     * The errors a request may get: the client's mistakes (InvalidParams, MethodNotFound), a rename where
     * nothing can be renamed (InvalidRequest), a cancellation, or the watchdog (RequestFailed). An
     * InternalError is a bug that the server caught.
     */
    const EXPECTED = new Set([-32602, -32601, -32600, -32800, -32803]);
    const answeredWithError = (method: string, e: ResponseError<unknown>) => {
      errors++;
      byCode.set(e.code, (byCode.get(e.code) ?? 0) + 1);
      if (!EXPECTED.has(e.code)) problems.push(`${method}: error ${e.code}: ${e.message}`);
    };
    let maxRss = rssMb(pid);
    const sampler = setInterval(() => (maxRss = Math.max(maxRss, rssMb(pid))), 250);

    const randomText = (): string => {
      const r = rand();
      if (r < 0.04) return pick(HUGE)();
      if (r < 0.1) return Array.from({ length: 1 + int(40) }, () => String.fromCharCode(int(0x10000))).join("");
      return Array.from({ length: 1 + int(4) }, () => pick(FRAGMENTS)).join("");
    };
    const randomPosition = (doc: TextDocument | undefined) => {
      const r = rand();
      if (!doc || r < 0.05) return { line: int(5) - (r < 0.02 ? 3 : 0), character: int(1000) - (r < 0.01 ? 5 : 0) };
      return doc.positionAt(int(doc.getText().length + 1));
    };
    const randomRange = (doc: TextDocument | undefined): Range => {
      const a = randomPosition(doc);
      const b = rand() < 0.7 ? randomPosition(doc) : a;
      return rand() < 0.1 ? { start: b, end: a } : { start: a, end: b }; // sometimes reversed
    };

    /** Sends one request and checks it is answered with a result or a JSON-RPC error. */
    const request = async (method: string, params: unknown, check?: (result: unknown) => void): Promise<void> => {
      requests++;
      const t0 = performance.now();
      try {
        const result = await c.sendRequest(method, params);
        check?.(result);
      } catch (e) {
        if (!(e instanceof ResponseError) || !Number.isInteger(e.code)) problems.push(`${method}: not a JSON-RPC error: ${String(e)}`);
        else answeredWithError(method, e);
      }
      const dt = performance.now() - t0;
      const list = latency.get(method) ?? [];
      list.push(dt);
      latency.set(method, list);
      const size = docs.get((params as { textDocument?: { uri?: string } } | null)?.textDocument?.uri ?? "")?.getText().length ?? 0;
      slowest.push({ ms: dt, what: `${method} on ${size} characters` });
      slowest.sort((a, b) => b.ms - a.ms).splice(3);
    };

    const inText = (doc: TextDocument, what: string) => (range: Range | undefined) => {
      if (!range) return;
      const n = doc.getText().length;
      const from = doc.offsetAt(range.start);
      const to = doc.offsetAt(range.end);
      const back = (p: { line: number; character: number }) => doc.positionAt(doc.offsetAt(p));
      const exact = JSON.stringify(back(range.start)) === JSON.stringify(range.start) && JSON.stringify(back(range.end)) === JSON.stringify(range.end);
      if (!(exact && from <= to && to <= n)) problems.push(`${what}: range ${JSON.stringify(range)} outside a text of ${n}`);
    };

    for (let i = 0; i < MESSAGES; i++) {
      const uri = pick(uris);
      const doc = docs.get(uri);
      const r = rand();
      if (!doc || r < 0.03) {
        // (Re)open with some text.
        const text = rand() < 0.5 ? 'segment "A" as in segment "Paying" and tenure > 1\n' : randomText();
        docs.set(uri, TextDocument.create(uri, "segql", version, text));
        await c.sendNotification("textDocument/didOpen", { textDocument: { uri, languageId: "segql", version: version++, text } });
      } else if (r < 0.05) {
        docs.delete(uri);
        await c.sendNotification("textDocument/didClose", { textDocument: { uri } });
      } else if (r < 0.4) {
        // An edit: sometimes several changes, invalid ranges, or a full replacement; a huge text shrinks again.
        const changes = Array.from({ length: 1 + (rand() < 0.2 ? int(4) : 0) }, () => {
          if (doc.getText().length > 1_200_000) return { range: { start: { line: 0, character: 0 }, end: doc.positionAt(doc.getText().length) }, text: randomText().slice(0, 1000) };
          return rand() < 0.03 ? { text: randomText() } : { range: randomRange(doc), text: rand() < 0.3 ? "" : randomText() };
        });
        try {
          TextDocument.update(doc, changes, version);
        } catch {
          // The server's copy fails the same way (same library): both keep the previous text.
        }
        await c.sendNotification("textDocument/didChange", { textDocument: { uri, version: version++ }, contentChanges: changes });
      } else if (r < 0.43) {
        // Notifications about documents the server does not have, and unknown notifications.
        const n = int(3);
        if (n === 0) await c.sendNotification("textDocument/didChange", { textDocument: { uri: unopened, version: 1 }, contentChanges: [{ text: "x" }] });
        else if (n === 1) await c.sendNotification("textDocument/didClose", { textDocument: { uri: unopened } });
        else await c.sendNotification("segql/nonsense", { anything: [1, 2, 3] });
      } else if (r < 0.46) {
        await request(`segql/unknown${int(3)}`, {}); // MethodNotFound
      } else if (r < 0.49) {
        // Malformed params: the server answers InvalidParams.
        await request(pick(METHODS), pick([null, {}, { textDocument: { uri: 42 } }, { textDocument: { uri }, position: { line: "a", character: -1 } }]));
      } else if (r < 0.53) {
        // A request cancelled right away: answered, with a result or RequestCancelled.
        const method = pick(METHODS);
        requests++;
        const t0 = performance.now();
        const source = new CancellationTokenSource();
        const pending = c.sendRequest(method, { textDocument: { uri }, position: randomPosition(doc), range: randomRange(doc), newName: "x", context: { diagnostics: [], includeDeclaration: true }, options: { tabSize: 2, insertSpaces: true } }, source.token);
        source.cancel(); // sends $/cancelRequest; the server still answers
        await pending.then(() => undefined, (e) => {
          if (!(e instanceof ResponseError)) problems.push(`cancelled ${method}: not a JSON-RPC error: ${String(e)}`);
          else answeredWithError(method, e);
        });
        latency.set("cancelled", [...(latency.get("cancelled") ?? []), performance.now() - t0]);
      } else {
        // A request at a random place, checked against the text it was asked about.
        const method = pick(METHODS);
        const snapshot = TextDocument.create(uri, "segql", doc.version, doc.getText());
        const position = randomPosition(doc);
        const range = randomRange(doc);
        const params = { textDocument: { uri }, position, range, newName: pick(["Renamed", "", "a\nb", "😀"]), context: { diagnostics: [], includeDeclaration: rand() < 0.5 }, options: { tabSize: 2, insertSpaces: true } };
        const check = inText(snapshot, method);
        await request(method, params, (result) => {
          if (method === "textDocument/completion") for (const item of (result as { items: { textEdit?: { range: Range } }[] } | null)?.items ?? []) check(item.textEdit?.range);
          if (method === "textDocument/hover") check((result as { range?: Range } | null)?.range);
          if (method === "textDocument/formatting") for (const e of (result as { range: Range }[] | null) ?? []) check(e.range);
          if (method === "textDocument/prepareRename") check((result as { range?: Range } | null)?.range);
        });
      }
      if (client.exitCode !== null) break;
    }
    clearInterval(sampler);

    // Still up and still right: a fresh document gets its diagnostics and completion.
    const probe = pathToFileURL(join(dir, "segments", "probe.segql")).href;
    const published = client.nextDiagnostics(probe);
    await c.sendNotification("textDocument/didOpen", { textDocument: { uri: probe, languageId: "segql", version: version++, text: "tenure > \"x\"" } });
    expect((await published).diagnostics.map((d) => d.code)).toEqual(["value-type"]);
    const completion = (await c.sendRequest("textDocument/completion", { textDocument: { uri: probe }, position: { line: 0, character: 7 } })) as { items: { label: string }[] };
    expect(completion.items.map((i) => i.label)).toContain(">=");

    const all = [...latency.values()].flat();
    const codes = [...byCode].sort((a, b) => a[0] - b[0]).map(([code, n]) => `${code}×${n}`).join(", ");
    console.log(`hostile session: ${requests} requests (${errors} answered with a JSON-RPC error: ${codes}), max RSS ${maxRss.toFixed(0)} MB`);
    console.log(`  all requests: ${stats(all)}`);
    for (const [method, samples] of [...latency].sort()) console.log(`  ${method}: ${stats(samples)}`);
    console.log(`  slowest: ${slowest.map((x) => `${x.ms.toFixed(0)} ms (${x.what})`).join("; ")}`);
    const logged = `${client.stderr}${client.log}`.split("\n").filter((l) => l.trim() !== "");
    console.log(`  server log: ${logged.length} lines${logged.length ? `, e.g. ${logged.slice(0, 3).map((l) => JSON.stringify(l.slice(0, 160))).join(" ")}` : ""}`);
    if (client.log.includes("took longer than")) console.log(`  watchdog: ${client.log.split("\n").filter((l) => l.includes("took longer than")).length} analyses stopped`);

    expect(problems).toEqual([]);
    expect(client.exitCode).toBeNull();
    expect(maxRss).toBeLessThan(MAX_RSS_MB);
    expect(client.stderr).not.toMatch(/internal error: /); // no uncaught exception reached the process
    expect(client.log).not.toMatch(/segql: [\w ]+ failed: /); // no handler failed (a bug the guard caught)
    expect(await client.stop()).toBe(0);
    // A few seconds here, under a minute on a loaded CI machine: a hang (a request never answered) fails the
    // file in three minutes rather than holding the whole run for ten.
  }, 180_000);

  it("a malformed frame in the middle of a session ends that server cleanly, whatever the corruption", async () => {
    const rand = prng(SEED + 1);
    const body = JSON.stringify({ jsonrpc: "2.0", id: 2, method: "textDocument/hover", params: { textDocument: { uri: "file:///x.segql" }, position: { line: 0, character: 0 } } });
    const good = (s: string) => `Content-Length: ${Buffer.byteLength(s)}\r\n\r\n${s}`;
    const corruptions: ((s: string) => Buffer)[] = [
      (s) => Buffer.from(`Content-Length: ${Buffer.byteLength(s)}${String.fromCharCode(97 + Math.floor(rand() * 26))}\r\n\r\n${s}`),
      (s) => Buffer.from(`Content-Length: ${Math.max(1, Buffer.byteLength(s) - 1 - Math.floor(rand() * 20))}\r\n\r\n${s}`),
      (s) => Buffer.from(`Content-Lenght: ${Buffer.byteLength(s)}\r\n\r\n${s}`),
      (s) => Buffer.concat([Buffer.from(`Content-Length: ${Buffer.byteLength(s)}\r\n\r\n`), Buffer.from(s).map((b, i) => (i === 5 ? 0xc0 : b))]),
      (s) => Buffer.from(`Content-Length: ${10 ** (9 + Math.floor(rand() * 6))}\r\n\r\n${s}`),
    ];
    const initialize = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { processId: null, rootUri: null, capabilities: {} } });
    // Three corruptions per run, each in a server of its own, after a well-formed exchange.
    const chosen = [0, 1, 2].map(() => corruptions[Math.floor(rand() * corruptions.length)]!);
    const outcomes = await Promise.all(chosen.map((corrupt) => new Promise<{ code: number | null; stderr: string; stdout: string }>((resolve) => {
      const child = spawn(process.execPath, stdioArgs({ incompleteTimeoutMs: 500 }, bundle), { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] });
      let stderr = "";
      let stdout = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stdin.on("error", () => undefined);
      child.stdin.write(good(initialize));
      child.stdin.write(corrupt(body));
      child.on("exit", (code) => resolve({ code, stderr, stdout }));
    })));
    for (const o of outcomes) {
      expect(o.code, o.stderr).toBe(2);
      expect(o.stderr.split("\n").filter((l) => l.startsWith("segql lsp: malformed message from the client: "))).toHaveLength(1);
      expect(o.stdout).toMatch(/"id":1,"result"/); // the well-formed request before it was answered
    }
  }, 120_000);
});
