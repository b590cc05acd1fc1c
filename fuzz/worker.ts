/**
 * A fuzz worker thread: generates its batches of inputs, runs each through the pipeline, and reports what
 * failed. Publishes the input and stage it is in through the shared heartbeat, so the runner can attribute
 * a hang or an out-of-memory death to them.
 */
import { parentPort, workerData } from "node:worker_threads";
import { loadCorpus } from "./generate/corpus.js";
import { generateInput, type Category } from "./generate/index.js";
import { DIALECT_NAMES } from "../src/compiler/sql/index.js";
import { runPipeline, STAGES, type Stage } from "./pipeline.js";
import { budgetMs, Heartbeat, type BatchJob, type BatchReply, type FoundInput, type Job, type Reply, type TextJob } from "./protocol.js";
import { schemas } from "./schemas.js";

const heartbeat = new Heartbeat((workerData as { heartbeat: SharedArrayBuffer }).heartbeat);
const onStage = (stage: Stage) => heartbeat.stage(STAGES.indexOf(stage));

function runBatch(job: BatchJob): BatchReply {
  const reply: BatchReply = { type: "batch", id: job.id, perCategory: {}, stageMs: {}, found: [], occurrences: {} };
  const seen = new Set<string>();
  for (let index = job.start; index < job.start + job.count; index++) {
    heartbeat.input(index, 0);
    onStage("generate");
    const started = performance.now();
    const input = generateInput(job.seed, index, job.category);
    reply.stageMs.generate = (reply.stageMs.generate ?? 0) + performance.now() - started;
    heartbeat.input(index, input.text.length);
    const result = runPipeline(input, { budgetMs: budgetMs(job.budget, input.text.length), onStage });
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

function runText(job: TextJob): Reply {
  heartbeat.input(job.input.index, job.input.text.length);
  const result = runPipeline(job.input, { budgetMs: budgetMs(job.budget, job.input.text.length), onStage, ...(job.until ? { until: job.until } : {}) });
  heartbeat.idle();
  return { type: "text", id: job.id, result };
}

parentPort!.on("message", (job: Job) => {
  parentPort!.postMessage(job.type === "batch" ? runBatch(job) : runText(job));
});
// Read the schemas and the corpus, and run every stage once per dialect (sql-formatter's first call is slow),
// before saying ready: outside any input's time budget.
schemas();
loadCorpus();
for (const pretty of DIALECT_NAMES) {
  const text = `segment "A" as status = "Subscribed" and (performed "Purchase" within last 30 days where amount > 1)`;
  runPipeline({ index: 0, text, schema: "rich", now: "2024-01-01T00:00:00Z", pretty }, { budgetMs: Number.POSITIVE_INFINITY });
}
parentPort!.postMessage({ type: "ready" });
