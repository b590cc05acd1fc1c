/**
 * One document's failure stays that document's problem (issue 10, case 10): an exception while analysing
 * it becomes one diagnostic on it, and the other documents of the project are analysed and answered as
 * usual. Failures are injected through `beforeAnalysis`, the hook a host uses to follow analyses.
 */
import { describe, expect, it } from "vitest";
import { LanguageService, type LanguageServiceOptions } from "../../src/service/index.js";
import { schema } from "./helpers.js";

const BROKEN = "file:///p/broken.segql";
const LIB = "file:///p/lib.segql";
const MAIN = "file:///p/main.segql";

function project(options: Partial<LanguageServiceOptions> = {}): { svc: LanguageService; errors: string[] } {
  const errors: string[] = [];
  const svc = new LanguageService({
    project: () => ({ key: "p", schema }),
    onInternalError: (uri, e) => errors.push(`${uri}: ${(e as Error).message}`),
    ...options,
  });
  svc.setDocument(LIB, 'segment "Paying" as plan_type in ("Pro", "Enterprise")\n');
  svc.setDocument(MAIN, 'segment "Main" as in segment "Paying" and tenure > "x"\n');
  return { svc, errors };
}

const flat = (svc: LanguageService, uri: string) => svc.diagnostics(uri).map((d) => `${d.from}-${d.to} ${d.severity} ${d.code}: ${d.message}`);

describe("a document whose analysis fails", () => {
  it("shows one internal-error diagnostic at its start; the project's other documents are analysed as usual", () => {
    const { svc, errors } = project({ beforeAnalysis: (uri) => { if (uri === BROKEN) throw new Error("injected failure"); } });
    svc.setDocument(BROKEN, 'segment "Broken" as tenure > 1\n');
    const main = flat(svc, MAIN); // analyses every document of the project, the broken one included
    expect(main).toEqual([expect.stringMatching(/^\d+-\d+ error value-type: /)]);
    expect(flat(svc, LIB)).toEqual([]);
    expect(flat(svc, BROKEN)).toEqual(["0-0 error internal: internal error analysing this document: injected failure (please report it)"]);
    // Reported to the host once, not once per request.
    svc.diagnostics(BROKEN);
    svc.complete(BROKEN, 5);
    expect(errors).toEqual([`${BROKEN}: injected failure`]);
  });

  it("answers every feature on it with nothing, and every feature on the others as usual", () => {
    const { svc } = project({ beforeAnalysis: (uri) => { if (uri === BROKEN) throw new Error("injected failure"); } });
    svc.setDocument(BROKEN, 'segment "Broken" as tenure > 1\n');
    expect(svc.complete(BROKEN, 20).items).toEqual([]);
    expect(svc.hover(BROKEN, 22)).toBeNull();
    expect(svc.symbols(BROKEN)).toEqual([]);
    expect(svc.format(BROKEN)).toBeNull();
    expect(svc.semanticTokens(BROKEN)).toEqual([]);
    expect(svc.foldingRanges(BROKEN)).toEqual([]);
    expect(svc.definition(BROKEN, 10)).toEqual([]);
    expect(svc.references(BROKEN, 10)).toEqual([]);
    // The others still see each other.
    expect(svc.definition(MAIN, 'segment "Main" as in segment "Pa'.length)).toEqual([{ uri: LIB, from: 8, to: 16 }]);
    expect(svc.complete(MAIN, 'segment "Main" as in segment '.length).items.map((i) => i.label)).toEqual(['"Paying"']);
  });

  it("leaves its segments out of the project: a reference to them is unknown, not a crash", () => {
    const { svc } = project({ beforeAnalysis: (uri) => { if (uri === LIB) throw new Error("injected failure"); } });
    expect(flat(svc, MAIN).map((d) => d.replace(/:.*/, ""))).toEqual([expect.stringMatching(/unknown-segment$/), expect.stringMatching(/value-type$/)]);
  });

  it("is analysed again once its text changes", () => {
    let fail = true;
    const { svc } = project({ beforeAnalysis: (uri) => { if (uri === BROKEN && fail) throw new Error("injected failure"); } });
    svc.setDocument(BROKEN, "tenure > 1");
    expect(flat(svc, BROKEN)).toHaveLength(1);
    fail = false;
    svc.setDocument(BROKEN, "tenure > 2");
    expect(flat(svc, BROKEN)).toEqual([]);
  });

  it("a failure in the checker (after parsing) is caught the same way, per document", () => {
    const calls = new Map<string, number>();
    const { svc } = project({
      beforeAnalysis: (uri) => {
        calls.set(uri, (calls.get(uri) ?? 0) + 1);
        if (uri === BROKEN && calls.get(uri)! >= 2) throw new RangeError("Maximum call stack size exceeded");
      },
    });
    svc.setDocument(BROKEN, "tenure > 1");
    expect(flat(svc, BROKEN)).toEqual(["0-0 error internal: internal error analysing this document: RangeError: Maximum call stack size exceeded (please report it)"]);
    expect(svc.complete(BROKEN, "tenure ".length).items.length).toBeGreaterThan(0); // the parse is fine: completion works
    expect(flat(svc, MAIN)).toHaveLength(1);
  });

  it("case 2's input, 150 unclosed parentheses, gets its own diagnostic and leaves the project alone", () => {
    const { svc, errors } = project();
    svc.setDocument(BROKEN, "(".repeat(150) + "churn");
    const own = svc.diagnostics(BROKEN);
    expect(own.length).toBeGreaterThan(0);
    expect(own.every((d) => d.severity === "error")).toBe(true);
    expect(flat(svc, MAIN)).toHaveLength(1);
    expect(svc.complete(BROKEN, 150).items.length).toBeGreaterThan(0);
    expect(errors).toEqual([]);
  });
});

