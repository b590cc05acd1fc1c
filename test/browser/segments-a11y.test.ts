/**
 * An automated accessibility audit of every page of the web app, in real headless Chromium against
 * `segql serve` (in-process, a temporary DuckDB database with the demo): axe-core (the engine of
 * Lighthouse and axe DevTools) runs with the WCAG 2.0 and 2.1 A and AA rules and its best practices on each
 * page and state a person meets — the segments table (rows, a search finding none, a failed load), create
 * (the builder and the text with an error, with an analysis warning, the server's findings, a preview and
 * one out of date; the static picker), edit, a segment's page and each of its tabs, a static list, Contacts,
 * a contact's page and its forms (a value someone else changed meanwhile too), a new contact, Import
 * (before; refused; a report with bad rows; past imports), Recently deleted, every dialog (delete, delete forever, empty the trash, restore under another
 * name, make static, the stale edit, delete a contact), the
 * token page, the playground — in the light and the dark theme (contrast differs), some on a 390px phone.
 * Any violation fails, listed as the state, rule id, impact, the element's selector and what is wrong.
 *
 * What axe cannot decide is checked here too: placeholders' contrast; each dialog takes the focus, keeps
 * Tab inside it and gives the focus back to the control that opened it; a preview's count and failures
 * reach a live region or an alert (recorded in the page as a screen reader would meet them).
 * No request leaves the server's origin.
 */
import axe from "axe-core";
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { guardedContext, hasChromium, skipReason, watchErrors } from "./harness.js";
import { isDark, recordAnnouncements, saidSoFar, switchTheme } from "./page-probes.js";
import { closeSegmentsSession, failRequests, openNew, openSegments, openSegmentsSession, startSegmentsServer, typeText, type SegmentsServer, type SegmentsSession } from "./segments-harness.js";

/**
 * The rules run: WCAG 2.0 and 2.1, levels A and AA, and axe's best practices (one h1 per page, content in
 * landmarks, headings in order). No rule is turned off.
 */
const RULE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];

/**
 * Elements left out of the audit (never rules): third-party markup that cannot be changed here, each with
 * why. Empty: CodeMirror's and react-querybuilder's markup pass as the app configures them.
 */
const EXCLUDED: string[] = [];

/** One element failing one rule, as axe reports it. */
interface Finding {
  rule: string;
  impact: string | null;
  target: string;
  summary: string;
}

/**
 * Runs axe on the page as it is now and returns each violation as one line: where (`state`), the rule,
 * its impact, the element's selector and axe's summary of what is wrong (`EXCLUDED` left out), then the
 * placeholders too faint to read.
 */
async function audit(page: Page, state: string): Promise<string[]> {
  // Transitions and the fresh row's highlight would be measured half-way: contrast is of the settled page.
  const still = "*, *::before, *::after { transition: none !important; animation: none !important; }";
  await page.addStyleTag({ content: still });
  try {
    if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(axe.source);
    const findings: Finding[] = await page.evaluate(
      async ({ tags, exclude }) => {
        const run = (window as unknown as { axe: typeof axe }).axe.run;
        const result = await run({ exclude: exclude.map((s) => [s]) } as unknown as axe.ElementContext, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] });
        return result.violations.flatMap((v) => v.nodes.map((n) => ({ rule: v.id, impact: v.impact ?? null, target: n.target.join(" "), summary: `${v.help}: ${(n.failureSummary ?? "").replace(/\s+/g, " ")}` })));
      },
      { tags: RULE_TAGS, exclude: EXCLUDED },
    );
    findings.push(...(await faintPlaceholders(page)));
    return findings.map((f) => `${state}: ${f.rule} (${f.impact}) at ${f.target} — ${f.summary}`);
  } finally {
    await page.evaluate((css) => document.querySelectorAll("style").forEach((s) => s.textContent === css && s.remove()), still);
  }
}

/**
 * Placeholders too faint to read: axe leaves an empty field's placeholder undecided ("test with a value
 * entered"), so its contrast is measured here, as WCAG 1.4.3 asks of any text: the placeholder's colour over
 * the field's background (and those under it, where it is see-through) at 4.5:1 or more.
 */
