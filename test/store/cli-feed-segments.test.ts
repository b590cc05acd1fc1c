/**
 * `segql segments changes --include segments` prints the feed's lifecycle items (a segment created,
 * edited, deleted, restored: the API's `include=segments`) with the membership changes; `refresh,segments`
 * asks for both, as the API's comma-separated `include`; a wrong value among them is a usage error.
 */
import { join } from "node:path";
import { expect, it } from "vitest";
import { openStore } from "../../src/store/index.js";
import { segql, tempDir } from "../cli/helpers.js";
import { crmSchema } from "./helpers.js";

const tmp = tempDir();

it("segments changes --include segments prints a memberless segment's creation and deletion by name; without it, nothing of them", async () => {
  const db = join(tmp.dir, "lifecycle.duckdb");
  const store = await openStore({ db, schema: crmSchema });
  try {
    await store.upsertContacts([{ id: "a", plan: "Pro", ltv: 500 }]);
    await store.createSegment({ name: "Nobody", kind: "dynamic", expression: 'plan = "Team"' });
    await store.deleteSegment(1);
  } finally {
    await store.close();
  }
  const plain = await segql(["segments", "changes", "--db", db]);
  expect(plain.code).toBe(0);
  expect(plain.stdout).not.toContain("Nobody");
  const text = await segql(["segments", "changes", "--include", "segments", "--db", db]);
  expect(text.code).toBe(0);
  const rows = text.stdout.split("\n").filter((l) => l.includes("\t")).map((l) => l.split("\t").slice(2));
  expect(rows).toEqual([
    ["#1", "segment-created", "Nobody"],
    ["#1", "segment-deleted", "Nobody"],
  ]);
  const both = await segql(["segments", "changes", "--include", "refresh, segments", "--json", "--db", db]);
  expect(both.code).toBe(0);
  expect(JSON.parse(both.stdout).items.map((i: { change: string }) => i.change)).toEqual(["segment-created", "segment-deleted"]);
});

it("a wrong value among comma-separated --include values is a usage error naming it", async () => {
  const wrong = await segql(["segments", "changes", "--include", "refresh,segmnts", "--db", join(tmp.dir, "lifecycle.duckdb")]);
  expect(wrong.code).toBe(2);
  expect(wrong.stderr).toContain("--include: expected 'refresh' or 'segments', found 'segmnts'; did you mean 'segments'?");
  const help = await segql(["segments", "--help"]);
  expect(help.stdout).toContain("--include segments: also segments created, edited");
});
