/**
 * Child process of write-back-rotation.test.ts: opens a DuckDB store at argv[2] whose journal is rewritten
 * once argv[4] bytes of it are applied, and upserts contacts four at a time (so records arrive while a
 * batch is applied, and a rewrite has records to keep), printing each acknowledged upsert as a JSON line
 * the moment it is answered. With argv[3] a crash point, it kills itself with SIGKILL at that step of the
 * journal's first rewrite: "copied" (before the new file is synced), "synced" (before the rename),
 * "renamed" (before the directory is synced), "dir-synced" (just after). With "none" it runs until the
 * parent kills it.
 *
 * The points are injected by wrapping node:fs functions and updating the ES module bindings
 * (`syncBuiltinESMExports`), so journal.ts runs unchanged.
 */
import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import { dirname } from "node:path";

const [db, point, rotateBytes] = [process.argv[2]!, process.argv[3]!, Number(process.argv[4])];
const print = (line: unknown) => fs.writeSync(1, `${JSON.stringify(line)}\n`);
let rotating = -1;
let directory = -1;
let pendingNow = () => -1;
const crash = (at: string) => {
  print({ killed: at, pending: pendingNow() });
  process.kill(process.pid, "SIGKILL");
};
const real = { openSync: fs.openSync, fsyncSync: fs.fsyncSync, renameSync: fs.renameSync };
fs.openSync = ((path: fs.PathLike, flags: fs.OpenMode = "r", mode?: fs.Mode | null) => {
  const fd = real.openSync(path, flags, mode);
  if (String(path).endsWith(".segql-journal.rotating")) rotating = fd;
  else if (String(path) === dirname(db)) directory = fd;
  return fd;
}) as typeof fs.openSync;
fs.fsyncSync = ((fd: number) => {
  if (fd === rotating && point === "copied") crash(point);
  real.fsyncSync(fd);
  if (fd === directory && point === "dir-synced") crash(point);
}) as typeof fs.fsyncSync;
fs.renameSync = ((from: fs.PathLike, to: fs.PathLike) => {
  if (String(from).endsWith(".rotating") && point === "synced") crash(point);
  real.renameSync(from, to);
  if (String(from).endsWith(".rotating") && point === "renamed") crash(point);
}) as typeof fs.renameSync;
syncBuiltinESMExports();

const { openStore } = await import("../../src/store/index.js");
const { crmSchema } = await import("./helpers.js");
const store = await openStore({ db, schema: crmSchema, clock: () => Date.parse("2026-01-15T12:00:00Z") });
await store.createSegment({ name: "Big", kind: "dynamic", expression: "ltv > 100" });
const wb = (store as unknown as { writeBack: { drainDelayMs: number; pending: unknown[]; journal: { rotateBytes: number; rotations: number } } }).writeBack;
wb.drainDelayMs = 1;
wb.journal.rotateBytes = rotateBytes;
pendingNow = () => wb.pending.length;
for (let i = 0; i < 20_000; ) {
  await Promise.all(
    [0, 1, 2, 3].map(async () => {
      const key = `c${i}`;
      const ltv = (i * 37) % 250;
      i++;
      const r = await store.upsertContacts([{ id: key, ltv }]);
      print({ key, ltv, changes: r.changes.map((c) => [c.seq, c.segmentId, c.change]), rotations: wb.journal.rotations });
    }),
  );
}
print({ notKilled: true });
process.exit(1);
