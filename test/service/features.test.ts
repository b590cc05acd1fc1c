import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "../../src/parser/index.js";
import { LanguageService, minimalEdit, type Edit } from "../../src/service/index.js";
import { cursor, schema, serviceWith, URI } from "./helpers.js";

/** Hover text at the marked cursor, and what it covers: `"plan_type" → **plan_type**: enum field…`. */
function hover(marked: string, others: Record<string, string> = {}): string {
  const { text, offset } = cursor(marked);
  const r = serviceWith({ ...others, [URI]: text }).hover(URI, offset);
  return r ? `${JSON.stringify(text.slice(r.from, r.to))} → ${r.markdown}` : "(none)";
}

function applyEdits(text: string, edits: Edit[]): string {
  return [...edits].sort((a, b) => b.from - a.from).reduce((t, e) => t.slice(0, e.from) + e.text + t.slice(e.to), text);
}

describe("hover", () => {
  it("a field: type, description, allowed values and column", () => {
    const h = hover('plan_t|ype = "Pro"');
    expect(h).toMatch(/^"plan_type" → \*\*plan_type\*\*: enum field/);
    expect(h).toContain("Billing plan.");
    expect(h).toContain('Values: `"Free"`, `"Pro"`, `"Enterprise"`');
    expect(h).toContain("Column: `plan`");
    expect(hover("`Plan T|ype` = \"x\"")).toContain("Column: `plan_type_label`");
    expect(hover("COUN|T > 3")).toContain("A field named like a soft keyword.");
  });

  it("an operator: its meaning, whichever spelling was used", () => {
    expect(hover("tenure |> 3")).toMatch(/^">" → `>`: Greater than/);
    expect(hover("tenure is gre|ater than 3")).toMatch(/^"is greater than" → `is greater than`: Same as `>`/);
    expect(hover('email not sta|rts with "a"')).toMatch(/^"not starts with" → .*true when the field is empty/);
    expect(hover("email is e|mpty")).toMatch(/^"is empty" → /);
    expect(hover('status no|t in ("Trial")')).toMatch(/^"not in" → /);
    expect(hover("signed_up_at wit|hin last 30 days")).toMatch(/^"within last" → .*both ends included/);
    expect(hover("tenure <|> 3")).toMatch(/^"<>" → `!=`/);
  });

  it("a value of an enum says whether it is allowed", () => {
    expect(hover('status = "Tr|ial"')).toBe('"\\"Trial\\"" → A value of **status** (`"Subscribed"`, `"Unsubscribed"`, `"Trial"`, `"Inactive"`)');
    expect(hover('status = "tr|ial"')).toMatch(/\*\*Not\*\* a value of \*\*status\*\*/);
  });

  it("events, their properties and their keywords", () => {
    expect(hover('performed "Pur|chase"')).toContain("Properties: `amount` (number), `currency` (string), `sku` (string)");
    const prop = hover('performed "Purchase" where amo|unt > 5');
    expect(prop).toMatch(/^"amount" → \*\*amount\*\*: number property/);
    expect(prop).toContain('Property of event "Purchase".');
    expect(hover('performed "Purchase" with sum of amo|unt > 5')).toMatch(/^"amount" → /);
    expect(hover('performed "Purchase" wh|ere amount > 5')).toMatch(/^"where" → `where`: a filter/);
    expect(hover('perf|ormed "Purchase"')).toMatch(/^"performed" → /);
    expect(hover('performed "Purchase" with s|um of amount > 5')).toMatch(/^"sum" → `sum of PROPERTY`/);
  });

  it("the connectives and a declaration's keywords say what they mean; a property named like one is a property", () => {
    expect(hover("tenure > 3 a|nd is_verified")).toBe('"and" → `A and B`: both conditions hold.');
    expect(hover("tenure > 3 O|R is_verified")).toMatch(/^"OR" → `A or B`/);
    expect(hover('n|ot in segment "A"')).toMatch(/^"not" → `not E`: the exact complement of `E`.*empty fields too/);
    expect(hover('se|gment "A" title "t" as tenure > 3')).toMatch(/^"segment" → `segment "Name"/);
    expect(hover('segment "A" ti|tle "t" as tenure > 3')).toMatch(/^"title" → /);
    expect(hover('segment "A" a|s tenure > 3')).toMatch(/^"as" → `as CONDITION`/);
    // Inside a condition `description` is a name, not the declaration's keyword (no schema: nothing known of it).
    expect(hover('segment "A" as performed "Purchase" where descr|iption contains "x"', {})).not.toContain("what the segment is for");
    expect(serviceWith({ [URI]: 'segment "A" as performed "Purchase" where description contains "x"' }, { schema: null }).hover(URI, 50)).toBeNull();
    // An operator keeps its own hover.
    expect(hover('status no|t in ("Trial")')).toMatch(/^"not in" → /);
  });

  it("a segment reference shows its definition, from this file or another", () => {
    const lib = { "file:///work/lib.segql": 'segment "Paying" title "Paying customers" description "Pro or better" as plan_type in ("Pro", "Enterprise")' };
    const h = hover('segment "Mine" as in segment "Pay|ing"', lib);
    expect(h).toContain('**segment "Paying"**: Paying customers');
    expect(h).toContain("Pro or better");
    expect(h).toContain("Defined in lib.segql");
    expect(h).toContain('```segql\nsegment "Paying" title "Paying customers" description "Pro or better" as plan_type in ("Pro", "Enterprise")\n```');
    expect(hover('in segment "Nowh|ere"')).toBe('"\\"Nowhere\\"" → Unknown segment "Nowhere".');
  });

  it("nothing on blanks, comments or punctuation; never throws at any offset", () => {
    expect(hover("tenure > 3 |  ")).toBe("(none)");
    expect(hover("-- a co|mment\ntenure > 3")).toBe("(none)");
    const text = 'segment "A" as (tenure > 3 or performed "Purchase" at least 2 times where amount > 1) and status in ("Trial", x';
    const svc = serviceWith({ [URI]: text });
    for (let i = -1; i <= text.length + 1; i++) svc.hover(URI, i);
  });
});

describe("diagnostics and code actions", () => {
  const text = 'segment "A" as statuss = "Trial" and status = "trial" and status = Trial and in segment "B" and (tenure > 1\n';

  it("parser and checker diagnostics with ranges, in source order", () => {
    const svc = serviceWith({ [URI]: text });
    const flat = svc.diagnostics(URI).map((d) => `${d.code} ${JSON.stringify(text.slice(d.from, d.to))}`);
    expect(flat).toEqual([
      'unknown-field "statuss"',
      'unknown-value "\\"trial\\""',
      'unquoted-value "Trial"',
      'unknown-segment "\\"B\\""',
      'missing-close-paren ""',
    ]);
  });

  it("every fix is a code action, and applying them all gives a text without errors", () => {
    const svc = serviceWith({ [URI]: text });
    const actions = svc.codeActions(URI, 0, text.length);
    // No 'use "A"' for `in segment "B"`: "A" reading itself would be a cycle, not a fix.
    expect(actions.map((a) => a.title)).toEqual(["use status", 'use "Trial"', 'put "Trial" in quotes', "insert ')'"]);
    const fixed = applyEdits(text, actions.flatMap((a) => a.edits));
    expect(fixed).toContain('in segment "B"');
    svc.setDocument(URI, fixed.replace('in segment "B"', "tenure > 0"));
    // The analysis may still warn (the fixed text repeats itself); no error is left.
    expect(svc.diagnostics(URI).filter((d) => d.severity === "error")).toEqual([]);
    expect(svc.codeActions(URI, 0, 3)).toEqual([]);
  });

  it("only the actions for diagnostics in the asked range", () => {
    const svc = serviceWith({ [URI]: text });
    const at = text.indexOf("Trial and in");
    expect(svc.codeActions(URI, at, at).map((a) => a.title)).toEqual(['put "Trial" in quotes']);
  });

  it("without a schema: syntax errors and segment references only", () => {
    const svc = serviceWith({ [URI]: text }, { schema: null });
    expect(svc.diagnostics(URI).map((d) => d.code)).toEqual(["unknown-segment", "missing-close-paren"]);
  });

  it("segments of the project's other documents are known; their own errors are theirs", () => {
    const svc = serviceWith({ [URI]: 'segment "A" as in segment "B"', "file:///work/b.segql": 'segment "B" as tenure > 1' });
    expect(svc.diagnostics(URI)).toEqual([]);
    svc.setDocument("file:///work/b.segql", 'segment "B" as nosuch > 1');
    expect(svc.diagnostics(URI).map((d) => d.code)).toEqual(["broken-segment"]);
    expect(svc.diagnostics("file:///work/b.segql").map((d) => d.code)).toEqual(["unknown-field"]);
    svc.removeDocument("file:///work/b.segql");
    expect(svc.diagnostics(URI).map((d) => d.code)).toEqual(["unknown-segment"]);
  });

  it("a segment name defined in two files of a project is an error on the later file's definition, naming the other", () => {
    const A = "file:///work/a.segql";
    const B = "file:///work/b.segql";
    const b = 'segment "Other" as tenure > 2\nsegment "VIP" as tenure > 1\nsegment "VIP" as tenure > 3\n';
    // Opened in either order, the same file gets it: b.segql sorts after a.segql.
    for (const order of [[A, B], [B, A]] as const) {
      const texts: Record<string, string> = { [A]: '-- the first\nsegment "VIP" as lifetime_value > 1000\n', [B]: b };
      const svc = serviceWith({ [order[0]]: texts[order[0]]!, [order[1]]: texts[order[1]]! });
      expect(svc.diagnostics(A)).toEqual([]);
      const [first, ...rest] = svc.diagnostics(B);
      expect(first).toEqual({
        code: "duplicate-segment", severity: "error", from: b.indexOf('"VIP"'), to: b.indexOf('"VIP"') + 5,
        message: 'segment "VIP" is already defined in a.segql at line 2',
        related: [{ uri: A, from: 21, to: 26, message: 'segment "VIP" is first defined here' }],
      });
      // The repeat within b.segql is the checker's, as before.
      expect(rest.map((d) => d.message)).toEqual(['segment "VIP" is already defined at line 2']);
    }
    // Renamed in a.segql, the error goes.
    const svc = serviceWith({ [A]: 'segment "Gold" as tenure > 1', [B]: 'segment "VIP" as tenure > 1' });
    expect(svc.diagnostics(B)).toEqual([]);
    svc.setDocument(A, 'segment "VIP" as tenure > 1');
    expect(svc.diagnostics(B).map((d) => d.message)).toEqual(['segment "VIP" is already defined in a.segql at line 1']);
  });

  it("documents of different projects do not see each other", () => {
    const svc = new LanguageService({ project: (uri) => ({ key: uri.includes("/one/") ? "one" : "two", schema }) });
    svc.setDocument("file:///one/a.segql", 'segment "A" as in segment "B"');
    svc.setDocument("file:///two/b.segql", 'segment "B" as tenure > 1');
    expect(svc.diagnostics("file:///one/a.segql").map((d) => d.code)).toEqual(["unknown-segment"]);
  });

  it("project problems are reported on every document; a huge document gets one diagnostic and nothing else", () => {
    const svc = serviceWith({ [URI]: "tenure > 1" }, { problems: [{ message: "segql.json: schema file not found", severity: "warning" }] });
    expect(svc.diagnostics(URI)).toEqual([{ code: "config", severity: "warning", from: 0, to: 0, message: "segql.json: schema file not found" }]);
    const small = new LanguageService({ maxBytes: 100 });
    small.setDocument(URI, "tenure > 1 and ".repeat(20));
    expect(small.diagnostics(URI).map((d) => `${d.code} ${d.severity} ${d.from}-${d.to}`)).toEqual(["too-large error 100-101"]);
    expect(small.complete(URI, 5).items).toEqual([]);
    expect(small.symbols(URI)).toEqual([]);
    expect(small.format(URI)).toBeNull();
  });

  it("an unknown document has no diagnostics", () => {
    expect(new LanguageService().diagnostics("file:///nope.segql")).toEqual([]);
  });
});

describe("formatting", () => {
  it("formats with the canonical formatter as one minimal edit", () => {
    const text = 'segment "A"   as  (tenure > 1 OR email IS EMPTY)\n  AND status = "Trial"\n';
    const svc = serviceWith({ [URI]: text });
    const edits = svc.format(URI)!;
    expect(edits).toHaveLength(1);
    const formatted = applyEdits(text, edits);
    expect(formatted).toBe('segment "A" as (tenure > 1 or email is empty) and status = "Trial"\n');
    svc.setDocument(URI, formatted);
    expect(svc.format(URI)).toEqual([]);
  });

  it("refuses a text with syntax errors (printing a partial tree would drop text)", () => {
    expect(serviceWith({ [URI]: "tenure > and" }).format(URI)).toBeNull();
  });

  it("keeps comments", () => {
    const text = "-- lead\ntenure   > 1 -- why\n";
    const formatted = applyEdits(text, serviceWith({ [URI]: text }).format(URI)!);
    expect(formatted).toContain("-- lead");
    expect(formatted).toContain("-- why");
  });

  it("keeps a CRLF document's line ends and its BOM (an edit's text is inserted as it is by most editors)", () => {
    const crlf = 'segment "A" as\r\n  tenure   > 1 -- why\r\nsegment "B" as status = "Trial"\r\n';
    expect(applyEdits(crlf, serviceWith({ [URI]: crlf }).format(URI)!)).toBe('segment "A" as tenure > 1 -- why\r\n\r\nsegment "B" as status = "Trial"\r\n');
    const bom = "\uFEFFtenure   > 1";
    expect(applyEdits(bom, serviceWith({ [URI]: bom }).format(URI)!)).toBe("\uFEFFtenure > 1\n");
    const formattedCrlf = 'tenure > 1\r\n';
    expect(serviceWith({ [URI]: formattedCrlf }).format(URI)).toEqual([]);
  });

  it("the minimal edit never splits a surrogate pair and always reproduces the target", () => {
    for (const [a, b] of [["x😀y", "x😁y"], ["abc", "abd"], ["", "a"], ["a", ""], ["same", "same"], ["😀", "😀😀"]] as const) {
      const edits = minimalEdit(a, b);
      expect(applyEdits(a, edits)).toBe(b);
      for (const e of edits) expect(/[\ud800-\udbff]$/.test(a.slice(0, e.from))).toBe(false);
    }
  });
});

describe("symbols, definition, references and rename", () => {
  const a = 'segment "Paying" title "Paying customers" as plan_type in ("Pro")\nsegment "Big" as in segment "Paying" and lifetime_value > 100\n';
  const b = 'segment "Other" as not in segment "Paying" or in segment "Big"\n';
  const B = "file:///work/b.segql";
  const svc = () => serviceWith({ [URI]: a, [B]: b });
  const at = (text: string, needle: string, delta = 1) => text.indexOf(needle) + delta;
  const show = (locs: { uri: string; from: number; to: number }[]) =>
    locs.map((l) => `${l.uri.slice(l.uri.lastIndexOf("/") + 1)}:${l.from}:${(l.uri === URI ? a : b).slice(l.from, l.to)}`);

  it("document symbols are the named segments with their titles", () => {
    expect(svc().symbols(URI).map((s) => `${s.name}|${s.detail ?? ""}|${a.slice(s.nameFrom, s.nameTo)}|${a.slice(s.from, s.to).length}`)).toEqual([
      'Paying|Paying customers|"Paying"|65',
      'Big||"Big"|61',
    ]);
  });

  it("go to definition from a reference, in the same file or another", () => {
    expect(show(svc().definition(URI, at(a, 'segment "Paying" and', 9)))).toEqual(['a.segql:8:"Paying"']);
    expect(show(svc().definition(B, at(b, '"Big"')))).toEqual([`a.segql:${a.indexOf('"Big"')}:"Big"`]);
    expect(svc().definition(URI, at(a, "plan_type"))).toEqual([]);
    expect(serviceWith({ [URI]: 'in segment "Nowhere"' }).definition(URI, 13)).toEqual([]);
  });

  it("find references across the open files, with or without the declaration", () => {
    const refs = svc().references(URI, at(a, '"Paying"'));
    expect(show(refs)).toEqual(['a.segql:8:"Paying"', `a.segql:${a.indexOf('"Paying" and')}:"Paying"`, `b.segql:${b.indexOf('"Paying"')}:"Paying"`]);
    expect(svc().references(URI, at(a, '"Paying"'), false)).toHaveLength(2);
    // The cursor just after the name counts too (editors put it there after typing).
    expect(svc().references(URI, a.indexOf('"Paying"') + 8)).toHaveLength(3);
  });

  it("rename changes the declaration and every reference in every file, as a quoted name", () => {
    const s = svc();
    expect(s.prepareRename(URI, at(a, '"Paying"'))).toEqual({ from: 8, to: 16, placeholder: "Paying" });
    const edit = s.rename(URI, at(a, '"Paying"'), 'Payers "A"');
    if ("error" in edit) throw new Error(edit.error);
    const newA = applyEdits(a, edit.changes[URI]!);
    const newB = applyEdits(b, edit.changes[B]!);
    expect(newA).toContain('segment "Payers \\"A\\"" title');
    expect(newA).toContain('in segment "Payers \\"A\\"" and');
    expect(newB).toBe('segment "Other" as not in segment "Payers \\"A\\"" or in segment "Big"\n');
    expect(parse(newA).diagnostics).toEqual([]);
    const after = serviceWith({ [URI]: newA, [B]: newB });
    expect(after.diagnostics(URI)).toEqual([]);
    expect(after.diagnostics(B)).toEqual([]);
  });

  it("rename refuses what it cannot do, with a reason", () => {
    const s = svc();
    expect(s.prepareRename(URI, at(a, "plan_type"))).toHaveProperty("error");
    expect(s.rename(URI, at(a, '"Paying"'), "Big")).toEqual({ error: 'a segment named "Big" already exists' });
    expect(s.rename(URI, at(a, '"Paying"'), "  ")).toHaveProperty("error");
    expect(s.rename(URI, at(a, '"Paying"'), "a\nb")).toHaveProperty("error");
    expect(s.rename(URI, at(a, '"Paying"'), "Paying")).toEqual({ changes: {} });
  });
});

describe("semantic tokens and folding", () => {
  it("classifies tokens by the lexer, refined by the tree (a soft keyword used as a field is a field)", () => {
    const text = '-- c\nsegment "A" as count > 3 and performed "Purchase" where amount > 5 and in segment "B"';
    const svc = serviceWith({ [URI]: text });
    const flat = svc.semanticTokens(URI).map((t) => `${text.slice(t.from, t.to)}:${t.type}${t.modifiers.length ? `+${t.modifiers.join("+")}` : ""}`);
    expect(flat.join(" ")).toBe([
      "-- c:comment", "segment:keyword", '"A":segment+declaration', "as:keyword", "count:field", ">:operator", "3:number",
      "and:keyword", "performed:keyword", '"Purchase":event', "where:keyword", "amount:property", ">:operator", "5:number",
      "and:keyword", "in:keyword", "segment:keyword", '"B":segment',
    ].join(" "));
  });

  it("tokens are in order, do not overlap and stay on one line, across pieces", () => {
    const text = 'segment "A" as tenure > 1 -- x\n\nsegment "B" as\n  (email is empty or\n   status = "Trial")\n';
    const tokens = serviceWith({ [URI]: text }).semanticTokens(URI);
    for (let i = 1; i < tokens.length; i++) expect(tokens[i]!.from).toBeGreaterThanOrEqual(tokens[i - 1]!.to);
    for (const t of tokens) expect(text.slice(t.from, t.to)).not.toMatch(/\n/);
    expect(tokens.map((t) => text.slice(t.from, t.to))).toContain('"Trial"');
  });

  it("folds multi-line segments, multi-line parentheses and comment blocks", () => {
    const text = '-- one\n-- two\nsegment "A" as\n  (tenure > 1 or\n   email is empty)\nsegment "B" as tenure > 2\n';
    const flat = serviceWith({ [URI]: text }).foldingRanges(URI).map((r) => `${r.kind}:${JSON.stringify(text.slice(r.from, r.to))}`);
    expect(flat).toEqual([
      'comment:"-- one\\n-- two"',
      'region:"segment \\"A\\" as\\n  (tenure > 1 or\\n   email is empty)"',
      'region:"(tenure > 1 or\\n   email is empty)"',
    ]);
  });
});

describe("the service is browser-safe", () => {
  it("a browser bundle of src/service reaches no node: module except through the schema loader", async () => {
    const esbuild = await import("esbuild");
    const result = await esbuild.build({
      entryPoints: [new URL("../../src/service/index.ts", import.meta.url).pathname],
      bundle: true,
      write: false,
      platform: "browser",
      format: "esm",
      metafile: true,
      logLevel: "silent",
      external: ["node:*"],
    });
    const offenders = Object.entries(result.metafile!.inputs)
      .filter(([, input]) => input.imports.some((i) => i.path.startsWith("node:")))
      .map(([file]) => file);
    expect(offenders).toEqual([]);
  });

  it("no file in src/service imports a node: module or the file system", () => {
    const dir = new URL("../../src/service/", import.meta.url);
    for (const file of readdirSync(dir)) {
      const source = readFileSync(new URL(file, dir), "utf8");
      expect(source, file).not.toMatch(/from\s+["']node:|require\(|from\s+["'](fs|path|os|child_process)["']/);
    }
  });
});
