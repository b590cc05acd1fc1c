/**
 * The segments web app in real headless Chromium against `segql serve` (in-process, a temporary DuckDB
 * database with the demo): the rule builder marks the rows the text's problems concern, as the text
 * editor underlines them.
 * - rules built with the builder that never match together: their group says so, with the editor's message
 *   word for word (read from the editor's own lint panel), tied to the group's controls for screen readers;
 * - marks follow edits in either pane: a builder edit that removes the problem removes the mark, one that
 *   makes another moves it to the row it now concerns;
 * - a rule that adds nothing offers the analysis's fix on its row; clicking it removes the rule from the
 *   text and the builder (one undo step in the editor, as the editor's own fix);
 * - a wrong enum value and an unknown field are errors on their rows; fixing them clears the marks;
 * - a branch (a parenthesised group) that adds nothing is marked on the group; a screenshot shows it.
 * No request leaves the server's origin.
 */
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasChromium, skipReason } from "./harness.js";
import { cleanShot, editorText, groupButton, node, openNew, setRule, closeSegmentsSession, openSegmentsSession, type SegmentsServer, type SegmentsSession, typeText } from "./segments-harness.js";

/** The marks shown on a rule (under its row) or a group (in its header). */
function marksOn(page: Page, id: string): Locator {
  return page.locator(`[data-testid="builder-marks"][data-node-id="${id}"] [data-testid="builder-mark"]`);
}

/** Every mark in the builder, as "node: severity: text". */
async function allMarks(page: Page): Promise<string[]> {
  return page.locator('[data-testid="builder-marks"]').evaluateAll((lists) =>
    lists.flatMap((l) =>
      [...l.querySelectorAll('[data-testid="builder-mark"]')].map((m) => `${l.getAttribute("data-node-id")}: ${m.getAttribute("data-severity")}: ${m.querySelector(".rb-mark-message")!.textContent}`),
    ),
  );
}

/**
 * The messages the text editor shows now, read from its lint panel (Ctrl-Shift-M), which is closed again.
 * The editor lints a moment after a change: callers poll.
 */
async function editorMessages(page: Page): Promise<string[]> {
  await page.locator(".cm-content").click();
  await page.keyboard.press("Control+Shift+KeyM");
  const panel = page.locator(".cm-panel-lint");
  await panel.waitFor();
  const messages = await panel.locator(".cm-diagnosticText").allTextContents();
  await page.keyboard.press("Escape");
  await panel.waitFor({ state: "detached" });
  return messages;
}

/** The text an element's `aria-describedby` points to (what a screen reader says with it). */
async function description(locator: Locator): Promise<string> {
  return locator.evaluate((e) =>
    (e.getAttribute("aria-describedby") ?? "")
      .split(/\s+/)
      .filter(Boolean)
      .map((id) => document.getElementById(id)?.textContent ?? `(missing #${id})`)
      .join(" | "),
  );
}

