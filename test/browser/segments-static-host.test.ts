/**
 * The web app's build on a static host (Vite's preview of playground/dist: no /api behind it), in real
 * headless Chromium. `#/` goes to the playground, having asked the host for the API's health alone: the one
 * request that tells it there is no API. It used to ask for the segments table's first page too (a second
 * 404) while the health was on its way. A segments page opened there says how to start the server.
 */
import type { PreviewServer } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuild, hasChromium, openBrowserSession, skipReason, startPreview, type BrowserSession } from "./harness.js";

describe.skipIf(!hasChromium)(`the web app on a static host (Chromium) ${hasChromium ? "" : skipReason}`, () => {
  let server: PreviewServer;
  let base: string;
  let session: BrowserSession;

  beforeAll(async () => {
    await ensureBuild();
    ({ server, url: base } = await startPreview());
    session = await openBrowserSession(base);
  }, 180_000);

  afterAll(async () => {
    try {
      expect(session.external).toEqual([]);
    } finally {
      await session?.close();
      await server?.close();
    }
  });

  it("from the home address, asks for the API's health alone and opens the playground", async () => {
    const tab = await session.context.newPage();
    const api: { path: string; status: number }[] = [];
    tab.on("response", (r) => {
      const u = new URL(r.url());
      if (u.pathname.startsWith("/api/")) api.push({ path: `${u.pathname}${u.search}`, status: r.status() });
    });
    try {
      await tab.goto(`${base}#/`);
      await expect.poll(() => new URL(tab.url()).hash, { timeout: 30_000 }).toBe("#/playground");
      await tab.getByTestId("count").waitFor({ timeout: 60_000 });
      expect(api).toEqual([{ path: "/api/health", status: 404 }]);
    } finally {
      await tab.close();
    }
  });
});
