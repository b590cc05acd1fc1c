/**
 * `segql serve`: the segments HTTP API (src/server) over a store, with the scheduled refresh, the web
 * app's build when present, and a clean shutdown on SIGINT / SIGTERM (requests in flight finish, the
 * database is closed).
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Store } from "../../store/index.js";
import { CliError, dbOption, parseArgs, type Io } from "../io.js";

/** The default port (the server's DEFAULT_PORT, repeated so `--help` and option errors load nothing heavy). */
const DEFAULT_PORT = 8080;

/** The command's help text. */
export const help = `usage: segql serve [--db FILE|URL] [--port P] [--host H] [--token T] [--demo]
                   [--refresh-every DUR] [--keep-deleted AGE] [--schema FILE] [--cors ORIGINS]
                   [--static DIR] [--query-timeout SECONDS]

Serves the segments HTTP API (docs/api.md; OpenAPI document at /openapi.json) and, when built, the
web app (playground/dist).

      --db FILE|URL        a DuckDB file (default segql.duckdb; created if missing), :memory:, or a
                           PostgreSQL URL (postgres://user:pass@host/db)
  -p, --port P             port (default ${DEFAULT_PORT}; 0 picks a free one)
      --host H             interface to bind (default 127.0.0.1: this machine only)
      --token T            require 'Authorization: Bearer T' on every API request
                           (default: the SEGQL_TOKEN environment variable; none when unset)
      --demo               a new database gets the demo contacts, events and segments
      --refresh-every DUR  how often segments with relative times are refreshed: 30s, 5m, 1h, or
                           off (default 5m)
      --keep-deleted AGE   how long a deleted segment stays in the trash before it is purged for
                           good: 30d, 12h, or forever (default 30d)
  -s, --schema FILE        the schema (JSON) of a new database
      --cors ORIGINS       allow browsers on these origins to call the API (comma-separated, or *);
                           default: CORS off
      --static DIR         serve this web app build instead of playground/dist
      --query-timeout SECONDS
                           stop a read made from someone's expression (a preview, why, a
                           contact list's filter) that runs longer, answering 422 query-timeout;
                           0: no limit (default 30). Other reads go on meanwhile; writes have
                           no limit
  -h, --help               show this help

The URL is printed when the server is ready. Stop it with Ctrl-C (SIGINT) or SIGTERM.

Exit status: 0 after a clean shutdown, 2 for a usage error or a database that cannot be opened.

Examples:
  segql serve --demo
  segql serve --db crm.duckdb --schema schema.json --port 9000
  SEGQL_TOKEN=s3cret segql serve --db postgres://localhost/crm --host 0.0.0.0`;

/** The longest delay a Node timer takes (2^31-1 ms, about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A duration such as `30s`, `5m`, `1h`, `1500ms` in ms; null for `off`. At least one second, at most 24 days. */
export function parseDuration(text: string): number | null {
  if (/^(off|never|0)$/i.test(text)) return null;
  const m = /^(\d{1,9})(ms|s|m|h)$/.exec(text.trim());
  if (!m) throw new CliError(`--refresh-every: expected a duration such as 30s, 5m or 1h (or off), got '${text}'`);
  const ms = Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as "ms" | "s" | "m" | "h"];
  if (ms < 1000) throw new CliError(`--refresh-every: at least 1s, got '${text}'`);
  // Node's timers hold at most 2^31-1 ms: a longer delay is taken as 1 ms (a warning, then a refresh every
  // millisecond, which kept a core busy).
  if (ms > MAX_TIMER_MS) throw new CliError(`--refresh-every: at most ${Math.floor(MAX_TIMER_MS / 3_600_000)}h (24 days), got '${text}'; use off for never`);
  return ms;
}

/**
 * An age such as `30d`, `12h`, `90m`, `45s` in ms, for `option`'s messages; with `forever`, also `forever`
 * (null). Days are 24 hours; at most 100 years.
 */
