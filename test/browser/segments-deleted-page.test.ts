/**
 * The page of a segment that is in Recently deleted (a bookmark, a link in a message, another tab), in real
 * headless Chromium against `segql serve` (in-process, a temporary DuckDB database with the demo): it says
 * the segment is in Recently deleted and since when, in words (not the API's "restore it with POST …"
 * meant for programs), and restores it from there: the segment's own page follows, with its members.
 * A segment deleted forever keeps the plain not-found note.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasChromium, skipReason } from "./harness.js";
import { cleanShot, closeSegmentsSession, openSegmentsSession, type SegmentsServer, type SegmentsSession } from "./segments-harness.js";

describe.skipIf(!hasChromium)(`segments web app: the page of a deleted segment (Chromium) ${hasChromium ? "" : skipReason}`, () => {
  let session: SegmentsSession;
  let server: SegmentsServer;
  let page: Page;

  beforeAll(async () => {
    session = await openSegmentsSession();
    ({ server, page } = session);
  });
  afterAll(() => closeSegmentsSession(session));

  it("says the segment is in Recently deleted, in words, and restores it from there", async () => {
    const s = await server.store.createSegment({ name: "Long-tenure deleted", kind: "dynamic", expression: "tenure > 70" });
    await server.store.deleteSegment(s.id);
    await page.goto(`${server.url}#/segments/${s.id}`);
    const note = page.getByTestId("segment-deleted");
    await note.waitFor();
    const text = (await note.textContent())!;
    expect(text).toContain("In Recently deleted");
    expect(text).toContain("“Long-tenure deleted” was deleted");
    expect(text).not.toContain("POST");
    expect(text).not.toContain("/api/");
    await cleanShot(page, "segments-page-deleted");

    await page.getByTestId("restore-deleted-segment").click();
    await page.getByRole("heading", { name: "Long-tenure deleted" }).waitFor();
    expect(await page.getByTestId("segment-deleted").count()).toBe(0);
    const restored = await server.store.getSegment(s.id);
    expect(restored.name).toBe("Long-tenure deleted");
    expect(restored.memberCount).toBeGreaterThan(0);
  });

  it("a segment deleted forever keeps the not-found note, with no Restore", async () => {
    const s = await server.store.createSegment({ name: "Gone for good", kind: "dynamic", expression: "tenure > 70" });
    await server.store.deleteSegment(s.id);
    await server.store.purgeDeletedSegment(s.id);
    await page.goto(`${server.url}#/segments/${s.id}`);
    await page.getByRole("alert").first().waitFor();
    expect(await page.getByTestId("segment-deleted").count()).toBe(0);
    expect(await page.getByTestId("restore-deleted-segment").count()).toBe(0);
    expect(await page.getByRole("alert").first().textContent()).toContain("Recently deleted");
  });
});
