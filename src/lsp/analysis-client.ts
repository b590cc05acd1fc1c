/**
 * The language server's analyses run in a worker thread, under a watchdog: no request runs unbounded.
 *
 * The main thread keeps the protocol (it stays responsive: cancellations, framing, exit) and a copy of every
 * document; the worker (analysis-host.ts) holds the language service. Calls go to the worker one at a time,
 * in order with the document changes, so each call sees the documents as they were when it was made. A call
 * has a time budget; past it, or when the worker runs out of memory (its heap is capped), the worker is
 * terminated and a new one is started with every document. The document being analysed at that moment is
 * marked stopped: it shows one diagnostic saying so and is not analysed again until it changes (and at most
 * once per `retryAfterMs`), so one pathological document cannot stall the server again at every request.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { CancellationToken } from "vscode-languageserver/node";
import type { ProjectInfo } from "../service/index.js";
import type { FromHost, HostData, ServiceArgs, ServiceMethod, ServiceResult, TestFaults, ToHost } from "./analysis-protocol.js";
import { BUILT_FILES } from "./built-files.js";

/** Options of the analysis client. */
export interface AnalysisClientOptions {
  /** Longest a call may run in the worker, in milliseconds. Default 10,000. */
  budgetMs?: number;
  /** The worker's heap limit in MB (V8's old generation). Default 2,048. */
  heapMb?: number;
  /** A stopped document is analysed again on a change at most this often. Default max(30 s, 3 budgets). */
  retryAfterMs?: number;
  /** `LanguageServiceOptions.maxBytes`. */
  maxBytes?: number;
  /** Failures injected into analyses, for tests (see `TestFaults`). */
  testFaults?: TestFaults;
  /** Where problems are reported (the server's log). */
  log?: (message: string) => void;
  /** A document was stopped, or may be analysed again: its diagnostics (and its dependents') are stale. */
  onStopped?: (uri: string) => void;
}

/** A call whose analysis the watchdog stopped (too long, or out of memory). */
export class AnalysisStopped extends Error {}

/** A call cancelled by the client before it ran. */
export class CallCancelled extends Error {}

interface DocEntry {
  text: string;
  key: string;
  /** Why it is not analysed (set by the watchdog), or null. */
  stopped: string | null;
  stoppedAt: number;
  /** The text it had when stopped: a retry is only worth it once the text changed. */
  stoppedText: string | null;
  retry: NodeJS.Timeout | null;
}

type Job =
  | { kind: "set"; uri: string; text: string }
  | { kind: "remove"; uri: string }
  | {
    kind: "call";
    id: number;
    method: ServiceMethod;
    args: unknown[];
    uri: string | null;
    /** A call nobody waits for interactively (diagnostics to publish): requests go before it. */
    background: boolean;
    resolve: (value: unknown, ms: number) => void;
    reject: (error: Error) => void;
    cancel?: { dispose(): void };
  };

type CallJob = Extract<Job, { kind: "call" }>;

/** The main thread's handle on the analysis worker. */
export class AnalysisClient {
  private worker: Worker | null = null;
  /** The worker has loaded its modules: calls may be posted (their budget starts when they are). */
  private ready = false;
  private readonly docs = new Map<string, DocEntry>();
  /** The texts the worker holds (as posted to it): a new worker starts from them, then the queue. */
  private readonly posted = new Map<string, string>();
  private readonly projects = new Map<string, ProjectInfo>();
  private sentProjects = new Map<string, ProjectInfo>();
  private readonly queue: Job[] = [];
  private inFlight: CallJob | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** The document the worker said it is analysing during the call in flight. */
  private busy: string | null = null;
  /** Increases with every worker started, so a late start of a replaced one is dropped. */
  private generation = 0;
  private nextId = 1;
  private disposed = false;
  private readonly budgetMs: number;
  private readonly heapMb: number;
  private readonly retryAfterMs: number;
  private readonly log: (message: string) => void;
  private readonly onStopped: (uri: string) => void;
  private readonly data: HostData;
  /** Workers started after the first: each is a watchdog intervention. */
  restarts = 0;
  /** Workers that died before they were up, in a row. */
  private bootFailures = 0;
  /** Set when no worker can be started: why. */
  private broken: string | null = null;

