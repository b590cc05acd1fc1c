/**
 * `segql lsp --stdio`: the language server over standard input and output (what editors start).
 */
import {
  createConnection,
  LSPErrorCodes,
  ProposedFeatures,
  ResponseError,
  StreamMessageReader,
  StreamMessageWriter,
  type Message,
  type ResponseMessage,
} from "vscode-languageserver/node";
import { startServer } from "../../lsp/server.js";
import { CliError, parseArgs, type Io } from "../io.js";

export const help = `segql lsp --stdio: run the segql language server

Speaks the Language Server Protocol on standard input and output. Editors start it; see docs/editors.md
for VS Code and Neovim. A document's schema and the segment files 'in segment' may name come from the
nearest segql.json above it:

  { "schema": "schema.json", "segments": ["segments/**/*.segql"] }

options:
  --stdio    talk over standard input/output (the only transport, and the default)`;

/** Starts the server; the returned promise settles only if the connection closes without an exit. */
export async function run(args: string[], io: Io): Promise<number> {
  const { positional } = parseArgs(args, { stdio: { value: false } });
  if (positional.length > 0) throw new CliError(`unexpected argument '${positional[0]}' (usage: segql lsp --stdio)`);
  // Standard output carries the protocol: anything else printed there would corrupt it.
  const toStderr = (...parts: unknown[]) => io.err(parts.map(String).join(" "));
  console.log = toStderr;
  console.info = toStderr;
  console.warn = toStderr;
  // A bug must not take the editor's server down: report it and keep serving.
  process.on("uncaughtException", (e) => io.err(`segql lsp: internal error: ${e.stack ?? e}`));
  process.on("unhandledRejection", (e) => io.err(`segql lsp: internal error: ${(e as Error)?.stack ?? e}`));
  const connection = createConnection(ProposedFeatures.all, new StreamMessageReader(process.stdin), new StreamMessageWriter(process.stdout), {
    // A request cancelled while still queued is answered at once, without running it.
    cancelUndispatched: (message: Message): ResponseMessage | undefined => {
      const id = (message as { id?: number | string }).id;
      if (id === undefined) return undefined;
      return { jsonrpc: "2.0", id, error: new ResponseError(LSPErrorCodes.RequestCancelled, "cancelled before it ran").toJson() };
    },
  });
  startServer(connection);
  connection.listen();
  return new Promise<number>((resolve) => connection.onExit(() => resolve(0)));
}
