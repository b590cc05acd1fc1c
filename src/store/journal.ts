/**
 * The write-back journal of a DuckDB store: an append-only file beside the database (`<db>.segql-journal`)
 * where a contact upsert is made durable (one `write` + `fdatasync`, ~0.2 ms) before it is acknowledged;
 * write-back.ts applies its records to the database in batches shortly after. DuckDB's own commit of the
 * same writes costs several statements and a commit (p95 ~7 ms here), which is why the journal exists.
 *
 * One record per line: `<crc32 of the JSON, 8 hex digits> <JSON>\n`. A record is acknowledged only after
 * its line is synced, so a crash can leave at most one torn line, at the end: reading stops at the first
 * line whose checksum or JSON does not hold, and the file is cut back to the records before it.
 *
 * The records the database has applied are a prefix of the file (records are applied in order), and the
 * space they hold is reclaimed (`applied`): the file is emptied when they are all it holds, and once they
 * fill `rotateBytes` it is rewritten with only the records after them:
 *
 *   copy the pending records to `<journal>.rotating` ─▶ fsync it ─▶ rename it over the journal ─▶ fsync the directory
 *
 * A crash before the rename leaves the old journal (every record, the applied ones skipped on replay by the
 * database's mark) and a stray `.rotating` file, removed on open; a crash after it leaves the new journal,
 * which holds every pending record. Rotating runs synchronously, so no record is appended (acknowledged)
 * until the directory entry is durable.
 */
