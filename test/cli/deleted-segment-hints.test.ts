/**
 * `segql segments show|edit|members|delete 12` for a segment in the trash says it is in Recently deleted
 * (since when) and the command that restores it, instead of "no segment #12"; `--json` carries `deleted`.
 * A name that was never a segment keeps the plain message.
 */
import { describe, expect, it } from "vitest";
import { segql, tempDir } from "./helpers.js";

const tmp = tempDir();
const schema = tmp.file("schema.json", JSON.stringify({ table: "contacts", key: "id", fields: { id: { type: "string" }, ltv: { type: "number" } } }));
const contacts = tmp.file("contacts.csv", "id,ltv\na,1200\nb,10\n");

describe("segql segments on a deleted segment", { timeout: 60_000 }, () => {
  const db = `${tmp.dir}/crm.duckdb`;
  const run = (...args: string[]) => segql([...args, "--db", db]);

  it("says it is in Recently deleted and how to restore it", async () => {
    expect((await run("import", "contacts", contacts, "--schema", schema)).code).toBe(0);
    const id = JSON.parse((await run("segments", "create", "VIP", "ltv > 100", "--json")).stdout).id as number;
    expect((await run("segments", "delete", `${id}`)).code).toBe(0);
    const deletedAt = JSON.parse((await run("segments", "deleted", "--json")).stdout)[0].deletedAt as string;
    const said = `error: segment #${id} "VIP" is in Recently deleted (deleted ${deletedAt}); restore it with: segql segments restore ${id}`;
    for (const args of [["show", `${id}`], ["show", `#${id}`], ["show", "vip"], ["members", `${id}`], ["edit", `${id}`, "--description", "x"], ["delete", `${id}`]]) {
      expect({ args, ...(await run("segments", ...args)) }).toEqual({ args, code: 1, stdout: "", stderr: said });
    }
    const json = await run("segments", "show", `${id}`, "--json");
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({ error: "not-found", message: `segment #${id} "VIP" is in Recently deleted (deleted ${deletedAt})`, deleted: { id, name: "VIP", deletedAt } });
    expect(await run("segments", "show", "Nobody")).toEqual({ code: 1, stdout: "", stderr: 'error: no segment "Nobody"' });
  });
});