  constructor(options: AnalysisClientOptions = {}) {
    this.budgetMs = options.budgetMs ?? 10_000;
    this.heapMb = options.heapMb ?? DEFAULT_HEAP_MB;
    this.retryAfterMs = options.retryAfterMs ?? Math.max(30_000, 3 * this.budgetMs);
    this.log = options.log ?? (() => undefined);
    this.onStopped = options.onStopped ?? (() => undefined);
    this.data = hostData(options);
    // The worker starts now, not with the first document: loading its modules (the parser, the checker,
    // the service) then overlaps the main thread's own start and the client's `initialize`, and the first
    // diagnostics do not wait for it (issue 14: first diagnostics within 300 ms of the server's start).
    this.spawn();
  }

  // ---- documents -----------------------------------------------------------------------------------

  /** Adds or replaces a document, in `project`. */
  setDocument(uri: string, text: string, project: ProjectInfo): void {
    this.projects.set(project.key, project);
    const entry = this.docs.get(uri);
    if (entry && entry.text === text && entry.key === project.key) return;
    if (entry) {
      entry.text = text;
      entry.key = project.key;
      if (entry.stopped !== null && Date.now() - entry.stoppedAt >= this.retryAfterMs) this.unstop(entry);
    } else {
      this.docs.set(uri, { text, key: project.key, stopped: null, stoppedAt: 0, stoppedText: null, retry: null });
    }
    this.enqueue({ kind: "set", uri, text });
  }

  /** Forgets a document. */
  removeDocument(uri: string): void {
    const entry = this.docs.get(uri);
    if (!entry) return;
    if (entry.retry) clearTimeout(entry.retry);
    this.docs.delete(uri);
    this.enqueue({ kind: "remove", uri });
  }

  /** Sends the documents whose project changed (after a config or schema changed on disk). */
  updateProjects(projectOf: (uri: string) => ProjectInfo): void {
    for (const [uri, entry] of this.docs) {
      const project = projectOf(uri);
      const changed = project.key !== entry.key || this.projects.get(project.key) !== project;
      this.projects.set(project.key, project);
      if (changed) {
        entry.key = project.key;
        this.enqueue({ kind: "set", uri, text: entry.text });
      }
    }
  }

  /** The text of a document as last set. */
  text(uri: string): string | undefined {
    return this.docs.get(uri)?.text;
  }

  /** Why a document is not analysed, when the watchdog stopped it. */
  stoppedReason(uri: string): string | null {
    return this.docs.get(uri)?.stopped ?? null;
  }

  // ---- calls ---------------------------------------------------------------------------------------

  /**
   * Calls a language-service method in the worker, after every change made before. `uri` is the document
   * the call is about (blamed if the call runs past its budget and the worker did not say it was busy with
   * another). Rejects with `AnalysisStopped` past the budget or when the worker dies, with `CallCancelled`
   * when `token` is cancelled before the call runs.
   */
  async call<M extends ServiceMethod>(method: M, args: ServiceArgs<M>, uri: string | null, token?: CancellationToken): Promise<ServiceResult<M>> {
    return (await this.timedCall(method, args, uri, token)).value;
  }

