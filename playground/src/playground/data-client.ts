/**
 * The page's side of the data worker: sends requests, routes answers. Evaluation is "latest wins": each
 * request gets a new id and answers to older ones are dropped, so a slow answer never overwrites a newer
 * one.
 */
import type { BuiltinDataset } from "../datasets.js";
import { datasetUrls } from "../datasets.js";
import type { ConditionsResponse, DatasetCopy, DatasetInfo, DuckTable, EvaluateQuery, EvaluateResponse, WhyResponse, WorkerRequest, WorkerResponse } from "../worker/protocol.js";

/** Loading progress. */
export interface Progress {
  phase: string;
  done: number;
  total: number | null;
}

/** Callbacks for evaluation answers (only answers to the newest request arrive). */
export interface EvaluationHandlers {
  evaluated(r: EvaluateResponse): void;
  conditions(r: ConditionsResponse): void;
  why(r: WhyResponse): void;
}

type Pending = { resolve: (r: WorkerResponse) => void; reject: (e: Error) => void; onProgress?: (p: Progress) => void };

/** A data worker and the requests in flight. */
export class DataClient {
  private current: Worker | null = null;
  private nextId = 1;
  private newestEvaluation = 0;
  /** The newest request whose why / why not answer is wanted (an evaluation or a why request). */
  private newestWhy = 0;
  private readonly pending = new Map<number, Pending>();
  private handlers: EvaluationHandlers | null = null;

  /** The worker, started on first use (and again after `dispose`, as React's strict mode remounts). */
  private get worker(): Worker {
    if (this.current) return this.current;
    const w = new Worker(new URL("../worker/data-worker.ts", import.meta.url), { type: "module", name: "segql-data" });
    w.onmessage = (e: MessageEvent<WorkerResponse>) => this.receive(e.data);
    w.onerror = (e) => {
      for (const p of this.pending.values()) p.reject(new Error(`the data worker failed: ${e.message}`));
      this.pending.clear();
    };
    this.current = w;
    return w;
  }

  /** Where evaluation answers go. */
  onEvaluation(handlers: EvaluationHandlers): void {
    this.handlers = handlers;
  }

  private receive(r: WorkerResponse): void {
    if (r.type === "evaluated" || r.type === "conditions") {
      if (r.id !== this.newestEvaluation) return;
      if (r.type === "evaluated") this.handlers?.evaluated(r);
      else this.handlers?.conditions(r);
      return;
    }
    if (r.type === "why") {
      if (r.id === this.newestWhy) this.handlers?.why(r);
      return;
    }
    const p = this.pending.get(r.id);
    if (!p) return;
    if (r.type === "progress") return p.onProgress?.(r);
    this.pending.delete(r.id);
    if (r.type === "load-failed") p.reject(new Error(r.message));
    else p.resolve(r);
  }

  private ask(req: WorkerRequest, onProgress?: (p: Progress) => void, transfer: Transferable[] = []): Promise<WorkerResponse> {
    return new Promise((resolve, reject) => {
      this.pending.set(req.id, { resolve, reject, ...(onProgress ? { onProgress } : {}) });
      this.worker.postMessage(req, transfer);
    });
  }

  /** Loads a built-in dataset. */
  async loadBuiltin(d: BuiltinDataset, onProgress: (p: Progress) => void): Promise<DatasetInfo> {
    const r = await this.ask({ type: "load-builtin", id: this.nextId++, dataset: d.id, urls: datasetUrls(d, document.baseURI), ...(d.count ? { count: d.count } : {}) }, onProgress);
    return (r as Extract<WorkerResponse, { type: "loaded" }>).info;
  }

  /** Loads the user's files (contacts, and optionally events and a schema). */
  async loadFiles(contacts: File, events: File | null, schema: File | null, onProgress: (p: Progress) => void): Promise<DatasetInfo> {
    const r = await this.ask({ type: "load-files", id: this.nextId++, contacts, events, schema }, onProgress);
    return (r as Extract<WorkerResponse, { type: "loaded" }>).info;
  }

  /** Starts an evaluation; its answers go to the handlers, and supersede every earlier one. */
  evaluate(query: EvaluateQuery): number {
    const id = this.nextId++;
    this.newestEvaluation = id;
    this.newestWhy = id;
    this.worker.postMessage({ type: "evaluate", id, query } satisfies WorkerRequest);
    return id;
  }

  /** Why / why not for one contact (the answer also goes to the handlers). */
  why(query: EvaluateQuery): void {
    const id = this.nextId++;
    this.newestWhy = id;
    this.worker.postMessage({ type: "why", id, query } satisfies WorkerRequest);
  }

  /** Every matching key, or why there are none. */
  async matchingKeys(query: EvaluateQuery): Promise<{ keys: string[] | null; message?: string }> {
    const r = (await this.ask({ type: "matching-keys", id: this.nextId++, query })) as Extract<WorkerResponse, { type: "matching-keys" }>;
    return r.message === undefined ? { keys: r.keys } : { keys: r.keys, message: r.message };
  }

  /** The loaded data as DuckDB tables. */
  async duckTables(): Promise<DuckTable[]> {
    const r = (await this.ask({ type: "duckdb-tables", id: this.nextId++ })) as Extract<WorkerResponse, { type: "duckdb-tables" }>;
    return r.tables;
  }

  /** A copy of the loaded contacts and events (for counting a small dataset on the page's thread). */
  async datasetCopy(): Promise<DatasetCopy | null> {
    const r = (await this.ask({ type: "dataset-copy", id: this.nextId++ })) as Extract<WorkerResponse, { type: "dataset-copy" }>;
    return r.copy;
  }

  /** Stops the worker. */
  dispose(): void {
    this.current?.terminate();
    this.current = null;
    for (const p of this.pending.values()) p.reject(new Error("the data worker was stopped"));
    this.pending.clear();
  }
}
