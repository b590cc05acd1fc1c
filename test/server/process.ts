/**
 * A `segql serve` child process for tests: the CLI bundled from source once per test file (esbuild, npm
 * packages left external; starting through tsx costs seconds per process), its URL read from what it
 * prints, stopped with a signal or killed, its output kept for failure messages.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, renameSync } from "node:fs";
import { join } from "node:path";
import { expectContract, isJsonMediaType, type OpenApiDocument } from "./contract.js";

const root = join(import.meta.dirname, "..", "..");
const launcher = join(import.meta.dirname, "serve-process.ts");
let bundled: Promise<string> | null = null;

/** The CLI as one ES module inside the checkout (so its npm imports resolve from node_modules). */
export function cliBundle(): Promise<string> {
  bundled ??= (async () => {
    const { build } = await import("esbuild");
    // Two levels below the root, like src/store/demo.ts, whose `../../data` must find the demo data.
    const dir = join(root, "node_modules", ".segql-server-test");
    mkdirSync(dir, { recursive: true });
    // Built afresh by each test file, under one name (renamed into place, so a file running processes from
    // it meanwhile is not disturbed, and nothing is left behind per run).
    const outfile = join(dir, "segql-serve.mjs");
    const tmp = join(dir, `segql-serve-${process.pid}-${Date.now()}.tmp.mjs`);
    await build({ entryPoints: [launcher], bundle: true, platform: "node", format: "esm", target: "node20", packages: "external", outfile: tmp, logLevel: "error" });
    renameSync(tmp, outfile);
    return outfile;
  })();
  return bundled;
}

/** A running `segql serve`. */
export interface ServeProcess {
  child: ChildProcess;
  url: string;
  /** Everything printed so far (stdout and stderr). */
  output(): string;
  /** Resolves with the exit code (or signal) once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /**
   * `fetch(url + path, init)` whose reply, for an /api path, is checked against the OpenAPI document this
   * process serves (test/server/contract.ts), as `openTestApi` checks an in-process app's: a real server's
   * answers (its listener, its signals, its file) keep the contract too. The document is read once, with
   * `token` when the server needs one.
   */
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

/** `ServeProcess.fetch` of the server at `url`. */
function contractFetch(url: string, token: string | undefined): ServeProcess["fetch"] {
  let document: Promise<OpenApiDocument> | undefined;
  const read = () =>
    (document ??= fetch(`${url}/openapi.json`, { headers: token ? { authorization: `Bearer ${token}` } : {} }).then(async (res) => {
      if (res.status !== 200) throw new Error(`GET /openapi.json answered ${res.status}: the contract check has no document`);
      return (await res.json()) as OpenApiDocument;
    }));
  return async (path, init) => {
    const res = await fetch(`${url}${path}`, init);
    const { pathname } = new URL(path, url);
    if (!pathname.startsWith("/api/")) return res;
    const method = (init?.method ?? "GET").toUpperCase();
    const contentType = res.headers.get("content-type") ?? "";
    // A JSON body is read from a copy (the test reads the answer itself); another (an export's stream) is not read.
    const json = isJsonMediaType(contentType);
    const text = json && method !== "HEAD" ? await res.clone().text() : res.body === null ? "" : "(not read)";
    let body: unknown = text;
    if (json && text !== "") body = JSON.parse(text);
    expectContract(await read(), method, pathname, { status: res.status, contentType, body });
    return res;
  };
}

/** Starts `segql serve ARGS` and waits until it prints its URL (rejects if it exits first). */
export async function startServe(args: string[], env: Record<string, string> = {}, waitMs = 120_000): Promise<ServeProcess> {
  const child = spawn(process.execPath, [await cliBundle(), "serve", ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString("utf8")));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString("utf8")));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  return new Promise<ServeProcess>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`segql serve did not print its URL in ${waitMs} ms:\n${out}`));
    }, waitMs);
    const onData = () => {
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.stdout!.off("data", onData);
      resolve({ child, url: m[1]!, output: () => out, exited, fetch: contractFetch(m[1]!, env["SEGQL_TOKEN"]) });
    };
    child.stdout!.on("data", onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`segql serve exited (${code ?? signal}) before listening:\n${out}`));
    });
  });
}

/** Runs `segql serve ARGS` expecting it to fail at start-up; resolves with its exit code and output. */
export async function serveFails(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  try {
    const p = await startServe(args, env, 60_000);
    p.child.kill("SIGKILL");
    await p.exited;
    throw new Error(`segql serve ${args.join(" ")} started, expected a failure`);
  } catch (e) {
    const m = /exited \((\w+)\) before listening:\n([\s\S]*)$/.exec((e as Error).message);
    if (!m) throw e;
    return { code: /^\d+$/.test(m[1]!) ? Number(m[1]) : null, output: m[2]! };
  }
}
