/**
 * DuckDB reads run side by side: a slow read (a preview whose wide `or` DuckDB takes long to plan) does not
 * hold up a cheap one started after it, as it did when every read queued for one connection.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/index.js";
import { crmSchema } from "./helpers.js";
import { wideOr } from "./wide-or.js";

const dir = mkdtempSync(join(tmpdir(), "segql-reads-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("reads on a DuckDB file", { timeout: 120_000 }, () => {
  it("a cheap read started while a slow preview runs finishes before it", async () => {
    const store = await openStore({ db: join(dir, "reads.duckdb"), schema: crmSchema });
    try {
      await store.upsertContacts(Array.from({ length: 3000 }, (_, i) => ({ id: `c${i}`, name: `n${i}`, ltv: i % 700 })));
      await store.createSegment({ name: "Rich", kind: "dynamic", expression: "ltv > 600" }, { by: "test" });
      const finished: string[] = [];
      const slow = store.preview(wideOr(600)).then((p) => {
        finished.push("preview");
        return p;
      });
      // Started after the preview has its connection (the read is taken in the same tick as the call).
      const list = await store.listSegments();
      finished.push("list");
      expect(list.items.map((s) => s.name)).toEqual(["Rich"]);
      expect((await slow).count).toBeGreaterThan(0);
      expect(finished).toEqual(["list", "preview"]);
    } finally {
      await store.close();
    }
  });
});
