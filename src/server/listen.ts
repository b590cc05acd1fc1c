/**
 * The API on a real socket: `startServer` listens (127.0.0.1 by default), starts the store's scheduled
 * refresh of relative-time segments, and `close()` stops both cleanly: no new connections, requests in
 * flight finish, the scheduler's running refresh finishes. Closing the store is the caller's (it opened it).
 */
import { serve } from "@hono/node-server";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { DEFAULT_KEEP_DELETED_MS, DEFAULT_REFRESH_EVERY_MS, startRefreshScheduler, startTrashExpiry, type DeletedSegment, type RefreshResult, type Scheduler, type TrashExpiry } from "../store/index.js";
import type { Duplex } from "node:stream";
import { createApp, type AppOptions } from "./app.js";
import { FeedWaits } from "./feed-waits.js";
import { ImportJobs } from "./import-jobs.js";
import { problem, PROBLEM_MEDIA_TYPE, type ProblemKind } from "./problems.js";

/** Options of `startServer`. */
export interface ServeOptions extends AppOptions {
  /** Port (default 8080; 0 picks a free one). */
  port?: number;
  /** Interface to bind (default 127.0.0.1: only this machine). */
  host?: string;
  /** Interval of the scheduled refresh in ms (default 5 minutes); null: no scheduler. */
  refreshEveryMs?: number | null;
  /** Called after each scheduled refresh that changed something. */
  onRefresh?: (results: RefreshResult[]) => void;
}

/** A listening server. */
export interface RunningServer {
  /** `http://host:port` (IPv6 hosts in brackets). */
  url: string;
  port: number;
  host: string;
  scheduler: Scheduler | null;
  /** Purges the trash's expired segments (`keepDeletedMs`); null when the trash is kept until purged by hand. */
  trashExpiry: TrashExpiry | null;
  /** Stops listening, lets requests in flight finish (at most `graceMs`, default 10 s), stops the scheduler and the expiry. */
  close(graceMs?: number): Promise<void>;
}

/** Default port. */
export const DEFAULT_PORT = 8080;

/** Starts the API on a socket. Rejects with a clear message when the port is taken or the host is unknown. */
/**
 * A failure to listen, said for people: a port in use (with the way out), an address this machine does not
 * have; any other error as it is. (`segql serve` says the same when it checks the port before the work.)
 */
