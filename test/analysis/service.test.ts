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

  it("after an edit in a referenced segment only, the warnings of the segment referring to it follow its meaning", () => {
    // "B"'s own text does not change; what it refers to does: kept warnings must not be reused for it.
    const svc = service();
    const doc = (a: string) => `segment "A" as ${a}\n\nsegment "B" as score > 10 and in segment "A"`;
    const warningsOf = (a: string) => {
      svc.setDocument(URI, doc(a));
      return svc.diagnostics(URI).filter((d) => d.severity !== "error").map((d) => `${d.code}@${d.from}`);
    };
    const fresh = (a: string) => analyze(doc(a), richSchema).diagnostics.map((d) => `${d.code}@${d.span.start}`);
    for (const a of ["score > 20", "score < 5", "score > 20", "score < 50", "score < 5", "email = \"x\""]) {
      expect(warningsOf(a)).toEqual(fresh(a));
    }
    // The edits did change "B"'s warnings (the test would pass vacuously otherwise).
    expect(fresh("score < 5")).not.toEqual(fresh("score > 20"));
  });

  it("analysing the same document again and again gives what a fresh analysis gives, edit after edit", () => {
    const svc = service();
    const base = 'segment "A" as score > 12 and score < 6\nsegment "B" as not in segment "A" and email = "a"\nsegment "C" as in segment "B" or score > 3 and score > 4';
    for (const [from, to] of [["12", "2"], ["2", "12"], ['"a"', '""'], ["> 4", "> 2"], ["> 2", "> 4"]] as const) {
      const text = base.replace(from, to);
      svc.setDocument(URI, text);
      const got = svc.diagnostics(URI).filter((d) => d.severity !== "error").map((d) => `${d.code}@${d.from}:${d.message}`);
      expect(got).toEqual(analyze(text, richSchema).diagnostics.map((d) => `${d.code}@${d.span.start}:${d.message}`));
    }
  });
});

describe("member lists (a store's static segments, declared with a stand-in condition)", () => {
  const lists = () => {
    const svc = new LanguageService({ project: () => ({ key: "p", schema: richSchema, memberLists: new Set(["Picked", "Other"]) }) });
    // The web app declares a static segment with a condition every contact meets: only its name matters.
    svc.setDocument("segment://1", 'segment "Picked" as email is not empty or email is empty');
    svc.setDocument("segment://2", 'segment "Other" as email is not empty or email is empty');
    svc.setDocument("segment://3", 'segment "Dyn" as\nin segment "Other" and score > 5\n');
    return svc;
  };
  const warningsOf = (svc: LanguageService, text: string) => {
    svc.setDocument(URI, text);
    return svc.diagnostics(URI).map((d) => `${d.code} ${text.slice(d.from, d.to)}`);
  };

  it("says nothing that only the stand-in implies: two lists are unrelated, and unrelated to every field", () => {
    const svc = lists();
    for (const text of ['in segment "Picked" and in segment "Other"', 'in segment "Picked" and not in segment "Other"', 'in segment "Picked" and score > 1', 'in segment "Picked" or email is empty']) {
      expect(warningsOf(svc, text), text).toEqual([]);
    }
    // Without the list names, the stand-ins' meaning (every contact) gives those warnings: what this prevents.
    const plain = new LanguageService({ project: () => ({ key: "p", schema: richSchema }) });
    plain.setDocument("segment://1", 'segment "Picked" as email is not empty or email is empty');
    plain.setDocument("segment://2", 'segment "Other" as email is not empty or email is empty');
    expect(warningsOf(plain, 'in segment "Picked" and not in segment "Other"')).toEqual(['never-matches not in segment "Other"']);
  });

  it("still says what membership implies: the same list twice, on and off one list, through a segment that reads it", () => {
    const svc = lists();
    expect(warningsOf(svc, 'in segment "Picked" and not in segment "Picked"')).toEqual(['never-matches in segment "Picked" and not in segment "Picked"']);
    expect(warningsOf(svc, 'in segment "Picked" or in segment "Picked"')).toEqual(['redundant in segment "Picked"']);
    expect(warningsOf(svc, 'in segment "Dyn" and not in segment "Other"')).toEqual(['never-matches in segment "Dyn" and not in segment "Other"']);
    expect(warningsOf(svc, 'in segment "Dyn" and in segment "Other"')).toEqual(['redundant in segment "Other"']);
  });

  it("hover says a member list is a hand-picked list, not its stand-in condition", () => {
    const svc = lists();
    svc.setDocument(URI, 'in segment "Picked" and score > 1');
    const md = svc.hover(URI, 14)!.markdown;
    expect(md).toContain("A static segment: a hand-picked list of contacts");
    expect(md).not.toContain("email");
    svc.setDocument(URI, 'in segment "Dyn"');
    expect(svc.hover(URI, 14)!.markdown).toContain('in segment "Other" and score > 5');
  });
});
