/**
 * A stand-in for fuzz/worker.ts that misbehaves on purpose, to test the runner: it speaks the same protocol
 * but its "pipeline" is fake. A text "hang" loops forever, "oom" allocates until the heap limit kills the
 * worker, "depth" answers how deep a recursion gets (as the check stage's time), any text containing "("
 * is a crash; batches generate real inputs and apply the same rules (except hanging).
 */
import { parentPort, workerData } from "node:worker_threads";
import { generateInput, type Category } from "../../fuzz/generate/index.js";
import { STAGES, type Failure, type PipelineResult } from "../../fuzz/pipeline.js";
import { Heartbeat, type BatchReply, type Job } from "../../fuzz/protocol.js";
import { recursionDepth } from "./recursion-depth.js";

const heartbeat = new Heartbeat((workerData as { heartbeat: SharedArrayBuffer }).heartbeat);

function fakePipeline(text: string): PipelineResult {
  heartbeat.stage(STAGES.indexOf("check"));
  if (text === "depth") return { failures: [], stageMs: { check: recursionDepth() }, syntaxOk: true };
  if (text === "hang") for (;;);
  if (text === "oom") {
    const hoard: number[][] = [];
    // Many small allocations: V8 then stops the worker at its limit. (One allocation bigger than what is
    // left can end the whole process instead: a V8 limit the fuzzer cannot catch in a thread.)
    for (;;) hoard.push(new Array<number>(100_000).fill(1.5));
  }
  const failures: Failure[] = text.includes("(")
    ? [{ kind: "crash", stage: "check", message: "TypeError: fake", detail: "", signature: "crash | check | TypeError: fake" }]
    : [];
  return { failures, stageMs: { check: 0 }, syntaxOk: true };
}

parentPort!.on("message", (job: Job) => {
  if (job.type === "text") {
    heartbeat.input(job.input.index, job.input.text.length);
    const result = fakePipeline(job.input.text);
    heartbeat.idle();
    parentPort!.postMessage({ type: "text", id: job.id, result });
    return;
  }
  const reply: BatchReply = { type: "batch", id: job.id, perCategory: {}, stageMs: {}, found: [], occurrences: {} };
  for (let index = job.start; index < job.start + job.count; index++) {
    const input = generateInput(job.seed, index, job.category);
    const c: Category = input.category;
    reply.perCategory[c] = (reply.perCategory[c] ?? 0) + 1;
    heartbeat.input(index, input.text.length);
    for (const failure of input.text === "hang" ? [] : fakePipeline(input.text).failures) {
      const per = (reply.occurrences[failure.signature] ??= {});
      if (!per[c] && !reply.found.some((f) => f.failure.signature === failure.signature)) reply.found.push({ failure, input });
      per[c] = (per[c] ?? 0) + 1;
    }
  }
  heartbeat.idle();
  parentPort!.postMessage(reply);
});
parentPort!.postMessage({ type: "ready" });