import {
  closeSync,
  constants,
  existsSync,
  fdatasyncSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { dirname } from "node:path";
import { crc32 } from "node:zlib";

/** Bytes of applied records at the journal's start past which it is rewritten without them. */
export const ROTATE_BYTES = 4 * 1024 * 1024;

/** One acknowledged upsert, with everything needed to apply it without re-evaluating anything. */
export interface JournalRecord {
  /** Record number, increasing by one; the database remembers the last one it applied. */
  n: number;
  /** Contact key → column → text written (as `encodeContacts` produced it; null clears). */
  writes: [string, [string, string | null][]][];
  /** The keys that were new contacts. */
  inserted: string[];
  /** Membership changes: seq, segment id, contact key, "entered" | "exited", at (ms), segment version. */
  changes: [number, number, string, "entered" | "exited", number, number][];
  /** Contact key → its dynamic memberships (segment ids) after this record, for the keys whose changed. */
  members: [string, number[]][];
}

/** The journal's file (or, for a `:memory:` database, nothing: records live only in the process). */
export class Journal {
  /** Applied bytes at the file's start that make `applied` rewrite it (tests lower it). */
  rotateBytes = ROTATE_BYTES;
  /** Times the file was rewritten without its applied records (for tests and benchmarks). */
  rotations = 0;

  private fd: number | null;
  private size: number;
  /** Number and end offset of each record in the file, in file order. */
  private readonly numbers: number[];
  private readonly ends: number[];
  /** How many of them (a prefix) the database has applied. */
  private appliedCount = 0;
  /** Applied bytes below which no rotation is tried (raised after a rotation that could not be done). */
  private rotateFloor = 0;

  private constructor(
    readonly path: string | null,
    fd: number | null,
    size: number,
    numbers: number[],
    ends: number[],
    /** Told of a rewrite that failed (the journal is unchanged and keeps growing until one succeeds). */
    private readonly warn: (message: string) => void,
  ) {
    this.fd = fd;
    this.size = size;
    this.numbers = numbers;
    this.ends = ends;
  }

  /** Opens (creating) the journal at `path` and returns it with the intact records it holds, in order. */
  static open(path: string | null, warn: (message: string) => void = () => {}): { journal: Journal; records: JournalRecord[] } {
    if (path === null) return { journal: new Journal(null, null, 0, [], [], warn), records: [] };
    // A rewrite that did not reach its rename: the journal itself still holds every record.
    if (existsSync(rotatingPath(path))) unlinkSync(rotatingPath(path));
    const text = existsSync(path) ? readFileSync(path) : Buffer.alloc(0);
    const records: JournalRecord[] = [];
    const ends: number[] = [];
    let good = 0;
    let at = 0;
    while (at < text.length) {
      const end = text.indexOf(10, at);
      if (end < 0) break;
      const record = parseLine(text.subarray(at, end));
      if (!record) break;
      records.push(record);
      at = end + 1;
      ends.push(at);
      good = at;
    }
    const fd = openSync(path, "a+");
    // A torn or corrupt tail was never acknowledged: drop it, so new records follow the intact ones.
    if (good < fstatSync(fd).size) {
      ftruncateSync(fd, good);
      fdatasyncSync(fd);
    }
    return { journal: new Journal(path, fd, good, records.map((r) => r.n), ends, warn), records };
  }

  /** Appends `record` durably (returns once it is on disk). Throws when it cannot; then nothing was kept. */
  append(record: JournalRecord): void {
    if (this.fd === null) {
      if (this.path !== null) throw new Error("the journal is closed");
      return;
    }
    const json = JSON.stringify(record);
    const line = Buffer.from(`${crc32(json).toString(16).padStart(8, "0")} ${json}\n`);
    try {
      writeSync(this.fd, line);
      fdatasyncSync(this.fd);
      this.size += line.length;
      this.numbers.push(record.n);
      this.ends.push(this.size);
    } catch (e) {
      // A partial line would hide the records after it: cut the file back to what was acknowledged.
      try {
        ftruncateSync(this.fd, this.size);
      } catch {
        // The next open drops the torn tail anyway.
      }
      throw e;
    }
  }

  /**
   * The database has applied (committed, with its mark) every record up to number `n`: reclaims their
   * space. Empties the file when they are all it holds; rewrites it with only the later records once the
   * applied ones fill `rotateBytes`. A rewrite that fails before its rename is given up (the journal is
   * unchanged and tried again after another `rotateBytes`); throws only when the directory could not be
   * synced after the rename (the new journal is in place, but its name may not survive a power loss).
   */
  applied(n: number): void {
    while (this.appliedCount < this.numbers.length && this.numbers[this.appliedCount]! <= n) this.appliedCount++;
    if (this.fd === null || this.appliedCount === 0) return;
    if (this.appliedCount === this.numbers.length) {
      try {
        ftruncateSync(this.fd, 0);
        fdatasyncSync(this.fd);
      } catch {
        // The file keeps records the database has applied: replaying skips them (its mark).
        return;
      }
      this.forget(this.appliedCount, this.size);
      this.size = 0;
      this.rotateFloor = 0;
      return;
    }
    const dead = this.ends[this.appliedCount - 1]!;
    if (dead >= Math.max(this.rotateBytes, this.rotateFloor)) this.rotate(dead);
  }

  /** The 1-based line of record `n` in the file (null when it is not there). */
  lineOf(n: number): number | null {
    const i = this.numbers.indexOf(n);
    return i < 0 ? null : i + 1;
  }

  /** Bytes held. */
  get bytes(): number {
    return this.size;
  }

  /** Closes the file; removes it when empty. */
  close(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
    if (this.size === 0 && this.path !== null) {
      try {
        unlinkSync(this.path);
      } catch {
        // Already gone, or not ours to remove: harmless.
      }
    }
  }

  /** Rewrites the file with its bytes from `dead` on (the records not applied yet). */
  private rotate(dead: number): void {
    const path = this.path!;
    const tmp = rotatingPath(path);
    const keep = this.size - dead;
    let next: number | null = null;
    try {
      // O_APPEND as the journal's own descriptor: every later write lands at the end.
      next = openSync(tmp, constants.O_CREAT | constants.O_TRUNC | constants.O_RDWR | constants.O_APPEND, 0o644);
      const chunk = Buffer.allocUnsafe(Math.min(keep, 1 << 20));
      for (let at = 0; at < keep; ) {
        const got = readSync(this.fd!, chunk, 0, Math.min(chunk.length, keep - at), dead + at);
        if (got === 0) throw new Error(`the journal ${path} ended before its recorded size`);
        writeSync(next, chunk, 0, got);
        at += got;
      }
      fsyncSync(next);
      renameSync(tmp, path);
    } catch (e) {
      if (next !== null) closeSync(next);
      try {
        unlinkSync(tmp);
      } catch {
        // Never created; or the next open removes it.
      }
      this.rotateFloor = dead + this.rotateBytes;
      this.warn(
        `the write-back journal ${path} could not be rewritten without its ${dead} bytes of applied records (${e instanceof Error ? e.message : String(e)}); ` +
          `nothing is lost, the journal grows until a later rewrite succeeds (tried again after another ${this.rotateBytes} bytes)`,
      );
      return;
    }
    closeSync(this.fd!);
    this.fd = next;
    this.forget(this.appliedCount, dead);
    this.size = keep;
    this.rotateFloor = 0;
    this.rotations++;
    syncDirectory(dirname(path));
  }

  /** Drops the first `count` records (ending at byte `dead`) from the bookkeeping. */
  private forget(count: number, dead: number): void {
    this.numbers.splice(0, count);
    this.ends.splice(0, count);
    for (let i = 0; i < this.ends.length; i++) this.ends[i] = this.ends[i]! - dead;
    this.appliedCount = 0;
  }
}

/** Where a rewrite of the journal at `path` is prepared. */
export function rotatingPath(path: string): string {
  return `${path}.rotating`;
}

/** Makes a rename inside `dir` durable (POSIX: the entry lives in the directory, synced on its own). */
function syncDirectory(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function parseLine(line: Buffer): JournalRecord | null {
  if (line.length < 10 || line[8] !== 32) return null;
  const json = line.subarray(9).toString("utf8");
  if (line.subarray(0, 8).toString("latin1") !== crc32(json).toString(16).padStart(8, "0")) return null;
  try {
    const r = JSON.parse(json) as JournalRecord;
    return Number.isSafeInteger(r.n) && Array.isArray(r.writes) && Array.isArray(r.changes) && Array.isArray(r.members) && Array.isArray(r.inserted) ? r : null;
  } catch {
    return null;
  }
}
