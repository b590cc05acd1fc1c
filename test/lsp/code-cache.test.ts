/**
 * The analysis worker's code cache (src/lsp/code-cache.ts): a valid cache is used, and whatever else the
 * cache file holds (nothing, another build's cache, damaged bytes, data V8 refuses) the bundle runs as it
 * does from its source and the file is replaced with a valid cache. The cases V8 alone gets wrong are here
 * on purpose: it takes the cache of another source of the same length (and runs the old code), and damaged
 * data ends the process in a fatal error, so the header's check is what keeps both out.
 *
 * Then through the real server: a bundle whose cache files are garbage still publishes the first
 * diagnostics, and writes valid caches for the next start (the worker's as it starts, the main thread's
 * as it exits).
 */
import fc from "fast-check";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DidOpenTextDocumentNotification } from "vscode-languageserver-protocol/node";
import { BUILT_FILES } from "../../src/lsp/built-files.js";
import { cacheFileOf, runWithCodeCache } from "../../src/lsp/code-cache.js";
import { writeWorkerCodeCache } from "../../src/lsp/commonjs-bundles.js";
import { bundleServer, flatDiagnostics, LspClient, ROOT, stdioArgs } from "./client.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "segql-code-cache-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
/**
 * A CommonJS bundle whose module exports a function returning `word` (a function, so its code is in the
 * cache only once it ran), with `require` and `__filename` used as a bundle uses them.
 */
function bundleOf(word: string): string {
  const file = join(dir, `bundle-${files++}.cjs`);
  writeFileSync(file, `const { basename } = require("node:path");\nmodule.exports = () => "${word} from " + basename(__filename);\n`);
  return file;
}

/** Runs `bundle` through the cache and calls what it exports. */
function runIt(bundle: string): { status: string; answer: unknown; save: () => boolean } {
  const run = runWithCodeCache(bundle);
  return { status: run.status, answer: (run.exports as () => unknown)(), save: run.save };
}

/** What the bundle of `word` answers. */
const answer = (word: string, bundle: string) => `${word} from ${basename(bundle)}`;

/** A valid cache for `bundle`: run once, then saved. */
function cached(bundle: string): Buffer {
  const first = runIt(bundle);
  expect(first.save()).toBe(true);
  return readFileSync(cacheFileOf(bundle));
}

describe("runWithCodeCache", () => {
  it("compiles from source without a cache, then uses the cache it saved", () => {
    const bundle = bundleOf("alpha");
    const first = runIt(bundle);
    expect(first).toMatchObject({ status: "missing", answer: answer("alpha", bundle) });
    expect(first.save()).toBe(true);
    expect(runIt(bundle)).toMatchObject({ status: "used", answer: answer("alpha", bundle) });
  });

  it("does not use the cache of another source of the same length (V8 alone would run the old code)", () => {
    const bundle = bundleOf("alpha");
    const oldCache = cached(bundle);
    writeFileSync(bundle, readFileSync(bundle, "latin1").replace("alpha", "omega"), "latin1"); // a rebuild
    expect(readFileSync(cacheFileOf(bundle))).toEqual(oldCache);
    const rebuilt = runIt(bundle);
    expect(rebuilt).toMatchObject({ status: "stale", answer: answer("omega", bundle) });
    expect(rebuilt.save()).toBe(true);
    expect(runIt(bundle)).toMatchObject({ status: "used", answer: answer("omega", bundle) });
  });

  it("ignores a cache whose header is valid but whose data V8 refuses", () => {
    // A bundle this process never compiled: V8 would otherwise find its code in its own in-memory cache.
    const bundle = bundleOf("beta");
    const data = Buffer.from("not V8 code cache data, but checksummed as if it were");
    const header = Buffer.alloc(16);
    header.write("segqlv8c", 0, "latin1");
    header.writeUInt32LE(crc32(readFileSync(bundle)), 8);
    header.writeUInt32LE(crc32(data), 12);
    writeFileSync(cacheFileOf(bundle), Buffer.concat([header, data]));
    expect(runIt(bundle)).toMatchObject({ status: "rejected", answer: answer("beta", bundle) });
  });

  it("whatever damage a cache file takes, the bundle runs as from its source and is never given the damaged data", () => {
    const bundle = bundleOf("gamma");
    const valid = cached(bundle);
    fc.assert(
      fc.property(
        fc.oneof(
          // Bytes changed anywhere: the header or the data.
          fc.record({ at: fc.nat({ max: valid.length - 1 }), xor: fc.integer({ min: 1, max: 255 }) }).map(({ at, xor }) => {
            const b = Buffer.from(valid);
            b[at]! ^= xor;
            return b;
          }),
          // Cut short, or extended.
          fc.nat({ max: valid.length - 1 }).map((n) => valid.subarray(0, n)),
          fc.uint8Array({ minLength: 1, maxLength: 64 }).map((tail) => Buffer.concat([valid, tail])),
          // Anything at all.
          fc.uint8Array({ maxLength: 256 }).map((b) => Buffer.from(b)),
        ),
        (file) => {
          writeFileSync(cacheFileOf(bundle), file);
          const run = runIt(bundle);
          expect(run).toMatchObject({ status: "stale", answer: answer("gamma", bundle) });
        },
      ),
      { numRuns: 60 },
    );
  });

  it("a cache that cannot be written is no error: the next run compiles from source again", () => {
    const bundle = bundleOf("delta");
    const run = runWithCodeCache(bundle, join(dir, "no-such-folder", "bundle.v8cache"));
    expect(run.status).toBe("missing");
    expect(run.save()).toBe(false);
    expect(existsSync(join(dir, "no-such-folder"))).toBe(false);
  });

  it("an error thrown by the bundle reaches the caller, as from require", () => {
    const file = join(dir, "throws.cjs");
    writeFileSync(file, 'throw new Error("broken build");\n');
    expect(() => runWithCodeCache(file)).toThrow("broken build");
  });
});

