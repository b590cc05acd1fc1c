/**
 * A fuzz worker thread: generates its batches of inputs, runs each through the pipeline (and, with
 * `--execute`, the SQL on engines), and reports what failed. Publishes the input and stage it is in through
 * the shared heartbeat, so the runner can attribute a hang or an out-of-memory death to them.
 */
import { parentPort, workerData } from "node:worker_threads";
import { DIALECT_NAMES } from "../src/compiler/sql/index.js";
import { executeSegments, openEngines, type Executable } from "./execute.js";
import { loadCorpus } from "./generate/corpus.js";
import { generateInput, type Category } from "./generate/index.js";
import { runPipeline, STAGES, type PipelineInput, type PipelineResult, type Stage } from "./pipeline.js";
import { budgetMs, Heartbeat, type BatchJob, type BatchReply, type Budget, type FoundInput, type Job, type Reply, type TextJob } from "./protocol.js";
import { schemas } from "./schemas.js";

const data = workerData as { heartbeat: SharedArrayBuffer; execute?: Executable[] };
const heartbeat = new Heartbeat(data.heartbeat);
const execute = data.execute ?? [];
const onStage = (stage: Stage) => heartbeat.stage(STAGES.indexOf(stage));

/** The pipeline, then (with `--execute`, unless stopped earlier) the SQL on the engines. */
async function runOne(input: PipelineInput, budget: Budget, until?: Stage): Promise<PipelineResult> {
  const limit = budgetMs(budget, input.text.length);
  const result = runPipeline(input, { budgetMs: limit, onStage, ...(until ? { until } : {}) });
  const segments = result.segments;
  delete result.segments;
  if (execute.length > 0 && segments && segments.length > 0) {
    onStage("execute");
    const started = performance.now();
    result.failures.push(...(await executeSegments(input, segments, execute)));
    const ms = performance.now() - started;
    result.stageMs.execute = ms;
    if (ms > limit) result.failures.push({ kind: "slow", stage: "execute", message: `the engines took ${Math.round(ms)} ms (budget ${Math.round(limit)} ms)`, detail: "", signature: "slow | execute | slow" });
  }
  return result;
}

async function runBatch(job: BatchJob): Promise<BatchReply> {
  const reply: BatchReply = { type: "batch", id: job.id, perCategory: {}, stageMs: {}, found: [], occurrences: {} };
  const seen = new Set<string>();
  for (let index = job.start; index < job.start + job.count; index++) {
    heartbeat.input(index, 0);
    onStage("generate");
    const started = performance.now();
    const input = generateInput(job.seed, index, job.category);
    reply.stageMs.generate = (reply.stageMs.generate ?? 0) + performance.now() - started;
    heartbeat.input(index, input.text.length);
    const result = await runOne(input, job.budget);
    count(reply.perCategory, input.category);
    for (const [stage, ms] of Object.entries(result.stageMs)) reply.stageMs[stage as Stage] = (reply.stageMs[stage as Stage] ?? 0) + ms;
    for (const failure of result.failures) {
      count((reply.occurrences[failure.signature] ??= {}), input.category);
      if (!seen.has(failure.signature)) {
        seen.add(failure.signature);
        reply.found.push({ failure, input } satisfies FoundInput);
      }
    }
  }
  heartbeat.idle();
  return reply;
}

function count(into: Partial<Record<Category, number>>, category: Category): void {
  into[category] = (into[category] ?? 0) + 1;
}

async function runText(job: TextJob): Promise<Reply> {
  heartbeat.input(job.input.index, job.input.text.length);
  const result = await runOne(job.input, job.budget, job.until);
  heartbeat.idle();
  return { type: "text", id: job.id, result };
}

// Read the schemas and the corpus, run every stage once per dialect (sql-formatter's first call is slow) and
// open the engines, before saying ready: outside any input's time budget.
schemas();
loadCorpus();
for (const pretty of DIALECT_NAMES) {
  const text = `segment "A" as status = "Subscribed" and (performed "Purchase" within last 30 days where amount > 1)`;
  runPipeline({ index: 0, text, schema: "rich", now: "2024-01-01T00:00:00Z", pretty }, { budgetMs: Number.POSITIVE_INFINITY });
}
await openEngines(execute);
// One job at a time: the runner sends the next only after the reply.
parentPort!.on("message", (job: Job) => {
  void (job.type === "batch" ? runBatch(job) : runText(job)).then((reply) => parentPort!.postMessage(reply));
});
parentPort!.postMessage({ type: "ready" });
