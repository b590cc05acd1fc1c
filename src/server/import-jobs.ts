/**
 * Imports that run after their request has been answered (`Prefer: respond-async`): the client polls the
 * job for its progress (rows read of the file's rows, then the refresh of the dynamic segments), may cancel
 * it while rows are being written (they are rolled back), and reads its report or its problem at the end.
 * Jobs live in the server's memory: a finished one is kept for an hour (at most `MAX_FINISHED`), and a
 * restart forgets them (an import cut short by a restart wrote nothing: its transaction never committed).
 */
import { randomUUID } from "node:crypto";
import { CancelledError, quotesAny, type ImportReport, type InputProblem } from "../store/index.js";
import { problem, ProblemError, storeProblem, type Problem } from "./problems.js";

/** Unfinished jobs allowed at once (they write one after another; more would only queue). */
export const MAX_RUNNING_IMPORTS = 4;
/** Finished jobs kept for their clients to read. */
const MAX_FINISHED = 100;
/** How long a finished job is kept. */
const KEEP_FINISHED_MS = 3_600_000;

/** What a job is doing: reading and writing rows, refreshing segments, or finished one way or another. */
export type ImportJobState = "importing" | "refreshing" | "done" | "failed" | "cancelled";

/** A job as the API shows it. */
export interface ImportJobView {
  id: string;
  kind: "contacts" | "events";
  /** The upload's name in the report (`contacts.csv`, or `upload.csv` when the client gave none). */
  file: string;
  format: "csv" | "jsonl" | "json" | "parquet";
  state: ImportJobState;
  /** Rows read so far. */
  rows: number;
  /** The file's rows, once counted (null before). */
  total: number | null;
  startedAt: string;
  finishedAt: string | null;
  /** The report, when `done`. */
  report: ImportReport | null;
  /** Why it failed (bad rows: `invalid-input` with `problems`), when `failed` or `cancelled`. */
  problem: Problem | null;
}

/** What a job's work is given: its cancel signal and where to report progress. */
export interface ImportJobControl {
  signal: AbortSignal;
  onProgress(rows: number, total: number | null): void;
  onRefreshing(): void;
}

interface Job {
  view: ImportJobView;
  controller: AbortController;
  done: Promise<void>;
  finishedMs: number | null;
}

/** The server's import jobs. */
export class ImportJobs {
  readonly #jobs = new Map<string, Job>();

  constructor(private readonly log: (line: string) => void) {}

  /**
   * Starts `work` as a job and returns it, or throws a 429 problem when `MAX_RUNNING_IMPORTS` are unfinished.
   * `cleanup` runs when the work ends, however it ends.
   */
  start(kind: "contacts" | "events", file: string, format: ImportJobView["format"], work: (control: ImportJobControl) => Promise<ImportReport>, cleanup: () => Promise<void>): ImportJobView {
    this.#prune();
    const running = [...this.#jobs.values()].filter((j) => j.finishedMs === null).length;
    if (running >= MAX_RUNNING_IMPORTS) {
      throw new ProblemError("too-many-requests", `${running} imports are already running; wait for one to finish (GET /api/imports lists them)`, {}, { "Retry-After": "5" });
    }
    const controller = new AbortController();
    const view: ImportJobView = { id: randomUUID(), kind, file, format, state: "importing", rows: 0, total: null, startedAt: new Date().toISOString(), finishedAt: null, report: null, problem: null };
    const job: Job = { view, controller, finishedMs: null, done: Promise.resolve() };
    const finish = (state: ImportJobState, fields: Partial<ImportJobView>) => {
      job.finishedMs = Date.now();
      Object.assign(view, fields, { state, finishedAt: new Date(job.finishedMs).toISOString() });
    };
    job.done = work({
      signal: controller.signal,
      onProgress: (rows, total) => Object.assign(view, { rows, total }),
      onRefreshing: () => (view.state = "refreshing"),
    })
      .then(
        (report) => finish("done", { report, rows: report.rows, total: report.rows }),
        (e: unknown) => (e instanceof CancelledError ? finish("cancelled", { problem: problem("cancelled", e.message) }) : finish("failed", { problem: this.#problemOf(e, view.id) })),
      )
      .finally(() => cleanup().catch(() => undefined));
    this.#jobs.set(view.id, job);
    return { ...view };
  }

  /** A job by id, or null when unknown (never started here, or forgotten). */
  get(id: string): ImportJobView | null {
    this.#prune();
    const job = this.#jobs.get(id);
    return job ? { ...job.view } : null;
  }

  /** Every job kept, the latest started first. */
  list(): ImportJobView[] {
    this.#prune();
    return [...this.#jobs.values()].map((j) => ({ ...j.view })).reverse();
  }

  /**
   * Asks a job to stop. Resolves with the job when it has ended: `cancelled` when it stopped in time, or
   * `done` / `failed` when it had got past the point of no return (its rows committed) or ended first.
   */
  async cancel(id: string): Promise<ImportJobView | null> {
    const job = this.#jobs.get(id);
    if (!job) return null;
    job.controller.abort();
    await job.done;
    return { ...job.view };
  }

  /**
   * Forgets the finished jobs whose report or problem quotes one of `keys` (contacts just erased): their
   * bad rows would otherwise show the key for up to an hour. The import history keeps their record, redacted
   * by the store. An unfinished job is left: it records its bad rows when it ends. Returns how many.
   */
  forgetQuoting(keys: readonly string[]): number {
    let forgotten = 0;
    for (const [id, job] of this.#jobs) {
      if (job.finishedMs === null) continue;
      const problems: InputProblem[] = [...(job.view.report?.bad ?? []), ...((job.view.problem?.["problems"] as InputProblem[] | undefined) ?? [])];
      const texts = [job.view.problem?.detail ?? "", ...problems.flatMap((p) => [p.message, p.path])];
      if (!texts.some((t) => quotesAny(t, keys))) continue;
      this.#jobs.delete(id);
      forgotten++;
    }
    return forgotten;
  }

  /** Cancels every unfinished job and waits for them (the server is closing). */
  async close(): Promise<void> {
    for (const job of this.#jobs.values()) job.controller.abort();
    await Promise.all([...this.#jobs.values()].map((j) => j.done));
  }

  #prune(): void {
    const now = Date.now();
    const finished = [...this.#jobs.values()].filter((j) => j.finishedMs !== null);
    finished.forEach((job, i) => {
      if (now - job.finishedMs! > KEEP_FINISHED_MS || i < finished.length - MAX_FINISHED) this.#jobs.delete(job.view.id);
    });
  }

  #problemOf(e: unknown, jobId: string): Problem {
    if (e instanceof ProblemError) return e.problem;
    const fromStore = storeProblem(e);
    if (fromStore) return fromStore.problem;
    const errorId = Math.random().toString(36).slice(2, 10);
    this.log(`segql serve: internal error ${errorId} in import job ${jobId}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return problem("internal", `an unexpected error occurred (logged as ${errorId}); nothing was imported`, { errorId });
  }
}
