/**
 * Vite config of the playground (`npm run playground`, `npm run playground:build` → playground/dist).
 *
 * - The app imports the library's source (`../src/…`) directly, as the CLI does: no copy, no build step.
 * - The demo datasets are served from the repository's `data/` folder as static files of the build
 *   (`data/telco/…`, `data/online-retail/…`): emitted into dist on build, served by a middleware in dev.
 *   Nothing is fetched from any other host.
 * - `base: "./"`: every URL in the build is relative, so any static host (or `segql serve`) can serve it
 *   from any path.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig, type Plugin, type UserConfig } from "vite";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "..");

/** The dataset files the playground serves, relative to the repository's `data/` (and to `data/` in the build). */
export const DATASET_FILES = [
  "telco/schema.json",
  "telco/contacts.jsonl.gz",
  "online-retail/schema.json",
  "online-retail/contacts.jsonl.gz",
  "online-retail/events.jsonl.gz",
] as const;

/** Serves `data/<file>` in dev and writes it into the build. */
function datasets(): Plugin {
  return {
    name: "segql-datasets",
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const path = (req.url ?? "").split("?")[0]!;
        const file = DATASET_FILES.find((f) => path.endsWith(`/data/${f}`));
        if (!file) return next();
        res.setHeader("Content-Type", file.endsWith(".gz") ? "application/gzip" : "application/json");
        res.end(readFileSync(join(repo, "data", file)));
      });
    },
    generateBundle() {
      for (const file of DATASET_FILES) {
        const source = join(repo, "data", file);
        if (!existsSync(source)) throw new Error(`playground: dataset file ${source} is missing`);
        this.emitFile({ type: "asset", fileName: `data/${file}`, source: readFileSync(source) });
      }
    },
  };
}

export default defineConfig(({ command }) => {
  // A build is always a production build, also when run from a test runner that set NODE_ENV=test
  // (React and its JSX runtime would otherwise be the development builds, several times slower).
  if (command === "build") process.env["NODE_ENV"] = "production";
  return config;
});

const config = {
  root: here,
  base: "./",
  plugins: [react(), datasets()],
  build: {
    outDir: join(here, "dist"),
    emptyOutDir: true,
    target: "es2022",
    // The wasm of DuckDB (loaded only on "Check on DuckDB") is large by nature.
    chunkSizeWarningLimit: 2000,
  },
  worker: { format: "es" },
  optimizeDeps: { exclude: ["@duckdb/duckdb-wasm"] },
  server: { fs: { allow: [repo] } },
  preview: { host: "127.0.0.1" },
} satisfies UserConfig;
