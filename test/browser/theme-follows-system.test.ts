/**
 * The app's light and dark themes follow the system's colour scheme until the person picks one with the
 * theme control (Light / Dark / Auto, one radio group): then their pick is kept across visits, until Auto
 * gives the choice back to the system. (The app used to save the scheme it started with, so a person who
 * later switched the system to dark kept a light app forever; once a person pressed Dark theme nothing led
 * back to the system's scheme; and with two switches, Dark and Auto, both looked pressed in the dark theme
 * with Auto on.)
 */
import type { PreviewServer } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuild, hasChromium, openBrowserSession, screenshot, skipReason, startPreview, type BrowserSession } from "./harness.js";

const themeOf = (s: BrowserSession) => s.page.evaluate(() => document.documentElement.dataset["theme"]);
/** The options of the theme control that are on (checked), by their test id. */
const chosen = (s: BrowserSession) => s.page.locator("[data-testid=theme] input:checked").evaluateAll((inputs) => inputs.map((i) => i.getAttribute("data-testid")));

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

  it("follows the system's scheme, on the next visit and while open, until the control picks one", async () => {
    const { page, errors } = session;
    await page.goto(`${base}#/playground`);
    await page.getByTestId("theme").waitFor();
    expect(await themeOf(session)).toBe("light");

    // The system turns dark: the next visit is dark, not the light it first started with.
    await page.emulateMedia({ colorScheme: "dark" });
    await page.reload();
    await page.getByTestId("theme").waitFor();
    expect(await themeOf(session)).toBe("dark");
    // Dark shown, Auto on: Auto alone is on (Dark looked pressed beside it).
    expect(await chosen(session)).toEqual(["theme-system"]);

    // While the page is open, it follows a change of the system's scheme.
    await page.emulateMedia({ colorScheme: "light" });
    await page.waitForFunction(() => document.documentElement.dataset["theme"] === "light");

    // A pick made with the control is kept: across a visit, and against the system's scheme.
    await page.getByRole("radio", { name: "Dark theme" }).click();
    expect(await themeOf(session)).toBe("dark");
    expect(await chosen(session)).toEqual(["theme-dark"]);
    await page.reload();
    await page.getByTestId("theme").waitFor();
    expect(await themeOf(session)).toBe("dark");
    await page.emulateMedia({ colorScheme: "dark" });
    await page.emulateMedia({ colorScheme: "light" });
    // Give a (wrong) listener the chance to act before reading: the theme must not have followed.
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    expect(await themeOf(session)).toBe("dark");
    expect(await chosen(session)).toEqual(["theme-dark"]);
    await screenshot(page, "playground-theme-picked-dark");
    expect(errors).toEqual([]);
  });

  it("Auto gives a picked theme back to the system's scheme: at once, on the next visit and as the system changes", async () => {
    const { page, errors } = session;
    // From the test before: dark picked, the system light.
    expect(await themeOf(session)).toBe("dark");
    const group = page.getByRole("radiogroup", { name: "Theme" });
    expect(await group.getByRole("radio").evaluateAll((r) => r.map((e) => e.getAttribute("aria-label")))).toEqual(["Light theme", "Dark theme", "Auto: follow the system's theme"]);
    const auto = group.getByRole("radio", { name: "Auto: follow the system's theme" });
    expect(await auto.getAttribute("data-testid")).toBe("theme-system");
    expect(await auto.isChecked()).toBe(false);
    await auto.click();
    expect(await chosen(session)).toEqual(["theme-system"]);
    expect(await themeOf(session)).toBe("light");
    expect(await page.evaluate(() => window.localStorage.getItem("segql-theme"))).toBeNull();
    await page.emulateMedia({ colorScheme: "dark" });
    await page.waitForFunction(() => document.documentElement.dataset["theme"] === "dark");
    await page.reload();
    await page.getByTestId("theme").waitFor();
    expect(await themeOf(session)).toBe("dark");
    expect(await chosen(session)).toEqual(["theme-system"]);
    // With the keyboard, as any radio group: the arrow keys move the choice (Auto → Light wraps round).
    await page.getByTestId("theme-system").focus();
    await page.keyboard.press("ArrowLeft");
    expect(await chosen(session)).toEqual(["theme-dark"]);
    await page.keyboard.press("ArrowRight");
    await page.keyboard.press("ArrowRight");
    expect(await chosen(session)).toEqual(["theme-light"]);
    expect(await themeOf(session)).toBe("light");
    // Dark chosen while the system is dark is a pick: the system's next change leaves it.
    await page.keyboard.press("ArrowRight");
    expect(await chosen(session)).toEqual(["theme-dark"]);
    await page.emulateMedia({ colorScheme: "light" });
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    expect(await themeOf(session)).toBe("dark");
    // On a 390 px phone the three options fit the header beside the name field, in both themes.
    await page.getByTestId("theme-system").click();
    for (const scheme of ["light", "dark"] as const) {
      await page.setViewportSize({ width: 390, height: 844 });
      await page.emulateMedia({ colorScheme: scheme });
      await page.goto(`${base}#/segments`);
      await page.getByTestId("theme").waitFor();
      await page.waitForFunction((s) => document.documentElement.dataset["theme"] === s, scheme);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      const right = await page.getByTestId("theme").evaluate((b) => b.getBoundingClientRect().right);
      expect(right).toBeLessThanOrEqual(390);
      // On the name field's line, not a third line of the sticky header.
      const middle = (testId: string) => page.getByTestId(testId).evaluate((e) => (e.getBoundingClientRect().top + e.getBoundingClientRect().bottom) / 2);
      expect(Math.abs((await middle("theme")) - (await middle("who")))).toBeLessThan(8);
      expect(await chosen(session)).toEqual(["theme-system"]);
      await screenshot(page, `theme-switches-phone-${scheme}`);
    }
    // The static preview has no API: the segments page's health check answers 404 (it says so; not an error of the header).
    expect(errors.filter((e) => !/Failed to load resource: the server responded with a status of 404/.test(e))).toEqual([]);
  });
});
