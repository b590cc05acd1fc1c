import { describe, expect, it } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { createHash } from "node:crypto";
import { datasetFile, vendoredDataDir } from "../helpers/datasets.js";

const files = ["telco/contacts.jsonl", "online-retail/contacts.jsonl", "online-retail/events.jsonl"];
const digest = (b: Buffer) => createHash("sha256").update(b).digest("hex");

describe("vendored datasets", () => {
  it.each(files)("%s matches the sha256 recorded in data/README.md", (name) => {
    const readme = readFileSync(join(vendoredDataDir, "README.md"), "utf8");
    const actual = digest(gunzipSync(readFileSync(join(vendoredDataDir, `${name}.gz`))));
    expect(readme).toContain(actual);
  });

  it.each(files)("%s resolves to a readable plain file with the same content", (name) => {
    const path = datasetFile(name);
    expect(existsSync(path)).toBe(true);
    expect(digest(readFileSync(path))).toBe(digest(gunzipSync(readFileSync(join(vendoredDataDir, `${name}.gz`)))));
  });
});
