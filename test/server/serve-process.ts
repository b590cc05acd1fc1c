/**
 * Runs the CLI from source in a child process (`node --import tsx test/server/serve-process.ts serve …`),
 * so tests can start, signal and kill a real `segql serve`.
 */
import { main } from "../../src/cli/main.js";

process.exitCode = await main(process.argv.slice(2));
