/**
 * A fuzz run: hands out batches of input indices to the worker pool until the inputs or the time run out,
 * collects what failed, and for each new kind of failure re-runs the input to confirm it, shrinks it to a
 * minimal reproducer and prints it, while the other workers keep going.
 */
import type { Executable } from "./execute.js";
import { categoryOf, generateInput, type Category } from "./generate/index.js";
import type { Failure } from "./pipeline.js";
import type { Budget, BatchReply, FoundInput } from "./protocol.js";
import { formatFinding, isTimingKind, type Finding, type RunSummary } from "./report.js";
import { WorkerPool, type Lost, type Outcome } from "./runner.js";
import { shrink } from "./shrink.js";

/** Options of a run (the command line's, parsed). */
export interface FuzzOptions {
  seed: number;
  /** The first input index (a chunk of a long run, or the input to replay). */
  start: number;
  /** How many inputs; `Infinity` with a time limit. */
  inputs: number;
  category: Category | null;
  /** Stop handing out inputs after this many seconds. */
  timeLimitS: number | null;
  workers: number;
  budget: Budget;
  maxMemoryMb: number;
  /** Stack of each worker, MB (runner.ts: about the main thread's by default). */
  stackMb?: number;
  shrink: boolean;
  /** Time allowed for shrinking one finding. */
  shrinkSeconds: number;
  batchSize: number;
  /** Where findings and progress go. */
  log: (text: string) => void;
  /** Print a progress line this often (seconds); 0 for none. */
  progressEveryS: number;
  /** The worker module (tests only; default fuzz/worker.ts). */
  workerUrl?: URL;
  /** In-process engines the SQL also runs on, compared with the predicate (execute.ts). */
  execute?: readonly Executable[];
}

