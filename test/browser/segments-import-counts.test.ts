/**
 * A contacts file imported twice on the Import page (#/import), in headless Chromium against `segql serve`
 * (the demo on a temporary DuckDB database): the second result counts its contacts as unchanged and says why
 * no segment was refreshed, a time with microseconds is said to be stored cut to the millisecond, and
 * Past imports says the same ("0 added, 0 updated, 2 unchanged"; it said "0 added, 0 updated").
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasChromium, skipReason } from "./harness.js";
import { cleanShot, closeSegmentsSession, openSegmentsSession, type SegmentsServer, type SegmentsSession } from "./segments-harness.js";

describe.skipIf(!hasChromium)(`segments web app: an import's unchanged contacts and cut times (Chromium) ${hasChromium ? "" : skipReason}`, () => {
  let session: SegmentsSession;
  let server: SegmentsServer;
  let page: Page;

  beforeAll(async () => {
    session = await openSegmentsSession();
    ({ server, page } = session);
    await page.goto(`${server.url}#/segments`);
    await page.getByTestId("who").fill("Ines from QA");
  }, 180_000);
  afterAll(async () => {
    await closeSegmentsSession(session);
  });

  async function importOnPage(name: string, csv: string): Promise<void> {
    await page.goto(`${server.url}#/segments`);
    await page.goto(`${server.url}#/import`);
    await page.getByTestId("import-history").getByText("Loading…").waitFor({ state: "detached" });
    await page.getByTestId("import-file").setInputFiles({ name, mimeType: "text/csv", buffer: Buffer.from(csv) });
    await page.getByTestId("import").click();
    await page.getByTestId("import-result").waitFor({ timeout: 60_000 });
  }
  const stat = async (id: string) => (await page.getByTestId(id).textContent())?.replace(/\s+/g, " ").trim();

  it("counts a re-import's contacts as unchanged, says times were cut, and Past imports says the same", async () => {
    const run = `counts-${Date.now()}`;
    const csv = `customer_id,source,contract,tenure,signed_up_at\n${run}-a,telco,Two year,50,2024-01-01 10:00:00.123456+00\n${run}-b,telco,Month-to-month,1,2024-03-01 09:30:00+00\n`;
    await importOnPage("again.csv", csv);
    expect(await stat("stat-unchanged")).toMatch(/0$/);
    expect(await page.getByTestId("truncated-note").textContent()).toBe(
      '1 time had digits past the millisecond and was stored cut to it; the first: line 2 signed_up_at, "2024-01-01 10:00:00.123456+00" stored as 2024-01-01T10:00:00.123Z (segql keeps milliseconds).',
    );

    await importOnPage("again.csv", csv);
    expect(await stat("stat-added")).toMatch(/0$/);
    expect(await stat("stat-updated")).toMatch(/0$/);
    expect(await stat("stat-unchanged")).toMatch(/2$/);
    expect(await page.getByTestId("segments-none").textContent()).toBe("Every contact of the file was stored as it is already: nothing changed, so no segment was refreshed.");
    await page.getByTestId("import-result").evaluate((e) => e.scrollIntoView());
    await cleanShot(page, "segments-import-unchanged");

    const outcomes = page.getByTestId("history-row").getByTestId("history-outcome");
    await expect.poll(() => outcomes.first().textContent()).toBe("2 rows: 0 added, 0 updated, 2 unchanged; 1 time cut to the millisecond.");
    expect(await outcomes.nth(1).textContent()).toBe("2 rows: 2 added, 0 updated; 1 time cut to the millisecond.");
    await page.getByTestId("import-history").evaluate((e) => e.scrollIntoView());
    await cleanShot(page, "segments-import-history-unchanged");
  });
});
