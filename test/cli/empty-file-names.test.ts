/**
 * A script's `-f "$SEGMENT_FILE"` with the variable unset passes an empty file name: the usage error says
 * the name is empty, instead of "file not found: " followed by nothing.
 */
import { describe, expect, it } from "vitest";
import { SCHEMA, segql, tempDir } from "./helpers.js";

const contacts = tempDir().file("contacts.jsonl", '{"customer_id": "c1"}\n');

describe("an empty file name", () => {
  const cases: [string[], string][] = [
    [["check", "-f", ""], "segql check: file not found: '' (an empty file name: is a variable unset?)"],
    [["compile", "-s", "", "tenure > 1"], "segql compile: schema file not found: '' (an empty file name: is a variable unset?)"],
    [["eval", "-s", SCHEMA, "-d", contacts, "-e", "", "--now", "2026-01-01T00:00:00Z", 'performed "Login"'], "segql eval: events file not found: '' (an empty file name: is a variable unset?)"],
  ];
  for (const [argv, message] of cases) {
    it(argv.join(" "), async () => {
      const r = await segql(argv);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(message);
    });
  }
});
