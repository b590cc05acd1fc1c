/**
 * The editor (the playground's and the segment form's, one component) with a text of one very long line,
 * in real headless Chromium against `segql serve` (in-process, the demo on DuckDB):
 * - a line over 2,000 characters does not wrap (a wrapped line is laid out whole on every keystroke: a
 *   20 KB line cost 300-500 ms per key), so only its visible part is drawn, and a note under the editor
 *   says why and what Format does; a short text wraps as before;
 * - bracket matching looks for a parenthesis's partner at most 10,000 characters away: beside the outer
 *   parenthesis of 10,000 nested ones nothing is highlighted (the whole text was walked on every cursor
 *   move), while a pair close by still is.
 * The per-key latency is measured by hand (see the report), not here.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasChromium, skipReason } from "./harness.js";
import { cleanShot, closeSegmentsSession, openNew, openSegmentsSession, type SegmentsSession } from "./segments-harness.js";

/** 10,000 nested parentheses around one condition: 20 KB on one line. */
const NESTED = `${"(".repeat(10_000)}tenure > 1${")".repeat(10_000)}`;

/** Replaces the editor's text as a paste from the clipboard does (one transaction, however long). */
async function paste(page: Page, text: string): Promise<void> {
  await page.locator(".cm-content").click();
  await page.keyboard.press("Control+a");
  await page.locator(".cm-content").evaluate((content, t) => {
    const data = new DataTransfer();
    data.setData("text/plain", t);
    content.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
  }, text);
}

/** How many characters of the editor's text are in the DOM (drawn), and whether its lines wrap. */
const drawn = (page: Page) =>
  page.locator(".cm-content").evaluate((c) => ({ chars: [...c.querySelectorAll(".cm-line")].reduce((n, l) => n + (l.textContent ?? "").length, 0), wraps: c.classList.contains("cm-lineWrapping") }));
const matched = (page: Page) => page.locator(".cm-content .cm-matchingBracket, .cm-content .cm-nonmatchingBracket").allTextContents();

describe.skipIf(!hasChromium)(`the editor with a very long line (Chromium) ${hasChromium ? "" : skipReason}`, () => {
  let session: SegmentsSession;
  let page: Page;

  beforeAll(async () => {
    session = await openSegmentsSession();
    ({ page } = session);
  });

  afterAll(() => closeSegmentsSession(session));

  it("draws only the visible part of a 20 KB line in the playground, says so, and wraps again once the line is short", async () => {
    await page.goto(`${session.server.url}#/playground`);
    await page.getByTestId("count").waitFor({ timeout: 60_000 });
    expect((await drawn(page)).wraps).toBe(true);
    expect(await page.getByTestId("editor-unwrapped").count()).toBe(0);

    await paste(page, NESTED);
    const note = page.getByTestId("editor-unwrapped");
    await note.waitFor();
    expect(await note.textContent()).toBe("A line longer than 2,000 characters scrolls sideways rather than wrapping, so typing stays quick; Format breaks it into lines.");
    const shown = await drawn(page);
    expect(shown.wraps).toBe(false);
    expect(shown.chars).toBeLessThan(NESTED.length / 4);
    // A key typed at the end changes the text, and still only part of it is drawn.
    await page.keyboard.press("Control+End");
    await page.keyboard.type(" ");
    expect((await drawn(page)).chars).toBeLessThan(NESTED.length / 4);
    await page.keyboard.press("Escape");
    await cleanShot(page, "editor-long-line");

    await paste(page, "tenure > 1 and (contract = \"Month-to-month\" or tenure < 3)");
    await note.waitFor({ state: "detached" });
    expect((await drawn(page)).wraps).toBe(true);
  });

  it("matches a parenthesis with a partner close by, and does not walk 20 KB to the outer one's", async () => {
    await page.goto(`${session.server.url}#/playground`);
    await page.getByTestId("count").waitFor({ timeout: 60_000 });
    await paste(page, "(tenure > 1) and (contract = \"Month-to-month\")");
    await page.keyboard.press("Home");
    await page.keyboard.press("ArrowRight");
    expect(await matched(page)).toEqual(["(", ")"]);
    expect(await page.locator(".cm-content .cm-matchingBracket").count()).toBe(2);

    // In a 20 KB line, a pair close by is still matched…
    await paste(page, `(tenure > 1) and ${NESTED}`);
    await page.keyboard.press("Control+Home");
    await page.keyboard.press("ArrowRight");
    await expect.poll(() => matched(page)).toEqual(["(", ")"]);
    // …but beside the last `)`, whose partner is 20,000 characters away, nothing is looked for.
    await page.keyboard.press("Control+End");
    expect(await matched(page)).toEqual([]);
  });

  it("does the same in the segment form's editor", async () => {
    await openNew(page, session.server.url);
    await paste(page, NESTED);
    await page.getByTestId("editor-unwrapped").waitFor();
    const shown = await drawn(page);
    expect(shown.wraps).toBe(false);
    expect(shown.chars).toBeLessThan(NESTED.length / 4);
    await page.keyboard.press("Control+End");
    await page.keyboard.press("ArrowLeft");
    await page.keyboard.press("ArrowRight");
    expect(await matched(page)).toEqual([]);
    await cleanShot(page, "segments-long-line");
  });
});
