/**
 * Runs a CommonJS bundle through V8's code cache: the analysis worker's start without compiling its
 * JavaScript again (issue 14: the language server's first diagnostics within 300 ms of its start).
 *
 * Once its V8 isolate is up, most of the worker's own start went to compiling its ~0.7 MB of bundled
 * JavaScript: parsing it, then compiling each function the first time it runs (Chevrotain's grammar
 * recording and the warm-up analysis run hundreds). V8 can serialize a script's compiled code
 * (`createCachedData`) and take it back (`cachedData`), which skips both. Node 20 has no module compile
 * cache (`module.enableCompileCache` is Node 22), so the bundle is compiled here, with `vm.Script`, wrapped
 * as Node wraps a CommonJS module.
 *
 * A cache file is trusted only as far as it is checked. V8 itself rejects data made by another V8 version
 * or with other V8 flags, but it matches data to a script by the source's length alone (given the cache of
 * `return 'aaa'`, the source `return 'bbb'` runs the cached code and returns 'aaa'), and release builds do
 * not verify the data's checksum (damaged data ends the whole process in a V8 fatal error). So the file
 * starts with a header of its own, a magic string and the CRC-32 of the source it was made from and of the
 * data, and anything that does not match is ignored: the bundle is compiled from its source, as without a
 * cache, and a fresh cache replaces the file. The file sits beside the bundle (dist/cli/, written by
 * `npm run build`), never in a shared or temporary directory where someone else could plant one.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { isAscii } from "node:buffer";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { Script } from "node:vm";
import { threadId } from "node:worker_threads";
import * as zlib from "node:zlib";

/** What became of a bundle's code cache when it ran. */
export type CodeCacheStatus =
  /** V8 took the cached code. */
  | "used"
  /** No cache file (or it could not be read). */
  | "missing"
  /** The file is not a cache of this source: made from another build, truncated or damaged. */
  | "stale"
  /** V8 refused the data (another Node or V8 version, or other V8 flags). */
  | "rejected"
  /** No cache on this Node: it lacks `zlib.crc32` (before 20.15), which the header's check needs. */
  | "off";

/** A bundle that ran, and what became of its code cache. */
export interface CachedRun {
  /** What the bundle's module exported (`module.exports`). */
  exports: unknown;
  status: CodeCacheStatus;
  /** Writes the code compiled so far as the bundle's cache (atomically); false when it could not. Never throws. */
  save(): boolean;
}

/** The header's magic string (8 bytes); a new layout of the file takes a new one. */
const MAGIC = "segqlv8c";
const HEADER_BYTES = 16;

/** Node's CommonJS wrapper: the bundle is a module's body. */
const WRAP_HEAD = "(function (exports, require, module, __filename, __dirname) { ";
const WRAP_TAIL = "\n});";

type Crc32 = (data: NodeJS.ArrayBufferView, value?: number) => number;
const crc32 = (zlib as { crc32?: Crc32 }).crc32;

/** The code cache file of a bundle: beside it, with `.v8cache` appended. */
export function cacheFileOf(bundle: string): string {
  return `${bundle}.v8cache`;
}

/**
 * Runs the CommonJS bundle at `bundle` (as `require` would, in this thread's context), with the compiled
 * code of `cacheFile` when that is a valid cache of it; returns what became of the cache and a `save` that
 * writes the code compiled by then (call it after the bundle's warm-up, so the functions the warm-up
 * compiled are in the cache). `beforeRun` is told what became of the cache before the bundle runs. An
 * error thrown by the bundle itself propagates, as from `require`.
 */
export function runWithCodeCache(bundle: string, cacheFile: string = cacheFileOf(bundle), beforeRun?: (status: CodeCacheStatus) => void): CachedRun {
  const bytes = readFileSync(bundle);
  // A one-byte (Latin-1) string is what V8 makes of ASCII text anyway; decoding it so is cheaper than UTF-8.
  const source = bytes.toString(isAscii(bytes) ? "latin1" : "utf8");
  const sourceCrc = crc32 ? crc32(bytes) : 0;
  let status: CodeCacheStatus = crc32 ? "missing" : "off";
  let cachedData: Buffer | undefined;
  if (crc32) {
    const file = readOrNull(cacheFile);
    if (file) {
      cachedData = validData(file, sourceCrc, crc32);
      status = cachedData ? "used" : "stale";
    }
  }
  const script = new Script(WRAP_HEAD + source + WRAP_TAIL, { filename: bundle, ...(cachedData ? { cachedData } : {}) });
  if (cachedData && script.cachedDataRejected) status = "rejected";
  beforeRun?.(status);
  const run = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: unknown, filename: string, dir: string) => void;
  const module: { exports: unknown } = { exports: {} };
  run.call(module.exports, module.exports, createRequire(bundle), module, bundle, dirname(bundle));
  return {
    exports: module.exports,
    status,
    save: () => {
      if (!crc32) return false;
      let data: Buffer;
      try {
        data = script.createCachedData();
      } catch {
        return false; // nothing to cache: the next start compiles from source, as without a cache
      }
      return writeCache(cacheFile, sourceCrc, data, crc32);
    },
  };
}

/** The data of a cache file when its header matches the source and the data; otherwise undefined. */
function validData(file: Buffer, sourceCrc: number, crc: Crc32): Buffer | undefined {
  if (file.length <= HEADER_BYTES || file.toString("latin1", 0, MAGIC.length) !== MAGIC) return undefined;
  if (file.readUInt32LE(8) !== sourceCrc) return undefined;
  const data = file.subarray(HEADER_BYTES);
  return crc(data) === file.readUInt32LE(12) ? data : undefined;
}

/** Writes header + data to `cacheFile` through a temporary file, so a reader sees the old file or the new one. */
function writeCache(cacheFile: string, sourceCrc: number, data: Buffer, crc: Crc32): boolean {
  const header = Buffer.alloc(HEADER_BYTES);
  header.write(MAGIC, 0, "latin1");
  header.writeUInt32LE(sourceCrc, 8);
  header.writeUInt32LE(crc(data), 12);
  const partial = `${cacheFile}.${process.pid}-${threadId}.tmp`;
  try {
    writeFileSync(partial, Buffer.concat([header, data]));
    renameSync(partial, cacheFile);
    return true;
  } catch {
    // A read-only installation, a full disk: the next start compiles from source, as without a cache.
    try {
      rmSync(partial, { force: true });
    } catch {
      // Nothing more to do: a stray temporary file is all that is left.
    }
    return false;
  }
}

function readOrNull(path: string): Buffer | null {
  try {
    return readFileSync(path);
  } catch {
    return null;
  }
}
