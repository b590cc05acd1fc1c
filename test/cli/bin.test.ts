/**
 * The installed CLI: runs `node bin/segql.js` (the bundle in dist/cli/segql.js). Skipped when dist/ has not
 * been built (`npm run build`); CI builds first.
 */
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { DidOpenTextDocumentNotification } from "vscode-languageserver-protocol/node";
import { describe, expect, it } from "vitest";
import { LspClient } from "../lsp/client.js";
import { SCHEMA } from "./helpers.js";

const root = join(import.meta.dirname, "..", "..");
const built = existsSync(join(root, "dist", "cli", "segql.js"));

function bin(args: string[], input = "") {
  const r = spawnSync(process.execPath, [join(root, "bin", "segql.js"), ...args], { input, encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(!built)("bin/segql.js (built)", () => {
  it("check: exit 0 on a valid expression, 1 with caret diagnostics, 2 on usage errors", () => {
    expect(bin(["check", "--schema", SCHEMA, 'status = "Trial"']).code).toBe(0);
    const bad = bin(["check", "--schema", SCHEMA, "tenure >"]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe("1:9: error: expected a value after '>'\n   1 | tenure >\n     |         ^\n");
    const usage = bin(["check", "--nope"]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^segql check: unknown option '--nope'/);
  });

  it("fmt: formats standard input", () => {
    expect(bin(["fmt", "-"], "A=1 AND (B OR C)")).toEqual({ code: 0, stdout: "A = 1 and (B or C)\n", stderr: "" });
  });
});

describe.skipIf(!built)("bin/segql.js exit codes (built)", () => {
  it("0 ok, 1 problems in the input, 2 usage errors, for every command", () => {
    const tmp = mkdtempSync(join(tmpdir(), "segql-bin-"));
    try {
      const contacts = join(tmp, "contacts.jsonl");
      writeFileSync(contacts, '{"id": "c1", "tenure": 20}\n');
      expect(bin(["fmt", "-"], "a = 1").code).toBe(0);
      expect(bin(["fmt", "-"], "a = ").code).toBe(1);
      expect(bin(["compile", "-s", SCHEMA, "tenure > 1"]).code).toBe(0);
      expect(bin(["compile", "-s", SCHEMA, "tenure > 'x'"]).code).toBe(1);
      expect(bin(["compile", "-s", SCHEMA, "-d", "oracle", "tenure > 1"]).code).toBe(2);
      expect(bin(["eval", "-s", SCHEMA, "-d", contacts, "tenure > 12"])).toMatchObject({ code: 0, stdout: "c1\n" });
      expect(bin(["eval", "-s", SCHEMA, "-d", contacts, 'not performed "Login"']).code).toBe(2);
      expect(bin(["nope"]).code).toBe(2);
      expect(bin([]).code).toBe(2);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it("the deep and huge inputs of issue 10 give diagnostics and exit 1, never a stack", () => {
    for (const input of [`${"(".repeat(150)}churn`, `a = "${"x".repeat(1_100_000)}"`, 'segment "a" as in segment "a"']) {
      const r = bin(["check", "-"], input);
      expect(r.code, input.slice(0, 40)).toBe(1);
      expect(r.stderr + r.stdout).not.toMatch(/\n\s+at /);
    }
  });
});

describe.skipIf(!built)("segql lsp from the bundle (built)", () => {
  it("finds its analysis worker beside it and the schema through segql.json: diagnostics of an opened file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "segql-bin-lsp-"));
    const client = await LspClient.start({}, pathToFileURL(dir).href, [process.execPath, join(root, "bin", "segql.js"), "lsp", "--stdio"]);
    try {
      writeFileSync(join(dir, "segql.json"), JSON.stringify({ schema: SCHEMA }));
      const uri = pathToFileURL(join(dir, "a.segql")).href;
      const published = client.nextDiagnostics(uri);
      await client.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: "segql", version: 1, text: 'segment "a" as tenure > "x"\n' } });
      const { diagnostics } = await published;
      expect(diagnostics.map((d) => d.code)).toEqual(["value-type"]);
      expect(await client.stop()).toBe(0);
      expect(client.stderr).toBe("");
    } finally {
      if (client.exitCode === null) client.child.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * `segql lsp` when an error escapes every handler: a module preloaded with `--import` waits until the
 * command has installed its handlers (bin/segql.js's and the server's), then throws from a timer.
 */
describe.skipIf(!built)("segql lsp on an internal error (built)", () => {
  const inject = `data:text/javascript,${encodeURIComponent(
    'const t = setInterval(() => { if (process.listenerCount("uncaughtException") >= 2) { clearInterval(t); throw new Error("injected failure\\nsecond line"); } }, 5);',
  )}`;
  function lsp(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
    // Standard input stays open (the server would end when it closes), so only the error ends it.
    const child = spawn(process.execPath, ["--import", inject, join(root, "bin", "segql.js"), "lsp", "--stdio"], { env: { ...process.env, SEGQL_DEBUG: "", ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill(), 60_000);
    return new Promise((resolve) => child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }));
  }

  it("one line asking to report it, exit 3; SEGQL_DEBUG=1 adds the stack", async () => {
    const r = await lsp({});
    expect(r.code).toBe(3);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^segql lsp: internal error: injected failure — please report this at .+, with the command and its input\n$/);
    const debug = await lsp({ SEGQL_DEBUG: "1" });
    expect(debug.code).toBe(3);
    expect(debug.stderr).toMatch(/^segql lsp: internal error: injected failure — please report this at [^\n]+\nError: injected failure\nsecond line\n\s+at /);
  });
});

/**
 * An internal error through the real launcher: bin/segql.js copied next to a stand-in dist/cli/segql.js
 * that fails as a bug would (no input reaches one any more), and a package.json naming where to report.
 */
describe("bin/segql.js on an internal error", () => {
  function launcher(main: string | null): { run(env?: Record<string, string>): { code: number | null; stdout: string; stderr: string }; done(): void } {
    const dir = mkdtempSync(join(tmpdir(), "segql-launcher-"));
    mkdirSync(join(dir, "bin"));
    copyFileSync(join(root, "bin", "segql.js"), join(dir, "bin", "segql.js"));
    writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module", bugs: { url: "https://example.org/segql/issues" } }));
    if (main !== null) {
      mkdirSync(join(dir, "dist", "cli"), { recursive: true });
      writeFileSync(join(dir, "dist", "cli", "segql.js"), main);
    }
    return {
      run: (env = {}) => {
        const r = spawnSync(process.execPath, [join(dir, "bin", "segql.js"), "check", "x"], { encoding: "utf8", timeout: 60_000, env: { ...process.env, SEGQL_DEBUG: "", ...env } });
        return { code: r.status, stdout: r.stdout, stderr: r.stderr };
      },
      done: () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const line = (message: string) => `segql: internal error: ${message} — please report this at https://example.org/segql/issues, with the command and its input\n`;

  it("an error thrown while loading the CLI: one line, exit 3; SEGQL_DEBUG=1 adds the stack", () => {
    const l = launcher('throw new Error("loading failed\\nsecond line");\nexport const main = () => 0;\n');
    try {
      expect(l.run()).toEqual({ code: 3, stdout: "", stderr: line("loading failed") });
      const debug = l.run({ SEGQL_DEBUG: "1" });
      expect(debug.code).toBe(3);
      expect(debug.stderr.startsWith(line("loading failed"))).toBe(true);
      expect(debug.stderr).toMatch(/\n\s+at .*dist\/cli\/segql\.js/);
    } finally {
      l.done();
    }
  });

  it("an error escaping main, or a rejection nobody awaited: one line, exit 3", () => {
    const thrown = launcher('export async function main() { throw new TypeError("x is not a function"); }\n');
    const rejected = launcher('export async function main() { Promise.reject(new RangeError("late")); return 0; }\n');
    try {
      expect(thrown.run()).toEqual({ code: 3, stdout: "", stderr: line("x is not a function") });
      expect(rejected.run()).toEqual({ code: 3, stdout: "", stderr: line("late") });
    } finally {
      thrown.done();
      rejected.done();
    }
  });

  it("without the compiled CLI: says to build it, exit 3", () => {
    const l = launcher(null);
    try {
      expect(l.run()).toEqual({ code: 3, stdout: "", stderr: line("the compiled CLI (dist/cli/segql.js) is missing: run `npm run build` in the segql package") });
    } finally {
      l.done();
    }
  });
});
