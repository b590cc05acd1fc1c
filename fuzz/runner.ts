/**
 * A pool of worker threads that run fuzz jobs, so a hang or an out-of-memory death in the code under test
 * is a finding instead of the end of the run: a watchdog reads each worker's heartbeat, and when one stage
 * call has run past its timeout (or the worker dies), the worker is replaced and the job answers with the
 * input and stage it was in.
 */
import { Worker } from "node:worker_threads";
import { STAGES, type Stage } from "./pipeline.js";
import { Heartbeat, HEARTBEAT_BYTES, timeoutMs, type Job, type Reply } from "./protocol.js";

/** Why a job ended without a reply. */
export interface Lost {
  type: "lost";
  kind: "timeout" | "out-of-memory" | "worker-error";
  /** False when the worker was not running an input (it failed to start, or died between inputs). */
  inInput: boolean;
  /** The input the worker was on, and its stage. */
  index: number;
  stage: Stage;
  message: string;
}

/** A job's answer: the worker's reply, or why there is none. */
export type Outcome = Reply | Lost;

type JobBody = Job extends infer J ? (J extends Job ? Omit<J, "id"> : never) : never;

interface Pending {
  job: Job;
  resolve: (outcome: Outcome) => void;
}

/** Options of the pool. */
export interface PoolOptions {
  size: number;
  /** V8 old-generation limit of each worker; past it the worker dies and the input is an `out-of-memory` finding. */
  maxMemoryMb: number;
  /**
   * Stack of each worker, MB (default 1, about the 984 KB of Node's main thread, where the CLI and the
   * language server run). Worker threads get 4 MB by default, deep enough to hide the stack overflows
   * users hit: `(` × 150 overflowed Chevrotain's recovery on the main thread but not in a 4 MB worker.
   */
  stackMb?: number;
  /** The worker module (default fuzz/worker.ts; tests pass one that misbehaves on purpose). */
  workerUrl?: URL;
  /** Engines the workers also run the SQL on (`--execute`). */
  execute?: readonly string[];
}

const WORKER_URL = new URL("./worker.ts", import.meta.url);

/** Worker code that loads a TypeScript module through tsx's API: Node 20 does not pass `--import tsx` on to worker threads. */
function boot(url: URL): string {
  return `import("tsx/esm/api").then(({ tsImport }) => tsImport(${JSON.stringify(url.href)}, ${JSON.stringify(url.href)}))`;
}

class Slot {
  worker!: Worker;
  heartbeat = new Heartbeat(new SharedArrayBuffer(HEARTBEAT_BYTES));
  current: Pending | null = null;
  /** Resolves when the worker has started (or has died trying). */
  ready!: Promise<void>;
  private resolveReady: () => void = () => {};

  constructor(
    private readonly options: PoolOptions,
    private readonly onFree: (slot: Slot) => void,
  ) {
    this.start();
  }

  start(): void {
    this.heartbeat = new Heartbeat(new SharedArrayBuffer(HEARTBEAT_BYTES));
    this.worker = new Worker(boot(this.options.workerUrl ?? WORKER_URL), {
      eval: true,
      workerData: { heartbeat: this.heartbeat.buffer, execute: this.options.execute ?? [] },
      resourceLimits: { maxOldGenerationSizeMb: this.options.maxMemoryMb, stackSizeMb: this.options.stackMb ?? 1 },
      stderr: false,
    });
    const worker = this.worker;
    this.ready = new Promise((resolve) => {
      this.resolveReady = resolve;
      const onReady = (m: { type?: string }) => {
        if (m?.type === "ready") {
          worker.off("message", onReady);
          resolve();
        }
      };
      worker.on("message", onReady);
    });
    worker.on("message", (m: Reply | { type: "ready" }) => {
      if (m.type === "ready" || worker !== this.worker) return;
      const p = this.current;
      this.current = null;
      p?.resolve(m);
      this.onFree(this);
    });
    worker.on("error", (e: Error & { code?: string }) => {
      if (worker !== this.worker) return;
      const oom = e.code === "ERR_WORKER_OUT_OF_MEMORY" || /out of memory|heap/i.test(e.message);
      this.lose(oom ? "out-of-memory" : "worker-error", oom ? "the worker ran out of memory" : `the worker died: ${e.name}: ${e.message}`);
    });
    worker.on("exit", (code) => {
      if (worker !== this.worker || this.closing) return;
      this.lose("worker-error", `the worker exited with code ${code}`);
    });
    worker.unref();
  }

  closing = false;
  /** The worker died without a job (failed to start, say): started again only when a job comes. */
  private dead = false;

  run(p: Pending): void {
    if (this.dead) {
      this.dead = false;
      this.start();
    }
    this.current = p;
    void this.ready.then(() => {
      if (this.current === p) this.worker.postMessage(p.job);
    });
  }

  /** The watchdog: a stage call past its timeout (by the job's budget) loses the job. */
  check(): void {
    if (!this.current) return;
    const budget = this.current.job.budget;
    const beat = this.heartbeat.read();
    if (!beat.busy || beat.since === 0) return;
    const limit = timeoutMs(budget, beat.length);
    if (Date.now() - beat.since > limit) {
      this.lose("timeout", `one call of the stage ran longer than ${Math.round(limit)} ms and was stopped`);
    }
  }

  private lose(kind: Lost["kind"], message: string): void {
    if (this.closing) return;
    const beat = this.heartbeat.read();
    const p = this.current;
    this.current = null;
    const old = this.worker;
    this.resolveReady();
    // Without a job, restarting at once could loop (a worker that cannot start dies again).
    if (p) this.start();
    else this.dead = true;
    void old.terminate();
    const stage = STAGES[beat.stage] ?? "generate";
    p?.resolve({ type: "lost", kind, inInput: beat.busy, index: beat.index, stage, message });
    this.onFree(this);
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.worker.terminate();
  }
}

/** Worker threads with a shared job queue; `priority` jobs (shrinking) go first. */
export class WorkerPool {
  private readonly slots: Slot[];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private readonly watchdog: NodeJS.Timeout;

  constructor(private readonly options: PoolOptions) {
    this.slots = Array.from({ length: Math.max(1, options.size) }, () => new Slot(options, (slot) => this.feed(slot)));
    this.watchdog = setInterval(() => {
      for (const s of this.slots) s.check();
    }, 100);
  }

  /** Resolves once every worker has loaded its modules, schemas and corpus. */
  async ready(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.ready));
  }

  /** Runs a job on the next free worker. */
  submit(body: JobBody, priority = false): Promise<Outcome> {
    return new Promise((resolve) => {
      const p: Pending = { job: { ...body, id: this.nextId++ } as Job, resolve };
      if (priority) this.queue.unshift(p);
      else this.queue.push(p);
      const free = this.slots.find((s) => s.current === null);
      if (free) this.feed(free);
    });
  }

  private feed(slot: Slot): void {
    if (slot.current) return;
    const p = this.queue.shift();
    if (p) slot.run(p);
  }

  async close(): Promise<void> {
    clearInterval(this.watchdog);
    await Promise.all(this.slots.map((s) => s.close()));
  }
}
