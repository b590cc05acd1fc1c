/**
 * The --help of the pipeline commands reads in an 80-100 column terminal: an option's description never
 * runs into its flag, and the prose (exit status, descriptions) wraps before 104 columns. The usage
 * synopsis is exempt: it is one command line to copy.
 */
import { describe, expect, it } from "vitest";
import { segql } from "./helpers.js";

const COMMANDS = ["check", "fmt", "compile", "eval", "relate", "diff"];

describe("--help layout", () => {
  for (const command of COMMANDS) {
    it(`segql ${command} --help`, async () => {
      const r = await segql([command, "--help"]);
      expect(r.code).toBe(0);
      const lines = r.stdout.split("\n");
      const body = lines.filter((l, i) => !(i < 3 && /^(usage: |\s+\[)/.test(l)));
      // `--table-alias A the name…`: a value name followed by one space, then the description.
      const cramped = body.filter((l) => /^\s+(-\w, )?--[\w-]+ [A-Z][\w.|]* [a-z(]/.test(l));
      expect(cramped, "option lines whose description touches the flag").toEqual([]);
      expect(body.filter((l) => l.length > 104), "lines over 104 columns").toEqual([]);
    });
  }
});
