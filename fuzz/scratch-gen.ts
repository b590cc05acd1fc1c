import { generateInput, CATEGORIES } from "./generate/index.js";
import { runPipeline } from "./pipeline.js";
for (const c of CATEGORIES) {
  let t = performance.now(); let len = 0; let tp = 0; const st: Record<string, number> = {};
  let maxT = 0, maxI = -1;
  for (let i = 0; i < 100; i++) {
    const t0 = performance.now();
    const inp = generateInput(1, i, c); len += inp.text.length;
    const t1 = performance.now();
    const r = runPipeline(inp, { budgetMs: 1e9 });
    const t2 = performance.now();
    tp += t2 - t1;
    if (t2 - t0 > maxT) { maxT = t2 - t0; maxI = i; }
    for (const [k, v] of Object.entries(r.stageMs)) st[k] = (st[k] ?? 0) + v!;
    if (r.failures.length) console.log(c, i, r.failures.map(f => f.signature));
  }
  console.log(c, "total ms/input", ((performance.now() - t) / 100).toFixed(2), "pipeline", (tp / 100).toFixed(2), "avg len", Math.round(len / 100), "max", maxT.toFixed(0), maxI, Object.fromEntries(Object.entries(st).map(([k, v]) => [k, (v / 100).toFixed(2)])));
}
