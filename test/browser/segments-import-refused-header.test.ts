/**
 * An import refused before its first row (the raw Telco CSV, whose header names the key `customerID`, not
 * the schema's `customer_id`: what an analyst first tries) is said as such in Past imports: "the file was
 * refused before its first row", with Why folded below. It said "Not imported: 1 bad row of 0", and "The 1
 * bad row" for the header; the refusal on the form said "One bad row refuses the whole file … or import the
 * good rows and skip the bad ones", which cannot help (real headless Chromium against `segql serve` over the
 * demo, DuckDB).
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasChromium, skipReason } from "./harness.js";
import { closeSegmentsSession, openSegmentsSession, type SegmentsServer, type SegmentsSession } from "./segments-harness.js";

describe.skipIf(!hasChromium)(`import: a file refused before its first row (Chromium) ${hasChromium ? "" : skipReason}`, () => {
  let session: SegmentsSession;
  let server: SegmentsServer;
  let page: Page;

  beforeAll(async () => {
    session = await openSegmentsSession();
    ({ server, page } = session);
  });
  // The refused import answers 422: the console's failed resource, nothing else.
  afterAll(() => closeSegmentsSession(session, /Failed to load resource: .* 422/));

  it("Past imports says the file was refused before its first row, and why, not '1 bad row of 0'", async () => {
    await page.goto(`${server.url}#/import`);
    await page.getByTestId("import-history").waitFor();
    const csv = "customerID,gender,tenure\n7590-VHVEG,Female,1\n";
    await page.getByTestId("import-file").setInputFiles({ name: "telco-customer-churn.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
    await page.getByTestId("import").click();
    await page.getByTestId("import-refusal").waitFor({ timeout: 60_000 });
    // The refusal does not offer to skip bad rows (none was bad: the header was): it said "One bad row
    // refuses the whole file … or import the good rows and skip the bad ones".
    expect(await page.getByTestId("import-refusal-file").textContent()).toMatch(/^The file itself was refused before its first row \(its header or its format\)/);
    expect(await page.getByTestId("import-refusal").textContent()).not.toContain("skip the bad ones");
    expect(await page.getByTestId("retry-skip-bad").count()).toBe(0);
    const row = page.getByTestId("history-row").first();
    await expect.poll(() => row.getAttribute("data-state"), { timeout: 15_000 }).toBe("failed");
    expect(await row.getByTestId("history-outcome").textContent()).toBe("Not imported: the file was refused before its first row (why below); nothing was written.");
    const why = row.getByTestId("history-bad");
    expect(await why.locator("summary").textContent()).toBe("Why");
    await why.locator("summary").click();
    expect(await why.locator("li").first().textContent()).toMatch(/^line 1: the header has no column "customer_id" \(the key\)/);
  });
});