async function faintPlaceholders(page: Page): Promise<Finding[]> {
  return page.evaluate(() => {
    const rgba = (c: string) => {
      const [r = 0, g = 0, b = 0, a = 1] = (c.match(/[\d.]+/g) ?? []).map(Number);
      return [r, g, b, a] as const;
    };
    const over = (top: readonly number[], under: readonly number[]) => [0, 1, 2].map((i) => top[i]! * top[3]! + under[i]! * (1 - top[3]!)).concat(1);
    const luminance = (c: readonly number[]) => {
      const f = (v: number) => (v / 255 <= 0.03928 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4);
      return 0.2126 * f(c[0]!) + 0.7152 * f(c[1]!) + 0.0722 * f(c[2]!);
    };
    const background = (el: Element) => {
      const layers: (readonly number[])[] = [];
      for (let e: Element | null = el; e; e = e.parentElement) {
        const c = rgba(getComputedStyle(e).backgroundColor);
        if (c[3] > 0) layers.push(c);
        if (c[3] >= 1) break;
      }
      return layers.reduceRight<readonly number[]>((under, top) => over(top, under), [255, 255, 255, 1]);
    };
    const found: { rule: string; impact: string; target: string; summary: string }[] = [];
    for (const el of document.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>("input[placeholder]:placeholder-shown, textarea[placeholder]:placeholder-shown")) {
      if (el.getClientRects().length === 0 || getComputedStyle(el).visibility === "hidden") continue;
      const bg = background(el);
      const fg = over(rgba(getComputedStyle(el, "::placeholder").color), bg);
      const [hi, lo] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
      const ratio = (hi! + 0.05) / (lo! + 0.05);
      if (ratio < 4.5) {
        const hex = (c: readonly number[]) => `#${c.slice(0, 3).map((v) => Math.round(v).toString(16).padStart(2, "0")).join("")}`;
        found.push({ rule: "placeholder-contrast", impact: "serious", target: `${el.tagName.toLowerCase()}[placeholder="${el.placeholder}"]`, summary: `Placeholder text must meet 4.5:1: it is ${ratio.toFixed(2)} (${hex(fg)} on ${hex(bg)})` });
      }
    }
    return found;
  });
}


/** Audits the page in the light theme, then in the dark one, and leaves it light. */
async function auditThemes(page: Page, state: string): Promise<string[]> {
  if (await isDark(page)) await switchTheme(page);
  const light = await audit(page, `${state} (light)`);
  await switchTheme(page);
  const dark = await audit(page, `${state} (dark)`);
  await switchTheme(page);
  return [...light, ...dark];
}

/** The elements Tab can reach inside a dialog (what its focus trap cycles through). */
const TABBABLE = "button:not(:disabled), input:not(:disabled), select:not(:disabled), textarea, a[href], [tabindex='0']";

/**
 * What axe cannot check of a dialog: opened from `opener` with the keyboard (Enter), it takes the focus;
 * Tab and Shift-Tab go round its controls and never leave it; Escape closes it and the focus is back on the
 * control that opened it (or on `returnTo`, where that one is gone).
 */
async function checkDialogFocus(page: Page, opener: Locator, dialogTestId: string): Promise<void> {
  await opener.focus();
  await opener.evaluate((e) => e.setAttribute("data-a11y-opener", ""));
  await page.keyboard.press("Enter");
  const dialog = page.getByTestId(dialogTestId);
  await dialog.waitFor();
  const focusInside = () => dialog.evaluate((d) => d.contains(document.activeElement));
  await expect.poll(focusInside, { message: `${dialogTestId}: the focus moves into the dialog` }).toBe(true);
  const stops = await dialog.evaluate((d, sel) => d.querySelectorAll(sel).length, TABBABLE);
  expect(stops, `${dialogTestId}: the dialog has controls`).toBeGreaterThan(0);
  await page.evaluate(() => ((window as unknown as { __first: Element | null }).__first = document.activeElement));
  const backAtFirst = () => page.evaluate(() => document.activeElement === (window as unknown as { __first: Element | null }).__first);
  for (const key of ["Tab", "Shift+Tab"]) {
    for (let i = 0; i < stops; i++) {
      await page.keyboard.press(key);
      expect(await focusInside(), `${dialogTestId}: ${key} ${i + 1} times stays in the dialog`).toBe(true);
    }
    // Once round every control: back where it started.
    expect(await backAtFirst(), `${dialogTestId}: ${stops} × ${key} goes round its ${stops} controls`).toBe(true);
  }
  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "detached" });
  expect(await page.evaluate(() => document.activeElement?.hasAttribute("data-a11y-opener") ?? false), `${dialogTestId}: the focus is back on its opener`).toBe(true);
  await page.evaluate(() => document.querySelectorAll("[data-a11y-opener]").forEach((e) => e.removeAttribute("data-a11y-opener")));
}

