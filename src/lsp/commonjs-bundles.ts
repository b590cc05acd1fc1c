/**
 * Builds the language server's CommonJS files (`BUILT_FILES`) from the TypeScript sources with esbuild (a
 * development dependency, loaded only here): the analysis worker's entry and code, and the server's main
 * thread past stdio.ts. CommonJS because `vm.Script` and V8's code cache take it (an ES module's compiled
 * code cannot be cached on Node 20). One layout for every caller: `npm run build` (scripts/bundle.ts, into
 * dist/cli/), the client when the server runs from the sources (analysis-client.ts, the worker only), and
 * the tests' server bundles.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { BuildOptions } from "esbuild";
import type { FromHost, HostData } from "./analysis-protocol.js";
import { BUILT_FILES } from "./built-files.js";

/** The folder of this module's sources (src/lsp/), where the entry points are. */
const SOURCES = fileURLToPath(new URL(".", import.meta.url));

/** What every CommonJS file is built with. */
function options(logLevel: "warning" | "error"): BuildOptions {
  return {
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    legalComments: "none",
    logLevel,
    // Only the sources build bundles (analysis-client.ts's development path): never part of one.
    external: ["esbuild"],
    // The code finds the files beside it from its own URL: a CommonJS file has it as __filename.
    define: { "import.meta.url": "__segqlModuleUrl" },
    banner: { js: 'var __segqlModuleUrl = require("node:url").pathToFileURL(__filename).href;' },
  };
}

/**
 * Writes the analysis worker's two files into `outdir` (made if missing); returns their paths. Only from
 * the sources: the entry points are .ts files beside this one.
 */
export async function bundleAnalysisWorker(outdir: string, logLevel: "warning" | "error" = "warning"): Promise<string[]> {
  const { build } = await import("esbuild");
  const files = [join(outdir, BUILT_FILES.workerService), join(outdir, BUILT_FILES.workerEntry)];
  await Promise.all([
    build({ ...options(logLevel), entryPoints: [join(SOURCES, "analysis-worker.ts")], outfile: files[0] }),
    build({ ...options(logLevel), entryPoints: [join(SOURCES, "analysis-worker-loader.ts")], outfile: files[1] }),
  ]);
  return files;
}

/**
 * Writes the server's main thread past stdio.ts (stdio-connection.ts, the protocol library, the server)
 * into `outdir` as `BUILT_FILES.connection`, which stdio.ts runs through the code cache; returns its path.
 */
export async function bundleServerConnection(outdir: string, logLevel: "warning" | "error" = "warning"): Promise<string> {
  const { build } = await import("esbuild");
  const file = join(outdir, BUILT_FILES.connection);
  await build({ ...options(logLevel), entryPoints: [join(SOURCES, "stdio-connection.ts")], outfile: file });
  return file;
}

/**
 * Starts the worker built in `dir` once, so it writes its code cache (what became of the cache it found:
 * `status`; whether a new one was written: `written`). Without the caller's Node options (`execArgv: []`,
 * so not through tsx's loader): it runs as the server's worker does. V8 flags are the process's; V8 rejects
 * a cache made under other flags than the server runs with (the server then writes its own).
 */
export function writeWorkerCodeCache(dir: string): Promise<{ status: string; written: boolean }> {
  return new Promise((resolve, reject) => {
    const data: HostData = { reportCodeCache: true };
    const worker = new Worker(join(dir, BUILT_FILES.workerEntry), { workerData: data, execArgv: [], stdout: true, stderr: true });
    worker.on("message", (m: FromHost) => {
      if (m.t !== "code-cache") return;
      void worker.terminate();
      resolve({ status: m.status, written: m.written });
    });
    worker.on("error", reject);
    worker.on("exit", (code) => reject(new Error(`the analysis worker ended (exit code ${code}) before it wrote its code cache`)));
  });
}
