/**
 * Values as spreadsheets write them get a refusal that says how to write them: an enum value off only by
 * case or spaces names the value meant; a number with a comma says to drop thousands separators and use a
 * decimal point; a date or timestamp written day/month/year (12/1/2010 8:26) says to write the year first.
 * Other refusals are as before.
 */
import { describe, expect, it } from "vitest";
import { segql, tempDir } from "../cli/helpers.js";

const tmp = tempDir();
const schema = tmp.file(
  "schema.json",
  JSON.stringify({ table: "contacts", key: "id", fields: { id: { type: "string" }, plan: { type: "enum", values: ["Free", "Pro"] }, ltv: { type: "number" }, birthday: { type: "date" }, seen_at: { type: "timestamp" } } }),
);

describe("segql import: how to write a refused value", { timeout: 60_000 }, () => {
  it("says the value meant, the number's form, the date's order", async () => {
    const file = tmp.file("sheet.csv", 'id,plan,ltv,birthday,seen_at\na,pro,"1,234.50",01/02/2024,12/1/2010 8:26\nb, Pro ,"1,5",,\nc,Gold,1.5.3,2024-02-30,\n');
    const r = await segql(["import", "contacts", file, "--db", `${tmp.dir}/crm.duckdb`, "--schema", schema]);
    expect(r.code).toBe(1);
    const comma = "(a comma in a number: write it with no thousands separator and a decimal point, such as 1234.5)";
    const order = "(write the year first, as ISO 8601 does: in a date such as 01/02/2024 the month may be either number)";
    expect(r.stderr.split("\n").slice(1, -1)).toEqual([
      `  ${file}:2: field "plan": expected one of "Free", "Pro", found "pro" (did you mean "Pro"? values match exactly, case and spaces too)`,
      `  ${file}:2: field "ltv": expected a number, found "1,234.50" ${comma}`,
      `  ${file}:2: field "birthday": expected a date such as 2024-01-31, found "01/02/2024" ${order}`,
      `  ${file}:2: field "seen_at": expected a timestamp such as 2024-01-31T10:00:00Z, found "12/1/2010 8:26" ${order}`,
      `  ${file}:3: field "plan": expected one of "Free", "Pro", found " Pro " (did you mean "Pro"? values match exactly, case and spaces too)`,
      `  ${file}:3: field "ltv": expected a number, found "1,5" ${comma}`,
      `  ${file}:4: field "plan": expected one of "Free", "Pro", found "Gold"`,
      `  ${file}:4: field "ltv": expected a number, found "1.5.3"`,
      `  ${file}:4: field "birthday": expected a date such as 2024-01-31, found "2024-02-30"`,
    ]);
  });
});
