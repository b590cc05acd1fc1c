/**
 * Messages between the language server's main thread and the worker thread that runs the language service
 * (analysis-client.ts ⇄ analysis-host.ts). Plain data only: everything crosses a `postMessage`.
 */
import type { LanguageService, ProjectInfo } from "../service/index.js";

/** The service's methods the server calls, by name. */
export const SERVICE_METHODS = [
  "diagnostics", "complete", "hover", "format", "symbols", "definition", "references", "prepareRename", "rename",
  "semanticTokens", "foldingRanges",
] as const;

/** A method of the language service the server may call in the worker. */
export type ServiceMethod = (typeof SERVICE_METHODS)[number];

/** The arguments of a service method. */
export type ServiceArgs<M extends ServiceMethod> = Parameters<LanguageService[M]>;

/** What a service method returns. */
export type ServiceResult<M extends ServiceMethod> = ReturnType<LanguageService[M]>;

/**
 * Failures injected into the worker's analyses, for tests of the server's isolation and watchdog. Only
 * reachable through `ServerOptions.testFaults` from code: no command-line flag, setting or environment
 * variable sets it. A document is affected when its URI or its text contains one of the strings.
 */
export interface TestFaults {
  /** Analysing the document throws an Error. */
  throwOn?: string[];
  /** Analysing the document never ends (a busy loop), as a runaway analysis would. */
  hangOn?: string[];
  /** Analysing the document allocates until the worker runs out of memory. */
  exhaustMemoryOn?: string[];
  /** The worker throws as it starts, before it is up (as a broken build would). */
  crashOnStart?: boolean;
}

/** What the worker is started with. */
export interface HostData {
  /** `LanguageServiceOptions.maxBytes`. */
  maxBytes?: number;
  testFaults?: TestFaults;
  /** The worker says what became of its code cache (a `code-cache` message): for the build, which writes it. */
  reportCodeCache?: boolean;
  /**
   * Analyse a small built-in text before saying `ready`, so that the code it compiles and what the parser
   * and checker build lazily are there for the first document (default true). The worker's loader turns
   * it off when V8's code cache supplied that code (analysis-worker-loader.ts): what is left to build then
   * costs the first document less than the warm-up costs the start, which the first diagnostics wait for.
   */
  warmUp?: boolean;
}


/** From the main thread to the worker. */
export type ToHost =
  | { t: "project"; key: string; info: ProjectInfo }
  | { t: "set"; uri: string; text: string; key: string; stopped: string | null }
  | { t: "remove"; uri: string }
  | { t: "call"; id: number; method: ServiceMethod; args: unknown[] };

/** From the worker to the main thread. */
export type FromHost =
  | { t: "ready" }
  | { t: "busy"; uri: string }
  | { t: "log"; message: string }
  | { t: "result"; id: number; value: unknown; ms: number }
  | { t: "error"; id: number; message: string; stack: string }
  /** What became of the code cache (only with `HostData.reportCodeCache`); `written`: a new one was saved. */
  | { t: "code-cache"; status: string; written: boolean };