export function parseAge(text: string, option: string, forever = false): number | null {
  const t = text.trim();
  if (forever && /^(forever|never|off)$/i.test(t)) return null;
  const m = /^(\d{1,6})(d|h|m|s)$/.exec(t);
  const expected = `expected an age such as 30d, 12h or 90m${forever ? " (or forever)" : ""}`;
  if (!m) throw new CliError(`${option}: ${expected}, got '${text}'`);
  const ms = Number(m[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 }[m[2] as "d" | "h" | "m" | "s"];
  if (ms > 100 * 365 * 86_400_000) throw new CliError(`${option}: at most 100 years (36500d), got '${text}'`);
  return ms;
}

/** The directory holding segql's package.json (where playground/dist is), from this module's place. */
function packageRoot(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "segql") return dir;
      } catch {
        // not ours; keep looking
      }
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return null;
}

/**
 * Binds `port` on `host` and lets it go again: a port in use (or an address this machine lacks) is said
 * before the database is opened and `--demo` fills it, which takes seconds, not after. Someone may still
 * take the port in between; `startServer` then says the same. Port 0 (any free one) cannot be taken.
 */
async function checkPort(port: number, host: string): Promise<void> {
  if (port === 0) return;
  const { createServer } = await import("node:net");
  const { listenError } = await import("../../server/listen.js");
  await new Promise<void>((resolveCheck, reject) => {
    const probe = createServer();
    probe.once("error", (e: NodeJS.ErrnoException) => reject(new CliError(listenError(e, port, host).message)));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolveCheck()));
  });
}

/** `--query-timeout`: whole or decimal seconds (0: no limit, at most a day) in ms. */
export function parseQueryTimeout(text: string): number {
  const m = /^\s*(\d{1,5})(\.\d{1,3})?\s*$/.exec(text);
  if (!m) throw new CliError(`--query-timeout: expected a number of seconds such as 30 or 2.5 (0 for no limit), got '${text}'`);
  const ms = Math.round(Number(text) * 1000);
  if (ms > 86_400_000) throw new CliError(`--query-timeout: at most a day (86400), got '${text}'`);
  return ms;
}

/**
 * `--cors`: origins as a browser's `Origin` header writes them (`https://app.example.com`), or `*`. Anything
 * else never equals that header: the server would start and every browser call fail its CORS check, with
 * nothing saying why (a final `/` is the usual slip).
 */
export function parseCorsOrigins(text: string): string[] {
  const origins = text.split(",").map((o) => o.trim()).filter((o) => o !== "");
  for (const o of origins) {
    if (o === "*") continue;
    let url: URL | null = null;
    try {
      url = new URL(o);
    } catch {
      // Said below.
    }
    if (url === null || (url.protocol !== "http:" && url.protocol !== "https:") || url.host === "") {
      throw new CliError(`--cors: '${o}' is not an origin such as https://app.example.com (a scheme, host and port), or *`);
    }
    if (url.origin !== o) throw new CliError(`--cors: '${o}' is not an origin: write ${url.origin} (a scheme, host and port; no path, not even a final /)`);
  }
  return origins;
}

/** Opens the store, turning the errors of opening into usage errors that say what to do. */
async function open(db: string | undefined, schemaPath: string | undefined, demo: boolean, queryTimeoutMs: number, io: Io): Promise<Store> {
  const { DatabaseInUseError, demoSchema, NewerDatabaseError, openStore, SchemaMismatchError, StoreError } = await import("../../store/index.js");
  const { loadSchema } = await import("./check.js");
  const schema = schemaPath !== undefined ? loadSchema(schemaPath) : demo ? demoSchema() : undefined;
  try {
    return await openStore({ db, schema, queryTimeoutMs, warn: (message) => io.err(`segql serve: warning: ${message}`) });
  } catch (e) {
    if (e instanceof SchemaMismatchError && demo && schemaPath === undefined) {
      throw new CliError(`${db ?? "segql.duckdb"} was not made by --demo (${e.message}); use another --db for the demo`);
    }
    if (e instanceof DatabaseInUseError || e instanceof NewerDatabaseError || e instanceof SchemaMismatchError || e instanceof StoreError) {
      throw new CliError(e.message);
    }
    throw e;
  }
}