/** Runs the fuzzer; resolves with the summary once every input is run and every finding shrunk. */
export async function runFuzz(options: FuzzOptions): Promise<RunSummary> {
  const pool = new WorkerPool({ size: options.workers, maxMemoryMb: options.maxMemoryMb, stackMb: options.stackMb ?? 1, execute: options.execute ?? [], ...(options.workerUrl ? { workerUrl: options.workerUrl } : {}) });
  // The clock starts when the workers have started (seconds on a busy machine), so inputs/s is the fuzzing's.
  await pool.ready();
  const started = Date.now();
  const deadline = options.timeLimitS === null ? Number.POSITIVE_INFINITY : started + options.timeLimitS * 1000;
  const end = options.start + options.inputs;
  const summary: RunSummary = {
    seed: options.seed, start: options.start, inputs: 0, perCategory: {}, stageMs: {}, seconds: 0, workers: options.workers, findings: [], timeLimited: false, aborted: null,
  };
  const bySignature = new Map<string, Finding>();
  const shrinking: Promise<void>[] = [];
  let next = options.start;
  let lastProgress = started;
  /** Findings being confirmed and shrunk; lane i waits while there are more than i, so each gets a worker. */
  let activeShrinks = 0;

  function progress(): void {
    if (options.progressEveryS <= 0 || Date.now() - lastProgress < options.progressEveryS * 1000) return;
    lastProgress = Date.now();
    const s = (Date.now() - started) / 1000;
    options.log(`… ${summary.inputs.toLocaleString("en-US")} inputs in ${s.toFixed(0)} s (${Math.round(summary.inputs / s)}/s), ${bySignature.size} distinct findings`);
  }

  function record(found: FoundInput): void {
    const { failure, input } = found;
    if (bySignature.has(failure.signature)) return;
    const finding: Finding = {
      failure, category: input.category, index: input.index, label: input.label, schema: input.schema, now: input.now,
      original: input.text, reproducer: input.text, shrinkNote: "not shrunk", confirmed: false, occurrences: {},
    };
    bySignature.set(failure.signature, finding);
    summary.findings.push(finding);
    activeShrinks++;
    shrinking.push(confirmAndShrink(finding, found, pool, options).finally(() => {
      activeShrinks--;
      options.log(formatFinding(summary.findings.indexOf(finding) + 1, finding, options.seed, options.category !== null));
    }));
  }

  function merge(reply: BatchReply): void {
    for (const [c, n] of Object.entries(reply.perCategory)) add(summary.perCategory, c as Category, n ?? 0);
    for (const [st, ms] of Object.entries(reply.stageMs)) summary.stageMs[st as keyof typeof summary.stageMs] = (summary.stageMs[st as keyof typeof summary.stageMs] ?? 0) + (ms ?? 0);
    summary.inputs += Object.values(reply.perCategory).reduce((a, b) => a + (b ?? 0), 0);
    for (const f of reply.found) record(f);
    for (const [signature, per] of Object.entries(reply.occurrences)) {
      const finding = bySignature.get(signature)!;
      for (const [c, n] of Object.entries(per)) add(finding.occurrences, c as Category, n ?? 0);
    }
  }

  /** A job the worker never answered: the input it was on is a finding; the rest of the batch runs again. */
  async function lost(outcome: Lost, from: number, count: number): Promise<void> {
    const category = categoryOf(outcome.index, options.category);
    const failure: Failure = { kind: outcome.kind, stage: outcome.stage, message: outcome.message, detail: "", signature: `${outcome.kind} | ${outcome.stage} | ${outcome.kind}` };
    add(summary.perCategory, category, 1);
    summary.inputs += 1;
    if (!bySignature.has(failure.signature)) {
      // Generating the input again here would hang this thread too if generation is what hung.
      const input = outcome.stage === "generate"
        ? { index: outcome.index, category, text: "", schema: "rich" as const, now: "", pretty: null, limits: "default" as const, label: "(the generator itself failed: a fuzzer bug)" }
        : generateInput(options.seed, outcome.index, options.category);
      record({ failure, input });
    }
    add(bySignature.get(failure.signature)!.occurrences, category, 1);
    if (outcome.index > from) await runRange(from, outcome.index - from);
    if (outcome.index + 1 < from + count) await runRange(outcome.index + 1, from + count - outcome.index - 1);
  }

  async function runRange(from: number, count: number): Promise<void> {
    if (summary.aborted) return;
    const outcome: Outcome = await pool.submit({ type: "batch", seed: options.seed, category: options.category, start: from, count, budget: options.budget });
    if (outcome.type === "batch") merge(outcome);
    else if (outcome.type === "lost" && outcome.inInput && outcome.index >= from && outcome.index < from + count) await lost(outcome, from, count);
    else if (outcome.type === "lost") {
      // Not an input's fault: the worker itself cannot run (it failed to start). Going on would loop.
      summary.aborted = `a worker died outside any input: ${outcome.message}`;
      options.log(`fuzz: stopping: ${summary.aborted}`);
    }
    progress();
  }

  async function lane(_: unknown, laneIndex: number): Promise<void> {
    while (next < end && !summary.aborted) {
      // A shrink asks one question at a time; behind a batch each answer would wait for the whole batch.
      while (activeShrinks > laneIndex && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      if (Date.now() >= deadline) {
        summary.timeLimited = true;
        return;
      }
      const from = next;
      const count = Math.min(options.batchSize, end - next);
      next += count;
      await runRange(from, count);
    }
  }

  try {
    await Promise.all(Array.from({ length: options.workers }, lane));
    summary.seconds = (Date.now() - started) / 1000;
    await Promise.all(shrinking);
  } finally {
    await pool.close();
  }
  return summary;
}

function add(into: Partial<Record<Category, number>>, c: Category, n: number): void {
  into[c] = (into[c] ?? 0) + n;
}

/** Re-runs the input (confirmation), then shrinks it while the same failure persists. */
async function confirmAndShrink(finding: Finding, found: FoundInput, pool: WorkerPool, options: FuzzOptions): Promise<void> {
  const target = finding.failure;
  if (target.stage === "generate") {
    finding.shrinkNote = "no text: the generator failed";
    return;
  }
  const timing = isTimingKind(target.kind);
  const until = target.kind === "not-idempotent" ? "reparse" : target.stage;
  // A reproducer of a failure on text without syntax errors keeps free of them (else it is hard to read).
  let syntaxOk: boolean | undefined;
  const same = (f: Failure) => (timing ? isTimingKind(f.kind) && f.stage === target.stage : f.signature === target.signature);
  // The failure each kept candidate gave, so the reproducer is printed with its own message and detail.
  const failureOf = new Map<string, Failure>();
  const oracle = async (text: string): Promise<boolean> => {
    const outcome = await pool.submit({ type: "text", input: { ...found.input, text }, budget: options.budget, until }, true);
    if (outcome.type === "lost") return timing ? outcome.stage === target.stage : outcome.kind === target.kind && outcome.stage === target.stage;
    if (outcome.type !== "text") return false;
    if (syntaxOk === undefined) syntaxOk = outcome.result.syntaxOk;
    else if (syntaxOk && outcome.result.syntaxOk === false) return false;
    const match = outcome.result.failures.find(same);
    if (match && text.length <= 100_000) failureOf.set(text, match);
    return match !== undefined;
  };
  // A timing finding must come back twice more: one slow call on a busy machine proves little.
  finding.confirmed = (await oracle(found.input.text)) && (!timing || (await oracle(found.input.text)));
  if (!finding.confirmed) {
    finding.shrinkNote = "not shrunk: it did not fail again";
    return;
  }
  if (!options.shrink) return;
  const started = Date.now();
  const shrunk = await shrink(found.input.text, oracle, { maxTests: timing ? 40 : 3000, deadline: started + options.shrinkSeconds * 1000 });
  finding.reproducer = shrunk.text;
  const own = failureOf.get(shrunk.text);
  if (own) finding.failure = { ...own, signature: target.signature };
  finding.shrinkNote = `${shrunk.complete ? "minimal" : "shrinking stopped at its limit"} after ${shrunk.tests} tests in ${((Date.now() - started) / 1000).toFixed(1)} s`;
}
