/**
 * `segql segments changes --include refresh` prints the feed's refresh-status items (a segment's refresh
 * failing, or working again) with the membership changes, in text and `--json`, as the API's
 * `include=refresh` does; a wrong value is a usage error with the nearest one. `segments list --failed`
 * and `show` say both kinds of failure (a refresh past the time limit, an expression with errors) and what
 * to do about each.
 */
import { join } from "node:path";
import { expect, it } from "vitest";
import { openStore } from "../../src/store/index.js";
import { segql, tempDir } from "../cli/helpers.js";
import { crmSchema } from "./helpers.js";
import { wideOr } from "./wide-or.js";

const tmp = tempDir();

/**
 * A DuckDB file with "Pro" (deleted with force: "Whales", reading it, cannot refresh) and "Wide", whose
 * refresh ran past a 5 ms limit (seeded with none, as test/store/seeded-store.ts does): both failed, one
 * for each reason.
 */
async function failedBothWays(): Promise<string> {
  const db = join(tmp.dir, "failed.duckdb");
  const seeding = await openStore({ db, schema: crmSchema, queryTimeoutMs: 0 });
  try {
    await seeding.upsertContacts(Array.from({ length: 3000 }, (_, i) => ({ id: `c${i}`, name: `n${i}`, ltv: i % 700, plan: i < 2 ? "Pro" : "Free" })));
    await seeding.createSegment({ name: "Pro", kind: "dynamic", expression: 'plan = "Pro"' });
    await seeding.createSegment({ name: "Whales", kind: "dynamic", expression: 'in segment "Pro" and ltv > 0' });
    await seeding.createSegment({ name: "Wide", kind: "dynamic", expression: wideOr(300) });
    await seeding.deleteSegment(1, { force: true });
  } finally {
    await seeding.close();
  }
  const limited = await openStore({ db, queryTimeoutMs: 5 });
  try {
    await limited.refresh();
    expect((await limited.listSegments({ refresh: "failed" })).items.map((s) => [s.name, s.refresh?.status === "failed" && s.refresh.error.code])).toEqual([
      ["Whales", "invalid-expression"],
      ["Wide", "query-timeout"],
    ]);
  } finally {
    await limited.close();
  }
  return db;
}

it("segments changes --include refresh prints refresh failures and recoveries with the membership changes; without it, membership changes only", async () => {
  const db = join(tmp.dir, "feed.duckdb");
  const store = await openStore({ db, schema: crmSchema });
  try {
    await store.upsertContacts([{ id: "a", plan: "Pro", ltv: 500 }]);
    await store.createSegment({ name: "Pro", kind: "dynamic", expression: 'plan = "Pro"' });
    await store.createSegment({ name: "Whales", kind: "dynamic", expression: 'in segment "Pro" and ltv > 100' });
    await store.deleteSegment(1, { force: true });
    await store.refresh();
    await store.restoreSegment(1);
  } finally {
    await store.close();
  }
  const plain = await segql(["segments", "changes", "--db", db]);
  expect(plain.code).toBe(0);
  expect(plain.stdout).not.toMatch(/refresh-/);
  const text = await segql(["segments", "changes", "--include", "refresh", "--db", db]);
  expect(text.code).toBe(0);
  const lines = text.stdout.split("\n");
  expect(lines.slice(0, -1).map((l) => l.split("\t").slice(2))).toEqual([
    ["#1", "entered", "a"],
    ["#2", "entered", "a"],
    ["#1", "exited", "a"],
    ["#2", "refresh-failed", '(invalid-expression: its expression has errors: unknown segment "Pro")'],
    ["#1", "entered", "a"],
    ["#2", "refresh-ok", "(refreshed again)"],
  ]);
  expect(lines[lines.length - 1]).toBe(`next: --since ${lines[lines.length - 2]!.split("\t")[0]}`);
  const json = JSON.parse((await segql(["segments", "changes", "--include", "refresh", "--segment", "Whales", "--json", "--db", db])).stdout);
  expect(json.items.map((i: { change: string }) => i.change)).toEqual(["entered", "refresh-failed", "refresh-ok"]);
  expect(json.items[1]).toMatchObject({ segmentId: 2, refresh: { status: "failed", error: { code: "invalid-expression" } } });
  expect(json.items[1]).not.toHaveProperty("key");
});

it("a wrong --include is a usage error naming the flag and the nearest value; --help says it", async () => {
  const wrong = await segql(["segments", "changes", "--include", "refresch", "--db", join(tmp.dir, "feed.duckdb")]);
  expect(wrong.code).toBe(2);
  expect(wrong.stderr).toContain("--include: expected 'refresh' or 'segments', found 'refresch'; did you mean 'refresh'?");
  const help = await segql(["segments", "--help"]);
  expect(help.stdout).toMatch(/changes \[--since SEQ\] \[--segment SEGMENT\] \[--limit N\] \[--include refresh\]/);
  expect(help.stdout).toContain("--include refresh: also each segment's refresh failing");
});

it("segments list --failed and show say each kind of failure and what to do about it, in text and --json", async () => {
  const db = await failedBothWays();
  const run = async (...args: string[]) => {
    const r = await segql(["segments", ...args, "--db", db]);
    expect(r.code).toBe(0);
    return r.stdout;
  };
  const [whales, wide] = JSON.parse(await run("list", "--failed", "--json")) as { name: string; refresh: { triedAt: string }; refreshedAt: string }[];
  expect([whales!.name, wide!.name]).toEqual(["Whales", "Wide"]);

  // The list: the broken one says its problem (why its refresh fails), the slow one that it failed, when and why.
  const listed = (await run("list", "--failed")).split("\n");
  expect(listed[0]).toBe('#2  Whales  [dynamic, v1, 1 member]  in segment "Pro" and ltv > 0  (broken: unknown segment "Pro")');
  expect(listed[1]).toMatch(new RegExp(`^#3  Wide  \\[dynamic, v1, 1,100 members\\]  ltv = 0 .*  \\(last refresh failed ${wide!.refresh.triedAt}: it took longer than the query time limit \\(5 ms\\) and was stopped\\)$`));
  expect(await run("list", "--failed", "--kind", "static")).toBe("no segments whose last refresh failed");

  // show: a refresh again does not help the broken one (it is skipped until fixed); the slow one's runs
  // here with no time limit, and what else helps.
  expect(await run("show", "Whales")).toContain(
    `  last refresh failed ${whales!.refresh.triedAt}: its expression has errors: unknown segment "Pro"; its members are as of ${whales!.refreshedAt} (refreshes skip it until the problem below is fixed)\n  problem: unknown segment "Pro"`,
  );
  expect(await run("show", "Wide")).toContain(
    `  last refresh failed ${wide!.refresh.triedAt}: it took longer than the query time limit (5 ms) and was stopped; its members are as of ${wide!.refreshedAt} (segql segments refresh 3 runs it with no time limit; or simplify its expression, or raise segql serve --query-timeout)`,
  );
  expect(JSON.parse(await run("show", "Wide", "--json")).refresh).toEqual({
    status: "failed",
    triedAt: wide!.refresh.triedAt,
    error: { code: "query-timeout", message: "it took longer than the query time limit (5 ms) and was stopped", limitMs: 5 },
  });
});
