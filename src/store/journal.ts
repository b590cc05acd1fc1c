/**
 * The write-back journal of a DuckDB store: an append-only file beside the database (`<db>.segql-journal`)
 * where a contact upsert is made durable (one `write` + `fdatasync`, ~0.2 ms) before it is acknowledged;
 * write-back.ts applies its records to the database in batches shortly after. DuckDB's own commit of the
 * same writes costs several statements and a commit (p95 ~7 ms here), which is why the journal exists.
 *
 * One record per line: `<crc32 of the JSON, 8 hex digits> <JSON>\n`. A record is acknowledged only after
 * its line is synced, so a crash can leave at most one torn line, at the end: reading stops at the first
 * line whose checksum or JSON does not hold, and the file is cut back to the records before it.
 */
import { closeSync, fdatasyncSync, ftruncateSync, openSync, readFileSync, unlinkSync, writeSync, existsSync, fstatSync } from "node:fs";
import { crc32 } from "node:zlib";

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
  private fd: number | null;
  private size: number;

  private constructor(
    readonly path: string | null,
    fd: number | null,
    size: number,
  ) {
    this.fd = fd;
    this.size = size;
  }

  /** Opens (creating) the journal at `path` and returns it with the intact records it holds. */
  static open(path: string | null): { journal: Journal; records: JournalRecord[] } {
    if (path === null) return { journal: new Journal(null, null, 0), records: [] };
    const text = existsSync(path) ? readFileSync(path) : Buffer.alloc(0);
    const records: JournalRecord[] = [];
    let good = 0;
    let at = 0;
    while (at < text.length) {
      const end = text.indexOf(10, at);
      if (end < 0) break;
      const record = parseLine(text.subarray(at, end));
      if (!record) break;
      records.push(record);
      at = end + 1;
      good = at;
    }
    const fd = openSync(path, "a+");
    // A torn or corrupt tail was never acknowledged: drop it, so new records follow the intact ones.
    if (good < fstatSync(fd).size) {
      ftruncateSync(fd, good);
      fdatasyncSync(fd);
    }
    return { journal: new Journal(path, fd, good), records };
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

  /** Empties the journal (every record in it is applied to the database). */
  clear(): void {
    if (this.fd === null || this.size === 0) return;
    ftruncateSync(this.fd, 0);
    fdatasyncSync(this.fd);
    this.size = 0;
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
