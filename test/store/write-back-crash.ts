/**
 * Child process of write-back.test.ts: opens a DuckDB store at argv[2], makes its segments, upserts
 * argv[3] contacts (each acknowledged from the journal), prints what was acknowledged as one JSON line,
 * and kills itself with SIGKILL before the journal is applied to the database.
 */
import { openStore } from "../../src/store/index.js";
import { crmSchema } from "./helpers.js";

const [db, count] = [process.argv[2]!, Number(process.argv[3])];
const store = await openStore({ db, schema: crmSchema, clock: () => Date.parse("2026-01-15T12:00:00Z") });
await store.createSegment({ name: "Big", kind: "dynamic", expression: "ltv > 100" });
await store.createSegment({ name: "Pro", kind: "dynamic", expression: 'plan = "Pro" or ltv between 1 and 50' });
(store as unknown as { writeBack: { drainDelayMs: number } }).writeBack.drainDelayMs = 60_000;
const acked = [];
for (let i = 0; i < count; i++) {
  const ltv = i % 2 === 0 ? 500 + i : 10 + i;
  const r = await store.upsertContacts([{ id: `c${i}`, ltv, plan: i % 3 === 0 ? "Pro" : "Free" }]);
  acked.push({ key: `c${i}`, ltv, changes: r.changes });
}
process.stdout.write(`${JSON.stringify(acked)}\n`, () => process.kill(process.pid, "SIGKILL"));
