/**
 * An imported event equal to a stored one is a duplicate whatever the order of its properties' keys or
 * their spacing: the properties are compared as values on every backend (DuckDB keeps JSON as the text
 * written; PostgreSQL's jsonb compares values), and `skipDuplicates` leaves such an event out.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BACKENDS, openTestStore } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "segql-dup-events-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const event = (props: string) => `{"contact_id": "a", "event": "purchase", "occurred_at": "2024-02-01T10:00:00Z", "properties": ${props}}`;

describe.each(BACKENDS)("duplicate events on %s", (backend) => {
  it("are found with their properties in another key order (nested too) or spacing, and left out with skipDuplicates", async () => {
    const { store, dispose } = await openTestStore(backend);
    try {
      await store.upsertContacts([{ id: "a", name: "Ann" }]);
      const first = file(`first-${backend}.jsonl`, event('{"amount": 20, "sku": "X1", "gift": {"wrap": true, "note": "hi"}}'));
      expect(await store.importEvents(first)).toMatchObject({ inserted: 1, duplicates: 0 });
      const reordered = file(`again-${backend}.jsonl`, [event('{"gift": {"note": "hi", "wrap": true}, "sku": "X1", "amount": 20}'), event('{"sku":"X1","amount":20.0,"gift":{"note":"hi","wrap":true}}'), event('{"amount": 21, "sku": "X1", "gift": {"wrap": true, "note": "hi"}}')].join("\n"));
      expect(await store.importEvents(reordered, { skipDuplicates: true })).toMatchObject({ rows: 3, inserted: 1, duplicates: 2 });
      expect((await store.contactEvents("a")).total).toBe(2);
      // Without skipDuplicates they are counted and appended.
      expect(await store.importEvents(reordered)).toMatchObject({ rows: 3, inserted: 3, duplicates: 3 });
      expect((await store.contactEvents("a")).total).toBe(5);
    } finally {
      await dispose();
    }
  });
});