/** Runs the server until SIGINT / SIGTERM; resolves 0 after a clean shutdown. */
export async function run(args: string[], io: Io): Promise<number> {
  const { options, positional } = parseArgs(args, {
    db: { value: true },
    port: { value: true, short: "p" },
    host: { value: true },
    token: { value: true },
    demo: { value: false },
    "refresh-every": { value: true },
    "keep-deleted": { value: true },
    schema: { value: true, short: "s" },
    cors: { value: true },
    static: { value: true },
    "query-timeout": { value: true },
  });
  if (positional.length > 0) throw new CliError(`unexpected argument '${positional[0]}' (see segql serve --help)`);
  const str = (name: string) => (typeof options[name] === "string" ? (options[name] as string) : undefined);
  const portText = str("port") ?? String(DEFAULT_PORT);
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) throw new CliError(`--port: expected a port number 0-65535, got '${portText}'`);
  const refreshEveryMs = parseDuration(str("refresh-every") ?? "5m");
  const keepDeletedMs = parseAge(str("keep-deleted") ?? "30d", "--keep-deleted", true);
  const token = str("token") ?? process.env["SEGQL_TOKEN"] ?? null;
  if (token !== null && token.trim() === "") throw new CliError("--token: the token cannot be empty");
  const queryTimeoutMs = parseQueryTimeout(str("query-timeout") ?? "30");
  const host = str("host") ?? "127.0.0.1";
  const corsOrigins = parseCorsOrigins(str("cors") ?? "");
  const db = dbOption(options["db"]);
  // The store and server load only now: option errors above answer without loading DuckDB.
  const { isWebBuild, startServer } = await import("../../server/index.js");
  const { seedDemo, StoreError } = await import("../../store/index.js");
  const staticOption = str("static");
  if (staticOption !== undefined && !isWebBuild(staticOption)) throw new CliError(`--static: ${staticOption} has no index.html`);
  const root = packageRoot();
  const staticDir = staticOption !== undefined ? resolve(staticOption) : root && isWebBuild(join(root, "playground", "dist")) ? join(root, "playground", "dist") : null;
  const demo = options["demo"] === true;

  await checkPort(Number(portText), host);
  const store = await open(db, str("schema"), demo, queryTimeoutMs, io);
  let server;
  try {
    if (demo) {
      const report = await seedDemo(store);
      if (report.seeded) io.err(`segql serve: demo data added: ${report.contacts} contacts, ${report.events} events, ${report.segments.length} segments`);
    }
    server = await startServer({
      store,
      port: Number(portText),
      host,
      token,
      corsOrigins,
      staticDir,
      refreshEveryMs,
      keepDeletedMs,
      log: (line) => io.err(line),
    });
  } catch (e) {
    await store.close().catch(() => undefined);
    if (e instanceof StoreError) throw new CliError(e.message);
    if (e instanceof Error && /in use|cannot listen/.test(e.message)) throw new CliError(e.message);
    throw e;
  }

  // One write, so whoever waits for the URL sees the whole banner.
  io.out(
    [
      `segql serve: listening on ${server.url} (${store.backend} ${store.location})`,
      `  API ${server.url}/api, OpenAPI ${server.url}/openapi.json${staticDir ? `, web app ${server.url}/` : ""}`,
      ...(token !== null ? ["  every API request needs 'Authorization: Bearer <token>'"] : []),
    ].join("\n"),
  );
  if (token === null && host !== "127.0.0.1" && host !== "localhost" && host !== "::1") io.err(`segql serve: warning: listening on ${host} without a token; anyone who can reach it can change segments (--token)`);

  return new Promise<number>((resolveExit) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        io.err(`segql serve: ${signal} again; exiting without waiting`);
        process.exit(1);
      }
      stopping = true;
      io.err(`segql serve: ${signal}: shutting down`);
      void (async () => {
        let code = 0;
        try {
          await server.close();
        } catch (e) {
          io.err(`segql serve: error while stopping the server: ${(e as Error).message}`);
          code = 1;
        }
        try {
          await store.close();
        } catch (e) {
          io.err(`segql serve: error while closing the database: ${(e as Error).message}`);
          code = 1;
        }
        process.off("SIGINT", onInt);
        process.off("SIGTERM", onTerm);
        resolveExit(code);
      })();
    };
    const onInt = () => stop("SIGINT");
    const onTerm = () => stop("SIGTERM");
    process.on("SIGINT", onInt);
    process.on("SIGTERM", onTerm);
  });
}
