/**
 * The contact form changes exactly the fields the user changed, each to the value they can see they typed,
 * in real headless Chromium against `segql serve` (in-process) over a DuckDB database of its own, whose
 * schema has every type (the demo has no free-text field and no date):
 * - an edit of one field leaves every other field as stored: `""` stays `""` and null stays null, a list
 *   item holding a line break, spaces or nothing stays one item, 1e21 and -0, a date, an instant written
 *   with an offset and false are unchanged (read back through the API and from the store);
 * - a list's items are edited one by one (add, remove): the other items are sent exactly as stored, and a
 *   pasted block of lines adds one item per line;
 * - the form tells "no value" (null) from empty text (`""`); an emptied field is stored as no value; a field
 *   typed in and put back as it was is no change;
 * - a new contact's list, and an event's list property, are sent as their items.
 * No request leaves the server's origin.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page, Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseSchema } from "../../src/schema/schema.js";
import { startServer } from "../../src/server/index.js";
import { openStore } from "../../src/store/index.js";
import { distDir, ensureBuild, hasChromium, openBrowserSession, skipReason } from "./harness.js";
import { cleanShot, closeSegmentsSession, type SegmentsServer, type SegmentsSession } from "./segments-harness.js";

/** Every type a field can have, and events with a list property. */
const SCHEMA = parseSchema(
  JSON.stringify({
    table: "contacts",
    key: "id",
    fields: {
      id: { type: "string" },
      name: { type: "string" },
      nickname: { type: "string" },
      note: { type: "string" },
      ltv: { type: "number" },
      big: { type: "number" },
      zero: { type: "number" },
      birthday: { type: "date" },
      last_seen: { type: "timestamp" },
      active: { type: "boolean" },
      tags: { type: "list" },
      plan: { type: "enum", values: ["Free", "Pro"] },
    },
    events: { table: "events", contact_key: "id", name: "event", time: "at", properties: { labels: { type: "list" }, amount: { type: "number" } }, names: ["Purchase"] },
  }),
  "the test schema",
);

/** A contact holding what a lossy form would change: `""` and null, odd list items, 1e21, -0, an offset. */
const ADA = {
  id: "ada",
  name: "Ada",
  nickname: "",
  note: null,
  ltv: 12.5,
  big: 1e21,
  zero: -0,
  birthday: "1990-02-28",
  last_seen: "2024-03-01T10:00:00+02:00",
  active: false,
  tags: ["line one\nline two", " spaced ", "", "c"],
  plan: "Pro",
};

