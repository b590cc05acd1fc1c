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
 *   (lsp-server.cjs.v8cache) by the first server that runs, when it exits (src/lsp/code-cache.ts says
 *   how a cache is checked).
 */
import { build } from "esbuild";
import { readdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { bundleAnalysisWorker, bundleServerConnection, writeWorkerCodeCache } from "../src/lsp/commonjs-bundles.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outdir = join(root, "dist", "cli");

/** Loaded from node_modules at run time: native addons, WebAssembly files, or build tools. */
export const EXTERNAL = ["@duckdb/node-api", "@electric-sql/pglite", "better-sqlite3", "pg", "mysql2", "esbuild"];

/**
 * Bundles the CLI into dist/cli/segql.js (plus its chunks and the analysis worker, with its code cache);
 * returns the files written and what became of the code cache.
 */
export async function bundle(): Promise<{ files: string[]; codeCache: { status: string; written: boolean } }> {
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
  // A cache of the server's main thread from an earlier build would be stale: the next server writes one.
  rmSync(`${connection}.v8cache`, { force: true });
  return { files: [...Object.keys(result.metafile.outputs), ...workerFiles, connection], codeCache: await writeWorkerCodeCache(outdir) };
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
  const cache = codeCache.written ? "written" : codeCache.status === "used" ? "up to date" : `not written (${codeCache.status})`;
  console.log(`bundled the CLI: ${files.length} files in dist/cli/ (segql.js, analysis-client.js, ${files.length - 5} chunks, the language server's 3 CommonJS files; the worker's code cache ${cache})`);
}
