/**
 * The segments web app in real headless Chromium against `segql serve` (in-process, a temporary DuckDB
 * database with the demo): creating segments.
 * - a dynamic segment with two groups built with the builder only: the editor shows the same text, and
 *   the saved segment has it;
 * - an edit of the text: the builder follows (groups, fields, operators, values), comments stay;
 * - a builder edit rewrites only its part of a text with comments and layout;
 * - "Preview matching contacts" shows the API's counts (whole and per condition) and the impact of an edit,
 *   counted and by the rules (who enters and leaves, as conditions);
 * - a static segment by picking: search, checkboxes, a second page, all matches of a filter, pasted keys
 *   with an unknown one shown; the saved members are exactly those;
 * - editing a static segment, the picker's table marks its members (ticked, locked, "member") and picks
 *   none of them, also with the page's checkbox;
 * - the analysis's warnings underlined in the text, with static segments as opaque member lists;
 * - the checker's errors reported in place on save, and a name taken under the name.
 * No request leaves the server's origin. Screenshots of the create pages go to docs/screenshots/.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { diffSegments } from "../../src/analysis/index.js";
import { hasChromium, skipReason } from "./harness.js";
import { cleanShot, editorText, groupButton, node, openNew, setRule, closeSegmentsSession, openSegmentsSession, type SegmentsServer, type SegmentsSession } from "./segments-harness.js";

describe.skipIf(!hasChromium)(`segments web app: building segments (Chromium) ${hasChromium ? "" : skipReason}`, () => {
  let session: SegmentsSession;
  let server: SegmentsServer;
  let page: Page;

  beforeAll(async () => {
    session = await openSegmentsSession();
    ({ server, page } = session);
  });

  afterAll(() => closeSegmentsSession(session));

  it("creates a dynamic segment with two groups using the builder only; the editor shows the same text", async () => {
    await openNew(page, server.url);
    await page.getByTestId("segment-name").fill("Fiber veterans or two-year");
    await page.getByTestId("segment-description").fill("Built with the rule builder.");
    // First group: internet on fiber and tenure over 24 months.
    await groupButton(page, "g", "+ Group").click();
    await setRule(page, "g.0.0", "internet_service", null, "Fiber optic");
    await groupButton(page, "g.0", "+ Rule").click();
    await setRule(page, "g.0.1", "tenure", ">", "24");
    // Second group: on a two-year contract; the groups joined with OR.
    await groupButton(page, "g", "+ Group").click();
    await setRule(page, "g.1.0", "contract", null, "Two year");
    await node(page, "g").locator("> .ruleGroup-header").getByLabel("Combine the conditions of this group with").selectOption("or");
    const expected = '(internet_service = "Fiber optic" and tenure > 24) or (contract = "Two year")';
    await expect.poll(() => editorText(page)).toBe(expected);
    await cleanShot(page, "segments-create-builder", { fullPage: true });
    await page.getByTestId("save").click();
    await page.waitForURL(/#\/segments\/\d+$/);
    const id = Number(/#\/segments\/(\d+)/.exec(page.url())![1]);
    const saved = await server.store.getSegment(id);
    expect(saved.expression).toBe(expected);
    expect(saved.description).toBe("Built with the rule builder.");
    await expect.poll(async () => page.getByTestId("segment-member-count").textContent()).toBe(saved.memberCount.toLocaleString("en-US"));
    const preview = await server.store.preview(expected, { limit: 0, conditionCounts: false });
    expect(saved.memberCount).toBe(preview.count);
  });

  it("drives the date and time editors: a date, a date and time in UTC, time ago, time from now, today", async () => {
    await openNew(page, server.url);
    await page.getByTestId("segment-name").fill("Signed up by time");
    await groupButton(page, "g", "+ Rule").click();
    await setRule(page, "g.0", "signed_up_at", "before", null);
    const rule = node(page, "g.0");
    const kind = rule.getByLabel("Value of signed_up_at: kind of time");
    const typed: [string, string][] = [];
    // Each kind of time as a person sets it, and the text the editor then shows.
    await kind.selectOption("date");
    await rule.getByLabel("Value of signed_up_at", { exact: true }).fill("2024-03-01");
    await expect.poll(() => editorText(page)).toBe("signed_up_at before 2024-03-01");
    typed.push(["date", await editorText(page)]);
    await kind.selectOption("timestamp");
    await rule.getByLabel("Value of signed_up_at (UTC)").fill("2024-03-01T10:30:15");
    await expect.poll(() => editorText(page)).toBe("signed_up_at before 2024-03-01T10:30:15Z");
    typed.push(["timestamp", await editorText(page)]);
    await kind.selectOption("relative");
    await rule.getByLabel("Value of signed_up_at: how many").fill("3");
    await rule.getByLabel("Value of signed_up_at: unit").selectOption({ label: "months" });
    await expect.poll(() => editorText(page)).toBe("signed_up_at before 3 months ago");
    typed.push(["relative", await editorText(page)]);
    await cleanShot(page, "segments-time-editor");
    await kind.selectOption("future");
    await expect.poll(() => editorText(page)).toBe("signed_up_at before 3 months from now");
    await kind.selectOption("today");
    await expect.poll(() => editorText(page)).toBe("signed_up_at before today");
    // A text edit comes back into the editors: the date picker shows the typed date.
    await page.locator(".cm-content").click();
    await page.keyboard.press("ControlOrMeta+a");
    await page.keyboard.type("signed_up_at after 2023-12-31");
    await expect.poll(() => rule.getByLabel("Value of signed_up_at", { exact: true }).inputValue()).toBe("2023-12-31");
    expect(await kind.inputValue()).toBe("date");
    // What was built checks and saves; the store counts what the predicate counts.
    for (const [, text] of typed) expect((await server.store.preview(text, { limit: 0, conditionCounts: false })).count).toBeGreaterThanOrEqual(0);
    await page.getByTestId("save").click();
    await page.waitForURL(/#\/segments\/\d+$/);
    const saved = await server.store.getSegment(Number(/#\/segments\/(\d+)/.exec(page.url())![1]));
    expect(saved.expression).toBe("signed_up_at after 2023-12-31");
    expect(saved.memberCount).toBe((await server.store.preview(saved.expression!, { limit: 0, conditionCounts: false })).count);
  });

  it("follows a text edit in the builder: groups, fields, operators and values", async () => {
    await openNew(page, server.url);
    await page.getByTestId("segment-name").fill("Typed");
    await page.locator(".cm-content").click();
    const text = '-- seniors on paper bills\nsenior_citizen and (payment_method in ("Mailed check", "Electronic check") or monthly_charges between 20 and 40.5)\n  and signed_up_at within last 2 years';
    await page.keyboard.insertText(text);
    await expect.poll(() => editorText(page)).toBe(text);
    const builder = page.getByTestId("builder");
    await expect.poll(() => node(page, "g.0").getByLabel("Field", { exact: true }).inputValue()).toBe("senior_citizen");
    expect(await node(page, "g.0").getByLabel("Operator for senior_citizen").inputValue()).toBe("isTrue");
    expect(await node(page, "g.1").locator("> .ruleGroup-header").getByLabel("Combine the conditions of this group with").inputValue()).toBe("or");
    expect(await node(page, "g.1.0").getByLabel("Operator for payment_method").inputValue()).toBe("in");
    expect(await node(page, "g.1.0").getByRole("group", { name: "Value of payment_method" }).innerText()).toMatch(/Mailed check[\s\S]*Electronic check/);
    expect(await node(page, "g.1.1").getByLabel("Value of monthly_charges: from").inputValue()).toBe("20");
    expect(await node(page, "g.1.1").getByLabel("Value of monthly_charges: to").inputValue()).toBe("40.5");
    expect(await node(page, "g.2").getByLabel("Value of signed_up_at: how many").inputValue()).toBe("2");
    expect(await node(page, "g.2").getByLabel("Value of signed_up_at: unit").inputValue()).toBe("year");
    // Typing more: the builder follows at once.
    await page.locator(".cm-content").click();
    await page.keyboard.press("Control+End");
    await page.keyboard.type(' and contract != "Month-to-month"');
    await expect.poll(() => node(page, "g.3").getByLabel("Field", { exact: true }).inputValue()).toBe("contract");
    expect(await node(page, "g.3").getByLabel("Operator for contract").inputValue()).toBe("!=");
    // A text that does not read yet pauses the builder (saying where), which follows again once it does.
    await page.keyboard.type(" and tenure >");
    await expect.poll(() => page.getByTestId("builder-paused").textContent()).toMatch(/The builder follows the text once it reads as one condition: fix the text first \(3:\d+: /);
    expect(await page.getByTestId("builder").getAttribute("class")).toBe("paused");
    await page.keyboard.type(" 6");
    await expect.poll(() => page.getByTestId("builder-paused").count()).toBe(0);
    await expect.poll(() => node(page, "g.4").getByLabel("Value of tenure", { exact: true }).inputValue()).toBe("6");
    for (const _ of " and tenure > 6") await page.keyboard.press("Backspace");
    await expect.poll(() => editorText(page)).toBe(`${text} and contract != "Month-to-month"`);
    // An event condition is a rule of its own: did not perform "Refund" (at least once, at any time).
    await page.keyboard.type(' and not performed "Refund"');
    await expect.poll(() => node(page, "g.4").getByLabel("Operator for the event").inputValue()).toBe("notPerformed");
    expect(await node(page, "g.4").getByLabel("Event: name").inputValue()).toBe("Refund");
    expect(await node(page, "g.4").getByLabel("Event: how often").inputValue()).toBe("once");
    expect(await builder.isVisible()).toBe(true);
    await cleanShot(page, "segments-text-to-builder", { fullPage: true });
  });

  it("rewrites only the part a builder edit changes (comments and layout elsewhere stay)", async () => {
    const before = await editorText(page);
    await node(page, "g.1.1").getByLabel("Value of monthly_charges: to").fill("55");
    await expect.poll(() => editorText(page)).toBe(before.replace("40.5", "55"));
    await node(page, "g.1.0").getByRole("button", { name: "Remove Electronic check" }).click();
    await expect.poll(() => editorText(page)).toBe(before.replace("40.5", "55").replace('("Mailed check", "Electronic check")', '("Mailed check")'));
    await node(page, "g.1").locator("> .ruleGroup-header").getByLabel("Combine the conditions of this group with").selectOption("and");
    await expect.poll(() => editorText(page)).toBe(before.replace("40.5", "55").replace('("Mailed check", "Electronic check")', '("Mailed check")').replace(") or monthly", ") and monthly"));
    // Undo in the editor takes a builder edit back, as one step.
    await page.locator(".cm-content").click();
    await page.keyboard.press("Control+z");
    const undone = before.replace("40.5", "55").replace('("Mailed check", "Electronic check")', '("Mailed check")');
    await expect.poll(() => editorText(page)).toBe(undone);
    // The future stays the future: `in 3 days` shows as a time from now and keeps its spelling when its
    // amount changes; `within last` becomes `within next` by the operator alone.
    await page.keyboard.press("Control+End");
    await page.keyboard.type(" and signed_up_at before in 3 days");
    await expect.poll(() => node(page, "g.5").getByLabel("Value of signed_up_at: kind of time").inputValue()).toBe("future");
    await node(page, "g.5").getByLabel("Value of signed_up_at: how many").fill("5");
    await expect.poll(() => editorText(page)).toBe(`${undone} and signed_up_at before in 5 days`);
    await node(page, "g.2").getByLabel("Operator for signed_up_at").selectOption("withinNext");
    await expect.poll(() => editorText(page)).toBe(`${undone.replace("within last 2 years", "within next 2 years")} and signed_up_at before in 5 days`);
  });

  it("previews the counts the API gives: the whole, each condition, and who enters and leaves on an edit (counted, and by the rules)", async () => {
    await openNew(page, server.url);
    const text = 'contract = "Month-to-month" and (tenure > 12 or senior_citizen) and internet_service = "Fiber optic"';
    await page.locator(".cm-content").click();
    await page.keyboard.insertText(text);
    await page.getByTestId("preview-button").click();
    await page.getByTestId("preview-count").waitFor();
    const api = await server.store.preview(text, { limit: 10 });
    expect(await page.getByTestId("preview-count").textContent()).toBe(api.count.toLocaleString("en-US"));
    expect(await page.getByTestId("condition-count").allTextContents()).toEqual(api.conditions.map((c) => c.count.toLocaleString("en-US")));
    const shownKeys = await page.getByTestId("preview").locator("tbody tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-key")));
    expect(shownKeys).toEqual(api.contacts.map((c) => c["customer_id"]));
    await cleanShot(page, "segments-preview", { fullPage: true });

    // An edit of a saved segment: the impact.
    const loyal = (await server.store.listSegments({ search: "Loyal on contract" })).items[0]!;
    await page.goto(`${server.url}#/segments/${loyal.id}/edit`);
    await node(page, "g.1").getByLabel("Value of tenure", { exact: true }).fill("36");
    const edited = (loyal.expression ?? "").replace(">= 24", ">= 36");
    await expect.poll(() => editorText(page)).toBe(edited);
    await page.getByTestId("preview-button").click();
    await page.getByTestId("impact").waitFor();
    const impact = (await server.store.preview(edited, { segmentId: loyal.id, limit: 0 })).impact!;
    expect(impact.leaving).toBeGreaterThan(0);
    const cells = await page.getByTestId("impact").locator(".big-number").allTextContents();
    expect(cells.slice(0, 2)).toEqual([`+${impact.entering.toLocaleString("en-US")}`, `−${impact.leaving.toLocaleString("en-US")}`]);
    // And by the rules alone, whatever the data: nobody enters; who leaves is the tenure band between.
    const byRules = diffSegments(await server.store.typedCondition({ segmentId: loyal.id }), await server.store.typedCondition({ expression: edited }));
    await page.getByTestId("rules-diff").waitFor();
    expect(await page.getByTestId("rules-enter").textContent()).toBe("nobody");
    expect(byRules.leaves.condition).toMatch(/tenure >= 24 and tenure < 36/);
    expect(await page.getByTestId("rules-leave").textContent()).toBe(byRules.leaves.condition);
    await cleanShot(page, "segments-edit-impact", { fullPage: true });
    // Leave the edit without saving, and drop its draft.
    await page.evaluate(() => window.sessionStorage.clear());
  });

  it("creates a static segment by picking: search, checkboxes, a second page, all matches of a filter, pasted keys", async () => {
    await openNew(page, server.url);
    await page.getByTestId("segment-name").fill("Hand-picked accounts");
    await page.getByTestId("dynamic-switch").click();
    const picker = page.getByTestId("picker-table");
    await picker.waitFor();
    // Search by any field: part of a key.
    await page.getByTestId("picker-search").fill("7590-vhveg");
    await expect.poll(() => picker.locator("tbody tr").count()).toBe(1);
    await picker.getByLabel("Pick 7590-VHVEG").check();
    await page.getByTestId("picker-search").fill("");
    await expect.poll(() => picker.locator("tbody tr").count()).toBe(20);
    const firstPage = await picker.locator("tbody tr").evaluateAll((rows) => rows.slice(0, 2).map((r) => r.getAttribute("data-key")!));
    for (const k of firstPage) await picker.getByLabel(`Pick ${k}`).check();
    await page.getByTestId("picker-next").click();
    await expect.poll(async () => (await picker.locator("tbody tr").first().getAttribute("data-key")) !== firstPage[0]).toBe(true);
    const secondPage = (await picker.locator("tbody tr").first().getAttribute("data-key"))!;
    await picker.getByLabel(`Pick ${secondPage}`).check();
    // Every match of a filter.
    const filter = 'tenure >= 72 and contract = "Two year" and churn';
    await page.getByTestId("picker-filter").fill(filter);
    await page.getByTestId("picker-filter").press("Enter");
    await page.getByTestId("select-all-matches").click();
    // Pasted keys: one is not a contact, and is shown.
    await page.getByTestId("paste-keys").fill("12346\nnot-a-customer\n5575-GNVDE\n");
    await page.getByTestId("add-pasted").click();
    await expect.poll(() => page.getByTestId("unknown-keys").textContent()).toContain("not-a-customer");
    // An uploaded CSV: its first column, the header skipped; its unknown key is listed with the pasted one.
    await page.getByTestId("upload-keys").setInputFiles({ name: "keys.csv", mimeType: "text/csv", buffer: Buffer.from('customer_id,note\n"3668-QPYBK",renewal\nnope-42,typo\n12346,again\n') });
    await expect.poll(() => page.getByTestId("unknown-keys").locator(".key-list").textContent()).toBe("not-a-customer, nope-42");
    const picked = ["7590-VHVEG", ...firstPage, secondPage, "12346", "5575-GNVDE", "3668-QPYBK"];
    expect(await page.getByTestId("picked-count").textContent()).toBe(`${new Set(picked).size} contacts`);
    await cleanShot(page, "segments-create-static", { fullPage: true });
    await page.getByTestId("save").click();
    await page.waitForURL(/#\/segments\/\d+$/);
    const id = Number(/#\/segments\/(\d+)/.exec(page.url())![1]);
    const members = await server.store.members(id, { limit: 1000 });
    const matches = await server.store.listContacts({ filter, limit: 1000 });
    const want = new Set([...picked, ...matches.items.map((c) => String(c["customer_id"]))]);
    expect(new Set(members.items.map((c) => String(c["customer_id"])))).toEqual(want);
    expect(members.total).toBe(want.size);
  });

  it("edits a static segment: removes a member, adds a picked and a pasted contact, in one Save", async () => {
    const vip = (await server.store.listSegments({ search: "VIP list" })).items[0]!;
    const before = (await server.store.members(vip.id, { limit: 100 })).items.map((c) => String(c["customer_id"]));
    const outsiders = (await server.store.listContacts({ filter: 'source = "telco" and not in segment "VIP list"', limit: 2 })).items.map((c) => String(c["customer_id"]));
    await page.goto(`${server.url}#/segments/${vip.id}/edit`);
    await page.evaluate(() => window.sessionStorage.clear());
    await page.reload();
    const current = page.locator("section", { has: page.locator("#current-title") });
    await current.locator("tbody tr").first().waitFor();
    const gone = before[0]!;
    await current.getByRole("button", { name: `Remove ${gone}`, exact: true }).click();
    expect(await current.locator(".badge").textContent()).toBe("1 member to remove on Save");
    expect(await current.locator(`tr[data-key="${gone}"]`).getAttribute("class")).toBe("struck");
    await page.getByTestId("picker-search").fill(outsiders[0]!);
    await expect.poll(() => page.getByTestId("picker-table").locator("tbody tr").count()).toBe(1);
    await page.getByTestId("picker-table").getByLabel(`Pick ${outsiders[0]}`).check();
    // A pasted key that is already a member is said as such, and not picked again.
    await page.getByTestId("paste-keys").fill(`${outsiders[1]!}\n${before[1]!}`);
    await page.getByTestId("add-pasted").click();
    await expect.poll(() => page.getByText(/^Pasted list: /).textContent()).toBe("Pasted list: 2 contacts found (1 new, 1 is already a member).");
    await expect.poll(() => page.getByTestId("picked-count").textContent()).toBe("2 contacts");
    await cleanShot(page, "segments-edit-static", { fullPage: true });
    await page.getByTestId("save").click();
    await page.waitForURL(new RegExp(`#/segments/${vip.id}$`));
    const after = (await server.store.members(vip.id, { limit: 100 })).items.map((c) => String(c["customer_id"]));
    expect(new Set(after)).toEqual(new Set([...before.filter((k) => k !== gone), ...outsiders]));
    await expect.poll(() => page.getByTestId("segment-member-count").textContent()).toBe(String(after.length));
  });

  it("marks the edited list's members in the picker's table, ticked and locked, and picks none of them again", async () => {
    const key = server.store.schema.key;
    // The picker's first page is the first 20 contacts by key, as the store lists them.
    const firstPage = (await server.store.listContacts({ limit: 20 })).items.map((c) => String(c[key]));
    const [a, b, c] = firstPage as [string, string, string];
    const list = await server.store.createSegment({ name: "Picker members", kind: "static", members: [a, c] });
    await page.goto(`${server.url}#/segments/${list.id}/edit`);
    await page.evaluate(() => window.sessionStorage.clear());
    await page.reload();
    const picker = page.getByTestId("picker-table");
    await expect.poll(() => picker.locator("tbody tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-key")))).toEqual(firstPage);
    for (const member of [a, c]) {
      const box = picker.getByLabel(`${member} is already a member`, { exact: true });
      expect(await box.isChecked()).toBe(true);
      expect(await box.isDisabled()).toBe(true);
      expect(await picker.locator(`tr[data-key="${member}"] .key-cell`).textContent()).toBe(`${member}member`);
      expect(await picker.getByLabel(`Pick ${member}`, { exact: true }).count()).toBe(0);
    }
    expect(await picker.getByLabel(`Pick ${b}`, { exact: true }).isChecked()).toBe(false);
    expect(await picker.locator(`tr[data-key="${b}"] .member-badge`).count()).toBe(0);
    // The page's checkbox picks the 18 others.
    await picker.getByLabel("Pick every contact on this page that is not a member", { exact: true }).check();
    await expect.poll(() => page.getByTestId("picked-count").textContent()).toBe("18 contacts");
    const summary = page.getByTestId("pick-summary");
    for (const member of [a, c]) expect(await summary.getByRole("button", { name: `Remove ${member}`, exact: true }).count()).toBe(0);
    // The picker and the summary beside it in view, below the page's sticky header.
    await page.locator("#pick-title").evaluate((el) => window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 80));
    await cleanShot(page, "segments-picker-members");
    await page.getByTestId("save").click();
    await page.waitForURL(new RegExp(`#/segments/${list.id}$`));
    await expect.poll(() => page.locator(".toast").last().textContent()).toBe("Saved “Picker members”: 18 added");
    const after = (await server.store.members(list.id, { limit: 100 })).items.map((m) => String(m[key]));
    expect(new Set(after)).toEqual(new Set(firstPage));
  });

  it("underlines the analysis's warnings in the text, and none that only a static segment's stand-in would give", async () => {
    // Two hand-picked lists: being on one says nothing about the other, or about any field.
    if ((await server.store.listSegments({ search: "Second list" })).items.length === 0) await server.store.createSegment({ name: "Second list", kind: "static", members: ["7590-VHVEG"] });
    await openNew(page, server.url);
    await page.locator(".cm-content").click();
    await page.keyboard.insertText('in segment "VIP list" and not in segment "Second list" and tenure > 12 and tenure > 6');
    // The one warning (the analysis has run): the rule that adds nothing; none on the lists.
    const warning = page.locator(".cm-lintRange-warning");
    await warning.filter({ hasText: /^tenure > 6$/ }).waitFor();
    expect(await warning.allTextContents()).toEqual(["tenure > 6"]);
    await page.keyboard.press("Control+a");
    await page.keyboard.insertText('in segment "VIP list" and not in segment "VIP list"');
    await warning.filter({ hasText: /^in segment "VIP list" and not in segment "VIP list"$/ }).waitFor();
    await page.evaluate(() => window.sessionStorage.clear());
  });

  it("reports the checker's errors in place and a name taken under the name, keeping what was typed", async () => {
    await openNew(page, server.url);
    await page.getByTestId("segment-name").fill("Fiber churners");
    await page.locator(".cm-content").click();
    await page.keyboard.insertText("tenure > 3");
    await page.getByTestId("save").click();
    await expect.poll(() => page.locator("#name-error").textContent()).toMatch(/Fiber churners/);
    expect(await page.getByTestId("segment-name").getAttribute("aria-invalid")).toBe("true");
    await page.getByTestId("segment-name").fill("Short tenure, wrong value");
    await page.locator(".cm-content").click();
    await page.keyboard.press("Control+a");
    await page.keyboard.insertText('tenure > 3 and contract = "Monthly"');
    await page.getByTestId("save").click();
    const diagnostics = page.getByTestId("save-diagnostics");
    await diagnostics.waitFor();
    expect(await diagnostics.textContent()).toMatch(/1:27.*"Monthly" is not a value of contract/);
    // By the Save button, a pointer to them (not a second copy).
    expect(await page.getByTestId("save-diagnostics-pointer").textContent()).toBe("Not saved. The rules have 1 error, listed under the text.");
    // The same error is underlined in the editor, and nothing typed was lost.
    await page.locator(".cm-lintRange-error").first().waitFor();
    expect(await editorText(page)).toBe('tenure > 3 and contract = "Monthly"');
    expect(await page.getByTestId("segment-name").inputValue()).toBe("Short tenure, wrong value");
    await cleanShot(page, "segments-save-errors", { fullPage: true });
    // Reloading brings the draft back.
    await page.reload();
    await page.getByTestId("draft-restored").waitFor();
    await expect.poll(() => editorText(page)).toBe('tenure > 3 and contract = "Monthly"');
    await page.getByTestId("draft-restored").getByRole("button", { name: "Discard them" }).click();
    await expect.poll(() => editorText(page)).toBe("");
  });
});
