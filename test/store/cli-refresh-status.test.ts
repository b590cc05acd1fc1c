/**
 * The CLI says when a saved segment's last refresh failed: `segments show` (when, why, since when its
 * members date, how to try again), `segments list` marks it and `--failed` lists only those.
 */
import { join } from "node:path";
import { expect, it } from "vitest";
import { openStore } from "../../src/store/index.js";
import { segql, tempDir } from "../cli/helpers.js";
import { crmSchema } from "./helpers.js";

const tmp = tempDir();

it("segments show, list and list --failed say that the last refresh failed, when and why", async () => {
  const db = join(tmp.dir, "crm.duckdb");
  const store = await openStore({ db, schema: crmSchema });
  try {
    await store.upsertContacts([{ id: "a", plan: "Pro", ltv: 500 }]);
    await store.createSegment({ name: "Pro", kind: "dynamic", expression: 'plan = "Pro"' });
    await store.createSegment({ name: "Whales", kind: "dynamic", expression: "ltv > 100" });
    await store.createSegment({ name: "Paying whales", kind: "dynamic", expression: 'in segment "Pro" and in segment "Whales"' });
    await store.deleteSegment(1, { force: true });
  } finally {
    await store.close();
  }
  const refreshed = await segql(["segments", "refresh", "--db", db]);
  expect(refreshed.stdout).toMatch(/^#3 Paying whales: skipped \(its expression has errors: unknown segment "Pro"\)$/m);

  const shown = await segql(["segments", "show", "Paying whales", "--db", db]);
  const seg = JSON.parse((await segql(["segments", "show", "3", "--db", db, "--json"])).stdout);
  expect(seg.refresh).toMatchObject({ status: "failed", error: { code: "invalid-expression" } });
  expect(shown.stdout).toContain(`  last refresh failed ${seg.refresh.triedAt}: its expression has errors: unknown segment "Pro"; its members are as of ${seg.refreshedAt} (refreshes skip it until the problem below is fixed)`);

  const failed = await segql(["segments", "list", "--failed", "--db", db]);
  expect(failed.stdout.split("\n").map((l) => l.split("  ")[1])).toEqual(["Paying whales"]);
  const all = await segql(["segments", "list", "--db", db]);
  expect(all.stdout.split("\n")).toHaveLength(2);
});
