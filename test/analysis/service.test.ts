/**
 * The analysis in the language service (what the LSP server and the playground show): its warnings are
 * among a document's diagnostics, on the same places as `analyze()` puts them, with their fixes as code
 * actions; after an edit the warnings follow the text; a line cited in a message is the document's line.
 */
import { describe, expect, it } from "vitest";
import { LanguageService } from "../../src/service/index.js";
import { analyze } from "../../src/index.js";
import { richSchema } from "../helpers/generators.js";

const URI = "file:///work/a.segql";
const service = () => new LanguageService({ project: () => ({ key: "p", schema: richSchema }) });
const apply = (text: string, edits: { from: number; to: number; text: string }[]) =>
  [...edits].sort((a, b) => b.from - a.from).reduce((t, e) => t.slice(0, e.from) + e.text + t.slice(e.to), text);

describe("the language service", () => {
  const text = [
    'segment "Never" as score > 12 and score < 6',
    'segment "Always" as score > 3 or score <= 3 or score is empty',
    'segment "Extra" as email = "a" and score > 12',
    "  and score > 6",
  ].join("\n");

  it("reports the analysis's warnings where analyze() does, with the same messages", () => {
    const svc = service();
    svc.setDocument(URI, text);
    const warnings = svc.diagnostics(URI).filter((d) => d.severity !== "error");
    const expected = analyze(text, richSchema).diagnostics.map((d) => ({ code: d.code, from: d.span.start, to: d.span.end, message: d.message }));
    expect(warnings.map((d) => ({ code: d.code, from: d.from, to: d.to, message: d.message }))).toEqual(expected);
    expect(warnings.map((d) => d.code)).toEqual(["never-matches", "always-true", "redundant"]);
    expect(text.slice(warnings[2]!.from, warnings[2]!.to)).toBe("score > 6");
  });

  it("offers the obvious fix as a code action; applying it leaves no warning there", () => {
    const svc = service();
    svc.setDocument(URI, text);
    const redundant = svc.diagnostics(URI).find((d) => d.code === "redundant")!;
    const actions = svc.codeActions(URI, redundant.from, redundant.to);
    expect(actions.map((a) => a.title)).toEqual(["remove it"]);
    const fixed = apply(text, actions[0]!.edits);
    expect(fixed.split("\n").slice(2).join("\n")).toBe('segment "Extra" as email = "a" and score > 12');
    svc.setDocument(URI, fixed);
    expect(svc.diagnostics(URI).map((d) => d.code)).toEqual(["never-matches", "always-true"]);
  });

  it("after an edit elsewhere, a repeat's message cites the document's line", () => {
    const svc = service();
    const doc = 'segment "A" as score > 1\n\nsegment "B" as\n  email = "x" and\n  email = "x"';
    svc.setDocument(URI, doc);
    svc.diagnostics(URI);
    svc.setDocument(URI, doc.replace("score > 1", "score > 2"));
    const d = svc.diagnostics(URI).find((x) => x.code === "redundant")!;
    expect(d.message).toBe("this repeats 'email = \"x\"' (line 4): it adds nothing");
    expect(d.from).toBe(doc.lastIndexOf('email = "x"'));
  });
});