/** The server over a new DuckDB file holding only `ADA`. */
async function startFormServer(): Promise<SegmentsServer> {
  await ensureBuild();
  const dir = mkdtempSync(join(tmpdir(), "segql-form-"));
  const store = await openStore({ db: join(dir, "form.duckdb"), schema: SCHEMA });
  try {
    await store.upsertContacts([ADA]);
    const server = await startServer({ store, port: 0, host: "127.0.0.1", staticDir: distDir, refreshEveryMs: null, log: (l) => process.stderr.write(`${l}\n`) });
    return {
      url: server.url.replace(/\/?$/, "/"),
      store,
      async close() {
        await server.close();
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

describe.skipIf(!hasChromium)(`segments web app: the contact form changes only what was changed (Chromium) ${hasChromium ? "" : skipReason}`, () => {
  let session: SegmentsSession;
  let server: SegmentsServer;
  let page: Page;
  /** The JSON bodies of the contact and event writes the page sent. */
  const writes: unknown[] = [];

  beforeAll(async () => {
    server = await startFormServer();
    try {
      session = { ...(await openBrowserSession(server.url)), server };
    } catch (e) {
      await server.close();
      throw e;
    }
    page = session.page;
    page.on("request", (r: Request) => {
      if (r.method() === "POST" && /\/api\/(contacts|events)$/.test(new URL(r.url()).pathname)) writes.push(r.postDataJSON());
    });
  }, 180_000);
  afterAll(() => closeSegmentsSession(session));

  const input = (field: string) => page.locator(`[data-field-input="${field}"]`);
  const field = (name: string) => page.locator(`.form-field[data-field="${name}"]`);
  /** The items a list field's editor shows, as their text. */
  const items = (name: string) => field(name).getByTestId("list-item").evaluateAll((els) => els.map((e) => e.getAttribute("data-item")));
  /** The contact as the API answers it (what another client reads). */
  const apiContact = async (key: string) => ((await (await fetch(`${server.url}api/contacts/${encodeURIComponent(key)}`)).json()) as { values: Record<string, unknown> }).values;

  async function editContact(key: string): Promise<void> {
    // From another page: the same address again would not load the page anew.
    await page.goto(`${server.url}#/contacts`);
    await page.goto(`${server.url}#/contacts/${encodeURIComponent(key)}`);
    await page.getByTestId("contact-values").waitFor({ timeout: 30_000 });
    await page.getByTestId("edit-values").click();
    await page.getByTestId("values-form").waitFor();
  }

  async function save(): Promise<void> {
    writes.length = 0;
    await page.getByTestId("save-values").click();
    await page.getByTestId("write-news").waitFor();
  }

  it("an edit of one field leaves every other field as stored: empty text, no value, odd list items, 1e21, -0, a date, an instant, false", async () => {
    const before = await apiContact("ada");
    await editContact("ada");
    // The form shows each value as stored: the list one item each, the line break and the spaces kept.
    expect(await items("tags")).toEqual(["line one\nline two", " spaced ", "", "c"]);
    expect(await input("big").inputValue()).toBe("1e+21");
    expect(await input("birthday").inputValue()).toBe("1990-02-28");
    expect(await input("active").inputValue()).toBe("false");
    await input("ltv").fill("99");
    expect(await page.getByTestId("save-values").textContent()).toBe("Save 1 change");
    await save();
    // Only ltv was sent, expecting the value read.
    expect(writes).toEqual([{ contacts: [{ id: "ada", ltv: 99 }], expect: { ada: { ltv: 12.5 } } }]);
    expect(await apiContact("ada")).toEqual({ ...before, ltv: 99 });
    const stored = (await server.store.getContact("ada")).values;
    expect(stored).toEqual({ ...ADA, ltv: 99, last_seen: "2024-03-01T08:00:00.000Z" });
    expect(Object.is(stored["zero"], -0)).toBe(true);
    expect(stored["nickname"]).toBe("");
    expect(stored["note"]).toBeNull();
  });

  it("edits a list item by item: the other items are sent exactly as stored; a pasted block adds one item per line", async () => {
    await editContact("ada");
    const add = input("tags");
    await add.fill("d");
    await add.press("Enter");
    expect(await items("tags")).toEqual(["line one\nline two", " spaced ", "", "c", "d"]);
    // Removing "c" by its button (named after the item, for a screen reader).
    await field("tags").getByRole("button", { name: "Remove c from tags" }).click();
    expect(await items("tags")).toEqual(["line one\nline two", " spaced ", "", "d"]);
    await cleanShot(page, "segments-contact-list-items");
    await save();
    expect(writes).toEqual([{ contacts: [{ id: "ada", tags: ["line one\nline two", " spaced ", "", "d"] }], expect: { ada: { tags: ADA.tags } } }]);
    expect((await apiContact("ada"))["tags"]).toEqual(["line one\nline two", " spaced ", "", "d"]);

    // A block of lines pasted into the add box: one item per line (blank lines and edge spaces left out).
    await editContact("ada");
    await input("tags").focus();
    await page.evaluate(() => {
      const data = new DataTransfer();
      data.setData("text/plain", "e\n\n  f  \r\ng\n");
      document.activeElement!.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
    });
    expect(await items("tags")).toEqual(["line one\nline two", " spaced ", "", "d", "e", "f", "g"]);
    // Every item removed: the list is stored as no value.
    for (let n = 7; n > 0; n--) await field("tags").getByTestId("list-item").first().getByRole("button").click();
    expect(await items("tags")).toEqual([]);
    await save();
    expect((await apiContact("ada"))["tags"]).toBeNull();
  });

  it("tells no value from empty text; an emptied field is stored as no value; typed and put back is no change", async () => {
    await server.store.upsertContacts([{ id: "grace", name: "Grace", nickname: "", note: null, tags: ["x\ny"] }]);
    await editContact("grace");
    // Empty text and no value look alike in an input: each says which it is.
    expect(await input("nickname").getAttribute("placeholder")).toBe('empty text ("")');
    expect(await input("note").getAttribute("placeholder")).toBe("no value");
    await cleanShot(page, "segments-contact-empty-text");
    // Typed in, then put back: nothing changed, nothing sent.
    await input("nickname").fill("Gigi");
    expect(await page.getByTestId("save-values").textContent()).toBe("Save 1 change");
    await input("nickname").fill("");
    expect(await input("nickname").getAttribute("placeholder")).toBe('empty text ("")');
    writes.length = 0;
    await page.getByTestId("save-values").click();
    await page.getByText("Nothing changed.").waitFor();
    expect(writes).toEqual([]);
    // A name emptied: stored as no value (what "clear this field" means in a CRM), and said so before saving.
    await input("name").fill("");
    expect(await input("name").getAttribute("placeholder")).toBe("no value");
    await save();
    expect(writes).toEqual([{ contacts: [{ id: "grace", name: null }], expect: { grace: { name: "Grace" } } }]);
    expect(await apiContact("grace")).toMatchObject({ name: null, nickname: "", note: null, tags: ["x\ny"] });
  });

  it("a new contact's list and an event's list property are sent as their items; empty fields are not sent", async () => {
    await page.goto(`${server.url}#/new-contact`);
    await page.getByTestId("values-form").waitFor();
    await input("id").fill("hopper");
    await input("tags").fill("first item");
    await input("tags").press("Enter");
    await input("tags").fill("second");
    // Not added with Enter: taken when the box is left (Save clicked), as the rule builder's chips are.
    await save();
    expect(writes).toEqual([{ contacts: [{ id: "hopper", tags: ["first item", "second"] }] }]);
    expect(await apiContact("hopper")).toMatchObject({ tags: ["first item", "second"], name: null, nickname: null });

    await page.getByTestId("record-event").click();
    await page.getByTestId("event-form").waitFor();
    await input("labels").fill("gift");
    await input("labels").press("Enter");
    await input("amount").fill("5");
    writes.length = 0;
    await page.getByTestId("save-event").click();
    await page.getByTestId("write-news").waitFor();
    expect(writes).toMatchObject([{ events: [{ id: "hopper", event: "Purchase", properties: { labels: ["gift"], amount: 5 } }] }]);
  });

  it("a list item with a line break and a 200-character one fit a 390px phone, in the dark theme", async () => {
    await server.store.upsertContacts([{ id: "lovelace", tags: ["first line\nsecond line", "x".repeat(200), "short"] }]);
    const phone = await session.context.newPage();
    try {
      await phone.setViewportSize({ width: 390, height: 844 });
      await phone.goto(`${server.url}#/contacts/lovelace`);
      await phone.getByTestId("edit-values").click();
      await phone.getByTestId("values-form").waitFor();
      await phone.getByTestId("theme-dark").click();
      // Nothing widens the page: the long item wraps inside its chip.
      expect(await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
      await phone.locator('.form-field[data-field="tags"]').scrollIntoViewIfNeeded();
      await cleanShot(phone, "segments-contact-list-items-phone-dark");
      await phone.getByTestId("theme-light").click();
    } finally {
      await phone.close();
    }
  });
});
