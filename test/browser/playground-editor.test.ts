/**
 * The playground's editor in real headless Chromium: typing gives the count `segql eval --count` gives on
 * the same data; completion offers `contract` after `con` and inserts it; a typo gets a squiggle whose
 * quick fix repairs it; on Telco the count of a keystroke is shown by the next frame; format (button and Shift-Alt-F), comment toggling, hover. No request leaves
 * localhost. The analysis's warnings (a part that adds nothing, with its fix; a condition that never matches).
 * Screenshots: the main view, the completion popup, the lint fix, an analysis warning.
 */
import type { PreviewServer } from "vite";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { segql } from "../cli/helpers.js";
import { datasetFile } from "../helpers/datasets.js";
import { countFor, ensureBuild, hasChromium, openBrowserSession, openPlayground, screenshot, skipReason, startPreview, typeInEditor } from "./harness.js";

const TELCO_NOW = "2026-01-01T00:00:00Z";

/** What the CLI counts for `text` on the Telco data. */
async function cliCount(text: string): Promise<number> {
  const r = await segql(["eval", "--schema", datasetFile("telco/schema.json"), "--data", datasetFile("telco/contacts.jsonl"), "--now", TELCO_NOW, "--count", text]);
  if (r.code !== 0) throw new Error(`segql eval failed: ${r.stderr}`);
  return Number(r.stdout.trim());
}

