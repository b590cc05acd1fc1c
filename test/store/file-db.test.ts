/**
 * A DuckDB file: what is saved survives reopening; the schema is kept in the database (another one is
 * refused); a database from a newer segql is refused; a file held by another process is a clear error.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, describe, expect, it } from "vitest";
import { parseSchema } from "../../src/schema/schema.js";
import { DatabaseInUseError, InvalidInputError, NewerDatabaseError, openStore, SchemaMismatchError } from "../../src/store/index.js";
import { crmSchema, rejection } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "segql-file-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));


describe("a DuckDB file store", { timeout: 60_000 }, () => {
  const db = join(dir, "crm.duckdb");

  it("keeps segments, members, versions and the change log across reopening, with its own schema", async () => {
    const a = await openStore({ db, schema: crmSchema });
    await a.upsertContacts([{ id: "x", ltv: 5000 }, { id: "y", ltv: 1 }]);
    const s = await a.createSegment({ name: "Rich", kind: "dynamic", expression: "ltv > 100" }, { by: "me" });
    await a.updateSegment(s.id, { description: "more than 100" });
    await a.close();
    const b = await openStore({ db });
    expect(b.schema.fields["ltv"]!.type).toBe("number");
    expect(await b.getSegment(s.id)).toMatchObject({ version: 2, memberCount: 1, description: "more than 100", createdBy: "me" });
    expect((await b.changes()).items.map((c) => c.key)).toEqual(["x"]);
    await b.upsertContacts([{ id: "y", ltv: 500 }]);
    expect((await b.members(s.id)).total).toBe(2);
    await b.close();
  });

  it("refuses another schema, a missing schema for a new file, and a newer store format", async () => {
    const other = parseSchema(JSON.stringify({ table: "contacts", key: "id", fields: { id: { type: "string" }, ltv: { type: "string" } } }));
    const e = await rejection(openStore({ db, schema: other }));
    expect(e).toBeInstanceOf(SchemaMismatchError);
    expect(e.message).toContain("fields.ltv.type");
    expect(await rejection(openStore({ db: join(dir, "new.duckdb") }))).toBeInstanceOf(InvalidInputError);
    const newer = join(dir, "newer.duckdb");
    await (await openStore({ db: newer, schema: crmSchema })).close();
    const instance = await DuckDBInstance.create(newer);
    const con = await instance.connect();
    await con.run("UPDATE segql_meta SET value = '99' WHERE key = 'format'");
    con.closeSync();
    instance.closeSync();
    const n = await rejection(openStore({ db: newer }));
    expect(n).toBeInstanceOf(NewerDatabaseError);
    expect(n.message).toContain("upgrade segql");
  });

  it("a file held open by another process is DatabaseInUseError, not a stack", async () => {
    const held = join(dir, "held.duckdb");
    await (await openStore({ db: held, schema: crmSchema })).close();
    // The holder keeps its instance referenced: an unreferenced one may be collected, which releases the lock.
    const child = spawn(process.execPath, ["-e", `import("@duckdb/node-api").then(async (m) => { globalThis.holder = await m.DuckDBInstance.create(${JSON.stringify(held)}); console.log("open"); setInterval(() => {}, 1000); })`], { cwd: process.cwd(), stdio: ["ignore", "pipe", "inherit"] });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on("data", (d: Buffer) => (d.toString().includes("open") ? resolve() : undefined));
        child.on("exit", (code) => reject(new Error(`holder exited ${code}`)));
      });
      const e = await rejection(openStore({ db: held }));
      expect(e).toBeInstanceOf(DatabaseInUseError);
      expect(e.message).toBe(`${held} is in use by another process (a running 'segql serve'?); use the API or stop it`);
    } finally {
      child.kill("SIGKILL");
    }
  });
});
