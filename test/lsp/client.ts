/**
 * A real LSP client for tests and the benchmark: starts `segql lsp --stdio` as a child process (from the
 * TypeScript sources through tsx, so it tests the code in the tree whether or not `dist/` is built) and
 * speaks JSON-RPC to it with vscode-languageserver-protocol.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  createProtocolConnection,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  PublishDiagnosticsNotification,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
  type ClientCapabilities,
  type Diagnostic,
  type InitializeResult,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
} from "vscode-languageserver-protocol/node";

/** The repository root (where `src/cli/main.ts` is). */
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** The command line that starts the server from the sources: `node --import tsx -e … lsp --stdio`. */
export const SERVER_ARGS = [
  "--import",
  "tsx",
  "-e",
  'import("./src/cli/main.ts").then(async (m) => { process.exitCode = await m.main(process.argv.slice(1)); })',
  "lsp",
  "--stdio",
];

/**
 * The command line that starts the server from the sources with options only code can set (`StdioOptions`:
 * injected faults, a short time budget, a short wait for incomplete frames): `serveStdio(options)`. With
 * `bundle` (from `bundleServer()`), the same sources bundled: a process starts in a fraction of the time
 * tsx needs, for tests that start many servers.
 */
export function stdioArgs(options: object, bundle?: string): string[] {
  const entry = bundle ? pathToFileURL(join(bundle, "stdio.js")).href : "./src/lsp/stdio.ts";
  return [
    ...(bundle ? [] : ["--import", "tsx"]),
    "-e",
    `import(${JSON.stringify(entry)}).then(async (m) => { process.exitCode = await m.serveStdio(JSON.parse(process.argv[1])); })`,
    JSON.stringify(options),
  ];
}

/**
 * Bundles the server's sources with esbuild as the compiled package lays them out (src/lsp/stdio.ts, and
 * beside it the CommonJS files of commonjs-bundles.ts: the server's main thread and its analysis worker)
 * into a fresh folder under node_modules/.cache; returns the folder.
 */
export async function bundleServer(): Promise<string> {
  const { build } = await import("esbuild");
  const { bundleAnalysisWorker, bundleServerConnection } = await import("../../src/lsp/commonjs-bundles.js");
  const out = join(ROOT, "node_modules", ".cache", `segql-lsp-test-${process.pid}-${Date.now()}`);
  await Promise.all([
    build({
      entryPoints: { stdio: join(ROOT, "src/lsp/stdio.ts") },
      bundle: true,
      platform: "node",
      format: "esm",
      outdir: out,
      logLevel: "error",
      // The CommonJS packages (vscode-languageserver) call require(): give the bundle one.
      banner: { js: 'import { createRequire as __segqlRequire } from "node:module"; const require = __segqlRequire(import.meta.url);' },
    }),
    bundleAnalysisWorker(out, "error"),
    bundleServerConnection(out, "error"),
  ]);
  return out;
}

/** A running server and a connection to it. */
export class LspClient {
  readonly diagnostics = new Map<string, PublishDiagnosticsParams>();
  /** How many times diagnostics were published, per URI. */
  readonly publishCount = new Map<string, number>();
  private waiters: { uri: string; test: (p: PublishDiagnosticsParams) => boolean; resolve: (p: PublishDiagnosticsParams) => void }[] = [];
  stderr = "";
  /** What the server logged on the connection's console (window/logMessage). */
  log = "";
  /** What the server answered to `initialize`. */
  initializeResult: InitializeResult | null = null;
  exitCode: number | null = null;
  readonly exited: Promise<number | null>;

  private constructor(
    readonly child: ChildProcessWithoutNullStreams,
    readonly connection: ProtocolConnection,
  ) {
    child.stderr.on("data", (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => child.on("exit", (code) => {
      this.exitCode = code;
      resolve(code);
    }));
    connection.onNotification(PublishDiagnosticsNotification.type, (p) => {
      this.diagnostics.set(p.uri, p);
      this.publishCount.set(p.uri, (this.publishCount.get(p.uri) ?? 0) + 1);
      this.waiters = this.waiters.filter((w) => {
        if (w.uri !== p.uri || !w.test(p)) return true;
        w.resolve(p);
        return false;
      });
    });
    connection.onRequest("client/registerCapability", () => null);
    connection.onRequest("workspace/configuration", () => []);
    connection.onNotification("window/logMessage", (p: { message?: string }) => {
      this.log += `${p.message ?? ""}\n`;
    });
    connection.listen();
  }

  /** Starts the server (cwd: the repository root; `command` defaults to the sources through tsx) and initializes it. */
  static async start(capabilities: ClientCapabilities = {}, rootUri: string | null = null, command: string[] = [process.execPath, ...SERVER_ARGS]): Promise<LspClient> {
    const child = spawn(command[0]!, command.slice(1), { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] });
    const connection = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    const client = new LspClient(child, connection);
    client.initializeResult = await connection.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri, capabilities, workspaceFolders: null });
    await connection.sendNotification(InitializedNotification.type, {});
    return client;
  }

  /** The next diagnostics published for `uri` that pass `test` (default: any). */
  nextDiagnostics(uri: string, test: (p: PublishDiagnosticsParams) => boolean = () => true): Promise<PublishDiagnosticsParams> {
    return new Promise((resolve) => this.waiters.push({ uri, test, resolve }));
  }

  /** Shuts the server down politely and waits for it to exit. */
  async stop(): Promise<number | null> {
    if (this.exitCode === null) {
      try {
        await this.connection.sendRequest(ShutdownRequest.type);
        await this.connection.sendNotification(ExitNotification.type);
      } catch {
        // already gone
      }
    }
    const code = await Promise.race([this.exited, new Promise<null>((r) => setTimeout(() => r(null), 10_000))]);
    if (this.exitCode === null) this.child.kill();
    this.connection.dispose();
    return code;
  }
}

/** Diagnostics flattened for assertions: `line:col code message`. */
export function flatDiagnostics(diagnostics: Diagnostic[]): string[] {
  return diagnostics.map((d) => `${d.range.start.line}:${d.range.start.character} ${d.code} ${d.message}`);
}
