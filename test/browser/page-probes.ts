/**
 * Probes the browser tests share: what a screen reader would say unasked (`recordAnnouncements`), and a
 * switch of the theme that leaves the focus and the mouse where they are (`switchTheme`).
 */
import type { Page } from "playwright-core";
import { expect } from "vitest";

/**
 * Installed in a page before the app starts (`page.addInitScript(recordAnnouncements)`): records what a
 * screen reader says unasked — the text of a live region (aria-live, role status, alert or log) that
 * changes while the region is on the page, and an alert as it appears. Text that arrives together with a
 * new polite region is not said by screen readers, nor is a region's whose aria-live is off, so neither is
 * recorded. `window.__said` holds the lines (`saidSoFar`). Self-contained: the browser runs its source.
 */
export function recordAnnouncements(): void {
  const said: string[] = [];
  (window as unknown as { __said: string[] }).__said = said;
  const LIVE = '[aria-live="polite"], [aria-live="assertive"], [role="status"], [role="alert"], [role="log"]';
  let known = new Set<Element>();
  const observer = new MutationObserver((records) => {
    const changed = new Set<Element>();
    for (const r of records) {
      for (const n of r.addedNodes) {
        if (!(n instanceof Element)) continue;
        for (const alert of [...(n.matches('[role="alert"]') ? [n] : []), ...n.querySelectorAll('[role="alert"]')]) if (alert.textContent?.trim()) said.push(alert.textContent.trim());
      }
      const at = r.target instanceof Element ? r.target : r.target.parentElement;
      const region = at?.closest(LIVE);
      if (region && known.has(region) && region.getAttribute("aria-live") !== "off") changed.add(region);
    }
    for (const region of changed) if (region.textContent?.trim()) said.push(region.textContent.trim());
    known = new Set(document.querySelectorAll(LIVE));
  });
  // The document, not its root element: the script runs before the parser has made <html>.
  observer.observe(document, { subtree: true, childList: true, characterData: true });
}

/** What the page has said unasked so far (`recordAnnouncements`). */
export const saidSoFar = (page: Page): Promise<string[]> => page.evaluate(() => (window as unknown as { __said: string[] }).__said.slice());

/** Whether the page shows the dark theme. */
export const isDark = (page: Page): Promise<boolean> => page.evaluate(() => document.documentElement.dataset["theme"] === "dark");

/**
 * Switches between the light and the dark theme with the header's theme control, clicked in the page: the
 * focus and the mouse stay where they are (a dialog open over the page stays open, with its focus).
 */
export async function switchTheme(page: Page): Promise<void> {
  const dark = await isDark(page);
  await page.evaluate((to) => document.querySelector<HTMLInputElement>(`[data-testid=theme-${to}]`)!.click(), dark ? "light" : "dark");
  await expect.poll(() => isDark(page)).toBe(!dark);
}
