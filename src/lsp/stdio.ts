/**
 * The language server over standard input and output, as editors start it (`segql lsp --stdio`).
 *
 * Standard output carries the protocol only. A malformed frame from the client (a non-numeric or wrong
 * `Content-Length`, a missing header, a huge length, a body that is not UTF-8 JSON) ends the connection:
 * one line on standard error says what was wrong and the process exits with code 2 (frame-reader.ts).
 * The end of the input without an `exit` notification ends the process with code 1, as the protocol says.
 *
 * This module is small on purpose: `serveStdio` starts the analysis worker first, then loads the protocol
 * library and the server (stdio-connection.ts), so the worker's start runs beside that loading rather than
 * after it (issue 14: the first diagnostics within 300 ms of the server's start).
 */
import { startAnalysisWorkerEarly } from "./analysis-client.js";
import type { StdioOptions } from "./stdio-connection.js";

export type { StdioOptions } from "./stdio-connection.js";

/** Exit code after a malformed frame: the client sent something that is not the protocol. */
export const EXIT_MALFORMED = 2;

/**
 * Serves until the client sends `exit` or the input ends or is malformed; resolves with the exit code (the
 * process's other handles are closed, so it can end). Installs nothing global besides the stream listeners.
 */
export async function serveStdio(options: StdioOptions = {}): Promise<number> {
  startAnalysisWorkerEarly(options);
  const { serveConnection } = await import("./stdio-connection.js");
  return serveConnection(options);
}