  /**
   * `call`, with how long the method ran in the worker (in ms; not counting the wait in the queue). A
   * `background` call (diagnostics to publish) lets later requests go first, as long as no document
   * change lies between them, so what each call sees is unchanged.
   */
  timedCall<M extends ServiceMethod>(
    method: M, args: ServiceArgs<M>, uri: string | null, token?: CancellationToken, background = false,
  ): Promise<{ value: ServiceResult<M>; ms: number }> {
    return new Promise((resolve, reject) => {
      if (this.disposed) return reject(new CallCancelled("the server is shutting down"));
      const done = (value: unknown, ms: number) => resolve({ value: value as ServiceResult<M>, ms });
      const job: CallJob = { kind: "call", id: this.nextId++, method, args, uri, background, resolve: done, reject };
      if (token) {
        if (token.isCancellationRequested) return reject(new CallCancelled(`${method} was cancelled`));
        job.cancel = token.onCancellationRequested(() => {
          const at = this.queue.indexOf(job);
          if (at >= 0) {
            this.queue.splice(at, 1);
            reject(new CallCancelled(`${method} was cancelled before it ran`));
          }
        });
      }
      this.enqueue(job);
    });
  }

  /** Stops the worker and rejects what is pending. */
  dispose(): void {
    this.disposed = true;
    this.clearTimer();
    for (const entry of this.docs.values()) if (entry.retry) clearTimeout(entry.retry);
    const pending = [...(this.inFlight ? [this.inFlight] : []), ...this.queue.filter((j): j is CallJob => j.kind === "call")];
    this.queue.length = 0;
    this.inFlight = null;
    for (const job of pending) job.reject(new CallCancelled("the server is shutting down"));
    const w = this.worker;
    this.worker = null;
    if (w) {
      w.removeAllListeners();
      void w.terminate();
    }
  }

  // ---- the queue -----------------------------------------------------------------------------------

  private enqueue(job: Job): void {
    if (this.disposed) return;
    if (this.broken) {
      if (job.kind === "call") job.reject(new Error(this.broken));
      return;
    }
    let at = this.queue.length;
    if (job.kind === "call" && !job.background) {
      while (at > 0 && isBackgroundCall(this.queue[at - 1]!)) at--;
    }
    this.queue.splice(at, 0, job);
    this.pump();
  }

  /** Posts queued jobs until a call is in flight. */
  private pump(): void {
    const w = this.worker;
    if (!w) return;
    if (!this.ready) {
      // Documents can wait in the worker's port; a call's budget starts only once the worker is up.
      while (this.queue.length > 0 && this.queue[0]!.kind !== "call") this.postJob(this.queue.shift()!);
      return;
    }
    while (!this.inFlight && this.queue.length > 0) this.postJob(this.queue.shift()!);
  }

  private postJob(job: Job): void {
    if (job.kind === "remove") {
      this.posted.delete(job.uri);
      this.post({ t: "remove", uri: job.uri });
    } else if (job.kind === "set") {
      const entry = this.docs.get(job.uri);
      if (!entry) return; // removed since
      this.sendProject(entry.key);
      this.posted.set(job.uri, job.text);
      this.post({ t: "set", uri: job.uri, text: job.text, key: entry.key, stopped: entry.stopped });
    } else {
      job.cancel?.dispose();
      this.inFlight = job;
      this.busy = null;
      this.post({ t: "call", id: job.id, method: job.method, args: job.args });
      this.timer = setTimeout(() => this.fail(`took longer than ${seconds(this.budgetMs)}`, "time"), this.budgetMs);
    }
  }

  private post(message: ToHost): void {
    this.worker?.postMessage(message);
  }

  private sendProject(key: string): void {
    const info = this.projects.get(key);
    if (info && this.sentProjects.get(key) !== info) {
      this.post({ t: "project", key, info });
      this.sentProjects.set(key, info);
    }
  }

  private onMessage(w: Worker, m: FromHost): void {
    if (w !== this.worker) return;
    switch (m.t) {
      case "ready":
        this.ready = true;
        this.bootFailures = 0;
        this.pump();
        break;
      case "busy":
        this.busy = m.uri;
        break;
      case "log":
        this.log(m.message);
        break;
      case "result":
      case "error": {
        const job = this.inFlight;
        if (!job || job.id !== m.id) return;
        this.inFlight = null;
        this.clearTimer();
        if (m.t === "result") job.resolve(m.value, m.ms);
        else job.reject(Object.assign(new Error(m.message), { stack: m.stack }));
        this.pump();
        break;
      }
    }
  }