describe.skipIf(!hasChromium)(`playground editor (Chromium) ${hasChromium ? "" : skipReason}`, () => {
  let server: PreviewServer;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let external: string[];
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    await ensureBuild();
    ({ server, url: base } = await startPreview());
    ({ browser, context, external, page, errors } = await openBrowserSession(base));
    await openPlayground(page, base);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("opens on Telco with the example, counting what the CLI counts", async () => {
    const text = await page.locator(".cm-content").innerText();
    expect(await countFor(page, text)).toBe(await cliCount(text));
    await screenshot(page, "playground-telco");
  });

  it("typing an expression shows the count segql eval --count gives", async () => {
    for (const text of ['churn and contract = "Month-to-month"', "tenure between 12 and 24 or total_charges is empty", 'not (services has any ("phone", "internet")) or senior_citizen']) {
      await typeInEditor(page, text, "keys");
      expect(await countFor(page, text)).toBe(await cliCount(text));
    }
  });

  it("on Telco a keystroke's count is in the page by the next frame, the one showing the typed character", async () => {
    const start = "tenure > 1";
    await typeInEditor(page, start, "keys");
    await countFor(page, start);
    let text = start;
    for (const digit of ["2", "5", "0"]) {
      // What the count pane says (the text its count is for) when the frame after the keystroke starts.
      await page.evaluate(() => {
        const w = window as unknown as { __countAtFrame?: Promise<string | null> };
        w.__countAtFrame = new Promise((resolve) =>
          window.addEventListener("keydown", () => requestAnimationFrame(() => resolve(document.querySelector("[data-testid=count]")?.getAttribute("data-text") ?? null)), { once: true, capture: true }),
        );
      });
      await page.keyboard.press(digit);
      text += digit;
      expect(await page.evaluate(() => (window as unknown as { __countAtFrame: Promise<string | null> }).__countAtFrame)).toBe(text);
      expect(await countFor(page, text)).toBe(await cliCount(text));
    }
  });

  it("completion offers contract after con, and accepting it inserts it", async () => {
    await typeInEditor(page, "con", "keys");
    const popup = page.locator(".cm-tooltip-autocomplete");
    await popup.waitFor();
    expect(await popup.locator(".cm-completionLabel").allTextContents()).toContain("contract");
    await screenshot(page, "playground-completion");
    await page.waitForTimeout(150);
    await page.keyboard.press("Enter");
    expect(await page.locator(".cm-content").innerText()).toBe("contract");
    // Then the operators, and the enum's values after `=`.
    await page.keyboard.type(" = ");
    // Asked explicitly (Ctrl-Space), so the popup is the one for this position, not one from a keystroke before.
    await page.keyboard.press("Escape");
    await page.keyboard.press("Control+Space");
    await popup.waitFor();
    expect(await popup.locator(".cm-completionLabel").allTextContents()).toEqual(['"Month-to-month"', '"One year"', '"Two year"']);
    // CodeMirror ignores keys for 75 ms after the popup opens (so a fast typist does not accept by accident).
    await page.waitForTimeout(150);
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("Enter");
    expect(await page.locator(".cm-content").innerText()).toBe('contract = "One year"');
    expect(await countFor(page, 'contract = "One year"')).toBe(await cliCount('contract = "One year"'));
  });

  it("a typo gets a squiggle whose quick fix repairs it", async () => {
    await typeInEditor(page, "tenur > 12 and churn", "keys");
    // The squiggle under the whole word (lint runs as you type, so earlier ones may flash by).
    const squiggle = page.locator(".cm-lintRange-error", { hasText: /^tenur$/ });
    await squiggle.waitFor();
    await page.keyboard.press("Escape"); // close the completion popup of the last word
    await squiggle.hover();
    const fix = page.locator(".cm-tooltip-lint .cm-diagnosticAction", { hasText: "use tenure" });
    await fix.waitFor();
    expect(await page.locator(".cm-tooltip-lint .cm-diagnosticText").first().textContent()).toContain("unknown field 'tenur'");
    await screenshot(page, "playground-lint-fix");
    await fix.click();
    expect(await page.locator(".cm-content").innerText()).toBe("tenure > 12 and churn");
    await page.locator(".cm-lintRange-error").waitFor({ state: "detached" });
    expect(await countFor(page, "tenure > 12 and churn")).toBe(await cliCount("tenure > 12 and churn"));
  });

  it("a part that adds nothing gets the analysis's warning, whose fix removes it", async () => {
    await typeInEditor(page, "tenure > 12 and tenure > 6 and churn", "keys");
    const squiggle = page.locator(".cm-lintRange-warning", { hasText: /^tenure > 6$/ });
    await squiggle.waitFor();
    await page.keyboard.press("Escape");
    await squiggle.hover();
    const fix = page.locator(".cm-tooltip-lint .cm-diagnosticAction", { hasText: "remove it" });
    await fix.waitFor();
    expect(await page.locator(".cm-tooltip-lint .cm-diagnosticText").first().textContent()).toContain("this adds nothing: 'tenure > 12' already implies it");
    await screenshot(page, "playground-analysis-warning");
    await fix.click();
    expect(await page.locator(".cm-content").innerText()).toBe("tenure > 12 and churn");
    await page.locator(".cm-lintRange-warning").waitFor({ state: "detached" });
    // A condition that never matches is said too, and the count agrees: nobody.
    await typeInEditor(page, "tenure > 12 and tenure < 6", "keys");
    await page.locator(".cm-lintRange-warning", { hasText: /^tenure > 12 and tenure < 6$/ }).waitFor();
    expect(await countFor(page, "tenure > 12 and tenure < 6")).toBe(0);
  });

  it("formats with the button and with Shift-Alt-F, and toggles -- comments", async () => {
    await typeInEditor(page, "TENURE>12   AND   churn");
    await page.getByTestId("format").click();
    await page.waitForFunction(() => document.querySelector(".cm-content")?.textContent === "TENURE > 12 and churn");
    await typeInEditor(page, "churn   or   senior_citizen");
    await page.keyboard.press("Shift+Alt+F");
    await page.waitForFunction(() => document.querySelector(".cm-content")?.textContent === "churn or senior_citizen");
    await page.keyboard.press("Control+Home");
    await page.keyboard.press("Control+/");
    await page.waitForFunction(() => document.querySelector(".cm-content")?.textContent?.startsWith("-- churn or senior_citizen"));
    expect(await page.locator(".cm-content .cm-line").first().innerText()).toBe("-- churn or senior_citizen");
  });

  it("hover tells what a field is", async () => {
    await typeInEditor(page, "monthly_charges > 70");
    await page.locator(".cm-content").getByText("monthly_charges").hover();
    const tip = page.locator(".cm-tooltip-hover");
    await tip.waitFor();
    expect(await tip.innerText()).toContain("monthly_charges");
    expect(await tip.innerText()).toContain("Monthly charge in USD.");
  });

  it("made no request outside the preview server and logged no errors", () => {
    expect(external).toEqual([]);
    expect(errors).toEqual([]);
  });
});
