/**
 * `segql lsp --stdio`: the language server over standard input and output (what editors start).
 */
import { serveStdio } from "../../lsp/stdio.js";
import { LIMITS } from "../../parser/limits.js";
import { limitsFrom } from "../inputs.js";
import { CliError, parseArgs, type Io } from "../io.js";

export const help = `segql lsp --stdio: run the segql language server

Speaks the Language Server Protocol on standard input and output. Editors start it; see docs/editors.md
for VS Code and Neovim. A document's schema and the segment files 'in segment' may name come from the
nearest segql.json above it:

  { "schema": "schema.json", "segments": ["segments/**/*.segql"] }

options:
  --stdio               talk over standard input/output (the only transport, and the default)
  --time-budget <ms>    longest a request may run before its analysis is stopped (default 10000)
  --max-input-bytes N   largest file analysed, in bytes (default ${LIMITS.maxInputBytes.toLocaleString("en-US")}: 1 MB)

A malformed message from the editor ends the server with one line on standard error (exit code 2).`;

/** Runs the server; settles with the exit code when the connection ends. */
export async function run(args: string[], io: Io): Promise<number> {
  const { positional, options } = parseArgs(args, { stdio: { value: false }, "time-budget": { value: true }, "max-input-bytes": { value: true } });
  if (positional.length > 0) throw new CliError(`unexpected argument '${positional[0]}' (usage: segql lsp --stdio)`);
  const budget = options["time-budget"];
  let budgetMs: number | undefined;
  if (budget !== undefined) {
    budgetMs = Number(budget);
    if (!/^\d+$/.test(String(budget)) || budgetMs < 100) throw new CliError(`--time-budget must be a whole number of milliseconds of at least 100, found '${budget}'`);
  }
  // Standard output carries the protocol: anything else printed there would corrupt it.
  const toStderr = (...parts: unknown[]) => io.err(parts.map(String).join(" "));
  console.log = toStderr;
  console.info = toStderr;
  console.warn = toStderr;
  // A bug must not take the editor's server down: report it and keep serving.
  process.on("uncaughtException", (e) => io.err(`segql lsp: internal error: ${e.stack ?? e}`));
  process.on("unhandledRejection", (e) => io.err(`segql lsp: internal error: ${(e as Error)?.stack ?? e}`));
  const maxBytes = limitsFrom(options)?.maxInputBytes;
  return serveStdio({ err: (line) => io.err(line), ...(budgetMs !== undefined ? { budgetMs } : {}), ...(maxBytes !== undefined ? { maxBytes } : {}) });
}
