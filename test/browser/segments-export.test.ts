/**
 * The segment page's export, in real headless Chromium against `segql serve` over the demo: "Export CSV"
 * and "JSON Lines" download every member with its fields (not only the page shown, not only the members a
 * search finds), the file named after the segment and byte for byte the store's export; the same with a
 * server that wants a token (the app fetches with it, then saves the file). No request leaves the origin.
 */
import { readFileSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportMembers, type Store } from "../../src/store/index.js";
import { guardedContext, hasChromium, launchChromium, skipReason, watchErrors } from "./harness.js";
import { cleanShot, startSegmentsServer, type SegmentsServer } from "./segments-harness.js";

/** The store's export of a segment, as one text. */
async function storeExport(store: Store, id: number, format: "csv" | "jsonl"): Promise<string> {
  let out = "";
  for await (const chunk of exportMembers(store, id, { format })) out += chunk;
  return out;
}

/** Clicks an export control and returns the file the browser saved: its suggested name and text (BOM kept). */
async function download(page: Page, testId: string): Promise<{ name: string; text: string }> {
  const [file] = await Promise.all([page.waitForEvent("download"), page.getByTestId(testId).click()]);
  const path = await file.path();
  return { name: file.suggestedFilename(), text: new TextDecoder("utf-8", { ignoreBOM: true }).decode(readFileSync(path)) };
}

describe.skipIf(!hasChromium)(`segments web app: exporting members (Chromium) ${hasChromium ? "" : skipReason}`, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  /** Opens a segment's page on `server` (with the token saved in the browser, when given). */
  const openSegment = async (server: SegmentsServer, name: string, token?: string) => {
    const { context, external } = await guardedContext(browser, server.url, { acceptDownloads: true });
    if (token !== undefined) await context.addInitScript((t) => window.localStorage.setItem("segql-token", t), token);
    const page = await context.newPage();
    const errors = watchErrors(page);
    const segment = (await server.store.listSegments({ search: name })).items[0]!;
    await page.goto(`${server.url}#/segments/${segment.id}`);
    await page.getByTestId("members-table").waitFor({ timeout: 30_000 });
    return { page, segment, external, errors, close: () => context.close() };
  };

  it("downloads every member as CSV and JSON Lines, named after the segment, as the store exports them", async () => {
    const server = await startSegmentsServer();
    try {
      const { page, segment, external, errors, close } = await openSegment(server, "Loyal on contract");
      // A search narrows the table, not the export.
      await page.getByTestId("member-search").fill("Fiber");
      await expect.poll(() => page.getByTestId("members-total").textContent()).toMatch(/match “Fiber”/);
      await cleanShot(page, "segments-page-export");
      const csv = await download(page, "export-csv");
      expect(csv.name).toBe("Loyal on contract.csv");
      expect(csv.text).toBe(await storeExport(server.store, segment.id, "csv"));
      expect(csv.text.split("\r\n").length - 2).toBe(segment.memberCount);
      const jsonl = await download(page, "export-jsonl");
      expect(jsonl.name).toBe("Loyal on contract.jsonl");
      expect(jsonl.text).toBe(await storeExport(server.store, segment.id, "jsonl"));
      expect(external).toEqual([]);
      expect(errors).toEqual([]);
      await close();
    } finally {
      await server.close();
    }
  });

  it("with a server that wants a token: fetched with the token, then saved", async () => {
    const server = await startSegmentsServer({ token: "s3cret" });
    try {
      const { page, segment, external, errors, close } = await openSegment(server, "VIP list", "s3cret");
      const csv = await download(page, "export-csv");
      expect(csv.name).toBe("VIP list.csv");
      expect(csv.text).toBe(await storeExport(server.store, segment.id, "csv"));
      expect(csv.text.split("\r\n").length - 2).toBe(segment.memberCount);
      expect(external).toEqual([]);
      expect(errors).toEqual([]);
      await close();
    } finally {
      await server.close();
    }
  });
});
