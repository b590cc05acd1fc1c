import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Two test files at a time at least (Vitest's default, cores - 1, is one on a 2-core machine): most
    // files spend much of their time waiting on a database server, a child process or Chromium, and each
    // file works in databases, schemas, directories and ports of its own (docs/testing.md).
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
