/**
 * The language server over standard input and output: the connection, its framing and its end (the part of
 * `serveStdio` loaded after the analysis worker was started; stdio.ts says why).
 */
import {
  createConnection,
  LSPErrorCodes,
  ProposedFeatures,
  ResponseError,
  StreamMessageWriter,
  type Message,
  type ResponseMessage,
} from "vscode-languageserver/node";
import { FrameReader, type FrameReaderOptions } from "./frame-reader.js";
import { startServer, type ServerOptions } from "./server.js";
import { EXIT_MALFORMED } from "./exit-codes.js";

/** Options of the stdio server: the server's, the reader's, and where its one-line messages go. */
export interface StdioOptions extends ServerOptions, FrameReaderOptions {
  /** Writes one line for the user (standard error by default). */
  err?: (line: string) => void;
}

/** Writes messages to a stream and says when a response (an answer to a request) has been written. */
class AnsweringWriter extends StreamMessageWriter {
  constructor(
    stream: NodeJS.WritableStream,
    private readonly answered: (id: number | string) => void,
  ) {
    super(stream);
  }

  override async write(message: Message): Promise<void> {
    await super.write(message);
    const { id, method } = message as { id?: number | string | null; method?: unknown };
    if (id !== undefined && id !== null && method === undefined) this.answered(id);
  }
}

/** `serveStdio`'s work, once the analysis worker is starting (see stdio.ts). */
export function serveConnection(options: StdioOptions = {}): Promise<number> {
  const err = options.err ?? ((line: string) => process.stderr.write(`${line}\n`));
  const reader = new FrameReader(process.stdin, options);
  // The requests read and not answered yet: after a malformed frame, those are answered before the end.
  const unanswered = new Set<number | string>();
  let onAnswered = () => undefined as void;
  reader.onMessageRead((m) => {
    const { id, method } = m as { id?: number | string; method?: unknown };
    if (id !== undefined && id !== null && typeof method === "string") unanswered.add(id);
  });
  const writer = new AnsweringWriter(process.stdout, (id) => {
    unanswered.delete(id);
    onAnswered();
  });
  const connection = createConnection(ProposedFeatures.all, reader, writer, {
    // A request cancelled while still queued is answered at once, without running it.
    cancelUndispatched: (message: Message): ResponseMessage | undefined => {
      const id = (message as { id?: number | string }).id;
      if (id === undefined) return undefined;
      return { jsonrpc: "2.0", id, error: new ResponseError(LSPErrorCodes.RequestCancelled, "cancelled before it ran").toJson() };
    },
  });
  const server = startServer(connection, options);
  return new Promise<number>((resolve) => {
    let done = false;
    const finish = (code: number) => {
      if (done) return;
      done = true;
      server.dispose();
      process.stdin.pause();
      process.stdin.destroy();
      resolve(code);
      // Should a handle still hold the process (a client that keeps the pipe open), end it anyway.
      setTimeout(() => process.exit(code), 2000).unref();
    };
    let malformed = false;
    reader.onFramingError((what) => {
      malformed = true;
      err(`segql lsp: malformed message from the client: ${what}; closing the connection`);
      // Answer what came before the bad frame (each request is bounded by the time budget), then end.
      const end = () => {
        connection.dispose();
        finish(EXIT_MALFORMED);
      };
      const limit = setTimeout(end, (options.budgetMs ?? 10_000) + 1000);
      onAnswered = () => {
        if (unanswered.size > 0) return;
        clearTimeout(limit);
        setImmediate(end);
      };
      setImmediate(onAnswered);
    });
    let shutdown = false;
    connection.onShutdown(() => {
      shutdown = true;
      server.shutDown();
    });
    // After `exit` the protocol library ends the process itself (0 after `shutdown`, else 1).
    connection.onExit(() => finish(shutdown ? 0 : 1));
    reader.onClose(() => {
      if (!malformed) finish(shutdown ? 0 : 1);
    });
    connection.listen();
  });
}
