/**
 * Past imports on the Import page (#/import), in real headless Chromium against `segql serve` (in-process,
 * a temporary DuckDB database with the demo): every row is the store's own record (`listImports`), the
 * latest first; an import of the page appears when it ends, a refused one with its bad rows by line; a
 * reload, and an import by another client, are read from the store; "Show older imports" pages to the end
 * with every import once; dark theme and a 390px phone. No request leaves the server's origin.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ImportRecord } from "../../src/store/index.js";
import { hasChromium, skipReason, watchErrors } from "./harness.js";
import { cleanShot, closeSegmentsSession, openSegmentsSession, type SegmentsServer, type SegmentsSession } from "./segments-harness.js";

describe.skipIf(!hasChromium)(`segments web app: past imports (Chromium) ${hasChromium ? "" : skipReason}`, () => {
  let session: SegmentsSession;
  let server: SegmentsServer;
  let page: Page;
  const dir = mkdtempSync(join(tmpdir(), "segql-web-history-"));

  beforeAll(async () => {
    session = await openSegmentsSession();
    ({ server, page } = session);
    await page.goto(`${server.url}#/segments`);
    await page.getByTestId("who").fill("Ines from QA");
  }, 180_000);
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await closeSegmentsSession(session);
  });

  const key = () => server.store.schema.key;
  const records = async (): Promise<ImportRecord[]> => {
    const out: ImportRecord[] = [];
    let cursor: string | null = null;
    do {
      const p = await server.store.listImports({ limit: 1000, cursor });
      out.push(...p.items);
      cursor = p.next;
    } while (cursor);
    return out;
  };
  /** The rows shown: id, state, the file cell's name, the segments cell. */
  const shown = () =>
    page.getByTestId("history-row").evaluateAll((rows) =>
      rows.map((r) => ({ id: Number(r.getAttribute("data-id")), state: r.getAttribute("data-state"), moved: r.querySelector("[data-testid=history-moved]")!.textContent!.trim() })),
    );
  const moved = (r: ImportRecord) => (r.entered === null ? "–" : `+${r.entered.toLocaleString("en-US")} −${r.exited!.toLocaleString("en-US")}`);

  /** Scrolls the page so `e` starts just below the sticky header. */
  const belowHeader = (e: Element) => window.scrollTo(0, e.getBoundingClientRect().top + window.scrollY - document.querySelector("header")!.getBoundingClientRect().height - 12);

  async function openImport(): Promise<void> {
    await page.goto(`${server.url}#/segments`);
    await page.goto(`${server.url}#/import`);
    await page.getByTestId("import-history").waitFor();
    await page.getByTestId("import-history").getByText("Loading…").waitFor({ state: "detached" });
  }

  async function importOnPage(name: string, csv: string, until: "import-result" | "import-refusal"): Promise<void> {
    await page.getByTestId("import-file").setInputFiles({ name, mimeType: "text/csv", buffer: Buffer.from(csv) });
    await page.getByTestId("import").click();
    await page.getByTestId(until).waitFor({ timeout: 60_000 });
  }

  it("shows each import of the page when it ends, as the store recorded it; a refused one with its bad rows by line", async () => {
    await openImport();
    const before = await records();
    if (before.length === 0) expect(await page.getByTestId("history-empty").textContent()).toBe("No imports yet.");
    const member = String((await server.store.listContacts({ filter: 'source = "telco"', limit: 1 })).items[0]![key()]);
    const fresh = `history-${Date.now()}`;
    await importOnPage("march-leads.csv", `customer_id,source,contract,tenure\n${member},telco,Two year,50\n${fresh},telco,Month-to-month,1\n`, "import-result");
    await expect.poll(async () => (await shown()).length).toBe(before.length + 1);
    const [done] = await records();
    expect(done).toMatchObject({ file: "march-leads.csv", state: "done", rows: 2, inserted: 1, updated: 1, by: "Ines from QA" });
    expect((await shown())[0]).toEqual({ id: done!.id, state: "done", moved: moved(done!) });
    const row = page.getByTestId("history-row").first();
    expect(await row.getByTestId("history-outcome").textContent()).toBe("2 rows: 1 added, 1 updated.");
    expect(await row.textContent()).toContain("by Ines from QA");

    await importOnPage("april.csv", `customer_id,tenure,contract\n${fresh}-b,twelve,One year\n${fresh}-c,3,Three year\n${fresh}-d,4,One year\n`, "import-refusal");
    await expect.poll(async () => (await shown())[0]?.state).toBe("failed");
    const [failed] = await records();
    expect(failed).toMatchObject({ file: "april.csv", state: "failed", rows: 3, badCount: 2, entered: null });
    const first = page.getByTestId("history-row").first();
    expect(await first.getByTestId("history-outcome").textContent()).toBe("Not imported: 2 bad rows of 3; nothing was written.");
    expect(await first.getByTestId("history-moved").textContent()).toBe("–");
    await first.getByTestId("history-bad").locator("summary").click();
    const items = await first.getByTestId("history-bad").locator("li").allTextContents();
    expect(items).toEqual(failed!.bad.map((b) => `line ${b.line} ${b.field}: ${b.message}`));
    expect(items.map((t) => /^line (\d+)/.exec(t)![1])).toEqual(["2", "3"]);
    await cleanShot(page, "segments-import-history", { fullPage: true });
  });

  it("reads the history from the store: a reload keeps it, an import by another client is in it under its name", async () => {
    const api = await fetch(new URL(`/api/contacts/import?filename=${encodeURIComponent("from the CRM.csv")}&skipBad=true`, server.url), {
      method: "POST",
      headers: { "content-type": "text/csv", "segql-user": "nightly sync" },
      body: `customer_id,tenure\nsync-${Date.now()},7\nsync-bad-${Date.now()},x\n`,
    });
    expect(api.status).toBe(200);
    await openImport();
    const all = await records();
    expect((await shown()).map((r) => r.id)).toEqual(all.slice(0, 20).map((r) => r.id));
    const first = page.getByTestId("history-row").first();
    expect(await first.textContent()).toContain("from the CRM.csv");
    expect(await first.textContent()).toContain("by nightly sync");
    expect(await first.getByTestId("history-outcome").textContent()).toBe("2 rows: 1 added, 0 updated; 1 bad row skipped.");
  });

  it("pages with Show older imports to the last import, each once, in the store's order", async () => {
    // More than a page (20): small imports straight into the store, as `segql import` would make them.
    for (let i = 0; i < 22; i++) {
      const file = join(dir, `batch-${i}.csv`);
      writeFileSync(file, `customer_id,tenure\npaged-${i}-${Date.now()},${i}\n`);
      await server.store.importContacts(file, { name: `batch-${i}.csv`, by: "cron" });
    }
    await openImport();
    const all = await records();
    expect(all.length).toBeGreaterThan(20);
    expect((await shown()).map((r) => r.id)).toEqual(all.slice(0, 20).map((r) => r.id));
    while (await page.getByTestId("history-more").count()) {
      const n = (await shown()).length;
      await page.getByTestId("history-more").click();
      await expect.poll(async () => (await shown()).length).toBeGreaterThan(n);
    }
    expect(await shown()).toEqual(all.map((r) => ({ id: r.id, state: r.state, moved: moved(r) })));
  });

  it("is readable in the dark theme and fits a 390px phone", async () => {
    await openImport();
    await page.getByTestId("theme-dark").click();
    try {
      await page.getByTestId("import-history").evaluate(belowHeader);
      const { screenshot } = await import("./harness.js");
      await screenshot(page, "segments-import-history-dark");
    } finally {
      await page.getByTestId("theme-light").click();
    }
    const phone = await session.context.newPage();
    const errors = watchErrors(phone);
    try {
      await phone.setViewportSize({ width: 390, height: 844 });
      await phone.goto(`${server.url}#/import`);
      await phone.getByTestId("history-row").first().waitFor();
      expect(await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
      await phone.getByTestId("import-history").evaluate(belowHeader);
      // The table's columns fit: nothing to scroll sideways to.
      expect(await phone.locator(".import-history .table-scroll").evaluate((e) => e.scrollWidth - e.clientWidth)).toBeLessThanOrEqual(0);
      const { screenshot } = await import("./harness.js");
      await screenshot(phone, "segments-import-history-phone");
      expect(errors).toEqual([]);
    } finally {
      await phone.close();
    }
  });
});
