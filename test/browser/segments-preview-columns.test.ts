/**
 * "Preview matching contacts" shows the fields the rules test first, as a saved segment's members table
 * does (real headless Chromium against `segql serve` over the demo, DuckDB). The preview's grid shows seven
 * columns, and they were the schema's first seven (source, gender, senior_citizen…): previewing
 * `internet_service = "Fiber optic" and contract = "Month-to-month" and monthly_charges > 90`, an analyst saw
 * none of the three values the preview was about. So for the static list's picker filtered by an expression.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasChromium, skipReason } from "./harness.js";
import { cleanShot, closeSegmentsSession, openNew, openSegmentsSession, typeText, type SegmentsServer, type SegmentsSession } from "./segments-harness.js";

describe.skipIf(!hasChromium)(`segment form: the preview's columns (Chromium) ${hasChromium ? "" : skipReason}`, () => {
  let session: SegmentsSession;
  let server: SegmentsServer;
  let page: Page;

  beforeAll(async () => {
    session = await openSegmentsSession();
    ({ server, page } = session);
  });
  afterAll(() => closeSegmentsSession(session));

  it("the first matching contacts show the key, then the fields the rules name, in their order", async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await openNew(page, server.url);
    await page.getByTestId("segment-name").fill("Pricey fiber, no contract");
    await typeText(page, 'senior_citizen and internet_service = "Fiber optic" and contract = "Month-to-month" and monthly_charges > 90');
    await page.getByTestId("preview-button").click();
    const grid = page.getByTestId("preview").locator("table.contacts-grid");
    await grid.waitFor({ timeout: 30_000 });
    const headers = await grid.locator("thead th").evaluateAll((ths) => ths.map((th) => th.textContent?.replace(/[↕▲▼]/g, "").trim().toLowerCase()));
    expect(headers.slice(0, 5)).toEqual(["customer_id", "senior_citizen", "internet_service", "contract", "monthly_charges"]);
    // Still seven columns in all: the schema's other fields fill the rest.
    expect(headers).toHaveLength(7);
    const first = await grid.locator("tbody tr").first().locator("td").evaluateAll((tds) => tds.map((td) => td.textContent?.trim()));
    expect(first.slice(2, 4)).toEqual(["Fiber optic", "Month-to-month"]);
    expect(Number(first[4])).toBeGreaterThan(90);
    await cleanShot(page, "segments-preview-rule-columns", { fullPage: true });
  });

  it("a static list's picker, filtered by an expression, shows the fields the filter tests after the key", async () => {
    await openNew(page, server.url);
    await page.getByTestId("segment-name").fill("Picked from a filter");
    await page.getByTestId("dynamic-switch").click();
    const picker = page.getByTestId("picker-table");
    await picker.waitFor();
    const headers = () => picker.locator("thead th").evaluateAll((ths) => ths.map((th) => th.textContent?.replace(/[↕▲▼]/g, "").trim().toLowerCase()).filter((t) => t));
    // Unfiltered: the schema's order.
    expect((await headers()).slice(0, 2)).toEqual(["customer_id", "source"]);
    await page.getByTestId("picker-filter").fill('payment_method = "Mailed check" and tenure > 60');
    await page.getByTestId("picker-filter").press("Enter");
    await expect.poll(headers, { timeout: 15_000 }).toEqual(expect.arrayContaining(["payment_method", "tenure"]));
    expect((await headers()).slice(0, 3)).toEqual(["customer_id", "payment_method", "tenure"]);
  });
});