describe("the server's worker and its code cache", () => {
  let bundle: string;
  let project: string;
  beforeAll(async () => {
    bundle = await bundleServer();
    project = join(dir, "project");
    mkdirSync(project);
    writeFileSync(join(project, "schema.json"), readFileSync(join(ROOT, "test/fixtures/crm-schema.json")));
    writeFileSync(join(project, "segql.json"), JSON.stringify({ schema: "schema.json" }));
  }, 120_000);
  afterAll(() => rmSync(bundle, { recursive: true, force: true }));

  const cacheFile = (name: string) => join(bundle, `${name}.v8cache`);

  /** Whether the cache file of the bundle `name` is one of its current source (the header's check). */
  const validCache = (name: string) => {
    const file = readFileSync(cacheFile(name));
    return file.toString("latin1", 0, 8) === "segqlv8c" && file.readUInt32LE(8) === crc32(readFileSync(join(bundle, name)))
      && file.readUInt32LE(12) === crc32(file.subarray(16));
  };

  it("the build's step writes a cache the worker then uses", async () => {
    expect(await writeWorkerCodeCache(bundle)).toEqual({ status: "missing", written: true });
    expect(await writeWorkerCodeCache(bundle)).toEqual({ status: "used", written: false });
  }, 60_000);

  it("a server that finds garbage cache files publishes the first diagnostics and writes valid caches", async () => {
    for (const name of [BUILT_FILES.workerService, BUILT_FILES.connection]) {
      writeFileSync(cacheFile(name), Buffer.concat([Buffer.from("segqlv8c"), Buffer.alloc(5000, 7)]));
      expect(validCache(name)).toBe(false);
    }
    const client = await LspClient.start({}, pathToFileURL(project).href, [process.execPath, ...stdioArgs({}, bundle)]);
    try {
      const uri = pathToFileURL(join(project, "a.segql")).href;
      const published = client.nextDiagnostics(uri);
      await client.connection.sendNotification(DidOpenTextDocumentNotification.type, {
        textDocument: { uri, languageId: "segql", version: 1, text: 'segment "A" as tenure > "x"\n' },
      });
      expect(flatDiagnostics((await published).diagnostics)).toEqual([
        '0:24 value-type tenure is a number field, so it cannot be compared with the text "x"',
      ]);
    } finally {
      expect(await client.stop()).toBe(0);
    }
    expect(client.stderr).toBe("");
    expect(validCache(BUILT_FILES.workerService)).toBe(true);
    expect(validCache(BUILT_FILES.connection)).toBe(true);
    expect(await writeWorkerCodeCache(bundle)).toEqual({ status: "used", written: false });
  }, 60_000);
});

/** CRC-32 as zlib computes it (the header's check), for the forged files above. */
function crc32(data: Buffer): number {
  let crc = ~0;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}