export function listenError(e: NodeJS.ErrnoException, port: number, host: string): Error {
  if (e.code === "EADDRINUSE") return new Error(`port ${port} on ${host} is in use; choose another with --port`);
  if (e.code === "EADDRNOTAVAIL" || e.code === "ENOTFOUND") return new Error(`cannot listen on ${host}: ${e.message}`);
  return e;
}

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const importJobs = options.importJobs ?? new ImportJobs(log);
  const feedWaits = options.feedWaits ?? new FeedWaits();
  const app = createApp({ ...options, importJobs, feedWaits });
  const host = options.host ?? "127.0.0.1";
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: options.port ?? DEFAULT_PORT, hostname: host }) as Server;
    const onError = (e: NodeJS.ErrnoException) => {
      s.close();
      reject(listenError(e, options.port ?? DEFAULT_PORT, host));
    };
    s.once("error", onError);
    s.once("listening", () => {
      s.off("error", onError);
      // Later socket errors (a client resetting) must not take the process down.
      s.on("error", (e) => log(`segql serve: server error: ${e.message}`));
      resolve(s);
    });
  });
  // A client that never finishes sending headers or a body cannot hold a connection for ever.
  server.headersTimeout = 30_000;
  server.requestTimeout = 120_000;
  server.on("clientError", answerClientError);
  // CONNECT (a proxy tunnel) is not routed to the app: Node hands it to this event and, with no listener,
  // closed the connection without a word. It gets the 405 any other unknown method gets.
  server.on("connect", (request: { url?: string }, socket: Duplex) => answerConnect(request.url ?? "", socket));
  const port = (server.address() as AddressInfo).port;
  const scheduler =
    options.refreshEveryMs === null
      ? null
      : startRefreshScheduler(options.store, {
          everyMs: options.refreshEveryMs ?? DEFAULT_REFRESH_EVERY_MS,
          onRefresh: options.onRefresh,
          onError: (e) => log(`segql serve: scheduled refresh failed: ${e instanceof Error ? e.message : String(e)}`),
        });
  const keepDeletedMs = options.keepDeletedMs === undefined ? DEFAULT_KEEP_DELETED_MS : options.keepDeletedMs;
  const trashExpiry =
    keepDeletedMs === null
      ? null
      : startTrashExpiry(options.store, {
          keepMs: keepDeletedMs,
          onPurge: (purged) => log(`segql serve: purged ${purged.length} deleted segment${purged.length === 1 ? "" : "s"} kept past ${Math.round(keepDeletedMs / 86_400_000 * 10) / 10} days: ${purgedNames(purged)}`),
          onError: (e) => log(`segql serve: purging the trash failed: ${e instanceof Error ? e.message : String(e)}`),
        });
  let closing: Promise<void> | null = null;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    port,
    host,
    scheduler,
    trashExpiry,
    close(graceMs = 10_000) {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        // Requests waiting on the change feed answer now (an empty page) rather than hold the close up to a minute.
        feedWaits.close();
        server.closeIdleConnections();
        // A connection whose request is answered stays open (keep-alive) until closed as idle: so do it
        // again as they finish, or the close waits for the clients' keep-alive to end.
        const idle = setInterval(() => server.closeIdleConnections(), 50);
        const timer = setTimeout(() => server.closeAllConnections(), graceMs);
        timer.unref();
        await closed;
        clearInterval(idle);
        clearTimeout(timer);
        // Imports still running are cancelled (rolled back) rather than cut off by the store's close.
        await importJobs.close();
        await scheduler?.stop();
        await trashExpiry?.stop();
      })();
      return closing;
    },
  };
}

/** The first few purged segments, for the log: a trash of thousands must not make a line of megabytes. */
function purgedNames(purged: readonly DeletedSegment[]): string {
  const shown = purged.slice(0, 10).map((d) => `#${d.id} ${JSON.stringify(d.name)}`).join(", ");
  return purged.length > 10 ? `${shown} and ${purged.length - 10} more` : shown;
}

const REASONS: Record<number, string> = { 400: "Bad Request", 405: "Method Not Allowed", 408: "Request Timeout", 431: "Request Header Fields Too Large" };

/** Ends a connection with a problem document, written straight to the socket (before or outside the app). */
function endWithProblem(socket: Duplex, p: ReturnType<typeof problem>, headers = ""): void {
  const body = JSON.stringify(p);
  socket.end(
    `HTTP/1.1 ${p.status} ${REASONS[p.status] ?? "Error"}\r\nContent-Type: ${PROBLEM_MEDIA_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${headers}Connection: close\r\n\r\n${body}`,
  );
}

/** The answer to CONNECT: this server is not a proxy. */
function answerConnect(target: string, socket: Duplex): void {
  socket.on("error", () => socket.destroy());
  endWithProblem(socket, problem("method-not-allowed", `CONNECT is not allowed: this is the segql API, not a proxy (asked for ${JSON.stringify(target.slice(0, 200))})`));
}

/**
 * Requests Node's HTTP parser refuses before the app sees them (a URL and headers past 16 KB, malformed
 * HTTP, a request that stalls) still get a problem document, like every other error.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === "ECONNRESET" || !socket.writable) {
    socket.destroy();
    return;
  }
  const kind: ProblemKind =
    error.code === "HPE_HEADER_OVERFLOW" ? "headers-too-large" : error.code === "ERR_HTTP_REQUEST_TIMEOUT" ? "request-timeout" : "bad-http";
  const detail =
    kind === "headers-too-large"
      ? "the request line and headers are larger than 16 KB; send long values (expressions, filters) in a JSON body"
      : kind === "request-timeout"
        ? "the request did not arrive in time"
        : `the request is not valid HTTP (${error.code ?? error.message})`;
  endWithProblem(socket, problem(kind, detail));
}
