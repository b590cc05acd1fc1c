import fc from "fast-check";
import { exprArb, richSchema, NOW_POOL, segmentFileText } from "../test/helpers/generators.js";
import { parse } from "../src/parser/index.js";
import { check } from "../src/checker/index.js";
import { format, sameDocument } from "../src/parser/format.js";
import { compilePredicate, compileSql, DIALECT_NAMES } from "../src/index.js";
const arb = exprArb(richSchema, NOW_POOL[0]!, { depth: 3, segments: ["Paying", "VIP"] });
const texts = fc.sample(arb, { seed: 1, numRuns: 500 }).map((t) => segmentFileText(t));
const T: Record<string, number> = {};
const time = <X>(k: string, f: () => X): X => { const t = performance.now(); try { return f(); } finally { T[k] = (T[k] ?? 0) + performance.now() - t; } };
let errs = 0;
for (const text of texts) {
  const p = time("parse", () => parse(text));
  const c = time("check", () => check(p.document, richSchema));
  if (c.diagnostics.some(d => d.severity === "error")) errs++;
  const f = time("format", () => format(p.document));
  time("reparse", () => sameDocument(parse(f).document, p.document));
  for (const s of c.segments.slice(-1)) {
    time("pred", () => { compilePredicate(s, { mode: "codegen", now: NOW_POOL[0] }); compilePredicate(s, { mode: "closure", now: NOW_POOL[0] }); });
    for (const d of DIALECT_NAMES) {
      time("sql", () => { try { compileSql(s, { dialect: d, pretty: false }); compileSql(s, { dialect: d, pretty: false, params: true, now: NOW_POOL[0] }); } catch (e) { if ((e as Error).name !== "SqlCompileError") throw e; } });
    }
    time("pretty", () => compileSql(s, { dialect: "postgres" }));
  }
}
console.log(errs, Object.fromEntries(Object.entries(T).map(([k, v]) => [k, (v / texts.length).toFixed(3)])));
