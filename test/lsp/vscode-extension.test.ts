/**
 * The VS Code extension without VS Code: its manifest points at files that exist, and `extension.js`, loaded
 * with stand-ins for the `vscode` and `vscode-languageclient` modules, starts `segql lsp --stdio` for the
 * `segql` language. (Packaging is checked by hand with `npx @vscode/vsce package`, see docs/editors.md.)
 */
import { existsSync, readFileSync } from "node:fs";
import Module, { createRequire } from "node:module";
import { describe, expect, it } from "vitest";

const DIR = new URL("../../editors/vscode/", import.meta.url);
const manifest = JSON.parse(readFileSync(new URL("package.json", DIR), "utf8"));

describe("editors/vscode", () => {
  it("declares the segql language, its grammar and configuration, and the client dependency", () => {
    expect(manifest.contributes.languages[0]).toMatchObject({ id: "segql", extensions: [".segql"], configuration: "./language-configuration.json" });
    expect(manifest.contributes.grammars[0]).toMatchObject({ language: "segql", scopeName: "source.segql" });
    for (const file of [manifest.main, manifest.contributes.grammars[0].path, manifest.contributes.languages[0].configuration, "README.md", "LICENSE"]) {
      expect(existsSync(new URL(file, DIR)), file).toBe(true);
    }
    expect(manifest.dependencies["vscode-languageclient"]).toMatch(/^\^11\./);
    const config = JSON.parse(readFileSync(new URL("language-configuration.json", DIR), "utf8"));
    expect(config.comments.lineComment).toBe("--");
    expect(config.brackets).toEqual([["(", ")"]]);
    expect(config.autoClosingPairs.map((p: { open: string }) => p.open)).toEqual(["(", '"', "'", "`"]);
  });

  it("starts `segql lsp --stdio` (or the configured command) for segql documents", async () => {
    const started: { id: string; server: unknown; client: { documentSelector: unknown } }[] = [];
    const settings: Record<string, unknown> = {};
    const fakeVscode = {
      workspace: {
        workspaceFolders: [{ uri: { fsPath: "/proj" } }],
        getConfiguration: () => ({ get: (key: string, fallback: unknown) => settings[key] ?? fallback }),
        createFileSystemWatcher: (glob: string) => ({ glob }),
        onDidChangeConfiguration: () => ({ dispose() {} }),
      },
      window: { showErrorMessage: () => undefined, showInformationMessage: () => undefined },
    };
    class FakeClient {
      constructor(id: string, _name: string, server: unknown, client: { documentSelector: unknown }) {
        started.push({ id, server, client });
      }
      start() {
        return Promise.resolve();
      }
      stop() {
        return Promise.resolve();
      }
    }
    const M = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
    const load = M._load;
    M._load = function (request: string, ...rest: unknown[]) {
      if (request === "vscode") return fakeVscode;
      if (request === "vscode-languageclient/node") return { LanguageClient: FakeClient };
      return load.call(this, request, ...rest);
    };
    try {
      const require = createRequire(import.meta.url);
      const path = require.resolve("../../editors/vscode/extension.js");
      delete require.cache[path];
      const extension = require(path);
      await extension.activate({ subscriptions: [] });
      settings["server.command"] = "${workspaceFolder}/node_modules/.bin/segql";
      await extension.activate({ subscriptions: [] });
      await extension.deactivate();
    } finally {
      M._load = load;
    }
    expect(started[0]!.server).toEqual({ run: { command: "segql", args: ["lsp", "--stdio"] }, debug: { command: "segql", args: ["lsp", "--stdio"] } });
    expect(started[0]!.client.documentSelector).toEqual([{ language: "segql" }]);
    expect((started[1]!.server as { run: { command: string } }).run.command).toBe("/proj/node_modules/.bin/segql");
  });
});
