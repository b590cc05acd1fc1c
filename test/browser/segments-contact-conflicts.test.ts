/**
 * Two people editing one contact at once (#/contacts/{key}, Edit values), in real headless Chromium against
 * `segql serve` (in-process, the demo on a temporary DuckDB file), two pages side by side:
 * - the same field: the second to save is told, under the field, what the first saved ("changed by someone
 *   else since you opened it: now …"), nothing of theirs is written and their input stays; "Overwrite with
 *   mine" then saves it (expecting what is stored now), or "Use theirs" (by keyboard) takes the stored value
 *   into the field and the rest of their changes save;
 * - different fields: both save, no conflict;
 * - every save sends the values the form read for the fields it changes (`expect`);
 * - the conflict state fits a 390px phone. Screenshots of it, desktop and phone.
 */
import type { Page, Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasChromium, screenshot, skipReason, watchErrors } from "./harness.js";
import { cleanShot, closeSegmentsSession, openSegmentsSession, type SegmentsServer, type SegmentsSession } from "./segments-harness.js";

describe.skipIf(!hasChromium)(`segments web app: two people editing one contact (Chromium) ${hasChromium ? "" : skipReason}`, () => {
  let session: SegmentsSession;
  let server: SegmentsServer;
  /** The first person's page and the second's. */
  let ann: Page;
  let bob: Page;
  /** The JSON bodies of the contact writes each page sent. */
  const writes = new Map<Page, unknown[]>();

  const record = (page: Page) => {
    writes.set(page, []);
    page.on("request", (r: Request) => {
      if (r.method() === "POST" && new URL(r.url()).pathname === "/api/contacts") writes.get(page)!.push(r.postDataJSON());
    });
  };

  beforeAll(async () => {
    session = await openSegmentsSession();
    server = session.server;
    ann = session.page;
    bob = await session.context.newPage();
    record(ann);
    record(bob);
  }, 180_000);
  // The 409s asked for on purpose show as failed resources; nothing else may.
  afterAll(() => closeSegmentsSession(session));

  const input = (page: Page, field: string) => page.locator(`[data-field-input="${field}"]`);
  const focused = (page: Page) => page.evaluate(() => document.activeElement?.getAttribute("data-field-input") ?? document.activeElement?.getAttribute("data-testid") ?? null);
  const stored = async (key: string) => (await server.store.getContact(key)).values;
  /** Telco contacts on a monthly contract, a fresh one per test (by key order, from the end). */
  let used = 0;
  const telcoContact = async () => String((await server.store.listContacts({ filter: 'source = "telco" and contract = "Month-to-month"', limit: 10, orderBy: "customer_id", descending: true })).items[used++]!["customer_id"]);

  /** Opens the contact's values form on `page`. */
  async function edit(page: Page, key: string): Promise<void> {
    await page.goto(`${server.url}#/segments`);
    await page.goto(`${server.url}#/contacts/${encodeURIComponent(key)}`);
    await page.getByTestId("edit-values").click();
    await page.getByTestId("values-form").waitFor();
  }
  async function saved(page: Page): Promise<void> {
    await page.getByTestId("save-values").click();
    await page.getByTestId("write-news").waitFor();
  }

  it("the same field: the second is told what the first saved, keeps their input, and can overwrite it", async () => {
    const key = await telcoContact();
    const before = await stored(key);
    await edit(ann, key);
    await edit(bob, key);
    await input(ann, "tenure").fill("11");
    writes.get(ann)!.length = 0;
    await saved(ann);
    // The value the form read travels with the change.
    expect(writes.get(ann)).toEqual([{ contacts: [{ customer_id: key, tenure: 11 }], expect: { [key]: { tenure: before["tenure"] } } }]);
    expect((await stored(key))["tenure"]).toBe(11);

    await input(bob, "tenure").fill("22");
    await bob.getByTestId("save-values").click();
    const alert = bob.getByTestId("values-conflict");
    await alert.waitFor();
    expect(await alert.getAttribute("role")).toBe("alert");
    expect(await alert.textContent()).toContain("Nothing was saved: someone else changed a field since you opened it (tenure).");
    const field = bob.locator('.form-field[data-field="tenure"]');
    expect(await field.getByTestId("field-conflict").textContent()).toBe("Changed by someone else since you opened it: now 11Use theirs");
    // Bob's input stays, the note is read with the field, and the field has the focus.
    expect(await input(bob, "tenure").inputValue()).toBe("22");
    const described = (await input(bob, "tenure").getAttribute("aria-describedby"))!.split(" ");
    const notes = await Promise.all(described.map((id) => bob.evaluate((i) => document.getElementById(i)?.textContent ?? null, id)));
    expect(notes).toContain("Changed by someone else since you opened it: now 11");
    expect(await focused(bob)).toBe("tenure");
    expect((await stored(key))["tenure"]).toBe(11);
    // No Save beside Overwrite: it would be refused again. Enter in a field saves nothing either.
    expect(await bob.getByTestId("save-values").count()).toBe(0);
    await input(bob, "tenure").press("Enter");
    expect((await stored(key))["tenure"]).toBe(11);
    await cleanShot(bob, "segments-contact-conflict", { fullPage: true });

    writes.get(bob)!.length = 0;
    await bob.getByTestId("overwrite-values").click();
    await bob.getByTestId("write-news").waitFor();
    // Sent again, expecting what Ann saved.
    expect(writes.get(bob)).toEqual([{ contacts: [{ customer_id: key, tenure: 22 }], expect: { [key]: { tenure: 11 } } }]);
    expect((await stored(key))["tenure"]).toBe(22);
  });

  it("the same field: Use theirs (by keyboard) takes what is stored into the field, and the other changes save", async () => {
    const key = await telcoContact();
    const before = await stored(key);
    await edit(ann, key);
    await edit(bob, key);
    await input(ann, "contract").selectOption("One year");
    await saved(ann);

    await input(bob, "contract").selectOption("Two year");
    await input(bob, "tenure").fill("33");
    expect(await bob.getByTestId("save-values").textContent()).toBe("Save 2 changes");
    await bob.getByTestId("save-values").click();
    await bob.getByTestId("values-conflict").waitFor();
    // Only the contract conflicts: the tenure has no note.
    expect(await bob.locator(".form-field.has-conflict").evaluateAll((fs) => fs.map((f) => f.getAttribute("data-field")))).toEqual(["contract"]);
    expect(await bob.locator('.form-field[data-field="contract"]').getByTestId("conflict-now").textContent()).toBe("One year");
    expect(await bob.getByTestId("save-values").count()).toBe(0);
    expect((await stored(key))).toEqual({ ...before, contract: "One year" });

    // From the field (focused), Tab reaches its Use theirs; Enter takes it and the focus goes back to the field.
    expect(await focused(bob)).toBe("contract");
    await bob.keyboard.press("Tab");
    expect(await bob.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe("Use theirs for contract");
    await bob.keyboard.press("Enter");
    await expect.poll(() => bob.getByTestId("values-conflict").count()).toBe(0);
    expect(await input(bob, "contract").inputValue()).toBe("One year");
    expect(await input(bob, "tenure").inputValue()).toBe("33");
    expect(await focused(bob)).toBe("contract");
    expect(await bob.getByTestId("save-values").textContent()).toBe("Save 1 change");
    writes.get(bob)!.length = 0;
    await saved(bob);
    expect(writes.get(bob)).toEqual([{ contacts: [{ customer_id: key, tenure: 33 }], expect: { [key]: { tenure: before["tenure"] } } }]);
    expect(await stored(key)).toEqual({ ...before, contract: "One year", tenure: 33 });
  });

  it("different fields: both save, without a conflict", async () => {
    const key = await telcoContact();
    const before = await stored(key);
    await edit(ann, key);
    await edit(bob, key);
    await input(ann, "tenure").fill("44");
    await saved(ann);
    await input(bob, "churn").selectOption(before["churn"] === true ? "false" : "true");
    await saved(bob);
    expect(await bob.getByTestId("values-conflict").count()).toBe(0);
    expect(await stored(key)).toEqual({ ...before, tenure: 44, churn: before["churn"] !== true });
  });

  it("the conflict state fits a 390px phone", async () => {
    const key = await telcoContact();
    const phone = await session.context.newPage();
    const errors = watchErrors(phone);
    try {
      await phone.setViewportSize({ width: 390, height: 844 });
      await edit(phone, key);
      // Someone else changes the monthly charges meanwhile.
      await server.store.upsertContacts([{ customer_id: key, monthly_charges: 12.34 }]);
      await input(phone, "monthly_charges").fill("99.5");
      await phone.getByTestId("save-values").click();
      await phone.getByTestId("values-conflict").waitFor();
      expect(await phone.locator('.form-field[data-field="monthly_charges"]').getByTestId("conflict-now").textContent()).toBe("12.34");
      expect(await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
      await phone.locator('.form-field[data-field="monthly_charges"]').scrollIntoViewIfNeeded();
      await screenshot(phone, "segments-contact-conflict-phone");
      expect(errors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
    } finally {
      await phone.close();
    }
  });
});