describe.skipIf(!hasChromium)(`segments web app: the builder marks the text's problems on its rows (Chromium) ${hasChromium ? "" : skipReason}`, () => {
  let session: SegmentsSession;
  let server: SegmentsServer;
  let page: Page;

  beforeAll(async () => {
    session = await openSegmentsSession();
    ({ server, page } = session);
  });

  afterAll(() => closeSegmentsSession(session));

  it("marks rules built to never match together on their group, with the editor's message; marks follow builder edits", async () => {
    await openNew(page, server.url);
    await page.getByTestId("segment-name").fill("Never");
    await groupButton(page, "g", "+ Rule").click();
    await setRule(page, "g.0", "tenure", ">", "12");
    await groupButton(page, "g", "+ Rule").click();
    await setRule(page, "g.1", "tenure", "<", "6");
    await expect.poll(() => editorText(page)).toBe("tenure > 12 and tenure < 6");
    // The group of both rules carries the warning; the rules themselves none (neither is wrong alone).
    await marksOn(page, "g").first().waitFor();
    await expect.poll(() => editorMessages(page)).toEqual([expect.stringMatching(/never matches/)]);
    const [message] = await editorMessages(page);
    expect(await allMarks(page)).toEqual([`g: warning: Warning: ${message}`]);
    expect(await marksOn(page, "g").locator(".rb-mark-icon").textContent()).toBe("⚠");
    expect(await node(page, "g").getAttribute("class")).toMatch(/\brb-marked-warning\b/);
    expect(await page.getByTestId("builder-summary").textContent()).toBe("⚠ 1 warning marked on the rules");
    // Read with the group's controls, not only seen.
    const combinator = node(page, "g").locator("> .ruleGroup-header").getByLabel("Combine the conditions of this group with");
    expect(await description(combinator)).toBe(`Warning: ${message}`);

    // A builder edit that removes the problem removes the mark.
    await node(page, "g.1").getByLabel("Value of tenure", { exact: true }).fill("60");
    await expect.poll(() => editorText(page)).toBe("tenure > 12 and tenure < 60");
    await expect.poll(() => allMarks(page)).toEqual([]);
    expect(await page.getByTestId("builder-summary").textContent()).toBe("");
    expect(await description(combinator)).toBe("");
    // One that makes another puts it on the row it concerns: `tenure > 12` adds nothing beside `tenure > 60`.
    await node(page, "g.1").getByLabel("Operator for tenure").selectOption(">");
    await expect.poll(() => editorText(page)).toBe("tenure > 12 and tenure > 60");
    await expect.poll(() => allMarks(page)).toEqual(["g.0: warning: Warning: this adds nothing: 'tenure > 60' already implies it"]);
    expect(await description(node(page, "g.0").getByLabel("Field", { exact: true }))).toBe("Warning: this adds nothing: 'tenure > 60' already implies it");
    await expect.poll(() => editorMessages(page)).toEqual(["this adds nothing: 'tenure > 60' already implies it"]);
  });

  it("offers a redundant rule's fix on its row: clicking it removes the rule in both panes, one undo step in the editor", async () => {
    await node(page, "g.1").getByLabel("Value of tenure", { exact: true }).fill("6");
    await expect.poll(() => editorText(page)).toBe("tenure > 12 and tenure > 6");
    await expect.poll(() => allMarks(page)).toEqual(["g.1: warning: Warning: this adds nothing: 'tenure > 12' already implies it"]);
    const fix = marksOn(page, "g.1").getByRole("button", { name: "Remove it" });
    // Reachable from the keyboard, and said with its reason.
    await fix.focus();
    expect(await description(fix)).toBe("Warning: this adds nothing: 'tenure > 12' already implies it");
    await page.keyboard.press("Enter");
    await expect.poll(() => editorText(page)).toBe("tenure > 12");
    // The keyboard stays in the builder (the button went with its row).
    expect(await page.evaluate(() => document.activeElement?.getAttribute("data-testid"))).toBe("builder-card");
    await expect.poll(() => node(page, "g.1").count()).toBe(0);
    expect(await node(page, "g.0").getByLabel("Value of tenure", { exact: true }).inputValue()).toBe("12");
    expect(await allMarks(page)).toEqual([]);
    // The editor's undo brings the rule back, and its mark with it.
    await page.locator(".cm-content").click();
    await page.keyboard.press("Control+z");
    await expect.poll(() => editorText(page)).toBe("tenure > 12 and tenure > 6");
    await expect.poll(() => allMarks(page)).toEqual(["g.1: warning: Warning: this adds nothing: 'tenure > 12' already implies it"]);
    await page.evaluate(() => window.sessionStorage.clear());
  });

  it("marks a wrong value and an unknown field as errors on their rows; fixing them (builder or fix button) clears the marks", async () => {
    await openNew(page, server.url);
    await typeText(page, 'senior_citizen and contract = "Monthly"');
    await expect.poll(() => editorMessages(page)).toEqual([expect.stringMatching(/^"Monthly" is not a value of contract/)]);
    expect(await allMarks(page)).toEqual([`g.1: error: Error: ${(await editorMessages(page))[0]}`]);
    expect(await marksOn(page, "g.1").locator(".rb-mark-icon").textContent()).toBe("✖");
    expect(await page.locator('[data-marked-id="g.1"]').getAttribute("class")).toMatch(/\brb-marked-error\b/);
    const field = node(page, "g.1").getByLabel("Field", { exact: true });
    expect(await field.getAttribute("aria-invalid")).toBe("true");
    expect(await page.getByTestId("builder-summary").textContent()).toBe("✖ 1 error marked on the rules");
    // Fixed in the builder: the value select offers the field's values.
    await node(page, "g.1").getByLabel("Value of contract", { exact: true }).selectOption("Month-to-month");
    await expect.poll(() => editorText(page)).toBe('senior_citizen and contract = "Month-to-month"');
    await expect.poll(() => allMarks(page)).toEqual([]);
    expect(await field.getAttribute("aria-invalid")).toBe(null);

    // An unknown field is a "Condition as text" rule: the error and the checker's fix are on it.
    await typeText(page, 'tenur > 3 and contract = "Month-to-month"');
    await expect.poll(() => allMarks(page)).toEqual(["g.0: error: Error: unknown field 'tenur'; did you mean \"tenure\"?"]);
    expect(await node(page, "g.0").locator(".text-rule code").textContent()).toBe("tenur > 3");
    expect(await description(node(page, "g.0").getByRole("button", { name: "Edit in text" }))).toBe("Error: unknown field 'tenur'; did you mean \"tenure\"?");
    await marksOn(page, "g.0").getByRole("button", { name: "Use tenure" }).click();
    await expect.poll(() => editorText(page)).toBe('tenure > 3 and contract = "Month-to-month"');
    await expect.poll(() => node(page, "g.0").getByLabel("Field", { exact: true }).inputValue()).toBe("tenure");
    expect(await allMarks(page)).toEqual([]);
    await page.evaluate(() => window.sessionStorage.clear());
  });

  it("marks a branch that adds nothing on its group and a rule that adds nothing on its row; screenshot", async () => {
    await openNew(page, server.url);
    await page.getByTestId("segment-name").fill("Loyal, on a contract");
    const text = 'contract = "Two year" and (tenure > 2 or senior_citizen) and tenure > 3\n  and monthly_charges > 50 and monthly_charges > 20\n  and performed "Purchase" at least 2 times';
    await typeText(page, text);
    await expect.poll(async () => (await allMarks(page)).length).toBe(2);
    await expect.poll(async () => (await editorMessages(page)).length).toBe(2);
    const editor = await editorMessages(page);
    const marks = await allMarks(page);
    expect(marks.map((m) => m.replace(/^[^:]*: [^:]*: [^:]*: /, "")).sort()).toEqual([...editor].sort());
    expect(marks[0]).toMatch(/^g\.1: warning: Warning: this adds nothing: 'tenure > 3' already implies it$/);
    expect(marks[1]).toBe("g.4: warning: Warning: this adds nothing: 'monthly_charges > 50' already implies it");
    expect(await node(page, "g.1").getAttribute("class")).toMatch(/\brb-marked-warning\b/);
    expect(await marksOn(page, "g.1").getByRole("button", { name: "Remove it" }).count()).toBe(1);
    await cleanShot(page, "segments-builder-warnings", { fullPage: true });
    // The branch's fix removes the whole group (its parentheses and the `and` before it).
    await marksOn(page, "g.1").getByRole("button", { name: "Remove it" }).click();
    await expect.poll(() => editorText(page)).toBe(text.replace(" and (tenure > 2 or senior_citizen)", ""));
    await expect.poll(() => allMarks(page)).toEqual([marks[1]!.replace("g.4", "g.3")]);
    await page.evaluate(() => window.sessionStorage.clear());
  });
});
