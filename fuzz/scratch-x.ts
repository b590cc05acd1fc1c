import { parse } from "../src/parser/index.js";
import { format } from "../src/parser/format.js";
for (const n of [106, 150, 199, 250, 1000]) { try { const r = parse("(".repeat(n) + "churn"); console.log(n, r.diagnostics.map(d => d.code)); } catch (e) { console.log(n, String(e)); } }
try { const r = parse(Array.from({length: 150000}, () => "a = 1").join(" or ")); console.log(r.diagnostics.length); const t = performance.now(); format(r.document); console.log("fmt ok", performance.now() - t); } catch (e) { console.log("fmt", String(e)); }