describe("a document the host stopped", () => {
  it("shows the host's reason, is not analysed, and is analysed again when the host says so", () => {
    const analysed: string[] = [];
    const { svc } = project({ beforeAnalysis: (uri) => analysed.push(uri) });
    svc.setDocument(BROKEN, 'segment "Slow" as tenure > 1\n', { stopped: "the analysis took longer than 10 s and was stopped" });
    expect(flat(svc, BROKEN)).toEqual(["0-0 error internal: the analysis took longer than 10 s and was stopped"]);
    expect(svc.symbols(BROKEN)).toEqual([]);
    expect(analysed).not.toContain(BROKEN);
    svc.setDocument(BROKEN, 'segment "Slow" as tenure > 1\n');
    expect(svc.symbols(BROKEN).map((s) => s.name)).toEqual(["Slow"]);
  });
});

describe("a document past the size limit", () => {
  it("gets one error where it passes the limit, counted in UTF-8 bytes as the parser counts", () => {
    const svc = new LanguageService({ maxBytes: 10 });
    svc.setDocument(MAIN, "éééééé"); // 12 bytes: the 6th character passes 10
    expect(flat(svc, MAIN)).toEqual([
      "5-6 error too-large: this file is larger than 10 bytes from here on, the most segql reads (12 bytes in all); it is not analysed: split it into several files",
    ]);
    svc.setDocument(MAIN, "ééééé");
    expect(flat(svc, MAIN).map((d) => d.split(":")[0])).not.toContain("too-large");
  });

  it("a raised limit reaches the parser: a 1.1 MB text is analysed", () => {
    const text = `-- ${"x".repeat(1_100_000)}\ntenure > "x"`;
    const svc = new LanguageService({ maxBytes: 2_000_000, project: () => ({ key: "p", schema }) });
    svc.setDocument(MAIN, text);
    expect(flat(svc, MAIN).map((d) => d.split(":")[0])).toEqual(["1100013-1100016 error value-type"]);
    const strict = new LanguageService({ project: () => ({ key: "p", schema }) });
    strict.setDocument(MAIN, text);
    expect(flat(strict, MAIN).map((d) => d.slice(0, 30))).toEqual(["1000000-1000001 error too-larg"]);
  });
});
