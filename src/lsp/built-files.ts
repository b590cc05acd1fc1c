/**
 * The language server's CommonJS files once built, side by side in one folder (dist/cli/, or a test's
 * bundle; commonjs-bundles.ts builds them). They are CommonJS so that they can be compiled through V8's
 * code cache (code-cache.ts), which Node 20 offers for scripts, not for ES modules.
 */
export const BUILT_FILES = {
  /** The analysis worker's entry (analysis-worker-loader.ts): runs `workerService` through the code cache. */
  workerEntry: "analysis-worker.cjs",
  /** The analysis worker's code: analysis-worker.ts, the language service and everything they import. */
  workerService: "analysis-service.cjs",
  /** The server's main thread past its first lines: stdio-connection.ts, the protocol library, the server. */
  connection: "lsp-server.cjs",
} as const;
