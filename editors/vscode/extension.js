// The segql VS Code extension: highlighting comes from syntaxes/segql.tmLanguage.json (generated from the
// lexer); everything else from the segql language server, started as `segql lsp --stdio`.
"use strict";
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

/** @type {LanguageClient | undefined} */
let client;

function expand(value) {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? "";
  return value.replace(/\$\{workspaceFolder\}/g, folder);
}

async function activate(context) {
  const config = vscode.workspace.getConfiguration("segql");
  const command = expand(config.get("server.command", "segql"));
  const args = config.get("server.args", ["lsp", "--stdio"]).map(expand);
  // No `transport` here: with TransportKind.stdio the client would append its own `--stdio`.
  const serverOptions = { run: { command, args }, debug: { command, args } };
  const clientOptions = {
    documentSelector: [{ language: "segql" }],
    synchronize: {
      // The server re-reads segql.json, schemas and segment files when they change on disk.
      fileEvents: vscode.workspace.createFileSystemWatcher("**/{segql.json,*.json,*.segql}"),
    },
  };
  client = new LanguageClient("segql", "segql", serverOptions, clientOptions);
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration("segql.server")) {
        void vscode.window.showInformationMessage("segql: reload the window to restart the language server with the new settings.");
      }
    }),
  );
  try {
    await client.start();
  } catch (e) {
    void vscode.window.showErrorMessage(
      `segql: could not start the language server with '${command} ${args.join(" ")}' (${e instanceof Error ? e.message : e}). ` +
        "Install segql (npm install -g segql) or set segql.server.command.",
    );
  }
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
