/**
 * The worker side of the language server: one `LanguageService` holding the documents the main thread
 * sends, answering its calls one at a time. Before each document's analysis it tells the main thread which
 * document it is busy with, so a watchdog that stops a runaway analysis knows whose it was.
 */
import type { ProjectInfo } from "../service/index.js";
import { LanguageService } from "../service/index.js";
import { SERVICE_METHODS, type FromHost, type HostData, type TestFaults, type ToHost } from "./analysis-protocol.js";

/** The part of a `MessagePort` (or `parentPort`) the host uses. */
export interface HostPort {
  on(event: "message", listener: (message: ToHost) => void): unknown;
  postMessage(message: FromHost): void;
}

const NO_PROJECT: ProjectInfo = { key: "", schema: null };
const METHODS: ReadonlySet<string> = new Set(SERVICE_METHODS);
/** A document analysed once at start (no project: no schema), then removed. */
const WARM_UP_URI = "segql-warm-up:///warm-up.segql";
const WARM_UP_TEXT = 'segment "Warm" as tenure > 12 and contract in ("a", "b") and not churn\nsegment "Up" as in segment "Warm" or email ends with "@x.org"\n';

/** Serves the language service on `port` until the worker is terminated. */
export function runHost(port: HostPort, data: HostData = {}): void {
  const projects = new Map<string, ProjectInfo>();
  const keys = new Map<string, string>();
  const texts = new Map<string, string>(); // for injected faults only
  const faults = data.testFaults ?? {};
  if (faults.crashOnStart) throw new Error("injected failure at start");
  let warming = false;
  const service = new LanguageService({
    project: (uri) => projects.get(keys.get(uri) ?? "") ?? NO_PROJECT,
    ...(data.maxBytes ? { maxBytes: data.maxBytes } : {}),
    beforeAnalysis: (uri) => {
      if (warming) return;
      port.postMessage({ t: "busy", uri });
      if (data.testFaults) injectFaults(faults, uri, texts.get(uri) ?? "");
    },
    onInternalError: (uri, e) => port.postMessage({ t: "log", message: `internal error analysing ${uri}: ${describe(e)}` }),
  });

  port.on("message", (m) => {
    switch (m.t) {
      case "project":
        projects.set(m.key, m.info);
        break;
      case "set":
        keys.set(m.uri, m.key);
        if (data.testFaults) texts.set(m.uri, m.text);
        service.setDocument(m.uri, m.text, { stopped: m.stopped });
        break;
      case "remove":
        keys.delete(m.uri);
        texts.delete(m.uri);
        service.removeDocument(m.uri);
        break;
      case "call": {
        try {
          if (!METHODS.has(m.method)) throw new Error(`unknown method ${m.method}`);
          const method = service[m.method] as (...args: unknown[]) => unknown;
          const started = performance.now();
          const value = method.apply(service, m.args);
          port.postMessage({ t: "result", id: m.id, value, ms: performance.now() - started });
        } catch (e) {
          port.postMessage({ t: "error", id: m.id, message: e instanceof Error ? e.message : String(e), stack: describe(e) });
        }
        break;
      }
    }
  });
  // The first analysis in a thread builds what the parser and checker make lazily (lookahead functions,
  // compiled code paths): done here, while the server is still starting, it is not on the first
  // document's path. Its output is thrown away; it does not touch the documents the main thread sends.
  if (data.warmUp !== false) {
    warming = true;
    try {
      service.setDocument(WARM_UP_URI, WARM_UP_TEXT);
      service.diagnostics(WARM_UP_URI);
    } finally {
      service.removeDocument(WARM_UP_URI);
      warming = false;
    }
  }
  // Loading the modules is done: from now on a call's time is its own.
  port.postMessage({ t: "ready" });
}

function injectFaults(faults: TestFaults, uri: string, text: string): void {
  const hit = (list: string[] | undefined) => list?.some((s) => uri.includes(s) || text.includes(s)) ?? false;
  if (hit(faults.throwOn)) throw new Error(`injected failure for ${uri}`);
  if (hit(faults.hangOn)) for (;;) { /* a runaway analysis */ }
  if (hit(faults.exhaustMemoryOn)) {
    const hoard: number[][] = [];
    for (let i = 0; ; i++) hoard.push(new Array<number>(1_000_000).fill(i + 0.5));
  }
}

function describe(e: unknown): string {
  return e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e);
}
