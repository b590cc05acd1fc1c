/**
 * The language server over standard input and output, as editors start it (`segql lsp --stdio`).
 *
 * Standard output carries the protocol only. A malformed frame from the client (a non-numeric or wrong
 * `Content-Length`, a missing header, a huge length, a body that is not UTF-8 JSON) ends the connection:
 * one line on standard error says what was wrong and the process exits with code 2 (frame-reader.ts).
 * The end of the input without an `exit` notification ends the process with code 1, as the protocol says.
 *
 * This module is small on purpose (issue 14: the first diagnostics within 300 ms of the server's start):
 * `serveStdio` starts the analysis worker first (unless bin/segql.js already did), then loads the rest
 * (stdio-connection.ts: the protocol library and the server), so the worker's start runs beside that
 * loading rather than after it. Once built, the rest is one CommonJS file (`BUILT_FILES.connection`) run
 * through V8's code cache (code-cache.ts), as the worker's code is: ~0.5 MB the main thread then does not
 * compile before it can answer `initialize`.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { startAnalysisWorkerEarly } from "./analysis-client.js";
import { BUILT_FILES } from "./built-files.js";
import { runWithCodeCache } from "./code-cache.js";
import type { StdioOptions } from "./stdio-connection.js";

export type { StdioOptions } from "./stdio-connection.js";
export { EXIT_MALFORMED } from "./exit-codes.js";

/**
 * Serves until the client sends `exit` or the input ends or is malformed; resolves with the exit code (the
 * process's other handles are closed, so it can end). Installs nothing global besides the stream listeners
 * (and, when its code cache must be written, a listener on the process's `exit` that writes it).
 */
export async function serveStdio(options: StdioOptions = {}): Promise<number> {
  startAnalysisWorkerEarly(options);
  const { serveConnection } = await connectionModule();
  return serveConnection(options);
}

type ConnectionModule = typeof import("./stdio-connection.js");

/**
 * stdio-connection.ts: its CommonJS bundle beside this file through the code cache when there is one (the
 * built server), else the module itself (the sources, and bundles without it). A cache that was missing,
 * stale or rejected is written when the process exits, with all the code compiled by then.
 */
async function connectionModule(): Promise<ConnectionModule> {
  const bundle = import.meta.url.endsWith(".ts") ? null : fileURLToPath(new URL(`./${BUILT_FILES.connection}`, import.meta.url));
  if (!bundle || !existsSync(bundle)) return import("./stdio-connection.js");
  const run = runWithCodeCache(bundle);
  if (run.status !== "used" && run.status !== "off") process.once("exit", () => run.save());
  return run.exports as ConnectionModule;
}
