/**
 * Paths to the real datasets for tests and benchmarks. Uses the shared copy (`../shared/data`, or
 * `/work/shared/data`) when present; otherwise decompresses the vendored `data/<name>.gz` once into
 * `node_modules/.cache/segql-data`, so a clean clone on any machine has them.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const sharedCandidates = [process.env["SEGQL_SHARED_DATA"], join(repo, "..", "shared", "data"), "/work/shared/data"].filter(
  (p): p is string => typeof p === "string" && p.length > 0,
);

/** The vendored copy's folder (schema.json and README.md are kept there uncompressed). */
export const vendoredDataDir = join(repo, "data");

/** A plain (uncompressed) path for `name`, e.g. `telco/contacts.jsonl` or `online-retail/schema.json`. */
export function datasetFile(name: string): string {
  for (const dir of sharedCandidates) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  const plain = join(vendoredDataDir, name);
  if (existsSync(plain)) return plain;
  const gz = `${plain}.gz`;
  if (!existsSync(gz)) throw new Error(`dataset file ${name} is neither shared nor vendored (looked for ${gz})`);
  const cache = join(repo, "node_modules", ".cache", "segql-data");
  const out = join(cache, name);
  if (!existsSync(out)) {
    mkdirSync(dirname(out), { recursive: true });
    const tmp = `${out}.${process.pid}.tmp`;
    writeFileSync(tmp, gunzipSync(readFileSync(gz)));
    renameSync(tmp, out); // atomic, so parallel test workers never read half a file
  }
  return out;
}

/** sha256 of a file, for checking vendored copies against the shared ones. */
export function sha256(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}
