/**
 * The app's light and dark themes follow the system's colour scheme until the person picks one with the
 * toggle: then their pick is kept across visits. (The app used to save the scheme it started with, so a
 * person who later switched the system to dark kept a light app forever.)
 */
import type { PreviewServer } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuild, hasChromium, openBrowserSession, screenshot, skipReason, startPreview, type BrowserSession } from "./harness.js";

const themeOf = (s: BrowserSession) => s.page.evaluate(() => document.documentElement.dataset["theme"]);

describe.skipIf(!hasChromium)(`theme (Chromium) ${hasChromium ? "" : skipReason}`, () => {
  let server: PreviewServer;
  let base: string;
  let session: BrowserSession;

  beforeAll(async () => {
    await ensureBuild();
    ({ server, url: base } = await startPreview());
    session = await openBrowserSession(base, { colorScheme: "light" });
  });

  afterAll(async () => {
    await session?.close();
    await server?.close();
  });

  it("follows the system's scheme, on the next visit and while open, until the toggle picks one", async () => {
    const { page, errors } = session;
    await page.goto(`${base}#/playground`);
    await page.getByTestId("theme").waitFor();
    expect(await themeOf(session)).toBe("light");

    // The system turns dark: the next visit is dark, not the light it first started with.
    await page.emulateMedia({ colorScheme: "dark" });
    await page.reload();
    await page.getByTestId("theme").waitFor();
    expect(await themeOf(session)).toBe("dark");

    // While the page is open, it follows a change of the system's scheme.
    await page.emulateMedia({ colorScheme: "light" });
    await page.waitForFunction(() => document.documentElement.dataset["theme"] === "light");

    // A pick made with the toggle is kept: across a visit, and against the system's scheme.
    await page.getByTestId("theme").click();
    expect(await themeOf(session)).toBe("dark");
    expect(await page.getByTestId("theme").getAttribute("aria-pressed")).toBe("true");
    await page.reload();
    await page.getByTestId("theme").waitFor();
    expect(await themeOf(session)).toBe("dark");
    await page.emulateMedia({ colorScheme: "dark" });
    await page.emulateMedia({ colorScheme: "light" });
    // Give a (wrong) listener the chance to act before reading: the theme must not have followed.
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    expect(await themeOf(session)).toBe("dark");
    await screenshot(page, "playground-theme-picked-dark");
    expect(errors).toEqual([]);
  });
});
