/**
 * Runs CLI commands in-process through `main(argv, io)` with a fake Io, and makes temporary files.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { main } from "../../src/cli/main.js";
import type { Io } from "../../src/cli/io.js";

export const SCHEMA = join(import.meta.dirname, "..", "fixtures", "crm-schema.json");

/** What a command printed and returned. Each `out`/`err` call is one chunk; chunks are joined by newlines. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function segql(argv: string[], stdin = ""): Promise<RunResult> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = {
    out: (t) => out.push(t.replace(/\n$/, "")),
    err: (t) => err.push(t.replace(/\n$/, "")),
    readStdin: async () => stdin,
  };
  const code = await main(argv, io);
  return { code, stdout: out.join("\n"), stderr: err.join("\n") };
}

/** A temporary directory removed after the test file; `file(name, text)` writes into it. */
export function tempDir(): { dir: string; file(name: string, text: string): string } {
  const dir = mkdtempSync(join(tmpdir(), "segql-cli-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return {
    dir,
    file(name, text) {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
  };
}
