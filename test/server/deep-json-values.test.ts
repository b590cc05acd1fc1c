/**
 * A JSON value nested thousands of levels deep (an event's properties) is refused as bad input naming
 * where, not an internal error: the store writes it with JSON.stringify, which recursed out of stack (a
 * 500 over HTTP; `segql import events` exited 3). Nesting up to the limit (128 levels) is stored and read
 * back as sent. Contacts' fields take no nested values, so they were refused already. A long array (500,000
 * items) is stored: the check's walk spread it into one call's arguments, out of stack too.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { schemaToJson } from "../../src/store/schema-json.js";
import { segql, tempDir } from "../cli/helpers.js";
import { crmSchema } from "../store/helpers.js";
import { BACKENDS, expectProblem, openTestApi } from "./helpers.js";

/** `{"deep": [[…]]}` with `levels` arrays inside each other, built without recursion. */
function nested(levels: number): unknown {
  let v: unknown = [];
  for (let i = 1; i < levels; i++) v = [v];
  return v;
}
const event = (properties: unknown) => ({ contact_id: "c1", event: "Purchase", occurred_at: "2025-01-01T00:00:00Z", properties });
const MESSAGE = "arrays and objects are nested more than 128 levels deep in it; store a flatter value";

describe.each(BACKENDS)("a deeply nested event property over HTTP on %s", (backend) => {
  it("5,000 levels: 422 naming the event's properties, nothing written; 127 levels: stored and read back", async () => {
    const api = await openTestApi(backend);
    try {
      expect((await api.call("POST", "/api/contacts", { json: { contacts: [{ id: "c1" }] } })).status).toBe(200);
      // Sent as text: JSON.stringify itself cannot write such a value.
      for (const deep of ["[".repeat(5000) + "]".repeat(5000), '{"a":'.repeat(5000) + "1" + "}".repeat(5000)]) {
        const raw = JSON.stringify({ events: [event({ deep: "DEEP" })] }).replace('"DEEP"', deep);
        const p = expectProblem(await api.call("POST", "/api/events", { raw, headers: { "content-type": "application/json" } }), 422, "invalid-input");
        expect(p.problems).toEqual([expect.objectContaining({ path: "events[0].properties", message: MESSAGE })]);
      }
      expect((await api.call("GET", "/api/health")).body.events).toBe(0);
      const fine = nested(127);
      expect((await api.call("POST", "/api/events", { json: { events: [event({ deep: fine })] } })).status).toBe(200);
      expect((await api.call("GET", "/api/contacts/c1/events")).body.items[0].properties.deep).toEqual(fine);
    } finally {
      await api.dispose();
    }
  });
});

describe("a long array in an event property over HTTP", () => {
  it("500,000 items are stored (their walk spread them into one call's arguments: a 500 before)", async () => {
    const api = await openTestApi("duckdb");
    try {
      expect((await api.call("POST", "/api/contacts", { json: { contacts: [{ id: "c1" }] } })).status).toBe(200);
      const long = Array.from({ length: 500_000 }, (_, i) => i % 10);
      expect((await api.call("POST", "/api/events", { json: { events: [event({ long })] } })).status).toBe(200);
      expect((await api.call("GET", "/api/contacts/c1/events")).body.items[0].properties.long).toHaveLength(500_000);
    } finally {
      await api.dispose();
    }
  });
});

describe("a deeply nested event property in segql import events", () => {
  const tmp = tempDir();
  it("is a bad row at its line (exit 1, nothing imported), not an internal error (exit 3)", { timeout: 60_000 }, async () => {
    const db = join(tmp.dir, "crm.duckdb");
    const schema = tmp.file("schema.json", JSON.stringify(schemaToJson(crmSchema)));
    expect((await segql(["import", "contacts", tmp.file("c.jsonl", '{"id":"c1"}\n'), "--db", db, "--schema", schema])).code).toBe(0);
    const file = join(tmp.dir, "events.jsonl");
    writeFileSync(file, `${JSON.stringify(event({ a: 1 }))}\n${'{"contact_id":"c1","event":"Purchase","occurred_at":"2025-01-02T00:00:00Z","properties":{"deep":' + "[".repeat(5000) + "]".repeat(5000) + "}}"}\n`);
    const r = await segql(["import", "events", file, "--db", db]);
    expect(r).toMatchObject({ code: 1, stdout: "" });
    expect(r.stderr.split("\n")[0]).toBe(`error: ${file}:2: field "properties": ${MESSAGE}`);
  });
});
