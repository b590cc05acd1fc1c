/**
 * Adds up the JSON reports of a chunked run (fuzz/long-run.sh): inputs per category, distinct findings with
 * their occurrences over all chunks, time and throughput, and the commits the chunks ran on.
 *
 *   npx tsx fuzz/merge-reports.ts /tmp/segql-fuzz-1m/chunk-*.json
 */
import { readFileSync } from "node:fs";
import type { Category } from "./generate/index.js";
import { countedFindings, formatFinding, formatSummary, type Finding, type RunSummary } from "./report.js";

type ChunkReport = RunSummary & { commit?: string };

const files = process.argv.slice(2);
if (files.length === 0) {
  process.stderr.write("usage: npx tsx fuzz/merge-reports.ts CHUNK.json…\n");
  process.exit(2);
}
const chunks = files.map((f) => JSON.parse(readFileSync(f, "utf8")) as ChunkReport).sort((a, b) => a.start - b.start);
const merged: RunSummary = {
  seed: chunks[0]!.seed, start: chunks[0]!.start, inputs: 0, perCategory: {}, stageMs: {}, seconds: 0, workers: chunks[0]!.workers,
  findings: [], timeLimited: false, aborted: null,
};
const bySignature = new Map<string, Finding>();
for (const c of chunks) {
  merged.inputs += c.inputs;
  merged.seconds += c.seconds;
  for (const [k, n] of Object.entries(c.perCategory)) merged.perCategory[k as Category] = (merged.perCategory[k as Category] ?? 0) + (n ?? 0);
  for (const [k, ms] of Object.entries(c.stageMs)) merged.stageMs[k as keyof RunSummary["stageMs"]] = (merged.stageMs[k as keyof RunSummary["stageMs"]] ?? 0) + (ms ?? 0);
  if (c.aborted) merged.aborted = `${merged.aborted ? `${merged.aborted}; ` : ""}chunk at ${c.start}: ${c.aborted}`;
  for (const f of c.findings) {
    const known = bySignature.get(f.failure.signature);
    if (!known) {
      const copy = { ...f, occurrences: { ...f.occurrences } };
      bySignature.set(f.failure.signature, copy);
      merged.findings.push(copy);
      continue;
    }
    for (const [k, n] of Object.entries(f.occurrences)) known.occurrences[k as Category] = (known.occurrences[k as Category] ?? 0) + (n ?? 0);
    // Keep the smallest confirmed reproducer of the signature.
    if (f.confirmed && (!known.confirmed || f.reproducer.length < known.reproducer.length)) Object.assign(known, { ...f, occurrences: known.occurrences });
  }
}
const expected = chunks.reduce((s, c) => Math.max(s, c.start + c.inputs), 0) - merged.start;
const commits = [...new Set(chunks.map((c) => c.commit ?? "unknown"))];
console.log(`${chunks.length} chunks, inputs #${merged.start}..#${merged.start + expected - 1}, commits: ${commits.join(", ")}`);
if (expected !== merged.inputs) console.log(`note: the chunks cover ${merged.inputs} of ${expected} inputs (a chunk is missing or stopped early)`);
for (const [i, f] of merged.findings.entries()) console.log(`\n${formatFinding(i + 1, f, merged.seed, false)}`);
console.log(formatSummary(merged));
console.log(`counted findings: ${countedFindings(merged.findings).length}`);
