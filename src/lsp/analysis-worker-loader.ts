/**
 * The analysis worker's entry once built (`BUILT_FILES.workerEntry`, a CommonJS file): runs the language
 * service's host (analysis-worker.ts, bundled on its own as `BUILT_FILES.workerService` beside this file)
 * through V8's code cache (code-cache.ts), so a new worker does not compile its JavaScript again.
 *
 * The host's module ends with its warm-up analysis, so when it has run, the code compiled so far is what a
 * first document needs: that is the code a missing, stale or rejected cache is replaced with (a few ms,
 * once per build, Node version or V8 flags). When the cache was used, that code is already there and the
 * warm-up is skipped (`HostData.warmUp`): the worker says `ready` ~10-20 ms sooner.
 */
import { fileURLToPath } from "node:url";
import { parentPort, workerData } from "node:worker_threads";
import type { FromHost, HostData } from "./analysis-protocol.js";
import { BUILT_FILES } from "./built-files.js";
import { runWithCodeCache } from "./code-cache.js";

const data = workerData as HostData | null;
const run = runWithCodeCache(fileURLToPath(new URL(`./${BUILT_FILES.workerService}`, import.meta.url)), undefined, (status) => {
  if (status === "used" && data) data.warmUp = false;
});
const written = run.status === "used" || run.status === "off" ? false : run.save();
if (data?.reportCodeCache) {
  parentPort?.postMessage({ t: "code-cache", status: run.status, written } satisfies FromHost);
}
