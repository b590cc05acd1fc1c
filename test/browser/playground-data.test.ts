/**
 * The playground's data in real headless Chromium: the Online Retail demo (contacts and events) counts
 * what `segql eval --events` counts; the generated 100,000 contacts count what the library counts on the
 * same generated data; a dropped CSV file loads (schema inferred by the library's `inferSchema`, or dropped
 * with it) and counts what the
 * CLI counts on that file; bad files get errors naming the line and the field. Nothing leaves the page.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import type { PreviewServer } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compilePredicate } from "../../src/compiler/predicate/index.js";
import { loadContacts, loadEventsByKey, type LoadedContact } from "../../src/data/index.js";
import { checkExpression } from "../../src/index.js";
import { readSchemaFile } from "../../src/schema/read-schema-file.js";
import type { Schema } from "../../src/schema/schema.js";
import { generateContacts } from "../../playground/src/worker/generate.js";
import { segql } from "../cli/helpers.js";
import { datasetFile } from "../helpers/datasets.js";
import { countFor, ensureBuild, hasChromium, openBrowserSession, openPlayground, screenshot, skipReason, startPreview, typeInEditor } from "./harness.js";

/** Drops files on the data panel, as a drag from the desktop does. */
async function drop(page: Page, files: { name: string; text: string }[]): Promise<void> {
  await page.evaluate((list) => {
    const dt = new DataTransfer();
    for (const f of list) dt.items.add(new File([f.text], f.name));
    const target = document.querySelector("[data-testid=data-panel]")!;
    target.dispatchEvent(new DragEvent("dragover", { dataTransfer: dt, bubbles: true, cancelable: true }));
    target.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, files);
}

/** CSV text of contacts: a header, then one row per contact (lists as JSON arrays, instants as ISO). */
function toCsv(rows: LoadedContact[], columns: string[]): string {
  const cell = (v: unknown): string => {
    if (v === null || v === undefined) return "";
    const text = v instanceof Date ? v.toISOString() : Array.isArray(v) ? JSON.stringify(v) : String(v);
    return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return [columns.join(","), ...rows.map((r) => columns.map((c) => cell(r[c])).join(","))].join("\n") + "\n";
}

describe.skipIf(!hasChromium)(`playground data (Chromium) ${hasChromium ? "" : skipReason}`, () => {
  let server: PreviewServer;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let external: string[];
  let page: Page;
  let errors: string[];
  let telco: Schema;
  let telcoContacts: LoadedContact[];
  const dir = mkdtempSync(join(tmpdir(), "segql-playground-data-"));

  beforeAll(async () => {
    telco = readSchemaFile(datasetFile("telco/schema.json"));
    telcoContacts = await loadContacts(datasetFile("telco/contacts.jsonl"), telco);
    await ensureBuild();
    ({ server, url: base } = await startPreview());
    ({ browser, context, external, page, errors } = await openBrowserSession(base));
    await openPlayground(page, base);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("Online Retail: contacts and events, counting what segql eval --events counts", async () => {
    await page.getByTestId("dataset").selectOption("retail");
    await page.getByTestId("data-info").filter({ hasText: "95,880 events" }).waitFor({ timeout: 60_000 });
    // The CLI on the example; the same loaders and predicate, in-process, on a few more.
    const example = await page.locator(".cm-content").innerText();
    const r = await segql(["eval", "--schema", datasetFile("online-retail/schema.json"), "--data", datasetFile("online-retail/contacts.jsonl"), "--events", datasetFile("online-retail/events.jsonl"), "--now", "2011-12-10T00:00:00Z", "--count", example]);
    expect(r.code).toBe(0);
    expect(await countFor(page, example)).toBe(Number(r.stdout.trim()));
    const schema = readSchemaFile(datasetFile("online-retail/schema.json"));
    const contacts = await loadContacts(datasetFile("online-retail/contacts.jsonl"), schema);
    const events = await loadEventsByKey(datasetFile("online-retail/events.jsonl"), schema);
    for (const text of ['performed "Refund" at least 2 times', 'performed "Purchase" with sum of amount > 1000 within last 90 days', 'not performed "Purchase" within last 60 days and country = "Germany"']) {
      await typeInEditor(page, text);
      const p = compilePredicate(checkExpression(text, schema), { now: "2011-12-10T00:00:00Z" });
      const expected = contacts.filter((c) => p(c, events.get(c["customer_id"] as string))).length;
      expect(expected).toBeGreaterThan(0);
      expect(await countFor(page, text)).toBe(expected);
    }
    await typeInEditor(page, '(performed "Purchase" at least 3 times within last 30 days where amount > 50) and country = "United Kingdom"');
    await countFor(page, '(performed "Purchase" at least 3 times within last 30 days where amount > 50) and country = "United Kingdom"');
    await page.locator("[data-testid=contacts] tbody tr").first().getByRole("button", { name: /Why does/ }).click();
    await page.getByTestId("verdict").waitFor();
    expect(await page.getByTestId("why-tree").innerText()).toMatch(/"Purchase" events; \d+ from 2011-11-10T00:00:00Z to 2011-12-10T00:00:00Z/);
    await screenshot(page, "playground-retail-events", { fullPage: true });
  });

  it("the generated 100,000 contacts, with progress, counting what the library counts on them", async () => {
    await page.evaluate(() => {
      const w = window as unknown as { __sawProgress: boolean };
      w.__sawProgress = false;
      new MutationObserver(() => {
        if (document.querySelector(".progress progress")) w.__sawProgress = true;
      }).observe(document.body, { childList: true, subtree: true });
    });
    await page.getByTestId("dataset").selectOption("generated");
    await page.getByTestId("data-info").filter({ hasText: "100,000 contacts" }).waitFor({ timeout: 90_000 });
    expect(await page.evaluate(() => (window as unknown as { __sawProgress: boolean }).__sawProgress)).toBe(true);
    const generated = generateContacts(telcoContacts, 100_000, telco.key);
    const text = 'contract = "Month-to-month" and tenure > 12 and services has "streaming_tv"';
    await typeInEditor(page, text);
    const p = compilePredicate(checkExpression(text, telco), { now: "2026-01-01T00:00:00Z" });
    expect(await countFor(page, text)).toBe(generated.filter((c) => p(c)).length);
    expect(await page.locator(".count-line").innerText()).toContain("of 100,000 contacts match");
  });

  it("a dropped CSV file loads with an inferred schema, and counts what the CLI counts on it", async () => {
    const columns = ["customer_id", "gender", "tenure", "contract", "monthly_charges", "churn", "services", "signed_up_at"];
    const csv = toCsv(telcoContacts.slice(0, 300), columns);
    await drop(page, [{ name: "my-contacts.csv", text: csv }]);
    await page.getByTestId("data-info").filter({ hasText: "my-contacts.csv: 300 contacts" }).waitFor({ timeout: 30_000 });
    await page.getByText("Schema inferred from the data").click();
    const schemaText = await page.locator(".schema-json").innerText();
    const inferred = JSON.parse(schemaText) as { key: string; fields: Record<string, { type: string; values?: string[] }> };
    expect(inferred.key).toBe("customer_id");
    expect(Object.fromEntries(Object.entries(inferred.fields).map(([k, v]) => [k, v.type]))).toEqual({
      customer_id: "string",
      gender: "enum",
      tenure: "number",
      contract: "enum",
      monthly_charges: "number",
      churn: "boolean",
      services: "list", // CSV cells holding JSON arrays, as an export writes a list
      signed_up_at: "timestamp",
    });
    expect(await page.getByTestId("dataset").inputValue()).toBe("file");
    await screenshot(page, "playground-dropped-csv", { fullPage: true });
    // The CLI on the same file with the schema the page inferred.
    const csvPath = join(dir, "my-contacts.csv");
    const schemaPath = join(dir, "inferred-schema.json");
    writeFileSync(csvPath, csv);
    writeFileSync(schemaPath, schemaText);
    for (const text of ['contract = "Month-to-month" and churn', 'services has "streaming_tv" and tenure between 6 and 24', "signed_up_at after 2024-01-01 or monthly_charges > 100"]) {
      await typeInEditor(page, text);
      const now = decodeURIComponent(new URL(page.url()).hash.match(/now=([^&]+)/)?.[1] ?? "") || undefined;
      const r = await segql(["eval", "--schema", schemaPath, "--data", csvPath, ...(now ? ["--now", now] : []), "--count", text]);
      expect(r.code).toBe(0);
      expect(await countFor(page, text)).toBe(Number(r.stdout.trim()));
    }
  });

  it("a CSV dropped with its schema uses that schema", async () => {
    const columns = Object.values(telco.fields).map((f) => f.name);
    const csv = toCsv(telcoContacts.slice(100, 600), columns);
    await drop(page, [
      { name: "telco-part.csv", text: csv },
      { name: "telco-schema.json", text: JSON.stringify({ table: "contacts", key: telco.key, fields: Object.fromEntries(Object.values(telco.fields).map((f) => [f.name, f.values ? { type: f.type, values: f.values } : { type: f.type }])) }) },
    ]);
    await page.getByTestId("data-info").filter({ hasText: "telco-part.csv: 500 contacts" }).waitFor({ timeout: 30_000 });
    expect(await page.getByText("Schema inferred from the data").count()).toBe(0);
    const text = 'payment_method = "Electronic check" and internet_service = "Fiber optic"';
    await typeInEditor(page, text);
    const p = compilePredicate(checkExpression(text, telco));
    expect(await countFor(page, text)).toBe(telcoContacts.slice(100, 600).filter((c) => p(c)).length);
  });

  it("bad files: errors name the file, line and field", async () => {
    const schema = JSON.stringify({ table: "contacts", key: "id", fields: { id: { type: "string" }, tenure: { type: "number" }, plan: { type: "enum", values: ["Free", "Pro"] } } });
    await drop(page, [
      { name: "bad.csv", text: "id,tenure,plan\na,1,Free\nb,2,Pro\nc,abc,Free\n" },
      { name: "bad-schema.json", text: schema },
    ]);
    const error = page.getByTestId("data-error");
    await error.waitFor();
    expect(await error.innerText()).toBe('bad.csv:4: field "tenure": expected a number, found "abc"');
    await screenshot(page, "playground-data-error");
    await drop(page, [
      { name: "bad.jsonl", text: '{"id":"a","plan":"Free"}\n{"id":"b","plan":"Gold"}\n' },
      { name: "bad-schema.json", text: schema },
    ]);
    await page.getByTestId("data-error").filter({ hasText: "bad.jsonl:2" }).waitFor();
    expect(await error.innerText()).toBe('bad.jsonl:2: field "plan": expected one of "Free", "Pro", found "Gold"');
    await drop(page, [{ name: "broken.jsonl", text: '{"id":"a"}\n{"id": \n' }]);
    await page.getByTestId("data-error").filter({ hasText: "broken.jsonl:2" }).waitFor();
    expect(await error.innerText()).toMatch(/^broken\.jsonl:2: not valid JSON/);
    await drop(page, [{ name: "notes.txt", text: "hello" }]);
    await page.getByTestId("data-error").filter({ hasText: "notes.txt" }).waitFor();
    expect(await error.innerText()).toContain("cannot tell the format");
    // A built-in dataset again: the error goes away.
    await page.getByTestId("dataset").selectOption("telco");
    await page.getByTestId("data-info").filter({ hasText: "7,043 contacts" }).waitFor({ timeout: 60_000 });
    expect(await page.getByTestId("data-error").count()).toBe(0);
  });

  it("made no request outside the preview server and logged no errors", () => {
    expect(external).toEqual([]);
    expect(errors).toEqual([]);
  });
});
