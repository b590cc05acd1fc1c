/**
 * The web app says things one way on every page, in real headless Chromium against `segql serve`
 * (in-process, the demo on DuckDB), whose build also serves the playground:
 * - a boolean value reads as the rules write it, `true` / `false` (a value seen in a table can be typed into
 *   a condition as it is): in the contacts table, on a contact's page and in its edit form, and in the
 *   playground's table (it read yes / no in the app, true / false in the playground);
 * - button labels are in sentence case (only the first word capitalised, but for names such as SQL or
 *   DuckDB): "Create segment", "Preview matching contacts", the "Dynamic segment" switch (they mixed
 *   Title Case in).
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasChromium, skipReason } from "./harness.js";
import { cleanShot, closeSegmentsSession, openNew, openSegmentsSession, type SegmentsSession } from "./segments-harness.js";

/** Words that keep their capitals inside a sentence-case label: names and abbreviations (a format's name, "JSON Lines", too). */
const NAMES = new Set(["SQL", "DuckDB", "CSV", "JSON", "JSONL", "API", "ID"]);
const NAMED = ["JSON Lines"];

/**
 * The labels of the page's visible buttons (buttons, links styled as buttons, switches' labels) that are
 * not in sentence case: a word after the first that starts with a capital and is no name.
 */
function titleCaseLabels(page: Page): Promise<string[]> {
  return page.evaluate(([names, named]) => {
    const labels = [...document.querySelectorAll<HTMLButtonElement>("button, a.button")]
      .filter((e) => e.offsetParent !== null)
      // A switch is a button labelled by the text beside it.
      .map((e) => (e.getAttribute("role") === "switch" ? [...(e.labels ?? [])].map((l) => l.textContent).join(" ") : (e.textContent ?? "")).replace(/\s+/g, " ").trim());
    return labels.filter((label) => named.reduce((l, n) => l.replaceAll(n, "JSONL"), label).split(" ").filter((w) => /^[A-Za-z]/.test(w)).slice(1).some((w) => /^[A-Z]/.test(w) && !names.includes(w.replace(/[^A-Za-z]/g, ""))));
  }, [[...NAMES], NAMED] as const);
}

describe.skipIf(!hasChromium)(`the web app's wording (Chromium) ${hasChromium ? "" : skipReason}`, () => {
  let session: SegmentsSession;
  let page: Page;

  beforeAll(async () => {
    session = await openSegmentsSession();
    ({ page } = session);
  });

  afterAll(() => closeSegmentsSession(session));

  it("shows a boolean as true / false in the contacts table, on a contact's page, in its edit form and in the playground", async () => {
    const { server } = session;
    await page.goto(`${server.url}#/contacts`);
    const table = page.getByTestId("contacts-table");
    await table.locator("tbody tr").first().waitFor();
    const column = await table.locator("thead th").allTextContents();
    const senior = column.findIndex((h) => h.includes("senior_citizen"));
    expect(senior).toBeGreaterThanOrEqual(0);
    const cells = await table.locator(`tbody tr td:nth-child(${senior + 1})`).allTextContents();
    expect(new Set(cells)).toEqual(new Set(["false", "true"]));

    const key = (await table.locator("tbody tr").first().getAttribute("data-key"))!;
    const stored = (await server.store.getContact(key)).values;
    await page.goto(`${server.url}#/contacts/${encodeURIComponent(key)}`);
    const values = page.getByTestId("contact-values");
    await values.waitFor();
    expect(await values.locator('[data-field="senior_citizen"] dd').textContent()).toBe(String(stored["senior_citizen"]));
    await page.getByTestId("edit-values").click();
    expect(await page.locator('[data-field-input="senior_citizen"] option').allTextContents()).toEqual(["(no value)", "true", "false"]);
    await cleanShot(page, "contact-edit-booleans", { fullPage: true });

    // The playground's table, on the same demo contacts (Telco).
    await page.goto(`${server.url}#/playground?dataset=telco&text=${encodeURIComponent(`customer_id = "${key}"`)}`);
    const rows = page.getByTestId("contacts");
    // The dataset loads in the playground first (about a second on a busy machine: more than the poll's default).
    await expect.poll(() => rows.locator("tbody tr").count(), { timeout: 30_000 }).toBe(1);
    const heads = await rows.locator("thead th").allTextContents();
    const at = heads.findIndex((h) => h.includes("senior_citizen"));
    expect(await rows.locator(`tbody tr td:nth-child(${at + 1})`).textContent()).toBe(String(stored["senior_citizen"]));
  });

  it("labels buttons in sentence case on the segments, a segment's form, its page, the contacts, the import and the playground", async () => {
    const { server } = session;
    const fiber = (await server.store.listSegments({ search: "Fiber churners" })).items[0]!;
    const found: string[] = [];
    const visit = async (hash: string, ready: string) => {
      await page.goto(`${server.url}${hash}`);
      await page.getByTestId(ready).first().waitFor({ timeout: 60_000 });
      found.push(...(await titleCaseLabels(page)).map((l) => `${hash}: ${l}`));
    };
    await visit("#/segments", "segments-table");
    await visit(`#/segments/${fiber.id}`, "segment-member-count");
    await visit(`#/segments/${fiber.id}/edit`, "segment-name");
    await visit("#/contacts", "contacts-table");
    await visit("#/import", "import-file");
    await visit("#/playground", "count");
    await openNew(page, server.url);
    found.push(...(await titleCaseLabels(page)).map((l) => `#/segments/new: ${l}`));
    expect(found).toEqual([]);
    // The ones that were in Title Case, by their new names.
    await page.getByRole("button", { name: "Preview matching contacts", exact: true }).waitFor();
    expect(await page.getByRole("button", { name: "Create segment", exact: true }).count()).toBe(2);
    await page.getByRole("switch", { name: "Dynamic segment" }).waitFor();
    await cleanShot(page, "segments-new-labels");
  });
});
