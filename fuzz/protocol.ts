/**
 * What the runner and its worker threads say to each other, the heartbeat they share, and the time budget
 * of an input.
 *
 * The heartbeat is a SharedArrayBuffer the worker writes as each input and stage starts, so the main thread
 * can tell which input and stage a hung or crashed worker was in without the worker's help.
 */
import type { Category, FuzzInput } from "./generate/index.js";
import type { Failure, PipelineInput, PipelineResult, Stage } from "./pipeline.js";

/** The time budget of a stage call: a base plus an allowance per MiB of text (large inputs take longer legitimately). */
export interface Budget {
  baseMs: number;
  perMiBMs: number;
}

/** The budget of one call of a stage on a text of `length` characters. */
export function budgetMs(budget: Budget, length: number): number {
  return budget.baseMs + (budget.perMiBMs * length) / (1024 * 1024);
}

/** After this long in one stage call, the input is a `timeout` finding and its worker is replaced. */
export function timeoutMs(budget: Budget, length: number): number {
  return 3 * budgetMs(budget, length) + 2000;
}

/** Run inputs [start, start + count) of a run. */
export interface BatchJob {
  type: "batch";
  id: number;
  seed: number;
  category: Category | null;
  start: number;
  count: number;
  budget: Budget;
}

/** Run one given text (the shrinker's and the confirmation's question: does this still fail?). */
export interface TextJob {
  type: "text";
  id: number;
  input: PipelineInput;
  budget: Budget;
  until?: Stage;
}

/** What the runner asks a worker to do. */
export type Job = BatchJob | TextJob;

/** The first input of a batch that failed in a given way (later ones with the same signature are only counted). */
export interface FoundInput {
  failure: Failure;
  input: FuzzInput;
}

/** What a batch found. */
export interface BatchReply {
  type: "batch";
  id: number;
  perCategory: Partial<Record<Category, number>>;
  stageMs: Partial<Record<Stage, number>>;
  /** The first input per signature in this batch. */
  found: FoundInput[];
  /** Occurrences per signature and category. */
  occurrences: Record<string, Partial<Record<Category, number>>>;
}

/** The pipeline's result for one given text. */
export interface TextReply {
  type: "text";
  id: number;
  result: PipelineResult;
}

/** What a worker answers. */
export type Reply = BatchReply | TextReply;

/** Heartbeat layout: Int32 [input index, stage index, text length, busy], then Float64 [stage start, epoch ms]. */
export const HEARTBEAT_BYTES = 32;

/** A view of a heartbeat buffer. */
export class Heartbeat {
  private readonly ints: Int32Array;
  private readonly time: Float64Array;

  constructor(readonly buffer: SharedArrayBuffer) {
    this.ints = new Int32Array(buffer, 0, 4);
    this.time = new Float64Array(buffer, 16, 1);
  }

  /** Worker side: an input starts. */
  input(index: number, length: number): void {
    this.ints[0] = index;
    this.ints[2] = Math.min(length, 2 ** 31 - 1);
    this.time[0] = Date.now();
    this.ints[3] = 1;
  }

  /** Worker side: a stage call starts. */
  stage(stage: number): void {
    this.ints[1] = stage;
    this.time[0] = Date.now();
  }

  /** Worker side: idle. */
  idle(): void {
    this.ints[3] = 0;
  }

  /** Main side: what the worker is doing. */
  read(): { busy: boolean; index: number; stage: number; length: number; since: number } {
    return { busy: this.ints[3] === 1, index: this.ints[0]!, stage: this.ints[1]!, length: this.ints[2]!, since: this.time[0]! };
  }
}
