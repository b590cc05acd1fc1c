/**
 * The segment page's export, in real headless Chromium against `segql serve` over the demo: "Export CSV"
 * and "JSON Lines" download every member with its fields (not only the page shown, not only the members a
 * search finds), the file named after the segment and byte for byte the store's export; the same with a
 * server that wants a token (the app fetches with it, then saves the file). No request leaves the origin.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportMembers, type Store } from "../../src/store/index.js";
import { hasChromium, launchChromium, skipReason } from "./harness.js";
import { cleanShot, download, openDownloadingPage, startSegmentsServer, type SegmentsServer } from "./segments-harness.js";

/** The store's export of a segment, as one text. */
async function storeExport(store: Store, id: number, format: "csv" | "jsonl"): Promise<string> {
  let out = "";
  for await (const chunk of exportMembers(store, id, { format })) out += chunk;
  return out;
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
    const segment = (await server.store.listSegments({ search: name })).items[0]!;
    return { segment, ...(await openDownloadingPage(browser, server, `#/segments/${segment.id}`, "members-table", token)) };
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
