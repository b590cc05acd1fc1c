/**
 * Typing in a long condition: after each keystroke the language service (the playground's editor, the LSP)
 * shows what it shows for the same text opened fresh: diagnostics with their fixes, highlighting (semantic
 * tokens), folding, symbols, hover and completion. A keystroke inside a number, a name or a string reuses
 * the previous parse (src/parser/incremental.ts); any other edit parses again.
 */
import { describe, expect, it } from "vitest";
import { LanguageService } from "../../src/service/index.js";
import { schema } from "./helpers.js";

const URI = "file:///work/long.segql";

function fresh(text: string): LanguageService {
  const svc = new LanguageService({ project: () => ({ key: "p", schema }) });
  svc.setDocument(URI, text);
  return svc;
}

/** Everything an editor shows of the text, as plain data. */
function shown(svc: LanguageService, text: string) {
  const probe = Math.floor(text.length / 2);
  return {
    diagnostics: svc.diagnostics(URI),
    tokens: svc.semanticTokens(URI),
    folding: svc.foldingRanges(URI),
    symbols: svc.symbols(URI),
    format: svc.format(URI),
    hover: svc.hover(URI, probe),
    completion: svc.complete(URI, probe).items.map((i) => i.label),
  };
}

/** `text` with `insert` typed at `at`, one character at a time, checked after each. */
function typeAt(svc: LanguageService, text: string, at: number, insert: string): string {
  for (const ch of insert) {
    text = text.slice(0, at) + ch + text.slice(at);
    at += ch.length;
    svc.setDocument(URI, text);
    expect(shown(svc, text)).toEqual(shown(fresh(text), text));
  }
  return text;
}

/** `count` characters deleted before `at`, one at a time, checked after each. */
function backspace(svc: LanguageService, text: string, at: number, count: number): string {
  for (let i = 0; i < count; i++) {
    text = text.slice(0, at - 1) + text.slice(at);
    at--;
    svc.setDocument(URI, text);
    expect(shown(svc, text)).toEqual(shown(fresh(text), text));
  }
  return text;
}

const UNIT = ' and (status = "Trial" or tenure > 12 or tags has "vip") -- note\n  and lifetime_value between 1 and 5';
const LINE_UNIT = ' and (status = "Trial" or tenure > 12 or tags has "vip") and lifetime_value between 1 and 5';

describe("typing in a long condition shows what the same text shows opened fresh", () => {
  it("in a bare condition of a few KB: numbers, names and strings, a typo made and undone", () => {
    let text = "lifetime_value > 1" + UNIT.repeat(40);
    const svc = fresh(text);
    const middle = text.indexOf("tenure > 12", text.length / 2) + "tenure > 12".length;
    text = typeAt(svc, text, middle, "345");
    text = backspace(svc, text, middle + 3, 2);
    const name = text.indexOf("lifetime_value", text.length / 3) + "lifetime".length;
    text = typeAt(svc, text, name, "x"); // lifetimex_value: an unknown field, with its fix
    expect(svc.diagnostics(URI).some((d) => d.message.startsWith("unknown field 'lifetimex_value'"))).toBe(true);
    text = backspace(svc, text, name + 1, 1);
    const string = text.indexOf('"Trial"', (text.length * 2) / 3) + 3;
    text = typeAt(svc, text, string, "ox"); // "Trioxal": not a value of status
    text = typeAt(svc, text, text.length - 1, "9 ");
    text = typeAt(svc, text, 0, "(");
    expect(svc.diagnostics(URI).length).toBeGreaterThan(0);
  });

  it("in a segment file whose declaration is one long line", () => {
    let text = `segment "Small" as tenure > 1\nsegment "Long" as is_verified${LINE_UNIT.repeat(40)}\nsegment "After" as in segment "Long"\n`;
    const svc = fresh(text);
    const at = text.indexOf("between 1 and 5", text.length / 2) + "between 1".length;
    text = typeAt(svc, text, at, "00");
    text = backspace(svc, text, at + 2, 2);
    typeAt(svc, text, text.indexOf('"vip"', text.length / 2) + 2, "P");
  });
});
