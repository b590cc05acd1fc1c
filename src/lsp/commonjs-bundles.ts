/**
 * Builds the language server's analysis worker from the TypeScript sources with esbuild (a development
 * dependency, loaded only here): the two files of `WORKER_FILES`, as CommonJS, which `vm.Script` and V8's
 * code cache take (an ES module's code cannot be cached on Node 20). One layout for every caller:
 * `npm run build` (scripts/bundle.ts, into dist/cli/), the client when the server runs from the sources
 * (analysis-client.ts), and the tests' server bundles.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { WORKER_FILES, type FromHost, type HostData } from "./analysis-protocol.js";

/** The folder of this module's sources (src/lsp/), where the worker's entry points are. */
const SOURCES = fileURLToPath(new URL(".", import.meta.url));

/**
 * Writes the analysis worker's files into `outdir` (which must exist or can be made); returns their paths.
 * Only from the sources: the entry points are .ts files beside this one.
 */
export async function bundleAnalysisWorker(outdir: string, logLevel: "warning" | "error" = "warning"): Promise<string[]> {
  const { build } = await import("esbuild");
  const common = {
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    legalComments: "none",
    logLevel,
    // The loader finds the service's bundle from its own URL: a CommonJS file has it as __filename.
    define: { "import.meta.url": "__segqlModuleUrl" },
    banner: { js: 'var __segqlModuleUrl = require("node:url").pathToFileURL(__filename).href;' },
  } as const;
  const files = [join(outdir, WORKER_FILES.service), join(outdir, WORKER_FILES.entry)];
  await Promise.all([
    build({ ...common, entryPoints: [join(SOURCES, "analysis-worker.ts")], outfile: files[0] }),
    build({ ...common, entryPoints: [join(SOURCES, "analysis-worker-loader.ts")], outfile: files[1] }),
  ]);
  return files;
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
    const worker = new Worker(join(dir, WORKER_FILES.entry), { workerData: data, execArgv: [], stdout: true, stderr: true });
    worker.on("message", (m: FromHost) => {
      if (m.t !== "code-cache") return;
      void worker.terminate();
      resolve({ status: m.status, written: m.written });
    });
    worker.on("error", reject);
    worker.on("exit", (code) => reject(new Error(`the analysis worker ended (exit code ${code}) before it wrote its code cache`)));
  });
}