describe.skipIf(!hasChromium)(`segments web app: accessibility audit with axe-core (Chromium) ${hasChromium ? "" : skipReason}`, () => {
  let session: SegmentsSession;
  let server: SegmentsServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    session = await openSegmentsSession();
    ({ server, browser, page } = session);
  });

  // The 404s, 409s, 412s, 422s and 503s asked for on purpose show in the console as failed resources, nothing else may.
  afterAll(() => closeSegmentsSession(session));

  const byName = async (name: string) => (await server.store.listSegments({ search: name })).items.find((s) => s.name === name)!;

  it("finds a violation where there is one, and says what and where", async () => {
    // The audit itself is tested: a button without a name and grey on white are reported as such.
    await openSegments(page, server.url);
    await page.evaluate(() => {
      const b = document.createElement("button");
      b.id = "a11y-probe";
      document.querySelector("main")!.append(b);
      const p = document.createElement("p");
      p.id = "a11y-faint";
      p.textContent = "faint";
      p.style.cssText = "color: #bbb; background: #fff";
      document.querySelector("main")!.append(p);
      // A labelled field whose placeholder is Chromium's own grey on a dark background (the dark theme's was).
      const input = document.createElement("input");
      input.id = "a11y-dim";
      input.placeholder = "dim";
      input.setAttribute("aria-label", "dim");
      input.style.cssText = "background: #17191c";
      const style = document.createElement("style");
      style.id = "a11y-dim-style";
      style.textContent = "#a11y-dim::placeholder { color: #757575 }";
      document.head.append(style);
      document.querySelector("main")!.append(input);
    });
    const found = await audit(page, "probe");
    await page.evaluate(() => document.querySelectorAll("#a11y-probe, #a11y-faint, #a11y-dim, #a11y-dim-style").forEach((e) => e.remove()));
    expect(found).toEqual([
      expect.stringMatching(/^probe: button-name \(critical\) at #a11y-probe — Buttons must have discernible text: /),
      expect.stringMatching(/^probe: color-contrast \(serious\) at #a11y-faint — Elements must meet minimum color contrast ratio thresholds: .*contrast of 1\.9/),
      'probe: placeholder-contrast (serious) at input[placeholder="dim"] — Placeholder text must meet 4.5:1: it is 3.82 (#757575 on #17191c)',
    ]);
  });

  it("the segments table: with rows, a search that finds none, a search that fails", async () => {
    const found: string[] = [];
    await openSegments(page, server.url);
    found.push(...(await auditThemes(page, "segments table")));
    await page.getByTestId("segment-search").fill("no such segment");
    await page.getByTestId("empty-state").waitFor();
    found.push(...(await auditThemes(page, "segments table, nothing found")));
    const failing = await failRequests(page, /\/api\/segments\?/);
    try {
      await page.getByTestId("segment-search").fill("spend");
      await page.getByTestId("load-failed").waitFor();
      found.push(...(await auditThemes(page, "segments table, failed load")));
    } finally {
      await failing.stop();
    }
    expect(found).toEqual([]);
  });

  it("create: the builder and the text, with an error and an analysis warning, the server's findings, a preview; the static picker", async () => {
    const found: string[] = [];
    await openNew(page, server.url);
    found.push(...(await auditThemes(page, "create, empty")));
    // An error (no such enum value), then an analysis warning (never true together), marked in both panes.
    await typeText(page, 'tenure > 12 and contract = "Three year"');
    await page.locator('[data-testid="builder-mark"][data-severity="error"]').waitFor();
    await page.locator(".cm-lintRange-error").first().waitFor();
    found.push(...(await auditThemes(page, "create, an error")));
    await typeText(page, "tenure > 12 and tenure < 6");
    await page.locator('[data-testid="builder-mark"][data-severity="warning"]').waitFor();
    await page.locator(".cm-lintRange-warning").first().waitFor();
    found.push(...(await auditThemes(page, "create, an analysis warning")));
    await typeText(page, 'tenure > 12 and contract = "Three year"');
    // Save: the name is missing, then the server's checker refuses the text.
    await page.getByTestId("save").click();
    await page.getByTestId("name-error").waitFor();
    await page.getByTestId("segment-name").fill("Audit");
    await page.getByTestId("save").click();
    await page.getByTestId("save-diagnostics").waitFor();
    found.push(...(await auditThemes(page, "create, not saved")));
    await typeText(page, 'tenure > 12 and contract = "Two year"');
    await page.getByTestId("preview-button").click();
    await page.getByTestId("condition-counts").waitFor();
    found.push(...(await auditThemes(page, "create, preview")));
    // The text changed since the preview; then a text that does not read as a condition pauses the builder.
    await typeText(page, 'tenure > 13 and contract = "Two year"');
    await page.locator(".preview.stale").waitFor();
    found.push(...(await auditThemes(page, "create, preview out of date")));
    await typeText(page, "tenure >");
    await page.getByTestId("builder-paused").waitFor();
    found.push(...(await auditThemes(page, "create, builder paused")));
    await openNew(page, server.url);
    await page.getByTestId("dynamic-switch").click();
    await page.getByTestId("static-picker").waitFor();
    await page.getByTestId("picker-count").waitFor();
    found.push(...(await auditThemes(page, "create, static picker")));
    await page.getByTestId("picker-filter").fill("tenure >");
    await page.getByTestId("picker-filter").press("Enter");
    await page.locator('[data-testid="static-picker"] .problem').waitFor();
    found.push(...(await auditThemes(page, "create, static picker, a filter with an error")));
    expect(found).toEqual([]);
  });

  it("edit, and a segment's page with each of its tabs", async () => {
    const found: string[] = [];
    const s = await byName("Frequent refunders");
    // A second version, so the history has a diff (by lines and by the rules).
    await server.store.updateSegment(s.id, { expression: 'performed "Refund" at least 4 times' });
    await page.goto(`${server.url}#/segments/${s.id}/edit`);
    await page.getByTestId("builder").waitFor();
    found.push(...(await auditThemes(page, "edit")));
    await typeText(page, 'performed "Refund" at least 2 times');
    await page.getByTestId("preview-button").click();
    await page.getByTestId("impact").waitFor();
    found.push(...(await auditThemes(page, "edit, preview with who enters and leaves")));
    await page.goto(`${server.url}#/segments/${s.id}`);
    await page.getByTestId("members-table").waitFor();
    found.push(...(await auditThemes(page, "segment page, members")));
    await page.getByTestId("tab-definition").click();
    await page.getByTestId("segment-sql").waitFor();
    found.push(...(await auditThemes(page, "segment page, expression and SQL")));
    await page.getByTestId("tab-why").click();
    await page.getByTestId("why-key").fill("7590-VHVEG");
    await page.getByTestId("why-key").press("Enter");
    await page.getByTestId("why-result").waitFor();
    found.push(...(await auditThemes(page, "segment page, why not")));
    await page.getByTestId("tab-history").click();
    await page.getByTestId("version-diff").getByTestId("rules-diff").waitFor();
    found.push(...(await auditThemes(page, "segment page, history with a diff")));
    await page.getByTestId("tab-activity").click();
    await page.getByTestId("count-chart").waitFor();
    await page.getByTestId("feed").locator("li").first().waitFor();
    found.push(...(await auditThemes(page, "segment page, chart and feed")));
    await page.getByTestId("tab-compare").click();
    await page.getByTestId("compare-with").selectOption({ label: "Big UK spenders (dynamic)" });
    await page.getByTestId("compare-relation").waitFor();
    await page.getByTestId("count-both-link").waitFor();
    found.push(...(await auditThemes(page, "segment page, compare")));
    // A static list: its page and its edit form (members with Remove, the picker).
    const list = await byName("VIP list");
    await page.goto(`${server.url}#/segments/${list.id}`);
    await page.getByTestId("members-table").waitFor();
    found.push(...(await auditThemes(page, "static list's page")));
    await page.goto(`${server.url}#/segments/${list.id}/edit`);
    await page.getByTestId("static-picker").waitFor();
    await page.getByTestId("picker-count").waitFor();
    found.push(...(await auditThemes(page, "static list's edit")));
    expect(found).toEqual([]);
  });

  it("Contacts, a contact's page (why not), and a key that is no contact", async () => {
    const found: string[] = [];
    await page.goto(`${server.url}#/contacts?filter=tenure%20%3E%2060&sort=-tenure`);
    await page.getByTestId("contacts-count").waitFor();
    await page.locator("tbody tr").first().waitFor();
    found.push(...(await auditThemes(page, "contacts, filtered and sorted")));
    await page.goto(`${server.url}#/contacts/7590-VHVEG`);
    await page.getByTestId("contact-values").waitFor();
    await page.getByTestId("why-not-segment").selectOption({ label: "Loyal on contract" });
    await page.getByTestId("contact-why").locator(".verdict").waitFor();
    found.push(...(await auditThemes(page, "a contact, why not")));
    await page.goto(`${server.url}#/contacts/no-such-key`);
    await page.getByTestId("no-such-contact").waitFor();
    found.push(...(await auditThemes(page, "no such contact")));
    await page.goto(`${server.url}#/segments/abc`);
    await page.getByTestId("no-such-segment").waitFor();
    found.push(...(await auditThemes(page, "no such segment")));
    expect(found).toEqual([]);
  });

  it("a contact's forms: its values with problems, an event with problems, a new contact, the delete dialog", async () => {
    const found: string[] = [];
    const input = (field: string) => page.locator(`[data-field-input="${field}"]`);
    await page.goto(`${server.url}#/contacts/7590-VHVEG`);
    await page.getByTestId("contact-values").waitFor();
    await page.getByTestId("edit-values").click();
    await page.getByTestId("values-form").waitFor();
    found.push(...(await auditThemes(page, "a contact, editing its values")));
    await input("tenure").fill("twelve");
    await page.getByTestId("save-values").click();
    await page.getByTestId("field-problem").first().waitFor();
    found.push(...(await auditThemes(page, "a contact, a value refused")));
    await page.getByTestId("cancel-values").click();
    // Someone else saves the tenure while the form is open: the note under the field, the alert and its button.
    const tenure = (await server.store.getContact("7590-VHVEG")).values["tenure"];
    await page.getByTestId("edit-values").click();
    await input("tenure").fill("13");
    await server.store.upsertContacts([{ customer_id: "7590-VHVEG", tenure: 2 }]);
    await page.getByTestId("save-values").click();
    await page.getByTestId("values-conflict").waitFor();
    found.push(...(await auditThemes(page, "a contact, a value changed by someone else meanwhile")));
    await page.getByTestId("cancel-values").click();
    await server.store.upsertContacts([{ customer_id: "7590-VHVEG", tenure }]);
    await page.getByTestId("record-event").click();
    await page.getByTestId("event-form").waitFor();
    await input("event").fill("");
    await page.getByTestId("save-event").click();
    await page.getByTestId("field-problem").first().waitFor();
    found.push(...(await auditThemes(page, "a contact, an event refused")));
    await page.getByTestId("cancel-event").click();
    await page.getByTestId("delete-contact").click();
    await page.getByTestId("delete-contact-dialog").waitFor();
    found.push(...(await auditThemes(page, "a contact, delete dialog")));
    await page.keyboard.press("Escape");
    await page.goto(`${server.url}#/new-contact`);
    await page.getByTestId("values-form").waitFor();
    found.push(...(await auditThemes(page, "new contact")));
    await page.getByTestId("save-values").click();
    await page.getByTestId("field-problem").first().waitFor();
    found.push(...(await auditThemes(page, "new contact, no key")));
    expect(found).toEqual([]);
  });

  it("Import: before a file, refused for bad rows, and the result with its bad rows", async () => {
    const found: string[] = [];
    await page.goto(`${server.url}#/import`);
    await page.getByTestId("columns-table").waitFor();
    found.push(...(await auditThemes(page, "import")));
    const csv = ["customer_id,tenure,contract", `a11y-good-${Date.now()},12,One year`, `a11y-bad-${Date.now()},twelve,One year`].join("\n");
    await page.getByTestId("import-file").setInputFiles({ name: "bad.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
    await page.getByTestId("chosen-name").waitFor();
    found.push(...(await auditThemes(page, "import, a file chosen")));
    await page.getByTestId("import").click();
    await page.getByTestId("import-refusal").waitFor({ timeout: 60_000 });
    found.push(...(await auditThemes(page, "import, refused")));
    await page.getByTestId("retry-skip-bad").click();
    await page.getByTestId("import-result").waitFor({ timeout: 60_000 });
    found.push(...(await auditThemes(page, "import, result with bad rows")));
    // Past imports, one refused with its bad rows unfolded.
    await page.goto(`${server.url}#/import`);
    await page.getByTestId("history-row").first().waitFor();
    await page.getByTestId("history-bad").first().locator("summary").click();
    found.push(...(await auditThemes(page, "import, past imports")));
    await page.getByTestId("import-file").setInputFiles({ name: "contacts.xlsx", mimeType: "application/octet-stream", buffer: Buffer.from("PK") });
    await page.getByTestId("file-refusal").waitFor();
    found.push(...(await auditThemes(page, "import, a file refused before sending")));
    expect(found).toEqual([]);
  });

  it("the dialogs, the undo notice and Recently deleted", async () => {
    const found: string[] = [];
    await openSegments(page, server.url);
    await page.getByRole("button", { name: "Delete VIP list", exact: true }).click();
    await page.getByTestId("delete-dialog").waitFor();
    found.push(...(await auditThemes(page, "delete dialog, with the segments reading it")));
    await page.getByTestId("force-delete").check();
    await page.getByTestId("confirm-delete").click();
    await page.getByTestId("undo-notice").waitFor();
    found.push(...(await auditThemes(page, "undo notice")));
    await page.goto(`${server.url}#/segments/deleted`);
    await page.getByTestId("trash-row").first().waitFor();
    found.push(...(await auditThemes(page, "recently deleted")));
    await page.getByRole("button", { name: "Delete forever VIP list", exact: true }).click();
    await page.getByTestId("confirm-purge").waitFor();
    found.push(...(await auditThemes(page, "delete forever dialog")));
    await page.keyboard.press("Escape");
    await page.getByTestId("empty-trash").click();
    await page.getByTestId("confirm-empty-trash").waitFor();
    found.push(...(await auditThemes(page, "empty the trash dialog")));
    await page.keyboard.press("Escape");
    // Restoring under another name: the name was given to another segment meanwhile.
    const taker = await server.store.createSegment({ name: "VIP list", kind: "dynamic", expression: "tenure > 70" });
    await page.getByRole("button", { name: "Restore VIP list", exact: true }).click();
    await page.getByTestId("restore-name").waitFor();
    found.push(...(await auditThemes(page, "restore under another name dialog")));
    await page.keyboard.press("Escape");
    await server.store.deleteSegment(taker.id, { force: true });
    const s = await byName("Signed up in the last year");
    await page.goto(`${server.url}#/segments/${s.id}`);
    await page.getByTestId("convert").click();
    await page.getByTestId("convert-dialog").waitFor();
    found.push(...(await auditThemes(page, "make static dialog")));
    await page.keyboard.press("Escape");
    expect(found).toEqual([]);
  });

  it("the stale-edit dialog, and the form's draft brought back", async () => {
    const s = await byName("Loyal on contract");
    await page.goto(`${server.url}#/segments/${s.id}/edit`);
    await page.getByTestId("segment-description").waitFor();
    await server.store.updateSegment(s.id, { description: "Changed meanwhile." });
    await page.getByTestId("segment-description").fill("Mine.");
    await page.getByTestId("save").click();
    await page.getByTestId("conflict-dialog").waitFor();
    const found = await auditThemes(page, "stale edit dialog");
    await page.keyboard.press("Escape");
    await page.reload();
    await page.getByTestId("draft-restored").waitFor();
    found.push(...(await auditThemes(page, "edit, the draft brought back")));
    await page.evaluate(() => window.sessionStorage.clear());
    expect(found).toEqual([]);
  });

  it("the playground: a count, a contact's why, an error in the text", async () => {
    await page.goto(`${server.url}#/playground`);
    await page.getByTestId("count").waitFor({ timeout: 60_000 });
    const found = await auditThemes(page, "playground");
    await page.getByRole("button", { name: /^Why does .* match\?$/ }).first().click();
    await page.getByTestId("verdict").waitFor();
    found.push(...(await auditThemes(page, "playground, a contact's why")));
    await page.locator(".cm-content").click();
    await page.keyboard.press("Control+a");
    await page.keyboard.insertText("tenure >");
    await page.getByTestId("count-error").waitFor();
    found.push(...(await auditThemes(page, "playground, an error")));
    expect(found).toEqual([]);
  });

  it("a 390px phone: the table, a segment's page, the edit form, a contact, Import, the playground", async () => {
    const phone = await session.context.newPage();
    const phoneErrors = watchErrors(phone);
    const found: string[] = [];
    try {
      await phone.setViewportSize({ width: 390, height: 844 });
      await openSegments(phone, server.url);
      found.push(...(await auditThemes(phone, "phone, segments table")));
      const s = await byName("Loyal on contract");
      await phone.goto(`${server.url}#/segments/${s.id}`);
      await phone.getByTestId("members-table").waitFor();
      found.push(...(await auditThemes(phone, "phone, segment page")));
      await phone.goto(`${server.url}#/segments/${s.id}/edit`);
      await phone.getByTestId("builder").waitFor();
      found.push(...(await auditThemes(phone, "phone, edit")));
      await phone.goto(`${server.url}#/contacts/7590-VHVEG`);
      await phone.getByTestId("contact-values").waitFor();
      found.push(...(await auditThemes(phone, "phone, a contact")));
      await phone.goto(`${server.url}#/import`);
      await phone.getByTestId("columns-table").waitFor();
      found.push(...(await auditThemes(phone, "phone, import")));
      await phone.goto(`${server.url}#/playground`);
      await phone.getByTestId("count").waitFor({ timeout: 60_000 });
      found.push(...(await auditThemes(phone, "phone, playground")));
      expect(phoneErrors).toEqual([]);
    } finally {
      await phone.close();
    }
    expect(found).toEqual([]);
  });

  it("the token page of a server that wants one, and its refusal", async () => {
    const locked = await startSegmentsServer({ token: "a11y-s3cret" });
    const guarded = await guardedContext(browser, locked.url);
    try {
      const tab = await guarded.context.newPage();
      await tab.goto(locked.url);
      await tab.getByTestId("token-input").waitFor();
      const found = await auditThemes(tab, "token page");
      await tab.getByTestId("token-input").fill("wrong");
      await tab.getByRole("button", { name: "Connect" }).click();
      await tab.getByTestId("token-refused").waitFor();
      found.push(...(await auditThemes(tab, "token page, refused")));
      expect(guarded.external).toEqual([]);
      expect(found).toEqual([]);
    } finally {
      await guarded.context.close();
      await locked.close();
    }
  });

  it("every dialog takes the focus, keeps Tab inside and gives the focus back to what opened it", async () => {
    await openSegments(page, server.url);
    // Delete, from the table: a segment others read (a checkbox, a disabled button, links) and one they do not.
    await checkDialogFocus(page, page.getByRole("button", { name: "Delete VIPs and big spenders", exact: true }), "delete-dialog");
    await checkDialogFocus(page, page.getByRole("button", { name: "Delete Fiber churners", exact: true }), "delete-dialog");
    // Delete and Make static, from a segment's page.
    const s = await byName("Fiber churners");
    await page.goto(`${server.url}#/segments/${s.id}`);
    await page.getByTestId("members-table").waitFor();
    await checkDialogFocus(page, page.getByRole("button", { name: "Delete", exact: true }), "delete-dialog");
    await checkDialogFocus(page, page.getByTestId("convert"), "convert-dialog");
    // Recently deleted: delete forever, empty the trash, restore under another name.
    const gone = await server.store.createSegment({ name: "Audit trash", kind: "dynamic", expression: "tenure > 50" });
    await server.store.deleteSegment(gone.id);
    const taker = await server.store.createSegment({ name: "Audit trash", kind: "dynamic", expression: "tenure > 51" });
    await page.goto(`${server.url}#/segments/deleted`);
    await page.getByTestId("trash-row").first().waitFor();
    await checkDialogFocus(page, page.getByRole("button", { name: "Delete forever Audit trash", exact: true }), "purge-dialog");
    await checkDialogFocus(page, page.getByTestId("empty-trash"), "empty-trash-dialog");
    await checkDialogFocus(page, page.getByRole("button", { name: "Restore Audit trash", exact: true }), "restore-as-dialog");
    await server.store.deleteSegment(taker.id, { force: true });
    // A delete the server refuses (a reader appeared meanwhile): the button that had the focus is disabled
    // now, and Tab still goes round the dialog, not out to the page behind it.
    await server.store.createSegment({ name: "Audit solo", kind: "dynamic", expression: "tenure > 70" });
    await openSegments(page, server.url);
    await page.getByRole("button", { name: "Delete Audit solo", exact: true }).click();
    const dialog = page.getByTestId("delete-dialog");
    await dialog.waitFor();
    await server.store.createSegment({ name: "Reads audit solo", kind: "dynamic", expression: 'in segment "Audit solo" and churn' });
    await dialog.getByTestId("confirm-delete").focus();
    await page.keyboard.press("Enter");
    await dialog.getByTestId("delete-refused").waitFor();
    for (const key of ["Tab", "Tab", "Shift+Tab", "Shift+Tab", "Shift+Tab"]) {
      await page.keyboard.press(key);
      expect(await dialog.evaluate((d) => d.contains(document.activeElement)), `after the refusal, ${key} stays in the dialog`).toBe(true);
    }
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    // Deleting a contact, from its page.
    await page.goto(`${server.url}#/contacts/7590-VHVEG`);
    await page.getByTestId("contact-values").waitFor();
    await checkDialogFocus(page, page.getByTestId("delete-contact"), "delete-contact-dialog");
    // The stale edit: opened by Save; Escape keeps editing, back on Save.
    const loyal = await byName("Loyal on contract");
    await page.goto(`${server.url}#/segments/${loyal.id}/edit`);
    await page.getByTestId("segment-description").waitFor();
    await server.store.updateSegment(loyal.id, { description: `Changed meanwhile at ${Date.now()}.` });
    await page.getByTestId("segment-description").fill("Mine again.");
    await checkDialogFocus(page, page.getByTestId("save"), "conflict-dialog");
    await page.evaluate(() => window.sessionStorage.clear());
  });

  it("says a preview's count, its failure and a missing name without being asked (live regions)", async () => {
    const tab = await session.context.newPage();
    const tabErrors = watchErrors(tab);
    try {
      await tab.addInitScript(recordAnnouncements);
      await openNew(tab, server.url);
      const said = () => saidSoFar(tab);
      const text = 'tenure > 12 and contract = "Two year"';
      await typeText(tab, text);
      await tab.getByTestId("preview-button").click();
      await tab.getByTestId("preview-count").waitFor();
      const count = (await server.store.preview(text, { limit: 0 })).count;
      await expect.poll(said).toContain(`Preview: ${count.toLocaleString("en-US")} matching contacts.`);
      // A preview the server cannot answer: its problem is an alert.
      const failing = await failRequests(tab, /\/api\/preview/);
      try {
        await typeText(tab, "tenure > 13");
        await tab.getByTestId("preview-button").click();
        await expect.poll(said).toContainEqual(expect.stringContaining("the database did not answer"));
      } finally {
        await failing.stop();
      }
      // Save without a name: said at once.
      await tab.getByTestId("save").click();
      await expect.poll(said).toContainEqual(expect.stringMatching(/name/i));
      expect(tabErrors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
    } finally {
      await tab.evaluate(() => window.sessionStorage.clear()).catch(() => undefined);
      await tab.close();
    }
  });
});
