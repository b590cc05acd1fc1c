/**
 * Entry point of the language server's analysis worker thread (started by analysis-client.ts).
 */
import { parentPort, workerData } from "node:worker_threads";
import { runHost, type HostPort } from "./analysis-host.js";
import type { HostData } from "./analysis-protocol.js";

if (parentPort) runHost(parentPort as unknown as HostPort, (workerData ?? {}) as HostData);