  // ---- the watchdog --------------------------------------------------------------------------------

  /** Starts a worker; until it is up (and `ready`), jobs wait in the queue. */
  private spawn(): void {
    this.worker = null;
    this.ready = false;
    const generation = ++this.generation;
    // The first worker may have been started before this client, by `startAnalysisWorkerEarly`.
    const early = generation === 1 ? takeEarlyWorker(this.data, this.heapMb) : null;
    (early?.worker ?? workerEntry().then((entry) => newWorker(entry, this.data, this.heapMb)))
      .then((w) => {
        if (this.disposed || generation !== this.generation) {
          void w.terminate();
          return;
        }
        this.attach(w);
        early?.replay(w);
        this.pump();
      })
      .catch((e: Error) => this.giveUp(`cannot start the analysis worker: ${e.message}`));
  }

  /**
   * The worker cannot be started (or dies before it is up, again and again): every call, now and later, is
   * answered with this error rather than waiting for a worker that will never come.
   */
  private giveUp(why: string): void {
    if (this.broken) return;
    this.broken = why;
    this.log(why);
    const calls = this.queue.filter((j): j is CallJob => j.kind === "call");
    this.queue.length = 0;
    for (const job of calls) job.reject(new Error(why));
  }

  private attach(w: Worker): void {
    w.on("message", (m: FromHost) => this.onMessage(w, m));
    w.on("error", (e: Error & { code?: string }) => {
      if (w !== this.worker) return;
      if (e.code === "ERR_WORKER_OUT_OF_MEMORY") this.fail(`ran out of memory (more than ${this.heapMb} MB)`, "memory");
      else this.fail(`crashed (${e.message})`, "crash");
    });
    w.on("exit", (code) => {
      if (w === this.worker) this.fail(`ended unexpectedly (exit code ${code})`, "crash");
    });
    // The worker's output must never reach the protocol's standard output.
    w.stdout.on("data", (d: Buffer) => this.log(`analysis worker: ${d.toString().trimEnd()}`));
    w.stderr.on("data", (d: Buffer) => this.log(`analysis worker: ${d.toString().trimEnd()}`));
    this.worker = w;
    this.sentProjects = new Map();
  }

  /** Ends the worker after a runaway or failed analysis, stops the document it was busy with, starts anew. */
  private fail(what: string, kind: "time" | "memory" | "crash"): void {
    this.clearTimer();
    const job = this.inFlight;
    this.inFlight = null;
    const old = this.worker;
    this.worker = null;
    if (old) {
      old.removeAllListeners();
      void old.terminate();
    }
    const blamed = this.busy ?? job?.uri ?? null;
    this.busy = null;
    const entry = blamed ? this.docs.get(blamed) : undefined;
    const activity = job ? `'${job.method}'` : "the analysis";
    if (blamed && entry) {
      const why = kind === "time" ? `took longer than ${seconds(this.budgetMs)}` : kind === "memory" ? `needed more than ${this.heapMb} MB of memory` : "crashed";
      entry.stopped = `the analysis of this document ${why} and was stopped; it is analysed again after you change it (at most every ${seconds(this.retryAfterMs)})`;
      entry.stoppedAt = Date.now();
      entry.stoppedText = entry.text;
      if (entry.retry) clearTimeout(entry.retry);
      entry.retry = setTimeout(() => this.retry(blamed), this.retryAfterMs);
      entry.retry.unref?.();
    }
    this.log(`${activity} ${what}${blamed ? ` while analysing ${blamed}` : ""}: the analysis was stopped and restarted${entry ? "; that document is not analysed until it changes" : ""}`);
    this.restarts++;
    if (!this.ready && ++this.bootFailures >= 3) {
      job?.reject(new Error(`segql: the analysis worker ${what} before it was up`));
      this.giveUp(`the analysis worker ${what} before it was up, three times in a row: the language server cannot analyse`);
      return;
    }
    if (!this.disposed) {
      // The new worker starts with what the old one held; the queued changes follow in order, so every
      // queued call still sees the documents as they were when it was made.
      this.queue.unshift(...[...this.posted].map(([uri, text]): Job => ({ kind: "set", uri, text })));
      this.spawn();
    }
    job?.reject(new AnalysisStopped(`segql: ${activity} ${what}${blamed ? ` (analysing ${fileName(blamed)})` : ""} and was stopped`));
    this.pump();
    if (blamed && entry) this.onStopped(blamed);
  }

