/**
 * `npm run build`'s second step (after `tsc`, which still emits the library and its .d.ts into dist/):
 * bundles the CLI, with the language server and its analysis worker, into a few files of dist/cli/, so a
 * one-shot `segql check` loads a handful of files instead of hundreds of small ES modules (Chevrotain's
 * lodash-es alone is several hundred). bin/segql.js runs `dist/cli/segql.js`.
 *
 * - Code splitting keeps the lazy loading of src/cli/main.ts: each command is its own chunk, and what a
 *   command does not import (the SQL formatter, the server, DuckDB) is not loaded.
 * - Every output file sits in dist/cli/, two levels below the package root, like the sources it comes from
 *   (src/<area>/<file>.ts): paths the code builds from `import.meta.url` (`../../data/…` for the demo data,
 *   `../../package.json`, `./analysis-worker.cjs` beside the language server's client) resolve as they do
 *   from the sources. So chunks are not put in a subdirectory.
 * - Packages with native code or files of their own (DuckDB, PGlite, better-sqlite3, pg, mysql2) stay
 *   external and load from node_modules; so does esbuild (only the TypeScript sources use it).
 * - CommonJS dependencies (vscode-languageserver) call `require` for Node's built-in modules, which an ES
 *   module bundle lacks: the banner gives each file a `require` made by `createRequire`.
 * - The language server's analysis worker and its main thread past src/lsp/stdio.ts are built apart, as
 *   CommonJS files of their own (src/lsp/built-files.ts, commonjs-bundles.ts): each is then one file
 *   compiled through V8's code cache, not ES module chunks compiled at every start. The worker's cache
 *   (analysis-service.cjs.v8cache) is written here, by starting the built worker once; the main thread's
 *   (lsp-server.cjs.v8cache) by a short session with the built server (it writes it as it exits), else
 *   by the first server that runs (src/lsp/code-cache.ts says how a cache is checked).
 */
import { build } from "esbuild";
import { spawn } from "node:child_process";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { bundleAnalysisWorker, bundleServerConnection, writeWorkerCodeCache } from "../src/lsp/commonjs-bundles.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outdir = join(root, "dist", "cli");

/** Loaded from node_modules at run time: native addons, WebAssembly files, or build tools. */
export const EXTERNAL = ["@duckdb/node-api", "@electric-sql/pglite", "better-sqlite3", "pg", "mysql2", "esbuild"];

/** What became of the language server's code caches. */
interface CodeCaches {
  /** The worker's: what became of the one found, and whether a new one was written. */
  worker: { status: string; written: boolean };
  /** The main thread's: written by the session, or why not. */
  server: string;
}

/**
 * Bundles the CLI into dist/cli/segql.js (plus its chunks and the language server's CommonJS files, with
 * their code caches); returns the files written and what became of the code caches.
 */
export async function bundle(): Promise<{ files: string[]; codeCache: CodeCaches }> {
  // Chunks of an earlier build have other hashes: remove them so dist/ holds only what this build wrote
  // (analysis-worker.js: the worker's entry as an ES module, before it had files of its own).
  for (const name of safeList(outdir)) if (/^chunk-[A-Z0-9]+\.js$|^analysis-worker\.js$/.test(name)) rmSync(join(outdir, name));
  const server = Promise.all([bundleAnalysisWorker(outdir), bundleServerConnection(outdir)]);
  const result = await build({
    // analysis-client.js: bin/segql.js starts the language server's worker from it before segql.js loads
    // (the server's client, in the same chunk, then takes that worker).
    entryPoints: { segql: join(root, "src", "cli", "main.ts"), "analysis-client": join(root, "src", "lsp", "analysis-client.ts") },
    outdir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    external: EXTERNAL,
    chunkNames: "chunk-[hash]",
    banner: { js: 'import { createRequire as __segqlCreateRequire } from "node:module"; const require = __segqlCreateRequire(import.meta.url);' },
    metafile: true,
    logLevel: "warning",
    legalComments: "none",
  });
  const [workerFiles, connection] = await server;
  // A cache of the server's main thread from an earlier build would be stale: the session writes one.
  rmSync(`${connection}.v8cache`, { force: true });
  // A worker that cannot start fails the language server's own tests; the build only says so.
  const worker = await writeWorkerCodeCache(outdir).catch((e: Error) => ({ status: `the worker failed: ${e.message}`, written: false }));
  const session = await serverSession();
  const written = existsSync(`${connection}.v8cache`) ? "written" : `not written (${session})`;
  return { files: [...Object.keys(result.metafile.outputs), ...workerFiles, connection], codeCache: { worker, server: written } };
}

/**
 * Runs the built server (bin/segql.js lsp --stdio) through initialize, the diagnostics of one document,
 * shutdown and exit, so that it writes its main thread's code cache as it exits, with the code such a
 * session compiles. Settles with how it ended; never rejects (a server that fails here fails its own tests).
 */
function serverSession(): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, "bin", "segql.js"), "lsp", "--stdio"], { stdio: ["pipe", "pipe", "ignore"] });
    const send = (message: object) => {
      const body = JSON.stringify({ jsonrpc: "2.0", ...message });
      child.stdin.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    };
    const timer = setTimeout(() => child.kill(), 30_000);
    let output = "";
    child.stdin.on("error", () => undefined); // it may exit before reading everything: its exit code says enough
    child.stdout.on("data", (d: Buffer) => {
      output += d.toString();
      if (output.includes('"id":1') && !output.includes("sent-open")) {
        output += "sent-open";
        send({ method: "initialized", params: {} });
        send({ method: "textDocument/didOpen", params: { textDocument: { uri: "file:///segql-build/warm-up.segql", languageId: "segql", version: 1, text: 'segment "A" as tenure > 12 and plan in ("a", "b")\n' } } });
      }
      if (output.includes("textDocument/publishDiagnostics") && !output.includes("sent-exit")) {
        output += "sent-exit";
        send({ id: 2, method: "shutdown" });
        send({ method: "exit" });
      }
    });
    child.on("error", (e) => resolve(`the server did not start: ${e.message}`));
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve(code === 0 ? "ran" : `the session ended with exit code ${code}`);
    });
    send({ id: 1, method: "initialize", params: { processId: process.pid, rootUri: null, capabilities: {}, workspaceFolders: null } });
  });
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { files, codeCache } = await bundle();
  const worker = codeCache.worker.written ? "written" : codeCache.worker.status === "used" ? "up to date" : `not written (${codeCache.worker.status})`;
  console.log(`bundled the CLI: ${files.length} files in dist/cli/ (segql.js, analysis-client.js, ${files.length - 5} chunks, the language server's 3 CommonJS files; code caches: the worker's ${worker}, the server's ${codeCache.server})`);
}
