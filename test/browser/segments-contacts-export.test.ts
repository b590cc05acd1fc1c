/**
 * The Contacts page's export, in real headless Chromium against `segql serve` over the demo: for a search
 * and a filter, "Export CSV" and "JSON Lines" download every contact they find (not only the page shown),
 * byte for byte the store's `exportContacts`, the rows those `listContacts` finds; the count the buttons
 * export is shown; a filter with an error disables them. With a server that wants a token, the app fetches
 * the file with it. No request leaves the origin.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportContacts, type Store } from "../../src/store/index.js";
import { hasChromium, launchChromium, skipReason } from "./harness.js";
import { cleanShot, download, openDownloadingPage, startSegmentsServer, type SegmentsServer } from "./segments-harness.js";

/** The store's export of what a search and filter find, as one text. */
async function storeExport(store: Store, q: { search?: string; filter?: string }, format: "csv" | "jsonl"): Promise<string> {
  let out = "";
  for await (const chunk of exportContacts(store, { ...q, format })) out += chunk;
  return out;
}

/** Every key `listContacts` finds, its pages read to the end. */
async function listedKeys(store: Store, q: { search?: string; filter?: string }): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await store.listContacts({ ...q, limit: 1000, cursor });
    keys.push(...page.items.map((c) => String(c[store.schema.key])));
    cursor = page.next;
  } while (cursor);
  return keys;
}

const n = (v: number) => v.toLocaleString("en-US");

describe.skipIf(!hasChromium)(`segments web app: exporting the contacts a search finds (Chromium) ${hasChromium ? "" : skipReason}`, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  /** Opens the Contacts page on `server` with this address query (the token saved in the browser, when given). */
  const openContacts = (server: SegmentsServer, query: string, token?: string) => openDownloadingPage(browser, server, `#/contacts${query}`, "contacts-table", token);

  it("downloads every contact a search and filter find, as the store exports them; a filter with an error disables it", async () => {
    const server = await startSegmentsServer();
    try {
      const { page, external, errors, close } = await openContacts(server, "");
      const search = "Fiber optic";
      const filter = "tenure >= 60";
      await page.getByTestId("contacts-search").fill(search);
      await page.getByTestId("contacts-filter").fill(filter);
      await page.getByTestId("contacts-filter").press("Enter");
      const keys = await listedKeys(server.store, { search, filter });
      // More than the page shown: the file holds them all.
      expect(keys.length).toBeGreaterThan(25);
      await expect.poll(() => page.getByTestId("contacts-export-count").textContent()).toBe(`Export ${n(keys.length)} contacts found:`);
      await cleanShot(page, "segments-contacts-export");
      const csv = await download(page, "contacts-export-csv");
      expect(csv.name).toBe("contacts matching Fiber optic (filtered).csv");
      expect(csv.text).toBe(await storeExport(server.store, { search, filter }, "csv"));
      const lines = csv.text.split("\r\n").slice(1, -1);
      expect(lines.map((l) => l.split(",")[0])).toEqual(keys);
      const jsonl = await download(page, "contacts-export-jsonl");
      expect(jsonl.name).toBe("contacts matching Fiber optic (filtered).jsonl");
      expect(jsonl.text).toBe(await storeExport(server.store, { search, filter }, "jsonl"));
      expect(jsonl.text.trimEnd().split("\n").map((l) => JSON.parse(l)[server.store.schema.key])).toEqual(keys);

      // A filter with an error is not applied: nothing to export until it is fixed.
      await page.getByTestId("contacts-filter").fill("tenur >= 60");
      await page.getByTestId("contacts-filter").press("Enter");
      await expect.poll(() => page.getByTestId("contacts-export-count").textContent()).toBe("Export: fix the filter first");
      expect(await page.getByTestId("contacts-export-csv").isDisabled()).toBe(true);
      expect(await page.getByTestId("contacts-export-jsonl").isDisabled()).toBe(true);
      await cleanShot(page, "segments-contacts-export-disabled");
      expect(external).toEqual([]);
      expect(errors.filter((e) => !/422/.test(e))).toEqual([]);
      await close();
    } finally {
      await server.close();
    }
  });

  it("the contact keyed export still opens: its page is not the export (GET /api/contacts/export)", async () => {
    const server = await startSegmentsServer();
    try {
      await server.store.upsertContacts([{ [server.store.schema.key]: "export", tenure: 7 }]);
      const { page, external, errors, close } = await openContacts(server, "?search=export");
      await page.getByTestId("contacts-table").getByRole("link", { name: "export", exact: true }).click();
      await page.waitForURL((u) => u.hash === "#/contacts/export");
      await expect.poll(() => page.getByTestId("contact-key").textContent()).toBe("export");
      expect(await page.getByTestId("contact-values").locator('[data-field="tenure"] dd').textContent()).toBe("7");
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
      const filter = 'contract = "Two year"';
      const { page, external, errors, close } = await openContacts(server, `?filter=${encodeURIComponent(filter)}`, "s3cret");
      const keys = await listedKeys(server.store, { filter });
      await expect.poll(() => page.getByTestId("contacts-export-count").textContent()).toBe(`Export ${n(keys.length)} contacts found:`);
      const csv = await download(page, "contacts-export-csv");
      expect(csv.name).toBe("contacts.csv");
      expect(csv.text).toBe(await storeExport(server.store, { filter }, "csv"));
      expect(csv.text.split("\r\n").slice(1, -1).map((l) => l.split(",")[0])).toEqual(keys);
      expect(external).toEqual([]);
      expect(errors).toEqual([]);
      await close();
    } finally {
      await server.close();
    }
  });
});
