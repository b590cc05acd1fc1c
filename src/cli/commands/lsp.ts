/**
 * `segql lsp --stdio`: the language server over standard input and output (what editors start).
 */
import { dropEarlyAnalysisWorker } from "../../lsp/analysis-client.js";
import { serveStdio } from "../../lsp/stdio.js";
import { LIMITS } from "../../parser/limits.js";
import { groupThousands, limitsFrom } from "../inputs.js";
import { CliError, EXIT, internalErrorMessage, parseArgs, type Io } from "../io.js";

export const help = `segql lsp --stdio: run the segql language server

Speaks the Language Server Protocol on standard input and output. Editors start it; see docs/editors.md
for VS Code and Neovim. A document's schema and the segment files 'in segment' may name come from the
nearest segql.json above it:

  { "schema": "schema.json", "segments": ["segments/**/*.segql"] }

options:
  --stdio               talk over standard input/output (the only transport, and the default)
  --time-budget <ms>    longest a request may run before its analysis is stopped (default 10000)
  --max-input-bytes N   largest file analysed, in bytes (default ${groupThousands(LIMITS.maxInputBytes)}: 1 MB)

A malformed message from the editor ends the server with one line on standard error (exit code 2); an
internal error (a bug in segql) with one line asking to report it (exit code 3; SEGQL_DEBUG=1 adds the stack).`;

/** Runs the server; settles with the exit code when the connection ends. */
export async function run(args: string[], io: Io): Promise<number> {
  let budgetMs: number | undefined;
  let maxBytes: number | undefined;
  try {
    const { positional, options } = parseArgs(args, { stdio: { value: false }, "time-budget": { value: true }, "max-input-bytes": { value: true } });
    if (positional.length > 0) throw new CliError(`unexpected argument '${positional[0]}' (usage: segql lsp --stdio)`);
    const budget = options["time-budget"];
    if (budget !== undefined) {
      budgetMs = Number(budget);
      if (!/^\d+$/.test(String(budget)) || budgetMs < 100) throw new CliError(`--time-budget must be a whole number of milliseconds of at least 100, found '${budget}'`);
    }
    maxBytes = limitsFrom(options)?.maxInputBytes;
  } catch (e) {
    // bin/segql.js started the analysis worker before the options were read: no server will take it, and
    // it would hold the process after the usage error (printed, then no exit).
    dropEarlyAnalysisWorker();
    throw e;
  }
  // Standard output carries the protocol: anything else printed there would corrupt it.
  const toStderr = (...parts: unknown[]) => io.err(parts.map(String).join(" "));
  console.log = toStderr;
  console.info = toStderr;
  console.warn = toStderr;
  // A request's own failure is answered as an error and the server goes on (server.ts guards each handler).
  // What escapes every handler leaves the process in a state nobody knows: like every other command, one
  // line (the stack only with SEGQL_DEBUG=1) and exit 3; the editor restarts the server.
  const fatal = (e: unknown) => {
    io.err(internalErrorMessage("segql lsp", e));
    process.exit(EXIT.internal);
  };
  process.on("uncaughtException", fatal);
  process.on("unhandledRejection", fatal);
  return serveStdio({ err: (line) => io.err(line), ...(budgetMs !== undefined ? { budgetMs } : {}), ...(maxBytes !== undefined ? { maxBytes } : {}) });
}