  /** The retry time of a stopped document has come: analyse it again if it changed since. */
  private retry(uri: string): void {
    const entry = this.docs.get(uri);
    if (!entry || entry.stopped === null) return;
    entry.retry = null;
    if (entry.text === entry.stoppedText) return; // unchanged: it would only be stopped again
    this.unstop(entry);
    this.enqueue({ kind: "set", uri, text: entry.text });
    this.onStopped(uri);
  }

  private unstop(entry: DocEntry): void {
    entry.stopped = null;
    entry.stoppedText = null;
    if (entry.retry) clearTimeout(entry.retry);
    entry.retry = null;
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

const DEFAULT_HEAP_MB = 2048;

function hostData(options: Pick<AnalysisClientOptions, "maxBytes" | "testFaults">): HostData {
  return { ...(options.maxBytes ? { maxBytes: options.maxBytes } : {}), ...(options.testFaults ? { testFaults: options.testFaults } : {}) };
}

function newWorker(entry: URL | string, data: HostData, heapMb: number): Worker {
  return new Worker(entry, { workerData: data, resourceLimits: { maxOldGenerationSizeMb: heapMb }, stdout: true, stderr: true });
}

/** A worker started ahead of its client; what it emitted before the client took it is kept for it. */
interface EarlyWorker {
  /** Its `workerData` and heap limit, as JSON: the client takes it only when they are its own. */
  key: string;
  worker: Promise<Worker>;
  /** Detaches the recording listeners and emits what they recorded again, to the client's listeners. */
  replay(w: Worker): void;
}

/**
 * Where a worker started early waits for its client: one place per process, shared by every copy of this
 * module in it. Once built there are two: the CLI's (an ES module chunk, which bin/segql.js and stdio.ts
 * start the worker from) and the one inside the server's CommonJS bundle (whose client takes it).
 */
const EARLY = Symbol.for("segql.lsp.earlyWorker");
const waiting = globalThis as { [EARLY]?: EarlyWorker | null };

/**
 * Starts the analysis worker of the `AnalysisClient` about to be made with the same options, before the
 * caller loads the rest of the server (the protocol library, the server): the worker's own start (a V8
 * isolate, the parser and checker modules, a warm-up analysis) then runs on the other core meanwhile,
 * instead of after it (issue 14). Until the client takes it, the worker does not keep the process alive
 * and its messages and errors are recorded, so none is lost; one started for other options is ended when
 * the client starts its own. Called once per process (later calls do nothing while one is waiting).
 */
export function startAnalysisWorkerEarly(options: Pick<AnalysisClientOptions, "heapMb" | "maxBytes" | "testFaults"> = {}): void {
  if (waiting[EARLY]) return;
  const data = hostData(options);
  const heapMb = options.heapMb ?? DEFAULT_HEAP_MB;
  const recorded: [event: "message" | "error" | "exit", value: unknown][] = [];
  const recorders = (["message", "error", "exit"] as const).map((event) => [event, (value: unknown) => recorded.push([event, value])] as const);
  const worker = workerEntry().then((entry) => {
    const w = newWorker(entry, data, heapMb);
    w.unref();
    for (const [event, listener] of recorders) w.on(event, listener);
    return w;
  });
  worker.catch(() => undefined); // the client that takes it reports the failure
  waiting[EARLY] = {
    key: JSON.stringify([data, heapMb]),
    worker,
    replay: (w) => {
      w.ref();
      for (const [event, listener] of recorders) w.off(event, listener);
      for (const [event, value] of recorded.splice(0)) w.emit(event, value);
    },
  };
}

/**
 * Ends the worker `startAnalysisWorkerEarly` started, when no server will take it (`segql lsp` with a bad
 * option): its message listeners hold the process, which would otherwise print the usage error and never
 * exit.
 */
export function dropEarlyAnalysisWorker(): void {
  const early = waiting[EARLY] ?? null;
  waiting[EARLY] = null;
  if (early) void early.worker.then((w) => w.terminate(), () => undefined);
}

/** The worker started early for these options, taken (at most once); another one is ended. */
function takeEarlyWorker(data: HostData, heapMb: number): EarlyWorker | null {
  const early = waiting[EARLY] ?? null;
  waiting[EARLY] = null;
  if (!early) return null;
  if (early.key === JSON.stringify([data, heapMb])) return early;
  void early.worker.then((w) => w.terminate(), () => undefined);
  return null;
}

function isBackgroundCall(job: Job): boolean {
  return job.kind === "call" && job.background;
}

let bundled: Promise<string> | null = null;

/**
 * The worker's entry: the built `BUILT_FILES.workerEntry` beside this file (dist/cli/; in tsc's output,
 * dist/lsp/, the module analysis-worker.js, compiled without a code cache). When the server runs
 * from the TypeScript sources (tests, `tsx`, whose loader a worker does not inherit), the worker as
 * commonjs-bundles.ts builds it, into a folder of node_modules/.cache named after the sources, reused while no
 * file of src/ changed: a worker then starts in a fraction of a second, where loading each module through
 * tsx took seconds at every restart (its code cache is written there by its first run).
 */
function workerEntry(): Promise<URL | string> {
  if (!import.meta.url.endsWith(".ts")) {
    const built = new URL(`./${BUILT_FILES.workerEntry}`, import.meta.url);
    // tsc's module-per-file output (dist/lsp/) has no CommonJS bundle: there, the entry's ES module.
    return Promise.resolve(existsSync(built) ? built : new URL("./analysis-worker.js", import.meta.url));
  }
  bundled ??= (async () => {
    const src = fileURLToPath(new URL("../", import.meta.url));
    const cache = join(src, "..", "node_modules", ".cache", "segql-lsp-worker");
    const out = join(cache, await sourcesStamp(src));
    const entry = join(out, BUILT_FILES.workerEntry);
    if (existsSync(entry)) return entry;
    const { bundleAnalysisWorker } = await import("./commonjs-bundles.js");
    const partial = `${out}.${process.pid}.tmp`;
    mkdirSync(partial, { recursive: true });
    await bundleAnalysisWorker(partial, "error");
    try {
      renameSync(partial, out); // atomic: a concurrent server sees the whole folder or none
    } catch (e) {
      // A concurrent server renamed its own first: use that one.
      rmSync(partial, { recursive: true, force: true });
      if (!existsSync(entry)) throw e;
    }
    // Bundles of older sources, unused for an hour (a running server may still restart from its own).
    for (const name of readdirSync(cache)) {
      const path = join(cache, name);
      if (path !== out && Date.now() - statSync(path).mtimeMs > 3_600_000) rmSync(path, { recursive: true, force: true });
    }
    return entry;
  })();
  return bundled;
}

/** A hash of the names, sizes and times of every file under src/, naming the bundle of those sources. */
async function sourcesStamp(src: string): Promise<string> {
  // Loaded here, not with this module: the built server never needs it, and it costs its start a few ms.
  const { createHash } = await import("node:crypto");
  const hash = createHash("sha256");
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else {
        const stat = statSync(path);
        hash.update(`${path}\0${stat.size}\0${stat.mtimeMs}\n`);
      }
    }
  };
  walk(src);
  return hash.digest("hex").slice(0, 16);
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

function fileName(uri: string): string {
  return uri.slice(uri.lastIndexOf("/") + 1);
}
